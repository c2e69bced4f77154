//! The agent API: what you implement ([`ThirdPartyAgent`]) and what it hands back
//! ([`AgentReply`] made of [`AnswerPart`]s, or an [`AgentError`]).
//!
//! This is the only part of the server a user writes code against; it knows nothing of
//! HTTP, so the router, the reply sequencing and the callbacks can change without touching
//! an agent.

use std::fmt;
use std::sync::Arc;

use futures::StreamExt as _;
use futures::stream::BoxStream;

use crate::{AgentAnswer, AgentRequest};

/// An error of your agent. Sobot gets a `500` with `message` in the JSON error body, or,
/// when it asked for a stream, a stream of one `ERROR_END` event whose `llm_answer` is
/// `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentError {
    message: String,
}

impl AgentError {
    /// An error with a message (sent to Sobot: keep secrets out of it).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AgentError {}

/// One part of an answer, as your agent produces it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AnswerPart {
    /// A piece of text: sent as a `MESSAGE` with
    /// [`ServerConfig::answer_type`](super::ServerConfig::answer_type) and
    /// [`ServerConfig::language`](super::ServerConfig::language).
    Text(String),
    /// A complete answer object (for example a `THIRD_ANSWER_INFO` or `THIRD_PROCESS_INFO`
    /// with workflow or card data). `roundid` (and `runtimeid` / `questionid` when the
    /// question has them) are always overwritten with the question's; an empty `companyid`
    /// or `lan` is filled in from the question and the configuration; `message_end` is
    /// computed by the server.
    Answer(Box<AgentAnswer>),
}

impl From<String> for AnswerPart {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for AnswerPart {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<AgentAnswer> for AnswerPart {
    fn from(answer: AgentAnswer) -> Self {
        Self::Answer(Box::new(answer))
    }
}

/// What your agent replies to one question.
///
/// Either shape is served either way: a complete list is sent as one SSE event per part when
/// Sobot asked for a stream, and a stream is collected into a list when it did not.
#[non_exhaustive]
pub enum AgentReply {
    /// The whole answer at once.
    Answers(Vec<AnswerPart>),
    /// The answer part by part (each part is sent as soon as the next one is known, since the
    /// last `MESSAGE` must carry `message_end = true`).
    Stream(BoxStream<'static, AnswerPart>),
}

impl AgentReply {
    /// A reply of one text `MESSAGE`.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Answers(vec![AnswerPart::Text(text.into())])
    }

    /// A reply streamed from any stream of parts.
    pub fn stream<S, P>(parts: S) -> Self
    where
        S: futures::Stream<Item = P> + Send + 'static,
        P: Into<AnswerPart> + Send + 'static,
    {
        Self::Stream(parts.map(Into::into).boxed())
    }
}

impl fmt::Debug for AgentReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Answers(parts) => f.debug_tuple("Answers").field(parts).finish(),
            Self::Stream(_) => f.debug_tuple("Stream").field(&"..").finish(),
        }
    }
}

/// Your AI agent, answering the questions Sobot forwards.
#[common_http::reexports::async_trait]
pub trait ThirdPartyAgent: Send + Sync + 'static {
    /// Answers one question. `request.input_type_enum` says whether it is typed text
    /// (`INPUT`), a workflow button (`PROCESS_CLICK`, see `process_info`) or a card click
    /// (`PROCESS_CARD_CLICK`, see `interface_info`).
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError>;
}

#[common_http::reexports::async_trait]
impl<T: ThirdPartyAgent + ?Sized> ThirdPartyAgent for Arc<T> {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        (**self).answer(request).await
    }
}

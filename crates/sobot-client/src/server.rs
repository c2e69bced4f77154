//! Host your own AI agent behind Sobot (feature `server`).
//!
//! Sobot's "Integration With Third-party AI Agents" POSTs a [`ThirdAlgorithmReqVo`] to a URL
//! you configure; your service answers with [`ThirdAlgorithmRespVo`]s, either at once (a JSON
//! list, `req_stream = false`) or as a server-sent event stream (`req_stream = true`).
//! This module does the protocol; you implement [`ThirdPartyAgent`]:
//!
//! - [`router`] serves the agent as an axum [`Router`] (a non-streaming answer is
//!   `{"ret_code": "000000", "ret_msg": "success", "data": [..]}`, see
//!   [`ServerConfig::envelope`]; a streaming one is one `data: {answer}` event per answer): it parses the request (malformed
//!   JSON is a `400` with a JSON error body), checks an optional shared secret carried in
//!   `params` / `multi_params` (`401`), refuses a body that is declared as something other
//!   than JSON (`415`), bounds the body size (`413`), the time the body may take to arrive
//!   (`408`, against slowloris-style trickled bodies) and the time the agent
//!   may take to reply (`504`), turns a panicking agent into a `500` (the server keeps
//!   serving), carries `roundid` back on every answer and sets `message_end = true` on the
//!   last `MESSAGE` of the answer only.
//! - With a [`SobotClient`] configured ([`ServerConfig::sobot_client`]), a `copilot`
//!   request's answer is also sent to `callback_list`, and a request with a `runtimeid`
//!   (batch test) is reported to `question_call_back`. The callbacks run in the background
//!   (the answer to Sobot never waits on them) and are sent at most once: only a callback
//!   that provably never reached Sobot (no connection could be made) is tried again, with
//!   exponential backoff. Every failure is logged with `tracing`.
//! - [`EnterprisePayload`] is an axum extractor for what the AI agent POSTs to an
//!   enterprise interface (task-workflow interface nodes, action management).
//!
//! ```no_run
//! use sobot_client::server::{AgentError, AgentReply, ServerConfig, ThirdPartyAgent, router};
//! use sobot_client::ThirdAlgorithmReqVo;
//!
//! struct Echo;
//!
//! #[sobot_client::common_http::reexports::async_trait]
//! impl ThirdPartyAgent for Echo {
//!     async fn answer(&self, request: ThirdAlgorithmReqVo) -> Result<AgentReply, AgentError> {
//!         Ok(AgentReply::text(format!("you said: {}", request.question)))
//!     }
//! }
//!
//! # async fn demo() -> std::io::Result<()> {
//! let app = router(Echo, ServerConfig::new().shared_secret("token", "s3cret"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8787").await?;
//! sobot_client::server::axum::serve(listener, app).await
//! # }
//! ```

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use common_http::{RequestOptions, RetryPolicy, Secret};
use futures::stream::BoxStream;
use futures::{FutureExt as _, StreamExt as _};
use serde_json::{Map, Value};

use crate::{
    EnterpriseInterfacePayload, QuestionCallBack, RobotAnswerMessageType, RobotAnswerType,
    SobotClient, ThirdAlgorithmReqVo, ThirdAlgorithmRespVo, ThirdCallbackListRespVo,
};

pub use axum;

/// The `ret_code` of a successful non-streaming answer.
pub const SUCCESS_CODE: &str = "000000";
/// The default limit of a request body: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// The default time the agent has to produce its reply: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time a request body may take to arrive: 10 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of attempts of a callback to Sobot that could not connect.
pub const DEFAULT_CALLBACK_ATTEMPTS: u32 = 4;
/// The default delay before the second attempt of a callback (doubled after each attempt).
pub const DEFAULT_CALLBACK_BACKOFF: Duration = Duration::from_millis(500);

/// An error of your agent; Sobot gets a `500` with `message` in the JSON error body.
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
    /// A piece of text: sent as a `MESSAGE` with [`ServerConfig::answer_type`] and
    /// [`ServerConfig::language`].
    Text(String),
    /// A complete answer object (for example a `THIRD_ANSWER_INFO` or `THIRD_PROCESS_INFO`
    /// with workflow or card data). `roundid` (and `runtimeid` / `questionid` when the
    /// question has them) are always overwritten with the question's; an empty `companyid`
    /// or `lan` is filled in from the question and the configuration; `message_end` is
    /// computed by the server.
    Answer(Box<ThirdAlgorithmRespVo>),
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

impl From<ThirdAlgorithmRespVo> for AnswerPart {
    fn from(answer: ThirdAlgorithmRespVo) -> Self {
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
    async fn answer(&self, request: ThirdAlgorithmReqVo) -> Result<AgentReply, AgentError>;
}

#[common_http::reexports::async_trait]
impl<T: ThirdPartyAgent + ?Sized> ThirdPartyAgent for Arc<T> {
    async fn answer(&self, request: ThirdAlgorithmReqVo) -> Result<AgentReply, AgentError> {
        (**self).answer(request).await
    }
}

/// Where a shared secret is looked for, and its expected value.
#[derive(Debug, Clone)]
struct SharedSecret {
    key: String,
    expected: Secret,
}

impl SharedSecret {
    /// Whether `params` or `multi_params` carries `key` with the expected value (a string,
    /// or any other JSON value compared by its JSON text), in constant time.
    fn matches(&self, maps: [Option<&Map<String, Value>>; 2]) -> bool {
        let mut ok = false;
        for map in maps.into_iter().flatten() {
            if let Some(value) = map.get(&self.key) {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                ok |= common_http::constant_time_eq(
                    text.as_bytes(),
                    self.expected.expose().as_bytes(),
                );
            }
        }
        ok
    }
}

/// How the inbound server behaves; see each setter for its default.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    path: String,
    body_limit: usize,
    request_timeout: Duration,
    read_timeout: Duration,
    shared_secret: Option<SharedSecret>,
    client: Option<SobotClient>,
    callback_attempts: u32,
    callback_backoff: Duration,
    language: String,
    answer_type: RobotAnswerType,
    envelope: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            path: "/".to_owned(),
            body_limit: DEFAULT_BODY_LIMIT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            shared_secret: None,
            client: None,
            callback_attempts: DEFAULT_CALLBACK_ATTEMPTS,
            callback_backoff: DEFAULT_CALLBACK_BACKOFF,
            language: crate::DEFAULT_LANGUAGE.to_owned(),
            answer_type: RobotAnswerType::QaDirect,
            envelope: true,
        }
    }
}

impl ServerConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The path the router answers `POST` on (default `/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The largest request body accepted, in bytes (default [`DEFAULT_BODY_LIMIT`]); a
    /// larger one is answered `413`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long the agent may take to produce its reply (default
    /// [`DEFAULT_REQUEST_TIMEOUT`]); after that Sobot gets a `504`. For a streamed reply
    /// this bounds the time until the stream is returned, not the whole stream.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long the request body may take to arrive once the headers are in (default
    /// [`DEFAULT_READ_TIMEOUT`]); a slower body is answered `408` and its connection closed,
    /// so a client trickling a byte at a time cannot hold a request open forever.
    ///
    /// The router only sees a request once its headers are complete: bound the header
    /// phase where you serve it (your reverse proxy, or hyper's `header_read_timeout`;
    /// `axum::serve` sets none).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Requires `params[key]` or `multi_params[key]` of every request to equal `expected`
    /// (compared in constant time); otherwise Sobot gets a `401`. Off by default.
    pub fn shared_secret(mut self, key: impl Into<String>, expected: impl Into<Secret>) -> Self {
        self.shared_secret = Some(SharedSecret {
            key: key.into(),
            expected: expected.into(),
        });
        self
    }

    /// The client the `callback_list` (copilot) and `question_call_back` (batch test)
    /// callbacks are sent with. Without one, those callbacks are logged as errors and
    /// skipped.
    pub fn sobot_client(mut self, client: SobotClient) -> Self {
        self.client = Some(client);
        self
    }

    /// Attempts per callback (default [`DEFAULT_CALLBACK_ATTEMPTS`], at least 1) and the
    /// delay before the second attempt, doubled after each one (default
    /// [`DEFAULT_CALLBACK_BACKOFF`]).
    ///
    /// A callback is not idempotent, so only a failure to connect (the request provably
    /// never reached Sobot) is tried again. Once the request may have reached Sobot (a reset
    /// connection, a cut body, a timeout, a 5xx or 429 answer) the failure is logged and the
    /// callback is not sent again: a second delivery could duplicate the answer.
    pub fn callback_retry(mut self, attempts: u32, first_backoff: Duration) -> Self {
        self.callback_attempts = attempts.max(1);
        self.callback_backoff = first_backoff;
        self
    }

    /// The `lan` of answers that leave it empty (default [`crate::DEFAULT_LANGUAGE`]).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }

    /// Whether a non-streaming answer is wrapped in Sobot's envelope,
    /// `{"ret_code": "000000", "ret_msg": "success", "data": [answers]}` (default `true`,
    /// the document's "Return result" table), or sent as the bare JSON list (`false`).
    pub fn envelope(mut self, envelope: bool) -> Self {
        self.envelope = envelope;
        self
    }

    /// The `answer_type` of [`AnswerPart::Text`] parts (default `QA_DIRECT`).
    pub fn answer_type(mut self, answer_type: RobotAnswerType) -> Self {
        self.answer_type = answer_type;
        self
    }
}

struct Inner {
    agent: Box<dyn ThirdPartyAgent>,
    config: ServerConfig,
}

/// The axum router serving `agent` with `config` (`POST` on [`ServerConfig::path`]).
///
/// Merge or nest it into your own application, or serve it with [`axum::serve()`].
pub fn router<A: ThirdPartyAgent>(agent: A, config: ServerConfig) -> Router {
    let limit = config.body_limit;
    let path = config.path.clone();
    let inner = Arc::new(Inner {
        agent: Box::new(agent),
        config,
    });
    Router::new()
        .route(&path, post(handle))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(inner)
}

/// A JSON error response: `{"error": kind, "message": message}`.
fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": kind, "message": message });
    (status, axum::Json(body)).into_response()
}

fn rejection_response(rejection: &BytesRejection) -> Response {
    let status = rejection.status();
    let kind = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "payload_too_large"
    } else {
        "bad_request"
    };
    error_response(status, kind, &rejection.body_text())
}

/// A `415` unless the request declares a JSON body (`application/json` or `*/*+json`, any
/// parameters) or declares no content type at all (read as JSON, leniently).
fn reject_content_type(headers: &header::HeaderMap) -> Option<Response> {
    let value = headers.get(header::CONTENT_TYPE)?;
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || (essence.contains('/') && essence.ends_with("+json")) {
        return None;
    }
    Some(error_response(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "the request body must be JSON (Content-Type: application/json)",
    ))
}

async fn handle(State(inner): State<Arc<Inner>>, request: Request) -> Response {
    if let Some(response) = reject_content_type(request.headers()) {
        return response;
    }
    let read = Bytes::from_request(request, &());
    let body = match tokio::time::timeout(inner.config.read_timeout, read).await {
        Ok(Ok(body)) => body,
        Ok(Err(rejection)) => return rejection_response(&rejection),
        Err(_) => {
            tracing::warn!(timeout = ?inner.config.read_timeout, "sobot inbound request body too slow");
            let mut response = error_response(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the request body did not arrive in time",
            );
            // The rest of the body is never read: the connection cannot be reused.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
    };
    let request: ThirdAlgorithmReqVo = {
        let de = &mut serde_json::Deserializer::from_slice(&body);
        match parse_json(de) {
            Ok(request) => request,
            Err(message) => {
                return error_response(StatusCode::BAD_REQUEST, "bad_request", &message);
            }
        }
    };
    if let Some(secret) = &inner.config.shared_secret
        && !secret.matches([request.params.as_ref(), request.multi_params.as_ref()])
    {
        tracing::warn!(roundid = %request.roundid, "sobot inbound request with a wrong or missing shared secret");
        return error_response(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong shared secret",
        );
    }
    let ctx = ReplyContext::new(&request, &inner.config);
    let timeout = inner.config.request_timeout;
    let call = AssertUnwindSafe(inner.agent.answer(request)).catch_unwind();
    let reply = match tokio::time::timeout(timeout, call).await {
        Err(_) => {
            tracing::error!(roundid = %ctx.roundid, ?timeout, "sobot inbound agent timed out");
            return error_response(
                StatusCode::GATEWAY_TIMEOUT,
                "timeout",
                "the agent did not answer in time",
            );
        }
        Ok(Err(_panic)) => {
            tracing::error!(roundid = %ctx.roundid, "sobot inbound agent panicked");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "agent_panicked",
                "the agent failed",
            );
        }
        Ok(Ok(Err(error))) => {
            tracing::error!(roundid = %ctx.roundid, %error, "sobot inbound agent failed");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "agent_error",
                error.message(),
            );
        }
        Ok(Ok(Ok(reply))) => reply,
    };
    let callbacks = Callbacks::new(&ctx, &inner.config);
    if ctx.stream {
        stream_response(reply, ctx, callbacks)
    } else {
        list_response(reply, ctx, callbacks, inner.config.envelope).await
    }
}

/// Deserialises with a message that names where the JSON went wrong (line and column).
fn parse_json<'de, T: serde::Deserialize<'de>>(
    de: &mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>,
) -> Result<T, String> {
    let value = T::deserialize(&mut *de).map_err(|e| format!("invalid request body: {e}"))?;
    de.end().map_err(|e| format!("invalid request body: {e}"))?;
    Ok(value)
}

/// What every answer to one question shares.
#[derive(Debug, Clone)]
struct ReplyContext {
    roundid: String,
    companyid: String,
    runtimeid: Option<String>,
    questionid: Option<String>,
    copilot: bool,
    stream: bool,
    language: String,
    answer_type: RobotAnswerType,
}

impl ReplyContext {
    fn new(request: &ThirdAlgorithmReqVo, config: &ServerConfig) -> Self {
        Self {
            roundid: request.roundid.clone(),
            companyid: request.companyid.clone(),
            runtimeid: request.runtimeid.clone().filter(|s| !s.is_empty()),
            questionid: request.questionid.clone().filter(|s| !s.is_empty()),
            copilot: request.copilot,
            stream: request.req_stream,
            language: config.language.clone(),
            answer_type: config.answer_type.clone(),
        }
    }

    /// The part as a complete answer, `message_end` false.
    fn complete(&self, part: AnswerPart) -> ThirdAlgorithmRespVo {
        let mut answer = match part {
            AnswerPart::Text(text) => ThirdAlgorithmRespVo::new(
                self.answer_type.clone(),
                RobotAnswerMessageType::Message,
                self.language.clone(),
                text,
                self.roundid.clone(),
                self.companyid.clone(),
                false,
            ),
            AnswerPart::Answer(answer) => *answer,
        };
        answer.roundid.clone_from(&self.roundid);
        if answer.companyid.is_empty() {
            answer.companyid.clone_from(&self.companyid);
        }
        if answer.lan.is_empty() {
            answer.lan.clone_from(&self.language);
        }
        if self.runtimeid.is_some() {
            answer.runtimeid.clone_from(&self.runtimeid);
        }
        if self.questionid.is_some() {
            answer.questionid.clone_from(&self.questionid);
        }
        answer.message_end = false;
        answer
    }
}

fn is_message(answer: &ThirdAlgorithmRespVo) -> bool {
    answer.robot_answer_message_type == RobotAnswerMessageType::Message
}

/// Completes parts in order, holding back the latest `MESSAGE` (and the answers after it)
/// until it is known whether it is the last `MESSAGE` of the answer.
#[derive(Debug)]
struct Sequencer {
    ctx: ReplyContext,
    /// Empty, or a `MESSAGE` followed by non-`MESSAGE` answers.
    held: VecDeque<ThirdAlgorithmRespVo>,
}

impl Sequencer {
    fn new(ctx: ReplyContext) -> Self {
        Self {
            ctx,
            held: VecDeque::new(),
        }
    }

    /// Adds `part`; what is now ready to send goes to `out`.
    fn push(&mut self, part: AnswerPart, out: &mut VecDeque<ThirdAlgorithmRespVo>) {
        let answer = self.ctx.complete(part);
        if is_message(&answer) {
            // The held MESSAGE is not the last one.
            out.append(&mut self.held);
            self.held.push_back(answer);
        } else if self.held.is_empty() {
            out.push_back(answer);
        } else {
            self.held.push_back(answer);
        }
    }

    /// Ends the answer: the held `MESSAGE` is the last one.
    fn finish(&mut self, out: &mut VecDeque<ThirdAlgorithmRespVo>) {
        if let Some(last) = self.held.front_mut() {
            last.message_end = true;
        }
        out.append(&mut self.held);
    }
}

/// The answers of a complete list, in order, with `message_end` set.
fn complete_all(ctx: &ReplyContext, parts: Vec<AnswerPart>) -> Vec<ThirdAlgorithmRespVo> {
    let mut sequencer = Sequencer::new(ctx.clone());
    let mut out = VecDeque::new();
    for part in parts {
        sequencer.push(part, &mut out);
    }
    sequencer.finish(&mut out);
    out.into()
}

async fn list_response(
    reply: AgentReply,
    ctx: ReplyContext,
    callbacks: Callbacks,
    envelope: bool,
) -> Response {
    let parts = match reply {
        AgentReply::Answers(parts) => parts,
        AgentReply::Stream(stream) => {
            let collected = AssertUnwindSafe(stream)
                .catch_unwind()
                .take_while(|item| futures::future::ready(item.is_ok()))
                .filter_map(|item| futures::future::ready(item.ok()))
                .collect::<Vec<_>>();
            match tokio::time::timeout(callbacks.timeout, collected).await {
                Ok(parts) => parts,
                Err(_) => {
                    tracing::error!(roundid = %ctx.roundid, "sobot inbound agent stream timed out");
                    return error_response(
                        StatusCode::GATEWAY_TIMEOUT,
                        "timeout",
                        "the agent did not answer in time",
                    );
                }
            }
        }
    };
    let answers = complete_all(&ctx, parts);
    callbacks.spawn(&answers);
    if envelope {
        let body = serde_json::json!({
            "ret_code": SUCCESS_CODE,
            "ret_msg": "success",
            "data": answers,
        });
        (StatusCode::OK, axum::Json(body)).into_response()
    } else {
        (StatusCode::OK, axum::Json(answers)).into_response()
    }
}

fn sse_event(answer: &ThirdAlgorithmRespVo) -> Option<Bytes> {
    match serde_json::to_string(answer) {
        Ok(json) => Some(Bytes::from(format!("data: {json}\n\n"))),
        Err(error) => {
            tracing::error!(%error, "sobot inbound answer could not be serialised");
            None
        }
    }
}

struct StreamState {
    parts: BoxStream<'static, Result<AnswerPart, Box<dyn std::any::Any + Send>>>,
    sequencer: Sequencer,
    out: VecDeque<ThirdAlgorithmRespVo>,
    sent: Vec<ThirdAlgorithmRespVo>,
    finished: bool,
    callbacks: Option<Callbacks>,
}

fn stream_response(reply: AgentReply, ctx: ReplyContext, callbacks: Callbacks) -> Response {
    let parts: BoxStream<'static, AnswerPart> = match reply {
        AgentReply::Answers(parts) => futures::stream::iter(parts).boxed(),
        AgentReply::Stream(stream) => stream,
    };
    let state = StreamState {
        parts: AssertUnwindSafe(parts).catch_unwind().boxed(),
        sequencer: Sequencer::new(ctx.clone()),
        out: VecDeque::new(),
        sent: Vec::new(),
        finished: false,
        callbacks: Some(callbacks),
    };
    let body = futures::stream::unfold(state, move |mut st| {
        let ctx = ctx.clone();
        async move {
            loop {
                if let Some(answer) = st.out.pop_front() {
                    let event = sse_event(&answer);
                    st.sent.push(answer);
                    if let Some(event) = event {
                        return Some((Ok::<_, Infallible>(event), st));
                    }
                    continue;
                }
                if st.finished {
                    if let Some(callbacks) = st.callbacks.take() {
                        callbacks.spawn(&st.sent);
                    }
                    return None;
                }
                match st.parts.next().await {
                    Some(Ok(part)) => st.sequencer.push(part, &mut st.out),
                    Some(Err(_panic)) => {
                        tracing::error!(roundid = %ctx.roundid, "sobot inbound agent stream panicked");
                        st.sequencer.finish(&mut st.out);
                        let mut end = ctx.complete(AnswerPart::Text(String::new()));
                        end.robot_answer_message_type = RobotAnswerMessageType::ErrorEnd;
                        st.out.push_back(end);
                        st.finished = true;
                        // A broken answer is not reported to the callbacks.
                        st.callbacks = None;
                    }
                    None => {
                        st.sequencer.finish(&mut st.out);
                        st.finished = true;
                    }
                }
            }
        }
    });
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The callbacks one answer owes Sobot.
#[derive(Debug)]
struct Callbacks {
    client: Option<SobotClient>,
    copilot: bool,
    batch_test: bool,
    roundid: String,
    attempts: u32,
    backoff: Duration,
    timeout: Duration,
}

impl Callbacks {
    fn new(ctx: &ReplyContext, config: &ServerConfig) -> Self {
        Self {
            client: config.client.clone(),
            copilot: ctx.copilot,
            batch_test: ctx.runtimeid.is_some(),
            roundid: ctx.roundid.clone(),
            attempts: config.callback_attempts,
            backoff: config.callback_backoff,
            timeout: config.request_timeout,
        }
    }

    /// How a callback is sent: never marked idempotent, so the runtime retries it (with
    /// this backoff, up to this many attempts) only when no connection could be made, and
    /// logs every retry.
    fn options(&self) -> RequestOptions {
        let policy = RetryPolicy::default()
            .max_attempts(self.attempts)
            .initial_backoff(self.backoff)
            .jitter(false);
        RequestOptions::new().idempotent(false).retry(policy)
    }

    /// Starts the owed callbacks in the background.
    fn spawn(self, answers: &[ThirdAlgorithmRespVo]) {
        if !self.copilot && !self.batch_test {
            return;
        }
        let Some(client) = self.client.clone() else {
            tracing::error!(
                roundid = %self.roundid,
                copilot = self.copilot,
                batch_test = self.batch_test,
                "sobot inbound callback owed but no SobotClient is configured; not sent"
            );
            return;
        };
        let options = self.options();
        if self.copilot {
            let body = ThirdCallbackListRespVo::new(answers.to_vec());
            let (client, roundid) = (client.clone(), self.roundid.clone());
            let options = options.clone();
            tokio::spawn(async move {
                let call = crate::CallbackList::new(client.http().clone(), body)
                    .with_options(options)
                    .send();
                deliver("callback_list", &roundid, call).await;
            });
        }
        if self.batch_test {
            let Some(result) = batch_result(answers) else {
                tracing::error!(roundid = %self.roundid, "sobot inbound batch test produced no answer; question_call_back not sent");
                return;
            };
            let roundid = self.roundid;
            tokio::spawn(async move {
                let call = QuestionCallBack::new(client.http().clone(), result)
                    .with_options(options)
                    .send();
                deliver("question_call_back", &roundid, call).await;
            });
        }
    }
}

/// The one answer `question_call_back` takes: the first non-`MESSAGE` answer (or the first
/// answer), with the text of all `MESSAGE`s when there are any, `message_end = true` and
/// `success = true` unless the agent said otherwise.
fn batch_result(answers: &[ThirdAlgorithmRespVo]) -> Option<ThirdAlgorithmRespVo> {
    let base = answers
        .iter()
        .find(|a| !is_message(a))
        .or_else(|| answers.first())?;
    let mut result = base.clone();
    let text: String = answers
        .iter()
        .filter(|a| is_message(a))
        .map(|a| a.llm_answer.as_str())
        .collect();
    if answers.iter().any(is_message) {
        result.llm_answer = text;
    }
    result.message_end = true;
    if result.success.is_none() {
        result.success = Some(true);
    }
    Some(result)
}

/// Awaits one callback (retries, if any, happen inside it) and logs how it ended.
async fn deliver<Fut>(name: &str, roundid: &str, call: Fut)
where
    Fut: std::future::Future<Output = Result<Value, common_http::Error>>,
{
    match call.await {
        Ok(_) => tracing::debug!(callback = name, roundid, "sobot callback delivered"),
        Err(error) => {
            tracing::error!(callback = name, roundid, %error, "sobot callback failed; giving up");
        }
    }
}

/// What the AI agent POSTs (JSON) to an enterprise interface of a task-workflow interface
/// node or the action management module: the fixed parameters and your custom ones.
///
/// Use it as an axum handler argument; a body that is not a JSON object is answered `400`
/// with a JSON error body. `params` and `multiParams` are read whether they arrive as
/// objects or as JSON text.
///
/// ```no_run
/// use sobot_client::server::EnterprisePayload;
/// use sobot_client::server::axum::{Json, Router, routing::post};
///
/// async fn order_status(payload: EnterprisePayload) -> Json<serde_json::Value> {
///     let order = payload.custom.get("orderNo").cloned().unwrap_or_default();
///     Json(serde_json::json!({ "order": order, "status": "shipped" }))
/// }
/// let app: Router = Router::new().route("/order-status", post(order_status));
/// ```
///
/// `Debug` hides `params` and `multiParams`: they may carry the enterprise's token.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct EnterprisePayload {
    /// `partnerId`: the customer's integration id passed at the start of the chat.
    pub partner_id: Option<String>,
    /// `params` (an object; JSON text is parsed, other text is kept under `"value"`).
    pub params: Option<Map<String, Value>>,
    /// `multiParams` (an object; JSON text is parsed, other text is kept under `"value"`).
    pub multi_params: Option<Map<String, Value>>,
    /// `source`: 0 desktop website, 2 app, 4 mobile website.
    pub source: Option<i32>,
    /// `robotNo`: the bot number.
    pub robot_no: Option<String>,
    /// `docId`: the id of the issue this call is for.
    pub doc_id: Option<String>,
    /// Every other field: your custom request parameters.
    pub custom: Map<String, Value>,
}

impl fmt::Debug for EnterprisePayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |map: &Option<Map<String, Value>>| map.as_ref().map(|_| "[redacted]");
        f.debug_struct("EnterprisePayload")
            .field("partner_id", &self.partner_id)
            .field("params", &redacted(&self.params))
            .field("multi_params", &redacted(&self.multi_params))
            .field("source", &self.source)
            .field("robot_no", &self.robot_no)
            .field("doc_id", &self.doc_id)
            .field("custom", &self.custom)
            .finish()
    }
}

const ENTERPRISE_FIXED: [&str; 6] = [
    "partnerId",
    "params",
    "multiParams",
    "source",
    "robotNo",
    "docId",
];

impl EnterprisePayload {
    /// Parses a JSON body.
    pub fn from_json(body: &[u8]) -> Result<Self, String> {
        let mut all: Map<String, Value> =
            serde_json::from_slice(body).map_err(|e| format!("invalid request body: {e}"))?;
        let mut fixed = Map::new();
        for key in ENTERPRISE_FIXED {
            if let Some(value) = all.remove(key)
                && !value.is_null()
            {
                fixed.insert(key.to_owned(), value);
            }
        }
        let fixed: EnterpriseInterfacePayload = serde_json::from_value(Value::Object(fixed))
            .map_err(|e| format!("invalid request body: {e}"))?;
        Ok(Self {
            partner_id: fixed.partner_id,
            params: fixed.params.map(object_of),
            multi_params: fixed.multi_params.map(object_of),
            source: fixed.source,
            robot_no: fixed.robot_no,
            doc_id: fixed.doc_id,
            custom: all,
        })
    }

    /// `params[key]`, else `multiParams[key]`.
    pub fn param(&self, key: &str) -> Option<&Value> {
        [self.params.as_ref(), self.multi_params.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|map| map.get(key))
    }

    /// Whether `params[key]` or `multiParams[key]` equals `expected` (a string, or another
    /// JSON value compared by its JSON text), compared in constant time.
    pub fn has_secret(&self, key: &str, expected: &Secret) -> bool {
        SharedSecret {
            key: key.to_owned(),
            expected: expected.clone(),
        }
        .matches([self.params.as_ref(), self.multi_params.as_ref()])
    }
}

fn object_of(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        Value::String(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            _ if text.is_empty() => Map::new(),
            _ => Map::from_iter([("value".to_owned(), Value::String(text))]),
        },
        Value::Null => Map::new(),
        other => Map::from_iter([("value".to_owned(), other)]),
    }
}

/// Why an [`EnterprisePayload`] could not be extracted: answered with its status (`400`,
/// or `413` over the body limit) and a JSON error body.
#[derive(Debug)]
pub struct EnterprisePayloadRejection {
    status: StatusCode,
    message: String,
}

impl EnterprisePayloadRejection {
    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for EnterprisePayloadRejection {
    fn into_response(self) -> Response {
        let kind = if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        error_response(self.status, kind, &self.message)
    }
}

impl<S: Send + Sync> FromRequest<S> for EnterprisePayload {
    type Rejection = EnterprisePayloadRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            EnterprisePayloadRejection {
                status: rejection.status(),
                message: rejection.body_text(),
            }
        })?;
        Self::from_json(&body).map_err(|message| EnterprisePayloadRejection {
            status: StatusCode::BAD_REQUEST,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ReplyContext {
        ReplyContext {
            roundid: "r1".into(),
            companyid: "c1".into(),
            runtimeid: None,
            questionid: None,
            copilot: false,
            stream: true,
            language: "en".into(),
            answer_type: RobotAnswerType::QaDirect,
        }
    }

    fn info(text: &str) -> AnswerPart {
        ThirdAlgorithmRespVo::new(
            RobotAnswerType::QaDirect,
            RobotAnswerMessageType::ThirdAnswerInfo,
            "",
            text,
            "other-round",
            "",
            true,
        )
        .into()
    }

    #[test]
    fn only_the_last_message_ends_and_order_is_kept() {
        let parts = vec![info("i0"), "a".into(), info("i1"), "b".into(), info("i2")];
        let answers = complete_all(&ctx(), parts);
        let seen: Vec<(&str, bool)> = answers
            .iter()
            .map(|a| (a.llm_answer.as_str(), a.message_end))
            .collect();
        assert_eq!(
            seen,
            [
                ("i0", false),
                ("a", false),
                ("i1", false),
                ("b", true),
                ("i2", false)
            ]
        );
        assert!(
            answers
                .iter()
                .all(|a| a.roundid == "r1" && a.companyid == "c1" && a.lan == "en")
        );
    }

    #[test]
    fn enterprise_payload_keeps_custom_fields_and_reads_string_params() {
        let body = br#"{"partnerId":"p","params":"{\"token\":\"t\"}","multiParams":{"city":"Beijing"},"source":"0","robotNo":1,"docId":"d","orderNo":"42"}"#;
        let payload = EnterprisePayload::from_json(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(payload.partner_id.as_deref(), Some("p"));
        assert_eq!(payload.source, Some(0));
        assert_eq!(payload.robot_no.as_deref(), Some("1"));
        assert_eq!(payload.param("city"), Some(&Value::from("Beijing")));
        assert!(payload.has_secret("token", &Secret::new("t")));
        assert!(!payload.has_secret("token", &Secret::new("u")));
        assert_eq!(payload.custom.get("orderNo"), Some(&Value::from("42")));
        assert_eq!(payload.custom.len(), 1);
    }
}

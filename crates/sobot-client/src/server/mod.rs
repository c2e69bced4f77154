//! Host your own AI agent behind Sobot (feature `server`).
//!
//! Sobot's "Integration With Third-party AI Agents" POSTs a [`AgentRequest`] to a URL
//! you configure; your service answers with [`AgentAnswer`]s, either at once (a JSON
//! list, `req_stream = false`) or as a server-sent event stream (`req_stream = true`).
//! This module does the protocol; you implement [`ThirdPartyAgent`]:
//!
//! - [`router`] serves the agent as an axum [`Router`] (a non-streaming answer is
//!   `{"ret_code": "000000", "ret_msg": "success", "data": [..]}`, see
//!   [`ServerConfig::envelope`]; a streaming one is one `data: {answer}` event per answer): it parses the request (malformed
//!   JSON is a `400` with a JSON error body), checks the shared secret carried in
//!   `params` / `multi_params` (`401`; required unless you opt out with
//!   [`ServerConfig::without_shared_secret`]), refuses a body that is declared as something other
//!   than JSON (`415`), bounds the body size (`413`), the time the body may take to arrive
//!   (`408`, against slowloris-style trickled bodies) and the time the agent
//!   may take to reply (`504`, the whole reply when it is not streamed), turns a panicking
//!   agent into a `500` (the server keeps serving), carries `roundid` back on every answer and sets `message_end = true` on the
//!   last `MESSAGE` of the answer only. In a stream, `ANSWER_INFO` / `PROCESS_INFO` go out
//!   as `THIRD_ANSWER_INFO` / `THIRD_PROCESS_INFO` (the document's names for third-party
//!   streams), and an agent that fails (an error, a panic, the timeout) ends the stream
//!   with one `ERROR_END` event instead of a `500` / `504`.
//! - With a [`SobotClient`] configured ([`ServerConfig::sobot_client`]), a `copilot`
//!   request's answer is also sent to `callback_list`, and a request with a `runtimeid`
//!   (batch test) is reported to `question_call_back`, when the request carried the shared
//!   secret (never without one, so no caller can make the server call Sobot with the
//!   company's token). The callbacks run in the background
//!   (the answer to Sobot never waits on them) and are sent at most once: only a callback
//!   that provably never reached Sobot (no connection could be made) is tried again, with
//!   exponential backoff. Every failure is logged with `tracing`.
//! - [`EnterprisePayload`] is an axum extractor for what the AI agent POSTs to an
//!   enterprise interface (task-workflow interface nodes, action management).
//!
//! ```no_run
//! use sobot_client::server::{AgentError, AgentReply, ServerConfig, ThirdPartyAgent, router};
//! use sobot_client::AgentRequest;
//!
//! struct Echo;
//!
//! #[sobot_client::server::async_trait]
//! impl ThirdPartyAgent for Echo {
//!     async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
//!         Ok(AgentReply::text(format!("you said: {}", request.question)))
//!     }
//! }
//!
//! # async fn demo() -> std::io::Result<()> {
//! let config = ServerConfig::new().shared_secret("token", "s3cret");
//! let app = router(Echo, config).map_err(std::io::Error::other)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8787").await?;
//! sobot_client::server::axum::serve(listener, app).await
//! # }
//! ```
//!
//! The code is split by job: the agent API (`agent.rs`), the configuration (`config.rs`),
//! request handling (`router.rs`), reply sequencing (`sequence.rs`), the
//! JSON / SSE reply (`reply.rs`), callbacks to Sobot (`callback.rs`), the enterprise
//! extractor (`enterprise.rs`), and two helpers shared by several of them: the
//! shared-secret check (`secret.rs`) and the JSON error body (`error.rs`).
//!
//! [`AgentRequest`]: crate::AgentRequest
//! [`AgentAnswer`]: crate::AgentAnswer
//! [`Router`]: axum::Router
//! [`SobotClient`]: crate::SobotClient

mod agent;
mod callback;
mod config;
mod enterprise;
mod error;
mod reply;
mod router;
mod secret;
mod sequence;

pub use axum;
/// The attribute an implementation of [`ThirdPartyAgent`] carries.
pub use common_http::reexports::async_trait;

pub use agent::{AgentError, AgentReply, AnswerPart, ThirdPartyAgent};
pub use config::{
    DEFAULT_BODY_LIMIT, DEFAULT_CALLBACK_ATTEMPTS, DEFAULT_CALLBACK_BACKOFF, DEFAULT_READ_TIMEOUT,
    DEFAULT_REQUEST_TIMEOUT, ServerConfig, ServerConfigError,
};
pub use enterprise::{EnterprisePayload, EnterprisePayloadRejection};
pub use router::router;

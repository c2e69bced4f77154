//! Client for the Sobot large-model customer-service API (token, Q&A, sessions, statistics).
//!
//! - [`SobotClient`]: built with [`SobotClient::builder`] or [`SobotClient::from_env`], with
//!   region presets ([`Region`]) and base-URL overrides. It manages one shared token
//!   (signed `get_token`, refreshed ahead of expiry by one caller at a time, re-acquired
//!   once when the API says it is invalid).
//! - Q&A: [`SobotClient::ask_init`], [`SobotClient::answer`] (a stream of typed
//!   [`AnswerEvent`]s), [`SobotClient::answer_no_stream`], [`SobotClient::end_session`],
//!   [`SobotClient::get_push_info`] and [`SobotClient::poll_node_timeout`].
//! - [`Conversation`]: one session, initialised once, carrying `ai_agent_cid`.
//! - [`workflow`]: the next request after a workflow button or card click.
//! - Reception statistics: [`SobotClient::record_list`] (paginated) and the lookup lists.
//!
//! ```no_run
//! # async fn demo() -> Result<(), common_http::Error> {
//! let client = sobot_client::SobotClient::builder()
//!     .appid("appid")
//!     .app_key("app-key")
//!     .region(sobot_client::Region::Singapore)
//!     .build()?;
//! let mut chat = client.conversation("robot-1", "visitor-biz-id");
//! let answers = chat.ask("hello").await?;
//! # let _ = answers;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub use common_http;

mod answer;
mod client;
mod conversation;
mod envelope;
pub mod generated;
mod push;
#[cfg(feature = "server")]
pub mod server;
mod token;
pub mod workflow;

pub use answer::{
    AnswerEvent, AnswerRequest, AnswerStream, CollectedAnswer, MessageChunk, StreamNotice,
};
pub use client::{DEFAULT_LANGUAGE, Region, SobotClient, SobotClientBuilder};
pub use conversation::Conversation;
pub use generated::*;
pub use push::{PollOptions, is_final, push_data};
pub use token::{Clock, DEFAULT_REFRESH_MARGIN, DEFAULT_TOKEN_INVALID_CODES, SystemClock, sign};

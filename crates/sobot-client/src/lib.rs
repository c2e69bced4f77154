//! Client for the Sobot large-model customer-service API (token, Q&A, sessions, statistics).
//!
//! - [`SobotClient`]: built with [`SobotClient::builder`] or [`SobotClient::from_env`], with
//!   region presets ([`Region`]) and base-URL overrides. It manages one shared token
//!   (signed `get_token`, refreshed ahead of expiry by one caller at a time, re-acquired
//!   once when the API says it is invalid). Its lifetime is clamped to 60 s ..= 86400 s
//!   ([`MIN_TOKEN_LIFETIME`], [`MAX_TOKEN_LIFETIME`]) whatever `expires_in` says, and a
//!   failed refresh is shared with every caller for a short backoff
//!   ([`SobotClientBuilder::token_failure_backoff`]), so an outage of the token endpoint
//!   costs at most the retry policy's attempts in `get_token` requests, however many calls.
//! - Q&A: [`SobotClient::ask_init`], [`SobotClient::ask_stream`] (a stream of typed
//!   [`AnswerEvent`]s), [`SobotClient::ask`] (the answers at once),
//!   [`SobotClient::end_session`], [`SobotClient::fetch_push_info`] and
//!   [`SobotClient::poll_node_timeout`].
//! - [`Conversation`]: one session, initialised once, carrying `ai_agent_cid`.
//! - [`workflow`]: the next request after a workflow button or card click.
//! - Reception statistics: [`SobotClient::list_reception_records`] (paginated) and the lookup lists.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sobot_client::Error> {
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

pub use common_http::datetime::{DateOrDateTime, Timestamp};
pub use common_http::paginate::{ItemStream, Page, PageStream};
pub use common_http::tolerant::{RawRecord, Record, StrictRecords};
pub use common_http::{
    Clock, DriftEntry, DriftKind, DriftLedger, Error, Operation, PagedOperation, RequestOptions,
    RetryPolicy, Secret, SleepFuture, Sleeper, SystemClock,
};

mod answer;
mod client;
pub mod codes;
mod conversation;
mod envelope;
mod generated;
mod push;
#[cfg(feature = "server")]
pub mod server;
mod token;
pub mod workflow;

pub use answer::{AnswerEvent, AnswerStream, CollectedAnswer, MessageChunk, StreamNotice};
pub use client::{
    DEFAULT_LANGUAGE, ENV_APP_KEY, ENV_APPID, ENV_BASE_URL, ENV_REGION, ENV_TOKEN_URL, Region,
    SobotClient, SobotClientBuilder,
};
pub use conversation::Conversation;
pub use generated::*;
pub use push::{PollOptions, is_final, push_data};
pub use token::{
    DEFAULT_REFRESH_MARGIN, DEFAULT_TOKEN_FAILURE_BACKOFF, MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME,
    sign,
};

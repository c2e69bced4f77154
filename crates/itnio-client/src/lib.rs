//! Client for the Itniotech AI-agent voice group-call API: signed requests, the task list
//! with typed records, pagination, and typed response codes.
//!
//! # Quick start
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use itnio_client::{ItnioClient, TaskStatus};
//! use time::macros::datetime;
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), itnio_client::Error> {
//!     // ITNIO_API_KEY, ITNIO_API_SECRET and optionally ITNIO_BASE_URL (another brand's host).
//!     let client = ItnioClient::from_env()?;
//!     let query = client
//!         .list_group_call_tasks(datetime!(2024-06-01 00:00:00), datetime!(2024-06-30 23:59:59))
//!         .size(100)
//!         .status_list([TaskStatus::Finished]);
//!     let first = query.clone().send().await?; // one page
//!     println!("{} tasks on {} pages", first.total, first.pages);
//!     let mut tasks = query.by_item(); // every page, in order
//!     while let Some(task) = tasks.try_next().await? {
//!         // A task in a shape the client cannot read is kept as sent (`Record::Raw`).
//!         let Some(task) = task.typed() else { continue };
//!         let fee = task.total_fee().map(|f| f.amount).unwrap_or_default();
//!         println!("{} {:?} {:?} {fee}", task.task_id, task.task_name, task.status);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Errors
//!
//! Every call returns [`Error`]. Bad input (`size` outside 1..=100,
//! `current` 0, `endTime` before `strTime`) is [`Error::is_invalid_request`] before any
//! request. The vendor's codes are typed with [`response_code`]: -1 (authentication error)
//! is [`Error::is_auth`] at once; -16 (timestamp expired) is re-signed with a fresh
//! timestamp and retried once, and a second -16 is [`Error::is_auth`] with a message
//! saying the local clock is probably off; -18 (system exception) is retried per the
//! retry policy; other codes are [`Error::is_api`] with [`Error::vendor_code`].
//!
//! # Layout
//!
//! The models, enums and the [`ListGroupCallTasks`] operation are generated from
//! `openapi.yaml` by `cargo xtask codegen`; the client, the signer and the fee readers are
//! hand-written.
#![warn(missing_docs)]

pub use common_http::datetime::Timestamp;
pub use common_http::paginate::{ItemStream, Page, PageStream};
pub use common_http::tolerant::{RawRecord, Record, StrictRecords};
pub use common_http::{
    Clock, DriftEntry, DriftKind, DriftLedger, Error, Operation, PagedOperation, RequestOptions,
    RetryPolicy, Secret, SleepFuture, Sleeper, SystemClock, clock_from_unix_seconds,
};

mod client;
mod envelope;
mod fees;
mod generated;
mod signer;

pub use client::{
    DEFAULT_BASE_URL, DEFAULT_PAGE_SIZE, ENV_API_KEY, ENV_API_SECRET, ENV_BASE_URL, ItnioClient,
    ItnioClientBuilder,
};
pub use envelope::response_code;
pub use fees::{Fee, parse_percent, parse_seconds};
pub use generated::*;
pub use signer::{API_KEY_HEADER, ItnioSigner, SIGN_HEADER, TIMESTAMP_HEADER, sign};

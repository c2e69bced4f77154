//! Client for the Rokid enterprise open API: AI work assistant records, agent chat logs
//! and the work documents they link to.
//!
//! # Quick start
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use rokid_client::{ChatLogType, RokidClient};
//! use time::macros::{date, datetime};
//!
//! # async fn demo() -> Result<(), rokid_client::Error> {
//! // ROKID_API_KEY (required) and ROKID_BASE_URL (optional) are read only here.
//! let client = RokidClient::from_env()?;
//!
//! // Every work record of a user in June, across all pages.
//! let mut records = client
//!     .list_work_records("E9985178CD6C4207BDB30608FF90B909")
//!     .gmt_start(datetime!(2026-06-01 00:00:00))
//!     .gmt_end(datetime!(2026-06-17 23:59:59))
//!     .by_item();
//! while let Some(record) = records.try_next().await? {
//!     // A record in a shape the client cannot read is kept as sent (`Record::Raw`).
//!     let Some(record) = record.typed() else { continue };
//!     for doc in record.documents() {
//!         client.download(&doc.url).to_file(&doc.file_name).await?;
//!     }
//! }
//!
//! // One page of chat logs.
//! let page = client.list_chat_logs().log_type(ChatLogType::Chat)
//!     .start_time(date!(2026-06-01)).page_size(50).send().await?;
//! println!("{} chat logs in total", page.total);
//! # Ok(()) }
//! ```
//!
//! # What you get
//!
//! - [`RokidClient`] (built by [`RokidClientBuilder`] or [`RokidClient::from_env`]):
//!   `Authorization: Bearer <API key>` on every call, timeouts, retries of reads on
//!   connect errors, timeouts, 429 and 5xx; its `Debug` never shows the key.
//! - [`RokidClient::list_work_records`] and [`RokidClient::list_chat_logs`] return the
//!   generated request builders ([`ListWorkRecords`], [`ListChatLogs`]) with `.send()`
//!   (one page), `.by_page()` and `.by_item()` (streams over every page, in order).
//!   Times go in typed (`time::PrimitiveDateTime`, or a `time::Date` where the API takes
//!   either) and on the wire as `yyyy-MM-dd HH:mm:ss` / `yyyy-MM-dd`.
//! - Typed records: [`TaskProgress`], [`DeletedFlag`], [`ChatLogType`] (each with an
//!   `Unknown` fallback), timestamps as [`Timestamp`] (raw text,
//!   parsed on demand with `offset_date_time()`), `result` as its JSON string with
//!   [`WorkRecord::parse_result`].
//! - [`RokidClient::download`]: streamed document downloads with progress, written
//!   atomically to a file (see [`Download`] for when the API key is sent).
//! - One error type, [`Error`]: [`Error::is_invalid_request`] (rejected before any request
//!   is sent: empty `uid`, page size 0, end before start), [`Error::is_auth`] (HTTP 401 or
//!   an auth code in the envelope; never retried), [`Error::is_api`] with
//!   [`Error::vendor_code`] / [`Error::vendor_message`] (`code != 0` or `success: false`),
//!   [`Error::is_decode`] / [`Error::raw_body`] (a non-JSON or HTML answer, with an excerpt).
#![warn(missing_docs)]

pub use common_http::datetime::{DateOrDateTime, Timestamp};
pub use common_http::paginate::{ItemStream, Page, PageStream};
pub use common_http::tolerant::{RawRecord, Record, StrictRecords};
pub use common_http::{
    DriftEntry, DriftKind, DriftLedger, Error, Operation, PagedOperation, RequestOptions,
    RetryPolicy, Secret, SleepFuture, Sleeper,
};

mod client;
mod download;
mod envelope;
mod generated;
mod records;

pub use client::{DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, RokidClient, RokidClientBuilder};
pub use download::{Download, DownloadProgress};
pub use generated::*;
pub use records::{DocumentKind, WorkDocument};

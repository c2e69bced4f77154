#![doc = include_str!("../README.md")]
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

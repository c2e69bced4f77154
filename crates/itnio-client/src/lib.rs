#![doc = include_str!("../README.md")]
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

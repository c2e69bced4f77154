#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
mod builder;
mod client;
mod config;
mod envelope;
mod error;
mod request;
mod retry;
mod secret;
mod stream;
mod tls;

pub mod datetime;
pub mod drift;
pub mod lenient;
pub mod operation;
pub mod paginate;
pub mod sse;
pub mod tolerant;
pub mod validate;

pub use auth::{Authenticator, BearerAuth, CredentialGeneration, NoAuth, SignedInRequest};
pub use builder::{Clock, EnvVars, SystemClock, clock_from_unix_seconds};
pub use client::{HttpClient, MAX_REDIRECTS};
pub use config::{ClientConfig, ClientConfigBuilder, DEFAULT_USER_AGENT};
pub use drift::{DriftEntry, DriftKind, DriftLedger};
pub use envelope::{Bare, Envelope, EnvelopeFields, decode_json, success_payload};
pub use error::{ApiError, Error, MAX_EXCERPT};
pub use operation::{Call, Operation, PagedOperation};
pub use request::{RequestOptions, RequestSpec};
pub use retry::{RetryPolicy, SleepFuture, Sleeper, TokioSleeper, parse_retry_after};
pub use secret::{Secret, constant_time_eq};
pub use stream::{ByteStream, JsonEvents, SseStream};
pub use tls::{BACKEND as TLS_BACKEND, http_client_builder};

/// Re-exports the crates whose types appear in this crate's public API.
pub mod reexports {
    pub use async_trait::async_trait;
    pub use bytes;
    pub use futures;
    pub use http;
    pub use reqwest;
    pub use serde_json;
    pub use url;
}

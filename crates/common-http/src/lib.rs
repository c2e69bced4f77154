//! The vendor-neutral runtime under the Rokid, Sobot and Itniotech clients.
//!
//! It knows no vendor. Each vendor crate brings its envelope ([`Envelope`]), its
//! authentication ([`Authenticator`]) and its page shape, and gets from here:
//!
//! - [`HttpClient`]: one attempt loop for every call. Each attempt is rebuilt from a
//!   cloneable [`RequestSpec`] and authenticated afresh, bounded by a per-attempt timeout,
//!   and retried per a [`RetryPolicy`] only when that is safe (idempotent requests on
//!   connect errors, timeouts, 429 and 5xx, honouring `Retry-After`). Rejected credentials
//!   are renewed and the call retried exactly once.
//! - [`Error`]: one opaque error with predicates (`is_timeout`, `is_auth`, …) and
//!   accessors (`vendor_code`, `json_path`, `raw_body`) instead of variants to match.
//! - [`Operation`] / [`PagedOperation`]: the one shape of every endpoint (`with_options`,
//!   `send`, and for listings `look_ahead`, `by_page`, `by_item`), written once.
//! - [`paginate`]: `by_page()` / `by_item()` streams with bounded look-ahead.
//! - [`transport_setters!`], [`EnvVars`], [`Clock`]: what every vendor client builder
//!   shares, so all three have the same shape.
//! - [`sse`]: a spec-correct, chunking-proof server-sent-events decoder.
//! - [`lenient`], [`datetime`], [`validate`]: the helpers generated code uses for loose
//!   vendor JSON, vendor time formats and documented constraints.
//! - [`Secret`]: credentials that print as `[redacted]`.
//!
//! Every request is one `tracing` span `http.request` with `method`, `path` (never the
//! query, which may carry signatures), `attempt`, `status` and `latency_ms`; retries are
//! `WARN` events. No header value is ever logged.
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
pub use tls::BACKEND as TLS_BACKEND;

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

//! Client for the Sobot large-model customer-service API (token, Q&A, sessions, statistics).
//!
//! The endpoints arrive with the specs and codegen; this crate already stands on
//! [`common_http`], the vendor-neutral runtime.
#![warn(missing_docs)]

pub use common_http;

mod envelope;
pub mod generated;

pub use generated::*;

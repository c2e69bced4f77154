#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod error;
mod generated;
mod journal;
mod row;
mod schema;
mod sources;
mod store;
mod stream;
mod sync;
mod table;

pub use error::SyncError;
pub use journal::StreamStatus;
pub use schema::SCHEMA_VERSION;
pub use sources::{Sources, Window};
pub use store::{Backend, Store};
pub use stream::Stream;
pub use sync::{
    DEFAULT_LOOK_BACK, DEFAULT_PAGE_SIZE, DEFAULT_WINDOW, Progress, StreamSummary, SyncOptions,
    Syncer,
};

#![doc = include_str!("../README.md")]
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
mod handover;
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
pub use handover::{HandOver, HandOverRules};
pub use push::{Push, PushKind, PushPolling, PushStream, PushedAnswers};
pub use token::{
    DEFAULT_REFRESH_MARGIN, DEFAULT_TOKEN_FAILURE_BACKOFF, MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME,
    sign,
};

//! Where each stream's records come from: the vendor's listing of one time window, every
//! record with its JSON exactly as sent (`keep_json`), as pages of rows.

use std::sync::{Arc, Mutex};

use common_http::tolerant::Record;
use common_http::{DriftEntry, PagedOperation, RequestOptions};
use futures::StreamExt;
use futures::stream::BoxStream;
use time::{Duration, PrimitiveDateTime};

use crate::error::SyncError;
use crate::row::{RawKeys, Row};
use crate::stream::Stream;

/// A time window `[start, end)` of the vendor's record times (read as UTC: the vendors'
/// listings take times without an offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first second in the window.
    pub start: PrimitiveDateTime,
    /// The first second after it.
    pub end: PrimitiveDateTime,
}

impl Window {
    /// The last second in the window (the listings' end times are inclusive).
    pub(crate) fn last_second(self) -> PrimitiveDateTime {
        self.end - Duration::seconds(1)
    }
}

/// The pages of rows of one window, in order.
pub(crate) type Pages = BoxStream<'static, Result<Vec<Row>, SyncError>>;

/// Requests in flight at once within a listing whose page count is known (the paginator
/// never asks past the last page then; with the count unknown it walks one at a time).
const LOOK_AHEAD: usize = 2;

/// The vendor clients a sync reads from; a stream whose client is absent cannot run.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Sources {
    /// Rokid: work records and chat logs.
    #[cfg(feature = "rokid")]
    pub rokid: Option<rokid_client::RokidClient>,
    /// Sobot: reception records.
    #[cfg(feature = "sobot")]
    pub sobot: Option<sobot_client::SobotClient>,
    /// Itniotech: group-call tasks.
    #[cfg(feature = "itnio")]
    pub itnio: Option<itnio_client::ItnioClient>,
}

impl Sources {
    /// No clients yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the Rokid streams with `client`.
    #[cfg(feature = "rokid")]
    #[must_use]
    pub fn rokid(mut self, client: rokid_client::RokidClient) -> Self {
        self.rokid = Some(client);
        self
    }

    /// Reads the Sobot stream with `client`.
    #[cfg(feature = "sobot")]
    #[must_use]
    pub fn sobot(mut self, client: sobot_client::SobotClient) -> Self {
        self.sobot = Some(client);
        self
    }

    /// Reads the Itniotech stream with `client`.
    #[cfg(feature = "itnio")]
    #[must_use]
    pub fn itnio(mut self, client: itnio_client::ItnioClient) -> Self {
        self.itnio = Some(client);
        self
    }

    /// The pages of `stream` in `window`.
    #[cfg_attr(
        not(any(feature = "rokid", feature = "sobot", feature = "itnio")),
        allow(unused_variables)
    )]
    pub(crate) fn pages(
        &self,
        stream: Stream,
        window: Window,
        page_size: u32,
        rokid_user_ids: &[String],
    ) -> Result<Pages, SyncError> {
        let size = i32::try_from(page_size).unwrap_or(i32::MAX);
        // One key space for the records without an id of the whole window (all its walks).
        let raw_keys = Arc::new(Mutex::new(RawKeys::new(window)));
        let missing = |vendor: &str| {
            SyncError::Config(format!(
                "{stream}: no {vendor} client (configure its credentials, or leave the stream out)"
            ))
        };
        match stream {
            #[cfg(feature = "rokid")]
            Stream::RokidWorkRecords => {
                let client = self.rokid.as_ref().ok_or_else(|| missing("Rokid"))?;
                if rokid_user_ids.is_empty() {
                    return Err(SyncError::Config(format!(
                        "{stream}: no Rokid user ids (the listing is per user: configure `rokid_user_ids`)"
                    )));
                }
                let walks: Vec<Pages> = rokid_user_ids
                    .iter()
                    .map(|uid| {
                        let op = client
                            .list_work_records(uid.clone())
                            .gmt_start(window.start)
                            .gmt_end(window.last_second())
                            .page_size(size);
                        walk(stream, op, &raw_keys)
                    })
                    .collect();
                Ok(futures::stream::iter(walks).flatten().boxed())
            }
            #[cfg(feature = "rokid")]
            Stream::RokidChatLogs => {
                let client = self.rokid.as_ref().ok_or_else(|| missing("Rokid"))?;
                let op = client
                    .list_chat_logs()
                    .start_time(common_http::datetime::DateOrDateTime::DateTime(
                        window.start,
                    ))
                    .end_time(common_http::datetime::DateOrDateTime::DateTime(
                        window.last_second(),
                    ))
                    .page_size(size);
                Ok(walk(stream, op, &raw_keys))
            }
            #[cfg(feature = "sobot")]
            Stream::SobotReceptionRecords => {
                let client = self.sobot.as_ref().ok_or_else(|| missing("Sobot"))?;
                // The listing filters by whole days: the window's days are read whole
                // (the upsert makes the overlap harmless).
                let params = sobot_client::RecordListParams::new(
                    window.start.date(),
                    window.last_second().date(),
                    1,
                    size,
                );
                Ok(walk(
                    stream,
                    client.list_reception_records(params),
                    &raw_keys,
                ))
            }
            #[cfg(feature = "itnio")]
            Stream::ItnioGroupCallTasks => {
                let client = self.itnio.as_ref().ok_or_else(|| missing("Itniotech"))?;
                let op = client
                    .list_group_call_tasks(window.start, window.last_second())
                    .size(size);
                Ok(walk(stream, op, &raw_keys))
            }
            #[allow(unreachable_patterns)]
            other => Err(SyncError::Config(format!(
                "{other}: this build of agent-clients-sync leaves out its vendor (cargo feature)"
            ))),
        }
    }

    /// The deviations from the documentation seen so far by the client of `stream`.
    pub(crate) fn drift(&self, stream: Stream) -> Vec<DriftEntry> {
        match stream {
            #[cfg(feature = "rokid")]
            Stream::RokidWorkRecords | Stream::RokidChatLogs => {
                self.rokid.as_ref().map(|c| c.drift().report())
            }
            #[cfg(feature = "sobot")]
            Stream::SobotReceptionRecords => self.sobot.as_ref().map(|c| c.drift().report()),
            #[cfg(feature = "itnio")]
            Stream::ItnioGroupCallTasks => self.itnio.as_ref().map(|c| c.drift().report()),
            #[allow(unreachable_patterns)]
            _ => None,
        }
        .unwrap_or_default()
    }
}

/// Every page of a listing as rows, each record with the JSON the vendor sent.
#[cfg_attr(
    not(any(feature = "rokid", feature = "sobot", feature = "itnio")),
    allow(dead_code)
)]
fn walk<O, T>(stream: Stream, operation: O, raw_keys: &Arc<Mutex<RawKeys>>) -> Pages
where
    O: PagedOperation<Item = Record<T>>,
    T: Send + 'static,
{
    let table = stream.table_def();
    let raw_keys = Arc::clone(raw_keys);
    operation
        .with_options(RequestOptions::new().keep_json(true))
        .look_ahead(LOOK_AHEAD)
        .by_page()
        .map(move |page| {
            let page = page.map_err(|source| SyncError::Api { stream, source })?;
            let mut raw_keys = raw_keys
                .lock()
                .map_err(|_| SyncError::Internal("the raw keys' lock is poisoned".into()))?;
            page.items
                .into_iter()
                .map(|record| Row::of(table, record, &mut raw_keys))
                .collect::<Result<Vec<Row>, String>>()
                .map_err(SyncError::Internal)
        })
        .boxed()
}

//! The sync loop: for each stream, from its checkpoint less the look-back (or from the
//! configured start) to now, window by window, page by page; each page stored in one
//! transaction, the checkpoint advanced with a window's last page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::StreamExt;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::error::SyncError;
use crate::row::Row;
use crate::sources::{Sources, Window};
use crate::store::{Store, Written};
use crate::stream::Stream;

/// What to sync and how far back to look.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncOptions {
    /// The streams to sync, in this order.
    pub streams: Vec<Stream>,
    /// The Rokid user ids whose work records are synced (the listing is per user).
    pub rokid_user_ids: Vec<String>,
    /// Where a stream with no checkpoint starts.
    pub start: PrimitiveDateTime,
    /// How far behind its checkpoint a stream is read again on every run: records change
    /// after they are created (Rokid `taskProgress`, Itniotech task `status`).
    pub look_back: Duration,
    /// The length of one window (aligned to UTC midnight); one checkpoint per window.
    pub window: Duration,
    /// Where the sync stops; now (UTC) when absent.
    pub until: Option<PrimitiveDateTime>,
    /// Records per page asked of the vendor.
    pub page_size: u32,
}

/// Default look-back: records of the last three days are read again on every run.
pub const DEFAULT_LOOK_BACK: Duration = Duration::days(3);
/// Default window: one day.
pub const DEFAULT_WINDOW: Duration = Duration::days(1);
/// Default page size (Itniotech's largest).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

impl SyncOptions {
    /// Every stream from `start`, with the defaults above.
    pub fn new(start: PrimitiveDateTime) -> Self {
        Self {
            streams: Stream::ALL.to_vec(),
            rokid_user_ids: Vec::new(),
            start,
            look_back: DEFAULT_LOOK_BACK,
            window: DEFAULT_WINDOW,
            until: None,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// Checks what no vendor call can: a positive window, a page size, a start before
    /// the end.
    pub fn validate(&self) -> Result<(), SyncError> {
        if self.window < Duration::seconds(1) {
            return Err(SyncError::Config(
                "the window must be at least one second".into(),
            ));
        }
        if self.look_back.is_negative() {
            return Err(SyncError::Config("the look-back cannot be negative".into()));
        }
        if self.page_size == 0 {
            return Err(SyncError::Config("the page size must be at least 1".into()));
        }
        if self.streams.is_empty() {
            return Err(SyncError::Config("no stream to sync".into()));
        }
        Ok(())
    }
}

/// How one stream's run went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamSummary {
    /// The stream.
    pub stream: Stream,
    /// Windows walked.
    pub windows: u64,
    /// Pages received (each one request).
    pub pages: u64,
    /// Records stored for the first time.
    pub inserted: u64,
    /// Records stored before and now different.
    pub updated: u64,
    /// Records stored before and the same.
    pub unchanged: u64,
    /// Records the client could not read, stored as sent (counted in the three above too).
    pub kept_raw: u64,
    /// The checkpoint after the run.
    pub checkpoint: Option<String>,
    /// Why the stream stopped early, if it did (its stored pages stay stored).
    pub error: Option<String>,
    /// How long it took.
    pub elapsed: std::time::Duration,
}

impl StreamSummary {
    fn new(stream: Stream) -> Self {
        Self {
            stream,
            windows: 0,
            pages: 0,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            kept_raw: 0,
            checkpoint: None,
            error: None,
            elapsed: std::time::Duration::ZERO,
        }
    }

    /// Records received.
    pub fn records(&self) -> u64 {
        self.inserted + self.updated + self.unchanged
    }

    fn add(&mut self, written: Written) {
        self.inserted += written.inserted;
        self.updated += written.updated;
        self.unchanged += written.unchanged;
        self.kept_raw += written.kept_raw;
    }
}

/// A page stored, as progress is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The stream.
    pub stream: Stream,
    /// The window being walked.
    pub window: Window,
    /// Pages stored so far in this run of the stream.
    pub pages: u64,
    /// Records stored so far in this run of the stream.
    pub records: u64,
}

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// A drift entry's identity: (operation, path, kind).
type DriftKey = (String, String, String);

/// Syncs the configured streams into a [`Store`].
#[derive(Clone)]
pub struct Syncer {
    store: Store,
    sources: Sources,
    options: SyncOptions,
    progress: Option<ProgressFn>,
    /// Drift counts already stored per (operation, path, kind), so that a long-lived
    /// syncer (`--every`) adds only what is new to each run.
    drift_stored: Arc<Mutex<HashMap<DriftKey, u64>>>,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer")
            .field("store", &self.store)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Syncer {
    /// A syncer of `options.streams` from `sources` into `store`.
    pub fn new(store: Store, sources: Sources, options: SyncOptions) -> Result<Self, SyncError> {
        options.validate()?;
        Ok(Self {
            store,
            sources,
            options,
            progress: None,
            drift_stored: Arc::default(),
        })
    }

    /// Calls `report` after every stored page.
    #[must_use]
    pub fn on_progress(mut self, report: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Syncs every configured stream once. A stream that fails does not stop the others:
    /// its summary says why ([`StreamSummary::error`]), and what it stored stays stored.
    pub async fn run(&self) -> Result<Vec<StreamSummary>, SyncError> {
        let mut summaries = Vec::with_capacity(self.options.streams.len());
        for stream in &self.options.streams {
            summaries.push(self.run_stream(*stream).await?);
        }
        Ok(summaries)
    }

    /// Syncs one stream once. Errors of the vendor or the stream's configuration end the
    /// stream and are reported in the summary; an error of the database is returned.
    pub async fn run_stream(&self, stream: Stream) -> Result<StreamSummary, SyncError> {
        let started = Instant::now();
        let now = OffsetDateTime::now_utc();
        let stamp = now.format(&Rfc3339).unwrap_or_default();
        let until = self
            .options
            .until
            .unwrap_or_else(|| PrimitiveDateTime::new(now.date(), now.time()))
            .replace_nanosecond(0)
            .unwrap_or(self.options.start);
        let mut summary = StreamSummary::new(stream);
        self.store.run_started(stream, &stamp).await?;
        let result = self.walk(stream, until, &stamp, &mut summary).await;
        summary.elapsed = started.elapsed();
        summary.checkpoint = self.store.checkpoint(stream.name()).await?;
        match result {
            Ok(()) => {}
            Err(error @ (SyncError::Database { .. } | SyncError::Internal(_))) => {
                let _ = self.store.run_finished(&summary, &stamp, "failed").await;
                return Err(error);
            }
            Err(error) => summary.error = Some(error.to_string()),
        }
        self.store_drift(stream, &stamp).await?;
        let outcome = summary.error.as_deref().map_or("ok", |_| "failed");
        self.store.run_finished(&summary, &stamp, outcome).await?;
        Ok(summary)
    }

    async fn walk(
        &self,
        stream: Stream,
        until: PrimitiveDateTime,
        stamp: &str,
        summary: &mut StreamSummary,
    ) -> Result<(), SyncError> {
        let checkpoint = self.store.checkpoint(stream.name()).await?;
        let from = resume_point(
            checkpoint.as_deref(),
            self.options.start,
            self.options.look_back,
            self.options.window,
        );
        let table = stream.table_def();
        for window in windows(from, until, self.options.window) {
            summary.windows += 1;
            let pages = self.sources.pages(
                stream,
                window,
                self.options.page_size,
                &self.options.rokid_user_ids,
            )?;
            let mut pages = Prefetched::spawn(pages);
            let checkpoint = common_http::datetime::format_datetime(window.end);
            // Each page is stored when the next one arrives, so that the last one is
            // known to be the last and carries the window's checkpoint.
            let mut held: Option<Vec<Row>> = None;
            while let Some(rows) = pages.next().await {
                let rows = rows?;
                summary.pages += 1;
                if let Some(previous) = held.replace(rows) {
                    let written = self.store.write_page(table, previous, None, stamp).await?;
                    self.stored(summary, written, window);
                }
            }
            let written = self
                .store
                .write_page(
                    table,
                    held.unwrap_or_default(),
                    Some((stream.name(), &checkpoint)),
                    stamp,
                )
                .await?;
            self.stored(summary, written, window);
        }
        Ok(())
    }

    fn stored(&self, summary: &mut StreamSummary, written: Written, window: Window) {
        summary.add(written);
        if let Some(report) = &self.progress {
            report(&Progress {
                stream: summary.stream,
                window,
                pages: summary.pages,
                records: summary.records(),
            });
        }
    }

    /// Stores what the stream's client has seen deviate from the documentation since the
    /// last time (drift is kept, never fatal).
    async fn store_drift(&self, stream: Stream, stamp: &str) -> Result<(), SyncError> {
        let entries = self.sources.drift(stream);
        let mut fresh = Vec::new();
        if let Ok(mut stored) = self.drift_stored.lock() {
            for entry in entries {
                let key = (
                    entry.operation.clone(),
                    entry.path.clone(),
                    entry.kind.to_string(),
                );
                let before = stored.insert(key, entry.count).unwrap_or(0);
                if entry.count > before {
                    fresh.push((entry, before));
                }
            }
        }
        for (entry, before) in fresh {
            self.store
                .add_drift(stream, &entry, entry.count - before, stamp)
                .await?;
        }
        Ok(())
    }
}

/// The pages of a window fetched by a task of their own, a couple ahead of the one being
/// stored: the requests and their decoding go on while the database writes (a stream is
/// only driven while it is polled, and the loop above awaits the database between polls).
struct Prefetched {
    pages: tokio::sync::mpsc::Receiver<Result<Vec<Row>, SyncError>>,
    task: tokio::task::JoinHandle<()>,
}

/// Pages fetched and decoded ahead of the database.
const PREFETCHED_PAGES: usize = 2;

impl Prefetched {
    fn spawn(mut pages: crate::sources::Pages) -> Self {
        let (sender, receiver) = tokio::sync::mpsc::channel(PREFETCHED_PAGES);
        let task = tokio::spawn(async move {
            while let Some(page) = pages.next().await {
                let failed = page.is_err();
                if sender.send(page).await.is_err() || failed {
                    break;
                }
            }
        });
        Self {
            pages: receiver,
            task,
        }
    }

    async fn next(&mut self) -> Option<Result<Vec<Row>, SyncError>> {
        self.pages.recv().await
    }
}

impl Drop for Prefetched {
    /// A window left early (an error, or the sync dropped) stops its requests.
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where a stream resumes: its checkpoint less the look-back, moved back to the start of
/// its window, never before the start. On the window grid, every run asks for the same
/// windows, so a record is read in the same request each time (a vendor's page positions,
/// and anything that depends on them, stay put).
pub(crate) fn resume_point(
    checkpoint: Option<&str>,
    start: PrimitiveDateTime,
    look_back: Duration,
    window: Duration,
) -> PrimitiveDateTime {
    checkpoint
        .and_then(common_http::datetime::parse_datetime)
        .map_or(start, |c| align_down(c - look_back, window).max(start))
}

/// The start of the window `at` falls in (windows are cut at multiples of `size` from
/// UTC midnight).
fn align_down(at: PrimitiveDateTime, size: Duration) -> PrimitiveDateTime {
    let midnight = PrimitiveDateTime::new(at.date(), Time::MIDNIGHT);
    let size = size.whole_seconds().max(1);
    let steps = (at - midnight).whole_seconds() / size;
    midnight + Duration::seconds(steps * size)
}

/// The windows from `from` to `until`, cut at multiples of `size` from UTC midnight.
pub(crate) fn windows(
    from: PrimitiveDateTime,
    until: PrimitiveDateTime,
    size: Duration,
) -> Vec<Window> {
    let mut out = Vec::new();
    if from >= until || size <= Duration::ZERO {
        return out;
    }
    let midnight = PrimitiveDateTime::new(from.date(), Time::MIDNIGHT);
    let steps = ((from - midnight).whole_seconds() / size.whole_seconds().max(1)) + 1;
    let mut end = midnight + size * i32::try_from(steps).unwrap_or(i32::MAX);
    let mut start = from;
    loop {
        let clipped = end.min(until);
        out.push(Window {
            start,
            end: clipped,
        });
        if clipped >= until {
            return out;
        }
        start = clipped;
        end = clipped + size;
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn windows_cut_at_midnight_and_end_at_until() {
        let w = windows(
            datetime!(2026-01-01 10:30:00),
            datetime!(2026-01-03 06:00:00),
            Duration::days(1),
        );
        let bounds: Vec<(PrimitiveDateTime, PrimitiveDateTime)> =
            w.iter().map(|w| (w.start, w.end)).collect();
        assert_eq!(
            bounds,
            [
                (
                    datetime!(2026-01-01 10:30:00),
                    datetime!(2026-01-02 00:00:00)
                ),
                (
                    datetime!(2026-01-02 00:00:00),
                    datetime!(2026-01-03 00:00:00)
                ),
                (
                    datetime!(2026-01-03 00:00:00),
                    datetime!(2026-01-03 06:00:00)
                ),
            ]
        );
        assert_eq!(w[0].last_second(), datetime!(2026-01-01 23:59:59));
        assert!(
            windows(
                datetime!(2026-01-02 00:00),
                datetime!(2026-01-02 00:00),
                Duration::days(1)
            )
            .is_empty()
        );
        let hours = windows(
            datetime!(2026-01-01 00:00),
            datetime!(2026-01-01 03:00),
            Duration::hours(1),
        );
        assert_eq!(hours.len(), 3);
    }

    #[test]
    fn a_stream_resumes_its_look_back_before_its_checkpoint_never_before_the_start() {
        let start = datetime!(2026-01-01 00:00:00);
        let day = Duration::days(1);
        assert_eq!(resume_point(None, start, Duration::days(3), day), start);
        assert_eq!(
            resume_point(Some("2026-01-10 00:00:00"), start, Duration::days(3), day),
            datetime!(2026-01-07 00:00:00)
        );
        // A checkpoint inside a window resumes at that window's start.
        assert_eq!(
            resume_point(Some("2026-01-10 17:45:12"), start, Duration::days(3), day),
            datetime!(2026-01-07 00:00:00)
        );
        assert_eq!(
            resume_point(
                Some("2026-01-10 17:45:12"),
                start,
                Duration::hours(1),
                Duration::hours(6)
            ),
            datetime!(2026-01-10 12:00:00)
        );
        assert_eq!(
            resume_point(Some("2026-01-02 00:00:00"), start, Duration::days(3), day),
            start
        );
    }
}

//! What the sync writes about itself: one row per stream run (`sync_runs`), the drift its
//! clients saw (`sync_drift`), and the status report made of both and the checkpoints.

use common_http::DriftEntry;
use sqlx::Row as _;

use crate::error::SyncError;
use crate::store::Store;
use crate::stream::Stream;
use crate::sync::StreamSummary;

/// A stream's state in the database, as `agentctl sync status` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamStatus {
    /// The stream.
    pub stream: Stream,
    /// Its table.
    pub table: &'static str,
    /// Rows in the table.
    pub rows: u64,
    /// Of which stored as sent because the client could not read them.
    pub kept_raw: u64,
    /// The end of the last window whose every page is stored.
    pub checkpoint: Option<String>,
    /// The last run: when it started, and its outcome (`ok`, `failed`, `running` for one
    /// that never finished: killed, or still going).
    pub last_run: Option<(String, String)>,
}

impl Store {
    /// The state of every stream.
    pub async fn status(&self) -> Result<Vec<StreamStatus>, SyncError> {
        let mut out = Vec::new();
        for stream in Stream::ALL {
            let table = stream.table();
            let rows = self.count(table).await?;
            let raw = self
                .fetch_all(&format!(
                    "SELECT COUNT(*) FROM {table} WHERE readable = FALSE"
                ))
                .await?;
            let kept_raw = raw
                .first()
                .and_then(|r| r.try_get::<i64, _>(0).ok())
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0);
            let last_run = sqlx::query(
                "SELECT started_at, outcome FROM sync_runs WHERE stream = $1 \
                 ORDER BY started_at DESC LIMIT 1",
            )
            .bind(stream.name().to_owned())
            .fetch_optional(self.pool())
            .await
            .map_err(|e| SyncError::database("cannot read the runs", e))?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
            .transpose()
            .map_err(|e| SyncError::database("cannot read the runs", e))?;
            out.push(StreamStatus {
                stream,
                table,
                rows,
                kept_raw,
                checkpoint: self.checkpoint(stream.name()).await?,
                last_run,
            });
        }
        Ok(out)
    }

    pub(crate) async fn run_started(&self, stream: Stream, stamp: &str) -> Result<(), SyncError> {
        sqlx::query(
            "INSERT INTO sync_runs (stream, started_at, outcome, windows, pages, inserted, \
             updated, unchanged, kept_raw) VALUES ($1, $2, 'running', 0, 0, 0, 0, 0, 0)",
        )
        .bind(stream.name().to_owned())
        .bind(stamp.to_owned())
        .execute(self.pool())
        .await
        .map_err(|e| SyncError::database("cannot record the run", e))?;
        Ok(())
    }

    pub(crate) async fn run_finished(
        &self,
        summary: &StreamSummary,
        stamp: &str,
        outcome: &str,
    ) -> Result<(), SyncError> {
        let finished = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE sync_runs SET finished_at = $1, outcome = $2, windows = $3, pages = $4, \
             inserted = $5, updated = $6, unchanged = $7, kept_raw = $8 \
             WHERE stream = $9 AND started_at = $10",
        )
        .bind(finished)
        .bind(outcome.to_owned())
        .bind(count(summary.windows))
        .bind(count(summary.pages))
        .bind(count(summary.inserted))
        .bind(count(summary.updated))
        .bind(count(summary.unchanged))
        .bind(count(summary.kept_raw))
        .bind(summary.stream.name().to_owned())
        .bind(stamp.to_owned())
        .execute(self.pool())
        .await
        .map_err(|e| SyncError::database("cannot record the run", e))?;
        Ok(())
    }

    /// Adds `new` sightings of a deviation to its row.
    pub(crate) async fn add_drift(
        &self,
        stream: Stream,
        entry: &DriftEntry,
        new: u64,
        stamp: &str,
    ) -> Result<(), SyncError> {
        sqlx::query(
            "INSERT INTO sync_drift (vendor, operation, path, kind, count, example, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (vendor, operation, path, kind) \
             DO UPDATE SET count = sync_drift.count + excluded.count, \
             example = excluded.example, last_seen = excluded.last_seen",
        )
        .bind(stream.table_def().vendor.to_owned())
        .bind(entry.operation.clone())
        .bind(entry.path.clone())
        .bind(entry.kind.to_string())
        .bind(i64::try_from(new).unwrap_or(i64::MAX))
        .bind(entry.example.clone())
        .bind(stamp.to_owned())
        .execute(self.pool())
        .await
        .map_err(|e| SyncError::database("cannot store drift", e))?;
        Ok(())
    }
}

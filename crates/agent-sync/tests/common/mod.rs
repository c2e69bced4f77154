//! What the sync tests share: clients for a sandbox, a sync run, the database targets
//! (a fresh SQLite file; the PostgreSQL server named by `AGENT_SYNC_TEST_POSTGRES`), and
//! the checks of what a database holds.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration as StdDuration;

use agent_sync::{Sources, Store, Stream, StreamSummary, SyncOptions, Syncer};
use common_http::RetryPolicy;
use time::{Duration, PrimitiveDateTime};
use vendor_sandbox::{DATA_EPOCH, ROKID_UIDS, Sandbox};

/// The environment variable naming the PostgreSQL server of the PostgreSQL tests
/// (`postgres://user@127.0.0.1:5432/db`); `.ci/run` starts one and sets it.
pub const POSTGRES_ENV: &str = "AGENT_SYNC_TEST_POSTGRES";

/// Where the synced data of a test ends: past the last record of a small sandbox.
pub fn until(days: i64) -> PrimitiveDateTime {
    DATA_EPOCH + Duration::days(days)
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(StdDuration::from_millis(5))
        .jitter(false)
}

/// The three clients, pointed at the sandbox.
pub fn sources(sandbox: &Sandbox) -> Sources {
    let c = sandbox.credentials();
    let rokid = rokid_client::RokidClient::builder()
        .base_url(sandbox.urls().rokid.clone())
        .api_key(c.rokid_api_key.clone())
        .retry_policy(fast_retries())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let sobot = sobot_client::SobotClient::builder()
        .api_base_url(sandbox.urls().sobot_api.clone())
        .token_base_url(sandbox.urls().sobot_token.clone())
        .appid(c.sobot_appid.clone())
        .app_key(c.sobot_app_key.clone())
        .retry_policy(fast_retries())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let itnio = itnio_client::ItnioClient::builder()
        .base_url(sandbox.urls().itnio.clone())
        .api_key(c.itnio_api_key.clone())
        .api_secret(c.itnio_api_secret.clone())
        .retry_policy(fast_retries())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Sources::new().rokid(rokid).sobot(sobot).itnio(itnio)
}

/// Every stream, every Rokid user, from the data's first day to `until`.
pub fn options(until: PrimitiveDateTime, look_back: Duration) -> SyncOptions {
    let mut options = SyncOptions::new(DATA_EPOCH);
    options.rokid_user_ids = ROKID_UIDS.iter().map(|u| (*u).to_owned()).collect();
    options.until = Some(until);
    options.look_back = look_back;
    options
}

/// One run of every stream, by stream.
pub async fn sync(
    sandbox: &Sandbox,
    db: &str,
    options: SyncOptions,
) -> BTreeMap<Stream, StreamSummary> {
    let store = Store::open(db).await.unwrap_or_else(|e| panic!("{e}"));
    let syncer = Syncer::new(store, sources(sandbox), options).unwrap_or_else(|e| panic!("{e}"));
    let summaries = syncer.run().await.unwrap_or_else(|e| panic!("{e}"));
    for s in &summaries {
        assert_eq!(s.error, None, "{} failed", s.stream);
    }
    summaries.into_iter().map(|s| (s.stream, s)).collect()
}

/// How many records of each stream the sandbox serves.
pub fn expected_counts(sandbox: &Sandbox) -> BTreeMap<Stream, u64> {
    let data = sandbox.data();
    let n = |len: usize| u64::try_from(len).unwrap_or(0);
    BTreeMap::from([
        (Stream::RokidWorkRecords, n(data.work_records.len())),
        (Stream::RokidChatLogs, n(data.chat_logs.len())),
        (Stream::SobotReceptionRecords, n(data.sobot_records.len())),
        (Stream::ItnioGroupCallTasks, n(data.itnio_tasks.len())),
    ])
}

/// A database a test can own.
pub enum Target {
    /// A SQLite file, removed when dropped.
    Sqlite(PathBuf),
    /// A fresh schema on the test PostgreSQL server, dropped when done.
    Postgres { url: String },
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl Target {
    /// A new SQLite file in the temporary directory.
    pub fn sqlite(name: &str) -> Target {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("agent-sync-{name}-{}-{n}.db", std::process::id()));
        remove_sqlite(&path);
        Target::Sqlite(path)
    }

    /// The `--db` value.
    pub fn db(&self) -> String {
        match self {
            Target::Sqlite(path) => path.display().to_string(),
            Target::Postgres { url } => url.clone(),
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Target::Sqlite(path) = self {
            remove_sqlite(path);
        }
    }
}

fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// A fresh database on the test PostgreSQL server for `test`, or `None` after saying by
/// name that the test is skipped. Under `CI=true` a missing server fails the test: CI must
/// run them.
pub async fn postgres(test: &str) -> Option<Target> {
    let base = postgres_url(test)?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!(
        "agent_sync_{}_{}_{n}",
        test.replace('-', "_"),
        std::process::id()
    );
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("{test}: cannot reach {POSTGRES_ENV}: {e}"));
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(&sql)
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("{test}: {sql}: {e}"));
    }
    admin.close().await;
    let (server, _) = base.rsplit_once('/').unwrap_or((&base, ""));
    Some(Target::Postgres {
        url: format!("{server}/{name}"),
    })
}

/// The test server's URL, or `None` after saying `test` is skipped (by name, on the
/// test's stderr).
#[allow(clippy::print_stderr)]
fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{test}: {POSTGRES_ENV} is not set, and CI must run the PostgreSQL tests")
        }
        _ => {
            eprintln!(
                "skipped: {test} (no PostgreSQL server: set {POSTGRES_ENV}=postgres://… to run it; \
                 .ci/run starts one)"
            );
            None
        }
    }
}

/// The keys of a stream's table, and how many of its rows were kept raw.
pub async fn keys(target: &Target, stream: Stream) -> (Vec<String>, u64) {
    sqlx::any::install_default_drivers();
    let url = match target {
        Target::Sqlite(path) => format!("sqlite://{}", path.display()),
        Target::Postgres { url } => url.clone(),
    };
    let pool = sqlx::AnyPool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let table = stream.table();
    // `readable` as a number: the Any driver reads no SQLite boolean.
    let rows = sqlx::query(&format!(
        "SELECT record_key, CAST(CASE WHEN readable THEN 1 ELSE 0 END AS BIGINT) \
         FROM {table} ORDER BY record_key"
    ))
    .fetch_all(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    use sqlx::Row as _;
    let mut raw = 0;
    let keys = rows
        .iter()
        .map(|r| {
            let readable: i64 = r.try_get(1).unwrap_or(1);
            raw += u64::from(readable == 0);
            r.try_get::<String, _>(0).unwrap_or_default()
        })
        .collect();
    pool.close().await;
    (keys, raw)
}

/// The ids the sandbox serves for a stream, as the tables key them.
pub fn expected_keys(sandbox: &Sandbox, stream: Stream) -> Vec<String> {
    let data = sandbox.data();
    let mut keys: Vec<String> = match stream {
        Stream::RokidWorkRecords => data
            .work_records
            .iter()
            .map(|r| r.task_id.clone())
            .collect(),
        Stream::RokidChatLogs => data.chat_logs.iter().map(|r| r.id.to_string()).collect(),
        Stream::SobotReceptionRecords => data
            .sobot_records
            .iter()
            .filter_map(|r| r.cid.clone())
            .collect(),
        Stream::ItnioGroupCallTasks => data
            .itnio_tasks
            .iter()
            .map(|t| t.task.task_id.to_string())
            .collect(),
        _ => Vec::new(),
    };
    keys.sort();
    keys
}

/// Checks that the table of `stream` holds each record of the sandbox exactly once: in
/// normal mode, the records' ids exactly; in quirks mode (records with their id missing or
/// unreadable are kept raw, keyed by their JSON's digest) as many rows, every id-keyed one
/// a record's.
pub async fn assert_each_record_once(target: &Target, sandbox: &Sandbox, stream: Stream) {
    let (keys, raw) = keys(target, stream).await;
    let expected = expected_keys(sandbox, stream);
    if !sandbox.quirks() {
        assert_eq!(
            keys, expected,
            "{stream}: the table's keys are the records' ids"
        );
        assert_eq!(raw, 0, "{stream}: nothing kept raw in normal mode");
        return;
    }
    assert_eq!(keys.len(), expected.len(), "{stream}: one row per record");
    for key in keys.iter().filter(|k| !k.starts_with("raw:")) {
        assert!(
            expected.binary_search(key).is_ok(),
            "{stream}: {key} is not a record of the sandbox"
        );
    }
}

/// How many deviations from the documents the database holds (`sync_drift` rows).
pub async fn drift_rows(target: &Target) -> i64 {
    use sqlx::Row as _;
    sqlx::any::install_default_drivers();
    let url = match target {
        Target::Sqlite(path) => format!("sqlite://{}", path.display()),
        Target::Postgres { url } => url.clone(),
    };
    let pool = sqlx::AnyPool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM sync_drift")
        .fetch_one(&pool)
        .await
        .and_then(|r| r.try_get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    pool.close().await;
    n
}

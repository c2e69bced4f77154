//! The sync against the sandbox, into a real SQLite file and (when a server is given) a
//! real PostgreSQL database, in normal and in quirks mode: a full sync, an idle rerun that
//! reads only the look-back, a record changed between runs, and schema upgrades.

mod common;

use agent_sync::{Store, Stream, SyncError};
use common::{Target, assert_each_record_once, expected_counts, options, sync, until};
use time::Duration;
use vendor_sandbox::Sandbox;

/// Records of each kind: about six days of data from the sandbox's epoch.
const RECORDS: usize = 300;
/// The synced period: the data's days and a margin.
const DAYS: i64 = 12;

async fn sandbox(quirks: bool) -> Sandbox {
    Sandbox::builder()
        .seed(7)
        .records(RECORDS)
        .quirks(quirks)
        .start()
        .await
        .unwrap_or_else(|e| panic!("sandbox: {e}"))
}

/// A full sync stores every record once; a second run with nothing new stores nothing
/// new and asks only for the look-back window's pages.
async fn full_then_idle(target: &Target, quirks: bool) {
    let sandbox = sandbox(quirks).await;
    let look_back = Duration::days(2);
    let first = sync(&sandbox, &target.db(), options(until(DAYS), look_back)).await;
    for (stream, expected) in expected_counts(&sandbox) {
        let got = &first[&stream];
        assert_eq!(got.inserted, expected, "{stream}: {got:?}");
        assert_eq!((got.updated, got.unchanged), (0, 0), "{stream}");
        assert_eq!(
            got.windows,
            u64::try_from(DAYS).unwrap_or(0),
            "{stream}: a window a day"
        );
        assert_each_record_once(target, &sandbox, stream).await;
        if quirks {
            assert!(
                got.kept_raw > 0,
                "{stream}: quirks mode has unreadable records"
            );
        }
    }

    // Drift is stored, not fatal: quirks mode drifts, normal mode keeps to the documents.
    let drift = common::drift_rows(target).await;
    if quirks {
        assert!(drift > 0, "quirks mode's drift is stored");
    } else {
        assert_eq!(drift, 0, "the sandbox's normal answers are documented");
    }

    sandbox.reset_counts();
    let second = sync(&sandbox, &target.db(), options(until(DAYS), look_back)).await;
    for stream in Stream::ALL {
        let got = &second[&stream];
        assert_eq!(
            (got.inserted, got.updated),
            (0, 0),
            "{stream}: nothing new: {got:?}"
        );
        // The look-back (2 days) before the checkpoint (the end of day 12): days 11 and 12.
        assert_eq!(got.windows, 2, "{stream}: only the look-back is read again");
        assert!(got.pages < first[&stream].pages, "{stream}: {got:?}");
        assert_each_record_once(target, &sandbox, stream).await;
    }
    // Every request of the rerun was a page of the look-back windows (and Sobot's token).
    let pages: u64 = second.values().map(|s| s.pages).sum();
    assert_eq!(
        sandbox.total_requests() - sandbox.count_token_requests(),
        pages,
        "requests of the idle rerun"
    );
}

/// Records change after they are created: read again (here the whole period is the
/// look-back), a changed record updates its row, the others are unchanged, none is added.
async fn changed_records_update_their_rows(target: &Target, quirks: bool) {
    let first = sandbox(quirks).await;
    let addr = first.addr();
    let look_back = Duration::days(DAYS);
    sync(&first, &target.db(), options(until(DAYS), look_back)).await;
    let before = first.data().clone();
    drop(first);

    // The same data on the same address, after a round of changes.
    let second = restart(addr, quirks).await;
    let changed =
        |a: &[String], b: &[String]| a.iter().zip(b).filter(|(x, y)| x != y).count() as u64;
    let as_json = |v: &[rokid_client::WorkRecord]| -> Vec<String> {
        v.iter()
            .map(|r| serde_json::to_string(r).unwrap_or_default())
            .collect()
    };
    let work_changed = changed(
        &as_json(&before.work_records),
        &as_json(&second.data().work_records),
    );
    let tasks = |v: &[vendor_sandbox::ItnioTask]| -> Vec<String> {
        v.iter()
            .map(|t| serde_json::to_string(&t.task).unwrap_or_default())
            .collect()
    };
    let tasks_changed = changed(
        &tasks(&before.itnio_tasks),
        &tasks(&second.data().itnio_tasks),
    );
    assert!(work_changed > 0 && tasks_changed > 0);

    let rerun = sync(&second, &target.db(), options(until(DAYS), look_back)).await;
    let counts = expected_counts(&second);
    for (stream, changed) in [
        (Stream::RokidWorkRecords, work_changed),
        (Stream::ItnioGroupCallTasks, tasks_changed),
        (Stream::RokidChatLogs, 0),
        (Stream::SobotReceptionRecords, 0),
    ] {
        let got = &rerun[&stream];
        if !quirks {
            assert_eq!(got.inserted, 0, "{stream}: {got:?}");
            assert_eq!(got.updated, changed, "{stream}: {got:?}");
            assert_eq!(
                got.unchanged,
                counts[&stream] - changed,
                "{stream}: {got:?}"
            );
            assert_each_record_once(target, &second, stream).await;
            continue;
        }
        // Quirks mode: a changed record with an id updates its row. One that came without
        // a readable id (kept raw, keyed by its JSON) cannot be told from a new record
        // when its JSON changes: it gets a row of its own and the old row stays (its
        // `last_seen` is older). Only changed records can do that.
        assert!(got.inserted <= changed, "{stream}: {got:?}");
        assert!(
            got.updated + got.inserted >= changed.min(1),
            "{stream}: {got:?}"
        );
        assert_eq!(
            got.records(),
            counts[&stream],
            "{stream}: every record read once"
        );
        let (keys, _) = common::keys(target, stream).await;
        assert_eq!(
            u64::try_from(keys.len()).unwrap_or(0),
            counts[&stream] + got.inserted,
            "{stream}"
        );
        let ids = common::expected_keys(&second, stream);
        for key in keys.iter().filter(|k| !k.starts_with("raw:")) {
            assert!(ids.binary_search(key).is_ok(), "{stream}: {key}");
        }
    }
}

/// A sandbox of the same seed on `addr`, revised once (the old one's port is free again
/// once its server task has wound down).
async fn restart(addr: std::net::SocketAddr, quirks: bool) -> Sandbox {
    let mut last = None;
    for _ in 0..50 {
        match Sandbox::builder()
            .seed(7)
            .records(RECORDS)
            .revision(1)
            .quirks(quirks)
            .listen(addr)
            .start()
            .await
        {
            Ok(s) => return s,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the sandbox could not listen on {addr} again: {last:?}")
}

#[tokio::test]
async fn sqlite_full_sync_then_an_idle_rerun() {
    full_then_idle(&Target::sqlite("full"), false).await;
}

#[tokio::test]
async fn sqlite_full_sync_then_an_idle_rerun_in_quirks_mode() {
    full_then_idle(&Target::sqlite("quirks"), true).await;
}

#[tokio::test]
async fn sqlite_a_changed_record_updates_its_row() {
    changed_records_update_their_rows(&Target::sqlite("changed"), false).await;
}

#[tokio::test]
async fn sqlite_a_changed_record_updates_its_row_in_quirks_mode() {
    changed_records_update_their_rows(&Target::sqlite("changed-quirks"), true).await;
}

#[tokio::test]
async fn postgres_full_sync_then_an_idle_rerun() {
    if let Some(target) = common::postgres("postgres_full_sync_then_an_idle_rerun").await {
        full_then_idle(&target, false).await;
    }
}

#[tokio::test]
async fn postgres_full_sync_then_an_idle_rerun_in_quirks_mode() {
    if let Some(target) =
        common::postgres("postgres_full_sync_then_an_idle_rerun_in_quirks_mode").await
    {
        full_then_idle(&target, true).await;
    }
}

#[tokio::test]
async fn postgres_a_changed_record_updates_its_row() {
    if let Some(target) = common::postgres("postgres_a_changed_record_updates_its_row").await {
        changed_records_update_their_rows(&target, false).await;
    }
}

#[tokio::test]
async fn a_newer_database_is_refused_and_an_older_one_upgraded_in_place() {
    let target = Target::sqlite("schema");
    let db = target.db();
    // An older database: a synced table as an earlier spec made it (one documented field
    // fewer), with a row in it.
    {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("sqlite://{db}?mode=rwc"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for sql in [
            "CREATE TABLE rokid_chat_logs (record_key TEXT PRIMARY KEY, raw_json TEXT NOT NULL, \
             readable BOOLEAN NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, \
             last_changed TEXT NOT NULL, \"id\" BIGINT)",
            "INSERT INTO rokid_chat_logs VALUES ('1', '{\"id\":1}', TRUE, 'a', 'a', 'a', 1)",
        ] {
            sqlx::query(sql)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        pool.close().await;
    }
    let store = Store::open(&db).await.unwrap_or_else(|e| panic!("{e}"));
    let status = store.status().await.unwrap_or_else(|e| panic!("{e}"));
    let chat = status.iter().find(|s| s.stream == Stream::RokidChatLogs);
    assert_eq!(chat.map(|s| s.rows), Some(1), "the row is kept");
    drop(store);
    let (keys, _) = common::keys(&target, Stream::RokidChatLogs).await;
    assert_eq!(keys, ["1"]);
    // The documented fields are columns now: a sync can fill them.
    let sandbox = sandbox(false).await;
    let mut opts = options(until(DAYS), Duration::days(1));
    opts.streams = vec![Stream::RokidChatLogs];
    let run = &sync(&sandbox, &db, opts).await[&Stream::RokidChatLogs];
    // Log 1 was there, with less in it: updated; every other one is new.
    assert_eq!(
        (run.inserted + 1, run.updated),
        (expected_counts(&sandbox)[&Stream::RokidChatLogs], 1)
    );

    // A database a newer program wrote is refused, untouched.
    {
        let pool = sqlx::AnyPool::connect(&format!("sqlite://{db}"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        sqlx::query("UPDATE sync_schema SET version = 99")
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        pool.close().await;
    }
    match Store::open(&db).await {
        Err(SyncError::SchemaTooNew { found: 99, known }) => {
            assert_eq!(known, agent_sync::SCHEMA_VERSION);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

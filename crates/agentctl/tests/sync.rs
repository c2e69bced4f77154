//! `agentctl sync` against the sandbox (normal, or quirks mode in the quirks run): a full
//! sync and its summary, `sync status`, the config file and the flags over it, and a
//! large sync killed (SIGKILL) at 20 points, then run to its end: every record of the
//! sandbox stored exactly once.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{agentctl_for, output, quirks_run};
use serde_json::Value;
use sqlx::Row as _;
use vendor_sandbox::{ROKID_UIDS, Sandbox};

/// The synced streams, as named on the command line.
const STREAMS: [&str; 4] = [
    "rokid-work-records",
    "rokid-chat-logs",
    "sobot-reception-records",
    "itnio-group-call-tasks",
];

/// A SQLite file of the test's own, removed at the end.
struct Db(PathBuf);

impl Db {
    fn new(name: &str) -> Db {
        let path = std::env::temp_dir().join(format!(
            "agentctl-sync-{name}-{}-{}.db",
            std::process::id(),
            quirks_run()
        ));
        let db = Db(path);
        db.remove();
        db
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        self.remove();
    }
}

async fn sandbox(records: usize) -> Sandbox {
    Sandbox::builder()
        .records(records)
        .quirks(quirks_run())
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `sync` arguments covering the sandbox's data: every Rokid user, from its first day
/// to `until`.
fn sync_args<'a>(db: &'a Db, until: &'a str) -> Vec<&'a str> {
    let mut args = vec![
        "sync",
        "--db",
        db.path(),
        "--start",
        "2026-01-01",
        "--until",
        until,
    ];
    for uid in ROKID_UIDS {
        args.extend(["--rokid-uid", uid]);
    }
    args
}

/// How many records of each stream the sandbox serves, by stream name.
fn expected(sandbox: &Sandbox) -> Vec<(&'static str, usize)> {
    let d = sandbox.data();
    vec![
        (STREAMS[0], d.work_records.len()),
        (STREAMS[1], d.chat_logs.len()),
        (STREAMS[2], d.sobot_records.len()),
        (STREAMS[3], d.itnio_tasks.len()),
    ]
}

/// The ids the sandbox serves for a stream's table, sorted.
fn expected_ids(sandbox: &Sandbox, stream: &str) -> Vec<String> {
    let d = sandbox.data();
    let mut ids: Vec<String> = match stream {
        "rokid-work-records" => d.work_records.iter().map(|r| r.task_id.clone()).collect(),
        "rokid-chat-logs" => d.chat_logs.iter().map(|r| r.id.to_string()).collect(),
        "sobot-reception-records" => d
            .sobot_records
            .iter()
            .filter_map(|r| r.cid.clone())
            .collect(),
        _ => d
            .itnio_tasks
            .iter()
            .map(|t| t.task.task_id.to_string())
            .collect(),
    };
    ids.sort();
    ids
}

/// The keys of a stream's table in the database file.
async fn keys(db: &Db, stream: &str) -> Vec<String> {
    let table = stream.replace('-', "_");
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", db.path()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = sqlx::query(&format!(
        "SELECT record_key FROM {table} ORDER BY record_key"
    ))
    .fetch_all(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    pool.close().await;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).unwrap_or_default())
        .collect()
}

/// Each record of the sandbox once: its id, or (quirks mode) as many rows, every id-keyed
/// one a record's.
async fn assert_each_record_once(db: &Db, sandbox: &Sandbox) {
    for stream in STREAMS {
        let keys = keys(db, stream).await;
        let ids = expected_ids(sandbox, stream);
        if quirks_run() {
            assert_eq!(keys.len(), ids.len(), "{stream}: one row per record");
            for key in keys.iter().filter(|k| !k.starts_with("raw:")) {
                assert!(
                    ids.binary_search(key).is_ok(),
                    "{stream}: {key} is not a record"
                );
            }
        } else {
            assert_eq!(keys, ids, "{stream}: the rows are the records");
        }
    }
}

fn by_stream(stdout: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(stdout)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_else(|| panic!("not a JSON list: {stdout}"))
}

#[tokio::test]
async fn a_full_sync_its_summary_and_its_status() {
    let sandbox = sandbox(200).await;
    let db = Db::new("full");
    let mut args = sync_args(&db, "2026-01-08 00:00:00");
    args.extend(["--format", "json"]);
    let run = output(agentctl_for(&sandbox), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summaries = by_stream(&run.stdout);
    for (stream, count) in expected(&sandbox) {
        let s = summaries
            .iter()
            .find(|s| s["stream"] == stream)
            .unwrap_or_else(|| panic!("{stream} missing: {}", run.stdout));
        assert_eq!(s["inserted"], count, "{stream}: {s}");
        assert_eq!(s["checkpoint"], "2026-01-08 00:00:00", "{stream}");
        assert_eq!(s["error"], Value::Null, "{stream}");
        if quirks_run() {
            assert!(s["kept_raw"].as_u64() > Some(0), "{stream}: {s}");
        }
    }
    assert!(
        run.stderr.contains("records/s"),
        "progress on stderr: {}",
        run.stderr
    );
    assert_each_record_once(&db, &sandbox).await;

    let status = output(
        agentctl_for(&sandbox),
        &["sync", "status", "--db", db.path(), "--format", "json"],
    )
    .await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    for (stream, count) in expected(&sandbox) {
        let s = by_stream(&status.stdout)
            .into_iter()
            .find(|s| s["stream"] == stream)
            .unwrap_or_else(|| panic!("{stream}: {}", status.stdout));
        assert_eq!(s["rows"], count, "{stream}");
        assert_eq!(s["outcome"], "ok", "{stream}");
        assert_eq!(s["checkpoint"], "2026-01-08 00:00:00", "{stream}");
    }
    // The table form names every stream.
    let table = output(
        agentctl_for(&sandbox),
        &["sync", "status", "--db", db.path()],
    )
    .await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    for stream in STREAMS {
        assert!(table.stdout.contains(stream), "{}", table.stdout);
    }
}

#[tokio::test]
async fn the_config_file_is_read_and_flags_override_it() {
    let sandbox = sandbox(60).await;
    let db = Db::new("config");
    let dir = std::env::temp_dir().join(format!("agentctl-sync-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let config = dir.join("agent-sync.toml");
    std::fs::write(
        &config,
        format!(
            "db = {:?}\nstreams = [\"rokid-chat-logs\", \"itnio-group-call-tasks\"]\n\
             start = \"2026-01-01\"\nuntil = \"2026-01-05 00:00:00\"\nlook_back = \"1d\"\n",
            db.path()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config_arg = config.display().to_string();
    let run = output(
        agentctl_for(&sandbox),
        &["sync", "--config", &config_arg, "--format", "json"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let streams: Vec<Value> = by_stream(&run.stdout)
        .iter()
        .map(|s| s["stream"].clone())
        .collect();
    assert_eq!(streams, ["rokid-chat-logs", "itnio-group-call-tasks"]);

    // A flag wins over its key.
    let run = output(
        agentctl_for(&sandbox),
        &[
            "sync",
            "--config",
            &config_arg,
            "--streams",
            "sobot-reception-records",
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let streams: Vec<Value> = by_stream(&run.stdout)
        .iter()
        .map(|s| s["stream"].clone())
        .collect();
    assert_eq!(streams, ["sobot-reception-records"]);

    // A key the config does not know, or a stream that does not exist: exit 2, nothing sent.
    std::fs::write(&config, "look_bak = \"3d\"\n").unwrap_or_else(|e| panic!("{e}"));
    let typo = output(agentctl_for(&sandbox), &["sync", "--config", &config_arg]).await;
    assert_eq!(typo.code, 2, "{}", typo.stderr);
    assert!(typo.stderr.contains("look_bak"), "{}", typo.stderr);
    let unknown = output(
        agentctl_for(&sandbox),
        &["sync", "--db", db.path(), "--streams", "rokid-everything"],
    )
    .await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}

/// A large sync, killed with SIGKILL at 20 points (each run resuming where the last one
/// died), then run to its end: every record of the sandbox is stored, each once.
#[tokio::test]
async fn a_sync_killed_at_twenty_points_then_rerun_loses_and_duplicates_nothing() {
    let sandbox = sandbox(2_000).await;
    let db = Db::new("killed");
    let until = "2026-02-20 00:00:00";
    let mut args = sync_args(&db, until);
    // Small pages: many transactions, many places to die in.
    args.extend(["--page-size", "7", "--format", "json"]);
    // A fixed pseudo-random sequence of kill times (reproducible), 20 ms to 350 ms.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut kills = 0;
    for _ in 0..20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let after = Duration::from_millis(20 + state % 330);
        let mut child = agentctl_for(&sandbox)
            .args(&args)
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        tokio::select! {
            status = child.wait() => {
                // Finished before its kill: the sync was already done.
                assert!(status.is_ok_and(|s| s.success()), "a run failed before its kill");
            }
            () = tokio::time::sleep(after) => {
                child.start_kill().unwrap_or_else(|e| panic!("{e}")); // SIGKILL on Unix
                let _ = child.wait().await;
                kills += 1;
            }
        }
    }
    assert!(
        kills >= 15,
        "the sync must be large enough to be killed mid-way ({kills} kills)"
    );
    let run = output(agentctl_for(&sandbox), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_each_record_once(&db, &sandbox).await;
    // And nothing is left to do: an idle rerun stores nothing new.
    let again = output(agentctl_for(&sandbox), &args).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    for s in by_stream(&again.stdout) {
        assert_eq!(
            (&s["inserted"], &s["updated"]),
            (&Value::from(0), &Value::from(0)),
            "{s}"
        );
    }
}

/// How many runs of a stream the database recorded.
async fn runs(db: &Db, stream: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", db.path()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM sync_runs WHERE stream = $1")
        .bind(stream.to_owned())
        .fetch_one(&pool)
        .await
        .and_then(|r| r.try_get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    pool.close().await;
    n
}

#[tokio::test]
async fn every_runs_again_until_stopped() {
    let sandbox = sandbox(60).await;
    let db = Db::new("every");
    let mut args = sync_args(&db, "2026-01-04 00:00:00");
    args.extend(["--streams", "rokid-chat-logs", "--every", "1s"]);
    let mut child = agentctl_for(&sandbox)
        .args(&args)
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_millis(2_600)).await;
    assert!(
        child.try_wait().ok().flatten().is_none(),
        "--every keeps running"
    );
    child.start_kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait().await;
    let n = runs(&db, "rokid-chat-logs").await;
    assert!(n >= 2, "{n} runs in 2.6 s with --every 1s");
}

#[tokio::test]
async fn a_vendor_that_fails_exits_1_and_the_other_streams_are_stored() {
    let sandbox = sandbox(60).await;
    let db = Db::new("failing");
    let mut args = sync_args(&db, "2026-01-04 00:00:00");
    args.extend(["--format", "json"]);
    let mut command = agentctl_for(&sandbox);
    command.env("ROKID_API_KEY", "not-the-key");
    let run = output(command, &args).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("rokid-work-records"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("not-the-key"),
        "no credential in messages"
    );
    let summaries = by_stream(&run.stdout);
    for s in &summaries {
        let failed = s["stream"].as_str().is_some_and(|n| n.starts_with("rokid"));
        assert_eq!(s["error"].is_string(), failed, "{s}");
        if !failed {
            assert!(s["inserted"].as_u64() > Some(0), "{s}");
        }
    }
}

//! Figure 8, database sync: the release `agentctl` syncing 100,000 Rokid chat logs into a
//! SQLite file, against the same binary exporting the same records as JSON lines, side by
//! side in one run; the sync's peak RSS; and the requests of an idle rerun against the
//! pages of its look-back window.

use std::path::PathBuf;
use std::time::Duration;

use time::{PrimitiveDateTime, Time};
use vendor_sandbox::{DATA_EPOCH, Sandbox};

use crate::report::{Figure, Target};
use crate::{Env, Outcome};

const RECORDS: usize = 100_000;
/// The largest page Rokid serves: export and sync walk the same pages.
const PAGE: usize = 1000;
const ROUTE: &str = "/ar/assistant/openapi/chatLog/page";
const PEAK_TARGET_MB: f64 = 50.0;
/// The rerun's look-back, in days (one-day windows).
const LOOK_BACK_DAYS: i64 = 3;

pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    let agentctl = crate::child::agentctl_path()?;
    let sandbox = env.sandbox(Sandbox::builder().records(RECORDS))?;
    let last = sandbox
        .data()
        .chat_logs
        .iter()
        .filter_map(|l| l.gmt_created.as_ref())
        .filter_map(common_http::datetime::Timestamp::local_date_time)
        .max()
        .ok_or("no chat log time")?;
    // The period: from the data's first day to the midnight after its last record.
    let until = PrimitiveDateTime::new(last.date().next_day().ok_or("date")?, Time::MIDNIGHT);
    let (from, to) = (
        common_http::datetime::format_datetime(DATA_EPOCH),
        common_http::datetime::format_datetime(until),
    );
    let whole = format!("{}d", (until - DATA_EPOCH).whole_days() + 1);
    let db = Db::new();
    let env_vars = [
        ("ROKID_API_KEY", sandbox.credentials().rokid_api_key.clone()),
        ("ROKID_BASE_URL", sandbox.urls().rokid.clone()),
    ];
    let page = PAGE.to_string();
    let rounds = if env.quick { 1 } else { 3 };
    let (mut export_times, mut sync_times, mut peak_kb) = (Vec::new(), Vec::new(), 0u64);
    for _ in 0..rounds {
        // The export: every log of the period as JSON lines, counted and dropped.
        let export = crate::child::run(
            &agentctl,
            &[
                "rokid",
                "chat-logs",
                "--all",
                "--format",
                "jsonl",
                "--page-size",
                &page,
                "--from",
                &from,
                "--to",
                &to,
            ],
            &env_vars,
        )?;
        if export.lines != RECORDS {
            return Err(format!(
                "the export wrote {} of {RECORDS} logs",
                export.lines
            ));
        }
        // The sync of the same logs, in one window (the export's one query), into a new file.
        db.remove();
        let sync = crate::child::run(
            &agentctl,
            &sync_args(db.path(), &from, &to, &whole, &page, &[]),
            &env_vars,
        )?;
        let inserted = inserted(&sync.stdout)?;
        if inserted != RECORDS as u64 {
            return Err(format!("the sync stored {inserted} of {RECORDS} logs"));
        }
        export_times.push(export.elapsed);
        sync_times.push(sync.elapsed);
        peak_kb = peak_kb.max(sync.peak_kb);
    }
    // The idle rerun: one-day windows, the look-back only.
    sandbox.reset_counts();
    let look_back = format!("{LOOK_BACK_DAYS}d");
    let rerun = crate::child::run(
        &agentctl,
        &sync_args(
            db.path(),
            &from,
            &to,
            "1d",
            &page,
            &["--look-back", &look_back],
        ),
        &env_vars,
    )?;
    if inserted(&rerun.stdout)? != 0 {
        return Err("the idle rerun stored new records".into());
    }
    let requests = sandbox.count(ROUTE);
    let expected = look_back_pages(&sandbox, until)?;

    let export = crate::stats::median(
        &export_times
            .iter()
            .map(Duration::as_secs_f64)
            .collect::<Vec<_>>(),
    );
    let sync = crate::stats::median(
        &sync_times
            .iter()
            .map(Duration::as_secs_f64)
            .collect::<Vec<_>>(),
    );
    #[allow(clippy::cast_precision_loss)]
    let (per_sec, peak_mb) = (RECORDS as f64 / sync, peak_kb as f64 / 1024.0);
    Ok(vec![
        Figure::new(
            "sync 100000 records into SQLite",
            "sync/export",
            export / sync,
            Target::AtLeast(0.8),
            format!(
                "throughput of `agentctl sync` (one window, pages of {PAGE}, a new SQLite \
                 file) as a ratio to `agentctl rokid chat-logs --all --format jsonl` of the \
                 same logs: {sync:.2} s vs {export:.2} s ({per_sec:.0} records/s), medians \
                 of {rounds}"
            ),
        ),
        Figure::new(
            "sync peak RSS",
            "peak/50MB",
            peak_mb / PEAK_TARGET_MB,
            Target::AtMost(1.0),
            format!("{peak_mb:.1} MB peak RSS (VmHWM) syncing {RECORDS} logs"),
        ),
        Figure::new(
            "sync idle rerun requests",
            "requests/look-back pages",
            requests as f64 / expected as f64,
            Target::AtMost(1.0),
            format!(
                "{requests} requests for {expected} pages: the {LOOK_BACK_DAYS}-day look-back \
                 in one-day windows, nothing stored ({:.2} s)",
                rerun.elapsed.as_secs_f64()
            ),
        ),
    ])
}

/// The pages of the look-back windows: one per window at least, one per `PAGE` logs.
fn look_back_pages(sandbox: &Sandbox, until: PrimitiveDateTime) -> Outcome<u64> {
    let mut pages = 0;
    for day in 0..LOOK_BACK_DAYS {
        let end = until - time::Duration::days(day);
        let start = end - time::Duration::days(1);
        let n = sandbox
            .data()
            .chat_logs
            .iter()
            .filter_map(|l| l.gmt_created.as_ref())
            .filter_map(common_http::datetime::Timestamp::local_date_time)
            .filter(|t| *t >= start && *t < end)
            .count();
        pages += n.div_ceil(PAGE).max(1) as u64;
    }
    Ok(pages)
}

/// `inserted` summed over the summaries `agentctl sync --format json` printed.
fn inserted(stdout: &str) -> Outcome<u64> {
    let value: serde_json::Value =
        serde_json::from_str(stdout).map_err(|e| format!("{e}: {stdout}"))?;
    Ok(value
        .as_array()
        .ok_or("not a list")?
        .iter()
        .filter_map(|s| s["inserted"].as_u64())
        .sum())
}

/// The sync's SQLite file, removed when done.
struct Db(PathBuf);

impl Db {
    fn new() -> Self {
        let db =
            Db(std::env::temp_dir().join(format!("agent-bench-sync-{}.db", std::process::id())));
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

/// The arguments of `agentctl sync` of the chat logs from `from` to `to` into `db`, in
/// windows of `window` and pages of `page`, with `extra` ones, printing JSON.
fn sync_args<'a>(
    db: &'a str,
    from: &'a str,
    to: &'a str,
    window: &'a str,
    page: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "sync",
        "--db",
        db,
        "--streams",
        "rokid-chat-logs",
        "--start",
        from,
        "--until",
        to,
        "--window",
        window,
        "--page-size",
        page,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    args
}

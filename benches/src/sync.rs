//! Figure 8, database sync: the release `agentctl` syncing 100,000 Rokid chat logs into a
//! SQLite file, against the same binary exporting the same records as JSON lines, side by
//! side in one run; the sync's peak RSS; and the requests of an idle rerun against the
//! pages of its look-back window.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let agentctl = crate::memory::agentctl_path()?;
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
        let export = timed(
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
        let sync = timed(
            &agentctl,
            &[
                "sync",
                "--db",
                db.path(),
                "--streams",
                "rokid-chat-logs",
                "--start",
                &from,
                "--until",
                &to,
                "--window",
                &whole,
                "--page-size",
                &page,
                "--format",
                "json",
            ],
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
    let rerun = timed(
        &agentctl,
        &[
            "sync",
            "--db",
            db.path(),
            "--streams",
            "rokid-chat-logs",
            "--start",
            &from,
            "--until",
            &to,
            "--window",
            "1d",
            "--look-back",
            &look_back,
            "--page-size",
            &page,
            "--format",
            "json",
        ],
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

/// What one child run gave.
struct Timed {
    elapsed: Duration,
    peak_kb: u64,
    lines: usize,
    stdout: String,
}

/// Runs `agentctl args`, counting its stdout lines and sampling its peak RSS.
fn timed(agentctl: &Path, args: &[&str], vars: &[(&str, String)]) -> Outcome<Timed> {
    use std::io::Read;
    let start = Instant::now();
    let mut child = Command::new(agentctl)
        .args(args)
        .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", agentctl.display()))?;
    let pid = child.id();
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    // Lines are counted, and only a short output (the sync's summary) is kept.
    let sink = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let (mut lines, mut kept) = (0usize, Vec::new());
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            lines += buf[..n].iter().filter(|b| **b == b'\n').count();
            if kept.len() < 64 * 1024 {
                kept.extend_from_slice(&buf[..n]);
            }
        }
        (lines, String::from_utf8_lossy(&kept).into_owned())
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = crate::memory::vm_hwm_kb(pid) {
            peak_kb = u64::max(peak_kb, kb);
        }
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let elapsed = start.elapsed();
    let (lines, stdout) = sink.join().map_err(|_| "sink thread panicked")?;
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "agentctl {}: {status}: {}",
            args.first().unwrap_or(&""),
            errors.lines().last().unwrap_or_default()
        ));
    }
    Ok(Timed {
        elapsed,
        peak_kb,
        lines,
        stdout,
    })
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

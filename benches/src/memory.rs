//! Figure 5, memory: the release `agentctl` exporting 100,000 Rokid records as JSON
//! lines from an in-process sandbox; peak RSS of the child and records per second.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vendor_sandbox::{ROKID_UIDS, Sandbox};

use crate::report::{Figure, Target};
use crate::{Env, Outcome};

/// Records generated: the uids share them, so one uid gets about a quarter.
const RECORDS: usize = 400_000;
const PEAK_TARGET_MB: f64 = 30.0;

pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    let agentctl = agentctl_path()?;
    let sandbox = env.sandbox(Sandbox::builder().records(RECORDS))?;
    let (uid, expected) = ROKID_UIDS
        .iter()
        .map(|uid| {
            let n = sandbox
                .data()
                .work_records
                .iter()
                .filter(|r| r.uid.as_deref() == Some(*uid))
                .count();
            (*uid, n)
        })
        .max_by_key(|(_, n)| *n)
        .ok_or("no Rokid uid")?;
    let start = Instant::now();
    let mut child = Command::new(&agentctl)
        .args([
            "rokid", "records", "--uid", uid, "--all", "--format", "jsonl",
        ])
        // The largest page the API allows: the sandbox scans every record per page.
        .args(["--page-size", "1000"])
        .env("ROKID_API_KEY", &sandbox.credentials().rokid_api_key)
        .env("ROKID_BASE_URL", &sandbox.urls().rokid)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", agentctl.display()))?;
    let pid = child.id();
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    // The counting sink: lines and bytes, nothing kept.
    let sink = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let (mut lines, mut bytes) = (0usize, 0usize);
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            bytes += n;
            lines += buf[..n].iter().filter(|b| **b == b'\n').count();
        }
        (lines, bytes)
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut peak_kb = 0u64;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak_kb = peak_kb.max(kb);
        }
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let elapsed = start.elapsed();
    let (lines, bytes) = sink.join().map_err(|_| "sink thread panicked")?;
    let errors = errors.join().unwrap_or_default();
    if !status.success() || lines != expected {
        return Err(format!(
            "agentctl exported {lines} of {expected} records ({status}): {}",
            errors.lines().last().unwrap_or_default()
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    let peak_mb = peak_kb as f64 / 1024.0;
    #[allow(clippy::cast_precision_loss)]
    let per_sec = lines as f64 / elapsed.as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    Ok(vec![
        Figure::new(
            "memory agentctl export peak RSS",
            "peak/30MB",
            peak_mb / PEAK_TARGET_MB,
            Target::AtMost(1.0),
            format!(
                "{peak_mb:.1} MB peak RSS (VmHWM) exporting {lines} records, {mb:.0} MB of JSON lines"
            ),
        ),
        Figure::new(
            "memory agentctl export rate",
            "records/s",
            per_sec,
            Target::None,
            format!(
                "{lines} records in {:.1} s, pages of 1000, sandbox in the same process",
                elapsed.as_secs_f64()
            ),
        ),
    ])
}

/// The release `agentctl` beside this binary (`cargo xtask bench` builds both).
pub(crate) fn agentctl_path() -> Outcome<PathBuf> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = me.with_file_name("agentctl");
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found: build it with `cargo build --release -p agent-clients-cli`",
            path.display()
        ))
    }
}

/// The peak resident set size of a running process, in KiB.
pub(crate) fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

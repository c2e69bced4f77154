//! Runs the release `agentctl` as a child process, as a user would: its time, its peak
//! RSS (`VmHWM`, polled every 5 ms), and its stdout counted in lines and bytes (only the
//! first 64 KiB kept, for a short output such as a summary).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Outcome;

/// What one child run gave.
pub(crate) struct Run {
    pub(crate) elapsed: Duration,
    pub(crate) peak_kb: u64,
    pub(crate) lines: usize,
    pub(crate) bytes: usize,
    /// The first 64 KiB of stdout.
    pub(crate) stdout: String,
}

/// Runs `agentctl args` with `vars` to its end; a failure is an error quoting its last
/// stderr line.
pub(crate) fn run(agentctl: &Path, args: &[&str], vars: &[(&str, String)]) -> Outcome<Run> {
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
    // The counting sink: lines and bytes, and the head of the output.
    let sink = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let (mut lines, mut bytes, mut kept) = (0usize, 0usize, Vec::new());
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            bytes += n;
            lines += buf[..n].iter().filter(|b| **b == b'\n').count();
            if kept.len() < 64 * 1024 {
                kept.extend_from_slice(&buf[..n]);
            }
        }
        (lines, bytes, String::from_utf8_lossy(&kept).into_owned())
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak_kb = u64::max(peak_kb, kb);
        }
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let elapsed = start.elapsed();
    let (lines, bytes, stdout) = sink.join().map_err(|_| "sink thread panicked")?;
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "agentctl {}: {status}: {}",
            args.first().unwrap_or(&""),
            errors.lines().last().unwrap_or_default()
        ));
    }
    Ok(Run {
        elapsed,
        peak_kb,
        lines,
        bytes,
        stdout,
    })
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
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

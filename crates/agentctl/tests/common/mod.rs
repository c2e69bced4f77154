//! Shared by the integration tests: runs the built `agentctl` with a clean environment
//! (only `PATH`, plus the variables a test gives), against a sandbox the test started.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses a part

use std::process::Stdio;

use serde_json::Value;
use tokio::process::Command;
use vendor_sandbox::Sandbox;
use vendor_sandbox::cli::env_vars;

/// The output formats.
pub(crate) const FORMATS: [&str; 4] = ["table", "json", "jsonl", "csv"];

/// Set (to anything) to run every command test against a sandbox in quirks mode: the
/// commands must do their job, with every record, against drifted servers too. `.ci/run`
/// runs this suite once without it and once with it.
pub(crate) const QUIRKS_ENV: &str = "AGENTCTL_TEST_QUIRKS";

/// Whether this run is the quirks-mode run ([`QUIRKS_ENV`]).
pub(crate) fn quirks_run() -> bool {
    std::env::var_os(QUIRKS_ENV).is_some()
}

/// A small, fast sandbox, in quirks mode when [`QUIRKS_ENV`] is set.
pub(crate) async fn sandbox() -> Sandbox {
    small_sandbox(quirks_run()).await
}

/// A small, fast sandbox in normal mode, whatever the run: for the tests of what a
/// server that keeps to its documents gives (no drift at all).
pub(crate) async fn normal_sandbox() -> Sandbox {
    small_sandbox(false).await
}

async fn small_sandbox(quirks: bool) -> Sandbox {
    Sandbox::builder()
        .records(40)
        .document_bytes(4096)
        .stream_pace(std::time::Duration::from_millis(1))
        .quirks(quirks)
        .start()
        .await
        .unwrap()
}

/// A sandbox in quirks mode: drifted JSON and, now and then, a record no client can read
/// (at least one in any 20 records of a listing: 100 records give every listing, a Rokid
/// user's work records included, more than 20).
pub(crate) async fn quirks_sandbox() -> Sandbox {
    Sandbox::builder()
        .records(100)
        .document_bytes(4096)
        .stream_pace(std::time::Duration::from_millis(1))
        .quirks(true)
        .start()
        .await
        .unwrap()
}

/// `agentctl` with no vendor variable from the developer's environment.
pub(crate) fn agentctl() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentctl"));
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// `agentctl` pointed at `sandbox` through the environment.
pub(crate) fn agentctl_for(sandbox: &Sandbox) -> Command {
    let mut command = agentctl();
    command.envs(env_vars(sandbox));
    command
}

/// What one run printed, and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs a prepared command to its end.
pub(crate) async fn output(mut command: Command, args: &[&str]) -> Run {
    let out = command.args(args).output().await.unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs `agentctl ARGS --format FORMAT` against the sandbox and expects success.
pub(crate) async fn ok(sandbox: &Sandbox, args: &[&str], format: &str) -> String {
    let mut all = args.to_vec();
    all.extend(["--format", format]);
    let run = output(agentctl_for(sandbox), &all).await;
    assert_eq!(run.code, 0, "{all:?}: {}", run.stderr);
    run.stdout
}

/// How many of `count` exported records may lack the vendor field: none, except in the
/// quirks-mode run, where the sandbox makes about one record in 20 unreadable and the
/// export writes it exactly as sent (a bare number, an object without its id).
pub(crate) fn unreadable_allowed(count: usize) -> usize {
    if quirks_run() { count / 10 + 1 } else { 0 }
}

/// Checks that `stdout` holds `count` records in `format`, each with the vendor field
/// `field` (but for the unreadable records of a quirks-mode run, kept as sent).
pub(crate) fn assert_records(format: &str, stdout: &str, count: usize, field: &str) {
    let lacking = |items: &[Value]| items.iter().filter(|i| i.get(field).is_none()).count();
    match format {
        "json" => {
            let value: Value = serde_json::from_str(stdout).unwrap();
            let items = value.as_array().unwrap();
            assert_eq!(items.len(), count, "{stdout}");
            assert!(lacking(items) <= unreadable_allowed(count), "{stdout}");
        }
        "jsonl" => {
            let items: Vec<Value> = stdout
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect();
            assert_eq!(items.len(), count, "{stdout}");
            assert!(lacking(&items) <= unreadable_allowed(count), "{stdout}");
        }
        "csv" => {
            let mut lines = stdout.lines();
            let header = lines.next().unwrap_or_default();
            assert!(header.split(',').any(|c| c == field), "{header}");
            assert_eq!(lines.count(), count, "{stdout}");
        }
        "table" => {
            let header = stdout.lines().next().unwrap_or_default();
            assert!(header.split_whitespace().any(|c| c == field), "{stdout}");
            assert!(stdout.contains(&format!("({count} rows)")), "{stdout}");
        }
        other => panic!("unknown format {other}"),
    }
}

/// The records of a `json` output.
pub(crate) fn json_items(stdout: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(stdout)
        .unwrap()
        .as_array()
        .cloned()
        .unwrap()
}

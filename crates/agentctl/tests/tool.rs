//! The tool as a whole: the demo, the standalone sandbox, usage errors, the default
//! format, and logs that stay on stderr without secrets.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::{FORMATS, agentctl, agentctl_for, output, sandbox};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use vendor_sandbox::ROKID_UIDS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_walks_through_every_vendor_and_exits_0() {
    let run = output(agentctl(), &["demo"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "== Rokid: one page of work records",
        "== Rokid: one page of agent chat logs",
        "== Rokid: a full export, streamed page by page",
        "downloaded",
        "skipped",
        "== Sobot: a streamed answer",
        "You said: Where is my order?",
        "You chose Refund. Done.",
        // A node timeout: the answer's delay, then the push polled for it.
        "(node timeout: delay 1, polling for the follow-up)",
        "[node timeout: NODE_OVER_TIME, POLLING_END]",
        "Are you still there?",
        // The sandbox calling the example agent, whose answer hands over to a human.
        "Let me connect you to a human agent.",
        "[hand-over: hand over to a human agent (GPT_TRANSFER: intent)]",
        "== Sobot: reception statistics",
        "== Itniotech: AI-agent group call tasks",
        "Done in",
    ] {
        assert!(run.stdout.contains(expected), "{expected}:\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("agentctl: "), "no error reported");
    let dir = run
        .stdout
        .split_whitespace()
        .skip_while(|w| *w != "--dir")
        .nth(1)
        .unwrap();
    assert!(!std::path::Path::new(dir).exists(), "{dir} was removed");
}

/// Starts `agentctl sandbox` and returns it with the variables it printed.
async fn standalone(extra: &[&str]) -> (tokio::process::Child, HashMap<String, String>) {
    let mut child = agentctl()
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--records",
            "20",
            "--format",
            "jsonl",
        ])
        .args(extra)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let vars: HashMap<String, String> = serde_json::from_str(&first).unwrap();
    (child, vars)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_command_prints_variables_that_work() {
    let (mut child, vars) = standalone(&["--fault", "/voice/group/call/query=403"]).await;
    assert_eq!(vars.len(), 9, "{vars:?}");
    let mut command = agentctl();
    command.envs(&vars);
    let run = output(
        command,
        &["rokid", "records", "--uid", ROKID_UIDS[0], "--all"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(!records.as_array().unwrap().is_empty());

    let mut command = agentctl();
    command.envs(&vars);
    let tasks = [
        "itnio",
        "tasks",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
    ];
    let run = output(command, &tasks).await;
    assert_eq!(run.code, 1, "the --fault flag applies");
    assert!(run.stderr.contains("403"), "{}", run.stderr);
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_command_in_every_format() {
    for format in FORMATS {
        let mut child = agentctl()
            .args([
                "sandbox",
                "--listen",
                "127.0.0.1:0",
                "--records",
                "5",
                "--format",
                format,
            ])
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = String::new();
        while !(seen.contains("ROKID_BASE_URL") && seen.contains("sandbox-rokid-key")) {
            let Some(line) = lines.next_line().await.unwrap() else {
                break;
            };
            seen.push_str(&line);
            seen.push('\n');
        }
        assert!(seen.contains("ROKID_BASE_URL"), "{format}: {seen}");
        assert!(seen.contains("sandbox-rokid-key"), "{format}: {seen}");
        child.kill().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    for args in [
        &["rokid", "records"][..],
        &["rokid", "chat-logs", "--type", "video"],
        &[
            "sobot",
            "records",
            "--from",
            "2026-01-01 10:00:00",
            "--to",
            "2026-01-02",
        ],
        &["itnio", "tasks", "--from", "2026-01-01"],
        &["nonsense"],
        &["sandbox", "--fault", "no-equals-sign"],
    ] {
        let run = output(agentctl(), args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty());
        assert!(run.stdout.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_by_default_off_a_terminal_and_logs_on_stderr_without_secrets() {
    let sandbox = sandbox().await;
    let run = output(
        agentctl_for(&sandbox),
        &[
            "-vv",
            "sobot",
            "records",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        records.as_array().unwrap().len(),
        10,
        "one page of the vendor's default size"
    );
    assert!(
        run.stderr.contains("DEBUG") || run.stderr.contains("INFO"),
        "{}",
        run.stderr
    );
    let creds = sandbox.credentials();
    for secret in [&creds.sobot_app_key, &creds.sobot_appid] {
        assert!(
            !run.stderr.contains(secret.as_str()),
            "{secret} leaked: {}",
            run.stderr
        );
    }
}

//! `agentctl doctor` against an in-process sandbox: the calls it makes (read-only), the
//! drift report in normal and quirks mode, and its exit codes.
#![allow(clippy::unwrap_used)]

mod common;

use common::{agentctl, agentctl_for, normal_sandbox, output, quirks_sandbox, sandbox};
use serde_json::Value;
use vendor_sandbox::{Fault, ROKID_UIDS, Sandbox};

/// Every call the doctor makes with the three vendors configured and a Rokid user.
const CALLS: [&str; 10] = [
    "list_work_records",
    "list_chat_logs",
    "list_reception_records",
    "list_robots",
    "list_channels",
    "list_timezones",
    "list_labels",
    "list_dislike_labels",
    "list_audiences",
    "list_group_call_tasks",
];

/// `agentctl doctor ARGS` against `sandbox`, every vendor configured, with a Rokid user.
async fn doctor(sandbox: &Sandbox, args: &[&str]) -> common::Run {
    let mut command = agentctl_for(sandbox);
    command.env("ROKID_DOCTOR_UID", ROKID_UIDS[0]);
    let mut all = vec!["doctor"];
    all.extend(args);
    output(command, &all).await
}

/// The rows of the calls table: (vendor, call, result).
fn call_rows(stdout: &str) -> Vec<(String, String, String)> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("vendor"))
        .skip(2)
        .take_while(|l| !l.starts_with('('))
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].into(), cells[1].into(), cells[2].into())
        })
        .collect()
}

/// No request of the doctor reached a route that starts, changes or ends anything.
fn only_reads(sandbox: &Sandbox) {
    assert_eq!(
        sandbox.count_prefix("/ai-agent-open/ask/"),
        0,
        "no session, question or callback"
    );
    assert!(sandbox.total_requests() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_normal_sandbox_reports_every_call_and_no_drift() {
    let sandbox = normal_sandbox().await;
    let run = doctor(&sandbox, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = call_rows(&run.stdout);
    let calls: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(calls, CALLS, "{}", run.stdout);
    assert!(rows.iter().all(|r| r.2 == "ok"), "{}", run.stdout);
    assert!(run.stdout.contains("No drift"), "{}", run.stdout);
    only_reads(&sandbox);

    let run = doctor(&sandbox, &["--format", "json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report, Value::Array(Vec::new()));
    // The calls go to stderr when stdout holds the report alone.
    for call in CALLS {
        assert!(
            run.stderr.contains(&format!("{call}: ok")),
            "{}",
            run.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quirks_sandbox_reports_the_drift_by_vendor_path() {
    let sandbox = quirks_sandbox().await;
    let run = doctor(&sandbox, &[]).await;
    assert_eq!(run.code, 0, "drift is not a failure: {}", run.stderr);
    let rows = call_rows(&run.stdout);
    assert_eq!(rows.len(), CALLS.len(), "{}", run.stdout);
    assert!(rows.iter().all(|r| r.2 == "ok"), "{}", run.stdout);
    for kind in ["type_coerced", "unknown_field", "unreadable_record"] {
        assert!(run.stdout.contains(kind), "{kind}: {}", run.stdout);
    }
    assert!(run.stdout.contains("ChatLog.costTime"), "{}", run.stdout);
    assert!(run.stdout.contains("unreadable"), "{}", run.stdout);
    only_reads(&sandbox);

    let run = doctor(&sandbox, &["--format", "json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let entries = report.as_array().unwrap();
    assert!(!entries.is_empty());
    for entry in entries {
        let keys: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in ["vendor", "operation", "path", "kind", "count", "example"] {
            assert!(keys.contains(&key), "{key} in {entry}");
        }
        assert!(entry["count"].as_u64().unwrap() >= 1, "{entry}");
    }
    let has = |vendor: &str, operation: &str, path: &str, kind: &str| {
        entries.iter().any(|e| {
            e["vendor"] == vendor
                && e["operation"] == operation
                && e["path"] == path
                && e["kind"] == kind
        })
    };
    assert!(
        has(
            "rokid",
            "list_chat_logs",
            "ChatLog.costTime",
            "type_coerced"
        ),
        "{report:#}"
    );
    assert!(
        has(
            "rokid",
            "list_work_records",
            "WorkRecord.extraInfo",
            "unknown_field"
        ),
        "{report:#}"
    );
    assert!(
        has(
            "rokid",
            "list_chat_logs",
            "ChatLogPage.list",
            "unreadable_record"
        ),
        "{report:#}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["vendor"] == "itnio" && e["kind"] == "unknown_field"),
        "{report:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendors_named_or_configured_and_the_rokid_user() {
    let sandbox = sandbox().await;
    // Named: only those.
    let run = doctor(&sandbox, &["itnio"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = call_rows(&run.stdout);
    assert_eq!(rows.len(), 1, "{}", run.stdout);
    assert_eq!(rows[0].1, "list_group_call_tasks");

    // By default, the vendors whose variables are set; no user id skips the work records.
    let mut command = agentctl();
    command.env("ROKID_BASE_URL", sandbox.base_url());
    command.env("ROKID_API_KEY", &sandbox.credentials().rokid_api_key);
    let run = output(command, &["doctor"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = call_rows(&run.stdout);
    assert_eq!(rows.len(), 2, "{}", run.stdout);
    assert_eq!(rows[0].2, "skipped", "{}", run.stdout);
    assert!(run.stdout.contains("ROKID_DOCTOR_UID"), "{}", run.stdout);
    assert_eq!(
        rows[1],
        ("rokid".into(), "list_chat_logs".into(), "ok".into())
    );

    // The flag gives the user.
    let mut command = agentctl();
    command.env("ROKID_BASE_URL", sandbox.base_url());
    command.env("ROKID_API_KEY", &sandbox.credentials().rokid_api_key);
    let run = output(command, &["doctor", "rokid", "--rokid-uid", ROKID_UIDS[0]]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        call_rows(&run.stdout).iter().all(|r| r.2 == "ok"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_exit_2_before_any_call() {
    let sandbox = sandbox().await;
    // Nothing configured.
    let run = output(agentctl(), &["doctor"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no vendor is configured"),
        "{}",
        run.stderr
    );
    // A vendor named without its variables.
    let mut command = agentctl();
    command.env("ROKID_BASE_URL", sandbox.base_url());
    command.env("ROKID_API_KEY", &sandbox.credentials().rokid_api_key);
    let run = output(command, &["doctor", "rokid", "sobot"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("SOBOT_APPID"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // A vendor half configured.
    let mut command = agentctl();
    command.env("ITNIO_BASE_URL", sandbox.base_url());
    command.env("ITNIO_API_KEY", &sandbox.credentials().itnio_api_key);
    let run = output(command, &["doctor"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("ITNIO_API_SECRET"), "{}", run.stderr);
    assert_eq!(sandbox.total_requests(), 0);
    // An unknown vendor is a usage error.
    let run = output(agentctl(), &["doctor", "acme"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_call_exits_1_with_its_error_and_the_others_still_run() {
    let sandbox = sandbox().await;
    sandbox.add_fault(
        "/ai-agent-open/api/statistics/getLabels",
        Fault::status(403),
    );
    let run = doctor(&sandbox, &[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let rows = call_rows(&run.stdout);
    assert_eq!(rows.len(), CALLS.len(), "{}", run.stdout);
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| r.2 == "failed")
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(failed, ["list_labels"], "{}", run.stdout);
    assert!(
        run.stderr.contains("list_labels failed") && run.stderr.contains("403"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 of 10 calls failed"),
        "{}",
        run.stderr
    );

    let mut command = agentctl_for(&sandbox);
    command.env("ROKID_API_KEY", "wrong-key-1234");
    let run = output(command, &["doctor", "rokid"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(!run.stderr.contains("wrong-key-1234"));
    assert!(!run.stdout.contains("wrong-key-1234"));
}

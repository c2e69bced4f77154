//! `agentctl itnio tasks` against an in-process sandbox: every format, one page and every
//! page, filters, and the errors.
#![allow(clippy::unwrap_used)]

mod common;

use common::{FORMATS, agentctl, agentctl_for, assert_records, json_items, ok, output, sandbox};
use itnio_client::TaskStatus;

const JANUARY: [&str; 4] = ["--from", "2026-01-01", "--to", "2026-01-31"];

fn tasks(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec!["itnio", "tasks"];
    args.extend(JANUARY);
    args.extend(extra);
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_in_every_format() {
    let sandbox = sandbox().await;
    let all = sandbox.data().itnio_tasks.len();
    for format in FORMATS {
        let page = ok(&sandbox, &tasks(&["--page-size", "7"]), format).await;
        assert_records(format, &page, 7, "taskId");
        let every = ok(&sandbox, &tasks(&["--all", "--page-size", "7"]), format).await;
        assert_records(format, &every, all, "taskId");
    }
    let csv = ok(&sandbox, &tasks(&[]), "csv").await;
    assert!(csv.starts_with("taskId,taskName,status,rate,"), "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_reach_the_api() {
    let sandbox = sandbox().await;
    let want: Vec<i64> = sandbox
        .data()
        .itnio_tasks
        .iter()
        .filter(|t| {
            t.app_id == 1002
                && matches!(
                    t.task.status,
                    Some(TaskStatus::Calling | TaskStatus::Finished)
                )
        })
        .map(|t| t.task.task_id)
        .collect();
    assert!(!want.is_empty());
    let args = tasks(&["--status", "1", "2", "--app-id", "1002", "--all"]);
    let got: Vec<i64> = json_items(&ok(&sandbox, &args, "json").await)
        .iter()
        .map(|t| t["taskId"].as_i64().unwrap())
        .collect();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_exit_1_for_the_vendor_and_2_for_usage() {
    let sandbox = sandbox().await;
    let mut command = agentctl_for(&sandbox);
    command.env("ITNIO_API_SECRET", "a-wrong-secret-77");
    let run = output(command, &tasks(&[])).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("-1") && run.stderr.contains("bad Sign"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("a-wrong-secret-77"));

    let mut command = agentctl();
    command.env("ITNIO_API_KEY", "k");
    let run = output(command, &tasks(&[])).await;
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim().lines().count(), 1);
    assert!(run.stderr.contains("ITNIO_API_SECRET"), "{}", run.stderr);

    // The client's own checks: size within 1..=100, the end after the start.
    let run = output(agentctl_for(&sandbox), &tasks(&["--page-size", "500"])).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("size"), "{}", run.stderr);
    let backwards = [
        "itnio",
        "tasks",
        "--from",
        "2026-02-01",
        "--to",
        "2026-01-01",
    ];
    let run = output(agentctl_for(&sandbox), &backwards).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("endTime"), "{}", run.stderr);
    let run = output(
        agentctl_for(&sandbox),
        &["itnio", "tasks", "--from", "soon", "--to", "2026-01-01"],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("YYYY-MM-DD"), "{}", run.stderr);
    assert_eq!(
        sandbox.total_requests(),
        1,
        "only the wrong secret reached the sandbox"
    );
}

/// `--max-pages` bounds an `--all` walk: past it the export stops with exit 1 and says why,
/// after writing the pages it was allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_pages_stops_a_long_export_with_an_error() {
    let sandbox = sandbox().await;
    let mut args = tasks(&["--all", "--page-size", "7", "--max-pages", "2"]);
    args.extend(["--format", "jsonl"]);
    let run = output(agentctl_for(&sandbox), &args).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 14, "two pages of 7 written");
    assert!(run.stderr.contains("--max-pages"), "{}", run.stderr);
    // Within the bound the export is whole.
    let pages = sandbox.data().itnio_tasks.len().div_ceil(7).to_string();
    let mut args = tasks(&["--all", "--page-size", "7"]);
    args.extend(["--max-pages", pages.as_str(), "--format", "jsonl"]);
    let run = output(agentctl_for(&sandbox), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), sandbox.data().itnio_tasks.len());
}

//! `agentctl rokid` against an in-process sandbox: every command in every format, exports
//! streamed as they arrive, downloads that skip complete files, and the errors.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{FORMATS, agentctl, agentctl_for, assert_records, json_items, ok, output, sandbox};
use rokid_client::ChatLogType;
use tokio::io::{AsyncBufReadExt, BufReader};
use vendor_sandbox::{Fault, ROKID_UIDS, Sandbox};

const RECORDS_ROUTE: &str = "/ar/flow/openapi/record/page";
const UID: &str = ROKID_UIDS[0];

fn records_of(sandbox: &Sandbox, uid: &str) -> Vec<rokid_client::WorkRecord> {
    sandbox
        .data()
        .work_records
        .iter()
        .filter(|r| r.uid.as_deref() == Some(uid))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_one_page_and_all_pages_in_every_format() {
    let sandbox = sandbox().await;
    let expected = records_of(&sandbox, UID);
    assert!(expected.len() > 5, "the dataset has several pages");
    for format in FORMATS {
        let page = ok(
            &sandbox,
            &["rokid", "records", "--uid", UID, "--page-size", "5"],
            format,
        )
        .await;
        assert_records(format, &page, 5, "taskId");
        let all = [
            "rokid",
            "records",
            "--uid",
            UID,
            "--all",
            "--page-size",
            "3",
        ];
        let all = ok(&sandbox, &all, format).await;
        assert_records(format, &all, expected.len(), "taskId");
    }
    let json = ok(
        &sandbox,
        &["rokid", "records", "--uid", UID, "--all"],
        "json",
    )
    .await;
    let ids: Vec<String> = json_items(&json)
        .iter()
        .map(|r| r["taskId"].as_str().unwrap().to_owned())
        .collect();
    let want: Vec<String> = expected.iter().map(|r| r.task_id.clone()).collect();
    assert_eq!(ids, want, "every record, in the vendor's order");
    let csv = ok(&sandbox, &["rokid", "records", "--uid", UID], "csv").await;
    assert!(csv.starts_with("taskId,taskName,sessionId,"), "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_filters_reach_the_api() {
    let sandbox = sandbox().await;
    let first = records_of(&sandbox, UID).remove(0);
    let created = first.gmt_created.as_ref().unwrap().raw().to_owned();
    let args = [
        "rokid", "records", "--uid", UID, "--from", &created, "--to", &created,
    ];
    let json = ok(&sandbox, &args, "json").await;
    let items = json_items(&json);
    assert_eq!(items.len(), 1, "{json}");
    assert_eq!(items[0]["taskId"], first.task_id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_logs_in_every_format() {
    let sandbox = sandbox().await;
    let chats = sandbox
        .data()
        .chat_logs
        .iter()
        .filter(|l| l.log_type == ChatLogType::Chat)
        .count();
    assert!(chats > 2);
    for format in FORMATS {
        let args = ["rokid", "chat-logs", "--type", "chat", "--page-size", "2"];
        assert_records(format, &ok(&sandbox, &args, format).await, 2, "id");
        let args = [
            "rokid",
            "chat-logs",
            "--type",
            "chat",
            "--all",
            "--page-size",
            "3",
        ];
        assert_records(format, &ok(&sandbox, &args, format).await, chats, "id");
    }
    let args = [
        "rokid",
        "chat-logs",
        "--uid",
        UID,
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
    ];
    let logs = json_items(&ok(&sandbox, &args, "json").await);
    let want = sandbox
        .data()
        .chat_logs
        .iter()
        .filter(|l| l.uid.as_deref() == Some(UID))
        .count();
    assert_eq!(
        logs.len(),
        want.min(10),
        "one page of the vendor's default size"
    );
    assert!(
        logs.iter()
            .all(|l| l["uid"] == UID && l.get("questionContent").is_some())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_export_prints_records_before_the_export_ends() {
    let sandbox = Sandbox::builder()
        .records(120)
        .fault(RECORDS_ROUTE, Fault::latency(Duration::from_millis(300)))
        .start()
        .await
        .unwrap();
    let expected = records_of(&sandbox, UID).len();
    let pages = expected.div_ceil(3) as u64;
    assert!(pages > 6, "more pages than the client fetches ahead");
    let mut child = agentctl_for(&sandbox)
        .args([
            "rokid",
            "records",
            "--uid",
            UID,
            "--all",
            "--page-size",
            "3",
            "--format",
            "jsonl",
        ])
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let served = sandbox.count(RECORDS_ROUTE);
    assert!(first.contains("\"taskId\""), "{first}");
    assert!(
        served < pages,
        "the first record came out after {served} of {pages} pages were requested"
    );
    let mut count = 1;
    while lines.next_line().await.unwrap().is_some() {
        count += 1;
    }
    assert!(child.wait().await.unwrap().success());
    assert_eq!(count, expected);
    assert_eq!(sandbox.count(RECORDS_ROUTE), pages);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_download_every_document_once() {
    let sandbox = sandbox().await;
    let records: Vec<_> = records_of(&sandbox, UID).into_iter().take(2).collect();
    let from = records[0].gmt_created.as_ref().unwrap().raw().to_owned();
    let to = records[1].gmt_created.as_ref().unwrap().raw().to_owned();
    let docs: Vec<_> = records.iter().flat_map(|r| r.documents()).collect();
    assert!(docs.len() >= 4, "report and signature of each record");
    for format in FORMATS {
        let dir = std::env::temp_dir().join(format!(
            "agentctl-test-reports-{}-{format}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let dir_text = dir.display().to_string();
        let args = [
            "rokid", "reports", "--uid", UID, "--from", &from, "--to", &to, "--dir", &dir_text,
        ];
        let first = ok(&sandbox, &args, format).await;
        assert_records(format, &first, docs.len(), "taskId");
        for doc in &docs {
            let written = std::fs::read(dir.join(&doc.file_name)).unwrap();
            assert_eq!(
                Some(written),
                sandbox.document(&doc.url),
                "{}",
                doc.file_name
            );
        }
        let fetched = sandbox.count_prefix("/files/");
        let again = ok(&sandbox, &args, "json").await;
        let statuses: Vec<_> = json_items(&again)
            .iter()
            .map(|d| d["status"].clone())
            .collect();
        assert!(statuses.iter().all(|s| s == "skipped"), "{again}");
        assert_eq!(statuses.len(), docs.len());
        assert_eq!(
            sandbox.count_prefix("/files/"),
            fetched,
            "nothing fetched twice"
        );
        if format == "json" {
            assert!(
                json_items(&first)
                    .iter()
                    .all(|d| d["status"] == "downloaded")
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_a_vendor_error_and_a_missing_one_a_usage_error() {
    let sandbox = sandbox().await;
    let mut command = agentctl_for(&sandbox);
    command.env("ROKID_API_KEY", "wrong-key-1234");
    let run = output(command, &["rokid", "records", "--uid", UID]).await;
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("401") && run.stderr.contains("invalid api key"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("wrong-key-1234"));

    let run = output(agentctl(), &["rokid", "records", "--uid", UID]).await;
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("ROKID_API_KEY"), "{}", run.stderr);

    // A flag stands in for the variable.
    let mut command = agentctl();
    command.env("ROKID_BASE_URL", sandbox.base_url());
    let key = sandbox.credentials().rokid_api_key.clone();
    let run = output(
        command,
        &["rokid", "--api-key", &key, "records", "--uid", UID],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    // A request the client refuses before sending it is a usage error.
    let run = output(
        agentctl_for(&sandbox),
        &["rokid", "records", "--uid", UID, "--page-size", "0"],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pageSize"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_failure_exits_1_with_the_status() {
    let sandbox = sandbox().await;
    sandbox.add_fault(RECORDS_ROUTE, Fault::status(403));
    let run = output(agentctl_for(&sandbox), &["rokid", "records", "--uid", UID]).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("403"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_page_is_one_request_for_the_page_asked() {
    let sandbox = sandbox().await;
    let expected = records_of(&sandbox, UID);
    assert!(expected.len() > 4, "the dataset has a second page of 2");
    let args = [
        "rokid",
        "records",
        "--uid",
        UID,
        "--page",
        "2",
        "--page-size",
        "2",
    ];
    let json = ok(&sandbox, &args, "json").await;
    let ids: Vec<String> = json_items(&json)
        .iter()
        .map(|r| r["taskId"].as_str().unwrap().to_owned())
        .collect();
    let want: Vec<String> = expected[2..4].iter().map(|r| r.task_id.clone()).collect();
    assert_eq!(ids, want);
    assert_eq!(sandbox.count(RECORDS_ROUTE), 1, "no page fetched ahead");
}

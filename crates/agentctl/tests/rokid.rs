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

/// A record's creation time as `--from` / `--to` take it: the wall-clock time of the
/// account's zone (the record carries it with its offset, `...T10:00:00.000+08:00`).
fn created_of(record: &rokid_client::WorkRecord) -> String {
    let local = record
        .gmt_created
        .as_ref()
        .unwrap()
        .local_date_time()
        .unwrap();
    common_http::datetime::format_datetime(local)
}

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
    let created = created_of(&first);
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
    let other = logs
        .iter()
        .filter(|l| l["uid"] != UID || l.get("questionContent").is_none())
        .count();
    assert!(other <= common::unreadable_allowed(logs.len()), "{logs:?}");
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
    let from = created_of(&records[0]);
    let to = created_of(&records[1]);
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

/// A one-page Rokid work-record listing holding `records` (`{base}` in a URL is replaced
/// by the server's address), and the documents at `files` (path, body; any other path is
/// a 404), served by a minimal HTTP/1.1 server on 127.0.0.1. Returns the base URL.
async fn tiny_rokid(records: serde_json::Value, files: Vec<(String, Vec<u8>)>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let list: serde_json::Value =
        serde_json::from_str(&records.to_string().replace("{base}", &base)).unwrap();
    let total = list.as_array().unwrap().len();
    let page = serde_json::json!({"code": 0, "message": "OK", "success": true,
        "data": {"pageNum": 1, "pageSize": 100, "total": total, "list": list}})
    .to_string();
    let files = std::sync::Arc::new(files);
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let (page, files) = (page.clone(), std::sync::Arc::clone(&files));
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let target = head.split(' ').nth(1).unwrap_or_default();
                let path = target.split('?').next().unwrap_or_default();
                let (status, body) = if path == RECORDS_ROUTE {
                    ("200 OK", page.into_bytes())
                } else if let Some((_, body)) = files.iter().find(|(p, _)| p == path) {
                    ("200 OK", body.clone())
                } else {
                    ("404 Not Found", b"not here".to_vec())
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.write_all(&body).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    base
}

/// Runs `agentctl rokid reports --format json` against `base` into a fresh directory.
async fn reports_from(base: &str, name: &str) -> (common::Run, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "agentctl-test-reports-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let mut command = agentctl();
    command
        .env("ROKID_BASE_URL", base)
        .env("ROKID_API_KEY", "k");
    let dir_text = dir.display().to_string();
    let args = [
        "rokid", "reports", "--uid", UID, "--dir", &dir_text, "--format", "json",
    ];
    (output(command, &args).await, dir)
}

fn dir_entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_give_every_record_its_own_file() {
    let ids = ["巡检-001", "维修-001", "a/b", "ab", "AB", "CON"];
    let records: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| serde_json::json!({"taskId": id, "reportUrl": format!("{{base}}/files/{n}.docx")}))
        .collect();
    let files = (0..ids.len())
        .map(|n| {
            (
                format!("/files/{n}.docx"),
                format!("document {n}").into_bytes(),
            )
        })
        .collect();
    let base = tiny_rokid(serde_json::Value::Array(records), files).await;
    let (run, dir) = reports_from(&base, "distinct").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let items = json_items(&run.stdout);
    assert_eq!(items.len(), ids.len(), "{}", run.stdout);
    for (n, item) in items.iter().enumerate() {
        assert_eq!(item["taskId"], ids[n]);
        assert_eq!(item["status"], "downloaded", "{}", run.stdout);
        let file = std::path::PathBuf::from(item["file"].as_str().unwrap());
        assert_eq!(file.parent(), Some(dir.as_path()), "{}", run.stdout);
        let content = std::fs::read(&file).unwrap();
        assert_eq!(content, format!("document {n}").into_bytes(), "{file:?}");
    }
    assert_eq!(
        dir_entries(&dir).len(),
        ids.len(),
        "{:?}",
        dir_entries(&dir)
    );
    assert!(dir_entries(&dir).iter().any(|f| f.starts_with("巡检-001")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failed_document_does_not_stop_the_others() {
    const SECRET: &str = "S3cr3tSignature";
    let long_id = "x".repeat(240);
    let records = serde_json::json!([
        {"taskId": "missing", "reportUrl": format!("{{base}}/files/gone.docx?X-Amz-Signature={SECRET}")},
        {"taskId": long_id, "reportUrl": "{base}/files/long.docx"},
        {"taskId": "unparsable",
         "reportUrl": format!("https://cdn.rokid.example:99999/r.docx?X-Amz-Signature={SECRET}")},
        {"taskId": "good", "reportUrl": "{base}/files/good.docx", "signUrl": "{base}/files/good.png"},
    ]);
    let files = vec![
        ("/files/long.docx".to_owned(), b"long".to_vec()),
        ("/files/good.docx".to_owned(), b"good".to_vec()),
        ("/files/good.png".to_owned(), b"sign".to_vec()),
    ];
    let base = tiny_rokid(records, files).await;
    let (run, dir) = reports_from(&base, "failed").await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let items = json_items(&run.stdout);
    let statuses: Vec<&str> = items
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 5, "{}", run.stdout);
    assert!(
        statuses[0].starts_with("failed: ") && statuses[0].contains("404"),
        "{statuses:?}"
    );
    assert_eq!(statuses[1], "downloaded");
    assert!(statuses[2].starts_with("failed: "), "{statuses:?}");
    assert_eq!(&statuses[3..], ["downloaded", "downloaded"]);
    assert_eq!(items[1]["bytes"], 4);
    assert_eq!(items[0]["bytes"], 0);
    let files = dir_entries(&dir);
    assert_eq!(
        files.len(),
        3,
        "only the downloaded documents, no temp file: {files:?}"
    );
    assert!(run.stderr.contains("404"), "{}", run.stderr);
    assert!(run.stderr.contains("2 of 5"), "{}", run.stderr);
    for text in [&run.stderr, &statuses.join(" ")] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains("Signature"), "{text}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

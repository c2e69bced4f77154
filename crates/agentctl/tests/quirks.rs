//! Exports against a sandbox in quirks mode: every record is written, the ones no client
//! can read exactly as the sandbox sent them (compared with the same pages fetched with
//! plain reqwest), each with a warning, and the exit code stays 0.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::{agentctl_for, output, quirks_sandbox};
use common_http::Secret;
use common_http::reexports::reqwest;
use common_http::reexports::url::Url;
use serde_json::Value;
use serde_json::value::RawValue;
use time::macros::{date, datetime};
use vendor_sandbox::{QuirkKind, ROKID_UIDS, Sandbox};

const UID: &str = ROKID_UIDS[0];
const PAGE_SIZE: i32 = 7;
const WARNING: &str = "a record could not be read; it is written exactly as the vendor sent it";

/// One listing command and how to fetch its pages without agentctl.
#[derive(Debug, Clone, Copy)]
enum Listing {
    RokidRecords,
    RokidChatLogs,
    SobotRecords,
    ItnioTasks,
}

const LISTINGS: [Listing; 4] = [
    Listing::RokidRecords,
    Listing::RokidChatLogs,
    Listing::SobotRecords,
    Listing::ItnioTasks,
];

impl Listing {
    fn vendor(self) -> &'static str {
        match self {
            Listing::RokidRecords | Listing::RokidChatLogs => "rokid",
            Listing::SobotRecords => "sobot",
            Listing::ItnioTasks => "itnio",
        }
    }

    /// The record's id field: the sandbox drops it, or sends it as an object, in some of
    /// the records no client can read.
    fn id(self) -> &'static str {
        match self {
            Listing::RokidRecords | Listing::ItnioTasks => "taskId",
            Listing::RokidChatLogs => "id",
            Listing::SobotRecords => "cid",
        }
    }

    /// The export of every page, `PAGE_SIZE` records a page.
    fn args(self) -> Vec<&'static str> {
        let mut args = match self {
            Listing::RokidRecords => vec!["rokid", "records", "--uid", UID],
            Listing::RokidChatLogs => vec!["rokid", "chat-logs"],
            Listing::SobotRecords => vec!["sobot", "records"],
            Listing::ItnioTasks => vec!["itnio", "tasks"],
        };
        if matches!(self, Listing::SobotRecords | Listing::ItnioTasks) {
            args.extend(["--from", "2026-01-01", "--to", "2026-01-31"]);
        }
        args.extend(["--all", "--page-size", "7"]);
        args
    }

    /// The records of page `page` exactly as the sandbox sends them (each record's JSON
    /// text as it stands in the body), fetched with plain reqwest.
    async fn page(self, sandbox: &Sandbox, http: &reqwest::Client, page: i32) -> Vec<String> {
        let base = Url::parse(sandbox.base_url()).unwrap();
        let creds = sandbox.credentials();
        let (spec, headers, pointer): (_, Vec<(&str, String)>, &[&str]) = match self {
            Listing::RokidRecords | Listing::RokidChatLogs => {
                let client = rokid_client::RokidClient::builder()
                    .api_key(Secret::new(creds.rokid_api_key.as_str()))
                    .base_url(sandbox.base_url())
                    .build()
                    .unwrap();
                let spec = match self {
                    Listing::RokidRecords => client
                        .list_work_records(UID)
                        .page_num(page)
                        .page_size(PAGE_SIZE)
                        .to_spec(),
                    _ => client
                        .list_chat_logs()
                        .page_num(page)
                        .page_size(PAGE_SIZE)
                        .to_spec(),
                };
                let auth = format!("Bearer {}", creds.rokid_api_key);
                (spec, vec![("authorization", auth)], &["data", "list"])
            }
            Listing::SobotRecords => {
                let client = sobot_client::SobotClient::builder()
                    .appid(creds.sobot_appid.as_str())
                    .app_key(Secret::new(creds.sobot_app_key.as_str()))
                    .api_base_url(sandbox.base_url())
                    .token_base_url(sandbox.base_url())
                    .build()
                    .unwrap();
                let params = sobot_client::RecordListParams::new(
                    date!(2026 - 01 - 01),
                    date!(2026 - 01 - 31),
                    page,
                    PAGE_SIZE,
                );
                let spec = client.list_reception_records(params).to_spec();
                let token = sobot_token(sandbox, http).await;
                (spec, vec![("token", token)], &["data"])
            }
            Listing::ItnioTasks => {
                let client = itnio_client::ItnioClient::builder()
                    .api_key(Secret::new(creds.itnio_api_key.as_str()))
                    .api_secret(Secret::new(creds.itnio_api_secret.as_str()))
                    .base_url(sandbox.base_url())
                    .build()
                    .unwrap();
                let spec = client
                    .list_group_call_tasks(
                        datetime!(2026-01-01 00:00:00),
                        datetime!(2026-01-31 23:59:59),
                    )
                    .current(page)
                    .size(PAGE_SIZE)
                    .to_spec();
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let sign = itnio_client::sign(&creds.itnio_api_key, &creds.itnio_api_secret, now);
                let headers = vec![
                    ("api-key", creds.itnio_api_key.clone()),
                    ("timestamp", now.to_string()),
                    ("sign", sign),
                ];
                (spec, headers, &["data", "records"])
            }
        };
        let spec = spec.unwrap();
        let mut request = http.request(spec.method().clone(), spec.url(&base).unwrap());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(body) = spec.body() {
            request = request
                .header("content-type", "application/json")
                .body(body.to_vec());
        }
        let body = request.send().await.unwrap().text().await.unwrap();
        records_in(&body, pointer)
    }

    /// Whether a record without its id cannot be read: the clients need Rokid's and
    /// Itniotech's ids; a Sobot record without its `cid` is read (a missing field).
    fn id_needed(self) -> bool {
        !matches!(self, Listing::SobotRecords)
    }
}

/// A fresh Sobot token.
async fn sobot_token(sandbox: &Sandbox, http: &reqwest::Client) -> String {
    let creds = sandbox.credentials();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let sign = sobot_client::sign(&creds.sobot_appid, &now, &creds.sobot_app_key);
    let url = format!("{}/api/get_token", sandbox.base_url());
    let query = [
        ("appid", creds.sobot_appid.as_str()),
        ("create_time", now.as_str()),
        ("sign", sign.as_str()),
    ];
    let body: Value = http
        .get(url)
        .query(&query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["item"]["token"].as_str().unwrap().to_owned()
}

/// The JSON text of each record of the list at `pointer` (object keys), as it stands in
/// `body`.
fn records_in(body: &str, pointer: &[&str]) -> Vec<String> {
    let mut raw: &RawValue = serde_json::from_str(body).unwrap();
    for key in pointer {
        let map: HashMap<&str, &RawValue> = serde_json::from_str(raw.get()).unwrap();
        raw = map[key];
    }
    let list: Vec<&RawValue> = serde_json::from_str(raw.get()).unwrap();
    list.iter().map(|r| r.get().to_owned()).collect()
}

/// Every record of a listing as the sandbox sends it, page by page.
async fn every_record(sandbox: &Sandbox, listing: Listing, count: usize) -> Vec<String> {
    let http = common_http::http_client_builder()
        .build()
        .expect("HTTP client");
    let pages = i32::try_from(count.div_ceil(PAGE_SIZE as usize)).unwrap();
    let mut all = Vec::new();
    for page in 1..=pages {
        all.extend(listing.page(sandbox, &http, page).await);
    }
    all
}

/// Whether no client can read this record: not an object, its id an object, or (where the
/// client needs it) its id missing.
fn unreadable(listing: Listing, record: &str) -> bool {
    let value: Value = serde_json::from_str(record).unwrap();
    match value.get(listing.id()) {
        _ if !value.is_object() => true,
        Some(Value::Object(_) | Value::Array(_)) => true,
        None | Some(Value::Null) => listing.id_needed(),
        Some(_) => false,
    }
}

/// Runs an export in `format` and returns stdout and stderr, expecting exit 0.
async fn export(sandbox: &Sandbox, listing: Listing, format: &str) -> (String, String) {
    let mut args = listing.args();
    args.extend(["--format", format]);
    let run = output(agentctl_for(sandbox), &args).await;
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    (run.stdout, run.stderr)
}

/// The rows of a CSV text (quoted fields may hold commas, quotes and line breaks).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_exports_keep_every_record_and_the_unreadable_ones_as_sent() {
    let sandbox = quirks_sandbox().await;
    for listing in LISTINGS {
        sandbox.set_quirks(false);
        let (normal, _) = export(&sandbox, listing, "jsonl").await;
        let count = normal.lines().count();
        assert!(count > PAGE_SIZE as usize, "{listing:?}: several pages");

        sandbox.set_quirks(true);
        sandbox.reset_counts();
        let sent = every_record(&sandbox, listing, count).await;
        assert_eq!(
            sent.len(),
            count,
            "{listing:?}: the sandbox pages as in normal mode"
        );
        let quirks = sandbox.quirk_counts();
        let (stdout, stderr) = export(&sandbox, listing, "jsonl").await;
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), count, "{listing:?}: one line per record");

        let mut raw = 0;
        for (line, record) in lines.iter().zip(&sent) {
            if unreadable(listing, record) {
                assert_eq!(line, record, "{listing:?}: written as sent");
                raw += 1;
            }
            // Every line is JSON on its own.
            let _: Value = serde_json::from_str(line).unwrap();
        }
        assert!(raw > 0, "{listing:?}: the sandbox sends unreadable records");
        // The sandbox's own tally: records sent unreadable, and those sent without an id
        // the client needs.
        let mut tally = quirks[&QuirkKind::UnreadableRecord];
        if listing.id_needed() {
            tally += quirks[&QuirkKind::MissingRequired];
        }
        assert_eq!(raw, tally, "{listing:?}: {quirks:?}");
        let vendor = format!("vendor=\"{}\"", listing.vendor());
        let warnings = stderr
            .lines()
            .filter(|l| l.contains(WARNING) && l.contains(&vendor))
            .count();
        assert_eq!(
            warnings, raw as usize,
            "{listing:?}: one warning each: {stderr}"
        );
        assert!(stderr.contains("reason="), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_csv_and_table_have_one_entry_per_record() {
    let sandbox = quirks_sandbox().await;
    for listing in LISTINGS {
        sandbox.set_quirks(false);
        let (normal, _) = export(&sandbox, listing, "jsonl").await;
        let count = normal.lines().count();
        sandbox.set_quirks(true);
        let sent = every_record(&sandbox, listing, count).await;

        let (json, _) = export(&sandbox, listing, "json").await;
        let items: Vec<Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(items.len(), count, "{listing:?}");
        for (item, record) in items.iter().zip(&sent) {
            if unreadable(listing, record) {
                let want: Value = serde_json::from_str(record).unwrap();
                assert_eq!(item, &want, "{listing:?}");
            }
        }

        let (csv, _) = export(&sandbox, listing, "csv").await;
        let rows = csv_rows(&csv);
        assert_eq!(
            rows.len(),
            count + 1,
            "{listing:?}: a header and one row each"
        );
        let width = rows[0].len();
        assert!(rows.iter().all(|r| r.len() == width), "{listing:?}: {csv}");
        let id_column = rows[0].iter().position(|c| c == listing.id()).unwrap();
        let mut not_objects = 0;
        for (row, record) in rows[1..].iter().zip(&sent) {
            let value: Value = serde_json::from_str(record).unwrap();
            match &value {
                // A record that is not an object: its JSON text in the first column.
                Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Array(_) => {
                    assert_eq!(row[0], record.as_str(), "{listing:?}");
                    assert!(row[1..].iter().all(String::is_empty), "{row:?}");
                    not_objects += 1;
                }
                // An object fills the columns it has.
                _ => match value.get(listing.id()) {
                    Some(Value::String(id)) => assert_eq!(&row[id_column], id),
                    Some(Value::Number(id)) => assert_eq!(row[id_column], id.to_string()),
                    Some(Value::Object(_)) => {
                        let cell: Value = serde_json::from_str(&row[id_column]).unwrap();
                        assert_eq!(Some(&cell), value.get(listing.id()));
                    }
                    _ => assert!(row[id_column].is_empty(), "{row:?}"),
                },
            }
        }
        assert!(not_objects > 0, "{listing:?}: records that are not objects");

        let (table, _) = export(&sandbox, listing, "table").await;
        assert!(
            table.contains(&format!("({count} rows)")),
            "{listing:?}: {table}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_page_keeps_its_unreadable_records_too() {
    let sandbox = quirks_sandbox().await;
    let args = [
        "rokid",
        "chat-logs",
        "--page-size",
        "20",
        "--format",
        "jsonl",
    ];
    let run = output(agentctl_for(&sandbox), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 20);
    assert!(run.stderr.contains(WARNING), "{}", run.stderr);
    let http = common_http::http_client_builder()
        .build()
        .expect("HTTP client");
    let mut sent = Listing::RokidChatLogs.page(&sandbox, &http, 1).await;
    // That page had PAGE_SIZE records; the first 7 of the 20 are the same records.
    sent.truncate(PAGE_SIZE as usize);
    for (line, record) in run.stdout.lines().zip(&sent) {
        if unreadable(Listing::RokidChatLogs, record) {
            assert_eq!(line, record);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_skip_unreadable_records_and_exit_0() {
    let sandbox = quirks_sandbox().await;
    let dir = std::env::temp_dir().join(format!("agentctl-quirks-{}", std::process::id()));
    let dir_text = dir.display().to_string();
    let args = ["rokid", "reports", "--uid", UID, "--dir", &dir_text];
    let run = output(agentctl_for(&sandbox), &args).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("a record could not be read; it is skipped"),
        "{}",
        run.stderr
    );
}

//! Values in the forms the documents give: Rokid times as ISO-8601 with milliseconds and
//! the account's offset (`2026-06-17T10:00:00.000+08:00`), filtered as wall-clock times
//! of that zone; Itniotech `rate` as the call progress in percent without a sign (`"100"`).
#![allow(clippy::unwrap_used)]

mod common;

use common::now;
use common_http::datetime::{Timestamp, format_datetime};
use serde_json::{Value, json};
use vendor_sandbox::{ROKID_OFFSET, ROKID_UIDS, Sandbox};

const WORK: &str = "/ar/flow/openapi/record/page";
const CHAT: &str = "/ar/assistant/openapi/chatLog/page";
const TASKS: &str = "/voice/group/call/query";

async fn sandbox() -> Sandbox {
    Sandbox::builder().records(120).start().await.unwrap()
}

async fn rokid(sb: &Sandbox, path: &str, query: &[(&str, String)]) -> Value {
    common_http::http_client_builder()
        .build()
        .expect("HTTP client")
        .get(format!("{}{path}", sb.base_url()))
        .bearer_auth(&sb.credentials().rokid_api_key)
        .query(query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `yyyy-MM-ddTHH:mm:ss.SSS+08:00`, character by character.
fn documented_form(text: &str) -> bool {
    let shape = "dddd-dd-ddTdd:dd:dd.ddd";
    text.len() == shape.len() + ROKID_OFFSET.len()
        && text.ends_with(ROKID_OFFSET)
        && text
            .chars()
            .zip(shape.chars())
            .all(|(c, s)| if s == 'd' { c.is_ascii_digit() } else { c == s })
}

#[tokio::test]
async fn rokid_times_carry_the_documented_offset() {
    let sb = sandbox().await;
    let uid = ROKID_UIDS[0];
    let page = rokid(
        &sb,
        WORK,
        &[("uid", uid.to_owned()), ("pageSize", "50".to_owned())],
    )
    .await;
    let records = page["data"]["list"].as_array().unwrap();
    assert!(!records.is_empty());
    for record in records {
        for field in [
            "gmtCreated",
            "gmtModified",
            "gmtCreatedStart",
            "gmtCreatedEnd",
            "uploadTime",
        ] {
            let text = record[field].as_str().unwrap();
            assert!(documented_form(text), "{field}: {text}");
        }
    }
    let logs = rokid(&sb, CHAT, &[("pageSize", "50".to_owned())]).await;
    for log in logs["data"]["list"].as_array().unwrap() {
        for field in ["time", "gmtCreated", "gmtModified"] {
            let text = log[field].as_str().unwrap();
            assert!(documented_form(text), "{field}: {text}");
        }
    }
    // The typed client reads the instant with its offset.
    let first = &sb.data().work_records[0];
    let at = first
        .gmt_created
        .as_ref()
        .unwrap()
        .offset_date_time()
        .unwrap();
    assert_eq!(at.offset().whole_hours(), 8);
}

#[tokio::test]
async fn rokid_filters_take_wall_clock_times_of_the_accounts_zone() {
    let sb = sandbox().await;
    let uid = ROKID_UIDS[1];
    let mine: Vec<_> = sb
        .data()
        .work_records
        .iter()
        .filter(|r| r.uid.as_deref() == Some(uid))
        .collect();
    let local =
        |t: &Option<Timestamp>| format_datetime(t.as_ref().unwrap().local_date_time().unwrap());
    // From the 3rd record's time to the 5th's: exactly those three.
    let (from, to) = (local(&mine[2].gmt_created), local(&mine[4].gmt_created));
    let page = rokid(
        &sb,
        WORK,
        &[("uid", uid.to_owned()), ("gmtStart", from), ("gmtEnd", to)],
    )
    .await;
    let ids: Vec<&str> = page["data"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["taskId"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = mine[2..=4].iter().map(|r| r.task_id.as_str()).collect();
    assert_eq!(ids, want);
    // Chat logs by day: a record's local date selects it.
    let log = &sb.data().chat_logs[10];
    let day = local(&log.gmt_created)[..10].to_owned();
    let page = rokid(
        &sb,
        CHAT,
        &[
            ("startTime", day.clone()),
            ("endTime", day.clone()),
            ("pageSize", "100".to_owned()),
        ],
    )
    .await;
    let list = page["data"]["list"].as_array().unwrap();
    assert!(list.iter().any(|l| l["id"] == json!(log.id)), "{day}");
    assert!(
        list.iter()
            .all(|l| l["gmtCreated"].as_str().unwrap().starts_with(&day))
    );
}

#[tokio::test]
async fn itnio_rate_is_the_call_progress_in_percent() {
    let sb = sandbox().await;
    let c = sb.credentials();
    let ts = now();
    let page: Value = common_http::http_client_builder().build().expect("HTTP client")
        .post(format!("{}{TASKS}", sb.base_url()))
        .header("Api-Key", &c.itnio_api_key)
        .header("Timestamp", ts.to_string())
        .header("Sign", itnio_client::sign(&c.itnio_api_key, &c.itnio_api_secret, ts))
        .json(&json!({
            "current": 1, "size": 100,
            "params": {"strTime": "2025-01-01 00:00:00", "endTime": "2030-01-01 00:00:00", "taskType": 3},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tasks = page["data"]["records"].as_array().unwrap();
    assert_eq!(tasks.len(), 100);
    let mut partial = 0;
    for task in tasks {
        let rate = task["rate"].as_str().unwrap();
        assert!(rate.chars().all(|c| c.is_ascii_digit()), "{rate}");
        let (num, called) = (
            task["numCnt"].as_u64().unwrap(),
            task["callNum"].as_u64().unwrap(),
        );
        assert_eq!(rate.parse::<u64>().unwrap(), called * 100 / num, "{task}");
        assert!(task["success"].as_u64().unwrap() + task["fail"].as_u64().unwrap() == called);
        match task["status"].as_u64().unwrap() {
            2 => assert_eq!(rate, "100", "a finished task called every number"),
            0 | 3 | 6 => assert_eq!(rate, "0", "{task}"),
            _ => partial += u32::from(rate != "100" && rate != "0"),
        }
    }
    assert!(partial > 0, "some tasks are part way");
}

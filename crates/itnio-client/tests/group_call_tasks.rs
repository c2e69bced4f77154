//! Wire behaviour of `POST /voice/group/call/query` against a local mock server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use httpmock::prelude::*;
use itnio_client::RetryPolicy;
use itnio_client::{ItnioClient, ResponseCode, TaskStatus, TaskType, response_code};
use md5::{Digest, Md5};
use serde_json::{Value, json};
use time::macros::datetime;

const KEY: &str = "bDqJFiq9";
const SECRET: &str = "7bz1lzh9";
const PATH: &str = "/voice/group/call/query";

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The timestamp of a request whose three headers are a valid signature (recomputed here
/// from the received `Timestamp`), or `None`.
fn signed_timestamp(req: &HttpMockRequest) -> Option<u64> {
    let headers = req.headers();
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::to_owned);
    if text("Api-Key")? != KEY {
        return None;
    }
    let timestamp = text("Timestamp")?;
    let expected = hex::encode(Md5::digest(format!("{KEY}{SECRET}{timestamp}").as_bytes()));
    if text("Sign")?.to_ascii_lowercase() != expected {
        return None;
    }
    timestamp.parse().ok()
}

fn body(req: &HttpMockRequest) -> Value {
    serde_json::from_slice(req.body_ref()).unwrap_or(Value::Null)
}

/// A clock that starts at `start` and moves one second per reading.
fn ticking(start: u64) -> Arc<dyn itnio_client::Clock> {
    let now = Arc::new(AtomicU64::new(start));
    itnio_client::clock_from_unix_seconds(move || now.fetch_add(1, Ordering::SeqCst))
}

fn client(server: &MockServer, clock: Arc<dyn itnio_client::Clock>) -> ItnioClient {
    ItnioClient::builder()
        .api_key(KEY)
        .api_secret(SECRET)
        .base_url(server.base_url())
        .clock(clock)
        .timeout(Duration::from_secs(10))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn task(id: i64) -> Value {
    json!({"taskId": id, "taskName": format!("t{id}"), "status": 2, "taskType": 3})
}

fn page(current: u64, records: &[Value]) -> Value {
    json!({"code": 0, "msg": "success", "data": {
        "records": records, "total": 5, "size": 2, "current": current, "pages": 3
    }})
}

#[tokio::test]
async fn documented_request_is_signed_and_documented_response_is_typed() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(PATH)
                .json_body(fixture("list_group_call_tasks.request.json"))
                .is_true(|req| {
                    req.headers()
                        .get("content-type")
                        .is_some_and(|v| v == "application/json;charset=UTF-8")
                })
                .is_true(|req| {
                    // The documented example's own headers.
                    signed_timestamp(req) == Some(1_630_468_800)
                        && req
                            .headers()
                            .get("Sign")
                            .is_some_and(|v| v == "05d7a50893e22a5c4bb3216ae3396c7c")
                });
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture("list_group_call_tasks.response.json"));
        })
        .await;
    let client = client(
        &server,
        itnio_client::clock_from_unix_seconds(|| 1_630_468_800),
    );

    let page = client
        .list_group_call_tasks(
            datetime!(2024-01-01 00:00:00),
            datetime!(2024-06-03 15:13:01),
        )
        .size(10)
        .status_list(Vec::<itnio_client::TaskStatus>::new())
        .send()
        .await
        .unwrap();

    mock.assert_calls_async(1).await;
    assert_eq!(
        (
            page.total,
            page.size,
            page.current,
            page.pages,
            page.search_count
        ),
        (574, 10, 1, 58, Some(true))
    );
    assert_eq!(page.records.len(), 1);
    let task = page.records[0].typed().unwrap();
    assert_eq!(task.task_id, 5_000_602);
    assert_eq!(task.task_name.as_deref(), Some("2024-06-04 14:49:17-agent"));
    assert_eq!(task.status, Some(TaskStatus::Finished));
    assert_eq!(task.task_type, Some(TaskType::AiAgentGroupCall));
    assert_eq!(
        (task.num_cnt, task.call_num, task.success, task.fail),
        (Some(10), Some(10), Some(8), Some(2))
    );
    assert_eq!(
        task.created_time.as_ref().and_then(|t| t.local_date_time()),
        Some(datetime!(2024-06-04 14:49:36))
    );
    assert_eq!((task.script_id, task.answered_num), (Some(56), Some(8)));
    assert_eq!(
        (task.agent_total_feetime, task.charge_len, task.send_sms_num),
        (Some(320), Some(480), Some(0))
    );
    assert_eq!(task.rate_percent(), Some(100.0));
    assert_eq!(task.asr_percent(), Some(80.0));
    assert_eq!(task.acd_seconds(), Some(60.0));
    let fee = task.group_call_fee().unwrap();
    assert_eq!(
        (fee.amount, fee.currency.as_deref()),
        (0.034827, Some("USD"))
    );
    assert_eq!(task.group_call_pay_fee.as_deref(), Some("0.034827(USD)"));
    let sms = task.sms_fee().unwrap();
    assert_eq!((sms.amount, sms.currency.as_deref()), (0.0, Some("USD")));
    let total = task.total_fee().unwrap();
    assert_eq!(
        (total.amount, total.currency.as_deref()),
        (0.159827, Some("USD"))
    );
    let agent = task.agent_fee_amount().unwrap();
    assert_eq!((agent.amount, agent.currency), (0.125, None));
}

#[tokio::test]
async fn an_expired_timestamp_is_resigned_and_retried_once() {
    let server = MockServer::start_async().await;
    let expired = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(PATH)
                .is_true(|req| signed_timestamp(req).is_some());
            then.status(200)
                .json_body(json!({"code": "-16", "msg": "timestamp expired"}))
                .up_to_n_times(1);
        })
        .await;
    let fresh = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(PATH)
                .is_true(|req| signed_timestamp(req) == Some(1_001));
            then.status(200)
                .json_body(fixture("list_group_call_tasks.response.json"));
        })
        .await;
    let client = client(&server, ticking(1_000));

    let page = client
        .list_group_call_tasks(
            datetime!(2024-01-01 00:00:00),
            datetime!(2024-06-03 15:13:01),
        )
        .send()
        .await
        .unwrap();

    assert_eq!(page.total, 574);
    // The first attempt was signed at 1000, the retry afresh at 1001.
    expired.assert_calls_async(1).await;
    fresh.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_second_expired_timestamp_blames_the_clock() {
    let server = MockServer::start_async().await;
    // Two attempts, each freshly signed with its own timestamp.
    let first = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(PATH)
                .is_true(|req| signed_timestamp(req) == Some(5_000));
            then.status(200)
                .json_body(json!({"code": -16, "msg": "timestamp expired"}));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(PATH)
                .is_true(|req| signed_timestamp(req) == Some(5_001));
            then.status(200)
                .json_body(json!({"code": -16, "msg": "timestamp expired"}));
        })
        .await;
    let client = client(&server, ticking(5_000));

    let err = client
        .list_group_call_tasks(
            datetime!(2024-01-01 00:00:00),
            datetime!(2024-01-02 00:00:00),
        )
        .send()
        .await
        .unwrap_err();

    assert!(err.is_auth(), "{err:?}");
    assert!(err.to_string().contains("clock"), "{err}");
    assert_eq!(err.vendor_code(), Some("-16"));
    assert_eq!(response_code(&err), Some(ResponseCode::TimestampExpired));
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
}

#[tokio::test]
async fn an_authentication_error_is_not_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(PATH);
            then.status(200)
                .json_body(json!({"code": "-1", "msg": "authentication error"}));
        })
        .await;
    let client = client(&server, ticking(7_000));

    let err = client
        .list_group_call_tasks(
            datetime!(2024-01-01 00:00:00),
            datetime!(2024-01-02 00:00:00),
        )
        .send()
        .await
        .unwrap_err();

    assert!(err.is_auth(), "{err:?}");
    assert!(!err.to_string().contains("clock"), "{err}");
    assert_eq!(response_code(&err), Some(ResponseCode::AuthenticationError));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn other_codes_are_typed_vendor_errors() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(PATH);
            then.status(200)
                .json_body(json!({"code": -2, "msg": "restricted IP access"}));
        })
        .await;
    let client = client(&server, ticking(7_000));

    let err = client
        .list_group_call_tasks(
            datetime!(2024-01-01 00:00:00),
            datetime!(2024-01-02 00:00:00),
        )
        .send()
        .await
        .unwrap_err();

    assert!(err.is_api() && !err.is_auth(), "{err:?}");
    assert_eq!(response_code(&err), Some(ResponseCode::RestrictedIp));
    assert_eq!(err.vendor_message(), Some("restricted IP access"));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn pages_are_walked_in_order_and_stop_at_the_last() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for (current, ids) in [
        (1_u64, vec![1, 2]),
        (2, vec![3, 4]),
        (3, vec![5]),
        (4, vec![]),
    ] {
        let records: Vec<Value> = ids.into_iter().map(task).collect();
        let reply = page(current, &records);
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(POST).path(PATH).is_true(move |req| {
                        let body = body(req);
                        signed_timestamp(req).is_some()
                            && body["current"] == json!(current)
                            && body["size"] == json!(2)
                            && body["params"]["taskType"] == json!(3)
                            && body["params"]["statusList"] == json!([2])
                    });
                    then.status(200).json_body(reply);
                })
                .await,
        );
    }
    let client = client(&server, ticking(9_000));
    let query = client
        .list_group_call_tasks(
            datetime!(2024-06-01 00:00:00),
            datetime!(2024-06-30 23:59:59),
        )
        .size(2)
        .status_list([TaskStatus::Finished]);

    let ids: Vec<i64> = query
        .clone()
        .by_item()
        .map_ok(|t| t.typed().unwrap().task_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    let pages: Vec<u64> = query
        .look_ahead(1)
        .by_page()
        .map_ok(|p| p.page)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages, [1, 2, 3]);
    for (mock, expected) in mocks.iter().zip([2, 2, 2, 0]) {
        mock.assert_calls_async(expected).await;
    }
}

#[tokio::test]
async fn bad_input_is_rejected_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(fixture("list_group_call_tasks.response.json"));
        })
        .await;
    let client = client(&server, ticking(1));
    let start = datetime!(2024-06-01 00:00:00);
    let end = datetime!(2024-06-30 00:00:00);
    let cases = [
        ("size 0", client.list_group_call_tasks(start, end).size(0)),
        (
            "size 101",
            client.list_group_call_tasks(start, end).size(101),
        ),
        (
            "current 0",
            client.list_group_call_tasks(start, end).current(0),
        ),
        ("end before start", client.list_group_call_tasks(end, start)),
    ];
    for (name, query) in cases {
        let err = query.clone().send().await.unwrap_err();
        assert!(err.is_invalid_request(), "{name}: {err:?}");
        let first = query.clone().by_item().try_next().await;
        assert!(
            first.is_err_and(|e| e.is_invalid_request()),
            "{name}: by_item"
        );
        let pages: Vec<_> = futures::StreamExt::collect(query.by_page()).await;
        assert_eq!(pages.len(), 1, "{name}: by_page yields exactly one error");
        assert!(pages[0].as_ref().is_err_and(|e| e.is_invalid_request()));
    }
    // Limits themselves are fine.
    let ok = client
        .list_group_call_tasks(start, start)
        .size(100)
        .send()
        .await;
    assert!(ok.is_ok(), "{ok:?}");
    mock.assert_calls_async(1).await;
}

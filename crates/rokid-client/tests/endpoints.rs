//! Wire behaviour of the two Rokid endpoints against httpmock on 127.0.0.1: method, path,
//! the exact raw query string (as in the documented curl lines), the bearer header, the
//! typed result of the documented response, bad input, auth failures and error bodies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;

use httpmock::prelude::*;
use rokid_client::{
    ChatLogType, DeletedFlag, RetryPolicy, RokidClient, SleepFuture, Sleeper, TaskProgress,
};
use time::macros::{date, datetime, offset};

const KEY: &str = "sk-test-rokid-123";

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Does not sleep between retries (keeps retry tests fast and deterministic).
#[derive(Debug)]
struct NoSleep;

impl Sleeper for NoSleep {
    fn sleep(&self, _: std::time::Duration) -> SleepFuture {
        Box::pin(async {})
    }
}

fn client(server: &MockServer) -> RokidClient {
    RokidClient::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .sleeper(Arc::new(NoSleep))
        .build()
        .unwrap()
}

/// Matches only when the raw (still percent-encoded) query equals `expected`.
fn raw_query(expected: &str) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
    let expected = expected.to_owned();
    move |req: &HttpMockRequest| req.uri().query() == Some(expected.as_str())
}

#[tokio::test]
async fn list_work_records_sends_the_documented_request_and_types_the_response() {
    let server = MockServer::start_async().await;
    let query = fixture("list_work_records.request.query.txt");
    let query = query.trim_end();
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ar/flow/openapi/record/page")
                .header("authorization", format!("Bearer {KEY}"))
                .is_true(raw_query(query));
            then.status(200)
                .header("content-type", "application/json")
                .body(fixture("list_work_records.response.json"));
        })
        .await;
    let request = client(&server)
        .list_work_records("E9985178CD6C4207BDB30608FF90B909")
        .page_num(1)
        .page_size(10)
        .task_name("inspection")
        .gmt_start(datetime!(2026-06-01 00:00:00))
        .gmt_end(datetime!(2026-06-17 23:59:59));
    assert_eq!(request.to_spec().unwrap().encoded_query(), query);

    let page = request.send().await.unwrap();
    mock.assert_async().await;
    assert_eq!((page.page_num, page.page_size, page.total), (1, 10, 1));
    assert_eq!(page.list.len(), 1);
    let record = page.list[0].typed().unwrap();
    assert_eq!(record.task_id, "0c0d7fc3f4a04b9caf2f4a534c6b5b10");
    assert_eq!(record.task_name.as_deref(), Some("Daily Inspection"));
    assert_eq!(record.user_name.as_deref(), Some("Zhang San"));
    assert_eq!(record.task_progress, Some(TaskProgress::Completed));
    assert_eq!(record.deleted, Some(DeletedFlag::Active));
    assert!(!record.is_deleted());
    assert_eq!(
        record
            .gmt_created
            .as_ref()
            .and_then(|t| t.offset_date_time()),
        Some(datetime!(2026-06-17 10:00:00.000 +08:00))
    );
    assert_eq!(
        record
            .gmt_modified
            .as_ref()
            .and_then(|t| t.offset_date_time())
            .map(|t| t.offset()),
        Some(offset!(+08:00))
    );
    // `"uploadTime": ""` is kept as sent (the spec has no empty-as-none on it); it parses
    // to no instant.
    let upload = record.upload_time.as_ref();
    assert_eq!(upload.map(|t| t.raw()), Some(""));
    assert_eq!(upload.and_then(|t| t.offset_date_time()), None);
    assert_eq!(record.result.as_deref(), Some("{}"));
    assert_eq!(record.parse_result().unwrap(), Some(serde_json::json!({})));
    let docs = record.documents();
    assert_eq!(docs.len(), 1, "empty signUrl/videoUrl are skipped");
    assert_eq!(
        docs[0].url,
        "https://cdn.rokid.com/reports/work-record-001.docx"
    );
}

#[tokio::test]
async fn list_chat_logs_sends_all_nine_filters_and_types_the_response() {
    let server = MockServer::start_async().await;
    let documented = fixture("list_chat_logs.request.query.txt");
    let documented = documented.trim_end();
    let keywords_query = "pageNum=1&pageSize=10&type=0&keywords=%E5%B7%A1%E6%A3%80%20ok&uid=E0BB5354E9F54BC6A032E8B709CC7B2E&startTime=2026-06-01&endTime=2026-06-15%2023:59:59&agentName=Inspection%20Assistant&modelName=gpt";
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ar/assistant/openapi/chatLog/page")
                .header("authorization", format!("Bearer {KEY}"))
                .is_true(raw_query(keywords_query));
            then.status(200)
                .body(fixture("list_chat_logs.response.json"));
        })
        .await;
    let client = client(&server);
    let build = || {
        client
            .list_chat_logs()
            .page_num(1)
            .page_size(10)
            .log_type(ChatLogType::Chat)
            .uid("E0BB5354E9F54BC6A032E8B709CC7B2E")
            .start_time(date!(2026 - 06 - 01))
            .end_time(datetime!(2026-06-15 23:59:59))
            .agent_name("Inspection Assistant")
            .model_name("gpt")
    };
    // Without keywords: exactly the documented curl line.
    assert_eq!(build().to_spec().unwrap().encoded_query(), documented);

    let request = build().keywords("巡检 ok");
    assert_eq!(request.to_spec().unwrap().encoded_query(), keywords_query);
    let page = request.send().await.unwrap();
    mock.assert_async().await;
    assert_eq!(page.total, 1);
    let log = page.list[0].typed().unwrap();
    assert_eq!(log.id, 1001);
    assert_eq!(log.log_type, ChatLogType::Chat);
    assert_eq!(log.model_api_name.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(log.cost_time, Some(1260));
    assert_eq!(log.is_memory, Some(true));
    assert_eq!(log.deleted, Some(DeletedFlag::Active));
    assert_eq!(
        log.time.as_ref().and_then(|t| t.offset_date_time()),
        Some(datetime!(2025-11-07 15:20:00 +08:00))
    );
}

#[tokio::test]
async fn non_ascii_task_name_is_percent_encoded_as_utf8() {
    let server = MockServer::start_async().await;
    let expected = "uid=U1&taskName=%E5%B7%A1%E6%A3%80%20%E4%BB%BB%E5%8A%A1%26co";
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ar/flow/openapi/record/page")
                .query_param("taskName", "巡检 任务&co")
                .is_true(raw_query(expected));
            then.status(200).body(
                r#"{"code":0,"message":"OK","data":{"pageNum":1,"pageSize":10,"total":0,"list":[]},"success":true}"#,
            );
        })
        .await;
    let page = client(&server)
        .list_work_records("U1")
        .task_name("巡检 任务&co")
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(page.list.is_empty());
}

#[tokio::test]
async fn bad_input_is_rejected_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("{}");
        })
        .await;
    let client = client(&server);
    let cases = [
        ("empty uid", client.list_work_records("").send().await.err()),
        (
            "page size 0",
            client
                .list_work_records("U1")
                .page_size(0)
                .send()
                .await
                .err(),
        ),
        (
            "end before start",
            client
                .list_work_records("U1")
                .gmt_start(datetime!(2026-06-02 00:00:00))
                .gmt_end(datetime!(2026-06-01 23:59:59))
                .send()
                .await
                .err(),
        ),
    ];
    for (what, err) in cases {
        assert!(
            err.as_ref().is_some_and(|e| e.is_invalid_request()),
            "{what}: {err:?}"
        );
    }
    let chat = client
        .list_chat_logs()
        .start_time(date!(2026 - 06 - 15))
        .end_time(date!(2026 - 06 - 01))
        .send()
        .await
        .err();
    assert!(chat.is_some_and(|e| e.is_invalid_request()));
    let chat = client.list_chat_logs().page_size(0).send().await.err();
    assert!(chat.is_some_and(|e| e.is_invalid_request()));

    // The streams yield one invalid-request error and send nothing either.
    use futures::StreamExt;
    let items: Vec<_> = client.list_work_records("").by_item().collect().await;
    assert_eq!(items.len(), 1);
    assert!(items[0].as_ref().is_err_and(|e| e.is_invalid_request()));
    let pages: Vec<_> = client
        .list_chat_logs()
        .page_size(0)
        .by_page()
        .collect()
        .await;
    assert_eq!(pages.len(), 1);
    assert!(pages[0].as_ref().is_err_and(|e| e.is_invalid_request()));

    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn http_401_is_an_auth_error_after_exactly_one_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/ar/flow/openapi/record/page");
            then.status(401)
                .body(r#"{"code":401,"message":"api key expired","success":false}"#);
        })
        .await;
    let err = client(&server)
        .list_work_records("U1")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(err.vendor_code(), Some("401"));
    assert_eq!(mock.calls_async().await, 1);
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn plain_401_and_vendor_auth_code_are_auth_errors_without_retry() {
    let server = MockServer::start_async().await;
    let html = server
        .mock_async(|when, then| {
            when.path("/ar/flow/openapi/record/page");
            then.status(401).body("<html>Unauthorized</html>");
        })
        .await;
    let vendor = server
        .mock_async(|when, then| {
            when.path("/ar/assistant/openapi/chatLog/page");
            then.status(200)
                .body(r#"{"code":403,"message":"key revoked","success":false}"#);
        })
        .await;
    let client = client(&server);
    let err = client.list_work_records("U1").send().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(html.calls_async().await, 1);
    let err = client.list_chat_logs().send().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.vendor_message(), Some("key revoked"));
    assert_eq!(vendor.calls_async().await, 1);
}

#[tokio::test]
async fn vendor_error_codes_are_typed_api_errors() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.path("/ar/flow/openapi/record/page");
            then.status(200)
                .body(r#"{"code":10001,"message":"uid not found","success":false}"#);
        })
        .await;
    let unsuccessful = server
        .mock_async(|when, then| {
            when.path("/ar/assistant/openapi/chatLog/page");
            then.status(200)
                .body(r#"{"code":0,"message":"denied","success":false}"#);
        })
        .await;
    let client = client(&server);
    let err = client.list_work_records("U1").send().await.unwrap_err();
    assert!(err.is_api() && !err.is_auth(), "{err:?}");
    assert_eq!(err.vendor_code(), Some("10001"));
    assert_eq!(err.vendor_message(), Some("uid not found"));
    assert_eq!(
        failing.calls_async().await,
        1,
        "vendor errors are not retried"
    );
    let err = client.list_chat_logs().send().await.unwrap_err();
    assert!(err.is_api(), "{err:?}");
    assert_eq!(err.vendor_message(), Some("denied"));
    assert_eq!(unsuccessful.calls_async().await, 1);
}

#[tokio::test]
async fn html_and_non_json_bodies_are_errors_with_an_excerpt() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/ar/flow/openapi/record/page");
            then.status(200)
                .header("content-type", "text/html")
                .body("<html><body>Gateway login page</body></html>");
        })
        .await;
    let bad_gateway = server
        .mock_async(|when, then| {
            when.path("/ar/assistant/openapi/chatLog/page");
            then.status(404).body("<html>Not Found</html>");
        })
        .await;
    let client = client(&server);
    let err = client.list_work_records("U1").send().await.unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert!(err.raw_body().is_some_and(|b| b.contains("Gateway login")));
    let err = client
        .list_chat_logs()
        .with_options(rokid_client::RequestOptions::new().retry(RetryPolicy::none()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status_code().map(|s| s.as_u16()), Some(404), "{err:?}");
    assert!(err.raw_body().is_some_and(|b| b.contains("Not Found")));
    assert_eq!(bad_gateway.calls_async().await, 1);
}

#[tokio::test]
async fn server_errors_on_reads_are_retried_per_policy() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/ar/flow/openapi/record/page");
            then.status(503).body("busy");
        })
        .await;
    let client = RokidClient::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .sleeper(Arc::new(NoSleep))
        .retry_policy(RetryPolicy::default().max_attempts(3))
        .build()
        .unwrap();
    let err = client.list_work_records("U1").send().await.unwrap_err();
    assert_eq!(err.status_code().map(|s| s.as_u16()), Some(503));
    assert_eq!(mock.calls_async().await, 3);
}

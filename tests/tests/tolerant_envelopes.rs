//! Envelope first: a vendor's code and message are read before its payload, in every
//! documented spelling, and the payload only on success. Each test is a way a real server
//! drifts from its document that used to lose the vendor's answer.
#![allow(clippy::unwrap_used)]

use httpmock::MockServer;
use itnio_client::ItnioClient;
use rokid_client::{DriftKind, RetryPolicy, RokidClient};
use serde_json::json;
use sobot_client::SobotClient;
use time::macros::datetime;

fn rokid(server: &MockServer) -> RokidClient {
    RokidClient::builder()
        .api_key("k")
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn sobot(server: &MockServer) -> SobotClient {
    SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .retry_policy(sobot_client::RetryPolicy::none())
        .build()
        .unwrap()
}

fn itnio(server: &MockServer) -> ItnioClient {
    ItnioClient::builder()
        .api_key("k")
        .api_secret("s")
        .base_url(server.base_url())
        .retry_policy(itnio_client::RetryPolicy::none())
        .build()
        .unwrap()
}

async fn token_route(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).json_body(json!({
                "ret_code": "000000", "ret_msg": "success",
                "item": {"token": "t-1", "expires_in": "86400"}
            }));
        })
        .await
}

/// A vendor error whose `data` is `{}` on a list endpoint is the vendor's error, with its
/// code and message, not a decode error about the list.
#[tokio::test]
async fn an_error_with_an_object_payload_keeps_the_vendor_code() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/ar/flow/openapi/record/page");
            then.status(200).json_body(
                json!({"code": 4001, "message": "uid not found", "data": {}, "success": false}),
            );
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/voice/group/call/query");
            then.status(200)
                .json_body(json!({"code": -22, "msg": "parameter exception", "data": {}}));
        })
        .await;
    token_route(&server).await;
    server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/api/statistics/queryAiRobotList");
            then.status(200)
                .json_body(json!({"ret_code": "100001", "ret_msg": "bad", "data": {}}));
        })
        .await;

    let err = rokid(&server)
        .list_work_records("u")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (err.vendor_code(), err.vendor_message()),
        (Some("4001"), Some("uid not found"))
    );
    let err = itnio(&server)
        .list_group_call_tasks(datetime!(2026-01-01 0:00), datetime!(2026-01-02 0:00))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.vendor_code(), Some("-22"));
    let err = sobot(&server).list_robots().send().await.unwrap_err();
    assert_eq!(err.vendor_code(), Some("100001"));
}

/// `{"errcode":900002,"errmsg":...}` is Sobot's "token invalid" too: the token is renewed
/// and the call sent once more.
#[tokio::test]
async fn the_errcode_spelling_of_token_invalid_renews_the_token() {
    let server = MockServer::start_async().await;
    let tokens = token_route(&server).await;
    let refused = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/api/statistics/getLabels")
                .header("token", "t-1");
            then.status(200)
                .json_body(json!({"errcode": 900002, "errmsg": "token invalid"}));
        })
        .await;
    let client = sobot(&server);
    let err = client.list_labels().send().await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert_eq!(err.vendor_code(), Some("900002"));
    assert_eq!(err.vendor_message(), Some("token invalid"));
    assert_eq!(refused.calls_async().await, 2, "sent again after renewing");
    assert_eq!(tokens.calls_async().await, 2, "the token was renewed once");
}

/// Both spellings of the code and message in one body are read (the first documented one
/// wins) and recorded as drift, not refused as a duplicate field.
#[tokio::test]
async fn both_spellings_in_one_body_are_read_and_recorded() {
    let server = MockServer::start_async().await;
    token_route(&server).await;
    server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/api/statistics/getLabels");
            then.status(200).json_body(json!({
                "ret_code": "000000", "retCode": "000000",
                "ret_msg": "success", "retMsg": "success",
                "data": [{"id": "1", "name": "VIP"}],
                "trace": "abc"
            }));
        })
        .await;
    let client = sobot(&server);
    let labels = client.list_labels().send().await.unwrap();
    assert_eq!(labels[0].name.as_deref(), Some("VIP"));
    let report = client.drift().report();
    let kinds: Vec<(&str, &str, DriftKind, u64)> = report
        .iter()
        .map(|e| (e.operation.as_str(), e.path.as_str(), e.kind, e.count))
        .collect();
    assert!(
        kinds.contains(&("list_labels", "ret_code", DriftKind::DuplicateField, 1)),
        "{report:?}"
    );
    assert!(
        kinds.contains(&("list_labels", "ret_msg", DriftKind::DuplicateField, 1)),
        "{report:?}"
    );
    assert!(
        kinds.contains(&("list_labels", "trace", DriftKind::UnknownField, 1)),
        "{report:?}"
    );
}

/// Itniotech's `code` as a string, and its `{status, reason}` wrapper.
#[tokio::test]
async fn itniotech_code_as_text_and_the_status_wrapper() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/voice/group/call/query");
            then.status(200)
                .json_body(json!({"status": "-24", "reason": "data does not exist"}));
        })
        .await;
    let err = itnio(&server)
        .list_group_call_tasks(datetime!(2026-01-01 0:00), datetime!(2026-01-02 0:00))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (err.vendor_code(), err.vendor_message()),
        (Some("-24"), Some("data does not exist"))
    );

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/voice/group/call/query");
            then.status(200).json_body(json!({
                "code": "0", "msg": "success",
                "data": {"records": [], "total": 0, "size": 10, "current": 1, "pages": 0}
            }));
        })
        .await;
    let page = itnio(&server)
        .list_group_call_tasks(datetime!(2026-01-01 0:00), datetime!(2026-01-02 0:00))
        .send()
        .await
        .unwrap();
    assert_eq!(page.total, 0);
}

/// An envelope whose code cannot be read is a decode error naming the code: success
/// cannot be told from failure.
#[tokio::test]
async fn an_unreadable_code_is_a_decode_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/ar/flow/openapi/record/page");
            then.status(200)
                .json_body(json!({"code": {"value": 0}, "data": {}}));
        })
        .await;
    let err = rokid(&server)
        .list_work_records("u")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_decode(), "{err}");
    assert_eq!(err.json_path(), Some("code"));
}

/// The documented envelopes record no drift.
#[tokio::test]
async fn a_documented_envelope_records_nothing() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/ar/flow/openapi/record/page");
            then.status(200).json_body(json!({
                "code": 0, "message": "OK", "success": true,
                "data": {"pageNum": 1, "pageSize": 10, "total": 0, "list": []}
            }));
        })
        .await;
    let client = rokid(&server);
    client.list_work_records("u").send().await.unwrap();
    assert!(client.drift().is_empty(), "{:?}", client.drift().report());
}

//! `by_page()` / `by_item()` across several pages with a known total, against httpmock
//! on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use rokid_client::RokidClient;
use serde_json::json;

const TOTAL: usize = 23;
const SIZE: usize = 10;

fn work_page(page: usize) -> String {
    let first = (page - 1) * SIZE;
    let list: Vec<_> = (first..TOTAL.min(first + SIZE))
        .map(|n| json!({"taskId": format!("task-{n:02}"), "taskProgress": n % 7}))
        .collect();
    json!({"code": 0, "message": "OK", "success": true,
        "data": {"pageNum": page, "pageSize": SIZE, "total": TOTAL, "list": list}})
    .to_string()
}

fn chat_page(page: usize) -> String {
    let first = (page - 1) * SIZE;
    let list: Vec<_> = (first..TOTAL.min(first + SIZE))
        .map(|n| json!({"id": n, "type": n % 2}))
        .collect();
    json!({"code": 0, "message": "OK", "success": true,
        "data": {"pageNum": page, "pageSize": SIZE, "total": TOTAL, "list": list}})
    .to_string()
}

fn client(server: &MockServer) -> RokidClient {
    RokidClient::builder()
        .api_key("k")
        .base_url(server.base_url())
        .build()
        .unwrap()
}

#[tokio::test]
async fn work_records_by_item_and_by_page_walk_every_page_in_order() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 1..=3 {
        let query = format!("uid=U%201&pageNum={page}&pageSize={SIZE}&taskName=a%20b");
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path("/ar/flow/openapi/record/page")
                        .header("authorization", "Bearer k")
                        .is_true(move |req: &HttpMockRequest| {
                            req.uri().query() == Some(query.as_str())
                        });
                    then.status(200).body(work_page(page));
                })
                .await,
        );
    }
    let client = client(&server);
    let request = || {
        client
            .list_work_records("U 1")
            .page_size(SIZE as i32)
            .task_name("a b")
    };

    let items: Vec<_> = request().by_item().try_collect().await.unwrap();
    let ids: Vec<_> = items
        .iter()
        .map(|r| r.typed().unwrap().task_id.clone())
        .collect();
    let expected: Vec<_> = (0..TOTAL).map(|n| format!("task-{n:02}")).collect();
    assert_eq!(ids, expected);
    for mock in &mocks {
        assert_eq!(mock.calls_async().await, 1);
    }

    let pages: Vec<_> = request().by_page().try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    let sizes: Vec<_> = pages.iter().map(|p| p.items.len()).collect();
    let numbers: Vec<_> = pages.iter().map(|p| (p.page, p.total)).collect();
    assert_eq!(numbers, vec![(1, Some(23)), (2, Some(23)), (3, Some(23))]);
    assert_eq!(sizes, vec![10, 10, 3]);
    for mock in &mocks {
        assert_eq!(
            mock.calls_async().await,
            2,
            "no page fetched twice or beyond the total"
        );
    }
}

#[tokio::test]
async fn chat_logs_walk_from_a_later_page_one_at_a_time() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 1..=3 {
        let query = format!("pageNum={page}&pageSize={SIZE}&type=1");
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path("/ar/assistant/openapi/chatLog/page")
                        .is_true(move |req: &HttpMockRequest| {
                            req.uri().query() == Some(query.as_str())
                        });
                    then.status(200).body(chat_page(page));
                })
                .await,
        );
    }
    let ids: Vec<i64> = client(&server)
        .list_chat_logs()
        .page_num(2)
        .page_size(SIZE as i32)
        .log_type(rokid_client::ChatLogType::Recognition)
        .look_ahead(1)
        .by_item()
        .map_ok(|log| log.typed().unwrap().id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (10..TOTAL as i64).collect::<Vec<_>>());
    assert_eq!(mocks[0].calls_async().await, 0);
    assert_eq!(mocks[1].calls_async().await, 1);
    assert_eq!(mocks[2].calls_async().await, 1);
}

#[tokio::test]
async fn an_error_on_a_later_page_ends_the_stream_after_the_earlier_items() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.query_param("pageNum", "1");
            then.status(200).body(work_page(1));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.query_param("pageNum", "2");
            then.status(200)
                .body(r#"{"code":42,"message":"boom","success":false}"#);
        })
        .await;
    let results: Vec<_> = client(&server)
        .list_work_records("U1")
        .page_size(SIZE as i32)
        .look_ahead(1)
        .by_item()
        .collect()
        .await;
    let ok = results.iter().take_while(|r| r.is_ok()).count();
    assert_eq!(ok, SIZE);
    let err = results[SIZE].as_ref().unwrap_err();
    assert_eq!(err.vendor_code(), Some("42"));
    assert_eq!(results.len(), SIZE + 1, "the stream ends after the error");
}

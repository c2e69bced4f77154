//! `Sandbox::received` / `last_request`: what a client sent, per path.
#![allow(clippy::unwrap_used)]

mod common;

use common::{RECORDS, Raw};
use serde_json::json;
use vendor_sandbox::Sandbox;

#[tokio::test]
async fn the_last_body_and_query_of_each_path_are_kept() {
    let sb = Sandbox::builder().records(20).start().await.unwrap();
    assert!(sb.received(RECORDS).is_none());
    let raw = Raw::new(&sb).await;
    let first = json!({"start_time": "2026-01-01", "end_time": "2026-01-31", "page_no": 1, "page_size": 10});
    let second = json!({
        "start_time": "2026-01-01", "end_time": "2026-01-31", "page_no": 2, "page_size": 10,
        "score_level": "10,9", "satisfaction_labels": ["l-1"]
    });
    raw.post(RECORDS, &first).await;
    raw.post(RECORDS, &second).await;
    assert_eq!(sb.received(RECORDS), Some(second.clone()));
    // By the last segment of the path, too.
    assert_eq!(sb.received("recordList"), Some(second));
    let token = sb.last_request("/api/get_token").unwrap();
    assert_eq!(token.method, "GET");
    assert!(
        token
            .query_pairs()
            .iter()
            .any(|(k, v)| k == "appid" && v == &sb.credentials().sobot_appid)
    );
    assert!(token.json().is_none());
    sb.reset_counts();
    assert!(sb.received(RECORDS).is_none());
}

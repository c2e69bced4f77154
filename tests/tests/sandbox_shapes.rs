//! The sandbox serialises the clients' own model types, so a mistake shared by both would
//! pass every flow test. This checks the sandbox's raw answers against the vendor docs'
//! examples instead: every field a documented response example has (recursively, first
//! element of each list) must be in the sandbox's answer to the same call.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use vendor_sandbox::Sandbox;

fn fixture(file: &str) -> Value {
    let path = workspace_tests::fixture_path(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every key of `documented` is in `served`, at the same place; fails listing the gaps.
fn assert_shape(documented: &Value, served: &Value, path: &str) {
    let mut missing = Vec::new();
    shape_gaps(documented, served, path, &mut missing);
    assert!(missing.is_empty(), "documented but not served: {missing:?}");
}

fn shape_gaps(documented: &Value, served: &Value, path: &str, missing: &mut Vec<String>) {
    match (documented, served) {
        (Value::Object(doc), Value::Object(out)) => {
            for (key, value) in doc {
                let here = format!("{path}.{key}");
                match out.get(key) {
                    Some(found) => shape_gaps(value, found, &here, missing),
                    None => missing.push(here),
                }
            }
        }
        (Value::Array(doc), Value::Array(out)) => match (doc.first(), out.first()) {
            (Some(d), Some(o)) => shape_gaps(d, o, &format!("{path}[0]"), missing),
            (Some(_), None) => missing.push(format!("{path}[0] (empty list)")),
            _ => {}
        },
        _ => {}
    }
}

async fn json(response: reqwest::Response) -> Value {
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

#[tokio::test]
async fn rokid_answers_have_every_documented_field() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = common_http::http_client_builder()
        .build()
        .expect("HTTP client");
    let key = &sandbox.credentials().rokid_api_key;
    let uid = &sandbox.data().work_records[0].uid;
    let base = &sandbox.urls().rokid;
    let records = http
        .get(format!("{base}/ar/flow/openapi/record/page"))
        .query(&[
            ("uid", uid.as_deref().unwrap_or_default()),
            ("pageSize", "1"),
        ])
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_shape(
        &fixture("rokid/list_work_records.response.json"),
        &json(records).await,
        "$",
    );
    let logs = http
        .get(format!("{base}/ar/assistant/openapi/chatLog/page"))
        .query(&[("pageSize", "1")])
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_shape(
        &fixture("rokid/list_chat_logs.response.json"),
        &json(logs).await,
        "$",
    );
}

#[tokio::test]
async fn itnio_answers_have_every_documented_field() {
    let sandbox = Sandbox::start().await.unwrap();
    let c = sandbox.credentials();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let timestamp = now.to_string();
    let sign = itnio_client::sign(&c.itnio_api_key, &c.itnio_api_secret, now);
    let mut body = fixture("itnio/list_group_call_tasks.request.json");
    body["params"]["strTime"] = "2000-01-01 00:00:00".into();
    body["params"]["endTime"] = "2100-01-01 00:00:00".into();
    let response = common_http::http_client_builder()
        .build()
        .expect("HTTP client")
        .post(format!("{}/voice/group/call/query", sandbox.urls().itnio))
        .header("Api-Key", &c.itnio_api_key)
        .header("Timestamp", &timestamp)
        .header("Sign", sign)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_shape(
        &fixture("itnio/list_group_call_tasks.response.json"),
        &json(response).await,
        "$",
    );
}

#[tokio::test]
async fn sobot_token_answer_has_every_documented_field() {
    let sandbox = Sandbox::start().await.unwrap();
    let c = sandbox.credentials();
    let http = common_http::http_client_builder()
        .build()
        .expect("HTTP client");
    let create_time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let sign = sobot_client::sign(&c.sobot_appid, &create_time, &c.sobot_app_key);
    let token = json(
        http.get(format!("{}/api/get_token", sandbox.urls().sobot_token))
            .query(&[
                ("appid", c.sobot_appid.as_str()),
                ("create_time", create_time.as_str()),
                ("sign", sign.as_str()),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_shape(&fixture("sobot/get_token.response.json"), &token, "$");
}

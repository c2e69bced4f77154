//! A plain HTTP view of a sandbox, as a vendor SDK in another language would call it.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use common_http::reexports::reqwest;
use serde_json::Value;
use vendor_sandbox::Sandbox;

/// The reception records route.
pub(crate) const RECORDS: &str = "/ai-agent-open/api/statistics/recordList";
/// The streamed answer route.
pub(crate) const ANSWER: &str = "/ai-agent-open/ask/answer";
/// The non-streamed answer route.
pub(crate) const ANSWER_NO_STREAM: &str = "/ai-agent-open/ask/answer_no_stream";
/// The push route.
pub(crate) const PUSH: &str = "/ai-agent-open/ask/get_push_info";

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Plain HTTP calls to one sandbox, each with a fresh Sobot token (an agent under test
/// shares the sandbox's credentials, and every new token invalidates the previous one).
pub(crate) struct Raw<'a> {
    pub(crate) sb: &'a Sandbox,
    pub(crate) http: reqwest::Client,
}

impl<'a> Raw<'a> {
    pub(crate) async fn new(sb: &'a Sandbox) -> Self {
        Self {
            sb,
            http: common_http::http_client_builder()
                .build()
                .expect("HTTP client"),
        }
    }

    /// A new token.
    pub(crate) async fn token(&self) -> String {
        let (sb, http) = (self.sb, &self.http);
        let creds = sb.credentials();
        let time = now().to_string();
        let sign = sobot_client::sign(&creds.sobot_appid, &time, &creds.sobot_app_key);
        let body: Value = http
            .get(format!("{}/api/get_token", sb.base_url()))
            .query(&[
                ("appid", creds.sobot_appid.as_str()),
                ("create_time", time.as_str()),
                ("sign", sign.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["item"]["token"].as_str().unwrap().to_owned()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.base_url())
    }

    /// POSTs JSON with the token; the answer as text.
    pub(crate) async fn post_text(&self, path: &str, body: &Value) -> String {
        self.http
            .post(self.url(path))
            .header("token", self.token().await)
            .json(body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// POSTs JSON with the token; the answer as JSON.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Value {
        serde_json::from_str(&self.post_text(path, body).await).unwrap()
    }

    /// GETs with the token; the answer as JSON.
    pub(crate) async fn get(&self, path: &str, query: &[(&str, &str)]) -> Value {
        self.http
            .get(self.url(path))
            .header("token", self.token().await)
            .query(query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The `data:` payloads of a streamed answer, as JSON.
    pub(crate) async fn stream(&self, body: &Value) -> Vec<Value> {
        let text = self.post_text(ANSWER, body).await;
        text.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(|d| serde_json::from_str(d.trim()).unwrap())
            .collect()
    }
}

/// A visitor question as the Sobot Q&A endpoints take it.
pub(crate) fn question(text: &str) -> Value {
    serde_json::json!({
        "question": text,
        "show_question": text,
        "input_type_enum": "INPUT",
        "biz_id": "biz-1",
        "biz_type": "TEXT",
        "biz_type_id": "1000016",
        "robotid": "1",
        "uid": "visitor-1",
        "ai_agent_cid": "cid-1",
        "source_enum": "PC",
    })
}

//! The inbound integration server (`sobot_client::server`, feature `server`) over real HTTP:
//! the router is served on 127.0.0.1:0 and called with reqwest; Sobot's callback endpoints
//! are an httpmock server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use common_http::sse::Decoder;
use futures::StreamExt as _;
use httpmock::Method::{GET, POST};
use httpmock::{Mock, MockServer};
use serde_json::{Value, json};
use sobot_client::server::axum::{self, Json, Router, routing::post};
use sobot_client::server::{
    AgentError, AgentReply, AnswerPart, EnterprisePayload, ServerConfig, ServerConfigError,
    ThirdPartyAgent,
};
use sobot_client::{AgentAnswer, AgentRequest, Secret, SobotClient};

const TOKEN: &str = "4ac37cb2e9c740dba4b75a34d5358802";

fn fixture(name: &str) -> String {
    let path = workspace_tests::fixtures_dir("sobot").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The document's AgentAnswer example.
fn doc_answer() -> Value {
    serde_json::from_str(&fixture("third_algorithm_resp_vo.model.json")).unwrap()
}

/// The document's AgentRequest example, adjusted.
fn question(text: &str, stream: bool, copilot: bool, runtimeid: Option<&str>) -> Value {
    let mut request: Value =
        serde_json::from_str(&fixture("third_algorithm_req_vo.model.json")).unwrap();
    request["question"] = json!(text);
    request["req_stream"] = json!(stream);
    request["copilot"] = json!(copilot);
    request["roundid"] = json!("round-7");
    request["companyid"] = json!("company-1");
    let map = request.as_object_mut().unwrap();
    map.remove("questionid");
    match runtimeid {
        Some(id) => {
            map.insert("runtimeid".into(), json!(id));
            map.insert("questionid".into(), json!("q-1"));
        }
        None => {
            map.remove("runtimeid");
        }
    }
    request
}

/// "panic" panics, "slow" sleeps, "doc" answers the document's example then a MESSAGE,
/// anything else: two MESSAGEs, an info, a last MESSAGE and a trailing info (streamed).
struct Scripted;

fn info(text: &str) -> AnswerPart {
    let mut value = doc_answer();
    value["robot_answer_message_type"] = json!("THIRD_ANSWER_INFO");
    value["llm_answer"] = json!(text);
    let answer: AgentAnswer = serde_json::from_value(value).unwrap();
    answer.into()
}

#[sobot_client::server::async_trait]
impl ThirdPartyAgent for Scripted {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        match request.question.as_str() {
            "panic" => panic!("the agent panicked on purpose"),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(AgentReply::text("too late"))
            }
            "fail" => Err(AgentError::new("no model available")),
            "midpanic" => {
                let parts = futures::stream::iter(0..3).map(|i| {
                    assert!(i < 1, "the stream panicked on purpose");
                    AnswerPart::from("partial")
                });
                Ok(AgentReply::stream(parts))
            }
            "doc" => {
                let answer: AgentAnswer = serde_json::from_value(doc_answer()).unwrap();
                Ok(AgentReply::Answers(vec![answer.into()]))
            }
            "plain-infos" => {
                // The Q&A names of the information messages, as an agent may well send them.
                let kinds = ["ANSWER_INFO", "PROCESS_INFO", "THIRD_ANSWER_INFO"];
                let parts = kinds.iter().map(|kind| {
                    let mut value = doc_answer();
                    value["robot_answer_message_type"] = json!(kind);
                    let answer: AgentAnswer = serde_json::from_value(value).unwrap();
                    AnswerPart::from(answer)
                });
                Ok(AgentReply::Answers(parts.collect()))
            }
            _ => {
                let parts = vec![
                    AnswerPart::from("Hello, "),
                    AnswerPart::from("you said "),
                    info("info-1"),
                    AnswerPart::from(request.question.clone()),
                    info("info-2"),
                ];
                Ok(AgentReply::stream(futures::stream::iter(parts).then(
                    |part| async move {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        part
                    },
                )))
            }
        }
    }
}

/// The router, for a configuration that must be accepted.
fn router<A: ThirdPartyAgent>(agent: A, config: ServerConfig) -> Router {
    sobot_client::server::router(agent, config).unwrap()
}

/// A configuration without a shared secret, explicitly (no callback is ever sent).
fn open() -> ServerConfig {
    ServerConfig::new().without_shared_secret()
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

/// Sobot's `callback_list` on `sobot`, accepting whatever is posted (to count the calls).
async fn callbacks_accepted(sobot: &MockServer) -> Mock<'_> {
    sobot
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/callback_list");
            then.status(200).body(OK_BODY);
        })
        .await
}

async fn sobot_mock() -> (MockServer, SobotClient) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/get_token");
            then.status(200).body(fixture("get_token.response.json"));
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .build()
        .unwrap();
    (server, client)
}

async fn post_json(url: &str, body: &Value) -> reqwest::Response {
    common_http::http_client_builder()
        .build()
        .expect("HTTP client")
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Waits (bounded) until `mock` was called `expected` times, then checks it stays there.
async fn wait_for_calls(mock: &Mock<'_>, expected: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while mock.calls_async().await < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(mock.calls_async().await, expected);
}

fn texts_and_ends(answers: &[AgentAnswer]) -> Vec<(String, String, bool)> {
    answers
        .iter()
        .map(|a| {
            (
                a.robot_answer_message_type.as_str().to_owned(),
                a.llm_answer.clone(),
                a.message_end,
            )
        })
        .collect()
}

fn expected_sequence(question: &str) -> Vec<(String, String, bool)> {
    [
        ("MESSAGE", "Hello, ", false),
        ("MESSAGE", "you said ", false),
        ("THIRD_ANSWER_INFO", "info-1", false),
        ("MESSAGE", question, true),
        ("THIRD_ANSWER_INFO", "info-2", false),
    ]
    .into_iter()
    .map(|(t, a, e)| (t.to_owned(), a.to_owned(), e))
    .collect()
}

async fn read_sse(response: reqwest::Response) -> Vec<AgentAnswer> {
    let mut decoder = Decoder::new();
    let mut answers = Vec::new();
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        decoder.push(&chunk.unwrap());
        while let Some(event) = decoder.next_event() {
            let event = event.unwrap();
            answers.push(serde_json::from_str(&event.data).unwrap());
        }
    }
    assert!(decoder.finish().is_none(), "an unterminated event");
    answers
}

#[tokio::test]
async fn non_streaming_answer_is_an_enveloped_list_with_roundid_and_one_message_end() {
    let url = serve(router(Scripted, open())).await;
    let response = post_json(&url, &question("hi", false, false, None)).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["ret_code"], "000000");
    let answers: Vec<AgentAnswer> = serde_json::from_value(body["data"].clone()).unwrap();
    assert_eq!(texts_and_ends(&answers), expected_sequence("hi"));
    assert!(answers.iter().all(|a| a.roundid == "round-7"));
    // Text parts get the question's companyid; complete answers keep theirs.
    let companies: Vec<&str> = answers.iter().map(|a| a.companyid.as_str()).collect();
    let doc = "companyid_770644147cec";
    assert_eq!(companies, ["company-1", "company-1", doc, "company-1", doc]);
}

#[tokio::test]
async fn bare_list_when_the_envelope_is_off() {
    let url = serve(router(Scripted, open().envelope(false))).await;
    let response = post_json(&url, &question("hi", false, false, None)).await;
    assert_eq!(response.status(), 200);
    let answers: Vec<AgentAnswer> = response.json().await.unwrap();
    assert_eq!(texts_and_ends(&answers), expected_sequence("hi"));
}

#[tokio::test]
async fn the_documented_answer_shape_goes_out_unchanged_but_roundid_and_message_end() {
    let url = serve(router(Scripted, open().envelope(false))).await;
    let response = post_json(&url, &question("doc", false, false, None)).await;
    let sent: Value = response.json().await.unwrap();
    let mut expected = doc_answer();
    expected["roundid"] = json!("round-7");
    // It is the only (so the last) MESSAGE of the answer.
    expected["message_end"] = json!(true);
    assert_eq!(sent, json!([expected]));
    // And it reads back as the document's type.
    let _: Vec<AgentAnswer> = serde_json::from_value(sent).unwrap();
}

#[tokio::test]
async fn streaming_answer_is_sse_with_message_end_only_on_the_last_message() {
    let url = serve(router(Scripted, open())).await;
    let response = post_json(&url, &question("stream me", true, false, None)).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let answers = read_sse(response).await;
    assert_eq!(texts_and_ends(&answers), expected_sequence("stream me"));
    assert!(answers.iter().all(|a| a.roundid == "round-7"));
    assert_eq!(answers.iter().filter(|a| a.message_end).count(), 1);
}

#[tokio::test]
async fn a_list_reply_is_streamed_when_sobot_asks_for_a_stream() {
    let url = serve(router(Scripted, open())).await;
    let response = post_json(&url, &question("doc", true, false, None)).await;
    let answers = read_sse(response).await;
    assert_eq!(answers.len(), 1);
    assert!(answers[0].message_end);
    assert_eq!(answers[0].roundid, "round-7");
}

const OK_BODY: &str = r#"{"ret_code":"000000","ret_msg":"success"}"#;

#[tokio::test]
async fn copilot_calls_callback_list_once_with_the_answer() {
    // What Sobot gets, from the same (deterministic) agent without callbacks.
    let plain = serve(router(Scripted, open())).await;
    let body: Value = post_json(&plain, &question("hi", false, false, None))
        .await
        .json()
        .await
        .unwrap();
    let expected = json!({ "algorithm_resp_vos": body["data"] });

    let (sobot, client) = sobot_mock().await;
    let callback = sobot
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ai-agent-open/ask/callback_list")
                .header("token", TOKEN)
                .json_body(expected);
            then.status(200).body(OK_BODY);
        })
        .await;
    let batch = sobot
        .mock_async(|when, then| {
            when.path("/ai-agent-open/api/kb/question_call_back");
            then.status(200).body(OK_BODY);
        })
        .await;
    let url = serve(router(Scripted, secured().sobot_client(client))).await;
    let response = post_json(&url, &authed(question("hi", false, true, None))).await;
    assert_eq!(response.status(), 200);
    let answered: Value = response.json().await.unwrap();
    assert_eq!(answered, body);
    wait_for_calls(&callback, 1).await;
    assert_eq!(batch.calls_async().await, 0);
}

#[tokio::test]
async fn runtimeid_reports_once_to_question_call_back_after_a_stream() {
    let (sobot, client) = sobot_mock().await;
    let batch = sobot
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ai-agent-open/api/kb/question_call_back")
                .header("token", TOKEN)
                .json_body_includes(
                    json!({
                        "robot_answer_message_type": "THIRD_ANSWER_INFO",
                        "llm_answer": "Hello, you said batch",
                        "roundid": "round-7",
                        "runtimeid": "run-1",
                        "questionid": "q-1",
                        "companyid": "companyid_770644147cec",
                        "success": false,
                        "message_end": true,
                    })
                    .to_string(),
                );
            then.status(200).body(OK_BODY);
        })
        .await;
    let copilot = callbacks_accepted(&sobot).await;
    let url = serve(router(Scripted, secured().sobot_client(client))).await;
    let response = post_json(&url, &authed(question("batch", true, false, Some("run-1")))).await;
    let answers = read_sse(response).await;
    assert!(
        answers
            .iter()
            .all(|a| a.runtimeid.as_deref() == Some("run-1")
                && a.questionid.as_deref() == Some("q-1"))
    );
    wait_for_calls(&batch, 1).await;
    assert_eq!(copilot.calls_async().await, 0);
}

/// A callback that reached Sobot is never sent again, even with retries configured (see
/// never_twice.rs for every fault).
#[tokio::test]
async fn a_failing_callback_is_not_resent() {
    let (sobot, client) = sobot_mock().await;
    let callback = sobot
        .mock_async(|when, then| {
            when.method(POST).path("/ai-agent-open/ask/callback_list");
            then.status(500).body("down");
        })
        .await;
    let config = secured()
        .sobot_client(client)
        .callback_retry(3, Duration::from_millis(10));
    let url = serve(router(Scripted, config)).await;
    let started = Instant::now();
    let response = post_json(&url, &authed(question("hi", false, true, None))).await;
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    wait_for_calls(&callback, 1).await;
}

async fn assert_json_error(response: reqwest::Response, status: u16, kind: &str) {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], kind, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn malformed_or_incomplete_json_is_a_400() {
    let url = serve(router(Scripted, open())).await;
    let http = common_http::http_client_builder()
        .build()
        .expect("HTTP client");
    for body in ["{not json", "[]", r#"{"question":"hi"}"#, ""] {
        let response = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_json_error(response, 400, "bad_request").await;
    }
}

#[tokio::test]
async fn an_oversize_body_is_a_413() {
    let limit = 8 * 1024;
    let url = serve(router(Scripted, open().body_limit(limit))).await;
    let mut request = question("hi", false, false, None);
    request["show_question"] = json!("x".repeat(2 * limit));
    assert_json_error(post_json(&url, &request).await, 413, "payload_too_large").await;
    // Within the limit it is answered.
    let response = post_json(&url, &question("hi", false, false, None)).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_shared_secret_is_checked_in_params_or_multi_params() {
    let config = ServerConfig::new().shared_secret("token", "s3cret");
    let url = serve(router(Scripted, config)).await;
    let mut request = question("hi", false, false, None);
    assert_json_error(post_json(&url, &request).await, 401, "unauthorized").await;
    request["params"] = json!({ "token": "wrong" });
    assert_json_error(post_json(&url, &request).await, 401, "unauthorized").await;
    request["params"] = json!({ "token": "s3cret" });
    assert_eq!(post_json(&url, &request).await.status(), 200);
    request["params"] = json!({});
    request["multi_params"] = json!({ "token": "s3cret" });
    assert_eq!(post_json(&url, &request).await.status(), 200);
}

/// Sobot's own examples send `params` as JSON text and `custom_card_type: null`; a number
/// may arrive as text. All are read tolerantly and answered, and a shared secret inside
/// `params` sent as JSON text still counts.
#[tokio::test]
async fn tolerant_inbound_requests_are_answered() {
    let config = ServerConfig::new().shared_secret("token", "s3cret");
    let url = serve(router(Scripted, config)).await;
    let mut request = question("hi", false, false, None);
    request["params"] = json!(r#"{"token":"s3cret","city":"Beijing"}"#);
    request["custom_card_type"] = Value::Null;
    request["context_validity_time"] = json!("60");
    let response = post_json(&url, &request).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["ret_code"], "000000", "{answer}");
    assert_eq!(answer["data"][0]["roundid"], "round-7", "{answer}");
    // The wrong secret in JSON text is still refused.
    request["params"] = json!(r#"{"token":"wrong"}"#);
    assert_json_error(post_json(&url, &request).await, 401, "unauthorized").await;
    // A request without its round id cannot be answered: truly malformed.
    let mut request = question("hi", false, false, None);
    request.as_object_mut().unwrap().remove("roundid");
    assert_json_error(post_json(&url, &request).await, 400, "bad_request").await;
}

#[tokio::test]
async fn a_panicking_agent_is_a_500_and_the_server_keeps_serving() {
    let url = serve(router(Scripted, open())).await;
    assert_json_error(
        post_json(&url, &question("panic", false, false, None)).await,
        500,
        "agent_panicked",
    )
    .await;
    let response = post_json(&url, &question("hi", false, false, None)).await;
    assert_eq!(response.status(), 200);
    let response = post_json(&url, &question("hi", true, false, None)).await;
    assert_eq!(read_sse(response).await.len(), 5);
}

#[tokio::test]
async fn a_stream_panicking_midway_ends_with_error_end_and_sends_no_callback() {
    let (sobot, client) = sobot_mock().await;
    let callback = callbacks_accepted(&sobot).await;
    let url = serve(router(Scripted, secured().sobot_client(client))).await;
    let response = post_json(&url, &authed(question("midpanic", true, true, None))).await;
    assert_eq!(response.status(), 200);
    let answers = read_sse(response).await;
    let kinds: Vec<(&str, bool)> = answers
        .iter()
        .map(|a| (a.robot_answer_message_type.as_str(), a.message_end))
        .collect();
    assert_eq!(kinds, [("MESSAGE", true), ("ERROR_END", false)]);
    wait_for_calls(&callback, 0).await;
    let response = post_json(&url, &authed(question("hi", false, false, None))).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_agent_error_is_a_500_with_its_message() {
    let url = serve(router(Scripted, open())).await;
    let response = post_json(&url, &question("fail", false, false, None)).await;
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "agent_error");
    assert_eq!(body["message"], "no model available");
}

#[tokio::test]
async fn a_stream_renames_answer_and_process_info_to_their_third_party_names() {
    let url = serve(router(Scripted, open())).await;
    let response = post_json(&url, &question("plain-infos", true, false, None)).await;
    let kinds: Vec<String> = read_sse(response)
        .await
        .iter()
        .map(|a| a.robot_answer_message_type.as_str().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "THIRD_ANSWER_INFO",
            "THIRD_PROCESS_INFO",
            "THIRD_ANSWER_INFO"
        ]
    );
    // Not streamed: the answers go out as the agent made them ("refer to Q&A -
    // Non-streaming").
    let response = post_json(&url, &question("plain-infos", false, false, None)).await;
    let body: Value = response.json().await.unwrap();
    let kinds: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["robot_answer_message_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ANSWER_INFO", "PROCESS_INFO", "THIRD_ANSWER_INFO"]);
}

#[tokio::test]
async fn an_agent_error_in_stream_mode_ends_the_stream_with_error_end() {
    let (sobot, client) = sobot_mock().await;
    let callback = callbacks_accepted(&sobot).await;
    let url = serve(router(Scripted, secured().sobot_client(client))).await;
    let response = post_json(&url, &authed(question("fail", true, true, None))).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let answers = read_sse(response).await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0].robot_answer_message_type.as_str(), "ERROR_END");
    assert_eq!(answers[0].llm_answer, "no model available");
    assert_eq!(answers[0].roundid, "round-7");
    // A failed answer owes no callback.
    wait_for_calls(&callback, 0).await;
}

#[tokio::test]
async fn a_slow_agent_is_a_504_after_the_request_timeout() {
    let config = open().request_timeout(Duration::from_millis(200));
    let url = serve(router(Scripted, config)).await;
    let started = Instant::now();
    assert_json_error(
        post_json(&url, &question("slow", false, false, None)).await,
        504,
        "timeout",
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn enterprise_payload_extractor() {
    async fn handler(payload: EnterprisePayload) -> Json<Value> {
        Json(json!({
            "partnerId": payload.partner_id,
            "city": payload.param("city"),
            "source": payload.source,
            "robotNo": payload.robot_no,
            "docId": payload.doc_id,
            "custom": payload.custom,
        }))
    }
    let app = Router::new().route("/enterprise", post(handler));
    let url = format!("{}/enterprise", serve(app).await);
    let body = json!({
        "partnerId": "p-1",
        "params": "{\"token\":\"t\"}",
        "multiParams": {"city": "Beijing"},
        "source": 0,
        "robotNo": "1",
        "docId": "d-9",
        "orderNo": "42",
    });
    let response = post_json(&url, &body).await;
    assert_eq!(response.status(), 200);
    let echoed: Value = response.json().await.unwrap();
    assert_eq!(
        echoed,
        json!({
            "partnerId": "p-1", "city": "Beijing", "source": 0, "robotNo": "1",
            "docId": "d-9", "custom": {"orderNo": "42"},
        })
    );
    let response = common_http::http_client_builder()
        .build()
        .expect("HTTP client")
        .post(&url)
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_json_error(response, 400, "bad_request").await;
    // A value of another type than documented is no reason to refuse the call: it is
    // read tolerantly and kept (see the tolerant reader).
    let response = post_json(&url, &json!({"source": "PC"})).await;
    assert_eq!(response.status(), 200);
}

/// The enterprise interface as the document's request example sends it: form-encoded
/// (declared as a form, or as JSON like the example's `-H`), the token at the top level.
#[tokio::test]
async fn enterprise_payload_reads_a_form_body_with_a_top_level_token() {
    async fn handler(payload: EnterprisePayload) -> Result<Json<Value>, axum::http::StatusCode> {
        if !payload.has_secret("token", &Secret::new(TOKEN)) {
            return Err(axum::http::StatusCode::UNAUTHORIZED);
        }
        Ok(Json(json!({
            "partnerId": payload.partner_id,
            "city": payload.param("city"),
            "source": payload.source,
            "robotNo": payload.robot_no,
            "docId": payload.doc_id,
            "custom": payload.custom,
        })))
    }
    let app = Router::new().route("/enterprise", post(handler));
    let url = format!("{}/enterprise", serve(app).await);
    let post_body = |content_type: &'static str, body: Vec<u8>| {
        let url = url.clone();
        async move {
            common_http::http_client_builder()
                .build()
                .expect("HTTP client")
                .post(&url)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let form = |token: &str| {
        format!(
            "partnerId=p-1&multiParams={{\"city\":\"Beijing\"}}&token={token}&source=0&robotNo=1\
             &docId=d-9&orderNo=42&note=a+b%26c%3D&tag=x&tag=y"
        )
        .into_bytes()
    };
    for content_type in ["application/x-www-form-urlencoded", "application/json"] {
        let response = post_body(content_type, form(TOKEN)).await;
        assert_eq!(response.status(), 200, "{content_type}");
        let echoed: Value = response.json().await.unwrap();
        assert_eq!(
            echoed,
            json!({
                "partnerId": "p-1", "city": "Beijing", "source": 0, "robotNo": "1",
                "docId": "d-9",
                "custom": {"token": TOKEN, "orderNo": "42", "note": "a b&c=", "tag": ["x", "y"]},
            }),
            "{content_type}"
        );
    }
    // params as (percent-encoded) JSON text carries the token too.
    let response = post_body(
        "application/x-www-form-urlencoded",
        format!("params=%7B%22token%22%3A%22{TOKEN}%22%7D&source=").into_bytes(),
    )
    .await;
    assert_eq!(response.status(), 200);
    // A wrong or missing top-level token.
    let response = post_body("application/x-www-form-urlencoded", form("wrong")).await;
    assert_eq!(response.status(), 401);
    let response = post_body("application/x-www-form-urlencoded", b"orderNo=42".to_vec()).await;
    assert_eq!(response.status(), 401);
    // Neither JSON nor a form: still a 400 with the JSON error body.
    for garbage in [
        b"not json, not a form".to_vec(),
        b"token=%zz".to_vec(),
        b"=nameless".to_vec(),
        b"token=\xff\xfe".to_vec(),
        b"token=%ff".to_vec(),
        b"{oops".to_vec(),
        b"[1, \"a=b\"]".to_vec(),
        b"source=0&source=2".to_vec(),
    ] {
        let response = post_body("application/x-www-form-urlencoded", garbage.clone()).await;
        assert_eq!(
            response.status(),
            400,
            "{}",
            String::from_utf8_lossy(&garbage)
        );
        assert_json_error(response, 400, "bad_request").await;
    }
}

// ------------------------------------------------------------ hardening II

/// A configuration requiring the shared secret `s3cret` under `token`.
fn secured() -> ServerConfig {
    ServerConfig::new().shared_secret("token", "s3cret")
}

/// The request carrying the shared secret `s3cret` under `token`.
fn authed(mut request: Value) -> Value {
    request["params"] = json!({ "token": "s3cret" });
    request
}

/// A stream that panics midway through a non-streaming answer is a failed answer: a `500`
/// (no `000000`, no `message_end` on the partial message) and no callback.
#[tokio::test]
async fn a_non_streaming_answer_whose_stream_panics_is_a_500_and_sends_no_callback() {
    let (sobot, client) = sobot_mock().await;
    let callback = callbacks_accepted(&sobot).await;
    let config = ServerConfig::new()
        .shared_secret("token", "s3cret")
        .sobot_client(client);
    let url = serve(router(Scripted, config)).await;
    let response = post_json(&url, &authed(question("midpanic", false, true, None))).await;
    assert_json_error(response, 500, "agent_panicked").await;
    wait_for_calls(&callback, 0).await;
    // The server keeps serving, and a complete answer still owes its callback.
    let response = post_json(&url, &authed(question("hi", false, true, None))).await;
    assert_eq!(response.status(), 200);
    wait_for_calls(&callback, 1).await;
}

/// One `request_timeout` bounds the whole non-streaming request: the agent call plus
/// collecting its stream.
#[tokio::test]
async fn a_non_streaming_stream_is_bounded_by_one_request_timeout() {
    struct SlowThenSlowStream;
    #[sobot_client::server::async_trait]
    impl ThirdPartyAgent for SlowThenSlowStream {
        async fn answer(&self, _request: AgentRequest) -> Result<AgentReply, AgentError> {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let late = futures::stream::once(async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                AnswerPart::from("late")
            });
            Ok(AgentReply::stream(late))
        }
    }
    let config = ServerConfig::new()
        .shared_secret("token", "s3cret")
        .request_timeout(Duration::from_millis(400));
    let url = serve(router(SlowThenSlowStream, config)).await;
    let started = Instant::now();
    let response = post_json(&url, &authed(question("hi", false, false, None))).await;
    assert_json_error(response, 504, "timeout").await;
    assert!(
        started.elapsed() < Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
}

#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Nothing a caller sends is logged before its secret is accepted, and what is logged
/// after is escaped: a `roundid` with a newline cannot start a forged log line.
#[test]
fn callers_cannot_forge_log_lines() {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    {
        let _guard = tracing::subscriber::set_default(subscriber);
        runtime.block_on(async {
            let config = ServerConfig::new().shared_secret("token", "s3cret");
            let url = serve(router(Scripted, config)).await;
            let mut request = question("fail", false, false, None);
            request["roundid"] = json!("r1\n2026-01-01T00:00:00Z  INFO forged-before-auth");
            request["params"] = json!({ "token": "wrong" });
            assert_json_error(post_json(&url, &request).await, 401, "unauthorized").await;
            let mut request = authed(question("fail", false, false, None));
            request["roundid"] =
                json!("r2\n2026-01-01T00:00:00Z  INFO forged-after-auth\r\u{1b}[2K");
            assert_json_error(post_json(&url, &request).await, 500, "agent_error").await;
        });
    }
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("shared secret"), "{logs}");
    assert!(!logs.contains("forged-before-auth"), "{logs}");
    assert!(!logs.contains("r1"), "{logs}");
    assert!(logs.contains("forged-after-auth"), "{logs}");
    assert!(
        !logs
            .lines()
            .any(|line| line.trim_start().starts_with("2026-01-01T00:00:00Z")),
        "{logs}"
    );
    assert!(!logs.contains('\r') && !logs.contains('\u{1b}'), "{logs:?}");
}

/// The shared secret is required unless the configuration opts out explicitly, and an
/// unauthenticated request never makes the server call Sobot.
#[tokio::test]
async fn no_callback_is_sent_for_an_unauthenticated_request() {
    let refused = sobot_client::server::router(Scripted, ServerConfig::new()).unwrap_err();
    assert_eq!(refused, ServerConfigError::MissingSharedSecret);
    assert!(
        refused.to_string().contains("without_shared_secret"),
        "{refused}"
    );
    let empty =
        sobot_client::server::router(Scripted, ServerConfig::new().shared_secret("token", ""));
    assert_eq!(empty.unwrap_err(), ServerConfigError::EmptySharedSecret);

    let (sobot, client) = sobot_mock().await;
    let callback = callbacks_accepted(&sobot).await;
    let batch = sobot
        .mock_async(|when, then| {
            when.path("/ai-agent-open/api/kb/question_call_back");
            then.status(200).body(OK_BODY);
        })
        .await;
    // Opted out: answered, but no callback, however the request asks for one.
    let url = serve(router(Scripted, open().sobot_client(client.clone()))).await;
    let response = post_json(&url, &question("hi", false, true, Some("run-1"))).await;
    assert_eq!(response.status(), 200);
    let response = post_json(&url, &question("hi", true, true, Some("run-1"))).await;
    assert_eq!(read_sse(response).await.len(), 5);
    // With a secret: a request without it is refused and calls nothing.
    let url = serve(router(Scripted, secured().sobot_client(client))).await;
    let response = post_json(&url, &question("hi", false, true, Some("run-1"))).await;
    assert_json_error(response, 401, "unauthorized").await;
    wait_for_calls(&callback, 0).await;
    assert_eq!(batch.calls_async().await, 0);
}

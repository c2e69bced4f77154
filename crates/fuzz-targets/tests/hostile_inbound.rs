//! Hostile callers of the inbound integration server (`sobot_client::server`), served on
//! 127.0.0.1:0 with small limits: a slowloris-style trickled body, oversize bodies,
//! invalid JSON, hostile JSON and wrong content types. Each gets its status and a typed
//! JSON error, the agent is never called for them (counted), and well-formed requests keep
//! being answered meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use sobot_client::AgentRequest;
use sobot_client::server::{AgentError, AgentReply, ServerConfig, ThirdPartyAgent, axum, router};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const BODY_LIMIT: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_millis(500);

struct Counting(Arc<AtomicUsize>);

#[sobot_client::server::async_trait]
impl ThirdPartyAgent for Counting {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(AgentReply::text(format!("you said: {}", request.question)))
    }
}

struct Server {
    addr: std::net::SocketAddr,
    calls: Arc<AtomicUsize>,
}

async fn start() -> Server {
    let calls = Arc::new(AtomicUsize::new(0));
    let config = ServerConfig::new()
        .without_shared_secret()
        .body_limit(BODY_LIMIT)
        .read_timeout(READ_TIMEOUT);
    let app = router(Counting(Arc::clone(&calls)), config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server { addr, calls }
}

fn question() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sobot-client/tests/fixtures/third_algorithm_req_vo.model.json");
    std::fs::read_to_string(path).unwrap()
}

/// POSTs `body` with `content_type` (none if `None`); returns the status and JSON body.
async fn post(server: &Server, content_type: Option<&str>, body: Vec<u8>) -> (u16, Value) {
    let mut request = common_http::http_client_builder()
        .build()
        .expect("HTTP client")
        .post(format!("http://{}/", server.addr))
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_trickled_body_gets_408_while_other_requests_are_served() {
    let server = start().await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n",
        server.addr
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = slow.into_split();
    // One body byte per 100 ms, well past the read timeout (it stops once the server
    // has closed the connection).
    let trickle = tokio::spawn(async move {
        for _ in 0..1000 {
            if writer.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    // Meanwhile, a well-formed question is answered.
    let (status, body) = post(&server, Some("application/json"), question().into_bytes()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"][0]["llm_answer"],
        "you said: question_7a033c05b97d"
    );

    // The trickler gets a 408 and the connection is closed (read to the end). The outer
    // bound only keeps a broken server from hanging the test.
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), reader.read_to_end(&mut answer))
        .await
        .expect("the server never gave up on the trickled body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":\"request_timeout\""), "{answer}");
    trickle.abort();
    assert_eq!(
        server.calls.load(Ordering::SeqCst),
        1,
        "only the good request"
    );
}

#[tokio::test]
async fn oversize_bodies_get_413_announced_or_not() {
    let server = start().await;
    let mut big: Value = serde_json::from_str(&question()).unwrap();
    big["question"] = Value::from("x".repeat(BODY_LIMIT));
    let big = big.to_string().into_bytes();
    let (status, body) = post(&server, Some("application/json"), big.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("payload_too_large"))
    );

    // Chunked, without a Content-Length: refused once the limit is crossed.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(1024).map(|c| Ok(c.to_vec())).collect();
    let response = common_http::http_client_builder()
        .build()
        .expect("HTTP client")
        .post(format!("http://{}/", server.addr))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");
    assert_eq!(server.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn invalid_and_hostile_json_gets_400() {
    let server = start().await;
    let valid = question();
    let hostile: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{oops".to_vec()),
        ("empty", Vec::new()),
        (
            "nested 15k deep (100k is over the limit)",
            "[".repeat(15_000).into_bytes(),
        ),
        (
            "1e400 as an int",
            valid
                .replacen(
                    "\"context_validity_time\": 0",
                    "\"context_validity_time\": 1e400",
                    1,
                )
                .into_bytes(),
        ),
        (
            "invalid UTF-8",
            valid
                .replacen("question_7a033c05b97d", "question_\u{1}", 1)
                .replace('\u{1}', "\u{0}")
                .into_bytes()
                .into_iter()
                .map(|b| if b == 0 { 0xff } else { b })
                .collect(),
        ),
        (
            "a raw NUL",
            valid
                .replacen("question_7a033c05b97d", "q\0", 1)
                .into_bytes(),
        ),
        ("trailing garbage", format!("{valid} {{}}").into_bytes()),
    ];
    for (what, body) in hostile {
        assert_ne!(body, valid.as_bytes(), "{what}: the mutation did not apply");
        let (status, answer) = post(&server, Some("application/json"), body).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert_eq!(answer["error"], "bad_request", "{what}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(server.calls.load(Ordering::SeqCst), 0);
}

/// A value the documentation types otherwise (a number too large for its field, a list
/// for an enum) is no reason to refuse Sobot's call: it is read tolerantly, kept, and the
/// question answered.
#[tokio::test]
async fn values_of_another_type_are_tolerated_and_answered() {
    let server = start().await;
    let valid = question();
    let tolerated: Vec<(&str, Vec<u8>)> = vec![
        (
            "2^70 as an int",
            valid
                .replacen(
                    "\"context_validity_time\": 0",
                    "\"context_validity_time\": 1180591620717411303424",
                    1,
                )
                .into_bytes(),
        ),
        (
            "a list for an enum",
            valid.replacen("\"INPUT\"", "[]", 1).into_bytes(),
        ),
    ];
    for (what, body) in tolerated {
        assert_ne!(body, valid.as_bytes(), "{what}: the mutation did not apply");
        let (status, answer) = post(&server, Some("application/json"), body).await;
        assert_eq!(status, 200, "{what}: {answer}");
        assert_eq!(answer["ret_code"], "000000", "{what}");
    }
    assert_eq!(server.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_body_not_declared_as_json_gets_415() {
    let server = start().await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "json",
    ] {
        let (status, body) = post(&server, Some(content_type), question().into_bytes()).await;
        assert_eq!(status, 415, "{content_type}: {body}");
        assert_eq!(body["error"], "unsupported_media_type", "{content_type}");
    }
    assert_eq!(server.calls.load(Ordering::SeqCst), 0);
    // JSON in any of its spellings, or no declared type at all, is read.
    for content_type in [
        Some("application/json"),
        Some("Application/JSON; charset=utf-8"),
        Some("application/vnd.sobot+json"),
        None,
    ] {
        let (status, body) = post(&server, content_type, question().into_bytes()).await;
        assert_eq!(status, 200, "{content_type:?}: {body}");
    }
    assert_eq!(server.calls.load(Ordering::SeqCst), 4);
}

//! Transport behaviour of `HttpClient` against httpmock servers on 127.0.0.1:
//! retries, `Retry-After`, attempt limits, timeouts, re-authentication, decoding, redaction.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use common_http::{
    ApiError, Authenticator, BearerAuth, ClientConfig, CredentialGeneration, Envelope,
    EnvelopeFields, Error, HttpClient, RequestOptions, RequestSpec, RetryPolicy, Secret,
    SleepFuture, Sleeper,
};
use http::Method;
use httpmock::MockServer;

/// A vendor envelope for the tests: code "0" is success, "AUTH" means credentials rejected.
struct TestEnvelope;

impl Envelope for TestEnvelope {
    type Data = serde_json::Value;

    fn open_fields(fields: &EnvelopeFields<'_>) -> Result<Self::Data, Error> {
        let code = fields
            .text(&["code"])
            .ok_or_else(|| Error::decode("code", fields.body(), "the envelope has no code"))?;
        let message = fields.text(&["message"]).unwrap_or_default();
        match code.as_str() {
            "0" => fields
                .payload(&["data"])?
                .ok_or_else(|| Error::missing_data(fields.body())),
            "AUTH" => Err(ApiError::new(code, message)
                .credentials_rejected(true)
                .into()),
            _ => Err(ApiError::new(code, message).into()),
        }
    }
}

/// Records the waits instead of sleeping.
#[derive(Debug, Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);

impl RecordingSleeper {
    fn waits(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// Marks every attempt with `x-attempt: n` and `authorization: Bearer tok-<generation>`;
/// a rejection moves to the next generation when `renewable`.
#[derive(Debug)]
struct CountingAuth {
    attempts: AtomicU64,
    generation: AtomicU64,
    rejections: AtomicU64,
    renewable: bool,
}

impl CountingAuth {
    fn new(renewable: bool) -> Arc<Self> {
        Arc::new(Self {
            attempts: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            rejections: AtomicU64::new(0),
            renewable,
        })
    }
}

#[async_trait]
impl Authenticator for CountingAuth {
    async fn authenticate(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<CredentialGeneration, Error> {
        let n = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        let generation = self.generation.load(Ordering::SeqCst);
        let headers = request.headers_mut();
        headers.insert("x-attempt", n.to_string().parse().unwrap());
        headers.insert(
            "authorization",
            format!("Bearer tok-{generation}").parse().unwrap(),
        );
        Ok(CredentialGeneration(generation))
    }

    async fn credentials_rejected(&self, generation: CredentialGeneration, error: &Error) -> bool {
        assert!(error.is_auth(), "only rejections are reported: {error:?}");
        self.rejections.fetch_add(1, Ordering::SeqCst);
        if self.renewable {
            let _ = self.generation.compare_exchange(
                generation.0,
                generation.0 + 1,
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
        }
        self.renewable
    }
}

fn client_with(
    base: &str,
    auth: Arc<dyn Authenticator>,
    policy: RetryPolicy,
    sleeper: Arc<RecordingSleeper>,
) -> HttpClient {
    let config = ClientConfig::builder()
        .base_url(base)
        .timeout(Duration::from_secs(5))
        .retry_policy(policy)
        .sleeper(sleeper)
        .build()
        .unwrap();
    HttpClient::new(config, auth).unwrap()
}

fn three_attempts() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(100))
        .jitter(false)
}

const OK: &str = r#"{"code":"0","message":"ok","data":{"n":1}}"#;

#[tokio::test]
async fn retries_5xx_for_idempotent_requests_until_success() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method("GET").path("/items");
            then.status(503).body("busy");
        })
        .await;
    failing.up_to_n_times_async(2).await;
    let ok = server
        .mock_async(|when, then| {
            when.method("GET").path("/items");
            then.status(200).body(OK);
        })
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_with(
        &server.base_url(),
        CountingAuth::new(false),
        three_attempts(),
        sleeper.clone(),
    );
    let data = client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, "/items"))
        .await
        .unwrap();
    assert_eq!(data["n"], 1);
    assert_eq!(failing.calls_async().await, 2);
    assert_eq!(ok.calls_async().await, 1);
    assert_eq!(
        sleeper.waits(),
        vec![Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[tokio::test]
async fn never_retries_a_non_idempotent_request_after_it_reached_the_server() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("POST").path("/ask");
            then.status(503);
        })
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_with(
        &server.base_url(),
        CountingAuth::new(false),
        three_attempts(),
        sleeper.clone(),
    );
    let err = client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::POST, "/ask"))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "the error itself is temporary: {err}");
    assert_eq!(
        err.status_code(),
        Some(http::StatusCode::SERVICE_UNAVAILABLE)
    );
    assert_eq!(mock.calls_async().await, 1);
    assert!(sleeper.waits().is_empty());
}

#[tokio::test]
async fn does_not_retry_client_errors_and_stops_at_the_attempt_limit() {
    let server = MockServer::start_async().await;
    let bad = server
        .mock_async(|when, then| {
            when.path("/bad");
            then.status(400).body("no");
        })
        .await;
    let down = server
        .mock_async(|when, then| {
            when.path("/down");
            then.status(500);
        })
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_with(
        &server.base_url(),
        CountingAuth::new(false),
        three_attempts(),
        sleeper.clone(),
    );
    let err = client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, "/bad"))
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), Some(http::StatusCode::BAD_REQUEST));
    assert_eq!(err.raw_body(), Some("no"));
    assert_eq!(bad.calls_async().await, 1);

    let err = client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, "/down"))
        .await
        .unwrap_err();
    assert_eq!(
        err.status_code(),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(down.calls_async().await, 3);
    assert_eq!(sleeper.waits().len(), 2);
}

#[tokio::test]
async fn honours_retry_after() {
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.path("/limited");
            then.status(429).header("Retry-After", "7");
        })
        .await;
    limited.up_to_n_times_async(1).await;
    server
        .mock_async(|when, then| {
            when.path("/limited");
            then.status(200).body(OK);
        })
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_with(
        &server.base_url(),
        CountingAuth::new(false),
        RetryPolicy::default(), // jittered backoff: Retry-After must replace it exactly
        sleeper.clone(),
    );
    client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, "/limited"))
        .await
        .unwrap();
    assert_eq!(sleeper.waits(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn every_attempt_is_authenticated_afresh() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.path("/x").header("x-attempt", "1");
            then.status(502);
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.path("/x").header("x-attempt", "2");
            then.status(200).body(OK);
        })
        .await;
    let auth = CountingAuth::new(false);
    let client = client_with(
        &server.base_url(),
        auth.clone(),
        three_attempts(),
        Arc::default(),
    );
    client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, "/x"))
        .await
        .unwrap();
    assert_eq!(first.calls_async().await, 1);
    assert_eq!(second.calls_async().await, 1);
    assert_eq!(auth.attempts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn rejected_credentials_are_renewed_and_the_call_retried_exactly_once() {
    let server = MockServer::start_async().await;
    let stale = server
        .mock_async(|when, then| {
            when.path("/ask").header("authorization", "Bearer tok-0");
            then.status(200)
                .body(r#"{"code":"AUTH","message":"token invalid"}"#);
        })
        .await;
    let fresh = server
        .mock_async(|when, then| {
            when.path("/ask").header("authorization", "Bearer tok-1");
            then.status(200).body(OK);
        })
        .await;
    let auth = CountingAuth::new(true);
    // Non-idempotent and no retry budget: the re-authentication retry is separate.
    let client = client_with(
        &server.base_url(),
        auth.clone(),
        RetryPolicy::none(),
        Arc::default(),
    );
    client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::POST, "/ask"))
        .await
        .unwrap();
    assert_eq!(stale.calls_async().await, 1);
    assert_eq!(fresh.calls_async().await, 1);
    assert_eq!(auth.rejections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_second_rejection_is_an_auth_error_not_a_loop() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/ask");
            then.status(200)
                .body(r#"{"code":"AUTH","message":"token invalid"}"#);
        })
        .await;
    let auth = CountingAuth::new(true);
    let client = client_with(
        &server.base_url(),
        auth.clone(),
        three_attempts(),
        Arc::default(),
    );
    let err = client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, "/ask"))
        .await
        .unwrap_err();
    assert!(err.is_auth() && !err.is_retryable(), "{err:?}");
    assert_eq!(err.vendor_code(), Some("AUTH"));
    assert_eq!(mock.calls_async().await, 2);
    assert_eq!(auth.rejections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_static_key_that_is_rejected_fails_at_once() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/records");
            then.status(401).body("expired key");
        })
        .await;
    let client = client_with(
        &server.base_url(),
        Arc::new(BearerAuth::new(Secret::new("key-123"))),
        three_attempts(),
        Arc::default(),
    );
    let err = client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, "/records"))
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(mock.calls_async().await, 1);
    assert!(!err.to_string().contains("key-123"));
}

#[tokio::test]
async fn each_attempt_has_its_own_timeout_and_request_options_override_the_client() {
    let server = MockServer::start_async().await;
    let slow = server
        .mock_async(|when, then| {
            when.path("/slow");
            then.status(200).body(OK).delay(Duration::from_secs(3));
        })
        .await;
    let client = client_with(
        &server.base_url(),
        CountingAuth::new(false),
        three_attempts(),
        Arc::default(),
    );
    let spec = RequestSpec::new(Method::GET, "/slow").options(
        RequestOptions::new()
            .timeout(Duration::from_millis(150))
            .retry(RetryPolicy::none().max_attempts(2).jitter(false)),
    );
    let err = client.send_json::<TestEnvelope>(spec).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        slow.calls_async().await,
        2,
        "the per-request policy allows 2 attempts"
    );

    let spec = RequestSpec::new(Method::GET, "/slow").options(
        RequestOptions::new()
            .timeout(Duration::from_millis(150))
            .idempotent(false),
    );
    let err = client.send_json::<TestEnvelope>(spec).await.unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(
        slow.calls_async().await,
        3,
        "marked non-idempotent: one more, no retry"
    );
}

#[tokio::test]
async fn connect_errors_are_retried_even_for_non_idempotent_requests() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client_with(
        &format!("http://127.0.0.1:{port}"),
        CountingAuth::new(false),
        three_attempts(),
        sleeper.clone(),
    );
    let err = client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::POST, "/ask"))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(
        sleeper.waits().len(),
        2,
        "nothing reached a server: safe to retry"
    );
}

#[tokio::test]
async fn vendor_errors_decode_errors_and_html_pages_are_typed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/vendor");
            then.status(200)
                .body(r#"{"code":"-22","message":"parameter exception"}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/vendor-4xx");
            then.status(403)
                .body(r#"{"code":"-2","message":"restricted IP"}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/bad-json");
            then.status(200).body(r#"{"code":{"value":0}}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/html");
            then.status(200).body("<html>maintenance</html>");
        })
        .await;
    let client = client_with(
        &server.base_url(),
        CountingAuth::new(false),
        three_attempts(),
        Arc::default(),
    );
    let send = |path: &'static str| {
        let client = client.clone();
        async move {
            client
                .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, path))
                .await
                .unwrap_err()
        }
    };
    let err = send("/vendor").await;
    assert!(err.is_api() && !err.is_retryable());
    assert_eq!(err.vendor_code(), Some("-22"));
    assert_eq!(err.vendor_message(), Some("parameter exception"));

    let err = send("/vendor-4xx").await;
    assert_eq!(err.vendor_code(), Some("-2"));
    assert_eq!(err.status_code(), Some(http::StatusCode::FORBIDDEN));

    let err = send("/bad-json").await;
    assert!(err.is_decode());
    assert_eq!(err.json_path(), Some("code"));

    let err = send("/html").await;
    assert!(err.is_decode());
    assert_eq!(err.raw_body(), Some("<html>maintenance</html>"));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/big");
            then.status(200).body("x".repeat(10_000));
        })
        .await;
    let config = ClientConfig::builder()
        .base_url(server.base_url())
        .max_response_bytes(1_000)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let client = HttpClient::new(config, CountingAuth::new(false)).unwrap();
    let err = client
        .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, "/big"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1000-byte limit") || format!("{err:?}").contains("limit"));
}

/// Serves one HTTP/1.1 response whose body is sent as `chunks` in chunked transfer
/// encoding (no `Content-Length`), each written and flushed on its own, and returns the
/// base URL.
async fn chunked_server(chunks: Vec<String>) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                    transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        for chunk in chunks {
            let frame = format!("{:x}\r\n{chunk}\r\n", chunk.len());
            socket.write_all(frame.as_bytes()).await.unwrap();
            socket.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
    });
    format!("http://{addr}")
}

/// A JSON envelope of about `len` bytes cut into three pieces.
fn envelope_in_three_chunks(len: usize) -> (Vec<String>, String) {
    let filler = "y".repeat(len);
    let json = format!(r#"{{"code":"0","data":{{"filler":"{filler}"}}}}"#);
    let third = json.len() / 3;
    let chunks = vec![
        json[..third].to_owned(),
        json[third..2 * third].to_owned(),
        json[2 * third..].to_owned(),
    ];
    (chunks, filler)
}

#[tokio::test]
async fn bodies_without_a_length_are_gathered_across_chunks_and_bounded() {
    let send = |base: String, limit: usize| async move {
        let config = ClientConfig::builder()
            .base_url(base)
            .max_response_bytes(limit)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        HttpClient::new(config, CountingAuth::new(false))
            .unwrap()
            .send_json::<TestEnvelope>(RequestSpec::new(Method::GET, "/page"))
            .await
    };

    // Within the limit: the three chunks make the whole document.
    let (chunks, filler) = envelope_in_three_chunks(3_000);
    let data = send(chunked_server(chunks).await, 10_000).await.unwrap();
    assert_eq!(data["filler"], filler);

    // The first chunk alone is over the limit.
    let (chunks, _) = envelope_in_three_chunks(3_000);
    let err = send(chunked_server(chunks).await, 500).await.unwrap_err();
    assert!(err.to_string().contains("500-byte limit"), "{err}");

    // Only the chunks together are over it.
    let (chunks, _) = envelope_in_three_chunks(3_000);
    let err = send(chunked_server(chunks).await, 2_000).await.unwrap_err();
    assert!(err.to_string().contains("2000-byte limit"), "{err}");
}

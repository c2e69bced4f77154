//! `HttpClient::send_sse` and `send_bytes` against raw servers on 127.0.0.1 that control
//! exactly when each byte leaves: events arrive as sent, a stalled body trips the idle
//! timeout (and only the idle timeout), and nothing is retried once the body started.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use common_http::{
    ApiError, Authenticator, ClientConfig, CredentialGeneration, Envelope, EnvelopeFields, Error,
    HttpClient, NoAuth, RequestSpec, RetryPolicy,
};
use futures::StreamExt as _;
use http::Method;
use serde::Deserialize;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// A server that answers every connection with `head`, then each `(delay, bytes)` part.
async fn server(
    head: &'static str,
    parts: Vec<(Duration, &'static [u8])>,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let parts = parts.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(head.as_bytes()).await;
                for (delay, bytes) in parts {
                    tokio::time::sleep(delay).await;
                    if socket.write_all(bytes).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, connections)
}

fn client(base: &str, idle: Duration) -> HttpClient {
    let config = ClientConfig::builder()
        .base_url(base)
        .stream_idle_timeout(idle)
        .timeout(Duration::from_millis(500))
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    HttpClient::new(config, Arc::new(NoAuth)).unwrap()
}

const SSE_HEAD: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

#[derive(Debug, Deserialize, PartialEq)]
struct Chunk {
    text: String,
}

#[tokio::test]
async fn a_long_stream_outlives_the_attempt_timeout_and_decodes_json_events() {
    // Six events 150 ms apart: 900 ms in all, beyond the 500 ms attempt timeout, but never
    // silent for longer than the 400 ms idle timeout.
    let gap = Duration::from_millis(150);
    let (base, _) = server(
        SSE_HEAD,
        vec![
            (gap, b"data: {\"text\":\"a\"}\n\n"),
            (gap, b": keep-alive\n\n"),
            (gap, b"data: {\"text\":\"\xC3"),
            (gap, b"\xA9\"}\r"),
            (gap, b"\n\r\n"),
            (gap, b"data: {\"text\":\"c\"}\n\n"),
        ],
    )
    .await;
    let events = client(&base, Duration::from_millis(400))
        .send_sse(RequestSpec::new(Method::POST, "/answer"))
        .await
        .unwrap()
        .json::<Chunk>();
    let texts: Vec<String> = events
        .map(|e| e.map(|c| c.text))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(texts, ["a", "é", "c"]);
}

#[tokio::test]
async fn a_stalled_event_stream_fails_with_a_timeout_and_is_not_retried() {
    let (base, connections) = server(
        SSE_HEAD,
        vec![
            (Duration::ZERO, b"data: first\n\n"),
            (Duration::from_secs(30), b"data: never\n\n"),
        ],
    )
    .await;
    let mut events = client(&base, Duration::from_millis(200))
        .send_sse(RequestSpec::new(Method::GET, "/answer"))
        .await
        .unwrap();
    assert_eq!(events.next().await.unwrap().unwrap().data, "first");
    let err = events.next().await.unwrap().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        events.next().await.is_none(),
        "the stream ends after its error"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn byte_streams_report_length_and_time_out_when_the_body_stalls() {
    let (base, _) = server(
        "HTTP/1.1 200 OK\r\ncontent-length: 10\r\nconnection: close\r\n\r\n",
        vec![
            (Duration::ZERO, b"01234"),
            (Duration::from_secs(30), b"56789"),
        ],
    )
    .await;
    let mut body = client(&base, Duration::from_millis(200))
        .send_bytes(RequestSpec::new(Method::GET, "/report.docx"))
        .await
        .unwrap();
    assert_eq!(body.content_length(), Some(10));
    assert_eq!(&body.next().await.unwrap().unwrap()[..], b"01234");
    let err = body.next().await.unwrap().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(body.next().await.is_none());
}

#[tokio::test]
async fn an_error_status_on_a_stream_is_a_typed_error_with_the_body_excerpt() {
    let (base, connections) = server(
        "HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nno report",
        vec![],
    )
    .await;
    let err = client(&base, Duration::from_secs(1))
        .send_bytes(RequestSpec::new(Method::GET, "/missing"))
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), Some(http::StatusCode::NOT_FOUND));
    assert_eq!(err.raw_body(), Some("no report"));
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

/// `{"code": .., "message": ..}`; "AUTH" means the token was rejected.
struct CodeEnvelope;

impl Envelope for CodeEnvelope {
    type Data = ();

    fn open_fields(fields: &EnvelopeFields<'_>) -> Result<(), Error> {
        let code = fields
            .text(&["code"])
            .ok_or_else(|| Error::decode("code", fields.body(), "the envelope has no code"))?;
        let message = fields.text(&["message"]).unwrap_or_default();
        match code.as_str() {
            "0" => Ok(()),
            code => Err(ApiError::new(code, message)
                .credentials_rejected(code == "AUTH")
                .into()),
        }
    }
}

/// A token that is renewed on rejection; counts renewals.
#[derive(Debug, Default)]
struct RenewingToken(AtomicUsize);

#[async_trait]
impl Authenticator for RenewingToken {
    async fn authenticate(
        &self,
        _request: &mut reqwest::Request,
    ) -> Result<CredentialGeneration, Error> {
        Ok(CredentialGeneration(self.0.load(Ordering::SeqCst) as u64))
    }

    async fn credentials_rejected(&self, _: CredentialGeneration, _: &Error) -> bool {
        self.0.fetch_add(1, Ordering::SeqCst);
        true
    }
}

/// Answers the first connection with `first` and every later one with `later`.
async fn two_faced_server(first: &'static str, later: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let reply = if n == 0 { first } else { later };
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    (base, connections)
}

const JSON_REJECTION: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 37\r\nconnection: close\r\n\r\n{\"code\":\"AUTH\",\"message\":\"token bad\"}";

#[tokio::test]
async fn a_json_envelope_in_place_of_a_stream_is_a_vendor_error_and_renews_credentials_once() {
    assert_eq!(
        JSON_REJECTION.split("\r\n\r\n").nth(1).map(str::len),
        Some(37)
    );
    let (base, connections) = two_faced_server(
        JSON_REJECTION,
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\ndata: hi\n\n",
    )
    .await;
    let auth = Arc::new(RenewingToken::default());
    let config = ClientConfig::builder().base_url(&base).build().unwrap();
    let client = HttpClient::new(config, auth.clone()).unwrap();
    // Not idempotent: only the re-authentication retry may send it again.
    let mut events = client
        .send_sse_or_envelope::<CodeEnvelope>(RequestSpec::new(Method::POST, "/answer"))
        .await
        .unwrap();
    assert_eq!(events.next().await.unwrap().unwrap().data, "hi");
    assert_eq!(connections.load(Ordering::SeqCst), 2);
    assert_eq!(auth.0.load(Ordering::SeqCst), 1);

    // Rejected every time: an auth error after exactly two requests.
    let (base, connections) = two_faced_server(JSON_REJECTION, JSON_REJECTION).await;
    let config = ClientConfig::builder().base_url(&base).build().unwrap();
    let client = HttpClient::new(config, Arc::new(RenewingToken::default())).unwrap();
    let err = client
        .send_sse_or_envelope::<CodeEnvelope>(RequestSpec::new(Method::POST, "/answer"))
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.vendor_code(), Some("AUTH"));
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

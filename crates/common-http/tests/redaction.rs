//! Secret hygiene of the runtime: a client's `Debug`, its errors and its TRACE-level logs
//! never show a credential or a query-string signature.
//!
//! Alone in its own test binary because it installs a tracing subscriber: tracing caches
//! per-callsite interest process-wide, which other tests running in parallel would race.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common_http::{Bare, BearerAuth, ClientConfig, HttpClient, RequestSpec, RetryPolicy, Secret};
use http::Method;
use httpmock::MockServer;

#[tokio::test]
async fn secrets_stay_out_of_debug_and_logs() {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.path("/records");
            then.status(503).body("busy");
        })
        .await;
    failing.up_to_n_times_async(1).await;
    server
        .mock_async(|when, then| {
            when.path("/records")
                .header("authorization", "Bearer key-SECRET-1");
            then.status(200).body("{}");
        })
        .await;

    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let config = ClientConfig::builder()
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let client = HttpClient::new(
        config,
        Arc::new(BearerAuth::new(Secret::new("key-SECRET-1"))),
    )
    .unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("SECRET"), "{debug}");
    client
        .send_json::<Bare<serde_json::Value>>(
            RequestSpec::new(Method::GET, "/records").query("sign", "SIGN-SECRET-2"),
        )
        .await
        .unwrap();
    drop(_guard);
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("path=\"/records\"") || logs.contains("path=/records"),
        "{logs}"
    );
    assert!(logs.contains("attempt failed; retrying"), "{logs}");
    assert!(!logs.contains("SECRET"), "{logs}");
}

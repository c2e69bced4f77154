//! The token manager against hostile `get_token` answers: lifetimes out of bounds (huge,
//! zero, negative) and a token endpoint that is down, with many concurrent callers.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{END_OK, FixedClock, INVALID, token_body};
use httpmock::MockServer;
use sobot_client::{RetryPolicy, SleepFuture, Sleeper, SobotClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Does not sleep between retries.
#[derive(Debug)]
struct NoSleep;

impl Sleeper for NoSleep {
    fn sleep(&self, _: Duration) -> SleepFuture {
        Box::pin(async {})
    }
}

fn builder(base_url: &str, clock: Arc<FixedClock>) -> sobot_client::SobotClientBuilder {
    SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(base_url)
        .clock(clock)
        .retry_policy(RetryPolicy::default().max_attempts(3))
        .sleeper(Arc::new(NoSleep))
}

/// A Sobot stand-in that behaves like the vendor: every `get_token` issues a new token
/// (`tok-1`, `tok-2`, …) and invalidates the previous one; the API accepts only the latest.
struct Vendor {
    url: String,
    token_requests: Arc<AtomicU64>,
    rejected: Arc<AtomicU64>,
}

async fn vendor(expires_in: &'static str) -> Vendor {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let current = Arc::new(AtomicU64::new(0));
    let token_requests = Arc::new(AtomicU64::new(0));
    let rejected = Arc::new(AtomicU64::new(0));
    let (issued, counted, refused) = (current, token_requests.clone(), rejected.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (issued, counted, refused) = (issued.clone(), counted.clone(), refused.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                let token = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("token")
                            .then(|| value.trim().to_owned())
                    })
                    .unwrap_or_default();
                let body = if path.starts_with("/api/get_token") {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                    token_body(&format!("tok-{n}"), expires_in)
                } else {
                    // Let calls overlap, as they would against a real server.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    if token == format!("tok-{}", issued.load(Ordering::SeqCst)) {
                        END_OK.to_owned()
                    } else {
                        refused.fetch_add(1, Ordering::SeqCst);
                        INVALID.to_owned()
                    }
                };
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    Vendor {
        url,
        token_requests,
        rejected,
    }
}

async fn twenty_concurrent_calls(client: &SobotClient) -> Vec<Result<(), sobot_client::Error>> {
    let calls = (0..20).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .end_session(format!("cid-{i}"))
                .send()
                .await
                .map(|_| ())
        })
    });
    futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|joined| joined.expect("no call panics"))
        .collect()
}

// ---- 1. a huge lifetime -------------------------------------------------------------

#[tokio::test]
async fn a_huge_expires_in_does_not_panic_and_is_clamped_to_a_day() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200)
                .body(token_body("tok-a", "9223372036854775807"));
        })
        .await;
    let end = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session");
            then.status(200).body(END_OK);
        })
        .await;
    let clock = FixedClock::at(1_700_000_000);
    let client = builder(&server.base_url(), clock.clone()).build().unwrap();
    let calls = (0..5).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.end_session("c").send().await })
    });
    for call in futures::future::join_all(calls).await {
        call.expect("no caller panics").unwrap();
    }
    assert_eq!(token.calls_async().await, 1);
    // The lifetime is clamped to MAX_TOKEN_LIFETIME (86400 s): refreshed 300 s ahead of it.
    assert_eq!(
        sobot_client::MAX_TOKEN_LIFETIME,
        Duration::from_secs(86_400)
    );
    clock.advance(Duration::from_secs(86_099));
    client.end_session("c").send().await.unwrap();
    assert_eq!(token.calls_async().await, 1);
    clock.advance(Duration::from_secs(1));
    client.end_session("c").send().await.unwrap();
    assert_eq!(token.calls_async().await, 2);
    assert_eq!(end.calls_async().await, 7);
}

#[tokio::test]
async fn a_clock_near_the_end_of_time_does_not_panic() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-a", "86400"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session");
            then.status(200).body(END_OK);
        })
        .await;
    // create_time is still computed (seconds since 1970); nothing adds to this instant.
    let clock = FixedClock::at(i64::MAX as u64 / 2);
    let client = builder(&server.base_url(), clock).build().unwrap();
    client.end_session("c").send().await.unwrap();
    client.end_session("c").send().await.unwrap();
}

// ---- 2. a zero or negative lifetime -------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expires_in_zero_with_twenty_concurrent_calls_all_succeed_on_one_token() {
    let vendor = vendor("0").await;
    let client = builder(&vendor.url, FixedClock::at(1_700_000_000))
        .build()
        .unwrap();
    let results = twenty_concurrent_calls(&client).await;
    let failures: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
    assert_eq!(vendor.token_requests.load(Ordering::SeqCst), 1);
    assert_eq!(vendor.rejected.load(Ordering::SeqCst), 0);
    // And the next calls keep that token (MIN_TOKEN_LIFETIME, not zero).
    let results = twenty_concurrent_calls(&client).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(vendor.token_requests.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_negative_expires_in_with_twenty_concurrent_calls_all_succeed_on_one_token() {
    let vendor = vendor("-86400").await;
    let client = builder(&vendor.url, FixedClock::at(1_700_000_000))
        .build()
        .unwrap();
    let results = twenty_concurrent_calls(&client).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(vendor.token_requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_tiny_lifetime_is_raised_to_the_minimum() {
    let vendor = vendor("1").await;
    let clock = FixedClock::at(1_700_000_000);
    let client = builder(&vendor.url, clock.clone()).build().unwrap();
    assert_eq!(sobot_client::MIN_TOKEN_LIFETIME, Duration::from_secs(60));
    client.end_session("c").send().await.unwrap();
    // Replaced at half of MIN_TOKEN_LIFETIME (the 5-minute margin is longer than it).
    clock.advance(Duration::from_secs(29));
    client.end_session("c").send().await.unwrap();
    assert_eq!(vendor.token_requests.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(1));
    client.end_session("c").send().await.unwrap();
    assert_eq!(vendor.token_requests.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_due_under_load_does_not_knock_out_callers_of_the_previous_token() {
    let vendor = vendor("3600").await;
    let clock = FixedClock::at(1_700_000_000);
    let client = builder(&vendor.url, clock.clone()).build().unwrap();
    client.ensure_token().await.unwrap();
    clock.advance(Duration::from_secs(3301)); // due: one caller refreshes
    let results = twenty_concurrent_calls(&client).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(vendor.token_requests.load(Ordering::SeqCst), 2);
}

// ---- 3. a token outage --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_endpoint_answering_503_costs_at_most_the_retry_attempts_in_token_requests() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(503).body("down for maintenance");
        })
        .await;
    let api = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session");
            then.status(200).body(END_OK);
        })
        .await;
    let client = builder(&server.base_url(), FixedClock::at(1_700_000_000))
        .build()
        .unwrap();
    let results = twenty_concurrent_calls(&client).await;
    for result in &results {
        let err = result.as_ref().unwrap_err();
        assert_eq!(err.status_code().map(|s| s.as_u16()), Some(503), "{err:?}");
        assert!(!err.is_auth(), "{err:?}");
        let shown = err.to_string();
        assert!(shown.contains("Sobot token"), "{shown}");
        assert!(!shown.contains("sign="), "{shown}");
    }
    let sent = token.calls_async().await;
    assert!(sent <= 3, "{sent} token requests for 20 calls");
    assert_eq!(api.calls_async().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_endpoint_resetting_connections_costs_at_most_the_retry_attempts() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicU64::new(0));
    let counted = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            drop(socket); // closed without an answer
        }
    });
    let client = builder(&url, FixedClock::at(1_700_000_000))
        .build()
        .unwrap();
    let results = twenty_concurrent_calls(&client).await;
    for result in &results {
        let err = result.as_ref().unwrap_err();
        assert!(err.is_transport() || err.is_connect(), "{err:?}");
        assert!(err.to_string().contains("Sobot token"), "{err}");
    }
    let sent = accepted.load(Ordering::SeqCst);
    assert!(sent <= 3, "{sent} token requests for 20 calls");
}

#[tokio::test]
async fn a_failed_refresh_is_remembered_for_the_backoff_then_tried_again() {
    let server = MockServer::start_async().await;
    let down = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(503);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .header("token", "tok-a");
            then.status(200).body(END_OK);
        })
        .await;
    let clock = FixedClock::at(1_700_000_000);
    let client = builder(&server.base_url(), clock.clone())
        .token_failure_backoff(Duration::from_secs(10))
        .build()
        .unwrap();
    client.end_session("c").send().await.unwrap_err();
    assert_eq!(down.calls_async().await, 3);
    // The endpoint is back, but within the backoff callers fail fast without asking it.
    down.delete_async().await;
    let up = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-a", "86400"));
        })
        .await;
    clock.advance(Duration::from_secs(9));
    let err = client.end_session("c").send().await.unwrap_err();
    assert_eq!(err.status_code().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(up.calls_async().await, 0);
    clock.advance(Duration::from_secs(1));
    client.end_session("c").send().await.unwrap();
    assert_eq!(up.calls_async().await, 1);
}

#[tokio::test]
async fn a_refresh_ahead_of_expiry_that_fails_keeps_the_current_token() {
    let server = MockServer::start_async().await;
    let clock = FixedClock::at(1_700_000_000);
    let first = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-a", "3600"));
        })
        .await;
    let end = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .header("token", "tok-a");
            then.status(200).body(END_OK);
        })
        .await;
    let client = builder(&server.base_url(), clock.clone()).build().unwrap();
    client.end_session("c").send().await.unwrap();
    first.delete_async().await;
    let down = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(503);
        })
        .await;
    clock.advance(Duration::from_secs(3301)); // due, but tok-a lives until 3600 s
    client.end_session("c").send().await.unwrap();
    client.end_session("c").send().await.unwrap();
    assert_eq!(down.calls_async().await, 3);
    assert_eq!(end.calls_async().await, 3);
}

//! "Hardening II": redirects never carry credentials to another origin, a `Retry-After`
//! too large or unreadable never means "retry sooner", and an error raised before the
//! request left says so (`Error::is_not_sent`), against httpmock servers on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use common_http::{
    Authenticator, Bare, ClientConfig, CredentialGeneration, Error, HttpClient, NoAuth,
    RequestSpec, RetryPolicy, SleepFuture, Sleeper,
};
use http::Method;
use httpmock::MockServer;

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

/// The credential headers of all three vendors at once (Rokid's bearer, Sobot's `token`,
/// Itniotech's `Api-Key`/`Sign`/`Timestamp`); the first `slow_calls` authentications take
/// `delay` (a token fetch that hangs).
#[derive(Debug, Default)]
struct VendorHeaders {
    calls: AtomicU64,
    slow_calls: u64,
    delay: Duration,
}

const CREDENTIAL_HEADERS: [&str; 5] = ["authorization", "token", "api-key", "sign", "timestamp"];

#[async_trait]
impl Authenticator for VendorHeaders {
    async fn authenticate(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<CredentialGeneration, Error> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n <= self.slow_calls {
            tokio::time::sleep(self.delay).await;
        }
        let headers = request.headers_mut();
        headers.insert("authorization", "Bearer sk-rokid".parse().unwrap());
        headers.insert("token", "sobot-token".parse().unwrap());
        headers.insert("api-key", "itnio-key".parse().unwrap());
        headers.insert("sign", "itnio-sign".parse().unwrap());
        headers.insert("timestamp", "1700000000".parse().unwrap());
        Ok(CredentialGeneration::default())
    }
}

fn client(base: &str, auth: Arc<dyn Authenticator>, sleeper: Arc<RecordingSleeper>) -> HttpClient {
    let config = ClientConfig::builder()
        .base_url(base)
        .timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(10))
                .jitter(false),
        )
        .sleeper(sleeper)
        .build()
        .unwrap();
    HttpClient::new(config, auth).unwrap()
}

const OK: &str = r#"{"landed":true}"#;

#[tokio::test]
async fn a_cross_origin_redirect_never_carries_credentials() {
    for status in [301, 302, 303, 307, 308] {
        let home = MockServer::start_async().await;
        let other = MockServer::start_async().await;
        let redirect = home
            .mock_async(|when, then| {
                when.path("/start");
                then.status(status)
                    .header("Location", other.url("/landing"));
            })
            .await;
        let landed = other
            .mock_async(|when, then| {
                when.path("/landing");
                then.status(200).body(OK);
            })
            .await;
        let mut with_credentials = Vec::new();
        for name in CREDENTIAL_HEADERS {
            with_credentials.push(
                other
                    .mock_async(|when, then| {
                        when.header_exists(name);
                        then.status(200).body(OK);
                    })
                    .await,
            );
        }
        let sleeper = Arc::new(RecordingSleeper::default());
        let client = client(
            &home.base_url(),
            Arc::new(VendorHeaders::default()),
            sleeper.clone(),
        );
        for method in [Method::GET, Method::POST] {
            let spec = RequestSpec::new(method.clone(), "/start").idempotent(true);
            let err = client.send_json::<Bare<serde_json::Value>>(spec).await;
            let err = err.expect_err("a cross-origin redirect is not followed");
            assert!(
                err.is_redirect() && !err.is_retryable(),
                "{status}: {err:?}"
            );
            assert!(err.to_string().contains("another origin"), "{err}");
        }
        for mock in &with_credentials {
            assert_eq!(
                mock.calls_async().await,
                0,
                "{status}: a credential arrived"
            );
        }
        assert_eq!(
            landed.calls_async().await,
            0,
            "{status}: nothing goes there"
        );
        assert_eq!(redirect.calls_async().await, 2, "{status}: no retry");
        assert!(sleeper.waits().is_empty());
    }
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed_and_authenticated_afresh() {
    let home = MockServer::start_async().await;
    let first = home
        .mock_async(|when, then| {
            when.path("/start");
            then.status(307).header("Location", "/moved?x=1");
        })
        .await;
    let moved = home
        .mock_async(|when, then| {
            when.path("/moved")
                .method("POST")
                .query_param("x", "1")
                .header("token", "sobot-token")
                .header("api-key", "itnio-key")
                .body(r#"{"q":1}"#);
            then.status(200).body(OK);
        })
        .await;
    let auth = Arc::new(VendorHeaders::default());
    let client = client(&home.base_url(), auth.clone(), Arc::default());
    let spec = RequestSpec::new(Method::POST, "/start")
        .json(&serde_json::json!({"q": 1}), None)
        .unwrap();
    let value = client
        .send_json::<Bare<serde_json::Value>>(spec)
        .await
        .unwrap();
    assert_eq!(value, serde_json::json!({"landed": true}));
    assert_eq!(
        (first.calls_async().await, moved.calls_async().await),
        (1, 1)
    );
    assert_eq!(
        auth.calls.load(Ordering::SeqCst),
        2,
        "each hop authenticated"
    );
}

#[tokio::test]
async fn an_anonymous_client_follows_a_cross_origin_redirect_within_a_bound() {
    let home = MockServer::start_async().await;
    let cdn = MockServer::start_async().await;
    home.mock_async(|when, then| {
        when.path("/doc");
        then.status(302).header("Location", cdn.url("/blob"));
    })
    .await;
    let blob = cdn
        .mock_async(|when, then| {
            when.path("/blob");
            then.status(200).body(OK);
        })
        .await;
    let anonymous = client(&home.base_url(), Arc::new(NoAuth), Arc::default());
    let value = anonymous
        .send_json::<Bare<serde_json::Value>>(RequestSpec::new(Method::GET, "/doc"))
        .await
        .unwrap();
    assert_eq!(value, serde_json::json!({"landed": true}));
    assert_eq!(blob.calls_async().await, 1);

    // A loop ends after a bounded number of hops.
    let looping = cdn
        .mock_async(|when, then| {
            when.path("/loop");
            then.status(302).header("Location", "/loop");
        })
        .await;
    let anonymous = client(&cdn.base_url(), Arc::new(NoAuth), Arc::default());
    let err = anonymous
        .send_json::<Bare<serde_json::Value>>(RequestSpec::new(Method::GET, "/loop"))
        .await
        .unwrap_err();
    assert!(err.is_redirect(), "{err:?}");
    assert_eq!(looping.calls_async().await, 11, "the request and 10 hops");
}

#[tokio::test]
async fn a_retry_after_too_large_for_a_u64_ends_the_retries() {
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.path("/limited");
            then.status(429)
                .header("Retry-After", "99999999999999999999999999");
        })
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client(
        &server.base_url(),
        Arc::new(VendorHeaders::default()),
        sleeper.clone(),
    );
    let err = client
        .send_json::<Bare<serde_json::Value>>(RequestSpec::new(Method::GET, "/limited"))
        .await
        .unwrap_err();
    assert_eq!(err.status_code().map(|s| s.as_u16()), Some(429), "{err:?}");
    assert_eq!(limited.calls_async().await, 1, "not retried sooner");
    assert!(sleeper.waits().is_empty());
}

#[tokio::test]
async fn an_unreadable_retry_after_waits_the_longest_accepted_wait() {
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.path("/limited");
            then.status(503).header("Retry-After", "soon, please");
        })
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = client(
        &server.base_url(),
        Arc::new(VendorHeaders::default()),
        sleeper.clone(),
    );
    let err = client
        .send_json::<Bare<serde_json::Value>>(RequestSpec::new(Method::GET, "/limited"))
        .await
        .unwrap_err();
    assert_eq!(err.status_code().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(limited.calls_async().await, 3);
    let longest = RetryPolicy::default().retry_after_limit();
    assert_eq!(sleeper.waits(), vec![longest, longest]);
}

#[tokio::test]
async fn a_timeout_while_authenticating_says_nothing_was_sent_and_is_retried() {
    let server = MockServer::start_async().await;
    let ask = server
        .mock_async(|when, then| {
            when.path("/ask");
            then.status(200).body(OK);
        })
        .await;
    // Every authentication hangs: the non-idempotent call fails, saying nothing was sent.
    let hanging = Arc::new(VendorHeaders {
        slow_calls: u64::MAX,
        delay: Duration::from_secs(3),
        ..VendorHeaders::default()
    });
    let config = |policy: RetryPolicy| {
        ClientConfig::builder()
            .base_url(server.base_url())
            .timeout(Duration::from_millis(150))
            .retry_policy(policy.initial_backoff(Duration::from_millis(1)))
            .build()
            .unwrap()
    };
    let client = HttpClient::new(config(RetryPolicy::none()), hanging).unwrap();
    let err = client
        .send_json::<Bare<serde_json::Value>>(RequestSpec::new(Method::POST, "/ask"))
        .await
        .unwrap_err();
    assert!(err.is_timeout() && err.is_not_sent(), "{err:?}");
    assert_eq!(ask.calls_async().await, 0);

    // Only the first authentication hangs: the non-idempotent call is retried, sent once.
    let once = Arc::new(VendorHeaders {
        slow_calls: 1,
        delay: Duration::from_secs(3),
        ..VendorHeaders::default()
    });
    let client = HttpClient::new(config(RetryPolicy::default()), once).unwrap();
    client
        .send_json::<Bare<serde_json::Value>>(RequestSpec::new(Method::POST, "/ask"))
        .await
        .unwrap();
    assert_eq!(ask.calls_async().await, 1);
}

#[tokio::test]
async fn a_timeout_after_sending_may_have_reached_the_server() {
    let server = MockServer::start_async().await;
    let slow = server
        .mock_async(|when, then| {
            when.path("/ask");
            then.status(200).body(OK).delay(Duration::from_secs(3));
        })
        .await;
    let config = ClientConfig::builder()
        .base_url(server.base_url())
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let client = HttpClient::new(config, Arc::new(VendorHeaders::default())).unwrap();
    let err = client
        .send_json::<Bare<serde_json::Value>>(RequestSpec::new(Method::POST, "/ask"))
        .await
        .unwrap_err();
    assert!(err.is_timeout() && !err.is_not_sent(), "{err:?}");
    assert_eq!(slow.calls_async().await, 1, "sent once, not retried");

    assert!(Error::invalid_request("too long").is_not_sent());
    assert!(!Error::transport("reset").is_not_sent());
}

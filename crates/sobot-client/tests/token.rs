//! The token manager against httpmock servers on 127.0.0.1: signature, single flight,
//! renewal on "token invalid", expiry through an injected clock, redaction.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{END_OK, FixedClock, INVALID, token_body};
use httpmock::Method::GET;
use httpmock::MockServer;
use sobot_client::{Region, SobotClient};

fn client(server: &MockServer, clock: Arc<FixedClock>) -> SobotClient {
    SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .clock(clock)
        .build()
        .unwrap()
}

#[test]
fn documented_sign_vector() {
    assert_eq!(
        sobot_client::sign("1", "1569397773", "2"),
        "258eec3118705112b2c53dc8043d4d34"
    );
}

#[tokio::test]
async fn get_token_is_signed_as_documented_and_the_token_goes_in_the_token_header() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/get_token")
                .query_param("appid", "1")
                .query_param("create_time", "1569397773")
                .query_param("sign", "258eec3118705112b2c53dc8043d4d34");
            then.status(200).body(token_body("tok-a", "86400"));
        })
        .await;
    let end = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ai-agent-open/ask/end_session")
                .query_param("ai_agent_cid", "cid-1")
                .header("token", "tok-a");
            then.status(200).body(END_OK);
        })
        .await;
    let client = client(&server, FixedClock::at(1_569_397_773));
    client.end_session("cid-1").send().await.unwrap();
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(end.calls_async().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_calls_on_a_cold_client_fetch_one_token() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/get_token");
            then.status(200)
                .delay(Duration::from_millis(50))
                .body(token_body("tok-a", "86400"));
        })
        .await;
    let end = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .header("token", "tok-a");
            then.status(200).body(END_OK);
        })
        .await;
    let client = client(&server, FixedClock::at(1_700_000_000));
    let calls = (0..200).map(|i| {
        let client = client.clone();
        tokio::spawn(async move { client.end_session(format!("cid-{i}")).send().await })
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap().unwrap();
    }
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(end.calls_async().await, 200);
}

#[tokio::test]
async fn token_invalid_mid_session_refreshes_once_and_retries_once_then_gives_up() {
    let server = MockServer::start_async().await;
    let clock = FixedClock::at(1_700_000_000);
    let client = client(&server, clock);

    // A session that works with tok-a.
    let token_a = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-a", "86400"));
        })
        .await;
    let ok_a = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .header("token", "tok-a");
            then.status(200).body(END_OK);
        })
        .await;
    client.end_session("cid").send().await.unwrap();
    assert_eq!(token_a.calls_async().await, 1);
    assert_eq!(ok_a.calls_async().await, 1);

    // The server now says tok-a is invalid; get_token hands out tok-b.
    ok_a.delete_async().await;
    token_a.delete_async().await;
    let invalid_a = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .header("token", "tok-a");
            then.status(200).body(INVALID);
        })
        .await;
    let token_b = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-b", "86400"));
        })
        .await;
    let ok_b = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .header("token", "tok-b");
            then.status(200).body(END_OK);
        })
        .await;
    client.end_session("cid").send().await.unwrap();
    assert_eq!(invalid_a.calls_async().await, 1);
    assert_eq!(token_b.calls_async().await, 1);
    assert_eq!(ok_b.calls_async().await, 1);

    // Every token is rejected: one renewal, one retry, then an auth error (no loop).
    ok_b.delete_async().await;
    token_b.delete_async().await;
    let token_c = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-c", "86400"));
        })
        .await;
    let invalid_any = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/ask_init");
            then.status(200).body(INVALID);
        })
        .await;
    let err = client.ask_init("1", "biz").send().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.vendor_code(), Some("900002"));
    assert_eq!(invalid_any.calls_async().await, 2);
    assert_eq!(token_c.calls_async().await, 1);
}

#[tokio::test]
async fn a_token_is_replaced_ahead_of_its_expiry() {
    let server = MockServer::start_async().await;
    let clock = FixedClock::at(1_700_000_000);
    let token = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            // Sobot sends the lifetime as a string; some responses spell it expire_in.
            then.status(200).body(
                r#"{"item":{"token":"tok-a","expire_in":"3600"},"retCode":"000000","retMsg":"success"}"#,
            );
        })
        .await;
    let end = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session");
            then.status(200).body(END_OK);
        })
        .await;
    let client = client(&server, clock.clone());
    client.end_session("c").send().await.unwrap();
    clock.advance(Duration::from_secs(3000)); // within the 5-minute margin of 3600 s
    client.end_session("c").send().await.unwrap();
    assert_eq!(token.calls_async().await, 1);
    clock.advance(Duration::from_secs(301)); // 3301 s: due for refresh
    client.end_session("c").send().await.unwrap();
    assert_eq!(token.calls_async().await, 2);
    assert_eq!(end.calls_async().await, 3);
}

#[tokio::test]
async fn a_non_token_error_is_not_retried_and_narrowed_codes_are_respected() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-a", "86400"));
        })
        .await;
    let failing = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session");
            then.status(200)
                .body(r#"{"ret_code":"401","ret_msg":"unauthorized"}"#);
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .token_invalid_codes(["900002"])
        .build()
        .unwrap();
    let err = client.end_session("c").send().await.unwrap_err();
    assert!(err.is_auth());
    assert_eq!(failing.calls_async().await, 1);
    assert_eq!(token.calls_async().await, 1);
}

#[tokio::test]
async fn a_token_answer_that_fails_to_decode_is_not_quoted_in_the_error() {
    let server = MockServer::start_async().await;
    // `expires_in` is not a number: decoding fails on a body that holds the token.
    server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200)
                .body(token_body("tok-must-not-leak", "soon"));
        })
        .await;
    let client = client(&server, FixedClock::at(1_700_000_000));
    let err = client.end_session("c").send().await.unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    let shown = format!(
        "{err} {err:?} {err:#?} {:?}",
        std::error::Error::source(&err)
    );
    assert!(!shown.contains("tok-must-not-leak"), "{shown}");
    assert!(
        err.json_path().is_some_and(|p| p.contains("expires_in")),
        "{shown}"
    );
}

#[tokio::test]
async fn a_configured_extra_token_invalid_code_renews_the_token_and_retries_once() {
    let server = MockServer::start_async().await;
    let token_a = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-a", "86400"));
        })
        .await;
    token_a.up_to_n_times_async(1).await;
    let token_b = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-b", "86400"));
        })
        .await;
    let stale = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .header("token", "tok-a");
            then.status(200)
                .body(r#"{"ret_code":"900003","ret_msg":"token expired"}"#);
        })
        .await;
    let fresh = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .header("token", "tok-b");
            then.status(200).body(END_OK);
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .token_invalid_codes(["900002", "401", "900003"])
        .build()
        .unwrap();
    client.end_session("c").send().await.unwrap();
    assert_eq!(stale.calls_async().await, 1);
    assert_eq!(token_a.calls_async().await, 1);
    assert_eq!(token_b.calls_async().await, 1);
    assert_eq!(fresh.calls_async().await, 1);
}

#[test]
fn secrets_never_show_in_debug_and_regions_fill_both_bases() {
    let client = SobotClient::builder()
        .appid("my-appid")
        .app_key("super-secret-key")
        .region(Region::China)
        .build()
        .unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("super-secret-key"), "{debug}");
    assert!(debug.contains("https://www.soboten.com"), "{debug}");
    assert_eq!(client.api_base_url(), "https://api-c.soboten.com/text");
    let builder = SobotClient::builder().app_key("super-secret-key");
    assert!(!format!("{builder:?}").contains("super-secret-key"));
    assert!(
        SobotClient::builder()
            .app_key("k")
            .build()
            .unwrap_err()
            .is_config()
    );
    assert!(
        SobotClient::builder()
            .appid("a")
            .build()
            .unwrap_err()
            .is_config()
    );
    assert_eq!("us".parse::<Region>().unwrap(), Region::NorthAmerica);
    assert!("eu".parse::<Region>().is_err());
}

#[tokio::test]
async fn the_api_prefix_is_part_of_the_base_url() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-a", "86400"));
        })
        .await;
    let end = server
        .mock_async(|when, then| {
            when.path("/text/ai-agent-open/ask/end_session");
            then.status(200).body(END_OK);
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .token_base_url(server.base_url())
        .api_base_url(format!("{}/text", server.base_url()))
        .build()
        .unwrap();
    client.end_session("c").send().await.unwrap();
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(end.calls_async().await, 1);
}

#[tokio::test]
async fn a_late_rejection_of_an_old_token_keeps_the_new_one() {
    let server = MockServer::start_async().await;
    let client = client(&server, FixedClock::at(1_700_000_000));
    let token_a = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-a", "86400"));
        })
        .await;
    client.ensure_token().await.unwrap();
    token_a.delete_async().await;
    let token_b = server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(token_body("tok-b", "86400"));
        })
        .await;
    for path in [
        "/ai-agent-open/ask/end_session",
        "/ai-agent-open/ask/ask_init",
    ] {
        server
            .mock_async(|when, then| {
                when.path(path).header("token", "tok-b");
                then.status(200).body(END_OK);
            })
            .await;
    }
    // A quick rejection of tok-a, and a slow one that lands after tok-b was fetched.
    server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .header("token", "tok-a");
            then.status(200).body(INVALID);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/ask_init")
                .header("token", "tok-a");
            then.status(200)
                .delay(Duration::from_millis(300))
                .body(INVALID);
        })
        .await;
    let slow = {
        let client = client.clone();
        tokio::spawn(async move { client.ask_init("1", "b").send().await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.end_session("c").send().await.unwrap();
    slow.await.unwrap().unwrap();
    // The slow rejection named tok-a's generation: tok-b stayed, no third token.
    assert_eq!(token_b.calls_async().await, 1);
}

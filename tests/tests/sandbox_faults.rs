//! Fault injection in the vendor sandbox: idempotent reads recover, non-idempotent asks are
//! never sent twice, and each failure surfaces as the right typed error.

use std::time::Duration;

use futures::StreamExt;
use rokid_client::{RetryPolicy, RokidClient};
use sobot_client::SobotClient;
use vendor_sandbox::{Fault, ROKID_UIDS, Sandbox};

const LIMIT: Duration = Duration::from_secs(30);
const RECORDS: &str = "/ar/flow/openapi/record/page";
const NO_STREAM: &str = "/ai-agent-open/ask/answer_no_stream";
const STREAM: &str = "/ai-agent-open/ask/answer";

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    match tokio::time::timeout(LIMIT, f).await {
        Ok(v) => v,
        Err(_) => panic!("the test took longer than {LIMIT:?}"),
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(5))
        .jitter(false)
}

async fn start(route: &str, fault: Fault) -> Sandbox {
    match Sandbox::builder()
        .records(50)
        .fault(route, fault)
        .start()
        .await
    {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn rokid(sandbox: &Sandbox, timeout: Option<Duration>) -> RokidClient {
    let mut b = RokidClient::builder()
        .base_url(sandbox.urls().rokid.clone())
        .api_key(sandbox.credentials().rokid_api_key.clone())
        .retry_policy(fast_retries());
    if let Some(t) = timeout {
        b = b.timeout(t).retry_policy(RetryPolicy::none());
    }
    b.build().unwrap_or_else(|e| panic!("{e}"))
}

fn sobot(sandbox: &Sandbox) -> SobotClient {
    let c = sandbox.credentials();
    SobotClient::builder()
        .base_url(sandbox.base_url())
        .appid(c.sobot_appid.clone())
        .app_key(c.sobot_app_key.clone())
        .retry_policy(fast_retries())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// One page of Rokid records; the request count on the route.
async fn read_page(sandbox: &Sandbox) -> Result<usize, rokid_client::Error> {
    let page = bounded(
        rokid(sandbox, None)
            .list_work_records(ROKID_UIDS[0])
            .page_size(100)
            .send(),
    )
    .await?;
    Ok(page.list.len())
}

fn expected_rokid(sandbox: &Sandbox) -> usize {
    sandbox
        .data()
        .work_records
        .iter()
        .filter(|r| r.uid.as_deref() == Some(ROKID_UIDS[0]))
        .count()
}

#[tokio::test]
async fn idempotent_reads_recover_from_every_transient_fault() {
    let faults = [
        Fault::status(500).first(1),
        Fault::status(502).first(1),
        Fault::status(503).first(2),
        Fault::too_many_requests(0).first(1),
        Fault::connection_reset().first(1),
        Fault::truncated_body().first(1),
    ];
    for fault in faults {
        let sandbox = start(RECORDS, fault.clone()).await;
        let got = read_page(&sandbox).await;
        let retried = match fault.trigger {
            vendor_sandbox::Trigger::First(n) => n,
            _ => 0,
        };
        assert_eq!(got.ok(), Some(expected_rokid(&sandbox)), "{fault:?}");
        assert_eq!(sandbox.count(RECORDS), retried + 1, "{fault:?}");
    }
}

#[tokio::test]
async fn slow_bodies_and_latency_still_answer() {
    let sandbox = start(RECORDS, Fault::slow_body(Duration::from_millis(10))).await;
    sandbox.add_fault(RECORDS, Fault::latency(Duration::from_millis(20)));
    assert_eq!(
        read_page(&sandbox).await.ok(),
        Some(expected_rokid(&sandbox))
    );
    assert_eq!(sandbox.count(RECORDS), 1);
}

#[tokio::test]
async fn latency_beyond_the_timeout_is_a_timeout_error() {
    let sandbox = start(RECORDS, Fault::latency(Duration::from_millis(500))).await;
    let err = bounded(
        rokid(&sandbox, Some(Duration::from_millis(100)))
            .list_work_records(ROKID_UIDS[0])
            .send(),
    )
    .await
    .err();
    assert!(err.as_ref().is_some_and(|e| e.is_timeout()), "{err:?}");
}

#[tokio::test]
async fn persistent_5xx_gives_the_status_error_after_the_retries() {
    let sandbox = start(RECORDS, Fault::status(503)).await;
    let err = read_page(&sandbox).await.err();
    assert_eq!(
        err.as_ref()
            .and_then(|e| e.status_code())
            .map(|s| s.as_u16()),
        Some(503)
    );
    assert_eq!(sandbox.count(RECORDS), 4);
}

#[tokio::test]
async fn a_non_idempotent_ask_is_never_sent_twice() {
    let faults = [
        Fault::status(503),
        Fault::status(500),
        Fault::too_many_requests(0),
        Fault::connection_reset(),
        Fault::truncated_body(),
    ];
    for fault in faults {
        let sandbox = start(NO_STREAM, fault.clone()).await;
        let mut conversation = sobot(&sandbox).conversation("1", "biz");
        let result = bounded(conversation.ask("hello")).await;
        assert!(result.is_err(), "{fault:?}: {result:?}");
        assert_eq!(sandbox.count(NO_STREAM), 1, "{fault:?}");
        assert_eq!(sandbox.count_token_requests(), 1, "{fault:?}");
    }
}

#[tokio::test]
async fn a_stream_cut_mid_event_is_a_stream_error_and_not_resent() {
    let sandbox = start(STREAM, Fault::cut_stream(2)).await;
    let mut conversation = sobot(&sandbox).conversation("1", "biz");
    let mut stream = bounded(conversation.ask_stream("one two three four"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut texts = Vec::new();
    let mut failed = None;
    while let Some(event) = bounded(stream.next()).await {
        match event {
            Ok(e) => texts.extend(e.text().map(str::to_owned)),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    assert_eq!(texts, ["You ", "said: "]);
    assert!(failed.is_some());
    assert_eq!(sandbox.count(STREAM), 1);
}

#[tokio::test]
async fn token_invalidated_at_runtime_is_renewed_transparently() {
    let sandbox = start("/unused", Fault::status(500)).await;
    let client = sobot(&sandbox);
    let mut conversation = client.conversation("1", "biz");
    bounded(conversation.init())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sandbox.invalidate_sobot_token();
    let answers = bounded(conversation.ask("still there?"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answers[0].answer.as_deref(), Some("You said: still there?"));
    assert_eq!(sandbox.count_token_requests(), 2);
    assert_eq!(sandbox.count(NO_STREAM), 2);
}

#[tokio::test]
async fn fractional_faults_are_deterministic_from_the_seed() {
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let sandbox = match Sandbox::builder()
            .seed(9)
            .records(10)
            .fault(RECORDS, Fault::status(500).fraction(0.5))
            .start()
            .await
        {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let client = RokidClient::builder()
            .base_url(sandbox.base_url())
            .api_key(sandbox.credentials().rokid_api_key.clone())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut run = Vec::new();
        for _ in 0..20 {
            run.push(
                bounded(client.list_work_records(ROKID_UIDS[0]).send())
                    .await
                    .is_ok(),
            );
        }
        assert!(
            run.iter().any(|ok| *ok) && run.iter().any(|ok| !*ok),
            "{run:?}"
        );
        outcomes.push(run);
    }
    assert_eq!(outcomes[0], outcomes[1]);
}

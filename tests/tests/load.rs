//! Load: 1,000 concurrent mixed calls against one sandbox that answers about 1 % of the
//! requests on every route with `503`. Nothing is lost (every call's own result is checked
//! against the sandbox's data), nothing is sent twice (the sandbox's counters add up
//! exactly), and memory stays bounded.

mod harness;

use std::time::Duration;

use common_http::Error;
use futures::StreamExt;
use rokid_client::{RetryPolicy, RokidClient};
use sobot_client::{AskRequest, BizType, InputTypeEnum, MsgType, RecordListParams, SourceEnum};
use time::macros::{date, datetime};
use vendor_sandbox::{Fault, ROKID_UIDS, Sandbox};

use harness::{Setup, bounded};

const CALLS: usize = 1000;
const PAGE: usize = 10;

/// How much the resident memory may grow over the whole run. The run itself needs a few
/// tens of MiB (1,000 tasks, their connections and answers); a leak of every response
/// body, or an unbounded buffer, would go far past this.
const RSS_GROWTH_LIMIT_KIB: u64 = 256 * 1024;

const ASK_ROUTE: &str = "/ai-agent-open/ask/answer_no_stream";
const STREAM_ROUTE: &str = "/ai-agent-open/ask/answer";

/// One of the mixed calls; `i` makes each one distinct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    RokidPage,
    Ask,
    AskStream,
    Statistics,
    ItnioPage,
}

impl Kind {
    fn of(i: usize) -> Self {
        [
            Kind::RokidPage,
            Kind::Ask,
            Kind::AskStream,
            Kind::Statistics,
            Kind::ItnioPage,
        ][i % 5]
    }

    fn idempotent(self) -> bool {
        !matches!(self, Kind::Ask | Kind::AskStream)
    }
}

/// The page a call asks for (1-5).
fn page_of(i: usize) -> usize {
    i / 5 % 5 + 1
}

fn question(i: usize) -> String {
    format!("load question number {i}")
}

/// The resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in /proc/self/status"))
}

struct Clients {
    rokid: RokidClient,
    sobot: sobot_client::SobotClient,
    itnio: itnio_client::ItnioClient,
}

/// Makes call `i`; `Ok(true)` if its result was right, `Ok(false)` if it was wrong.
async fn call(i: usize, clients: &Clients, sandbox: &Sandbox) -> Result<bool, Error> {
    let data = sandbox.data();
    let page = page_of(i);
    let slice = |len: usize| (page - 1) * PAGE..(page * PAGE).min(len);
    Ok(match Kind::of(i) {
        Kind::RokidPage => {
            let uid = ROKID_UIDS[i % ROKID_UIDS.len()];
            let got = clients
                .rokid
                .list_work_records(uid)
                .page_num(i32::try_from(page).unwrap_or(1))
                .page_size(PAGE as i32)
                .send()
                .await?;
            let mine: Vec<_> = data
                .work_records
                .iter()
                .filter(|r| r.uid.as_deref() == Some(uid))
                .cloned()
                .collect();
            got.list.as_slice() == &mine[slice(mine.len())]
        }
        Kind::Ask | Kind::AskStream => {
            let q = question(i);
            let request = AskRequest::builder()
                .question(q.clone())
                .show_question(q.clone())
                .input_type_enum(InputTypeEnum::Input)
                .biz_id(format!("visitor-{i}"))
                .biz_type(BizType::AiAgent)
                .biz_type_id("1000045")
                .robotid("1")
                .msg_type(MsgType::Text)
                .source_enum(SourceEnum::Pc)
                .build()
                .expect("every required field is set");
            let text = if Kind::of(i) == Kind::Ask {
                let answers = clients.sobot.ask(request).send().await?;
                answers
                    .into_iter()
                    .filter_map(|a| a.answer)
                    .collect::<String>()
            } else {
                let mut events = clients.sobot.ask_stream(request).send().await?;
                let mut text = String::new();
                while let Some(event) = events.next().await {
                    text.push_str(event?.text().unwrap_or_default());
                }
                text
            };
            text == format!("You said: {q}")
        }
        Kind::Statistics => {
            let params = RecordListParams::new(
                date!(2026 - 01 - 01),
                date!(2026 - 12 - 31),
                i32::try_from(page).unwrap_or(1),
                PAGE as i32,
            );
            let got = clients.sobot.list_reception_records(params).send().await?;
            got.items.as_slice() == &data.sobot_records[slice(data.sobot_records.len())]
        }
        Kind::ItnioPage => {
            let got = clients
                .itnio
                .list_group_call_tasks(
                    datetime!(2026-01-01 00:00:00),
                    datetime!(2026-12-31 23:59:59),
                )
                .current(i32::try_from(page).unwrap_or(1))
                .size(PAGE as i32)
                .send()
                .await?;
            let expected: Vec<_> = data.itnio_tasks[slice(data.itnio_tasks.len())]
                .iter()
                .map(|t| t.task.clone())
                .collect();
            got.records == expected
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_mixed_calls_lose_nothing_and_send_nothing_twice() {
    let rss_before = rss_kib();
    let sandbox = Sandbox::builder()
        .seed(11)
        .records(200)
        .stream_pace(Duration::from_millis(1))
        .fault("*", Fault::status(503).fraction(0.01))
        .start()
        .await
        .unwrap_or_else(|e| panic!("sandbox: {e}"));
    let setup = Setup::new();
    let clients = std::sync::Arc::new(Clients {
        rokid: setup.rokid(&sandbox),
        sobot: setup.sobot(&sandbox),
        itnio: setup.itnio(&sandbox, None),
    });
    let sandbox = std::sync::Arc::new(sandbox);
    let tasks: Vec<_> = (0..CALLS)
        .map(|i| {
            let (clients, sandbox) = (clients.clone(), sandbox.clone());
            tokio::spawn(async move { call(i, &clients, &sandbox).await })
        })
        .collect();
    let mut failed_asks = 0;
    let mut problems = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let kind = Kind::of(i);
        match bounded(task).await {
            Err(e) => problems.push(format!("call {i} ({kind:?}): {e}")),
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => problems.push(format!("call {i} ({kind:?}): wrong result")),
            // A non-idempotent ask that met a 503 is not retried: the caller sees the 503.
            Ok(Err(e))
                if !kind.idempotent() && e.status_code().map(|s| s.as_u16()) == Some(503) =>
            {
                failed_asks += 1;
            }
            Ok(Err(e)) => problems.push(format!("call {i} ({kind:?}): {e}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Every ask was sent exactly once.
    let asks = (0..CALLS).filter(|i| Kind::of(*i) == Kind::Ask).count() as u64;
    let streams = (0..CALLS)
        .filter(|i| Kind::of(*i) == Kind::AskStream)
        .count() as u64;
    assert_eq!(sandbox.count(ASK_ROUTE), asks);
    assert_eq!(sandbox.count(STREAM_ROUTE), streams);
    // Every request is a call, a retry (each retry waited once) or the one get_token.
    let retries = setup.sleeper.waits().len() as u64;
    assert_eq!(sandbox.total_requests(), CALLS as u64 + retries + 1);
    // The faults were there, and were met.
    assert!(retries + failed_asks > 0, "no injected 503 was met");

    drop(clients);
    let growth = rss_kib().saturating_sub(rss_before);
    assert!(
        growth < RSS_GROWTH_LIMIT_KIB,
        "resident memory grew by {growth} KiB"
    );
}

/// The same seed injects the same fractional faults: the load above is reproducible.
#[tokio::test]
async fn fractional_faults_are_deterministic_from_the_seed() {
    const RECORDS: &str = "/ar/flow/openapi/record/page";
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let sandbox = Sandbox::builder()
            .seed(9)
            .records(10)
            .fault(RECORDS, Fault::status(500).fraction(0.5))
            .start()
            .await
            .unwrap_or_else(|e| panic!("sandbox: {e}"));
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

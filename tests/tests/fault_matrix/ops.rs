//! Runs one cell: a fresh sandbox with the cell's fault, a warm-up that the fault does not
//! touch, the operation itself, its result checked against the sandbox's data, and the
//! counters read back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common_http::Error;
use futures::StreamExt;
use sobot_client::{AnswerEvent, RecordListParams};
use time::macros::{date, datetime};
use vendor_sandbox::{Fault, ROKID_UIDS, SOBOT_TOKEN_ROUTE, Sandbox};

use crate::cells::{CONCURRENT_CALLS, Cell, Kind, Op, SKEW_BEYOND_SECS, SKEW_WITHIN_SECS};
use crate::harness::{Setup, bounded};

/// What a run of a cell produced.
#[derive(Debug)]
pub(crate) struct Observed {
    pub(crate) result: Result<(), Failure>,
    pub(crate) requests: u64,
    pub(crate) token_requests: Option<u64>,
    pub(crate) waits: Vec<Duration>,
}

/// Why an operation did not recover.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The client returned this error.
    Call(Error),
    /// The client returned success with the wrong content.
    Wrong(String),
}

const QUESTION: &str = "where is my parcel";

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failure> {
    if ok {
        Ok(())
    } else {
        Err(Failure::Wrong(what()))
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The route the operation's requests go to.
fn route(op: Op, sandbox: &Sandbox) -> String {
    match op {
        Op::RokidPage => "/ar/flow/openapi/record/page".to_owned(),
        Op::RokidDownload => document_url(sandbox)
            .trim_start_matches(sandbox.base_url())
            .to_owned(),
        Op::SobotToken => SOBOT_TOKEN_ROUTE.to_owned(),
        Op::SobotAsk => "/ai-agent-open/ask/answer_no_stream".to_owned(),
        Op::SobotAskStream => "/ai-agent-open/ask/answer".to_owned(),
        Op::SobotStatistics => "/ai-agent-open/api/statistics/recordList".to_owned(),
        Op::ItnioPage => "/voice/group/call/query".to_owned(),
    }
}

fn document_url(sandbox: &Sandbox) -> String {
    sandbox.data().work_records[0].documents()[0].url.clone()
}

/// Runs the cell from a fresh sandbox.
pub(crate) async fn run(cell: Cell) -> Observed {
    let mut builder = Sandbox::builder()
        .seed(7)
        .records(40)
        .document_bytes(4096)
        .stream_pace(Duration::ZERO);
    builder = match cell.kind {
        Kind::ClockSkewWithin => builder.itnio_clock_skew_secs(SKEW_WITHIN_SECS),
        Kind::ClockSkewBeyond => builder.itnio_clock_skew_secs(SKEW_BEYOND_SECS),
        _ => builder,
    };
    let sandbox = builder
        .start()
        .await
        .unwrap_or_else(|e| panic!("sandbox: {e}"));
    let route = route(cell.op, &sandbox);
    if let Some(fault) = cell.kind.route_fault() {
        sandbox.add_fault(route.clone(), fault);
    }
    if let Some(fault) = cell.kind.token_fault() {
        sandbox.add_fault(SOBOT_TOKEN_ROUTE, fault);
    }
    // The other origin of a redirect: a second sandbox, counting what reaches it.
    let elsewhere = if cell.kind == Kind::CrossHostRedirect {
        let other = Sandbox::builder()
            .seed(7)
            .records(40)
            .start()
            .await
            .unwrap_or_else(|e| panic!("second sandbox: {e}"));
        sandbox.add_fault(
            route.clone(),
            Fault::redirect(format!("{}{route}", other.base_url())),
        );
        Some(other)
    } else {
        None
    };
    let setup = Setup::new().timeout(cell.kind.timeout());
    let mut result = Box::pin(bounded(operate(cell.op, cell.kind, &sandbox, &setup))).await;
    if let Some(other) = &elsewhere {
        let reached = other.total_requests();
        if reached > 0 {
            result = Err(Failure::Wrong(format!(
                "{reached} requests reached the other origin"
            )));
        }
    }
    Observed {
        result,
        requests: sandbox.count(&route),
        token_requests: cell
            .op
            .uses_sobot_token()
            .then(|| sandbox.count_token_requests()),
        waits: setup.sleeper.waits(),
    }
}

/// What the fault does between the warm-up and the call, when it is not a route fault.
fn after_warm_up(kind: Kind, sandbox: &Sandbox) {
    match kind {
        Kind::TokenInvalidated => sandbox.invalidate_sobot_token(),
        Kind::TokenRejectedAgain => sandbox.set_sobot_token_invalid_after(Some(0)),
        _ => {}
    }
}

/// Whether `kind` makes Sobot report an absurd token lifetime.
fn absurd_lifetime(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::ExpiresInHuge | Kind::ExpiresInZero | Kind::ExpiresInNegative
    )
}

/// [`CONCURRENT_CALLS`] calls at once, each in its own task: every one must fail, all the
/// same way; the first error is the cell's.
async fn all_fail<F, Fut>(call: F) -> Result<(), Failure>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>> + Send + 'static,
{
    let calls = (0..CONCURRENT_CALLS).map(|_| tokio::spawn(call()));
    let mut errors = Vec::new();
    for joined in futures::future::join_all(calls).await {
        match joined {
            Ok(Ok(())) => return Err(Failure::Wrong("a concurrent call succeeded".to_owned())),
            Ok(Err(e)) => errors.push(e),
            Err(e) => return Err(Failure::Wrong(format!("a concurrent call failed: {e}"))),
        }
    }
    let shape = |e: &Error| (e.status_code(), e.is_retryable(), e.is_transport());
    let mut errors = errors.into_iter();
    let Some(first) = errors.next() else {
        return Err(Failure::Wrong("no call was made".to_owned()));
    };
    if let Some(other) = errors.find(|e| shape(e) != shape(&first)) {
        return Err(Failure::Wrong(format!(
            "the calls failed differently: {first} and {other}"
        )));
    }
    Err(Failure::Call(first))
}

async fn operate(op: Op, kind: Kind, sandbox: &Sandbox, setup: &Setup) -> Result<(), Failure> {
    let data = sandbox.data();
    match op {
        Op::RokidPage => {
            let page = setup
                .rokid(sandbox)
                .list_work_records(ROKID_UIDS[0])
                .page_size(10)
                .send()
                .await
                .map_err(Failure::Call)?;
            let mine: Vec<_> = data
                .work_records
                .iter()
                .filter(|r| r.uid.as_deref() == Some(ROKID_UIDS[0]))
                .cloned()
                .collect();
            check(
                page.list.as_slice() == &mine[..mine.len().min(10)]
                    && usize::try_from(page.total).ok() == Some(mine.len()),
                || format!("page of {} records, total {}", page.list.len(), page.total),
            )
        }
        Op::RokidDownload => {
            let url = document_url(sandbox);
            let mut bytes = Vec::new();
            setup
                .rokid(sandbox)
                .download(&url)
                .to_writer(&mut bytes)
                .await
                .map_err(Failure::Call)?;
            check(sandbox.document(&url) == Some(bytes), || {
                "the downloaded bytes differ".to_owned()
            })
        }
        Op::SobotToken if kind == Kind::TokenOutageConcurrent => {
            let client = setup.sobot(sandbox);
            all_fail(|| {
                let client = client.clone();
                async move { client.ensure_token().await }
            })
            .await
        }
        Op::SobotToken => {
            let client = setup.sobot(sandbox);
            client.ensure_token().await.map_err(Failure::Call)?;
            if absurd_lifetime(kind) {
                // Clamped to at least 60 s, the token is still good.
                client.ensure_token().await.map_err(Failure::Call)?;
            }
            Ok(())
        }
        Op::SobotStatistics if kind == Kind::TokenOutageConcurrent => {
            let client = setup.sobot(sandbox);
            all_fail(|| {
                let client = client.clone();
                async move {
                    let params =
                        RecordListParams::new(date!(2026 - 01 - 01), date!(2026 - 12 - 31), 1, 10);
                    client
                        .list_reception_records(params)
                        .send()
                        .await
                        .map(|_| ())
                }
            })
            .await
        }
        Op::SobotAsk | Op::SobotAskStream => {
            let client = setup.sobot(sandbox);
            let mut chat = client.conversation("1", "matrix-visitor");
            chat.init().await.map_err(Failure::Call)?;
            after_warm_up(kind, sandbox);
            let text = if op == Op::SobotAsk {
                let answers = chat.ask(QUESTION).await.map_err(Failure::Call)?;
                answers
                    .first()
                    .and_then(|a| a.answer.clone())
                    .unwrap_or_default()
            } else {
                let mut events = chat.ask_stream(QUESTION).await.map_err(Failure::Call)?;
                let mut text = String::new();
                let mut info = false;
                while let Some(event) = events.next().await {
                    match event {
                        Ok(AnswerEvent::Info(_)) => info = true,
                        Ok(event) => text.push_str(event.text().unwrap_or_default()),
                        // The whole events before a cut arrive; the cut one does not.
                        Err(e) if kind == Kind::CutStream && text != "You said: " => {
                            return Err(Failure::Wrong(format!("{text:?} before {e}")));
                        }
                        Err(e) => return Err(Failure::Call(e)),
                    }
                }
                check(info, || "no ANSWER_INFO event".to_owned())?;
                text
            };
            check(text == format!("You said: {QUESTION}"), || {
                format!("answered {text:?}")
            })
        }
        Op::SobotStatistics => {
            let client = setup.sobot(sandbox);
            client.ensure_token().await.map_err(Failure::Call)?;
            after_warm_up(kind, sandbox);
            let params = RecordListParams::new(date!(2026 - 01 - 01), date!(2026 - 12 - 31), 1, 10);
            let page = client
                .list_reception_records(params)
                .send()
                .await
                .map_err(Failure::Call)?;
            check(
                page.items.as_slice() == &data.sobot_records[..10]
                    && page.total == Some(data.sobot_records.len() as u64),
                || {
                    format!(
                        "page of {} records, total {:?}",
                        page.items.len(),
                        page.total
                    )
                },
            )
        }
        Op::ItnioPage => {
            let clock = (kind == Kind::ClockOffOnce).then(|| {
                let first = Arc::new(AtomicBool::new(true));
                let behind = SKEW_BEYOND_SECS.unsigned_abs();
                let clock: Arc<dyn itnio_client::Clock> =
                    itnio_client::clock_from_unix_seconds(move || {
                        if first.swap(false, Ordering::SeqCst) {
                            now_secs() - behind
                        } else {
                            now_secs()
                        }
                    });
                clock
            });
            let page = setup
                .itnio(sandbox, clock)
                .list_group_call_tasks(
                    datetime!(2026-01-01 00:00:00),
                    datetime!(2026-12-31 23:59:59),
                )
                .size(10)
                .send()
                .await
                .map_err(Failure::Call)?;
            let expected: Vec<_> = data.itnio_tasks[..10]
                .iter()
                .map(|t| t.task.clone())
                .collect();
            check(
                page.records == expected
                    && usize::try_from(page.total).ok() == Some(data.itnio_tasks.len()),
                || format!("page of {} tasks, total {}", page.records.len(), page.total),
            )
        }
    }
}

//! Never twice: a request that is not idempotent is sent at most once once it may have
//! reached the server, whatever goes wrong after that; it is tried again only when it
//! provably never left (no connection could be made).
//!
//! Every fault is injected on the first request only, so a client that did retry would
//! succeed on its second attempt and be caught by the server's counter reading 2.

// Every test installs the global tracing capture first (see capture.rs).
#[path = "never_twice/capture.rs"]
mod capture;
mod harness;
#[path = "never_twice/receiver.rs"]
mod receiver;

use std::sync::Arc;
use std::time::Duration;

use common_http::Error;
use futures::StreamExt;
use serde_json::{Value, json};
use sobot_client::server::{AgentError, AgentReply, ServerConfig, ThirdPartyAgent, router};
use sobot_client::{
    AgentRequest, AskRequest, BizType, InputTypeEnum, MsgType, QuestionRequest, SobotClient,
    SourceEnum,
};
use vendor_sandbox::{Fault, Sandbox};

use capture::Events;
use harness::{RecordingSleeper, Setup, bounded};
use receiver::{Mistreat, Receiver};

/// The attempt timeout of every client here (the slow faults go past it).
const TIMEOUT: Duration = Duration::from_secs(1);

/// A Sobot call that must never be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Ask,
    AskStream,
    AskWithCallback,
    AskInit,
    EndSession,
}

impl Call {
    const ALL: [Call; 5] = [
        Call::Ask,
        Call::AskStream,
        Call::AskWithCallback,
        Call::AskInit,
        Call::EndSession,
    ];

    fn route(self) -> &'static str {
        match self {
            Call::Ask => "/ai-agent-open/ask/answer_no_stream",
            Call::AskStream => "/ai-agent-open/ask/answer",
            Call::AskWithCallback => "/ai-agent-open/ask/answer_with_call_back",
            Call::AskInit => "/ai-agent-open/ask/ask_init",
            Call::EndSession => "/ai-agent-open/ask/end_session",
        }
    }

    /// Sends the call (and reads a streamed answer to its end).
    async fn send(self, client: &SobotClient) -> Result<(), Error> {
        match self {
            Call::Ask => client.ask(question()).send().await.map(drop),
            Call::AskStream => {
                let mut events = client.ask_stream(question()).send().await?;
                while let Some(event) = events.next().await {
                    event?;
                }
                Ok(())
            }
            Call::AskWithCallback => {
                let request = QuestionRequest::builder()
                    .question("hello")
                    .show_question("hello")
                    .input_type_enum(InputTypeEnum::Input)
                    .biz_id("visitor-1")
                    .biz_type(BizType::AiAgent)
                    .biz_type_id("1000045")
                    .robotid("1")
                    .source_enum(SourceEnum::Pc)
                    .build()?
                    // Nothing listens there: the sandbox's own callback post fails quietly.
                    .call_back_url("http://127.0.0.1:9/answer");
                client.ask_with_callback(request).send().await.map(drop)
            }
            Call::AskInit => client.ask_init("1", "visitor-1").send().await.map(drop),
            Call::EndSession => client.end_session("cid-1").send().await.map(drop),
        }
    }
}

fn question() -> AskRequest {
    AskRequest::builder()
        .question("hello")
        .show_question("hello")
        .input_type_enum(InputTypeEnum::Input)
        .biz_id("visitor-1")
        .biz_type(BizType::AiAgent)
        .biz_type_id("1000045")
        .robotid("1")
        .msg_type(MsgType::Text)
        .source_enum(SourceEnum::Pc)
        .build()
        .expect("every required field is set")
}

/// Every fault that happens once the request may have reached the server.
fn faults(call: Call) -> Vec<Fault> {
    let mut faults = vec![
        Fault::latency(Duration::from_secs(3)).first(1),
        Fault::status(503).first(1),
        Fault::status(500).first(1),
        Fault::too_many_requests(0).first(1),
        Fault::connection_reset().first(1),
        Fault::truncated_body().first(1),
        Fault::slow_body(Duration::from_millis(400)).first(1),
    ];
    if call == Call::AskStream {
        faults.push(Fault::cut_stream(1).first(1));
    }
    faults
}

/// Runs one call against a fresh sandbox with `fault` on its route; the route's count.
async fn once(call: Call, fault: Fault) -> (Result<(), Error>, u64) {
    let sandbox = Sandbox::builder()
        .records(10)
        .fault(call.route(), fault)
        .start()
        .await
        .unwrap_or_else(|e| panic!("sandbox: {e}"));
    let client = Setup::new().timeout(TIMEOUT).sobot(&sandbox);
    let result = bounded(call.send(&client)).await;
    (result, sandbox.count(call.route()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_idempotent_sobot_calls_are_sent_once_under_every_fault() {
    Events::global();
    let cells: Vec<(Call, Fault)> = Call::ALL
        .iter()
        .flat_map(|call| faults(*call).into_iter().map(move |f| (*call, f)))
        .collect();
    let runs: Vec<_> = futures::stream::iter(cells)
        .map(|(call, fault)| async move {
            let joined = tokio::spawn(once(call, fault.clone())).await;
            (call, fault, joined)
        })
        .buffer_unordered(12)
        .collect()
        .await;
    let mut found = Vec::new();
    for (call, fault, joined) in runs {
        let Ok((result, count)) = joined else {
            found.push(format!("{call:?} / {fault:?}: panicked"));
            continue;
        };
        if count != 1 {
            found.push(format!("{call:?} / {fault:?}: sent {count} times"));
        }
        // A stream has no total timeout: a trickled stream is a complete answer.
        let may_succeed =
            call == Call::AskStream && matches!(fault.kind, vendor_sandbox::FaultKind::SlowBody(_));
        match result {
            Ok(()) if may_succeed => {}
            Ok(()) => found.push(format!("{call:?} / {fault:?}: succeeded")),
            Err(e) if e.is_connect() || e.is_auth() || e.is_invalid_request() => {
                found.push(format!("{call:?} / {fault:?}: unexpected {e}"));
            }
            Err(_) => {}
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// A port nothing listens on: connecting is refused, so nothing can reach a server.
async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test]
async fn a_call_that_could_not_connect_is_retried() {
    Events::global();
    let sandbox = Sandbox::builder()
        .records(10)
        .start()
        .await
        .unwrap_or_else(|e| panic!("sandbox: {e}"));
    let nowhere = closed_port().await;
    for call in [Call::Ask, Call::AskStream, Call::AskWithCallback] {
        let setup = Setup::new();
        let client = setup.sobot_at(&sandbox, &nowhere);
        let err = bounded(call.send(&client)).await.err();
        assert!(
            err.as_ref().is_some_and(Error::is_connect),
            "{call:?}: {err:?}"
        );
        let ms = |n| Duration::from_millis(n);
        assert_eq!(setup.sleeper.waits(), [ms(5), ms(10), ms(20)], "{call:?}");
    }
    // The token came from the sandbox; the calls never reached anything.
    assert_eq!(sandbox.count_token_requests(), 3);
}

/// Answers every question with one text.
struct Echo;

#[sobot_client::server::async_trait]
impl ThirdPartyAgent for Echo {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        Ok(AgentReply::text(format!("echo: {}", request.question)))
    }
}

/// A callback the inbound server owes Sobot.
#[derive(Debug, Clone, Copy)]
enum Callback {
    /// `copilot = true`: the answer goes to `callback_list`.
    Copilot,
    /// A `runtimeid` (batch test): the result goes to `question_call_back`.
    BatchTest,
}

impl Callback {
    fn path(self) -> &'static str {
        match self {
            Callback::Copilot => "/ai-agent-open/ask/callback_list",
            Callback::BatchTest => "/ai-agent-open/api/kb/question_call_back",
        }
    }

    fn name(self) -> &'static str {
        self.path().rsplit('/').next().unwrap_or_default()
    }

    /// The question Sobot forwards to the agent, with this round id.
    fn question(self, roundid: &str) -> Value {
        let path = workspace_tests::fixture_path("sobot/third_algorithm_req_vo.model.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut q: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        q["question"] = json!("hello");
        q["roundid"] = json!(roundid);
        q["req_stream"] = json!(false);
        q["copilot"] = json!(matches!(self, Callback::Copilot));
        // Only an authenticated request owes a callback.
        q["params"] = json!({ "token": INBOUND_SECRET });
        if matches!(self, Callback::Copilot)
            && let Some(map) = q.as_object_mut()
        {
            map.remove("runtimeid");
        }
        q
    }
}

/// The inbound server's shared secret.
const INBOUND_SECRET: &str = "never-twice-secret";

/// Serves the inbound router whose callbacks go to `sobot_api`, on `127.0.0.1:0`; its URL,
/// and where its callbacks' waits between attempts are recorded.
async fn inbound(sandbox: &Sandbox, sobot_api: &str) -> (String, Arc<RecordingSleeper>) {
    let setup = Setup::new().timeout(TIMEOUT);
    let client = setup.sobot_at(sandbox, sobot_api);
    let config = ServerConfig::new()
        .shared_secret("token", INBOUND_SECRET)
        .sobot_client(client)
        .callback_retry(4, Duration::from_millis(5));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        let app = router(Echo, config).unwrap_or_else(|e| panic!("{e}"));
        let _ = sobot_client::server::axum::serve(listener, app).await;
    });
    (format!("http://{addr}/"), setup.sleeper)
}

/// Asks the inbound server one question owing `callback`, and waits until the callback
/// ended; returns how it ended.
async fn ask_inbound(url: &str, callback: Callback, roundid: &str, events: &Events) -> String {
    let response = common_http::http_client_builder()
        .build()
        .expect("HTTP client")
        .post(url)
        .json(&callback.question(roundid))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
    let roundid = format!("roundid={roundid}");
    events
        .wait_for(&["sobot callback", callback.name(), &roundid])
        .await
}

#[tokio::test]
async fn callbacks_reach_sobot_at_most_once_under_every_fault() {
    let events = Events::global();
    let sandbox = Sandbox::builder()
        .records(10)
        .start()
        .await
        .unwrap_or_else(|e| panic!("sandbox: {e}"));
    let faults = [
        Mistreat::Nothing,
        Mistreat::Reset,
        Mistreat::Status(503),
        Mistreat::Status(500),
        Mistreat::Status(429),
        Mistreat::Truncated,
        Mistreat::Slow(Duration::from_millis(100)),
        Mistreat::Latency(Duration::from_secs(2)),
    ];
    let mut cells = Vec::new();
    for (i, fault) in faults.into_iter().enumerate() {
        for callback in [Callback::Copilot, Callback::BatchTest] {
            cells.push((format!("round-{i}-{}", callback.name()), callback, fault));
        }
    }
    let runs = cells.iter().map(|(roundid, callback, fault)| {
        let (sandbox, events) = (&sandbox, &events);
        async move {
            let receiver = Receiver::start(*fault).await;
            let (url, sleeper) = inbound(sandbox, receiver.url()).await;
            let ended = bounded(ask_inbound(&url, *callback, roundid, events)).await;
            (ended, receiver.count(callback.path()), sleeper.waits())
        }
    });
    let results = futures::future::join_all(runs).await;
    for ((roundid, callback, fault), (ended, count, waits)) in cells.iter().zip(results) {
        assert_eq!(count, 1, "{callback:?} / {fault:?} ({roundid}): {ended}");
        // Nothing was retried: every failure happened once the request was sent.
        assert!(
            waits.is_empty(),
            "{callback:?} / {fault:?}: waited {waits:?}; {ended}"
        );
        let delivered = ended.contains("delivered");
        assert_eq!(
            delivered,
            *fault == Mistreat::Nothing,
            "{callback:?} / {fault:?}: {ended}"
        );
    }
}

#[tokio::test]
async fn a_callback_that_could_not_connect_is_retried() {
    let events = Events::global();
    let sandbox = Sandbox::builder()
        .records(10)
        .start()
        .await
        .unwrap_or_else(|e| panic!("sandbox: {e}"));
    let (url, sleeper) = inbound(&sandbox, &closed_port().await).await;
    let ended = bounded(ask_inbound(
        &url,
        Callback::Copilot,
        "round-refused",
        &events,
    ))
    .await;
    assert!(
        ended.contains("giving up") && ended.contains("could not connect"),
        "{ended}"
    );
    // Four attempts (`callback_retry(4, 5 ms)`): three waits, doubling.
    let ms = |n| Duration::from_millis(n);
    assert_eq!(sleeper.waits(), [ms(5), ms(10), ms(20)]);
}

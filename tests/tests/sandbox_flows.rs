//! End-to-end flows of the three real clients against the in-process vendor sandbox.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::TryStreamExt;
use itnio_client::{ItnioClient, TaskStatus};
use rokid_client::{ChatLogType, Record, RetryPolicy, RokidClient};
use sobot_client::{AnswerEvent, RecordListParams, RobotAnswerMessageType, SobotClient};
use time::macros::{date, datetime};
use vendor_sandbox::{ROKID_UIDS, Sandbox, WORKFLOW_CHOICES};

const LIMIT: Duration = Duration::from_secs(30);

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .jitter(false)
}

fn rokid(sandbox: &Sandbox) -> RokidClient {
    let built = RokidClient::builder()
        .base_url(sandbox.urls().rokid.clone())
        .api_key(sandbox.credentials().rokid_api_key.clone())
        .retry_policy(fast_retries())
        .build();
    match built {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn sobot(sandbox: &Sandbox) -> SobotClient {
    let c = sandbox.credentials();
    let built = SobotClient::builder()
        .api_base_url(sandbox.urls().sobot_api.clone())
        .token_base_url(sandbox.urls().sobot_token.clone())
        .appid(c.sobot_appid.clone())
        .app_key(c.sobot_app_key.clone())
        .retry_policy(fast_retries())
        .build();
    match built {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Set (to anything) to run every flow against a sandbox in quirks mode: the flows must
/// hold against servers that drift from their documents too. `cargo xtask ci` runs this
/// file once without it and once with it.
const QUIRKS_ENV: &str = "SANDBOX_FLOWS_QUIRKS";

fn quirks_run() -> bool {
    std::env::var_os(QUIRKS_ENV).is_some()
}

/// The sandbox builder of every flow: seeded, in quirks mode in the quirks run.
fn sandbox_builder() -> vendor_sandbox::SandboxBuilder {
    Sandbox::builder().seed(42).quirks(quirks_run())
}

async fn start(records: usize) -> Sandbox {
    match sandbox_builder().records(records).start().await {
        Ok(s) => s,
        Err(e) => panic!("sandbox did not start: {e}"),
    }
}

/// An export against the records the sandbox generated. Normal run: equal, record for
/// record. Quirks run: the sandbox drifts each record's JSON (types, spellings, nulls,
/// timestamp forms) and makes about one record in 20 unreadable, so the values differ by
/// design: as many records, in the same order, each with its record's id; an unreadable
/// one (kept exactly as sent) with the id it still carries, if any, and at most one in 10
/// with none.
fn assert_export<G, T>(
    got: &[G],
    expected: &[T],
    got_id: impl Fn(&G) -> Option<String>,
    want_id: impl Fn(&T) -> String,
) where
    G: PartialEq<T> + std::fmt::Debug,
    T: std::fmt::Debug,
{
    if !quirks_run() {
        assert!(
            got.len() == expected.len() && got.iter().zip(expected).all(|(g, w)| g == w),
            "got {got:#?}\nexpected {expected:#?}"
        );
        return;
    }
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    let mut without_id = 0;
    for (g, w) in got.iter().zip(expected) {
        match got_id(g) {
            Some(id) => assert_eq!(id, want_id(w), "{g:?}"),
            None => without_id += 1,
        }
    }
    assert!(
        without_id <= got.len() / 10 + 1,
        "{without_id} of {}",
        got.len()
    );
}

/// The id of an exported record: the typed record's, or the one the raw JSON of an
/// unreadable record still carries under `wire` (text or number).
fn record_id<T>(
    record: &Record<T>,
    typed: impl Fn(&T) -> Option<String>,
    wire: &str,
) -> Option<String> {
    if let Some(t) = record.typed() {
        return typed(t);
    }
    let value: serde_json::Value = serde_json::from_str(record.raw()?.json()).ok()?;
    match value.get(wire)? {
        serde_json::Value::String(s) => Some(s.clone()),
        other @ serde_json::Value::Number(_) => Some(other.to_string()),
        _ => None,
    }
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    match tokio::time::timeout(LIMIT, f).await {
        Ok(v) => v,
        Err(_) => panic!("the test took longer than {LIMIT:?}"),
    }
}

#[tokio::test]
async fn rokid_full_export_matches_generated_data() {
    let sandbox = start(600).await;
    let client = rokid(&sandbox);
    let uid = ROKID_UIDS[1];
    let expected: Vec<_> = sandbox
        .data()
        .work_records
        .iter()
        .filter(|r| r.uid.as_deref() == Some(uid))
        .cloned()
        .collect();
    assert!(expected.len() > 50, "{}", expected.len());
    let got: Vec<_> = bounded(
        client
            .list_work_records(uid)
            .page_size(17)
            .look_ahead(0)
            .by_item()
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_export(
        &got,
        &expected,
        |g| record_id(g, |r| Some(r.task_id.clone()), "taskId"),
        |w| w.task_id.clone(),
    );
    let pages = expected.len().div_ceil(17) as u64;
    assert!(
        sandbox.count("/ar/flow/openapi/record/page") >= pages,
        "{}",
        sandbox.count("/ar/flow/openapi/record/page")
    );

    // Filters: taskName fuzzy, time range.
    let page = bounded(
        client
            .list_work_records(uid)
            .task_name("safety")
            .gmt_start(datetime!(2026-01-03 00:00:00))
            .gmt_end(datetime!(2026-01-09 23:59:59))
            .page_size(1000)
            .send(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let want = expected
        .iter()
        .filter(|r| {
            r.task_name
                .as_deref()
                .is_some_and(|n| n.to_lowercase().contains("safety"))
        })
        .filter(|r| {
            // Wall-clock times of the account's zone (the records carry its offset).
            r.gmt_created
                .as_ref()
                .and_then(common_http::datetime::Timestamp::local_date_time)
                .map(common_http::datetime::format_datetime)
                .is_some_and(|t| {
                    t.as_str() >= "2026-01-03 00:00:00" && t.as_str() <= "2026-01-09 23:59:59"
                })
        })
        .count();
    assert_eq!(page.total as usize, want);
    assert_eq!(page.list.len(), want);
}

#[tokio::test]
async fn a_look_ahead_export_keeps_its_bound_on_the_server() {
    let route = "/ar/flow/openapi/record/page";
    let sandbox = match sandbox_builder()
        .seed(42)
        .records(600)
        .fault(
            route,
            vendor_sandbox::Fault::latency(Duration::from_millis(20)),
        )
        .start()
        .await
    {
        Ok(s) => s,
        Err(e) => panic!("sandbox did not start: {e}"),
    };
    let got: Vec<_> = bounded(
        rokid(&sandbox)
            .list_work_records(ROKID_UIDS[1])
            .page_size(5)
            .look_ahead(3)
            .by_item()
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(got.len() > 50, "{}", got.len());
    // Several pages were in flight at once (the look-ahead works), never more than three.
    let most = sandbox.max_in_flight();
    assert!((2..=3).contains(&most), "max in flight: {most}");
    sandbox.reset_counts();
    assert_eq!(sandbox.max_in_flight(), 0);
}

#[tokio::test]
async fn rokid_chat_logs_filters_and_documents() {
    let sandbox = start(300).await;
    let client = rokid(&sandbox);
    let expected: Vec<_> = sandbox
        .data()
        .chat_logs
        .iter()
        .filter(|l| l.log_type == ChatLogType::Recognition)
        .filter(|l| {
            l.agent_name
                .as_deref()
                .is_some_and(|a| a.to_lowercase().contains("repair"))
        })
        .cloned()
        .collect();
    let got: Vec<_> = bounded(
        client
            .list_chat_logs()
            .log_type(ChatLogType::Recognition)
            .agent_name("repair")
            .start_time(date!(2026 - 01 - 01))
            .page_size(7)
            .by_item()
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_export(
        &got,
        &expected,
        |g| record_id(g, |l| Some(l.id.to_string()), "id"),
        |w| w.id.to_string(),
    );
    let keyword = bounded(
        client
            .list_chat_logs()
            .keywords("LEAK")
            .page_size(500)
            .send(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(keyword.total > 0);
    // Every question read holds the keyword (in quirks mode a record may be unreadable or
    // have lost the field; the keyword still matched it on the server).
    let questions: Vec<&str> = keyword
        .list
        .iter()
        .filter_map(|l| l.typed()?.question_content.as_deref())
        .collect();
    assert!(!questions.is_empty() && questions.iter().all(|q| q.contains("leak")));
    if !quirks_run() {
        assert_eq!(questions.len(), keyword.list.len());
    }

    // Documents point back at the sandbox and serve its bytes.
    let record = &sandbox.data().work_records[0];
    let doc = &record.documents()[0];
    assert!(doc.url.starts_with(sandbox.base_url()), "{}", doc.url);
    let mut bytes = Vec::new();
    bounded(client.download(&doc.url).to_writer(&mut bytes))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Some(bytes), sandbox.document(&doc.url));
}

#[tokio::test]
async fn rokid_wrong_key_is_an_auth_error() {
    let sandbox = start(10).await;
    let client = RokidClient::builder()
        .base_url(sandbox.urls().rokid.clone())
        .api_key("wrong")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = bounded(client.list_work_records(ROKID_UIDS[0]).send())
        .await
        .err();
    assert!(err.as_ref().is_some_and(|e| e.is_auth()), "{err:?}");
    assert_eq!(sandbox.count("/ar/flow/openapi/record/page"), 1);
}

#[tokio::test]
async fn sobot_conversation_stream_workflow_and_end() {
    let sandbox = start(10).await;
    let client = sobot(&sandbox);
    let mut conversation = client.conversation("1", "biz-sandbox");
    bounded(conversation.init())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let stream = bounded(conversation.ask_stream("hello there"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let events: Vec<AnswerEvent> = bounded(stream.try_collect())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let text: String = events.iter().filter_map(AnswerEvent::text).collect();
    assert_eq!(text, "You said: hello there");
    assert!(
        matches!(events.last(), Some(AnswerEvent::Info(_))),
        "{events:?}"
    );

    let answers = bounded(conversation.ask("show me the workflow menu"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let menu = &answers[0];
    assert_eq!(
        menu.robot_answer_message_type,
        RobotAnswerMessageType::ProcessInfo
    );
    assert_eq!(
        menu.variable_value_enums.as_deref(),
        Some(&WORKFLOW_CHOICES.map(String::from)[..])
    );
    let chosen = bounded(conversation.click_button(menu, "Exchange"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        chosen[0].answer.as_deref(),
        Some("You chose Exchange. Done.")
    );

    let request = bounded(conversation.request("anyone there?"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    bounded(conversation.end())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sandbox.count("/ai-agent-open/ask/end_session"), 1);
    // After end_session, a streamed answer is only ERROR_END.
    let collected = bounded(async {
        client
            .ask_stream(request)
            .send()
            .await?
            .collect_answer()
            .await
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(collected.terminated.is_some(), "{collected:?}");
    assert_eq!(sandbox.count_token_requests(), 1);
}

#[tokio::test]
async fn sobot_token_expiring_mid_conversation_is_renewed_once() {
    let sandbox = match sandbox_builder()
        .records(10)
        .sobot_token_invalid_after(2)
        .start()
        .await
    {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let client = sobot(&sandbox);
    let mut conversation = client.conversation("1", "biz");
    bounded(conversation.init())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for question in ["one", "two", "three"] {
        let answers = bounded(conversation.ask(question))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            answers[0].answer.as_deref(),
            Some(format!("You said: {question}").as_str())
        );
    }
    // init + one ask on the first token; the second ask was refused once (900002), the
    // token renewed and the ask sent again; the third ask uses the second token.
    assert_eq!(sandbox.count_token_requests(), 2);
    assert_eq!(sandbox.count("/ai-agent-open/ask/answer_no_stream"), 4);
}

#[tokio::test]
async fn sobot_wrong_app_key_sends_no_api_request() {
    let sandbox = start(10).await;
    let client = SobotClient::builder()
        .base_url(sandbox.base_url())
        .appid(sandbox.credentials().sobot_appid.clone())
        .app_key("not-the-key")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = bounded(client.ask_init("1", "b").send()).await.err();
    assert!(err.is_some());
    assert_eq!(sandbox.count_token_requests(), 1);
    assert_eq!(sandbox.count("/ai-agent-open/ask/ask_init"), 0);
}

#[tokio::test]
async fn sobot_record_list_export_matches() {
    let sandbox = start(400).await;
    let client = sobot(&sandbox);
    let params = RecordListParams::new(date!(2026 - 01 - 02), date!(2026 - 01 - 06), 1, 9);
    let got: Vec<_> = bounded(
        client
            .list_reception_records(params)
            .by_item()
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let from = datetime!(2026-01-02 00:00:00).assume_utc().unix_timestamp() * 1000;
    let to = datetime!(2026-01-07 00:00:00).assume_utc().unix_timestamp() * 1000;
    let expected: Vec<_> = sandbox
        .data()
        .sobot_records
        .iter()
        .filter(|r| r.start_time.is_some_and(|t| t >= from && t < to))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_export(
        &got,
        &expected,
        |g| record_id(g, |r| r.cid.clone(), "cid"),
        |w| w.cid.clone().unwrap_or_default(),
    );
}

fn itnio(sandbox: &Sandbox, clock: Option<Arc<dyn itnio_client::Clock>>) -> ItnioClient {
    let c = sandbox.credentials();
    let mut builder = ItnioClient::builder()
        .base_url(sandbox.urls().itnio.clone())
        .api_key(c.itnio_api_key.clone())
        .api_secret(c.itnio_api_secret.clone())
        .retry_policy(fast_retries());
    if let Some(clock) = clock {
        builder = builder.clock(clock);
    }
    builder.build().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn itnio_full_export_with_filters_matches() {
    let sandbox = start(500).await;
    let client = itnio(&sandbox, None);
    let (from, to) = (
        datetime!(2026-01-02 00:00:00),
        datetime!(2026-01-12 00:00:00),
    );
    let statuses = [TaskStatus::Calling, TaskStatus::Finished];
    let got: Vec<_> = bounded(
        client
            .list_group_call_tasks(from, to)
            .size(13)
            .status_list(statuses)
            .idx_app_id(1002)
            .by_item()
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let expected: Vec<_> = sandbox
        .data()
        .itnio_tasks
        .iter()
        .filter(|t| t.app_id == 1002)
        .map(|t| t.task.clone())
        .filter(|t| t.status.is_some_and(|s| statuses.contains(&s)))
        .filter(|t| {
            t.created_time.as_ref().is_some_and(|c| {
                c.raw() >= "2026-01-02 00:00:00" && c.raw() <= "2026-01-12 00:00:00"
            })
        })
        .collect();
    assert!(!expected.is_empty());
    assert_export(
        &got,
        &expected,
        |g| record_id(g, |t| Some(t.task_id.to_string()), "taskId"),
        |w| w.task_id.to_string(),
    );
    let page = bounded(
        client
            .list_group_call_tasks(from, to)
            .search_condition("LEAK campaign")
            .send(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(page.total > 0);
    assert_eq!(page.pages as i64, (page.total + 9) / 10);
}

#[tokio::test]
async fn itnio_skewed_clock_is_recovered_by_one_resign() {
    let sandbox = match sandbox_builder()
        .records(20)
        .itnio_clock_skew_secs(1000)
        .start()
        .await
    {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    // The first signature uses the local clock (1000 s behind the server): -16; the
    // re-signed attempt reads a clock that has caught up.
    let calls = Arc::new(AtomicU64::new(0));
    let seen = calls.clone();
    let clock: Arc<dyn itnio_client::Clock> = itnio_client::clock_from_unix_seconds(move || {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        if n == 0 {
            now_secs()
        } else {
            now_secs() + 1000
        }
    });
    let client = itnio(&sandbox, Some(clock));
    let page = bounded(
        client
            .list_group_call_tasks(
                datetime!(2026-01-01 00:00:00),
                datetime!(2026-12-31 00:00:00),
            )
            .send(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.total, 20);
    assert_eq!(sandbox.count("/voice/group/call/query"), 2);

    // A clock that stays off: -16 twice, then the typed auth error.
    let client = itnio(&sandbox, None);
    sandbox.reset_counts();
    let err = bounded(
        client
            .list_group_call_tasks(
                datetime!(2026-01-01 00:00:00),
                datetime!(2026-12-31 00:00:00),
            )
            .send(),
    )
    .await
    .err();
    assert!(err.as_ref().is_some_and(|e| e.is_auth()), "{err:?}");
    assert_eq!(err.as_ref().and_then(|e| e.vendor_code()), Some("-16"));
    assert_eq!(sandbox.count("/voice/group/call/query"), 2);
}

#[tokio::test]
async fn itnio_rejects_bad_signatures_and_sizes() {
    let sandbox = start(5).await;
    let c = sandbox.credentials();
    let http = common_http::http_client_builder()
        .build()
        .expect("HTTP client");
    let url = format!("{}/voice/group/call/query", sandbox.base_url());
    let body = serde_json::json!({"current": 1, "size": 101, "params": {
        "strTime": "2026-01-01 00:00:00", "endTime": "2026-02-01 00:00:00", "taskType": 3}});
    let ts = now_secs();
    let post = |sign: String| {
        http.post(&url)
            .header("Api-Key", &c.itnio_api_key)
            .header("Timestamp", ts.to_string())
            .header("Sign", sign)
            .json(&body)
            .send()
    };
    let good = itnio_client::sign(&c.itnio_api_key, &c.itnio_api_secret, ts);
    // A number, or (quirks mode) its text.
    let code = |v: serde_json::Value| {
        let code = v.get("code")?;
        code.as_i64()
            .or_else(|| code.as_str().and_then(|c| c.parse().ok()))
    };
    let answer: serde_json::Value = bounded(async { post(good).await?.json().await })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(answer), Some(-22));
    let answer: serde_json::Value = bounded(async { post("bad".into()).await?.json().await })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(answer), Some(-1));
}

#[tokio::test]
async fn sobot_answer_with_call_back_posts_only_to_localhost() {
    use sobot_client::{BizType, InputTypeEnum, QuestionRequest, SourceEnum};
    let sandbox = start(5).await;
    let client = sobot(&sandbox);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<serde_json::Value>(1);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(v): axum::Json<serde_json::Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(v).await;
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let request = |url: &str| {
        QuestionRequest::builder()
            .question("ping")
            .show_question("ping")
            .input_type_enum(InputTypeEnum::Input)
            .biz_id("biz")
            .biz_type(BizType::AiAgent)
            .biz_type_id("1000045")
            .robotid("1")
            .source_enum(SourceEnum::Pc)
            .build()
            .expect("every required field is set")
            .call_back_url(url.to_owned())
    };
    let ack = bounded(
        client
            .ask_with_callback(request(&format!("http://{addr}/hook")))
            .send(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let msgid = ack
        .get("msgid")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let posted = bounded(rx.recv()).await.unwrap_or_default();
    assert_eq!(
        posted["data"][0]["answer"].as_str(),
        Some("You said: ping"),
        "{posted}"
    );
    let push = bounded(client.fetch_push_info(msgid).send())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(sobot_client::Push::from_info(&push).is_some_and(|p| p.is_final()));
    let refused = bounded(
        client
            .ask_with_callback(request("http://example.com/hook"))
            .send(),
    )
    .await;
    assert!(refused.is_err_and(|e| e.is_api()));
    server.abort();
}

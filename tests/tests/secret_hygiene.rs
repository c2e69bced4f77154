//! Secret hygiene, end to end: every client flow (and the inbound server) runs against the
//! vendor sandbox with tracing at TRACE level into a buffer, and no credential, token or
//! signature may appear in the logs, in any error's `Display`/`Debug`, or in the `Debug` of
//! any client, configuration, builder, request builder or generated model.
//!
//! The credentials are unique random strings. The Sobot tokens the sandbox issues and the
//! `get_token` signatures are captured on the wire by a recording proxy between the Sobot
//! client and the sandbox; the Itniotech signatures are computed from the timestamps the
//! signer's clock handed out.
//!
//! One test in its own binary, on a current-thread runtime with the subscriber set as the
//! thread's default: every task (clients, sandbox, proxy, inbound server) runs on this
//! thread, so every event is captured, and no other test races tracing's callsite cache.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use itnio_client::ItnioClient;
use rokid_client::{RetryPolicy, RokidClient};
use serde_json::{Value, json};
use sobot_client::server::{
    AgentError, AgentReply, AnswerPart, EnterprisePayload, ServerConfig, ThirdPartyAgent,
};
use sobot_client::{
    AgentRequest, FetchTokenRequest, PushPolling, RecordListParams, SobotClient, SourceListParams,
};
use time::macros::{date, datetime};
use tracing_subscriber::fmt::format::FmtSpan;
use vendor_sandbox::{Credentials, Fault, ROKID_UIDS, SOBOT_TOKEN_ROUTE, Sandbox};

/// The key under which the inbound server expects its shared secret.
const SECRET_KEY: &str = "token";

/// A random-looking string unique to this run (`prefix-` and 32 hex digits).
fn random_secret(prefix: &str) -> String {
    let state = std::collections::hash_map::RandomState::new();
    let mut a = state.build_hasher();
    a.write(prefix.as_bytes());
    let mut b = state.build_hasher();
    b.write_u64(a.finish());
    format!("{prefix}-{:016x}{:016x}", a.finish(), b.finish())
}

/// Every secret of the run, by what it is.
#[derive(Default)]
struct Secrets(Mutex<BTreeMap<String, String>>);

impl Secrets {
    fn add(&self, label: impl Into<String>, value: impl Into<String>) {
        let value = value.into();
        assert!(
            value.len() >= 8,
            "a secret too short to search for: {value:?}"
        );
        self.0.lock().unwrap().insert(value, label.into());
    }

    fn all(&self) -> Vec<(String, String)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(v, l)| (l.clone(), v.clone()))
            .collect()
    }

    fn count(&self, label_prefix: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .values()
            .filter(|l| l.starts_with(label_prefix))
            .count()
    }
}

/// What must be searched: the `Display`, `{:?}` and `{:#?}` of every error (and of each
/// error in its source chain) and the `Debug` of every value the test was given.
#[derive(Default)]
struct Exhibits(Vec<(String, String)>);

impl Exhibits {
    fn debug(&mut self, what: &str, value: &dyn std::fmt::Debug) {
        self.0
            .push((format!("{what} {{:?}}"), format!("{value:?}")));
        self.0
            .push((format!("{what} {{:#?}}"), format!("{value:#?}")));
    }

    fn error(&mut self, what: &str, error: &(dyn std::error::Error + 'static)) {
        self.debug(what, &error);
        let mut next = Some(error);
        let mut depth = 0;
        while let Some(e) = next {
            self.0
                .push((format!("{what} source {depth} Display"), e.to_string()));
            next = e.source();
            depth += 1;
        }
    }

    /// Records the error of `result`, which must have failed.
    fn expect_err<T>(
        &mut self,
        what: &str,
        result: Result<T, common_http::Error>,
    ) -> common_http::Error {
        match result {
            Ok(_) => panic!("{what}: expected an error"),
            Err(e) => {
                self.error(what, &e);
                e
            }
        }
    }
}

// ---------------------------------------------------------------- the log buffer

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

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// ---------------------------------------------------------------- the recording proxy

/// Relays Sobot traffic to the sandbox and records the tokens and signatures it carries;
/// answers Sobot's two callback routes itself (the sandbox does not serve them).
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    secrets: Arc<Secrets>,
    callbacks: AtomicU64,
}

const CALLBACK_ROUTES: [&str; 2] = [
    "/ai-agent-open/ask/callback_list",
    "/ai-agent-open/api/kb/question_call_back",
];

async fn relay(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    if let Some(token) = parts.headers.get("token").and_then(|v| v.to_str().ok()) {
        proxy.secrets.add("sobot token (request header)", token);
    }
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let url = reqwest::Url::parse(&format!("http://x/?{query}")).unwrap();
    for (name, value) in url.query_pairs() {
        if name == "sign" {
            proxy.secrets.add("sobot get_token sign (query)", value);
        }
    }
    if CALLBACK_ROUTES.contains(&path.as_str()) {
        proxy.callbacks.fetch_add(1, Ordering::SeqCst);
        return (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"ret_code":"000000","ret_msg":"success"}"#,
        )
            .into_response();
    }
    let mut headers = parts.headers.clone();
    for name in [header::HOST, header::CONTENT_LENGTH] {
        headers.remove(name);
    }
    let target = format!("{}{path}?{query}", proxy.upstream);
    let sent = proxy
        .http
        .request(parts.method, target)
        .headers(headers)
        .body(body)
        .send()
        .await;
    let Ok(answer) = sent else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let mut headers: HeaderMap = answer.headers().clone();
    for name in [
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::CONNECTION,
    ] {
        headers.remove(name);
    }
    let body = if path == SOBOT_TOKEN_ROUTE {
        let bytes = answer.bytes().await.unwrap_or_default();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        if let Some(token) = value["item"]["token"].as_str() {
            proxy.secrets.add("sobot token (get_token answer)", token);
        }
        Body::from(bytes)
    } else {
        Body::from_stream(answer.bytes_stream())
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

// ---------------------------------------------------------------- clients

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(2))
        .jitter(false)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An Itniotech clock that records every timestamp it hands out (so the test can compute
/// the signatures) and runs `offset` seconds ahead of the system clock.
fn recording_clock(
    seen: Arc<Mutex<Vec<u64>>>,
    offset: Arc<AtomicI64>,
) -> Arc<dyn itnio_client::Clock> {
    itnio_client::clock_from_unix_seconds(move || {
        let ts = now_secs().saturating_add_signed(offset.load(Ordering::SeqCst));
        seen.lock().unwrap().push(ts);
        ts
    })
}

fn sobot_client(url: &str, appid: &str, app_key: &str) -> SobotClient {
    SobotClient::builder()
        .base_url(url)
        .appid(appid)
        .app_key(app_key)
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn fixture(name: &str) -> Value {
    let path = workspace_tests::fixture_path(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

// ---------------------------------------------------------------- the inbound agent

/// Logs what it got (as a careless agent would) and echoes the question, streamed or not.
struct EchoAgent;

#[sobot_client::server::async_trait]
impl ThirdPartyAgent for EchoAgent {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        tracing::debug!(?request, "agent received a question");
        let parts = vec![
            AnswerPart::from("echo: "),
            AnswerPart::from(request.question),
        ];
        Ok(AgentReply::stream(futures::stream::iter(parts)))
    }
}

// ---------------------------------------------------------------- the test

#[test]
fn no_secret_reaches_logs_errors_or_debug_output() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let secrets = Arc::new(Secrets::default());
    let mut exhibits = Exhibits::default();
    {
        let _guard = tracing::subscriber::set_default(subscriber);
        tracing::trace!("secret hygiene: TRACE is captured");
        runtime.block_on(async {
            tokio::time::timeout(
                Duration::from_secs(120),
                Box::pin(run_flows(secrets.clone(), &mut exhibits)),
            )
            .await
            .expect("the flows took longer than two minutes");
        });
    }
    let logs = buffer.text();

    // The capture really works, at every level, for every vendor.
    assert!(logs.contains("secret hygiene: TRACE is captured"), "{logs}");
    for needle in [
        "http.request",
        "path=\"/ar/flow/openapi/record/page\"",
        "path=\"/ar/assistant/openapi/chatLog/page\"",
        "path=\"/api/get_token\"",
        "path=\"/ai-agent-open/ask/answer\"",
        "path=\"/ai-agent-open/ask/answer_no_stream\"",
        "path=\"/ai-agent-open/api/statistics/recordList\"",
        "path=\"/voice/group/call/query\"",
        "requesting a new Sobot token",
        "the Sobot token was rejected; fetching a new one",
        "credentials rejected; retrying once with fresh credentials",
        "attempt failed; retrying",
        "agent received a question",
        "sobot inbound request with a wrong or missing shared secret",
    ] {
        assert!(logs.contains(needle), "`{needle}` not logged:\n{logs}");
    }

    // Enough of each kind of secret was seen for the search to mean something.
    assert!(secrets.count("sobot token") >= 4, "{:?}", secrets.all());
    assert!(
        secrets.count("sobot get_token sign") >= 3,
        "{:?}",
        secrets.all()
    );
    assert!(secrets.count("itnio sign") >= 4, "{:?}", secrets.all());
    assert!(exhibits.0.len() > 60, "{}", exhibits.0.len());

    let mut leaks = Vec::new();
    for (label, value) in secrets.all() {
        if let Some(at) = logs.find(&value) {
            let line = logs[..at].rsplit('\n').next().unwrap_or_default();
            leaks.push(format!("{label} in the logs: …{line}"));
        }
        for (what, text) in &exhibits.0 {
            if text.contains(&value) {
                leaks.push(format!("{label} in {what}: {text}"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// Every flow of every client, the failures included.
async fn run_flows(secrets: Arc<Secrets>, exhibits: &mut Exhibits) {
    let mut credentials = Credentials::default();
    credentials.rokid_api_key = random_secret("rokid-key");
    credentials.sobot_app_key = random_secret("sobot-app-key");
    credentials.itnio_api_key = random_secret("itnio-key");
    credentials.itnio_api_secret = random_secret("itnio-secret");
    secrets.add("rokid api key", credentials.rokid_api_key.clone());
    secrets.add("sobot app key", credentials.sobot_app_key.clone());
    secrets.add("itnio api key", credentials.itnio_api_key.clone());
    secrets.add("itnio api secret", credentials.itnio_api_secret.clone());
    let sandbox = Sandbox::builder()
        .records(40)
        .credentials(credentials.clone())
        .start()
        .await
        .unwrap();

    rokid_flows(&sandbox, &credentials, &secrets, exhibits).await;
    Box::pin(sobot_flows(&sandbox, &credentials, &secrets, exhibits)).await;
    itnio_flows(&sandbox, &credentials, &secrets, exhibits).await;
    Box::pin(inbound_flows(&sandbox, &credentials, &secrets, exhibits)).await;
}

async fn rokid_flows(
    sandbox: &Sandbox,
    credentials: &Credentials,
    secrets: &Secrets,
    exhibits: &mut Exhibits,
) {
    let builder = RokidClient::builder()
        .base_url(sandbox.urls().rokid.clone())
        .api_key(credentials.rokid_api_key.clone())
        .retry_policy(fast_retries());
    exhibits.debug("RokidClientBuilder", &builder);
    let client = builder.build().unwrap();
    exhibits.debug("RokidClient", &client);

    let pages: Vec<_> = client
        .list_work_records(ROKID_UIDS[0])
        .page_size(5)
        .by_page()
        .try_collect()
        .await
        .unwrap();
    assert!(pages.len() > 1, "{}", pages.len());
    let logs = client.list_chat_logs().page_size(7);
    exhibits.debug("ListChatLogs", &logs);
    let logs: Vec<_> = logs.by_item().try_collect().await.unwrap();
    assert!(!logs.is_empty());
    let records: Vec<_> = client
        .list_work_records(ROKID_UIDS[1])
        .gmt_start(datetime!(2026-01-01 00:00:00))
        .by_item()
        .try_collect()
        .await
        .unwrap();
    let doc = records
        .iter()
        .filter_map(|r| r.typed())
        .flat_map(|r| r.documents())
        .next()
        .expect("a record with a document");
    let download = client.download(&doc.url);
    assert!(download.carries_api_key());
    exhibits.debug("Download", &download);
    let mut bytes = Vec::new();
    download.to_writer(&mut bytes).await.unwrap();
    assert_eq!(Some(bytes), sandbox.document(&doc.url));

    // A 503 burst (retried), a body cut short (a transport error), a wrong key (401).
    sandbox.add_fault("/ar/flow/openapi/record/page", Fault::status(503).first(2));
    client
        .list_work_records(ROKID_UIDS[0])
        .send()
        .await
        .unwrap();
    sandbox.clear_faults();
    sandbox.add_fault(
        "/ar/assistant/openapi/chatLog/page",
        Fault::truncated_body(),
    );
    let cut = client
        .list_chat_logs()
        .with_options(rokid_client::RequestOptions::new().retry(RetryPolicy::none()))
        .send()
        .await;
    exhibits.expect_err("rokid truncated body", cut);
    sandbox.clear_faults();
    let wrong_key = random_secret("rokid-wrong-key");
    secrets.add("rokid wrong api key", wrong_key.clone());
    let wrong = RokidClient::builder()
        .base_url(sandbox.urls().rokid.clone())
        .api_key(wrong_key)
        .build()
        .unwrap();
    exhibits.debug("RokidClient (wrong key)", &wrong);
    let err = exhibits.expect_err(
        "rokid wrong key",
        wrong.list_work_records(ROKID_UIDS[0]).send().await,
    );
    assert!(err.is_auth(), "{err:?}");
}

async fn sobot_flows(
    sandbox: &Sandbox,
    credentials: &Credentials,
    secrets: &Arc<Secrets>,
    exhibits: &mut Exhibits,
) {
    let proxy = Arc::new(Proxy {
        upstream: sandbox.base_url().to_owned(),
        http: common_http::http_client_builder()
            .build()
            .expect("HTTP client"),
        secrets: secrets.clone(),
        callbacks: AtomicU64::new(0),
    });
    let url = serve(
        axum::Router::new()
            .fallback(relay)
            .with_state(proxy.clone()),
    )
    .await;
    let builder = SobotClient::builder()
        .base_url(url.clone())
        .appid(credentials.sobot_appid.clone())
        .app_key(credentials.sobot_app_key.clone())
        .retry_policy(fast_retries());
    exhibits.debug("SobotClientBuilder", &builder);
    let client = builder.build().unwrap();

    // Token fetch, then a conversation: init, streamed and plain asks, a workflow click.
    client.ensure_token().await.unwrap();
    exhibits.debug("SobotClient", &client);
    let mut conversation = client.conversation("1", "biz-hygiene");
    conversation.init().await.unwrap();
    exhibits.debug("Conversation", &conversation);
    let request = conversation.request("hello there").await.unwrap();
    let answer = client.ask_stream(request);
    exhibits.debug("AskStream", &answer);
    let stream = answer.send().await.unwrap();
    exhibits.debug("AnswerStream", &stream);
    let text = stream.collect_text().await.unwrap();
    assert_eq!(text, "You said: hello there");
    let menu = conversation.ask("show me the workflow menu").await.unwrap();
    let chosen = conversation
        .click_button(&menu[0], "Exchange")
        .await
        .unwrap();
    assert_eq!(
        chosen[0].answer.as_deref(),
        Some("You chose Exchange. Done.")
    );

    // The token invalidated mid-session: renewed once, the ask repeated.
    sandbox.invalidate_sobot_token();
    let again = conversation.ask("still there?").await.unwrap();
    assert_eq!(again[0].answer.as_deref(), Some("You said: still there?"));
    conversation.end().await.unwrap();

    // A callback answer, then push polling for it.
    let hook =
        serve(axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }))).await;
    let callback = sobot_client::QuestionRequest::builder()
        .question("ping")
        .show_question("ping")
        .input_type_enum(sobot_client::InputTypeEnum::Input)
        .biz_id("biz")
        .biz_type(sobot_client::BizType::AiAgent)
        .biz_type_id("1000045")
        .robotid("1")
        .source_enum(sobot_client::SourceEnum::Pc)
        .build()
        .unwrap()
        .call_back_url(format!("{hook}/hook"));
    let ack = client.ask_with_callback(callback).send().await.unwrap();
    let msgid = ack["msgid"].as_str().unwrap_or_default().to_owned();
    let mut delayed = again[0].clone();
    delayed.msgid = msgid;
    delayed.delay = 1;
    let pushes: Vec<sobot_client::Push> = client
        .poll_pushes(
            &delayed,
            PushPolling::default().interval(Duration::from_millis(20)),
        )
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(
        pushes.last().is_some_and(sobot_client::Push::is_final),
        "{pushes:?}"
    );

    // Statistics.
    let params = RecordListParams::new(date!(2026 - 01 - 01), date!(2026 - 01 - 31), 1, 9);
    let records = client.list_reception_records(params);
    exhibits.debug("ListReceptionRecords", &records);
    let records: Vec<_> = records.by_item().try_collect().await.unwrap();
    assert!(!records.is_empty());
    client.list_robots().send().await.unwrap();
    client
        .list_channels(SourceListParams::new(
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 31),
        ))
        .send()
        .await
        .unwrap();
    client.list_timezones().send().await.unwrap();

    // A generated get_token request, as a user would build it.
    let create_time = now_secs().to_string();
    let sign = sobot_client::sign(
        &credentials.sobot_appid,
        &create_time,
        &credentials.sobot_app_key,
    );
    secrets.add("sobot get_token sign (computed)", sign.clone());
    let request =
        FetchTokenRequest::new(credentials.sobot_appid.clone(), create_time.clone(), sign);
    exhibits.debug("FetchTokenRequest", &request);
    let token = format!("tok-hygiene-{create_time}");
    secrets.add("sobot token (a token answer)", token.clone());
    let item: sobot_client::TokenItem =
        serde_json::from_value(serde_json::json!({"token": token, "expires_in": 86400})).unwrap();
    exhibits.debug("TokenItem", &item);

    // Failures: a token the server keeps refusing, a wrong app key, a reset token route.
    sandbox.set_sobot_token_invalid_after(Some(0));
    let err = exhibits.expect_err(
        "sobot token refused twice",
        client.ask_init("1", "biz").send().await,
    );
    assert!(err.is_auth(), "{err:?}");
    sandbox.set_sobot_token_invalid_after(None);
    let wrong_key = random_secret("sobot-wrong-app-key");
    secrets.add("sobot wrong app key", wrong_key.clone());
    let wrong = sobot_client(&url, &credentials.sobot_appid, &wrong_key);
    exhibits.debug("SobotClient (wrong key)", &wrong);
    exhibits.expect_err(
        "sobot wrong app key",
        wrong.ask_init("1", "biz").send().await,
    );
    sandbox.add_fault(SOBOT_TOKEN_ROUTE, Fault::connection_reset());
    let direct = sobot_client(
        sandbox.base_url(),
        &credentials.sobot_appid,
        &credentials.sobot_app_key,
    );
    let before = now_secs();
    let err = exhibits.expect_err("sobot get_token reset", direct.ensure_token().await);
    assert!(err.is_transport(), "{err:?}");
    // Not relayed by the proxy: the signatures of every second the attempts could use.
    for create_time in before - 1..=now_secs() + 1 {
        secrets.add(
            "sobot get_token sign (computed, direct)",
            sobot_client::sign(
                &credentials.sobot_appid,
                &create_time.to_string(),
                &credentials.sobot_app_key,
            ),
        );
    }
    sandbox.clear_faults();
    assert_eq!(proxy.callbacks.load(Ordering::SeqCst), 0);
}

async fn itnio_flows(
    sandbox: &Sandbox,
    credentials: &Credentials,
    secrets: &Secrets,
    exhibits: &mut Exhibits,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let offset = Arc::new(AtomicI64::new(0));
    let builder = ItnioClient::builder()
        .base_url(sandbox.urls().itnio.clone())
        .api_key(credentials.itnio_api_key.clone())
        .api_secret(credentials.itnio_api_secret.clone())
        .retry_policy(fast_retries())
        .clock(recording_clock(seen.clone(), offset.clone()));
    exhibits.debug("ItnioClientBuilder", &builder);
    let client = builder.build().unwrap();
    exhibits.debug("ItnioClient", &client);
    exhibits.debug(
        "ItnioSigner",
        &itnio_client::ItnioSigner::new(
            credentials.itnio_api_key.clone(),
            credentials.itnio_api_secret.clone(),
        ),
    );
    let (from, to) = (
        datetime!(2026-01-01 00:00:00),
        datetime!(2026-12-31 00:00:00),
    );
    let query = client.list_group_call_tasks(from, to).size(7);
    exhibits.debug("GroupCallTasksQuery", &query);
    exhibits.debug("GroupCallTasksQuery RequestSpec", &query.to_spec().unwrap());
    let tasks: Vec<_> = query.by_item().try_collect().await.unwrap();
    assert_eq!(tasks.len(), 40);

    // The server clock runs ahead: the first signature expires (-16), the re-signed
    // attempt (our clock caught up in between) passes.
    sandbox.set_itnio_clock_skew_secs(1000);
    let skew_clock: Arc<dyn itnio_client::Clock> = {
        let seen = seen.clone();
        let calls = AtomicU64::new(0);
        itnio_client::clock_from_unix_seconds(move || {
            let ahead = if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                0
            } else {
                1000
            };
            let ts = now_secs() + ahead;
            seen.lock().unwrap().push(ts);
            ts
        })
    };
    let skewed = ItnioClient::builder()
        .base_url(sandbox.urls().itnio.clone())
        .api_key(credentials.itnio_api_key.clone())
        .api_secret(credentials.itnio_api_secret.clone())
        .clock(skew_clock)
        .build()
        .unwrap();
    let page = skewed.list_group_call_tasks(from, to).send().await.unwrap();
    assert_eq!(page.total, 40);
    // A clock that stays behind: -16 twice, a typed auth error.
    let err = exhibits.expect_err(
        "itnio clock skew",
        client.list_group_call_tasks(from, to).send().await,
    );
    assert!(err.is_auth(), "{err:?}");
    sandbox.set_itnio_clock_skew_secs(0);

    // A wrong secret (-1), and a 503 burst that is retried.
    let wrong_secret = random_secret("itnio-wrong-secret");
    secrets.add("itnio wrong api secret", wrong_secret.clone());
    let wrong = ItnioClient::builder()
        .base_url(sandbox.urls().itnio.clone())
        .api_key(credentials.itnio_api_key.clone())
        .api_secret(wrong_secret.clone())
        .clock(recording_clock(seen.clone(), offset))
        .build()
        .unwrap();
    exhibits.debug("ItnioClient (wrong secret)", &wrong);
    let err = exhibits.expect_err(
        "itnio wrong secret",
        wrong.list_group_call_tasks(from, to).send().await,
    );
    assert!(err.is_auth() || err.is_api(), "{err:?}");
    sandbox.add_fault("/voice/group/call/query", Fault::status(503).first(2));
    client.list_group_call_tasks(from, to).send().await.unwrap();
    sandbox.clear_faults();

    // Every signature any of these clients could have sent.
    let timestamps = seen.lock().unwrap().clone();
    assert!(timestamps.len() >= 8, "{timestamps:?}");
    for ts in timestamps {
        for secret in [&credentials.itnio_api_secret, &wrong_secret] {
            secrets.add(
                "itnio sign (computed)",
                itnio_client::sign(&credentials.itnio_api_key, secret, ts),
            );
        }
    }
}

/// The inbound integration server with a shared secret, calling back through the proxy.
async fn inbound_flows(
    sandbox: &Sandbox,
    credentials: &Credentials,
    secrets: &Arc<Secrets>,
    exhibits: &mut Exhibits,
) {
    let shared = random_secret("inbound-shared-secret");
    secrets.add("inbound shared secret", shared.clone());
    let proxy = Arc::new(Proxy {
        upstream: sandbox.base_url().to_owned(),
        http: common_http::http_client_builder()
            .build()
            .expect("HTTP client"),
        secrets: secrets.clone(),
        callbacks: AtomicU64::new(0),
    });
    let proxy_url = serve(
        axum::Router::new()
            .fallback(relay)
            .with_state(proxy.clone()),
    )
    .await;
    let client = sobot_client(
        &proxy_url,
        &credentials.sobot_appid,
        &credentials.sobot_app_key,
    );
    let config = ServerConfig::new()
        .shared_secret(SECRET_KEY, shared.clone())
        .sobot_client(client)
        .callback_retry(2, Duration::from_millis(5));
    exhibits.debug("ServerConfig", &config);
    let app = sobot_client::server::router(EchoAgent, config)
        .unwrap()
        .route(
            "/enterprise",
            axum::routing::post(|payload: EnterprisePayload| async move {
                tracing::debug!(?payload, "enterprise interface called");
                format!("{payload:?}")
            }),
        );
    let url = serve(app).await;
    let http = common_http::http_client_builder()
        .build()
        .expect("HTTP client");

    let question = |stream: bool, copilot: bool, runtimeid: Option<&str>, secret: &str| {
        let mut body = fixture("sobot/third_algorithm_req_vo.model.json");
        body["question"] = json!("hi");
        body["req_stream"] = json!(stream);
        body["copilot"] = json!(copilot);
        body["params"] = json!({ SECRET_KEY: secret });
        body["multi_params"] = json!({ "city": "Beijing", SECRET_KEY: secret });
        let map = body.as_object_mut().unwrap();
        match runtimeid {
            Some(id) => {
                map.insert("runtimeid".into(), json!(id));
            }
            None => {
                map.remove("runtimeid");
            }
        }
        body
    };
    let typed: AgentRequest =
        serde_json::from_value(question(false, false, None, &shared)).unwrap();
    exhibits.debug("AgentRequest", &typed);

    // Copilot (callback_list) and batch test (question_call_back), each called back once.
    for body in [
        question(false, true, None, &shared),
        question(true, false, Some("run-1"), &shared),
    ] {
        let response = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(text.contains("echo: "), "{text}");
    }
    for _ in 0..200 {
        if proxy.callbacks.load(Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(proxy.callbacks.load(Ordering::SeqCst), 2);

    // A wrong shared secret, none at all, a body that is not JSON.
    let wrong = random_secret("inbound-wrong-secret");
    secrets.add("inbound wrong shared secret", wrong.clone());
    for (body, status) in [
        (question(false, false, None, &wrong).to_string(), 401),
        (question(false, false, None, "").to_string(), 401),
        (
            format!("{{\"params\": {{\"{SECRET_KEY}\": \"{shared}\""),
            400,
        ),
    ] {
        let response = http
            .post(&url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status);
        let text = response.text().await.unwrap();
        exhibits.0.push(("inbound error response".into(), text));
    }

    // The enterprise interface payload: its Debug (logged, and echoed) hides the params.
    let payload = json!({
        "partnerId": "p-1",
        "params": format!("{{\"{SECRET_KEY}\":\"{shared}\"}}"),
        "multiParams": { SECRET_KEY: shared },
        "robotNo": 1,
        "orderNo": "42",
    });
    let echoed = http
        .post(format!("{url}/enterprise"))
        .json(&payload)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        echoed.contains("orderNo") && echoed.contains("[redacted]"),
        "{echoed}"
    );
    exhibits.0.push(("EnterprisePayload Debug".into(), echoed));
}

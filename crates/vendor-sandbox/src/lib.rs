#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod agent;
#[cfg(feature = "cli")]
pub mod cli;
mod conn;
mod data;
mod faults;
mod itnio;
mod quirks;
mod reception;
mod rokid;
mod sobot;

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use agent::{AGENT_KEPT, AgentCallbacks};
pub use data::{
    DATA_EPOCH, Dataset, ITNIO_APP_IDS, ItnioTask, ROKID_OFFSET, ROKID_UIDS, SOBOT_ROBOT_IDS,
};
pub use faults::{Fault, FaultKind, FaultParseError, RouteFault, Trigger};
pub use quirks::QuirkKind;
pub use reception::{RECEPTION_FILTERS, ReceptionFacets};
pub use sobot::{SobotPush, WORKFLOW_CHOICES, questions as sobot_questions};

use conn::{ConnHandle, KillListener};

/// The Sobot token route (counted by [`Sandbox::count_token_requests`]).
pub const SOBOT_TOKEN_ROUTE: &str = "/api/get_token";

/// The credentials a sandbox accepts. They are not secrets: print them, put them in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Credentials {
    /// Rokid bearer API key.
    pub rokid_api_key: String,
    /// Sobot `appid`.
    pub sobot_appid: String,
    /// Sobot `app_key` (signs `get_token`).
    pub sobot_app_key: String,
    /// Itniotech `Api-Key`.
    pub itnio_api_key: String,
    /// Itniotech API secret (signs every call).
    pub itnio_api_secret: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            rokid_api_key: "sandbox-rokid-key".into(),
            sobot_appid: "sandbox-sobot-appid".into(),
            sobot_app_key: "sandbox-sobot-app-key".into(),
            itnio_api_key: "sandbox-itnio-key".into(),
            itnio_api_secret: "sandbox-itnio-secret".into(),
        }
    }
}

/// The base URLs to give each client (all on the same address).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Urls {
    /// Rokid base URL.
    pub rokid: String,
    /// Sobot API base URL.
    pub sobot_api: String,
    /// Sobot token base URL.
    pub sobot_token: String,
    /// Itniotech base URL.
    pub itnio: String,
}

/// The sandbox's settings (see [`SandboxBuilder`]).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) seed: u64,
    pub(crate) records: usize,
    pub(crate) document_bytes: usize,
    pub(crate) sobot_token_lifetime: Duration,
    pub(crate) sobot_create_time_window: Duration,
    pub(crate) stream_pace: Duration,
    pub(crate) itnio_window_secs: u64,
    pub(crate) listen: SocketAddr,
    pub(crate) revision: u32,
    pub(crate) sobot_push_delay: i64,
    pub(crate) sobot_push_nothing_yet: u32,
}

/// Builds and starts a [`Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    config: Config,
    credentials: Credentials,
    faults: Vec<RouteFault>,
    token_invalid_after: Option<u64>,
    itnio_clock_skew_secs: i64,
    quirks: bool,
    agent: agent::AgentSettings,
    sobot_push: Option<SobotPush>,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            config: Config {
                seed: 1,
                records: 1000,
                document_bytes: 64 * 1024,
                sobot_token_lifetime: Duration::from_secs(86_400),
                sobot_create_time_window: Duration::from_secs(300),
                stream_pace: Duration::from_millis(5),
                itnio_window_secs: 300,
                listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                revision: 0,
                sobot_push_delay: 1,
                sobot_push_nothing_yet: 1,
            },
            credentials: Credentials::default(),
            faults: Vec::new(),
            token_invalid_after: None,
            itnio_clock_skew_secs: 0,
            quirks: false,
            agent: agent::AgentSettings::default(),
            sobot_push: None,
        }
    }
}

impl SandboxBuilder {
    /// The seed of the generated data and of fractional faults (default 1).
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// How many records of each kind are generated (default 1000).
    pub fn records(mut self, records: usize) -> Self {
        self.config.records = records;
        self
    }

    /// Serves the data as it stands after `round` rounds of changes (default 0): see
    /// [`Dataset::revise`]. Two sandboxes of one seed on one address differ only in the
    /// revised records, as a vendor's data does between two reads.
    pub fn revision(mut self, round: u32) -> Self {
        self.config.revision = round;
        self
    }

    /// The size of each served Rokid document, in bytes (default 64 KiB).
    pub fn document_bytes(mut self, bytes: usize) -> Self {
        self.config.document_bytes = bytes;
        self
    }

    /// The lifetime of a Sobot token (default 24 h; reported in whole seconds, at least 1).
    pub fn sobot_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.sobot_token_lifetime = lifetime;
        self
    }

    /// How far a `get_token` `create_time` may be from the server clock (default 5 min).
    pub fn sobot_create_time_window(mut self, window: Duration) -> Self {
        self.config.sobot_create_time_window = window;
        self
    }

    /// The pause between two `MESSAGE` chunks of a streamed answer (default 5 ms).
    pub fn stream_pace(mut self, pace: Duration) -> Self {
        self.config.stream_pace = pace;
        self
    }

    /// The Itniotech `Timestamp` drift allowed, in seconds (default 300).
    pub fn itnio_window_secs(mut self, secs: u64) -> Self {
        self.config.itnio_window_secs = secs;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.config.listen = addr;
        self
    }

    /// Replaces the credentials the sandbox accepts.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Adds a fault on a route (`*` for every route).
    pub fn fault(mut self, route: impl Into<String>, fault: Fault) -> Self {
        self.faults.push(RouteFault {
            route: route.into(),
            fault,
        });
        self
    }

    /// Adds faults parsed from the command line (see [`RouteFault`]).
    pub fn faults(mut self, faults: impl IntoIterator<Item = RouteFault>) -> Self {
        self.faults.extend(faults);
        self
    }

    /// A Sobot token becomes invalid after this many API calls made with it.
    pub fn sobot_token_invalid_after(mut self, calls: u64) -> Self {
        self.token_invalid_after = Some(calls);
        self
    }

    /// The Itniotech server clock runs this many seconds ahead (negative: behind).
    pub fn itnio_clock_skew_secs(mut self, secs: i64) -> Self {
        self.itnio_clock_skew_secs = secs;
        self
    }

    /// Quirks mode: answers drift from the documents the way real vendor servers do,
    /// deterministically from the seed (default off; see [`QuirkKind`]). It can also be
    /// switched on a running sandbox with [`Sandbox::set_quirks`].
    pub fn quirks(mut self, on: bool) -> Self {
        self.quirks = on;
        self
    }

    /// Every scripted answer to a plain question (`INPUT`) comes with `delay > 0` and is
    /// followed by this push, served by `get_push_info` for the answer's `msgid` (default
    /// `None`: only the questions of [`sobot_questions`] do it). See also
    /// [`Sandbox::set_sobot_push`].
    pub fn sobot_push(mut self, push: Option<SobotPush>) -> Self {
        self.sobot_push = push;
        self
    }

    /// The `delay` an answer followed by a push reports (default 1, at least 1). The document
    /// gives no unit; the sandbox does not wait on it.
    pub fn sobot_push_delay(mut self, delay: i64) -> Self {
        self.config.sobot_push_delay = delay;
        self
    }

    /// How many `get_push_info` polls for a delayed answer are answered "nothing yet"
    /// (`000000` without `data`) before the push (default 1). The document does not say
    /// what the endpoint answers before a push exists; this is the sandbox's assumption.
    pub fn sobot_push_nothing_yet(mut self, polls: u32) -> Self {
        self.config.sobot_push_nothing_yet = polls;
        self
    }

    /// Plays Sobot calling your own agent: a visitor question to the Sobot answer endpoints
    /// (`answer`, streamed; `answer_no_stream` and `answer_with_call_back`, not streamed) is
    /// forwarded to the agent at `url` as Sobot's "Integration With Third-party AI Agents"
    /// does (a `ThirdAlgorithmReqVo` body with `req_stream` true or false), and the agent's
    /// answers are relayed to the visitor (`THIRD_ANSWER_INFO` / `THIRD_PROCESS_INFO` as
    /// `ANSWER_INFO` / `PROCESS_INFO`). The agent's callbacks to `callback_list` and
    /// `question_call_back` are received (see [`Sandbox::agent_callbacks`]). Plain HTTP only.
    /// Default: no agent, the scripted bot answers.
    pub fn agent_url(mut self, url: impl Into<String>) -> Self {
        self.agent.url = Some(url.into());
        self
    }

    /// Questions forwarded to the agent say `copilot: true` (default false): the agent
    /// owes a `callback_list` call.
    pub fn agent_copilot(mut self, on: bool) -> Self {
        self.agent.copilot = on;
        self
    }

    /// Questions forwarded to the agent are batch-test questions (a `runtimeid` and a
    /// `questionid`; default off): the agent owes a `question_call_back` call.
    pub fn agent_batch_test(mut self, on: bool) -> Self {
        self.agent.batch_test = on;
        self
    }

    /// A custom parameter sent to the agent in `params` (and in `multi_params` unless the
    /// visitor set it there), over the visitor's own: for example the shared secret an
    /// agent checks (`agent_param("token", "s3cret")`).
    pub fn agent_param(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.agent.params.insert(key.into(), value.into());
        self
    }

    /// Binds the listener, generates the data and starts serving in the background.
    pub async fn start(self) -> io::Result<Sandbox> {
        let listener = TcpListener::bind(self.config.listen).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let mut data = Dataset::generate(self.config.seed, self.config.records, &base_url);
        data.revise(self.config.revision);
        let mut faults: HashMap<String, Vec<Fault>> = HashMap::new();
        for f in self.faults {
            faults.entry(f.route).or_default().push(f.fault);
        }
        let inner = Arc::new(Inner {
            config: self.config,
            credentials: self.credentials,
            base_url: base_url.clone(),
            data,
            counts: Mutex::new(HashMap::new()),
            received: Mutex::new(HashMap::new()),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            faults: Mutex::new(faults),
            sobot: Mutex::new(sobot::SobotState::default()),
            sobot_token_invalid_after: Mutex::new(self.token_invalid_after),
            itnio_clock_skew: AtomicI64::new(self.itnio_clock_skew_secs),
            next_id: AtomicU64::new(1),
            received_seq: AtomicU64::new(0),
            quirks: quirks::Quirks::new(self.quirks),
            agent: Mutex::new(self.agent),
            sobot_push: Mutex::new(self.sobot_push),
            agent_http: agent::client(),
            agent_sent: Mutex::new(Vec::new()),
            agent_callbacks: Mutex::new(AgentCallbacks::default()),
        });
        let app = Router::new()
            .merge(rokid::routes())
            .merge(sobot::routes())
            .merge(itnio::routes())
            .layer(middleware::from_fn_with_state(inner.clone(), gate))
            .with_state(inner.clone());
        let service = app.into_make_service_with_connect_info::<ConnHandle>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(KillListener(listener), service).await;
        });
        Ok(Sandbox {
            addr,
            urls: Urls {
                rokid: base_url.clone(),
                sobot_api: base_url.clone(),
                sobot_token: base_url.clone(),
                itnio: base_url,
            },
            inner,
            task,
        })
    }
}

/// Shared state of a running sandbox.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) credentials: Credentials,
    pub(crate) base_url: String,
    pub(crate) data: Dataset,
    counts: Mutex<HashMap<String, u64>>,
    /// The last request received on each path (see `Sandbox::received`).
    received: Mutex<HashMap<String, ReceivedRequest>>,
    /// Requests being handled now, and the most at once (see `Sandbox::max_in_flight`).
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    faults: Mutex<HashMap<String, Vec<Fault>>>,
    pub(crate) sobot: Mutex<sobot::SobotState>,
    pub(crate) sobot_token_invalid_after: Mutex<Option<u64>>,
    pub(crate) itnio_clock_skew: AtomicI64,
    next_id: AtomicU64,
    received_seq: AtomicU64,
    pub(crate) quirks: quirks::Quirks,
    pub(crate) agent: Mutex<agent::AgentSettings>,
    pub(crate) sobot_push: Mutex<Option<SobotPush>>,
    pub(crate) agent_http: common_http::reexports::reqwest::Client,
    /// The bodies sent to the agent, in order.
    pub(crate) agent_sent: Mutex<Vec<serde_json::Value>>,
    pub(crate) agent_callbacks: Mutex<AgentCallbacks>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Inner {
    /// A fresh 32-hex-digit id, unique within the sandbox.
    pub(crate) fn new_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!(
            "{:016x}{:016x}",
            faults::mix(self.config.seed ^ n),
            faults::mix(n)
        )
    }
}

pub(crate) type Shared = Arc<Inner>;

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    urls: Urls,
    inner: Shared,
    task: JoinHandle<()>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sandbox {
    /// A builder with the defaults (seed 1, 1000 records of each kind, `127.0.0.1:0`).
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Starts a sandbox with the defaults on `127.0.0.1:0`.
    pub async fn start() -> io::Result<Sandbox> {
        Self::builder().start().await
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, the base URL of every vendor.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The base URL of each client.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// The credentials it accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The data it serves.
    pub fn data(&self) -> &Dataset {
        &self.inner.data
    }

    /// The bytes the sandbox serves for a document URL of one of its work records.
    pub fn document(&self, url: &str) -> Option<Vec<u8>> {
        let rest = url
            .strip_prefix(self.inner.base_url.as_str())?
            .strip_prefix("/files/")?;
        Some(rokid::document_bytes(
            self.inner.config.seed,
            rest,
            self.inner.config.document_bytes,
        ))
    }

    /// The seed it was started with.
    pub fn seed(&self) -> u64 {
        self.inner.config.seed
    }

    /// Requests received on a path (faulted ones included), e.g.
    /// `count("/ai-agent-open/ask/answer")`.
    pub fn count(&self, path: &str) -> u64 {
        lock(&self.inner.counts).get(path).copied().unwrap_or(0)
    }

    /// Requests received on every path starting with `prefix`.
    pub fn count_prefix(&self, prefix: &str) -> u64 {
        lock(&self.inner.counts)
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }

    /// The last request received on a path (faulted ones included), to check what a
    /// client sent: `received("/ai-agent-open/api/statistics/recordList")`. A name without a
    /// leading `/` is the last segment of a path: `received("recordList")`. `None` when no
    /// request came on it since start or the last [`Sandbox::reset_counts`].
    pub fn last_request(&self, path: &str) -> Option<ReceivedRequest> {
        let received = lock(&self.inner.received);
        if path.starts_with('/') {
            return received.get(path).cloned();
        }
        let suffix = format!("/{path}");
        received
            .iter()
            .filter(|(p, _)| p.ends_with(&suffix))
            .max_by_key(|(_, r)| r.sequence)
            .map(|(_, r)| r.clone())
    }

    /// The JSON body of the last request received on a path (see
    /// [`Sandbox::last_request`]); `None` also when that body was not JSON (a `GET`).
    pub fn received(&self, path: &str) -> Option<serde_json::Value> {
        self.last_request(path).and_then(|r| r.json())
    }

    /// Sobot `get_token` requests received.
    pub fn count_token_requests(&self) -> u64 {
        self.count(SOBOT_TOKEN_ROUTE)
    }

    /// Every request received.
    pub fn total_requests(&self) -> u64 {
        lock(&self.inner.counts).values().sum()
    }

    /// The most requests handled at once (on any route, from arrival to response head,
    /// injected latency included) since start or the last [`Sandbox::reset_counts`]:
    /// lets a test or benchmark check that a client's look-ahead stays bounded.
    pub fn max_in_flight(&self) -> u64 {
        self.inner.max_in_flight.load(Ordering::SeqCst)
    }

    /// Resets every counter to zero (fault triggers count from the start again; the
    /// [`Sandbox::quirk_counts`], the kept requests and the agent's callbacks too).
    pub fn reset_counts(&self) {
        lock(&self.inner.counts).clear();
        lock(&self.inner.received).clear();
        lock(&self.inner.agent_sent).clear();
        *lock(&self.inner.agent_callbacks) = AgentCallbacks::default();
        self.inner.max_in_flight.store(0, Ordering::SeqCst);
        self.inner.quirks.reset();
    }

    /// Switches quirks mode on or off (see [`SandboxBuilder::quirks`]); it applies to the
    /// answers started after the call.
    pub fn set_quirks(&self, on: bool) {
        self.inner.quirks.set(on);
    }

    /// Whether quirks mode is on.
    pub fn quirks(&self) -> bool {
        self.inner.quirks.on()
    }

    /// How many quirks of each kind were sent since start or the last
    /// [`Sandbox::reset_counts`]: every [`QuirkKind`] is a key, zero included. A count is one
    /// record, page, event or error answer bent that way (a record whose several numbers are
    /// sent as strings counts once).
    pub fn quirk_counts(&self) -> BTreeMap<QuirkKind, u64> {
        self.inner.quirks.counts()
    }

    /// Adds a fault on a route (`*` for every route) of the running sandbox.
    pub fn add_fault(&self, route: impl Into<String>, fault: Fault) {
        lock(&self.inner.faults)
            .entry(route.into())
            .or_default()
            .push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.inner.faults).clear();
    }

    /// A Sobot token becomes invalid after this many API calls made with it (`None`: never).
    pub fn set_sobot_token_invalid_after(&self, calls: Option<u64>) {
        *lock(&self.inner.sobot_token_invalid_after) = calls;
    }

    /// Invalidates the current Sobot token now.
    pub fn invalidate_sobot_token(&self) {
        lock(&self.inner.sobot).token = None;
    }

    /// Sets how far the Itniotech server clock is ahead (negative: behind), in seconds.
    pub fn set_itnio_clock_skew_secs(&self, secs: i64) {
        self.inner.itnio_clock_skew.store(secs, Ordering::SeqCst);
    }

    /// Every scripted answer to a plain question from now on comes with `delay > 0` and is
    /// followed by this push (`None`: only the questions of [`sobot_questions`]); see
    /// [`SandboxBuilder::sobot_push`].
    pub fn set_sobot_push(&self, push: Option<SobotPush>) {
        *lock(&self.inner.sobot_push) = push;
    }

    /// Points the sandbox at an agent (`None`: the scripted bot answers again); see
    /// [`SandboxBuilder::agent_url`].
    pub fn set_agent_url(&self, url: Option<String>) {
        lock(&self.inner.agent).url = url;
    }

    /// The agent URL questions are forwarded to, if any.
    pub fn agent_url(&self) -> Option<String> {
        lock(&self.inner.agent).url.clone()
    }

    /// Whether questions forwarded from now on say `copilot: true`.
    pub fn set_agent_copilot(&self, on: bool) {
        lock(&self.inner.agent).copilot = on;
    }

    /// Whether questions forwarded from now on are batch-test questions.
    pub fn set_agent_batch_test(&self, on: bool) {
        lock(&self.inner.agent).batch_test = on;
    }

    /// The `ThirdAlgorithmReqVo` bodies sent to the agent so far, in order (the last
    /// [`AGENT_KEPT`]).
    pub fn agent_requests(&self) -> Vec<serde_json::Value> {
        lock(&self.inner.agent_sent).clone()
    }

    /// The callbacks the agent sent (`callback_list`, `question_call_back`) so far (the last
    /// [`AGENT_KEPT`] of each).
    pub fn agent_callbacks(&self) -> AgentCallbacks {
        lock(&self.inner.agent_callbacks).clone()
    }

    /// Answers posted to Sobot `call_back_url`s so far.
    pub fn sobot_callbacks_sent(&self) -> u64 {
        lock(&self.inner.sobot).callbacks_sent
    }
}

/// A request the sandbox received, as it arrived (see [`Sandbox::last_request`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The method (`GET`, `POST`).
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string, without `?` (empty when there was none).
    pub query: String,
    /// The body bytes (empty when its `Content-Length` was missing or above
    /// [`RECEIVED_BODY_LIMIT`]: such a body is passed on unread).
    pub body: Bytes,
    /// The order of arrival among every request the sandbox received.
    pub sequence: u64,
}

impl ReceivedRequest {
    /// The body as JSON, `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The query parameters, decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        common_http::reexports::url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }
}

/// The largest request body the sandbox keeps for [`Sandbox::last_request`] (1 MiB).
pub const RECEIVED_BODY_LIMIT: usize = 1024 * 1024;

/// Marks a request whose event stream must be cut after this many events.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CutAfter(pub(crate) usize);

/// Marks a `get_token` request whose answer must report this raw `expires_in`.
#[derive(Debug, Clone)]
pub(crate) struct ReportedExpiresIn(pub(crate) String);

/// Counts every request and applies the route's faults.
async fn gate(State(inner): State<Shared>, req: Request, next: Next) -> Response {
    let _in_flight = InFlight::enter(&inner);
    let path = req.uri().path().to_owned();
    let n = {
        let mut counts = lock(&inner.counts);
        let c = counts.entry(path.clone()).or_insert(0);
        *c += 1;
        *c
    };
    let mut req = keep_received(&inner, &path, req).await;
    let candidates: Vec<Fault> = {
        let faults = lock(&inner.faults);
        faults
            .get(&path)
            .into_iter()
            .chain(faults.get("*"))
            .flatten()
            .cloned()
            .collect()
    };
    let mut latency = Duration::ZERO;
    let mut chosen = None;
    for fault in candidates {
        if !fault.applies(inner.config.seed, &path, n) {
            continue;
        }
        match fault.kind {
            FaultKind::Latency(d) => latency += d,
            kind => {
                if chosen.is_none() {
                    chosen = Some(kind);
                }
            }
        }
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match chosen {
        None | Some(FaultKind::Latency(_)) => next.run(req).await,
        Some(FaultKind::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, format!("sandbox: injected {code}")).into_response()
        }
        Some(FaultKind::TooManyRequests { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after_secs.to_string())],
            "sandbox: injected 429",
        )
            .into_response(),
        Some(FaultKind::ConnectionReset) => {
            if let Some(ConnectInfo(conn)) = req.extensions().get::<ConnectInfo<ConnHandle>>() {
                conn.kill();
            }
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Some(FaultKind::TruncatedBody) => truncate(next.run(req).await).await,
        Some(FaultKind::SlowBody(pause)) => trickle(next.run(req).await, pause).await,
        Some(FaultKind::CutStream { after_events }) => {
            if path == sobot::ANSWER_ROUTE {
                req.extensions_mut().insert(CutAfter(after_events));
                next.run(req).await
            } else {
                truncate(next.run(req).await).await
            }
        }
        Some(FaultKind::Redirect(location)) => match HeaderValue::from_str(&location) {
            Ok(location) => (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, location)],
                "sandbox: injected redirect",
            )
                .into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Some(FaultKind::ExpiresIn(text)) => {
            if path == SOBOT_TOKEN_ROUTE {
                req.extensions_mut().insert(ReportedExpiresIn(text));
            }
            next.run(req).await
        }
        Some(FaultKind::EndlessDataLines) => endless_data_lines(),
    }
}

/// Notes the request as the last one received on its path and hands it on, body intact.
/// A body without a `Content-Length` within [`RECEIVED_BODY_LIMIT`] is passed on unread
/// (and noted as empty).
async fn keep_received(inner: &Inner, path: &str, req: Request) -> Request {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let (bytes, body) = match declared {
        Some(len) if len <= RECEIVED_BODY_LIMIT => {
            match axum::body::to_bytes(body, RECEIVED_BODY_LIMIT).await {
                Ok(bytes) => (bytes.clone(), Body::from(bytes)),
                Err(_) => (Bytes::new(), Body::empty()),
            }
        }
        _ => (Bytes::new(), body),
    };
    let received = ReceivedRequest {
        method: parts.method.to_string(),
        path: path.to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        body: bytes,
        sequence: inner.received_seq.fetch_add(1, Ordering::Relaxed),
    };
    lock(&inner.received).insert(path.to_owned(), received);
    Request::from_parts(parts, body)
}

/// `200`, an event stream of `data:` lines for ever and never a blank line.
fn endless_data_lines() -> Response {
    let chunk = Bytes::from("data: more\n".repeat(400));
    let body = futures::stream::repeat_with(move || Ok::<_, io::Error>(chunk.clone()));
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(body),
    )
        .into_response()
}

/// Counts a request as in flight until dropped (also when the connection drops it).
struct InFlight<'a>(&'a Inner);

impl<'a> InFlight<'a> {
    fn enter(inner: &'a Inner) -> Self {
        let now = inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        inner.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(inner)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

fn broken() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "sandbox: injected cut")
}

/// Sends the full `Content-Length` and half of the body, then fails the connection.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let chunks: Vec<Result<Bytes, io::Error>> = vec![Ok(half), Err(broken())];
    Response::from_parts(parts, Body::from_stream(fail_after_flush(chunks)))
}

/// The chunks as a body stream that pauses (one yield) before an error, so the server
/// flushes what came before it: failing at once can drop the buffered headers and half
/// body with the connection, turning a cut body into a reset before the response.
fn fail_after_flush(
    chunks: Vec<Result<Bytes, io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, io::Error>> {
    futures::stream::iter(chunks).then(|chunk| async move {
        if chunk.is_err() {
            tokio::task::yield_now().await;
        }
        chunk
    })
}

/// Sends the body in 8 chunks with `pause` between them.
async fn trickle(response: Response, pause: Duration) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let size = bytes.len().div_ceil(8).max(1);
    let chunks: Vec<Bytes> = (0..bytes.len())
        .step_by(size)
        .map(|start| bytes.slice(start..(start + size).min(bytes.len())))
        .collect();
    let stream =
        futures::stream::iter(chunks.into_iter().enumerate()).then(move |(i, chunk)| async move {
            if i > 0 {
                tokio::time::sleep(pause).await;
            }
            Ok::<_, io::Error>(chunk)
        });
    Response::from_parts(parts, Body::from_stream(stream))
}

//! [`SobotClient`], its builder and the region presets.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use common_http::reexports::reqwest;
use common_http::{ClientConfig, Error, HttpClient, NoAuth, RetryPolicy, Secret, Sleeper};

use crate::answer::AnswerRequest;
use crate::conversation::Conversation;
use crate::generated::{
    AnswerNoStream, AnswerSuggest, AnswerWithCallBack, AskInit, AskInitRequest, EndSession,
    EndSessionRequest, GetLabelInfoList, GetLabelInfoListRequest, GetLabels, GetLabelsRequest,
    GetPushInfo, GetPushInfoRequest, GetTimezoneInfo, GetTimezoneInfoRequest, OpenRobotAnswerReqVo,
    QueryAiRobotList, QueryAiRobotListRequest, RecordList, RecordListParams, RecordListRequest,
    RobotAnswerReqVo, SimpleList, SimpleListRequest, SourceList, SourceListParams,
    SourceListRequest,
};
use crate::token::{
    Clock, DEFAULT_REFRESH_MARGIN, DEFAULT_TOKEN_INVALID_CODES, SystemClock, TokenManager,
};

/// The `language` header sent to the statistics endpoints unless configured otherwise.
pub const DEFAULT_LANGUAGE: &str = "en";

/// A Sobot data centre: where the token endpoint and the API live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// Singapore (`https://sg.sobot.io` for both).
    #[default]
    Singapore,
    /// Mainland China (token at `https://www.soboten.com`, API at
    /// `https://api-c.soboten.com/text`: the `/text` prefix is part of the API base).
    China,
    /// North America (`https://us.sobot.com` for both).
    NorthAmerica,
}

impl Region {
    /// The base URL of `/api/get_token`.
    pub fn token_base_url(self) -> &'static str {
        match self {
            Region::Singapore => "https://sg.sobot.io",
            Region::China => "https://www.soboten.com",
            Region::NorthAmerica => "https://us.sobot.com",
        }
    }

    /// The base URL the `/ai-agent-open/...` paths are appended to (with its path prefix).
    pub fn api_base_url(self) -> &'static str {
        match self {
            Region::Singapore => "https://sg.sobot.io",
            Region::China => "https://api-c.soboten.com/text",
            Region::NorthAmerica => "https://us.sobot.com",
        }
    }
}

impl FromStr for Region {
    type Err = Error;

    /// `sg`, `cn` or `us` (case-insensitive; `singapore`, `china`, `na` also accepted).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sg" | "singapore" => Ok(Region::Singapore),
            "cn" | "china" => Ok(Region::China),
            "us" | "na" | "north-america" => Ok(Region::NorthAmerica),
            other => Err(Error::config(format!(
                "unknown Sobot region `{other}` (expected sg, cn or us)"
            ))),
        }
    }
}

/// Builds a [`SobotClient`].
///
/// ```
/// let client = sobot_client::SobotClient::builder()
///     .appid("my-appid")
///     .app_key("my-app-key")
///     .region(sobot_client::Region::China)
///     .build()?;
/// assert_eq!(client.api_base_url(), "https://api-c.soboten.com/text");
/// # Ok::<(), common_http::Error>(())
/// ```
#[derive(Clone)]
pub struct SobotClientBuilder {
    appid: Option<String>,
    app_key: Option<Secret>,
    region: Region,
    api_base_url: Option<String>,
    token_base_url: Option<String>,
    language: String,
    invalid_codes: BTreeSet<String>,
    clock: Arc<dyn Clock>,
    refresh_margin: Duration,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    stream_idle_timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    sleeper: Option<Arc<dyn Sleeper>>,
    max_response_bytes: Option<usize>,
}

impl fmt::Debug for SobotClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SobotClientBuilder")
            .field("appid", &self.appid)
            .field("app_key", &self.app_key)
            .field("region", &self.region)
            .field("api_base_url", &self.api_base_url)
            .field("token_base_url", &self.token_base_url)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl Default for SobotClientBuilder {
    fn default() -> Self {
        Self {
            appid: None,
            app_key: None,
            region: Region::default(),
            api_base_url: None,
            token_base_url: None,
            language: DEFAULT_LANGUAGE.to_owned(),
            invalid_codes: DEFAULT_TOKEN_INVALID_CODES
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            clock: Arc::new(SystemClock),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            timeout: None,
            connect_timeout: None,
            stream_idle_timeout: None,
            retry_policy: None,
            user_agent: None,
            http_client: None,
            sleeper: None,
            max_response_bytes: None,
        }
    }
}

impl SobotClientBuilder {
    /// The API credential id.
    pub fn appid(mut self, appid: impl Into<String>) -> Self {
        self.appid = Some(appid.into());
        self
    }

    /// The private key the `get_token` signature is made with.
    pub fn app_key(mut self, app_key: impl Into<String>) -> Self {
        self.app_key = Some(Secret::new(app_key));
        self
    }

    /// The private key, already wrapped.
    pub fn app_key_secret(mut self, app_key: Secret) -> Self {
        self.app_key = Some(app_key);
        self
    }

    /// A region preset for both base URLs (Singapore by default).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Overrides the API base URL (the `/ai-agent-open/...` paths are appended; a path
    /// prefix such as `/text` is kept).
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base_url = Some(url.into());
        self
    }

    /// Overrides the base URL of `/api/get_token`.
    pub fn token_base_url(mut self, url: impl Into<String>) -> Self {
        self.token_base_url = Some(url.into());
        self
    }

    /// Both base URLs at once (a sandbox or a mock server serving both).
    pub fn base_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.api_base_url(url.clone()).token_base_url(url)
    }

    /// The `language` header of the statistics endpoints (`en` by default).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }

    /// The vendor codes meaning "token invalid": the token is dropped, a new one fetched
    /// and the call retried once (`900002` and `401` by default).
    ///
    /// The runtime consults this set only for codes the envelope reports as rejected
    /// credentials (`900002`, `401`), so the set can narrow the default, not extend it.
    pub fn token_invalid_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.invalid_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// The clock for `create_time` and token expiry (tests inject their own).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long before its expiry a token is replaced (5 minutes by default; never later
    /// than half its lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Time allowed for one attempt (for a stream: until the response headers).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time allowed to connect.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long a streaming answer may stay silent before it fails.
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = Some(timeout);
        self
    }

    /// The retry policy for calls that are safe to repeat.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// A caller-built `reqwest::Client` (proxies, TLS settings).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The largest response body accepted, in bytes; a longer one fails instead of being
    /// buffered (it bounds memory against a misbehaving server).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// How the client waits between attempts (tests inject one that does not sleep).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// Reads `SOBOT_APPID`, `SOBOT_APP_KEY`, `SOBOT_REGION` (sg|cn|us), `SOBOT_BASE_URL`
    /// (API base) and `SOBOT_TOKEN_URL` (token base) into this builder.
    pub fn from_env(mut self) -> Result<Self, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if let Some(appid) = var("SOBOT_APPID") {
            self = self.appid(appid);
        }
        if let Some(key) = var("SOBOT_APP_KEY") {
            self = self.app_key(key);
        }
        if let Some(region) = var("SOBOT_REGION") {
            self = self.region(region.parse()?);
        }
        if let Some(url) = var("SOBOT_BASE_URL") {
            self = self.api_base_url(url);
        }
        if let Some(url) = var("SOBOT_TOKEN_URL") {
            self = self.token_base_url(url);
        }
        Ok(self)
    }

    /// Checks the settings and builds the client (no I/O: the first call fetches the
    /// token).
    pub fn build(self) -> Result<SobotClient, Error> {
        let appid = self
            .appid
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| Error::config("`appid` is required"))?;
        let app_key = self
            .app_key
            .filter(|k| !k.is_empty())
            .ok_or_else(|| Error::config("`app_key` is required"))?;
        if self.language.trim().is_empty() {
            return Err(Error::config("`language` must not be empty"));
        }
        common_http::reexports::http::HeaderValue::from_str(&self.language)
            .map_err(|_| Error::config("`language` is not a valid header value"))?;
        let token_base = self
            .token_base_url
            .unwrap_or_else(|| self.region.token_base_url().to_owned());
        let api_base = self
            .api_base_url
            .unwrap_or_else(|| self.region.api_base_url().to_owned());
        let mut config = ClientConfig::builder().base_url(token_base);
        if let Some(t) = self.timeout {
            config = config.timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            config = config.connect_timeout(t);
        }
        if let Some(t) = self.stream_idle_timeout {
            config = config.stream_idle_timeout(t);
        }
        if let Some(p) = self.retry_policy {
            config = config.retry_policy(p);
        }
        if let Some(ua) = self.user_agent {
            config = config.user_agent(ua);
        }
        if let Some(c) = self.http_client {
            config = config.http_client(c);
        }
        if let Some(s) = self.sleeper {
            config = config.sleeper(s);
        }
        if let Some(limit) = self.max_response_bytes {
            config = config.max_response_bytes(limit);
        }
        let token_http = HttpClient::new(config.build()?, Arc::new(NoAuth))?;
        let tokens = Arc::new(TokenManager::new(
            token_http.clone(),
            appid,
            app_key,
            self.clock,
            self.refresh_margin,
            self.invalid_codes,
        ));
        let api = token_http.sibling(&api_base, tokens.clone())?;
        Ok(SobotClient {
            api,
            tokens,
            language: self.language,
        })
    }
}

/// A client for the Sobot large-model bot API: Q&A (streaming or not), sessions, push
/// info and reception statistics. Cheap to clone; clones share one token and one
/// connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), common_http::Error> {
/// let client = sobot_client::SobotClient::from_env()?;
/// let session = client.ask_init("robot-1", "visitor-biz-id").send().await?;
/// # let _ = session;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SobotClient {
    api: HttpClient,
    tokens: Arc<TokenManager>,
    language: String,
}

impl fmt::Debug for SobotClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SobotClient")
            .field("api_base_url", &self.api_base_url())
            .field("tokens", &self.tokens)
            .field("language", &self.language)
            .finish()
    }
}

impl SobotClient {
    /// A builder (Singapore, language `en`).
    pub fn builder() -> SobotClientBuilder {
        SobotClientBuilder::default()
    }

    /// A client configured from `SOBOT_APPID`, `SOBOT_APP_KEY`, `SOBOT_REGION`,
    /// `SOBOT_BASE_URL` and `SOBOT_TOKEN_URL`.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_env()?.build()
    }

    /// The HTTP client of the API base (authenticated with the shared token), for the
    /// generated request builders.
    pub fn http(&self) -> &HttpClient {
        &self.api
    }

    /// The API base URL.
    pub fn api_base_url(&self) -> &str {
        self.api.config().base_url().as_str().trim_end_matches('/')
    }

    /// The `language` header sent to the statistics endpoints.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// Makes sure a valid token is cached (fetching one if needed), for a warm start.
    pub async fn ensure_token(&self) -> Result<(), Error> {
        self.tokens.token().await.map(|_| ())
    }

    /// Drops the cached token; the next call fetches a new one.
    pub async fn invalidate_token(&self) {
        self.tokens.invalidate().await;
    }

    /// `GET /ai-agent-open/ask/ask_init`: initialises a visitor and returns the session
    /// (`bizid`, `ai_agent_cid`, `biz_type`, `biz_typeid`).
    pub fn ask_init(&self, robotid: impl Into<String>, bizid: impl Into<String>) -> AskInit {
        AskInit::new(self.api.clone(), AskInitRequest::new(robotid, bizid))
    }

    /// `POST /ai-agent-open/ask/answer`: the answer as a stream of typed events.
    pub fn answer(&self, request: OpenRobotAnswerReqVo) -> AnswerRequest {
        AnswerRequest::new(self.clone(), request)
    }

    /// `POST /ai-agent-open/ask/answer_no_stream`: the answers at once, as a list.
    pub fn answer_no_stream(&self, request: OpenRobotAnswerReqVo) -> AnswerNoStream {
        AnswerNoStream::new(self.api.clone(), request)
    }

    /// `POST /ai-agent-open/ask/answer_suggest`: knowledge-base question suggestions.
    pub fn answer_suggest(&self, request: RobotAnswerReqVo) -> AnswerSuggest {
        AnswerSuggest::new(self.api.clone(), request)
    }

    /// `POST /ai-agent-open/ask/answer_with_call_back`: the answer is delivered to
    /// `call_back_url`.
    pub fn answer_with_call_back(&self, request: RobotAnswerReqVo) -> AnswerWithCallBack {
        AnswerWithCallBack::new(self.api.clone(), request)
    }

    /// `GET /ai-agent-open/ask/end_session`: ends the bot session.
    pub fn end_session(&self, ai_agent_cid: impl Into<String>) -> EndSession {
        EndSession::new(self.api.clone(), EndSessionRequest::new(ai_agent_cid))
    }

    /// `GET /ai-agent-open/ask/get_push_info`: the timeout message pushed for `msgid`.
    pub fn get_push_info(&self, msgid: impl Into<String>) -> GetPushInfo {
        GetPushInfo::new(self.api.clone(), GetPushInfoRequest::new(msgid))
    }

    /// `POST /ai-agent-open/api/statistics/recordList`: reception records, one page with
    /// `send()`, every page with `by_page()` / `by_item()`.
    ///
    /// ```no_run
    /// # async fn demo(client: sobot_client::SobotClient) -> Result<(), common_http::Error> {
    /// use futures::TryStreamExt;
    /// use sobot_client::{BizType, RecordListParams};
    /// let params = RecordListParams::new(time::macros::date!(2026-06-01), time::macros::date!(2026-06-07), 1, 50)
    ///     .biz_type(vec![BizType::Text]);
    /// let mut records = client.record_list(params).by_item();
    /// while let Some(record) = records.try_next().await? {
    ///     let _ = record;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn record_list(&self, params: RecordListParams) -> RecordList {
        RecordList::new(
            self.api.clone(),
            RecordListRequest::new(params).language(self.language.clone()),
        )
    }

    /// The bots (`queryAiRobotList`).
    pub fn query_ai_robot_list(&self) -> QueryAiRobotList {
        QueryAiRobotList::new(
            self.api.clone(),
            QueryAiRobotListRequest::new().language(self.language.clone()),
        )
    }

    /// The consultation channels (`sourceList`).
    pub fn source_list(&self, params: SourceListParams) -> SourceList {
        SourceList::new(
            self.api.clone(),
            SourceListRequest::new(params).language(self.language.clone()),
        )
    }

    /// The time zones (`getTimezoneInfo`).
    pub fn get_timezone_info(&self) -> GetTimezoneInfo {
        GetTimezoneInfo::new(
            self.api.clone(),
            GetTimezoneInfoRequest::new().language(self.language.clone()),
        )
    }

    /// The session labels (`getLabels`).
    pub fn get_labels(&self) -> GetLabels {
        GetLabels::new(
            self.api.clone(),
            GetLabelsRequest::new().language(self.language.clone()),
        )
    }

    /// The dislike labels (`getLabelInfoList`).
    pub fn get_label_info_list(&self) -> GetLabelInfoList {
        GetLabelInfoList::new(
            self.api.clone(),
            GetLabelInfoListRequest::new().language(self.language.clone()),
        )
    }

    /// The audiences (`simpleList`).
    pub fn simple_list(&self) -> SimpleList {
        SimpleList::new(
            self.api.clone(),
            SimpleListRequest::new().language(self.language.clone()),
        )
    }

    /// A conversation that owns one session of `robotid` for the visitor `bizid`.
    pub fn conversation(
        &self,
        robotid: impl Into<String>,
        bizid: impl Into<String>,
    ) -> Conversation {
        Conversation::new(self.clone(), robotid.into(), bizid.into())
    }
}

//! [`SobotClient`], its builder and the region presets.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use common_http::{
    ClientConfigBuilder, Clock, DriftLedger, EnvVars, Error, HttpClient, Secret, SignedInRequest,
    Sleeper, SystemClock,
};

use crate::codes;
use crate::generated::{
    AgentAnswer, Ask, AskInit, AskInitRequest, AskRequest, AskStream, AskWithCallback,
    CallbackListBody, EndSession, EndSessionRequest, FetchPushInfo, FetchPushInfoRequest,
    ListAudiences, ListAudiencesRequest, ListChannels, ListChannelsRequest, ListDislikeLabels,
    ListDislikeLabelsRequest, ListLabels, ListLabelsRequest, ListReceptionRecords,
    ListReceptionRecordsRequest, ListRobots, ListRobotsRequest, ListTimezones,
    ListTimezonesRequest, QuestionRequest, RecordListParams, SendCallbackList,
    SendQuestionCallback, SourceListParams, Suggest,
};
use crate::token::{
    DEFAULT_REFRESH_MARGIN, DEFAULT_TOKEN_FAILURE_BACKOFF, TokenManager, TokenSettings,
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

/// The environment variable holding the API credential id.
pub const ENV_APPID: &str = "SOBOT_APPID";
/// The environment variable holding the private key `get_token` is signed with.
pub const ENV_APP_KEY: &str = "SOBOT_APP_KEY";
/// The environment variable holding the region preset (`sg`, `cn` or `us`; optional).
pub const ENV_REGION: &str = "SOBOT_REGION";
/// The environment variable holding the API base URL (optional; overrides the region's).
pub const ENV_BASE_URL: &str = "SOBOT_BASE_URL";
/// The environment variable holding the token base URL (optional; overrides the region's).
pub const ENV_TOKEN_URL: &str = "SOBOT_TOKEN_URL";

/// Builds a [`SobotClient`].
///
/// ```
/// let client = sobot_client::SobotClient::builder()
///     .appid("my-appid")
///     .app_key("my-app-key")
///     .region(sobot_client::Region::China)
///     .build()?;
/// assert_eq!(client.api_base_url(), "https://api-c.soboten.com/text");
/// # Ok::<(), sobot_client::Error>(())
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
    token_failure_backoff: Duration,
    config: ClientConfigBuilder,
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
            .field("config", &self.config)
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
            invalid_codes: codes::TOKEN_INVALID
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            clock: Arc::new(SystemClock),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            token_failure_backoff: DEFAULT_TOKEN_FAILURE_BACKOFF,
            config: ClientConfigBuilder::default(),
        }
    }
}

impl SobotClientBuilder {
    /// A builder with the credentials, region and base URLs from the environment
    /// (`SOBOT_APPID` and `SOBOT_APP_KEY` required; `SOBOT_REGION`, `SOBOT_BASE_URL`,
    /// `SOBOT_TOKEN_URL` optional); other settings can still be changed. A missing
    /// variable is a configuration error ([`Error::is_config`]) that names it.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(&EnvVars::process())
    }

    fn from_vars(env: &EnvVars<'_>) -> Result<Self, Error> {
        let mut builder = Self::default()
            .appid(env.required(ENV_APPID, "the Sobot API credential id (appid)")?)
            .app_key(env.required(ENV_APP_KEY, "the Sobot app key")?);
        if let Some(region) = env.optional(ENV_REGION) {
            builder = builder.region(region.parse()?);
        }
        if let Some(url) = env.optional(ENV_BASE_URL) {
            builder = builder.api_base_url(url);
        }
        if let Some(url) = env.optional(ENV_TOKEN_URL) {
            builder = builder.token_base_url(url);
        }
        Ok(builder)
    }

    /// The API credential id.
    pub fn appid(mut self, appid: impl Into<String>) -> Self {
        self.appid = Some(appid.into());
        self
    }

    /// The private key the `get_token` signature is made with (never sent).
    pub fn app_key(mut self, app_key: impl Into<Secret>) -> Self {
        self.app_key = Some(app_key.into());
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

    /// The vendor codes that mean "token invalid": the token is dropped, a new one fetched
    /// and the call retried once ([`codes::TOKEN_INVALID`], `900002` and `401`, by
    /// default).
    ///
    /// A code added here is treated like the defaults: the token is renewed and the call
    /// retried once. A default code left out is still reported as an authentication error
    /// ([`Error::is_auth`]), but no longer renews the token.
    pub fn token_invalid_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.invalid_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// The clock for `create_time`, token expiry and how long push polling has lasted
    /// (tests inject their own, with a [`sleeper`](Self::sleeper) that moves it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long before its expiry a token is replaced (5 minutes by default; never before
    /// half its lifetime has passed).
    ///
    /// The lifetime is the answer's `expires_in` clamped to
    /// [`MIN_TOKEN_LIFETIME`](crate::MIN_TOKEN_LIFETIME) ..=
    /// [`MAX_TOKEN_LIFETIME`](crate::MAX_TOKEN_LIFETIME) (60 s ..= 86400 s): a `0`,
    /// negative or tiny lifetime is kept at least 30 s, a huge one at most a day minus the
    /// margin. Each `get_token` invalidates the previous token, so one refresh serves every
    /// waiting caller, and a caller rejected with an older token retries with the newer one
    /// instead of fetching again.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// How long a failed token refresh is remembered
    /// ([`DEFAULT_TOKEN_FAILURE_BACKOFF`](crate::DEFAULT_TOKEN_FAILURE_BACKOFF), 5 s, by
    /// default).
    ///
    /// A refresh is retried by the client's retry policy; once it fails for good, the
    /// callers that waited for it and every call within this backoff (retries included)
    /// fail at once with the same error instead of asking `get_token` again. An outage of
    /// the token endpoint so costs at most the policy's attempts in `get_token` requests per
    /// backoff, however many calls there are. If the current token has not reached the end
    /// of its lifetime, it stays in use instead. `Duration::ZERO` remembers nothing.
    pub fn token_failure_backoff(mut self, backoff: Duration) -> Self {
        self.token_failure_backoff = backoff;
        self
    }

    common_http::transport_setters!(config);

    /// Checks the settings and builds the client (no I/O: the first call fetches the
    /// token). A missing `appid` or `app_key` is a configuration error naming the setter
    /// and the environment variable.
    pub fn build(self) -> Result<SobotClient, Error> {
        let appid = self.appid.filter(|a| !a.trim().is_empty()).ok_or_else(|| {
            Error::config(format!(
                "the appid is required (builder `appid` or {ENV_APPID})"
            ))
        })?;
        let app_key = self.app_key.filter(|k| !k.is_empty()).ok_or_else(|| {
            Error::config(format!(
                "the app key is required (builder `app_key` or {ENV_APP_KEY})"
            ))
        })?;
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
        let config = self.config.base_url(token_base).build()?;
        // `get_token` is signed in its query: no redirect may take it to another origin.
        let token_http = HttpClient::new(config, Arc::new(SignedInRequest))?;
        let clock = self.clock.clone();
        let sleeper = token_http.config().sleeper();
        let tokens = Arc::new(TokenManager::new(
            token_http.clone(),
            TokenSettings {
                appid,
                app_key,
                clock: self.clock,
                refresh_margin: self.refresh_margin,
                failure_backoff: self.token_failure_backoff,
                invalid_codes: self.invalid_codes,
            },
        ));
        let api = token_http.sibling(&api_base, tokens.clone())?;
        Ok(SobotClient {
            api,
            tokens,
            language: self.language,
            clock,
            sleeper,
        })
    }
}

/// A client for the Sobot large-model bot API: Q&A (streaming or not), sessions, push
/// info and reception statistics. Cheap to clone; clones share one token and one
/// connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), sobot_client::Error> {
/// let client = sobot_client::SobotClient::from_env()?;
/// let session = client.ask_init("robot-1", "visitor-biz-id").send().await?;
/// # let _ = session;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SobotClient {
    pub(crate) api: HttpClient,
    tokens: Arc<TokenManager>,
    language: String,
    /// Reads how long push polling has lasted.
    pub(crate) clock: Arc<dyn Clock>,
    /// Waits between two polls of push polling.
    pub(crate) sleeper: Arc<dyn Sleeper>,
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

    /// A client configured from `SOBOT_APPID`, `SOBOT_APP_KEY` (both required),
    /// `SOBOT_REGION`, `SOBOT_BASE_URL` and `SOBOT_TOKEN_URL`, with the default settings.
    /// A missing variable is a configuration error ([`Error::is_config`]) that names it.
    /// Use [`SobotClientBuilder::from_env`] to adjust other settings as well.
    pub fn from_env() -> Result<Self, Error> {
        SobotClientBuilder::from_env()?.build()
    }

    /// How this client's answers deviated from the vendor's documentation so far, counted
    /// once per (operation, JSON path, kind): the answers were read tolerantly, and this is
    /// what was tolerated. Shared by clones of the client.
    pub fn drift(&self) -> &DriftLedger {
        self.api.drift()
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

    /// `POST /ai-agent-open/ask/answer`: the answer as a stream of typed
    /// [`AnswerEvent`](crate::AnswerEvent)s (`send()` returns an
    /// [`AnswerStream`](crate::AnswerStream)).
    pub fn ask_stream(&self, request: AskRequest) -> AskStream {
        AskStream::new(self.api.clone(), request)
    }

    /// `POST /ai-agent-open/ask/answer_no_stream`: the answers at once, as a list.
    pub fn ask(&self, request: AskRequest) -> Ask {
        Ask::new(self.api.clone(), request)
    }

    /// `POST /ai-agent-open/ask/answer_suggest`: knowledge-base question suggestions.
    pub fn suggest(&self, request: QuestionRequest) -> Suggest {
        Suggest::new(self.api.clone(), request)
    }

    /// `POST /ai-agent-open/ask/answer_with_call_back`: the answer is delivered to
    /// `call_back_url`.
    pub fn ask_with_callback(&self, request: QuestionRequest) -> AskWithCallback {
        AskWithCallback::new(self.api.clone(), request)
    }

    /// `GET /ai-agent-open/ask/end_session`: ends the bot session.
    pub fn end_session(&self, ai_agent_cid: impl Into<String>) -> EndSession {
        EndSession::new(self.api.clone(), EndSessionRequest::new(ai_agent_cid))
    }

    /// `POST /ai-agent-open/ask/callback_list`: hands a third-party agent's answers back to
    /// Sobot (what the inbound server does for a copilot request).
    pub fn send_callback_list(&self, body: CallbackListBody) -> SendCallbackList {
        SendCallbackList::new(self.api.clone(), body)
    }

    /// `POST /ai-agent-open/ask/question_call_back`: hands a batch-test answer back to
    /// Sobot (what the inbound server does for a batch-test request).
    pub fn send_question_callback(&self, body: AgentAnswer) -> SendQuestionCallback {
        SendQuestionCallback::new(self.api.clone(), body)
    }

    /// `GET /ai-agent-open/ask/get_push_info`: the timeout message pushed for `msgid`.
    pub fn fetch_push_info(&self, msgid: impl Into<String>) -> FetchPushInfo {
        FetchPushInfo::new(self.api.clone(), FetchPushInfoRequest::new(msgid))
    }

    /// `POST /ai-agent-open/api/statistics/recordList`: reception records, one page with
    /// `send()`, every page with `by_page()` / `by_item()`.
    ///
    /// ```no_run
    /// # async fn demo(client: sobot_client::SobotClient) -> Result<(), sobot_client::Error> {
    /// use futures::TryStreamExt;
    /// use sobot_client::{BizType, RecordListParams};
    /// let params = RecordListParams::new(time::macros::date!(2026-06-01), time::macros::date!(2026-06-07), 1, 50)
    ///     .biz_type(vec![BizType::Text]);
    /// let mut records = client.list_reception_records(params).by_item();
    /// while let Some(record) = records.try_next().await? {
    ///     let _ = record;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_reception_records(&self, params: RecordListParams) -> ListReceptionRecords {
        ListReceptionRecords::new(
            self.api.clone(),
            ListReceptionRecordsRequest::new(params).language(self.language.clone()),
        )
    }

    /// The bots (`queryAiRobotList`).
    pub fn list_robots(&self) -> ListRobots {
        ListRobots::new(
            self.api.clone(),
            ListRobotsRequest::new().language(self.language.clone()),
        )
    }

    /// The consultation channels (`sourceList`).
    pub fn list_channels(&self, params: SourceListParams) -> ListChannels {
        ListChannels::new(
            self.api.clone(),
            ListChannelsRequest::new(params).language(self.language.clone()),
        )
    }

    /// The time zones (`getTimezoneInfo`).
    pub fn list_timezones(&self) -> ListTimezones {
        ListTimezones::new(
            self.api.clone(),
            ListTimezonesRequest::new().language(self.language.clone()),
        )
    }

    /// The session labels (`getLabels`).
    pub fn list_labels(&self) -> ListLabels {
        ListLabels::new(
            self.api.clone(),
            ListLabelsRequest::new().language(self.language.clone()),
        )
    }

    /// The dislike labels (`getLabelInfoList`).
    pub fn list_dislike_labels(&self) -> ListDislikeLabels {
        ListDislikeLabels::new(
            self.api.clone(),
            ListDislikeLabelsRequest::new().language(self.language.clone()),
        )
    }

    /// The audiences (`simpleList`).
    pub fn list_audiences(&self) -> ListAudiences {
        ListAudiences::new(
            self.api.clone(),
            ListAudiencesRequest::new().language(self.language.clone()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> EnvVars<'a> {
        EnvVars::from_pairs(pairs)
    }

    #[test]
    fn from_env_names_each_missing_variable() {
        for (pairs, missing) in [
            (&[(ENV_APP_KEY, "k")][..], ENV_APPID),
            (&[(ENV_APPID, "1"), (ENV_APP_KEY, " ")][..], ENV_APP_KEY),
        ] {
            let err = SobotClientBuilder::from_vars(&vars(pairs)).err();
            assert!(err.as_ref().is_some_and(Error::is_config), "{err:?}");
            let text = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(text.contains(missing), "{text}");
        }
    }

    #[test]
    fn from_env_reads_region_and_base_urls() {
        let client = SobotClientBuilder::from_vars(&vars(&[
            (ENV_APPID, "1"),
            (ENV_APP_KEY, "k"),
            (ENV_REGION, "cn"),
        ]))
        .and_then(SobotClientBuilder::build);
        assert_eq!(
            client.as_ref().ok().map(SobotClient::api_base_url),
            Some("https://api-c.soboten.com/text")
        );
        let client = SobotClientBuilder::from_vars(&vars(&[
            (ENV_APPID, "1"),
            (ENV_APP_KEY, "k"),
            (ENV_BASE_URL, "http://127.0.0.1:9"),
        ]))
        .and_then(SobotClientBuilder::build);
        assert_eq!(
            client.as_ref().ok().map(SobotClient::api_base_url),
            Some("http://127.0.0.1:9")
        );
        let bad = SobotClientBuilder::from_vars(&vars(&[
            (ENV_APPID, "1"),
            (ENV_APP_KEY, "k"),
            (ENV_REGION, "mars"),
        ]));
        assert!(bad.is_err_and(|e| e.is_config()));
    }

    #[test]
    fn build_names_the_setter_and_the_variable() {
        let err = SobotClient::builder().app_key("k").build().err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("appid") && text.contains(ENV_APPID), "{text}");
        let err = SobotClient::builder().appid("1").build().err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("app_key") && text.contains(ENV_APP_KEY),
            "{text}"
        );
    }
}

//! [`ItnioClient`], its builder, and the task-list request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use common_http::paginate::Page;
use common_http::reexports::futures::{Stream, TryStreamExt};
use common_http::reexports::{reqwest, url};
use common_http::{
    ClientConfig, ClientConfigBuilder, Error, HttpClient, RequestOptions, RequestSpec, RetryPolicy,
    Secret, Sleeper,
};
use time::PrimitiveDateTime;

use crate::signer::{Clock, ItnioSigner, is_timestamp_expired};
use crate::{
    GroupCallTask, ListGroupCallTasks, TaskPage, TaskQueryParams, TaskQueryRequest, TaskStatus,
};

/// The default base URL. The same API is sold under other brands on other hosts: set
/// yours with [`ItnioClientBuilder::base_url`] or `ITNIO_BASE_URL`.
pub const DEFAULT_BASE_URL: &str = "https://api.itniotech.com";
/// The environment variable holding the API key.
pub const ENV_API_KEY: &str = "ITNIO_API_KEY";
/// The environment variable holding the API secret.
pub const ENV_API_SECRET: &str = "ITNIO_API_SECRET";
/// The environment variable holding the base URL (optional; [`DEFAULT_BASE_URL`] when unset).
pub const ENV_BASE_URL: &str = "ITNIO_BASE_URL";

/// The page size used when none is set.
pub const DEFAULT_PAGE_SIZE: i32 = 10;

/// What a twice-expired timestamp most likely means.
const CLOCK_MESSAGE: &str = "the server rejected the timestamp as expired (-16) twice, even \
     freshly signed: the local clock is probably off (check that it is synchronised)";

/// A client for the Itniotech voice API: every request is signed (see [`ItnioSigner`]).
///
/// Cheap to clone (clones share one connection pool). `Debug` never shows the key, the
/// secret or a signature.
#[derive(Debug, Clone)]
pub struct ItnioClient {
    http: HttpClient,
}

impl ItnioClient {
    /// A builder: set at least the API key and secret.
    pub fn builder() -> ItnioClientBuilder {
        ItnioClientBuilder::default()
    }

    /// A client from `ITNIO_API_KEY`, `ITNIO_API_SECRET` and (optionally) `ITNIO_BASE_URL`,
    /// with the default settings. A missing variable is a configuration error
    /// ([`Error::is_config`]) that names it.
    pub fn from_env() -> Result<Self, Error> {
        ItnioClientBuilder::from_env()?.build()
    }

    /// The runtime client (signed), for requests this crate does not cover yet.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &url::Url {
        self.http.config().base_url()
    }

    /// The AI-agent group call tasks created between `str_time` and `end_time`
    /// (`POST /voice/group/call/query`), page 1 of 10 unless set otherwise.
    ///
    /// ```no_run
    /// # async fn demo(client: itnio_client::ItnioClient) -> Result<(), common_http::Error> {
    /// use futures::TryStreamExt;
    /// use time::macros::datetime;
    ///
    /// let mut tasks = client
    ///     .list_group_call_tasks(datetime!(2024-01-01 00:00:00), datetime!(2024-06-03 15:13:01))
    ///     .size(100)
    ///     .status_list([itnio_client::TaskStatus::Finished])
    ///     .by_item();
    /// while let Some(task) = tasks.try_next().await? {
    ///     println!("{} {:?} {:?}", task.task_id, task.task_name, task.total_fee());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_group_call_tasks(
        &self,
        str_time: PrimitiveDateTime,
        end_time: PrimitiveDateTime,
    ) -> GroupCallTasksQuery {
        self.list_group_call_tasks_with(TaskQueryRequest::new(
            1,
            DEFAULT_PAGE_SIZE,
            TaskQueryParams::new(str_time, end_time),
        ))
    }

    /// The same, from a whole request body.
    pub fn list_group_call_tasks_with(&self, request: TaskQueryRequest) -> GroupCallTasksQuery {
        GroupCallTasksQuery {
            http: self.http.clone(),
            request,
            options: RequestOptions::default(),
            look_ahead: common_http::paginate::DEFAULT_LOOK_AHEAD,
        }
    }
}

/// Builds an [`ItnioClient`].
#[derive(Clone, Default)]
pub struct ItnioClientBuilder {
    api_key: Option<Secret>,
    api_secret: Option<Secret>,
    base_url: Option<String>,
    config: ClientConfigBuilder,
    clock: Option<Clock>,
}

impl fmt::Debug for ItnioClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItnioClientBuilder")
            .field("api_key", &self.api_key)
            .field("api_secret", &self.api_secret)
            .field("base_url", &self.base_url)
            .field("config", &self.config)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl ItnioClientBuilder {
    /// A builder with the key, secret and base URL from the environment (see
    /// [`ItnioClient::from_env`]); other settings can still be changed.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`ItnioClientBuilder::from_env`], reading variables through `lookup` (an empty
    /// value counts as missing).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &str| {
            var(name)
                .ok_or_else(|| Error::config(format!("the environment variable {name} is not set")))
        };
        let mut builder = Self::default()
            .api_key(required(ENV_API_KEY)?)
            .api_secret(required(ENV_API_SECRET)?);
        if let Some(url) = var(ENV_BASE_URL) {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }

    /// The API key (the `Api-Key` header).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API secret (signs every request; never sent).
    pub fn api_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.api_secret = Some(secret.into());
        self
    }

    /// The base URL (default [`DEFAULT_BASE_URL`]); other brands of the same API use other
    /// hosts, tests use a local server.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Time allowed to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.connect_timeout(timeout);
        self
    }

    /// Time allowed for one attempt (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.timeout(timeout);
        self
    }

    /// Longest silence allowed between two chunks of a streamed response (default 60 s).
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.stream_idle_timeout(timeout);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.config = self.config.user_agent(user_agent);
        self
    }

    /// The default retry policy (what is retried: connect errors, timeouts, 429, 5xx and
    /// -18 system exceptions on idempotent calls).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config = self.config.retry_policy(policy);
        self
    }

    /// The largest response body read into memory (default 64 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.config = self.config.max_response_bytes(limit);
        self
    }

    /// A `reqwest::Client` built by the caller (proxies, TLS roots, pool settings).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.config = self.config.http_client(client);
        self
    }

    /// How the client waits between attempts (tests inject one that does not sleep).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.config = self.config.sleeper(sleeper);
        self
    }

    /// The clock the signer reads, in Unix seconds (default: the system clock). For tests.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the settings and builds the client. A missing or empty key or secret, or a
    /// bad base URL, is a configuration error ([`Error::is_config`]).
    pub fn build(self) -> Result<ItnioClient, Error> {
        let present = |value: Option<Secret>, what: &str| {
            value.filter(|v| !v.is_empty()).ok_or_else(|| {
                Error::config(format!(
                    "the {what} is required (builder `{what_fn}` or {env})",
                    what_fn = if what == "API key" {
                        "api_key"
                    } else {
                        "api_secret"
                    },
                    env = if what == "API key" {
                        ENV_API_KEY
                    } else {
                        ENV_API_SECRET
                    },
                ))
            })
        };
        let api_key = present(self.api_key, "API key")?;
        let api_secret = present(self.api_secret, "API secret")?;
        let mut signer = ItnioSigner::new(api_key, api_secret);
        if let Some(clock) = self.clock {
            signer = signer.with_clock(clock);
        }
        let config: ClientConfig = self
            .config
            .base_url(self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()))
            .build()?;
        Ok(ItnioClient {
            http: HttpClient::new(config, Arc::new(signer))?,
        })
    }
}

/// A prepared task-list query (`POST /voice/group/call/query`): set the filters, then
/// [`send`](Self::send) for one page, or walk every page with [`by_page`](Self::by_page) /
/// [`by_item`](Self::by_item).
///
/// It wraps the generated [`ListGroupCallTasks`] and adds setters for the optional fields
/// and the Itniotech explanation of a repeated -16 (a local clock that is off). Invalid
/// input (`current` below 1, `size` outside 1..=100, `endTime` before `strTime`) is an
/// [`Error::is_invalid_request`] error before anything is sent.
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is sent"]
pub struct GroupCallTasksQuery {
    http: HttpClient,
    request: TaskQueryRequest,
    options: RequestOptions,
    look_ahead: usize,
}

impl GroupCallTasksQuery {
    /// The page to fetch (or to start walking from), 1-N (default 1).
    pub fn current(mut self, page: i32) -> Self {
        self.request.current = page;
        self
    }

    /// The number of tasks per page, 1-100 (default 10).
    pub fn size(mut self, size: i32) -> Self {
        self.request.size = size;
        self
    }

    /// Only tasks in these send statuses (an empty list is sent as `[]`, which the API
    /// reads as every status).
    pub fn status_list(mut self, statuses: impl IntoIterator<Item = TaskStatus>) -> Self {
        self.request.params.status_list = Some(statuses.into_iter().collect());
        self
    }

    /// Only tasks of this app.
    pub fn idx_app_id(mut self, app_id: i64) -> Self {
        self.request.params.idx_app_id = Some(app_id);
        self
    }

    /// Fuzzy search over task name, voice file name and text-to-speech text.
    pub fn search_condition(mut self, text: impl Into<String>) -> Self {
        self.request.params.search_condition = Some(text.into());
        self
    }

    /// Overrides the client's timeout, retry policy or idempotency for this call.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// How many pages `by_page()`/`by_item()` fetch at once once the page count is known
    /// (default 4; 1 walks one page at a time).
    pub fn look_ahead(mut self, pages: usize) -> Self {
        self.look_ahead = pages;
        self
    }

    /// The request body as it stands.
    pub fn request(&self) -> &TaskQueryRequest {
        &self.request
    }

    /// The generated request builder with the same request and options (its errors do not
    /// carry the clock explanation).
    pub fn into_generated(self) -> ListGroupCallTasks {
        ListGroupCallTasks::new(self.http, self.request)
            .with_options(self.options)
            .look_ahead(self.look_ahead)
    }

    /// Validates, then describes the request without sending it.
    pub fn to_spec(&self) -> Result<RequestSpec, Error> {
        self.clone().into_generated().to_spec()
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<TaskPage, Error> {
        self.into_generated().send().await.map_err(explain)
    }

    /// Every page from the requested one, in order, stopping after the last page the server
    /// reports (`pages`). An invalid request yields exactly one error and sends nothing.
    pub fn by_page(self) -> impl Stream<Item = Result<Page<GroupCallTask>, Error>> + Send + Unpin {
        self.into_generated().by_page().map_err(explain)
    }

    /// Every task of every page from the requested one, in order. An invalid request
    /// yields exactly one error and sends nothing.
    pub fn by_item(self) -> impl Stream<Item = Result<GroupCallTask, Error>> + Send + Unpin {
        self.into_generated().by_item().map_err(explain)
    }
}

/// A -16 that survived the re-signed retry means the clock, not the credentials.
fn explain(err: Error) -> Error {
    if err.is_auth() && is_timestamp_expired(&err) {
        err.with_auth_message(CLOCK_MESSAGE)
    } else {
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn env_names_the_missing_variable() {
        let err = ItnioClientBuilder::from_vars(vars(&[(ENV_API_SECRET, "s")])).err();
        assert!(err.as_ref().is_some_and(Error::is_config));
        assert!(err.is_some_and(|e| e.to_string().contains("ITNIO_API_KEY")));
        let err =
            ItnioClientBuilder::from_vars(vars(&[(ENV_API_KEY, "k"), (ENV_API_SECRET, "")])).err();
        assert!(err.is_some_and(|e| e.is_config() && e.to_string().contains("ITNIO_API_SECRET")));
    }

    #[test]
    fn env_base_url_is_optional() {
        let client =
            ItnioClientBuilder::from_vars(vars(&[(ENV_API_KEY, "k"), (ENV_API_SECRET, "s")]))
                .and_then(ItnioClientBuilder::build);
        assert_eq!(
            client.as_ref().ok().map(|c| c.base_url().as_str()),
            Some("https://api.itniotech.com/")
        );
        let client = ItnioClientBuilder::from_vars(vars(&[
            (ENV_API_KEY, "k"),
            (ENV_API_SECRET, "s"),
            (ENV_BASE_URL, "https://api.example-brand.com"),
        ]))
        .and_then(ItnioClientBuilder::build);
        assert_eq!(
            client
                .ok()
                .map(|c| c.base_url().host_str().map(str::to_owned)),
            Some(Some("api.example-brand.com".to_owned()))
        );
    }

    #[test]
    fn key_and_secret_are_required_and_never_shown() {
        assert!(
            ItnioClient::builder()
                .api_key("k")
                .build()
                .is_err_and(|e| e.is_config() && e.to_string().contains("secret"))
        );
        assert!(
            ItnioClient::builder()
                .api_key("")
                .api_secret("s")
                .build()
                .is_err_and(|e| e.is_config())
        );
        let builder = ItnioClient::builder()
            .api_key("key-bDqJFiq9")
            .api_secret("secret-7bz1lzh9");
        let shown = format!("{builder:?}");
        assert!(
            !shown.contains("bDqJFiq9") && !shown.contains("7bz1lzh9"),
            "{shown}"
        );
        let client = builder.build();
        let shown = format!("{client:?}");
        assert!(client.is_ok(), "{shown}");
        assert!(
            !shown.contains("bDqJFiq9") && !shown.contains("7bz1lzh9"),
            "{shown}"
        );
    }
}

//! [`ItnioClient`] and its builder.

use std::fmt;
use std::sync::Arc;

use common_http::reexports::url;
use common_http::{ClientConfigBuilder, Clock, DriftLedger, EnvVars, Error, HttpClient, Secret};
use time::PrimitiveDateTime;

use crate::signer::ItnioSigner;
use crate::{ListGroupCallTasks, TaskQueryParams, TaskQueryRequest};

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
    /// ([`Error::is_config`]) that names it. Use [`ItnioClientBuilder::from_env`] to adjust
    /// other settings as well.
    pub fn from_env() -> Result<Self, Error> {
        ItnioClientBuilder::from_env()?.build()
    }

    /// How this client's answers deviated from the vendor's documentation so far, counted
    /// once per (operation, JSON path, kind): the answers were read tolerantly, and this is
    /// what was tolerated. Shared by clones of the client.
    pub fn drift(&self) -> &DriftLedger {
        self.http.drift()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &url::Url {
        self.http.config().base_url()
    }

    /// The AI-agent group call tasks created between `str_time` and `end_time`
    /// (`POST /voice/group/call/query`), page 1 of [`DEFAULT_PAGE_SIZE`] unless set
    /// otherwise. Invalid input (`current` below 1, `size` outside 1..=100, `endTime`
    /// before `strTime`) is an [`Error::is_invalid_request`] error before anything is sent.
    ///
    /// ```no_run
    /// # async fn demo(client: itnio_client::ItnioClient) -> Result<(), itnio_client::Error> {
    /// use futures::TryStreamExt;
    /// use time::macros::datetime;
    ///
    /// let mut tasks = client
    ///     .list_group_call_tasks(datetime!(2024-01-01 00:00:00), datetime!(2024-06-03 15:13:01))
    ///     .size(100)
    ///     .status_list([itnio_client::TaskStatus::Finished])
    ///     .by_item();
    /// while let Some(task) = tasks.try_next().await? {
    ///     if let Some(task) = task.typed() {
    ///         println!("{} {:?} {:?}", task.task_id, task.task_name, task.total_fee());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_group_call_tasks(
        &self,
        str_time: PrimitiveDateTime,
        end_time: PrimitiveDateTime,
    ) -> ListGroupCallTasks {
        self.list_group_call_tasks_with(TaskQueryRequest::new(
            1,
            DEFAULT_PAGE_SIZE,
            TaskQueryParams::new(str_time, end_time),
        ))
    }

    /// The same, from a whole request body.
    pub fn list_group_call_tasks_with(&self, request: TaskQueryRequest) -> ListGroupCallTasks {
        ListGroupCallTasks::new(self.http.clone(), request)
    }
}

/// Builds an [`ItnioClient`].
#[derive(Clone, Default)]
pub struct ItnioClientBuilder {
    api_key: Option<Secret>,
    api_secret: Option<Secret>,
    base_url: Option<String>,
    config: ClientConfigBuilder,
    clock: Option<Arc<dyn Clock>>,
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
        Self::from_vars(&EnvVars::process())
    }

    fn from_vars(env: &EnvVars<'_>) -> Result<Self, Error> {
        let mut builder = Self::default()
            .api_key(env.required(ENV_API_KEY, "the Itniotech API key")?)
            .api_secret(env.required(ENV_API_SECRET, "the Itniotech API secret")?);
        if let Some(url) = env.optional(ENV_BASE_URL) {
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

    common_http::transport_setters!(config);

    /// The clock the signer reads its timestamp from (default: the system clock). For tests.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the settings and builds the client. A missing or empty key or secret, or a
    /// bad base URL, is a configuration error ([`Error::is_config`]) naming the setter and
    /// the environment variable.
    pub fn build(self) -> Result<ItnioClient, Error> {
        let required = |value: Option<Secret>, setter: &str, env: &str| {
            value.filter(|v| !v.is_empty()).ok_or_else(|| {
                Error::config(format!(
                    "the {} is required (builder `{setter}` or {env})",
                    setter.replace('_', " ").replace("api", "API")
                ))
            })
        };
        let api_key = required(self.api_key, "api_key", ENV_API_KEY)?;
        let api_secret = required(self.api_secret, "api_secret", ENV_API_SECRET)?;
        let mut signer = ItnioSigner::new(api_key, api_secret);
        if let Some(clock) = self.clock {
            signer = signer.with_clock(clock);
        }
        let config = self
            .config
            .base_url(self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()))
            .build()?;
        Ok(ItnioClient {
            http: HttpClient::new(config, Arc::new(signer))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> EnvVars<'a> {
        EnvVars::from_pairs(pairs)
    }

    #[test]
    fn env_names_the_missing_variable() {
        let err = ItnioClientBuilder::from_vars(&vars(&[(ENV_API_SECRET, "s")])).err();
        assert!(err.as_ref().is_some_and(Error::is_config));
        assert!(err.is_some_and(|e| e.to_string().contains("ITNIO_API_KEY")));
        let err =
            ItnioClientBuilder::from_vars(&vars(&[(ENV_API_KEY, "k"), (ENV_API_SECRET, "")])).err();
        assert!(err.is_some_and(|e| e.is_config() && e.to_string().contains("ITNIO_API_SECRET")));
    }

    #[test]
    fn env_base_url_is_optional() {
        let client =
            ItnioClientBuilder::from_vars(&vars(&[(ENV_API_KEY, "k"), (ENV_API_SECRET, "s")]))
                .and_then(ItnioClientBuilder::build);
        assert_eq!(
            client.as_ref().ok().map(|c| c.base_url().as_str()),
            Some("https://api.itniotech.com/")
        );
        let client = ItnioClientBuilder::from_vars(&vars(&[
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

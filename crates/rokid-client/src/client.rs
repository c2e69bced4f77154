//! [`RokidClient`] and its builder (hand-written).

use std::sync::Arc;

use common_http::reexports::url;
use common_http::{
    BearerAuth, ClientConfigBuilder, DriftLedger, EnvVars, Error, HttpClient, NoAuth, Secret,
};

use crate::download::Download;
use crate::generated::{
    ListChatLogs, ListChatLogsRequest, ListWorkRecords, ListWorkRecordsRequest,
};

/// The production base URL of the Rokid open API.
pub const DEFAULT_BASE_URL: &str = "https://api.rokid.com";

/// The environment variable holding the API key.
pub const ENV_API_KEY: &str = "ROKID_API_KEY";

/// The environment variable holding the base URL (optional; [`DEFAULT_BASE_URL`] when unset).
pub const ENV_BASE_URL: &str = "ROKID_BASE_URL";

/// A client of the Rokid enterprise open API.
///
/// Cheap to clone (clones share one connection pool). Every API call carries
/// `Authorization: Bearer <API key>`; its `Debug` output never shows the key.
///
/// ```no_run
/// # async fn demo() -> Result<(), rokid_client::Error> {
/// let client = rokid_client::RokidClient::builder()
///     .api_key("my-access-key")
///     .timeout(std::time::Duration::from_secs(20))
///     .build()?;
/// let page = client.list_work_records("E9985178CD6C4207BDB30608FF90B909").send().await?;
/// println!("{} records", page.total);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RokidClient {
    /// Authenticated client for the API (bearer key).
    pub(crate) http: HttpClient,
    /// Same connection pool and settings, without credentials: downloads from other hosts.
    pub(crate) anonymous: HttpClient,
}

impl RokidClient {
    /// A builder with the defaults (base URL [`DEFAULT_BASE_URL`], the timeouts and retry
    /// policy of the transport setters). An API key is required.
    pub fn builder() -> RokidClientBuilder {
        RokidClientBuilder::default()
    }

    /// A client configured from the environment: the API key from `ROKID_API_KEY`
    /// (required) and the base URL from `ROKID_BASE_URL` (optional).
    ///
    /// Nothing else ever reads the environment. A missing or empty key is a configuration
    /// error ([`Error::is_config`]) that names the variable. Use
    /// [`RokidClientBuilder::from_env`] to adjust other settings as well.
    pub fn from_env() -> Result<Self, Error> {
        RokidClientBuilder::from_env()?.build()
    }

    /// How this client's answers deviated from the vendor's documentation so far, counted
    /// once per (operation, JSON path, kind): the answers were read tolerantly, and this is
    /// what was tolerated. Shared by clones of the client.
    pub fn drift(&self) -> &DriftLedger {
        self.http.drift()
    }

    /// The base URL every API path is appended to.
    pub fn base_url(&self) -> &url::Url {
        self.http.config().base_url()
    }

    /// Work records of one user: `GET /ar/flow/openapi/record/page`.
    ///
    /// Returns the request builder; set filters on it, then `.send()` (one page),
    /// `.by_page()` or `.by_item()`. An empty `uid`, a page size below 1 or an end before
    /// the start is rejected ([`Error::is_invalid_request`]) before anything is sent.
    ///
    /// ```no_run
    /// # async fn demo(client: rokid_client::RokidClient) -> Result<(), rokid_client::Error> {
    /// use futures::TryStreamExt;
    /// use time::macros::datetime;
    /// let mut records = client
    ///     .list_work_records("E9985178CD6C4207BDB30608FF90B909")
    ///     .task_name("inspection")
    ///     .gmt_start(datetime!(2026-06-01 00:00:00))
    ///     .gmt_end(datetime!(2026-06-17 23:59:59))
    ///     .by_item();
    /// while let Some(record) = records.try_next().await? {
    ///     if let Some(record) = record.typed() {
    ///         println!("{} {:?}", record.task_id, record.task_progress);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_work_records(&self, uid: impl Into<String>) -> ListWorkRecords {
        ListWorkRecords::new(self.http.clone(), ListWorkRecordsRequest::new(uid))
    }

    /// Agent chat logs: `GET /ar/assistant/openapi/chatLog/page`.
    ///
    /// Returns the request builder with every filter unset; `.send()`, `.by_page()` or
    /// `.by_item()` it.
    ///
    /// ```no_run
    /// # async fn demo(client: rokid_client::RokidClient) -> Result<(), rokid_client::Error> {
    /// use rokid_client::ChatLogType;
    /// use time::macros::{date, datetime};
    /// let page = client
    ///     .list_chat_logs()
    ///     .log_type(ChatLogType::Chat)
    ///     .start_time(date!(2026-06-01))
    ///     .end_time(datetime!(2026-06-15 23:59:59))
    ///     .agent_name("Inspection Assistant")
    ///     .send()
    ///     .await?;
    /// println!("{} logs", page.total);
    /// # Ok(()) }
    /// ```
    pub fn list_chat_logs(&self) -> ListChatLogs {
        ListChatLogs::new(self.http.clone(), ListChatLogsRequest::new())
    }

    /// Prepares a streamed download of a document URL (a work record's `reportUrl`,
    /// `signUrl` or `videoUrl`); see [`Download`].
    ///
    /// The API key is sent only when the URL has the same origin (scheme, host and port)
    /// as the API base URL; documents on any other host (such as `cdn.rokid.com`) are
    /// fetched without credentials, so the key never leaves the API host.
    pub fn download(&self, url: impl Into<String>) -> Download {
        Download::new(self.clone(), url.into())
    }
}

/// Builds a [`RokidClient`].
///
/// Its `Debug` output shows `[redacted]` in place of the API key.
#[derive(Debug, Clone, Default)]
pub struct RokidClientBuilder {
    api_key: Option<Secret>,
    base_url: Option<String>,
    config: ClientConfigBuilder,
}

impl RokidClientBuilder {
    /// A builder with the API key from `ROKID_API_KEY` and, when set, the base URL from
    /// `ROKID_BASE_URL`. A missing or empty key is a configuration error naming the
    /// variable.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(&EnvVars::process())
    }

    fn from_vars(env: &EnvVars<'_>) -> Result<Self, Error> {
        let mut builder = Self::default().api_key(env.required(ENV_API_KEY, "the Rokid API key")?);
        if let Some(base) = env.optional(ENV_BASE_URL) {
            builder = builder.base_url(base);
        }
        Ok(builder)
    }

    /// The API key (the access key issued to the company), sent as
    /// `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL (default [`DEFAULT_BASE_URL`]); point it at a mock server or sandbox
    /// in tests.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    common_http::transport_setters!(config);

    /// Checks the settings and builds the client. A missing or empty API key, or an
    /// invalid base URL, is a configuration error ([`Error::is_config`]).
    pub fn build(self) -> Result<RokidClient, Error> {
        let key = self.api_key.filter(|key| !key.is_empty()).ok_or_else(|| {
            Error::config(format!(
                "the API key is required (builder `api_key` or {ENV_API_KEY})"
            ))
        })?;
        let base = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let config = self.config.base_url(base).build()?;
        let http = HttpClient::new(config, Arc::new(BearerAuth::new(key)))?;
        let anonymous = http.sibling(http.config().base_url().as_str(), Arc::new(NoAuth))?;
        Ok(RokidClient { http, anonymous })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> EnvVars<'a> {
        EnvVars::from_pairs(pairs)
    }

    #[test]
    fn from_env_requires_the_key_and_names_the_variable() {
        for pairs in [&[][..], &[(ENV_API_KEY, "  ")][..]] {
            let err = RokidClientBuilder::from_vars(&vars(pairs)).err();
            assert!(err.as_ref().is_some_and(Error::is_config), "{err:?}");
            let text = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(text.contains("ROKID_API_KEY"), "{text}");
        }
    }

    #[test]
    fn from_env_reads_key_and_base_url() {
        let client = RokidClientBuilder::from_vars(&vars(&[
            (ENV_API_KEY, "sk-env-123"),
            (ENV_BASE_URL, "http://127.0.0.1:9"),
        ]))
        .and_then(RokidClientBuilder::build);
        let client = client.ok();
        assert_eq!(
            client.as_ref().map(|c| c.base_url().as_str()),
            Some("http://127.0.0.1:9/")
        );
        let shown = format!("{client:?}");
        assert!(!shown.contains("sk-env-123"), "{shown}");
        let default = RokidClientBuilder::from_vars(&vars(&[(ENV_API_KEY, "k")]))
            .and_then(RokidClientBuilder::build)
            .ok();
        assert_eq!(
            default.as_ref().map(|c| c.base_url().as_str()),
            Some("https://api.rokid.com/")
        );
    }

    #[test]
    fn build_checks_key_and_base_url_and_debug_hides_the_key() {
        assert!(RokidClient::builder().build().is_err_and(|e| e.is_config()));
        assert!(
            RokidClient::builder()
                .api_key("")
                .build()
                .is_err_and(|e| e.is_config())
        );
        assert!(
            RokidClient::builder()
                .api_key("k")
                .base_url("ftp://x")
                .build()
                .is_err_and(|e| e.is_config())
        );
        let builder = RokidClient::builder().api_key("sk-secret-999");
        assert!(!format!("{builder:?}").contains("sk-secret-999"));
        let client = builder.build();
        assert!(client.is_ok());
        let shown = format!("{client:?}");
        assert!(!shown.contains("sk-secret-999"), "{shown}");
    }
}

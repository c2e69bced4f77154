//! Client-wide settings: where to connect, how long to wait, how to retry.

use std::sync::Arc;
use std::time::Duration;

use crate::retry::{Sleeper, default_sleeper};
use crate::{Error, RetryPolicy};

/// The user agent sent when none is configured.
pub const DEFAULT_USER_AGENT: &str = concat!("agent-clients/", env!("CARGO_PKG_VERSION"));

/// Settings shared by every request of an [`HttpClient`](crate::HttpClient).
///
/// Built with [`ClientConfig::builder`]. Holds no credentials (those belong to the
/// [`Authenticator`](crate::Authenticator)), so its `Debug` is safe to log.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub(crate) base_url: url::Url,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) stream_idle_timeout: Duration,
    pub(crate) user_agent: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    pub(crate) http: Option<reqwest::Client>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
}

impl ClientConfig {
    /// A builder with the defaults: 10 s to connect, 30 s per attempt, 60 s of silence
    /// before a stream gives up, [`RetryPolicy::default`], 64 MiB response limit.
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder::default()
    }

    /// The base URL every path is appended to (it may carry a path prefix).
    pub fn base_url(&self) -> &url::Url {
        &self.base_url
    }

    /// Time allowed for one attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Longest silence allowed between two chunks of a streamed response.
    pub fn stream_idle_timeout(&self) -> Duration {
        self.stream_idle_timeout
    }

    /// The default retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// How the client waits (between attempts; also what polling helpers built on the
    /// client wait with, so a test's sleeper covers them too).
    pub fn sleeper(&self) -> Arc<dyn Sleeper> {
        self.sleeper.clone()
    }

    /// A copy of this configuration pointing at another base URL (a vendor whose token
    /// endpoint lives on another host shares everything else).
    pub fn with_base_url(&self, base_url: &str) -> Result<Self, Error> {
        let mut copy = self.clone();
        copy.base_url = parse_base_url(base_url)?;
        Ok(copy)
    }
}

/// Builds a [`ClientConfig`].
#[derive(Debug, Clone)]
pub struct ClientConfigBuilder {
    base_url: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    stream_idle_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    max_response_bytes: usize,
    http: Option<reqwest::Client>,
    sleeper: Arc<dyn Sleeper>,
}

impl Default for ClientConfigBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            stream_idle_timeout: Duration::from_secs(60),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            max_response_bytes: 64 * 1024 * 1024,
            http: None,
            sleeper: default_sleeper(),
        }
    }
}

impl ClientConfigBuilder {
    /// The base URL, e.g. `https://api.rokid.com` or `https://api-c.soboten.com/text`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Time allowed to establish a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt: connect, send, headers and (for non-streamed
    /// responses) the whole body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Longest silence allowed between two chunks of a streamed response. A stream has no
    /// total timeout: a long answer that keeps arriving is never cut.
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The default retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body read into memory (streams and downloads are not bound).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// A `reqwest::Client` built by the caller (proxies, custom TLS roots, connection
    /// pool settings). The connect timeout and user agent of this builder are then the
    /// caller's business: set them on that client.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How the client waits between attempts (tests inject one that does not sleep).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<ClientConfig, Error> {
        let base = self
            .base_url
            .ok_or_else(|| Error::config("a base URL is required"))?;
        if self.timeout.is_zero() {
            return Err(Error::config(
                "the request timeout must be greater than zero",
            ));
        }
        if self.stream_idle_timeout.is_zero() {
            return Err(Error::config(
                "the stream idle timeout must be greater than zero",
            ));
        }
        Ok(ClientConfig {
            base_url: parse_base_url(&base)?,
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            stream_idle_timeout: self.stream_idle_timeout,
            user_agent: self.user_agent,
            retry: self.retry,
            max_response_bytes: self.max_response_bytes,
            http: self.http,
            sleeper: self.sleeper,
        })
    }
}

fn parse_base_url(raw: &str) -> Result<url::Url, Error> {
    let url = url::Url::parse(raw)
        .map_err(|e| Error::config(format!("invalid base URL `{raw}`: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "the base URL must be http or https, not `{}`",
            url.scheme()
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(
            "the base URL must not have a query or fragment",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_required_and_checked() {
        assert!(
            ClientConfig::builder()
                .build()
                .is_err_and(|e| e.is_config())
        );
        for bad in ["not a url", "ftp://x.example", "https://x.example/?a=1"] {
            let result = ClientConfig::builder().base_url(bad).build();
            assert!(result.is_err_and(|e| e.is_config()), "{bad}");
        }
        let ok = ClientConfig::builder()
            .base_url("https://api-c.soboten.com/text")
            .build();
        assert_eq!(
            ok.ok().map(|c| c.base_url().path().to_owned()).as_deref(),
            Some("/text")
        );
    }

    #[test]
    fn zero_timeouts_are_rejected() {
        let b = ClientConfig::builder().base_url("http://127.0.0.1:1");
        assert!(b.clone().timeout(Duration::ZERO).build().is_err());
        assert!(b.stream_idle_timeout(Duration::ZERO).build().is_err());
    }
}

//! What every vendor client builder has in common, written once: the transport setters,
//! reading credentials from the environment, and the clock.
//!
//! A vendor builder keeps a [`ClientConfigBuilder`](crate::ClientConfigBuilder) in a field
//! and calls [`transport_setters!`](crate::transport_setters) inside its `impl` block, so
//! the eight transport settings have the same names, types and documentation in every
//! vendor crate.

use std::fmt;
use std::time::SystemTime;

use crate::Error;

/// Expands to the eight transport setters of a client builder, forwarding to the
/// [`ClientConfigBuilder`](crate::ClientConfigBuilder) held in field `$config`:
/// `connect_timeout`, `timeout`, `stream_idle_timeout`, `user_agent`, `retry_policy`,
/// `max_response_bytes`, `http_client` and `sleeper`.
///
/// ```
/// use common_http::ClientConfigBuilder;
///
/// #[derive(Debug, Default)]
/// pub struct MyBuilder {
///     config: ClientConfigBuilder,
/// }
///
/// impl MyBuilder {
///     common_http::transport_setters!(config);
/// }
///
/// let builder = MyBuilder::default().timeout(std::time::Duration::from_secs(5));
/// # let _ = builder;
/// ```
#[macro_export]
macro_rules! transport_setters {
    ($config:ident) => {
        /// Time allowed to establish a connection (default 10 s).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$config = self.$config.connect_timeout(timeout);
            self
        }

        /// Time allowed for one attempt (default 30 s); for a stream or a download, until
        /// the response headers arrive.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$config = self.$config.timeout(timeout);
            self
        }

        /// Longest silence allowed between two chunks of a streamed answer or a download
        /// (default 60 s). A stream has no total timeout.
        pub fn stream_idle_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$config = self.$config.stream_idle_timeout(timeout);
            self
        }

        /// The `User-Agent` header.
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.$config = self.$config.user_agent(user_agent);
            self
        }

        /// The default retry policy. Only what is safe is retried: connect errors always,
        /// and timeouts, 429 and 5xx (and the vendor's "temporary" codes) for idempotent
        /// calls; never rejected credentials.
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.$config = self.$config.retry_policy(policy);
            self
        }

        /// The largest response body read into memory (default 64 MiB); a longer one fails
        /// instead of being buffered. Streams and downloads are not bound by it.
        pub fn max_response_bytes(mut self, limit: usize) -> Self {
            self.$config = self.$config.max_response_bytes(limit);
            self
        }

        /// A `reqwest::Client` built by the caller (proxies, TLS roots, pool settings); its
        /// connect timeout and user agent are then the caller's business.
        pub fn http_client(mut self, client: $crate::reexports::reqwest::Client) -> Self {
            self.$config = self.$config.http_client(client);
            self
        }

        /// How the client waits between attempts (tests inject one that does not sleep).
        pub fn sleeper(mut self, sleeper: ::std::sync::Arc<dyn $crate::Sleeper>) -> Self {
            self.$config = self.$config.sleeper(sleeper);
            self
        }
    };
}

/// Where a builder's `from_env` reads its variables: the process environment, or a lookup
/// function in tests. An empty or blank value counts as unset.
pub struct EnvVars<'a> {
    lookup: Lookup<'a>,
}

/// How [`EnvVars`] reads one variable.
type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

impl fmt::Debug for EnvVars<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvVars").finish_non_exhaustive()
    }
}

impl EnvVars<'static> {
    /// The process environment.
    pub fn process() -> Self {
        Self::from_fn(|name| std::env::var(name).ok())
    }
}

impl<'a> EnvVars<'a> {
    /// Variables read through `lookup`.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self {
            lookup: Box::new(lookup),
        }
    }

    /// Variables from a list of `(name, value)` pairs (tests, or a configuration file).
    pub fn from_pairs(pairs: &'a [(&'a str, &'a str)]) -> Self {
        Self::from_fn(move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    /// The trimmed value of `name`, or `None` when it is unset or blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// The value of `name`; when it is unset or blank, a configuration error
    /// ([`Error::is_config`]) naming the variable and saying what it must hold.
    pub fn required(&self, name: &str, holds: &str) -> Result<String, Error> {
        self.optional(name).ok_or_else(|| {
            Error::config(format!(
                "the environment variable {name} is not set (or is empty); it must hold {holds}"
            ))
        })
    }
}

/// The clock a client reads for signatures, timestamps and token expiry. The system clock
/// by default; tests inject their own (any `Fn() -> SystemTime` closure is a clock).
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, SystemTime};
/// use common_http::Clock;
///
/// let frozen: Arc<dyn Clock> = Arc::new(|| SystemTime::UNIX_EPOCH + Duration::from_secs(1_630_468_800));
/// assert_eq!(frozen.unix_seconds(), 1_630_468_800);
/// ```
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The current time in whole seconds since the Unix epoch (0 before it).
    fn unix_seconds(&self) -> u64 {
        self.now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

impl<F: Fn() -> SystemTime + Send + Sync> Clock for F {
    fn now(&self) -> SystemTime {
        self()
    }
}

/// A clock that reads whole seconds since the Unix epoch from `seconds` (tests that count
/// time in seconds, as signatures do).
///
/// ```
/// let clock = common_http::clock_from_unix_seconds(|| 1_630_468_800);
/// assert_eq!(clock.unix_seconds(), 1_630_468_800);
/// ```
pub fn clock_from_unix_seconds(
    seconds: impl Fn() -> u64 + Send + Sync + 'static,
) -> std::sync::Arc<dyn Clock> {
    std::sync::Arc::new(move || SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(seconds()))
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_names_the_variable_and_blank_is_unset() {
        let env = EnvVars::from_fn(|name| match name {
            "SET" => Some(" value ".to_owned()),
            "BLANK" => Some("  ".to_owned()),
            _ => None,
        });
        assert_eq!(env.optional("SET").as_deref(), Some("value"));
        assert_eq!(env.optional("BLANK"), None);
        for name in ["BLANK", "MISSING"] {
            let err = env.required(name, "the key").err();
            assert!(err.as_ref().is_some_and(Error::is_config));
            let text = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(text.contains(name) && text.contains("the key"), "{text}");
        }
    }
}

//! The token manager: one shared `token` per client, fetched with a signed `get_token`,
//! refreshed ahead of expiry by one caller at a time, and re-acquired once when the API
//! says it is invalid.
//!
//! # Token lifetime bounds
//!
//! Every `get_token` issues a new token and invalidates the previous one, so the manager
//! never trusts the lifetime (`expires_in`, sent as text) blindly: it is clamped to
//! [`MIN_TOKEN_LIFETIME`] ..= [`MAX_TOKEN_LIFETIME`] (60 s ..= 86400 s, the documented
//! maximum). A lifetime of `0`, a negative one or a tiny one would otherwise make every call
//! fetch a new token and knock out the callers still using the previous one; a huge one
//! would keep a token past any real expiry. The token is replaced
//! [`refresh_margin`](crate::SobotClientBuilder::refresh_margin) before the clamped expiry,
//! but never before half of the clamped lifetime has passed. No instant is ever computed by
//! adding a lifetime to the clock (only ages are compared), so no answer and no clock can
//! make the arithmetic overflow.
//!
//! # Outages of the token endpoint
//!
//! One refresh is in flight at a time; it is retried by the client's
//! [`RetryPolicy`](crate::RetryPolicy) (the token endpoint is idempotent). When it fails
//! for good, the failure is remembered for
//! [`token_failure_backoff`](crate::SobotClientBuilder::token_failure_backoff)
//! ([`DEFAULT_TOKEN_FAILURE_BACKOFF`], 5 s): the callers that waited for that refresh, and
//! every call (or retry of a call) within the backoff, fail at once with the same error
//! instead of starting their own fetch. So an outage costs at most the policy's attempts in
//! `get_token` requests per backoff period, however many callers there are and however
//! often the calls themselves are retried. The error says the Sobot token could not be
//! fetched and keeps its type: the HTTP status (a 503 stays a retryable status error), a
//! transport failure, a vendor error, a decode error; it never quotes the token answer or
//! the signed request. A refresh ahead of expiry that fails keeps the current token in use
//! until its clamped lifetime ends.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use common_http::reexports::http::{HeaderName, HeaderValue, StatusCode};
use common_http::reexports::reqwest;
use common_http::{
    ApiError, Authenticator, Clock, CredentialGeneration, Error, HttpClient, Secret,
};
use md5::{Digest, Md5};
use tokio::sync::RwLock;

use crate::generated::{FetchToken, FetchTokenRequest};

/// How long before its expiry a token is replaced, unless configured otherwise.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The shortest lifetime a token is given, whatever `expires_in` says (`0`, negative or
/// tiny values are raised to it): a token is kept at least half of it (30 s) before it is
/// replaced, so a bogus lifetime cannot make every call fetch (and invalidate) a token.
pub const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(60);

/// The longest lifetime a token is given, whatever `expires_in` says: one day, the maximum
/// Sobot documents.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

/// How long a failed token refresh is remembered, unless configured otherwise: within it,
/// calls fail at once with the same error instead of asking `get_token` again.
pub const DEFAULT_TOKEN_FAILURE_BACKOFF: Duration = Duration::from_secs(5);

/// The `get_token` signature: `md5(appid + create_time + app_key)` as 32 lower-case hex
/// characters.
///
/// ```
/// let sign = sobot_client::sign("1", "1569397773", "2");
/// assert_eq!(sign, "258eec3118705112b2c53dc8043d4d34");
/// ```
pub fn sign(appid: &str, create_time: &str, app_key: &str) -> String {
    let mut hasher = Md5::new();
    hasher.update(appid.as_bytes());
    hasher.update(create_time.as_bytes());
    hasher.update(app_key.as_bytes());
    hex::encode(hasher.finalize())
}

/// The clamped lifetime of a token whose answer said `expires_in` seconds.
fn clamp_lifetime(expires_in: i64) -> Duration {
    let secs = u64::try_from(expires_in).unwrap_or(0);
    Duration::from_secs(secs.clamp(MIN_TOKEN_LIFETIME.as_secs(), MAX_TOKEN_LIFETIME.as_secs()))
}

/// How far apart two readings of the clock are, whichever came first (a clock that jumped
/// backwards ages things too, rather than freezing them).
fn age(now: SystemTime, then: SystemTime) -> Duration {
    now.duration_since(then).unwrap_or_else(|e| e.duration())
}

/// A token in the cache, with when to replace it and which generation it is.
struct Cached {
    token: Secret,
    fetched_at: SystemTime,
    /// Replaced once it is this old.
    refresh_after: Duration,
    /// Not used at all once it is this old (the clamped lifetime).
    lifetime: Duration,
    generation: u64,
}

impl Cached {
    fn fresh(&self, now: SystemTime) -> bool {
        age(now, self.fetched_at) < self.refresh_after
    }

    fn usable(&self, now: SystemTime) -> bool {
        age(now, self.fetched_at) < self.lifetime
    }
}

/// What kind of error a failed refresh was, to hand the same one to every caller.
#[derive(Debug, Clone)]
enum FailureKind {
    Status(StatusCode),
    Api(ApiError),
    Auth(Option<ApiError>),
    Decode(String),
    Config,
    Redirect,
    Transport,
}

/// A failed refresh, remembered for the failure backoff.
#[derive(Debug, Clone)]
struct Failure {
    at: SystemTime,
    kind: FailureKind,
    /// The error's Display: it quotes no body and no URL (see `fetch`).
    shown: String,
}

impl Failure {
    fn of(error: &Error, at: SystemTime) -> Self {
        let kind = if let Some(status) = error.status_code().filter(|_| !error.is_api()) {
            if error.is_auth() {
                FailureKind::Auth(error.api_error().cloned())
            } else {
                FailureKind::Status(status)
            }
        } else if error.is_auth() {
            FailureKind::Auth(error.api_error().cloned())
        } else if let Some(api) = error.api_error() {
            FailureKind::Api(api.clone())
        } else if let Some(path) = error.json_path() {
            FailureKind::Decode(path.to_owned())
        } else if error.is_config() || error.is_invalid_request() {
            FailureKind::Config
        } else if error.is_redirect() {
            FailureKind::Redirect
        } else {
            FailureKind::Transport
        };
        Self {
            at,
            kind,
            shown: error.to_string(),
        }
    }

    /// The error every caller sharing this failure gets.
    fn error(&self, backoff: Duration) -> Error {
        let context = format!(
            "could not fetch a Sobot token (get_token is not asked again for {}s after a \
             failed refresh)",
            backoff.as_secs_f64()
        );
        match &self.kind {
            FailureKind::Status(status) => Error::status(*status, context.as_bytes()),
            FailureKind::Api(api) => Error::api(api.clone()),
            FailureKind::Auth(vendor) => {
                Error::auth(format!("{context}: {}", self.shown), vendor.clone())
            }
            FailureKind::Decode(path) => {
                Error::decode(path.clone(), &[], format!("{context}: {}", self.shown))
            }
            FailureKind::Config => Error::config(format!("{context}: {}", self.shown)),
            FailureKind::Redirect => Error::redirect(format!("{context}: {}", self.shown)),
            FailureKind::Transport => Error::transport(format!("{context}: {}", self.shown)),
        }
    }
}

/// The cached token and the last failed refresh, under one lock.
#[derive(Default)]
struct State {
    cached: Option<Cached>,
    failure: Option<Failure>,
}

/// The Sobot token manager, an [`Authenticator`] that puts the shared token in the `token`
/// header of every attempt.
///
/// At most one `get_token` is in flight per client, however many calls wait: every
/// `get_token` invalidates the previous token, so a stampede would break every caller.
/// A rejected token is dropped only if it is still the one that was rejected. Lifetimes are
/// clamped and failed refreshes shared (see the [module documentation](self)).
pub(crate) struct TokenManager {
    http: HttpClient,
    appid: String,
    app_key: Secret,
    clock: Arc<dyn Clock>,
    refresh_margin: Duration,
    failure_backoff: Duration,
    invalid_codes: BTreeSet<String>,
    state: RwLock<State>,
    next_generation: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("token_base_url", &self.http.config().base_url().as_str())
            .field("appid", &self.appid)
            .field("app_key", &"[redacted]")
            .field("refresh_margin", &self.refresh_margin)
            .field("failure_backoff", &self.failure_backoff)
            .field("invalid_codes", &self.invalid_codes)
            .finish_non_exhaustive()
    }
}

/// How the token manager is set up (from the builder).
pub(crate) struct TokenSettings {
    pub(crate) appid: String,
    pub(crate) app_key: Secret,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) refresh_margin: Duration,
    pub(crate) failure_backoff: Duration,
    pub(crate) invalid_codes: BTreeSet<String>,
}

impl TokenManager {
    pub(crate) fn new(http: HttpClient, settings: TokenSettings) -> Self {
        Self {
            http,
            appid: settings.appid,
            app_key: settings.app_key,
            clock: settings.clock,
            refresh_margin: settings.refresh_margin,
            failure_backoff: settings.failure_backoff,
            invalid_codes: settings.invalid_codes,
            state: RwLock::new(State::default()),
            next_generation: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// The current token and its generation, fetching one if there is none or it is due.
    pub(crate) async fn token(&self) -> Result<(Secret, u64), Error> {
        let now = self.clock.now();
        {
            let state = self.state.read().await;
            if let Some(c) = state.cached.as_ref()
                && c.fresh(now)
            {
                return Ok((c.token.clone(), c.generation));
            }
        }
        let mut state = self.state.write().await;
        // Another caller may have refreshed (or failed to) while we waited for the lock.
        let now = self.clock.now();
        if let Some(c) = state.cached.as_ref()
            && c.fresh(now)
        {
            return Ok((c.token.clone(), c.generation));
        }
        if let Some(failure) = state.failure.as_ref()
            && age(now, failure.at) < self.failure_backoff
        {
            return match state.cached.as_ref().filter(|c| c.usable(now)) {
                Some(c) => Ok((c.token.clone(), c.generation)),
                None => Err(failure.error(self.failure_backoff)),
            };
        }
        match self.fetch(now).await {
            Ok(fresh) => {
                let result = (fresh.token.clone(), fresh.generation);
                state.cached = Some(fresh);
                state.failure = None;
                Ok(result)
            }
            Err(error) => {
                let failure = Failure::of(&error, now);
                tracing::warn!(
                    error = %failure.shown,
                    backoff_ms = self.failure_backoff.as_millis() as u64,
                    "a Sobot token refresh failed; calls fail fast until the backoff ends"
                );
                let shared = failure.error(self.failure_backoff);
                state.failure = Some(failure);
                match state.cached.as_ref().filter(|c| c.usable(now)) {
                    Some(c) => Ok((c.token.clone(), c.generation)),
                    None => Err(shared),
                }
            }
        }
    }

    /// Forgets the cached token (and a remembered failure), so the next call fetches a new
    /// one.
    pub(crate) async fn invalidate(&self) {
        *self.state.write().await = State::default();
    }

    async fn fetch(&self, now: SystemTime) -> Result<Cached, Error> {
        let create_time = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| Error::config("the clock is before 1970"))?
            .as_secs()
            .to_string();
        let sign = sign(&self.appid, &create_time, self.app_key.expose());
        // Never log this request: its Debug would show the signature.
        let request = FetchTokenRequest::new(self.appid.clone(), create_time, sign);
        tracing::debug!("requesting a new Sobot token");
        // The answer holds the token: an error about it must not quote the body.
        let item = FetchToken::new(self.http.clone(), request)
            .send()
            .await
            .map_err(Error::without_body)?;
        if item.token.is_empty() {
            return Err(Error::auth("get_token returned an empty token", None));
        }
        let lifetime = clamp_lifetime(item.expires_in);
        if i128::from(item.expires_in) != i128::from(lifetime.as_secs()) {
            tracing::warn!(
                expires_in = item.expires_in,
                used_secs = lifetime.as_secs(),
                "get_token sent a lifetime out of bounds; clamped"
            );
        }
        // Refresh `refresh_margin` ahead of expiry, but not before half of the lifetime has
        // passed: every get_token invalidates the previous token, so refreshing a short-lived
        // token too eagerly would churn it.
        let refresh_after = lifetime
            .checked_sub(self.refresh_margin)
            .unwrap_or_default()
            .max(lifetime / 2);
        let generation = self
            .next_generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Cached {
            token: Secret::new(item.token),
            fetched_at: now,
            refresh_after,
            lifetime,
            generation,
        })
    }
}

#[async_trait]
impl Authenticator for TokenManager {
    async fn authenticate(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<CredentialGeneration, Error> {
        let (token, generation) = self.token().await?;
        let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
            Error::auth(
                "get_token returned a token that is not a header value",
                None,
            )
        })?;
        value.set_sensitive(true);
        request
            .headers_mut()
            .insert(HeaderName::from_static("token"), value);
        Ok(CredentialGeneration(generation))
    }

    /// A code from the configured "token invalid" set counts even when the envelope's
    /// defaults do not flag it.
    fn rejects_credentials(&self, error: &Error) -> bool {
        error
            .vendor_code()
            .is_some_and(|code| self.invalid_codes.contains(code.trim()))
    }

    async fn credentials_rejected(&self, generation: CredentialGeneration, error: &Error) -> bool {
        let code_matches = match error.vendor_code() {
            Some(code) => self.invalid_codes.contains(code.trim()),
            // A bare HTTP 401 without a vendor envelope.
            None => error.status_code().is_some_and(|s| s.as_u16() == 401),
        };
        if !code_matches || generation.0 == 0 {
            return false;
        }
        let mut state = self.state.write().await;
        if state
            .cached
            .as_ref()
            .is_some_and(|c| c.generation == generation.0)
        {
            tracing::info!("the Sobot token was rejected; fetching a new one");
            state.cached = None;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_clamped() {
        assert_eq!(clamp_lifetime(i64::MAX), MAX_TOKEN_LIFETIME);
        assert_eq!(clamp_lifetime(i64::MIN), MIN_TOKEN_LIFETIME);
        assert_eq!(clamp_lifetime(0), MIN_TOKEN_LIFETIME);
        assert_eq!(clamp_lifetime(7200), Duration::from_secs(7200));
    }

    #[test]
    fn documented_sign_vector() {
        assert_eq!(
            sign("1", "1569397773", "2"),
            "258eec3118705112b2c53dc8043d4d34"
        );
        assert_ne!(sign("1", "1569397774", "2"), sign("1", "1569397773", "2"));
    }
}

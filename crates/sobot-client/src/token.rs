//! The token manager: one shared `token` per client, fetched with a signed `get_token`,
//! refreshed ahead of expiry by one caller at a time, and re-acquired once when the API
//! says it is invalid.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use common_http::reexports::http::{HeaderName, HeaderValue};
use common_http::reexports::reqwest;
use common_http::{Authenticator, Clock, CredentialGeneration, Error, HttpClient, Secret};
use md5::{Digest, Md5};
use tokio::sync::RwLock;

use crate::generated::{FetchToken, FetchTokenRequest};

/// How long before its expiry a token is replaced, unless configured otherwise.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

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

/// A token in the cache, with when to replace it and which generation it is.
struct Cached {
    token: Secret,
    refresh_at: SystemTime,
    generation: u64,
}

/// The Sobot token manager, an [`Authenticator`] that puts the shared token in the `token`
/// header of every attempt.
///
/// At most one `get_token` is in flight per client, however many calls wait: every
/// `get_token` invalidates the previous token, so a stampede would break every caller.
/// A rejected token is dropped only if it is still the one that was rejected.
pub(crate) struct TokenManager {
    http: HttpClient,
    appid: String,
    app_key: Secret,
    clock: Arc<dyn Clock>,
    refresh_margin: Duration,
    invalid_codes: BTreeSet<String>,
    cached: RwLock<Option<Cached>>,
    next_generation: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("token_base_url", &self.http.config().base_url().as_str())
            .field("appid", &self.appid)
            .field("app_key", &"[redacted]")
            .field("refresh_margin", &self.refresh_margin)
            .field("invalid_codes", &self.invalid_codes)
            .finish_non_exhaustive()
    }
}

impl TokenManager {
    pub(crate) fn new(
        http: HttpClient,
        appid: String,
        app_key: Secret,
        clock: Arc<dyn Clock>,
        refresh_margin: Duration,
        invalid_codes: BTreeSet<String>,
    ) -> Self {
        Self {
            http,
            appid,
            app_key,
            clock,
            refresh_margin,
            invalid_codes,
            cached: RwLock::new(None),
            next_generation: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// The current token and its generation, fetching one if there is none or it is due.
    pub(crate) async fn token(&self) -> Result<(Secret, u64), Error> {
        let now = self.clock.now();
        {
            let cached = self.cached.read().await;
            if let Some(c) = cached.as_ref()
                && now < c.refresh_at
            {
                return Ok((c.token.clone(), c.generation));
            }
        }
        let mut cached = self.cached.write().await;
        // Another caller may have refreshed while we waited for the lock.
        let now = self.clock.now();
        if let Some(c) = cached.as_ref()
            && now < c.refresh_at
        {
            return Ok((c.token.clone(), c.generation));
        }
        let fresh = self.fetch(now).await?;
        let result = (fresh.token.clone(), fresh.generation);
        *cached = Some(fresh);
        Ok(result)
    }

    /// Forgets the cached token, so the next call fetches a new one.
    pub(crate) async fn invalidate(&self) {
        *self.cached.write().await = None;
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
        let lifetime = Duration::from_secs(u64::try_from(item.expires_in).unwrap_or(0));
        // Refresh `refresh_margin` ahead of expiry, but not before half of the lifetime has
        // passed: every get_token invalidates the previous token, so refreshing a short-lived
        // token too eagerly would churn it.
        let early = lifetime
            .checked_sub(self.refresh_margin)
            .unwrap_or_default()
            .max(lifetime / 2);
        let generation = self
            .next_generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Cached {
            token: Secret::new(item.token),
            refresh_at: now + early,
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
        let mut cached = self.cached.write().await;
        if cached
            .as_ref()
            .is_some_and(|c| c.generation == generation.0)
        {
            tracing::info!("the Sobot token was rejected; fetching a new one");
            *cached = None;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_sign_vector() {
        assert_eq!(
            sign("1", "1569397773", "2"),
            "258eec3118705112b2c53dc8043d4d34"
        );
        assert_ne!(sign("1", "1569397774", "2"), sign("1", "1569397773", "2"));
    }
}

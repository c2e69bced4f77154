//! The request signer: `Api-Key`, `Timestamp` and `Sign` headers on every attempt.

use std::fmt;
use std::sync::Arc;

use common_http::reexports::async_trait;
use common_http::reexports::http::{HeaderName, HeaderValue};
use common_http::reexports::reqwest;
use common_http::{Authenticator, Clock, CredentialGeneration, Error, Secret, SystemClock};
use md5::{Digest, Md5};

use crate::ResponseCode;

/// The header carrying the API key.
pub const API_KEY_HEADER: &str = "Api-Key";
/// The header carrying the signing time, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "Timestamp";
/// The header carrying the signature.
pub const SIGN_HEADER: &str = "Sign";

/// `md5(api_key + api_secret + timestamp)` as 32 lower-case hex characters.
///
/// ```
/// assert_eq!(
///     itnio_client::sign("bDqJFiq9", "7bz1lzh9", 1630468800),
///     "05d7a50893e22a5c4bb3216ae3396c7c"
/// );
/// ```
pub fn sign(api_key: &str, api_secret: &str, timestamp: u64) -> String {
    let mut hasher = Md5::new();
    hasher.update(api_key.as_bytes());
    hasher.update(api_secret.as_bytes());
    hasher.update(timestamp.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// Signs each attempt with `Api-Key`, `Timestamp` (Unix seconds, read from the clock on
/// every attempt) and `Sign` = md5(api key + api secret + timestamp).
///
/// When the server answers -16 (timestamp expired) the runtime asks this signer whether a
/// retry can help; it says yes (once: the runtime never retries twice), and the retry is
/// signed with a fresh timestamp. -1 (authentication error) is never retried: the same
/// key and secret would be rejected again.
///
/// `Debug` shows neither the key nor the secret.
#[derive(Clone)]
pub struct ItnioSigner {
    api_key: Secret,
    api_secret: Secret,
    clock: Arc<dyn Clock>,
}

impl ItnioSigner {
    /// A signer with these credentials and the system clock.
    pub fn new(api_key: impl Into<Secret>, api_secret: impl Into<Secret>) -> Self {
        Self {
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Replaces the clock the timestamp is read from (tests control time with it).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The three header values for `timestamp`: (`Api-Key`, `Timestamp`, `Sign`), each
    /// marked sensitive so that no log shows them.
    fn header_values(&self, timestamp: u64) -> Result<[(HeaderName, HeaderValue); 3], Error> {
        let signature = sign(self.api_key.expose(), self.api_secret.expose(), timestamp);
        let value = |text: &str, what: &str| {
            HeaderValue::from_str(text)
                .map(|mut v| {
                    v.set_sensitive(true);
                    v
                })
                .map_err(|_| {
                    Error::config(format!(
                        "the {what} contains characters not allowed in a header"
                    ))
                })
        };
        Ok([
            (
                HeaderName::from_static("api-key"),
                value(self.api_key.expose(), "API key")?,
            ),
            (
                HeaderName::from_static("timestamp"),
                value(&timestamp.to_string(), "timestamp")?,
            ),
            (
                HeaderName::from_static("sign"),
                value(&signature, "signature")?,
            ),
        ])
    }
}

impl fmt::Debug for ItnioSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItnioSigner")
            .field("api_key", &self.api_key)
            .field("api_secret", &self.api_secret)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Authenticator for ItnioSigner {
    async fn authenticate(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<CredentialGeneration, Error> {
        let timestamp = self.clock.unix_seconds();
        for (name, value) in self.header_values(timestamp)? {
            request.headers_mut().insert(name, value);
        }
        Ok(CredentialGeneration(timestamp))
    }

    /// Only -16 (timestamp expired) can get better with a new signature.
    async fn credentials_rejected(&self, _generation: CredentialGeneration, error: &Error) -> bool {
        is_timestamp_expired(error)
    }

    /// A -16 that survived the freshly signed retry means the clock, not the credentials.
    fn explain_rejection(&self, error: Error) -> Error {
        if is_timestamp_expired(&error) {
            error.with_auth_message(CLOCK_MESSAGE)
        } else {
            error
        }
    }
}

/// What a twice-expired timestamp most likely means.
const CLOCK_MESSAGE: &str = "the server rejected the timestamp as expired (-16) twice, even \
     freshly signed: the local clock is probably off (check that it is synchronised)";

/// Whether `error` is the vendor's -16 (timestamp expired).
fn is_timestamp_expired(error: &Error) -> bool {
    error
        .vendor_code()
        .and_then(|code| code.parse::<ResponseCode>().ok())
        == Some(ResponseCode::TimestampExpired)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use common_http::ApiError;

    use super::*;

    #[test]
    fn documented_vector() {
        assert_eq!(
            sign("bDqJFiq9", "7bz1lzh9", 1_630_468_800),
            "05d7a50893e22a5c4bb3216ae3396c7c"
        );
    }

    #[test]
    fn debug_hides_credentials() {
        let signer = ItnioSigner::new("bDqJFiq9", "7bz1lzh9");
        let text = format!("{signer:?}");
        assert!(
            !text.contains("bDqJFiq9") && !text.contains("7bz1lzh9"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn headers_are_fresh_and_sensitive() {
        let ticks = Arc::new(std::sync::atomic::AtomicU64::new(1_630_468_800));
        let clock = ticks.clone();
        let signer = ItnioSigner::new("bDqJFiq9", "7bz1lzh9").with_clock(Arc::new(move || {
            let secs = clock.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
        }));
        let url = "http://127.0.0.1:1/voice/group/call/query";
        let mut first = reqwest::Request::new(reqwest::Method::POST, url.parse().unwrap());
        let generation = signer.authenticate(&mut first).await.unwrap();
        assert_eq!(generation, CredentialGeneration(1_630_468_800));
        let headers = first.headers();
        assert_eq!(headers["Api-Key"], "bDqJFiq9");
        assert_eq!(headers["Timestamp"], "1630468800");
        assert_eq!(headers["Sign"], "05d7a50893e22a5c4bb3216ae3396c7c");
        assert!(headers.values().all(HeaderValue::is_sensitive));
        let mut second = reqwest::Request::new(reqwest::Method::POST, url.parse().unwrap());
        signer.authenticate(&mut second).await.unwrap();
        assert_eq!(second.headers()["Timestamp"], "1630468801");
        assert_eq!(
            second.headers()["Sign"],
            sign("bDqJFiq9", "7bz1lzh9", 1_630_468_801).as_str()
        );
    }

    #[tokio::test]
    async fn only_an_expired_timestamp_is_worth_a_retry() {
        let signer = ItnioSigner::new("k", "s");
        let rejected = |code: &str| Error::api(ApiError::new(code, "x").credentials_rejected(true));
        let g = CredentialGeneration(0);
        assert!(signer.credentials_rejected(g, &rejected("-16")).await);
        assert!(!signer.credentials_rejected(g, &rejected("-1")).await);
        assert!(!signer.credentials_rejected(g, &rejected("-2")).await);
        assert!(!signer.credentials_rejected(g, &Error::timeout(None)).await);
    }
}

//! [`HttpClient`]: one attempt loop for every vendor.
//!
//! # Redirects
//!
//! The client follows redirects itself (reqwest's own following is turned off: on a
//! cross-host redirect it strips only `Authorization` and `Cookie`, so a vendor header such
//! as Sobot's `token` or Itniotech's `Api-Key`/`Sign` would reach the other host):
//!
//! - `301`, `302`, `303`, `307`, `308` with a `Location` are followed, at most
//!   [`MAX_REDIRECTS`] hops per attempt. Each hop is rebuilt from the [`RequestSpec`] and
//!   authenticated afresh; `307`/`308` keep the method and body, `303` (and `301`/`302` of
//!   a `POST`) continue as a `GET` without a body.
//! - A client whose [`Authenticator`] sends credentials follows only redirects within the
//!   origin (scheme, host, port) of the request ([`SignedInRequest`](crate::SignedInRequest)
//!   counts: its requests carry their own signature). A redirect to another origin is not
//!   followed: the call ends with an error for which [`Error::is_redirect`] is true, and no
//!   request (so no credential) was sent to that origin.
//! - A client without credentials ([`NoAuth`](crate::NoAuth), e.g. Rokid's document
//!   downloads from CDN hosts) follows redirects to any http(s) origin.
//!
//! A `reqwest::Client` supplied through
//! [`ClientConfigBuilder::http_client`](crate::ClientConfigBuilder::http_client) must be
//! built with `redirect(reqwest::redirect::Policy::none())`: reqwest offers no way to read
//! a client's policy back, and one that follows redirects itself bypasses this check.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use tracing::{Instrument, field};

use crate::auth::{Authenticator, CredentialGeneration};
use crate::drift::DriftLedger;
use crate::envelope::Envelope;
use crate::retry::parse_retry_after;
use crate::{ClientConfig, Error, RequestSpec};

/// The most redirects followed within one attempt.
pub const MAX_REDIRECTS: u32 = 10;

/// A vendor-neutral HTTP client: builds each attempt from a [`RequestSpec`],
/// authenticates it, applies the timeout, retries what is safe, and decodes envelopes.
///
/// Cheap to clone: clones share one connection pool and one authenticator.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    http: reqwest::Client,
    auth: Arc<dyn Authenticator>,
    drift: DriftLedger,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("config", &self.inner.config)
            .field("auth", &self.inner.auth)
            .finish()
    }
}

/// What one attempt produced, and what the server said about waiting.
struct Attempt<T> {
    result: Result<T, Error>,
    retry_after: Option<Duration>,
    generation: CredentialGeneration,
}

impl HttpClient {
    /// A client with this configuration and authentication scheme.
    pub fn new(config: ClientConfig, auth: Arc<dyn Authenticator>) -> Result<Self, Error> {
        Self::with_ledger(config, auth, DriftLedger::new())
    }

    fn with_ledger(
        config: ClientConfig,
        auth: Arc<dyn Authenticator>,
        drift: DriftLedger,
    ) -> Result<Self, Error> {
        let http = match &config.http {
            Some(client) => client.clone(),
            None => {
                let builder = reqwest::Client::builder()
                    .connect_timeout(config.connect_timeout)
                    .user_agent(config.user_agent.clone())
                    .redirect(reqwest::redirect::Policy::none());
                crate::tls::configure(builder)
                    .map_err(|e| Error::config(format!("TLS could not be configured: {e}")))?
                    .build()
                    .map_err(|e| {
                        Error::config("the HTTP client could not be built").with_source(e)
                    })?
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                http,
                auth,
                drift,
            }),
        })
    }

    /// The deviations from the vendor's documentation seen in this client's answers (and
    /// its siblings'): see [`crate::drift`].
    pub fn drift(&self) -> &DriftLedger {
        &self.inner.drift
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The underlying `reqwest::Client` (shared connection pool).
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// A client sharing this one's connection pool and settings, with another base URL
    /// and authentication scheme (for a vendor whose token endpoint is on another host).
    pub fn sibling(&self, base_url: &str, auth: Arc<dyn Authenticator>) -> Result<Self, Error> {
        let mut config = self.inner.config.with_base_url(base_url)?;
        config.http = Some(self.inner.http.clone());
        Self::with_ledger(config, auth, self.inner.drift.clone())
    }

    /// Sends the request and decodes the vendor envelope `E` into its payload.
    pub async fn send_json<E: Envelope>(&self, spec: RequestSpec) -> Result<E::Data, Error> {
        let limit = self.inner.config.max_response_bytes;
        let (drift, operation) = (&self.inner.drift, spec.operation_name());
        let keep_json = spec.request_options().keep_json.unwrap_or(false);
        self.run(&spec, move |response| async move {
            let status = response.status();
            let body = read_body(response, limit).await?;
            crate::drift::scope(drift, operation, || {
                crate::tolerant::keeping_json(keep_json, || interpret::<E>(status, &body))
            })
        })
        .await
    }

    /// Sends the request and returns the response once its headers arrived with a 2xx
    /// status, for streaming the body (downloads, event streams). The attempt timeout
    /// covers only the wait for headers; nothing is retried once a response arrived.
    pub async fn send_streaming(&self, spec: RequestSpec) -> Result<reqwest::Response, Error> {
        self.send_streaming_checked(spec, None::<fn(StatusCode, &[u8]) -> Error>)
            .await
    }

    /// [`HttpClient::send_streaming`]; with `on_json`, a JSON answer (a 2xx with a JSON
    /// content type, or a 4xx) is not the stream but a vendor envelope, and `on_json` turns
    /// its body into the error inside the attempt loop (so re-authentication applies).
    pub(crate) async fn send_streaming_checked(
        &self,
        spec: RequestSpec,
        on_json: Option<impl Fn(StatusCode, &[u8]) -> Error>,
    ) -> Result<reqwest::Response, Error> {
        let limit = self.inner.config.max_response_bytes.min(64 * 1024);
        let on_json = &on_json;
        self.run(&spec, move |response| async move {
            let status = response.status();
            let is_json = response
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
            if status.is_success() && !(is_json && on_json.is_some()) {
                return Ok(response);
            }
            let body = read_body(response, limit).await.unwrap_or_default();
            match on_json {
                Some(on_json)
                    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() =>
                {
                    Err(on_json(status, &body))
                }
                _ => Err(Error::status(status, &body)),
            }
        })
        .await
    }

    /// The attempt loop shared by every kind of call.
    async fn run<T, F, Fut>(&self, spec: &RequestSpec, finish: F) -> Result<T, Error>
    where
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let config = &self.inner.config;
        let options = spec.request_options();
        let policy = options.retry.as_ref().unwrap_or(&config.retry);
        let timeout = options.timeout.unwrap_or(config.timeout);
        let idempotent = spec.is_idempotent();
        let span = tracing::info_span!(
            "http.request",
            method = %spec.method(),
            path = spec.path(),
            attempt = field::Empty,
            status = field::Empty,
            latency_ms = field::Empty,
        );
        async move {
            let mut attempt: u32 = 0;
            let mut reauthenticated = false;
            loop {
                attempt += 1;
                tracing::Span::current().record("attempt", attempt);
                let started = Instant::now();
                let outcome = self.attempt(spec, timeout, policy, &finish).await;
                tracing::Span::current().record("latency_ms", started.elapsed().as_millis() as u64);
                let Attempt {
                    result,
                    retry_after,
                    generation,
                } = outcome;
                let err = match result {
                    Ok(value) => return Ok(value),
                    Err(err) => err,
                };
                if err.is_auth() || self.inner.auth.rejects_credentials(&err) {
                    if !reauthenticated
                        && self.inner.auth.credentials_rejected(generation, &err).await
                    {
                        reauthenticated = true;
                        tracing::info!(
                            attempt,
                            "credentials rejected; retrying once with fresh credentials"
                        );
                        attempt -= 1;
                        continue;
                    }
                    let message = if reauthenticated {
                        "the credentials were rejected again after renewing them"
                    } else {
                        "the credentials were rejected"
                    };
                    return Err(self.inner.auth.explain_rejection(err.into_auth(message)));
                }
                // Nothing reached the server (no connection, or the credentials could not
                // be obtained in time): safe for any request.
                let may_retry = err.is_retryable() && (idempotent || err.is_not_sent());
                let wait = if may_retry {
                    policy.next_wait(attempt, retry_after)
                } else {
                    None
                };
                let Some(wait) = wait else {
                    return Err(err);
                };
                tracing::warn!(
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    error = %err,
                    "attempt failed; retrying"
                );
                config.sleeper.sleep(wait).await;
            }
        }
        .instrument(span)
        .await
    }

    /// One attempt: build, authenticate, send, finish, all within `timeout`.
    async fn attempt<T, F, Fut>(
        &self,
        spec: &RequestSpec,
        timeout: Duration,
        policy: &crate::RetryPolicy,
        finish: &F,
    ) -> Attempt<T>
    where
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut retry_after = None;
        let mut generation = CredentialGeneration::default();
        let mut sent = false;
        let work = async {
            let auth = &self.inner.auth;
            let mut hop: Option<(url::Url, bool)> = None;
            let mut hops = 0;
            let response = loop {
                let mut request = spec
                    .build(&self.inner.config.base_url)
                    .map_err(|e| e.with_not_sent(!sent))?;
                if let Some((url, as_get)) = &hop {
                    redirect_request(&mut request, url, *as_get);
                }
                generation = auth
                    .authenticate(&mut request)
                    .await
                    .map_err(|e| e.with_not_sent(!sent))?;
                let method = request.method().clone();
                let first = !sent;
                sent = true;
                let response = self.inner.http.execute(request).await.map_err(|e| {
                    let err = Error::from_reqwest(e);
                    // Only a connect error of the first hop proves nothing was sent.
                    let not_sent = first && err.is_not_sent();
                    err.with_not_sent(not_sent)
                })?;
                let Some(next) = redirect_target(&response, &method, auth.sends_credentials())?
                else {
                    break response;
                };
                hops += 1;
                if hops > MAX_REDIRECTS {
                    return Err(Error::redirect(format!(
                        "more than {MAX_REDIRECTS} redirects"
                    )));
                }
                let as_get = next.1 || hop.as_ref().is_some_and(|(_, g)| *g);
                hop = Some((next.0, as_get));
            };
            let status = response.status();
            tracing::Span::current().record("status", status.as_u16());
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
            {
                // A value that cannot be read never means "retry sooner": it waits the
                // longest wait the policy accepts.
                retry_after = response.headers().get(http::header::RETRY_AFTER).map(|v| {
                    v.to_str()
                        .ok()
                        .and_then(|v| parse_retry_after(v, SystemTime::now()))
                        .unwrap_or_else(|| policy.retry_after_limit())
                });
            }
            finish(response).await
        };
        let result = match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            // Still building or authenticating (a token fetch that hangs): nothing left.
            Err(_) => Err(Error::timeout(Some(timeout)).with_not_sent(!sent)),
        };
        Attempt {
            result,
            retry_after,
            generation,
        }
    }
}

/// The origin of a URL: scheme, host and port (the scheme's default when not written).
fn origin(url: &url::Url) -> (String, Option<url::Host<String>>, Option<u16>) {
    (
        url.scheme().to_owned(),
        url.host().map(|h| h.to_owned()),
        url.port_or_known_default(),
    )
}

/// `scheme://host:port` of a URL, for messages (never its path or query).
fn show_origin(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// Where a redirect response sends the request, and whether the next hop is a `GET`
/// without a body; `None` when the response is not a redirect to follow.
fn redirect_target(
    response: &reqwest::Response,
    method: &http::Method,
    credentials: bool,
) -> Result<Option<(url::Url, bool)>, Error> {
    let status = response.status();
    let as_get = match status.as_u16() {
        307 | 308 => false,
        303 => *method != http::Method::HEAD,
        301 | 302 => *method == http::Method::POST,
        _ => return Ok(None),
    };
    let Some(location) = response.headers().get(http::header::LOCATION) else {
        return Ok(None);
    };
    let from = response.url();
    let to = location
        .to_str()
        .ok()
        .and_then(|l| from.join(l).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| {
            Error::redirect(format!(
                "HTTP {status} from {} with an unusable `Location`",
                show_origin(from)
            ))
        })?;
    if credentials && origin(&to) != origin(from) {
        return Err(Error::redirect(format!(
            "HTTP {status} from {} to another origin ({}); a client with credentials \
             follows redirects only within its origin, so nothing was sent there",
            show_origin(from),
            show_origin(&to)
        )));
    }
    Ok(Some((to, as_get)))
}

/// Points a freshly built request at a redirect's target (before it is authenticated).
fn redirect_request(request: &mut reqwest::Request, url: &url::Url, as_get: bool) {
    *request.url_mut() = url.clone();
    if as_get {
        *request.method_mut() = http::Method::GET;
        *request.body_mut() = None;
        let headers = request.headers_mut();
        headers.remove(http::header::CONTENT_TYPE);
        headers.remove(http::header::CONTENT_LENGTH);
    }
}

/// Reads a whole body, refusing to hold more than `limit` bytes.
///
/// A body that arrives in one chunk (most JSON pages) is returned as that chunk, without
/// a copy; a longer one is gathered into a buffer sized from `Content-Length`.
async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Bytes, Error> {
    let too_large = || {
        Error::transport(format!(
            "the response body is larger than the {limit}-byte limit"
        ))
    };
    let announced = response.content_length();
    if let Some(len) = announced
        && len > limit as u64
    {
        return Err(Error::transport(format!(
            "the response body ({len} bytes) is larger than the {limit}-byte limit"
        )));
    }
    let Some(first) = response.chunk().await.map_err(Error::from_reqwest)? else {
        return Ok(Bytes::new());
    };
    if first.len() > limit {
        return Err(too_large());
    }
    let Some(second) = response.chunk().await.map_err(Error::from_reqwest)? else {
        return Ok(first);
    };
    let capacity = announced
        .and_then(|len| usize::try_from(len).ok())
        .unwrap_or(0)
        .max(first.len() + second.len());
    let mut body = BytesMut::with_capacity(capacity.min(limit));
    let mut next = Some(second);
    body.extend_from_slice(&first);
    while let Some(chunk) = next {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
        next = response.chunk().await.map_err(Error::from_reqwest)?;
    }
    Ok(body.freeze())
}

/// Turns a status and body into the payload or the right error.
///
/// 429 and 5xx are always status errors (so they stay retryable whatever the body says);
/// other statuses are decoded as the vendor envelope when they can be, because vendors
/// put their error codes in 4xx bodies too.
fn interpret<E: Envelope>(status: StatusCode, body: &[u8]) -> Result<E::Data, Error> {
    if status.is_success() {
        return E::open(body);
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(Error::status(status, body));
    }
    match E::open(body) {
        Err(err) if err.is_api() => Err(match err.api_error() {
            Some(api) => Error::api(api.clone().with_status(status)),
            None => err,
        }),
        _ => Err(Error::status(status, body)),
    }
}

//! The one error type of every client.
//!
//! [`Error`] is an opaque struct around a private kind, so new kinds can arrive without a
//! breaking change; callers ask it questions ([`Error::is_retryable`],
//! [`Error::vendor_code`], …) instead of matching on variants.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use http::StatusCode;

/// What [`Error::without_body`] leaves in place of a body excerpt.
const WITHHELD: &str = "[body withheld: it may hold a secret]";

/// The longest body excerpt an error keeps, in bytes.
pub const MAX_EXCERPT: usize = 512;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// An error from a client call.
///
/// Its `Display` never contains a credential: request headers are never included, and
/// excerpts of response bodies are bounded to [`MAX_EXCERPT`] bytes.
pub struct Error {
    kind: Kind,
    source: Option<BoxError>,
    /// Raised before the request left (see [`Error::is_not_sent`]).
    not_sent: bool,
}

#[derive(Debug)]
enum Kind {
    /// The request was rejected before any I/O because it breaks a documented constraint.
    InvalidRequest { message: String },
    /// No connection could be made (DNS, refused, TLS handshake).
    Connect,
    /// An attempt, or the wait for the next event of a stream, took too long.
    Timeout { after: Option<Duration> },
    /// The connection failed after it was made (reset, truncated body).
    Transport,
    /// The server answered with a non-success HTTP status and no vendor envelope.
    Status { status: StatusCode, excerpt: String },
    /// The vendor's envelope reported an error.
    Api(ApiError),
    /// The credentials were rejected (and, where a retry was possible, rejected again).
    Auth {
        message: String,
        vendor: Option<ApiError>,
    },
    /// The body could not be decoded into the expected type.
    Decode { path: String, excerpt: String },
    /// A server-sent event stream broke its own rules (line too long, bad UTF-8).
    Stream { message: String },
    /// Configuration that cannot work (bad base URL, TLS set-up).
    Config { message: String },
    /// A redirect that was not followed (to another origin with credentials, too many hops,
    /// an unusable `Location`).
    Redirect { message: String },
    /// A local I/O failure (writing a download to disk); never retried.
    Io { message: String },
    /// A listing whose server reports no count answered the same page again: the walk
    /// was stopped instead of running forever.
    RepeatedPage { page: u64 },
}

/// A vendor's own error report: the code and message from its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The vendor's code, as text (`"-16"`, `"900002"`, `"500"`).
    pub code: String,
    /// The vendor's message, as sent.
    pub message: String,
    /// The HTTP status the envelope arrived with.
    pub status: Option<StatusCode>,
    /// The vendor said the credentials (token, key, signature, timestamp) were rejected.
    pub credentials_rejected: bool,
    /// The vendor said the failure is temporary (safe to retry an idempotent call).
    pub temporary: bool,
}

impl ApiError {
    /// A vendor error with a code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status: None,
            credentials_rejected: false,
            temporary: false,
        }
    }

    /// Marks the error as "credentials rejected": the runtime drops cached credentials and
    /// retries once.
    pub fn credentials_rejected(mut self, yes: bool) -> Self {
        self.credentials_rejected = yes;
        self
    }

    /// Marks the error as temporary: an idempotent call may be retried.
    pub fn temporary(mut self, yes: bool) -> Self {
        self.temporary = yes;
        self
    }

    /// Records the HTTP status the error arrived with.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }
}

/// Shows the code and message cut to [`MAX_EXCERPT`] bytes each: a server may send a
/// message of megabytes, and a log line should not become one.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "vendor error {}: {}",
            excerpt(self.code.as_bytes()),
            excerpt(self.message.as_bytes())
        )
    }
}

// The constructors below are for this workspace's vendor crates (envelopes, validation,
// builders); they are hidden from the documentation and are not part of the public API:
// a caller inspects errors through the predicates and accessors, never builds one.
impl Error {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            source: None,
            not_sent: false,
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// A request that breaks a documented constraint; raised before any I/O.
    #[doc(hidden)]
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(Kind::InvalidRequest {
            message: message.into(),
        })
    }

    /// A configuration that cannot work.
    #[doc(hidden)]
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(Kind::Config {
            message: message.into(),
        })
    }

    /// The vendor's envelope reported an error.
    #[doc(hidden)]
    pub fn api(error: ApiError) -> Self {
        Self::new(Kind::Api(error))
    }

    /// Credentials were rejected, with the vendor's report if there was one.
    #[doc(hidden)]
    pub fn auth(message: impl Into<String>, vendor: Option<ApiError>) -> Self {
        Self::new(Kind::Auth {
            message: message.into(),
            vendor,
        })
    }

    /// A body that could not be decoded; `body` is cut to an excerpt.
    #[doc(hidden)]
    pub fn decode(path: impl Into<String>, body: &[u8], source: impl Into<BoxError>) -> Self {
        Self::new(Kind::Decode {
            path: path.into(),
            excerpt: excerpt(body),
        })
        .with_source(source)
    }

    /// A successful envelope with no payload where one was required.
    #[doc(hidden)]
    pub fn missing_data(body: &[u8]) -> Self {
        Self::new(Kind::Decode {
            path: "data".into(),
            excerpt: excerpt(body),
        })
        .with_source("the envelope reported success but carried no data")
    }

    /// An HTTP status without a usable vendor envelope.
    #[doc(hidden)]
    pub fn status(status: StatusCode, body: &[u8]) -> Self {
        Self::new(Kind::Status {
            status,
            excerpt: excerpt(body),
        })
    }

    /// A timeout of an attempt (or of the wait for a stream's next chunk).
    #[doc(hidden)]
    pub fn timeout(after: Option<Duration>) -> Self {
        Self::new(Kind::Timeout { after })
    }

    /// A broken event stream (line too long, invalid UTF-8).
    #[doc(hidden)]
    pub fn stream(message: impl Into<String>) -> Self {
        Self::new(Kind::Stream {
            message: message.into(),
        })
    }

    /// A listing's page `page` repeated the page before it.
    #[doc(hidden)]
    pub fn repeated_page(page: u64) -> Self {
        Self::new(Kind::RepeatedPage { page })
    }

    /// A redirect that was not followed; `message` says why (never the whole URL).
    #[doc(hidden)]
    pub fn redirect(message: impl Into<String>) -> Self {
        Self::new(Kind::Redirect {
            message: message.into(),
        })
    }

    /// Marks (or unmarks) the error as raised before the request left.
    #[doc(hidden)]
    pub fn with_not_sent(mut self, yes: bool) -> Self {
        self.not_sent = yes;
        self
    }

    /// A local I/O failure, e.g. writing a download; `message` says what was being done.
    #[doc(hidden)]
    pub fn io(message: impl Into<String>, source: std::io::Error) -> Self {
        Self::new(Kind::Io {
            message: message.into(),
        })
        .with_source(source)
    }

    /// A transport failure after the connection was made.
    #[doc(hidden)]
    pub fn transport(source: impl Into<BoxError>) -> Self {
        Self::new(Kind::Transport).with_source(source)
    }

    /// Classifies a `reqwest` error (its Display never includes headers).
    #[doc(hidden)]
    pub fn from_reqwest(err: reqwest::Error) -> Self {
        let kind = if err.is_timeout() {
            Kind::Timeout { after: None }
        } else if err.is_connect() {
            Kind::Connect
        } else if err.is_builder() {
            Kind::Config {
                message: "the request could not be built".into(),
            }
        } else {
            // Includes `is_body()` and `is_decode()`: reqwest reports a body cut short as
            // one of those, and for us that is the connection failing, not bad JSON.
            Kind::Transport
        };
        let not_sent = matches!(kind, Kind::Connect | Kind::Config { .. });
        // The URL may carry query parameters a vendor treats as secret (Sobot's sign).
        Self::new(kind)
            .with_source(err.without_url())
            .with_not_sent(not_sent)
    }

    /// The request broke a documented constraint and was never sent.
    pub fn is_invalid_request(&self) -> bool {
        matches!(self.kind, Kind::InvalidRequest { .. })
    }

    /// The attempt or the stream timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, Kind::Timeout { .. })
    }

    /// No connection could be made.
    pub fn is_connect(&self) -> bool {
        matches!(self.kind, Kind::Connect)
    }

    /// The connection broke after it was made.
    pub fn is_transport(&self) -> bool {
        matches!(self.kind, Kind::Transport)
    }

    /// The credentials were rejected (by HTTP 401/403 or by the vendor's code).
    pub fn is_auth(&self) -> bool {
        match &self.kind {
            Kind::Auth { .. } => true,
            Kind::Api(api) => api.credentials_rejected,
            Kind::Status { status, .. } => *status == StatusCode::UNAUTHORIZED,
            _ => false,
        }
    }

    /// The vendor's envelope reported an error (see [`Error::vendor_code`]).
    pub fn is_api(&self) -> bool {
        matches!(self.kind, Kind::Api(_))
    }

    /// The body did not decode into the expected type.
    pub fn is_decode(&self) -> bool {
        matches!(self.kind, Kind::Decode { .. })
    }

    /// The event stream broke its own rules.
    pub fn is_stream(&self) -> bool {
        matches!(self.kind, Kind::Stream { .. })
    }

    /// A local I/O operation failed (see [`Error::io`]).
    pub fn is_io(&self) -> bool {
        matches!(self.kind, Kind::Io { .. })
    }

    /// The configuration cannot work.
    pub fn is_config(&self) -> bool {
        matches!(self.kind, Kind::Config { .. })
    }

    /// A redirect was not followed: to another origin (scheme, host, port) by a client
    /// that sends credentials (so no credential left for that origin), more than 10 hops,
    /// or a `Location` that cannot be used.
    pub fn is_redirect(&self) -> bool {
        matches!(self.kind, Kind::Redirect { .. })
    }

    /// A walk over a listing stopped because a page repeated the one before it while the
    /// server reported no count (it would otherwise never end).
    pub fn is_repeated_page(&self) -> bool {
        matches!(self.kind, Kind::RepeatedPage { .. })
    }

    /// The request never left: it was invalid, the configuration could not build it, the
    /// credentials could not be obtained (a token fetch that failed or timed out, whatever
    /// [`Error::is_timeout`] says), or no connection could be made. Nothing reached the
    /// server, so even a non-idempotent call is safe to try again when
    /// [`Error::is_retryable`] is true.
    pub fn is_not_sent(&self) -> bool {
        self.not_sent || matches!(self.kind, Kind::InvalidRequest { .. })
    }

    /// Whether trying again may succeed, for a request that is safe to repeat: connect
    /// errors, timeouts, broken connections, 429, 5xx, and vendor errors marked temporary.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            Kind::Connect | Kind::Timeout { .. } | Kind::Transport => true,
            Kind::Status { status, .. } => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            Kind::Api(api) => api.temporary,
            _ => false,
        }
    }

    /// The HTTP status, when the server answered with one.
    pub fn status_code(&self) -> Option<StatusCode> {
        match &self.kind {
            Kind::Status { status, .. } => Some(*status),
            Kind::Api(api) => api.status,
            Kind::Auth {
                vendor: Some(api), ..
            } => api.status,
            _ => None,
        }
    }

    /// The vendor's error code, when the vendor sent one.
    pub fn vendor_code(&self) -> Option<&str> {
        self.api_error().map(|api| api.code.as_str())
    }

    /// The vendor's error message, when the vendor sent one.
    pub fn vendor_message(&self) -> Option<&str> {
        self.api_error().map(|api| api.message.as_str())
    }

    /// The vendor's whole error report.
    pub fn api_error(&self) -> Option<&ApiError> {
        match &self.kind {
            Kind::Api(api) => Some(api),
            Kind::Auth { vendor, .. } => vendor.as_ref(),
            _ => None,
        }
    }

    /// A bounded excerpt of the response body, for decode and status errors.
    pub fn raw_body(&self) -> Option<&str> {
        match &self.kind {
            Kind::Decode { excerpt, .. } | Kind::Status { excerpt, .. } => Some(excerpt),
            _ => None,
        }
    }

    /// Withholds what this error quotes of the response body, for responses that carry
    /// secrets (a token endpoint's answer, say): the excerpt, and a decode error's source,
    /// whose message may quote a value (`invalid type: string "…"`). What stays is the kind,
    /// the status and the JSON path.
    pub fn without_body(mut self) -> Self {
        match &mut self.kind {
            Kind::Decode { excerpt, .. } => {
                *excerpt = String::from(WITHHELD);
                self.source = Some("the body did not have the expected shape".into());
            }
            Kind::Status { excerpt, .. } => *excerpt = String::from(WITHHELD),
            _ => {}
        }
        self
    }

    /// A decode error of a value found under `slot` of a larger document: its JSON path is
    /// made relative to the whole document (`list[3]` under `data` becomes
    /// `data.list[3]`), and its excerpt is taken from `document`.
    pub(crate) fn within(mut self, slot: &str, document: &[u8]) -> Self {
        if let Kind::Decode {
            path,
            excerpt: text,
        } = &mut self.kind
        {
            *path = if path.is_empty() || path == "." {
                slot.to_owned()
            } else if path.starts_with('[') {
                format!("{slot}{path}")
            } else {
                format!("{slot}.{path}")
            };
            *text = excerpt(document);
        }
        self
    }

    /// Where in the JSON document decoding failed (`data.list[3].taskProgress`).
    pub fn json_path(&self) -> Option<&str> {
        match &self.kind {
            Kind::Decode { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Turns a vendor error into an authentication error (used once re-authenticating
    /// did not help), keeping the vendor's code and message.
    pub(crate) fn into_auth(self, message: &str) -> Self {
        match self.kind {
            Kind::Api(api) => Self {
                kind: Kind::Auth {
                    message: message.to_owned(),
                    vendor: Some(api),
                },
                source: self.source,
                not_sent: self.not_sent,
            },
            Kind::Auth { .. } => self,
            _ => {
                let not_sent = self.not_sent;
                Self::auth(message, None)
                    .with_source(self)
                    .with_not_sent(not_sent)
            }
        }
    }

    /// Rewrites the message of an authentication error (a vendor may know better why the
    /// credentials were rejected, for example a clock that is off).
    #[doc(hidden)]
    pub fn with_auth_message(mut self, message: impl Into<String>) -> Self {
        if let Kind::Auth { message: m, .. } = &mut self.kind {
            *m = message.into();
        }
        self
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(source) = &self.source {
            d.field("source", &source.to_string());
        }
        if self.not_sent {
            d.field("not_sent", &true);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::InvalidRequest { message } => write!(f, "invalid request: {message}"),
            Kind::Connect => f.write_str("could not connect to the server"),
            Kind::Timeout { after: Some(d) } => write!(f, "timed out after {d:?}"),
            Kind::Timeout { after: None } => f.write_str("timed out"),
            Kind::Transport => match &self.source {
                Some(source) => write!(f, "the connection failed: {source}"),
                None => f.write_str("the connection failed"),
            },
            Kind::Status { status, excerpt } if excerpt.is_empty() => {
                write!(f, "HTTP {status}")
            }
            Kind::Status { status, excerpt } => write!(f, "HTTP {status}: {excerpt}"),
            Kind::Api(api) => api.fmt(f),
            Kind::Auth {
                message,
                vendor: Some(api),
            } => write!(f, "authentication failed: {message} ({api})"),
            Kind::Auth {
                message,
                vendor: None,
            } => write!(f, "authentication failed: {message}"),
            Kind::Decode { path, .. } if path.is_empty() => {
                f.write_str("could not decode the response")
            }
            Kind::Decode { path, .. } => write!(f, "could not decode the response at `{path}`"),
            Kind::Stream { message } => write!(f, "broken event stream: {message}"),
            Kind::Config { message } => write!(f, "invalid configuration: {message}"),
            Kind::Redirect { message } => write!(f, "redirect not followed: {message}"),
            Kind::Io { message } => write!(f, "{message}"),
            Kind::RepeatedPage { page } => write!(
                f,
                "page {page} repeats the page before it and the server reports no count: the \
                 walk was stopped (it would never end)"
            ),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl From<ApiError> for Error {
    fn from(api: ApiError) -> Self {
        Self::api(api)
    }
}

/// The first [`MAX_EXCERPT`] bytes of a body as text, cut at a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(MAX_EXCERPT)];
    let text = match std::str::from_utf8(cut) {
        Ok(text) => text.to_owned(),
        Err(e) if e.error_len().is_none() => {
            // The cut split a character: keep the valid prefix.
            String::from_utf8_lossy(&cut[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(cut).into_owned(),
    };
    if body.len() > MAX_EXCERPT {
        format!("{text}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_follow_the_kind() {
        assert!(Error::invalid_request("x").is_invalid_request());
        assert!(!Error::invalid_request("x").is_retryable());
        assert!(Error::timeout(None).is_retryable());
        assert!(Error::status(StatusCode::TOO_MANY_REQUESTS, b"").is_retryable());
        assert!(Error::status(StatusCode::BAD_GATEWAY, b"").is_retryable());
        assert!(!Error::status(StatusCode::BAD_REQUEST, b"").is_retryable());
        assert!(Error::status(StatusCode::UNAUTHORIZED, b"").is_auth());
        let api = Error::api(ApiError::new("900002", "token invalid").credentials_rejected(true));
        assert!(api.is_auth() && api.is_api() && !api.is_retryable());
        assert_eq!(api.vendor_code(), Some("900002"));
        assert_eq!(api.vendor_message(), Some("token invalid"));
        assert!(Error::api(ApiError::new("-18", "busy").temporary(true)).is_retryable());
    }

    #[test]
    fn into_auth_keeps_the_vendor_report() {
        let e = Error::api(ApiError::new("-16", "timestamp expired").credentials_rejected(true))
            .into_auth("rejected twice")
            .with_auth_message("the local clock is probably off");
        assert!(e.is_auth() && !e.is_api());
        assert_eq!(e.vendor_code(), Some("-16"));
        assert_eq!(
            e.to_string(),
            "authentication failed: the local clock is probably off (vendor error -16: timestamp expired)"
        );
    }

    #[test]
    fn excerpt_is_bounded_and_cut_on_a_char_boundary() {
        let body = "é".repeat(MAX_EXCERPT); // 2 bytes each
        let e = Error::status(StatusCode::BAD_GATEWAY, body.as_bytes());
        let raw = e.raw_body().unwrap_or_default();
        assert!(raw.len() <= MAX_EXCERPT + '…'.len_utf8());
        assert!(raw.ends_with('…'));
        assert!(raw.trim_end_matches('…').chars().all(|c| c == 'é'));
        let odd = [b'a'; MAX_EXCERPT - 1]
            .iter()
            .copied()
            .chain("é".bytes())
            .collect::<Vec<_>>();
        assert_eq!(excerpt(&odd), format!("{}…", "a".repeat(MAX_EXCERPT - 1)));
    }

    #[test]
    fn a_huge_vendor_message_is_cut_in_display_and_kept_whole_in_the_accessor() {
        let message = "m".repeat(10 * MAX_EXCERPT);
        let err = Error::api(ApiError::new("-1", message.clone()));
        assert!(err.to_string().len() < 2 * MAX_EXCERPT, "{err}");
        assert!(err.to_string().ends_with('…'));
        assert_eq!(err.vendor_message(), Some(message.as_str()));
    }

    #[test]
    fn without_body_withholds_the_excerpt_and_a_quoting_source() {
        let source = serde_json::from_str::<u32>("\"tok-123\"").expect_err("not a number");
        assert!(
            source.to_string().contains("tok-123"),
            "serde quotes the value"
        );
        let err = Error::decode("item.token", br#"{"token":"tok-123"}"#, source).without_body();
        let shown = format!(
            "{err} {err:?} {:?}",
            StdError::source(&err).map(ToString::to_string)
        );
        assert!(!shown.contains("tok-123"), "{shown}");
        assert_eq!(err.json_path(), Some("item.token"));
        assert_eq!(err.raw_body(), Some(WITHHELD));
        let status = Error::status(StatusCode::BAD_GATEWAY, b"tok-123").without_body();
        assert!(!format!("{status} {status:?}").contains("tok-123"));
        assert_eq!(status.status_code(), Some(StatusCode::BAD_GATEWAY));
    }

    #[test]
    fn decode_error_carries_path_excerpt_and_source() {
        let err = Error::decode("data.list[0].taskProgress", br#"{"data":1}"#, "bad type");
        assert_eq!(err.json_path(), Some("data.list[0].taskProgress"));
        assert_eq!(err.raw_body(), Some(r#"{"data":1}"#));
        assert!(err.to_string().contains("data.list[0].taskProgress"));
        assert_eq!(
            StdError::source(&err).map(ToString::to_string).as_deref(),
            Some("bad type")
        );
    }
}

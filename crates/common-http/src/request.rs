//! A cloneable description of a request, rebuilt into a fresh `reqwest::Request` for
//! every attempt (so signatures and timestamps are new on each retry).

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{Error, RetryPolicy};

/// Characters escaped in a query value: everything but the unreserved set and the
/// delimiters vendors' own examples leave bare (`:` in `2026-06-01%2000:00:00`, `,` in
/// comma-joined lists, `/`, `@`). A space becomes `%20`, never `+`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b',')
    .remove(b'/')
    .remove(b'@');

/// Per-request settings that override the client's defaults.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Time allowed for one attempt (for a stream: until the response headers).
    pub timeout: Option<Duration>,
    /// Retry policy for this request.
    pub retry: Option<RetryPolicy>,
    /// Whether the request may be sent more than once.
    pub idempotent: Option<bool>,
    /// Whether each record of a listing keeps its JSON exactly as sent
    /// ([`Record::json`](crate::tolerant::Record::json)).
    pub keep_json: Option<bool>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Marks the request as safe (or not) to send more than once.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }

    /// Keeps (or not) each listing record's JSON exactly as sent, beside the typed record
    /// ([`Record::TypedWithJson`](crate::tolerant::Record::TypedWithJson)): for callers
    /// that store what the vendor said. Costs a copy of each record's text.
    pub fn keep_json(mut self, yes: bool) -> Self {
        self.keep_json = Some(yes);
        self
    }

    /// `other`'s settings where it has them, `self`'s elsewhere.
    pub fn merged_with(&self, other: &RequestOptions) -> RequestOptions {
        RequestOptions {
            timeout: other.timeout.or(self.timeout),
            retry: other.retry.clone().or_else(|| self.retry.clone()),
            idempotent: other.idempotent.or(self.idempotent),
            keep_json: other.keep_json.or(self.keep_json),
        }
    }
}

#[derive(Debug, Clone)]
enum Target {
    /// Appended to the client's base URL (which may carry a path prefix such as `/text`).
    Path(String),
    /// A complete URL (a download link the API returned).
    Absolute(url::Url),
}

#[derive(Debug, Clone)]
struct Body {
    bytes: Bytes,
    content_type: HeaderValue,
}

/// What to send: method, path, query, headers, body, and how it may be retried.
///
/// It is plain data, cheap to clone (the body is [`Bytes`]). Credentials are added by the
/// [`Authenticator`](crate::Authenticator) on each attempt, but a vendor may put a
/// signature in the query (Sobot's `get_token`), so `Debug` shows the names of query
/// parameters and headers, never their values, and only the size of the body.
#[derive(Clone)]
pub struct RequestSpec {
    method: Method,
    target: Target,
    query: Vec<(String, String)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Body>,
    /// Whether the request may be sent more than once: the method's default, then what
    /// [`RequestSpec::idempotent`] said, unless the per-request options set it (they win,
    /// whichever was called first). The only place it is decided and read.
    idempotent: bool,
    /// The per-request options as given (their `idempotent` is folded into the field
    /// above by [`RequestSpec::options`]).
    options: RequestOptions,
    /// The operation it belongs to (`list_work_records`): what the drift ledger files its
    /// deviations under.
    operation: &'static str,
}

impl std::fmt::Debug for RequestSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let query: Vec<&str> = self.query.iter().map(|(name, _)| name.as_str()).collect();
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("RequestSpec")
            .field("method", &self.method)
            .field("path", &self.path())
            .field("query", &query)
            .field("headers", &headers)
            .field("body_bytes", &self.body.as_ref().map(|b| b.bytes.len()))
            .field("idempotent", &self.is_idempotent())
            .finish_non_exhaustive()
    }
}

impl RequestSpec {
    /// A request to `path` under the client's base URL. `GET`, `HEAD`, `PUT` and `DELETE`
    /// start out idempotent; anything else does not.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self::with_target(method, Target::Path(path.into()))
    }

    /// A request to a complete URL (for links the API handed out).
    pub fn absolute(method: Method, url: url::Url) -> Self {
        Self::with_target(method, Target::Absolute(url))
    }

    fn with_target(method: Method, target: Target) -> Self {
        let idempotent = method.is_idempotent();
        Self {
            method,
            target,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idempotent,
            options: RequestOptions::default(),
            operation: "",
        }
    }

    /// Adds a query parameter (kept in insertion order).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter when there is a value.
    pub fn query_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Sets a JSON body (content type `application/json`, or `content_type` if given).
    pub fn json<T: serde::Serialize + ?Sized>(
        mut self,
        body: &T,
        content_type: Option<&'static str>,
    ) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid_request(format!("the body cannot be serialised: {e}")))?;
        self.body = Some(Body {
            bytes: Bytes::from(bytes),
            content_type: HeaderValue::from_static(content_type.unwrap_or("application/json")),
        });
        Ok(self)
    }

    /// Names the operation the request belongs to (`list_work_records`), for the drift
    /// ledger.
    pub fn operation(mut self, name: &'static str) -> Self {
        self.operation = name;
        self
    }

    /// The operation the request belongs to (empty when not named).
    pub fn operation_name(&self) -> &'static str {
        self.operation
    }

    /// Marks the request as safe (or not) to send more than once.
    ///
    /// An `idempotent` set in the per-request [`options`](Self::options) wins over this.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = self.options.idempotent.unwrap_or(yes);
        self
    }

    /// Per-request overrides of the client's defaults. Their `idempotent`, when set, wins
    /// over [`RequestSpec::idempotent`] and the method's default.
    pub fn options(mut self, options: RequestOptions) -> Self {
        if let Some(yes) = options.idempotent {
            self.idempotent = yes;
        }
        self.options = options;
        self
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path (or the URL's path for an absolute request), without query: what logs show.
    pub fn path(&self) -> &str {
        match &self.target {
            Target::Path(path) => path,
            Target::Absolute(url) => url.path(),
        }
    }

    /// The query parameters, in order.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The JSON body, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_ref().map(|b| b.bytes.as_ref())
    }

    /// Whether the request may be sent more than once (the per-request option wins).
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// The per-request overrides.
    pub fn request_options(&self) -> &RequestOptions {
        &self.options
    }

    /// The encoded query string (`a=1&b=x%20y`), as it goes on the wire.
    pub fn encoded_query(&self) -> String {
        let mut out = String::new();
        for (name, value) in &self.query {
            if !out.is_empty() {
                out.push('&');
            }
            out.extend(utf8_percent_encode(name, QUERY_VALUE));
            out.push('=');
            out.extend(utf8_percent_encode(value, QUERY_VALUE));
        }
        out
    }

    /// The full URL for a client whose base URL is `base`.
    pub fn url(&self, base: &url::Url) -> Result<url::Url, Error> {
        let mut url = match &self.target {
            Target::Absolute(url) => url.clone(),
            Target::Path(path) => {
                let joined = format!(
                    "{}/{}",
                    base.as_str().trim_end_matches('/'),
                    path.trim_start_matches('/')
                );
                url::Url::parse(&joined).map_err(|e| {
                    Error::config(format!("cannot join `{path}` to the base URL: {e}"))
                })?
            }
        };
        if !self.query.is_empty() {
            let existing = url.query().map(str::to_owned);
            let query = match existing {
                Some(q) if !q.is_empty() => format!("{q}&{}", self.encoded_query()),
                _ => self.encoded_query(),
            };
            url.set_query(Some(&query));
        }
        Ok(url)
    }

    /// A fresh `reqwest::Request` for one attempt.
    pub(crate) fn build(&self, base: &url::Url) -> Result<reqwest::Request, Error> {
        let mut request = reqwest::Request::new(self.method.clone(), self.url(base)?);
        let headers = request.headers_mut();
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        if let Some(body) = &self.body {
            headers.insert(http::header::CONTENT_TYPE, body.content_type.clone());
            *request.body_mut() = Some(reqwest::Body::from(body.bytes.clone()));
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> url::Url {
        url::Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn query_is_encoded_like_the_vendor_examples() {
        let spec = RequestSpec::new(Method::GET, "/ar/flow/openapi/record/page")
            .query("uid", "E99")
            .query("taskName", "巡检 daily&co")
            .query("gmtStart", "2026-06-01 00:00:00")
            .query("ids", "1,2,3");
        assert_eq!(
            spec.encoded_query(),
            "uid=E99&taskName=%E5%B7%A1%E6%A3%80%20daily%26co&gmtStart=2026-06-01%2000:00:00&ids=1,2,3"
        );
        let url = spec
            .url(&base("https://api.rokid.com"))
            .map(|u| u.to_string());
        assert_eq!(
            url.ok().as_deref(),
            Some(
                "https://api.rokid.com/ar/flow/openapi/record/page?uid=E99&taskName=%E5%B7%A1%E6%A3%80%20daily%26co&gmtStart=2026-06-01%2000:00:00&ids=1,2,3"
            )
        );
    }

    #[test]
    fn debug_shows_names_never_values() {
        let spec = RequestSpec::new(Method::GET, "/api/get_token")
            .query("appid", "1")
            .query("sign", "258eec3118705112b2c53dc8043d4d34")
            .header(
                HeaderName::from_static("token"),
                HeaderValue::from_static("tok-secret"),
            );
        let debug = format!("{spec:?}");
        assert!(
            debug.contains("\"sign\"") && debug.contains("\"token\""),
            "{debug}"
        );
        assert!(
            !debug.contains("258eec") && !debug.contains("tok-secret"),
            "{debug}"
        );
    }

    #[test]
    fn base_path_prefix_is_kept() {
        let spec = RequestSpec::new(Method::POST, "/ai-agent-open/ask/answer");
        for b in [
            "https://api-c.soboten.com/text",
            "https://api-c.soboten.com/text/",
        ] {
            let url = spec.url(&base(b)).map(|u| u.to_string()).ok();
            assert_eq!(
                url.as_deref(),
                Some("https://api-c.soboten.com/text/ai-agent-open/ask/answer")
            );
        }
    }

    #[test]
    fn idempotency_defaults_by_method_and_can_be_overridden() {
        assert!(RequestSpec::new(Method::GET, "/").is_idempotent());
        assert!(!RequestSpec::new(Method::POST, "/").is_idempotent());
        assert!(
            RequestSpec::new(Method::POST, "/")
                .idempotent(true)
                .is_idempotent()
        );
        let forced =
            RequestSpec::new(Method::GET, "/").options(RequestOptions::new().idempotent(false));
        assert!(!forced.is_idempotent());
        // The per-request option wins whichever is called first, and options without
        // an opinion keep what the spec said (the generated code's order).
        let option_first = RequestSpec::new(Method::POST, "/")
            .options(RequestOptions::new().idempotent(false))
            .idempotent(true);
        assert!(!option_first.is_idempotent());
        let spec_first = RequestSpec::new(Method::POST, "/")
            .idempotent(true)
            .options(RequestOptions::new().timeout(Duration::from_secs(1)));
        assert!(spec_first.is_idempotent());
        assert_eq!(spec_first.request_options().idempotent, None);
    }

    #[test]
    fn options_merge_prefers_the_request() {
        let client = RequestOptions::new()
            .timeout(Duration::from_secs(5))
            .idempotent(true);
        let request = RequestOptions::new().timeout(Duration::from_secs(1));
        let merged = client.merged_with(&request);
        assert_eq!(merged.timeout, Some(Duration::from_secs(1)));
        assert_eq!(merged.idempotent, Some(true));
    }
}

//! The enterprise-interface payload: an axum extractor ([`EnterprisePayload`]) for what
//! the AI agent POSTs to *your* interfaces (task-workflow interface nodes, action
//! management).
//!
//! It is the other direction from the rest of the server (Sobot calling your enterprise
//! API, not your agent), so it shares only the secret check and the JSON error body.

use std::collections::BTreeMap;
use std::fmt;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common_http::Secret;
use common_http::reexports::url::form_urlencoded;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

use super::error::body_rejection_response;
use super::secret::SharedSecret;
use crate::EnterpriseInterfacePayload;

/// What the AI agent POSTs to an enterprise interface of a task-workflow interface node or
/// the action management module: the fixed parameters and your custom ones.
///
/// Use it as an axum handler argument. The body is read as a JSON object or as
/// `application/x-www-form-urlencoded` (the document's request example declares JSON but
/// sends `partnerId=xxx&multiParams={..}&token=xxxx&source=0&..`), whatever its
/// `Content-Type` says: a body starting with `{` or `[`, or that is any JSON value, is read
/// as JSON ([`from_json`](Self::from_json)), any other as a form
/// ([`from_form`](Self::from_form)). A body that is neither a JSON object nor a valid form
/// is answered `400` with a JSON error body. In both encodings `params` and `multiParams`
/// are read whether they arrive as objects or as JSON text, and `source` as a number or its
/// text; every other key, a top-level `token` included, is kept in
/// [`custom`](Self::custom).
///
/// Check the enterprise's token with [`has_secret`](Self::has_secret): it looks in `params`,
/// `multiParams` and the top level.
///
/// ```no_run
/// use sobot_client::server::EnterprisePayload;
/// use sobot_client::server::axum::{Json, Router, routing::post};
///
/// async fn order_status(payload: EnterprisePayload) -> Json<serde_json::Value> {
///     let order = payload.custom.get("orderNo").cloned().unwrap_or_default();
///     Json(serde_json::json!({ "order": order, "status": "shipped" }))
/// }
/// let app: Router = Router::new().route("/order-status", post(order_status));
/// ```
///
/// `Debug` hides `params`, `multiParams` and the values of `custom`: any of them may carry
/// the enterprise's token (the document appends it at the top level too).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct EnterprisePayload {
    /// `partnerId`: the customer's integration id passed at the start of the chat.
    pub partner_id: Option<String>,
    /// `params` (an object; JSON text is parsed, other text is kept under `"value"`).
    pub params: Option<Map<String, Value>>,
    /// `multiParams` (an object; JSON text is parsed, other text is kept under `"value"`).
    pub multi_params: Option<Map<String, Value>>,
    /// `source`: 0 desktop website, 2 app, 4 mobile website.
    pub source: Option<i32>,
    /// `robotNo`: the bot number.
    pub robot_no: Option<String>,
    /// `docId`: the id of the issue this call is for.
    pub doc_id: Option<String>,
    /// Every other field: your custom request parameters (a top-level `token` among them).
    /// From a form, each value is the text sent; a key sent several times has the list of
    /// its texts, in order.
    pub custom: Map<String, Value>,
}

impl fmt::Debug for EnterprisePayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |map: &Option<Map<String, Value>>| map.as_ref().map(|_| "[redacted]");
        let custom: BTreeMap<&str, &str> = self
            .custom
            .keys()
            .map(|key| (key.as_str(), "[redacted]"))
            .collect();
        f.debug_struct("EnterprisePayload")
            .field("partner_id", &self.partner_id)
            .field("params", &redacted(&self.params))
            .field("multi_params", &redacted(&self.multi_params))
            .field("source", &self.source)
            .field("robot_no", &self.robot_no)
            .field("doc_id", &self.doc_id)
            .field("custom", &custom)
            .finish()
    }
}

const ENTERPRISE_FIXED: [&str; 6] = [
    "partnerId",
    "params",
    "multiParams",
    "source",
    "robotNo",
    "docId",
];

impl EnterprisePayload {
    /// Parses a body the way the extractor does: as JSON when it starts with `{` or `[` or
    /// is any JSON value ([`from_json`](Self::from_json)), else as a form
    /// ([`from_form`](Self::from_form)).
    pub fn from_body(body: &[u8]) -> Result<Self, String> {
        let looks_like_json = matches!(
            body.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[')
        ) || serde_json::from_slice::<IgnoredAny>(body).is_ok();
        if looks_like_json {
            Self::from_json(body)
        } else {
            Self::from_form(body)
        }
    }

    /// Parses a JSON body (an object).
    pub fn from_json(body: &[u8]) -> Result<Self, String> {
        let all: Map<String, Value> =
            serde_json::from_slice(body).map_err(|e| format!("invalid request body: {e}"))?;
        Self::from_fields(all)
    }

    /// Parses an `application/x-www-form-urlencoded` body: `name=value` pairs joined by `&`
    /// (`+` is a space, `%XX` a byte; characters the encoding should have escaped, such as
    /// the raw JSON of the document's example, are taken as they are). Every value is text;
    /// a custom key sent several times keeps the list of its values.
    ///
    /// Refused: a pair without `=` or with an empty name, a `%` not followed by two hex
    /// digits, a control character, text that is not UTF-8 once decoded, a fixed parameter
    /// sent twice.
    pub fn from_form(body: &[u8]) -> Result<Self, String> {
        let body = body.trim_ascii();
        check_form(body).map_err(|e| format!("invalid request body: not JSON, and {e}"))?;
        let mut all = Map::new();
        for (name, value) in form_urlencoded::parse(body) {
            let value = Value::String(value.into_owned());
            match all.get_mut(name.as_ref()) {
                None => {
                    all.insert(name.into_owned(), value);
                }
                Some(_) if ENTERPRISE_FIXED.contains(&name.as_ref()) => {
                    return Err(format!(
                        "invalid request body: the fixed parameter `{name}` is sent more than once"
                    ));
                }
                Some(Value::Array(values)) => values.push(value),
                Some(first) => *first = Value::Array(vec![first.take(), value]),
            }
        }
        Self::from_fields(all)
    }

    /// Splits the fields of a body into the fixed parameters and the custom ones.
    fn from_fields(mut all: Map<String, Value>) -> Result<Self, String> {
        let mut fixed = Map::new();
        for key in ENTERPRISE_FIXED {
            if let Some(value) = all.remove(key)
                && !value.is_null()
            {
                fixed.insert(key.to_owned(), value);
            }
        }
        let fixed: EnterpriseInterfacePayload = serde_json::from_value(Value::Object(fixed))
            .map_err(|e| format!("invalid request body: {e}"))?;
        Ok(Self {
            partner_id: fixed.partner_id,
            params: fixed.params.map(object_of),
            multi_params: fixed.multi_params.map(object_of),
            source: fixed.source,
            robot_no: fixed.robot_no,
            doc_id: fixed.doc_id,
            custom: all,
        })
    }

    /// `params[key]`, else `multiParams[key]`.
    pub fn param(&self, key: &str) -> Option<&Value> {
        [self.params.as_ref(), self.multi_params.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|map| map.get(key))
    }

    /// Whether `params[key]`, `multiParams[key]` or the top-level `key` (a custom
    /// parameter, as in the document's `..&token=xxxx&..` example) equals `expected` (a
    /// string, or another JSON value compared by its JSON text), compared in constant time.
    pub fn has_secret(&self, key: &str, expected: &Secret) -> bool {
        let secret = SharedSecret::new(key.to_owned(), expected.clone());
        let nested = secret.matches([self.params.as_ref(), self.multi_params.as_ref()]);
        let top_level = secret.matches([Some(&self.custom), None]);
        nested | top_level
    }
}

/// Checks that `body` is form encoding (see [`EnterprisePayload::from_form`]); the message
/// names no part of the body, which may carry a token.
fn check_form(body: &[u8]) -> Result<(), &'static str> {
    for pair in body.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
        let Some(equals) = pair.iter().position(|&b| b == b'=') else {
            return Err("a form pair has no `=`");
        };
        if equals == 0 {
            return Err("a form pair has an empty name");
        }
        let mut decoded = Vec::with_capacity(pair.len());
        let mut bytes = pair.iter().copied();
        while let Some(byte) = bytes.next() {
            match byte {
                b'%' => {
                    let hex = [bytes.next(), bytes.next()];
                    let digit = |d: Option<u8>| d.and_then(|d| char::from(d).to_digit(16));
                    match (digit(hex[0]), digit(hex[1])) {
                        (Some(high), Some(low)) => decoded.push((high * 16 + low) as u8),
                        _ => return Err("a `%` in the form is not followed by two hex digits"),
                    }
                }
                b if b.is_ascii_control() => return Err("the form has a control character"),
                b => decoded.push(b),
            }
        }
        if std::str::from_utf8(&decoded).is_err() {
            return Err("the form is not UTF-8 text");
        }
    }
    Ok(())
}

fn object_of(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        Value::String(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            _ if text.is_empty() => Map::new(),
            _ => Map::from_iter([("value".to_owned(), Value::String(text))]),
        },
        Value::Null => Map::new(),
        other => Map::from_iter([("value".to_owned(), other)]),
    }
}

/// Why an [`EnterprisePayload`] could not be extracted: answered with its status (`400`,
/// or `413` over the body limit) and a JSON error body.
#[derive(Debug)]
pub struct EnterprisePayloadRejection {
    status: StatusCode,
    message: String,
}

impl EnterprisePayloadRejection {
    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for EnterprisePayloadRejection {
    fn into_response(self) -> Response {
        body_rejection_response(self.status, &self.message)
    }
}

impl<S: Send + Sync> FromRequest<S> for EnterprisePayload {
    type Rejection = EnterprisePayloadRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            EnterprisePayloadRejection {
                status: rejection.status(),
                message: rejection.body_text(),
            }
        })?;
        Self::from_body(&body).map_err(|message| EnterprisePayloadRejection {
            status: StatusCode::BAD_REQUEST,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use common_http::Secret;
    use serde_json::Value;

    use super::*;

    #[test]
    fn enterprise_payload_keeps_custom_fields_and_reads_string_params() {
        let body = br#"{"partnerId":"p","params":"{\"token\":\"t\"}","multiParams":{"city":"Beijing"},"source":"0","robotNo":1,"docId":"d","orderNo":"42"}"#;
        let payload = EnterprisePayload::from_json(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(payload.partner_id.as_deref(), Some("p"));
        assert_eq!(payload.source, Some(0));
        assert_eq!(payload.robot_no.as_deref(), Some("1"));
        assert_eq!(payload.param("city"), Some(&Value::from("Beijing")));
        assert!(payload.has_secret("token", &Secret::new("t")));
        assert!(!payload.has_secret("token", &Secret::new("u")));
        assert_eq!(payload.custom.get("orderNo"), Some(&Value::from("42")));
        assert_eq!(payload.custom.len(), 1);
    }

    #[test]
    fn enterprise_payload_reads_the_documented_form_body() {
        // The document's request example (raw JSON in multiParams), as curl -d sends it.
        let body =
            br#"partnerId=xxx&multiParams={"xx":"xx"}&token=s3cret&source=0&robotNo=1&docId=xxxx"#;
        let payload = EnterprisePayload::from_body(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(payload.partner_id.as_deref(), Some("xxx"));
        assert_eq!(payload.param("xx"), Some(&Value::from("xx")));
        assert_eq!(payload.source, Some(0));
        assert_eq!(payload.robot_no.as_deref(), Some("1"));
        assert_eq!(payload.doc_id.as_deref(), Some("xxxx"));
        assert_eq!(payload.custom.get("token"), Some(&Value::from("s3cret")));
        assert!(payload.has_secret("token", &Secret::new("s3cret")));
        assert!(!payload.has_secret("token", &Secret::new("other")));
        // The same parameters as JSON: the top-level token counts there too.
        let json = br#"{"partnerId":"xxx","multiParams":"{\"xx\":\"xx\"}","token":"s3cret","source":0,"robotNo":1,"docId":"xxxx"}"#;
        assert_eq!(EnterprisePayload::from_body(json), Ok(payload.clone()));
        // Debug shows neither the top-level token nor any other value that may carry it.
        let shown = format!("{payload:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("token"),
            "{shown}"
        );
        // An empty form is read as no parameters; a trailing `&` and surrounding
        // whitespace are tolerated.
        let empty = EnterprisePayload::from_body(b"").unwrap_or_else(|e| panic!("{e}"));
        assert!(empty.custom.is_empty() && empty.params.is_none());
        let padded = EnterprisePayload::from_body(b" \r\norderNo=42&\r\n");
        assert_eq!(
            padded.map(|p| p.custom),
            Ok(Map::from_iter([("orderNo".to_owned(), Value::from("42"))]))
        );
    }

    #[test]
    fn enterprise_payload_refuses_what_is_neither_json_nor_a_form() {
        for body in [
            &b"hello"[..],
            b"a=1&b",
            b"=1",
            b"a=%g0",
            b"a=%4",
            b"a=1\x00",
            b"a=\xc3\x28",
            b"a=%c3%28",
            b"42",
            b"\"a=b\"",
            b"[\"a=b\"]",
            b"{\"a\":",
            b"docId=1&docId=2",
        ] {
            let err = EnterprisePayload::from_body(body).err();
            assert!(err.is_some(), "{}", String::from_utf8_lossy(body));
            // A form's message repeats nothing of the body.
            let err = err.unwrap_or_default();
            assert!(!err.contains("%g0") && !err.contains("docId=1"), "{err}");
        }
    }
}

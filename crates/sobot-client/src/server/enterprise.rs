//! The enterprise-interface payload: an axum extractor ([`EnterprisePayload`]) for what
//! the AI agent POSTs to *your* interfaces (task-workflow interface nodes, action
//! management).
//!
//! It is the other direction from the rest of the server (Sobot calling your enterprise
//! API, not your agent), so it shares only the secret check and the JSON error body.

use std::fmt;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common_http::Secret;
use serde_json::{Map, Value};

use super::error::body_rejection_response;
use super::secret::SharedSecret;
use crate::EnterpriseInterfacePayload;

/// What the AI agent POSTs (JSON) to an enterprise interface of a task-workflow interface
/// node or the action management module: the fixed parameters and your custom ones.
///
/// Use it as an axum handler argument; a body that is not a JSON object is answered `400`
/// with a JSON error body. `params` and `multiParams` are read whether they arrive as
/// objects or as JSON text.
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
/// `Debug` hides `params` and `multiParams`: they may carry the enterprise's token.
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
    /// Every other field: your custom request parameters.
    pub custom: Map<String, Value>,
}

impl fmt::Debug for EnterprisePayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |map: &Option<Map<String, Value>>| map.as_ref().map(|_| "[redacted]");
        f.debug_struct("EnterprisePayload")
            .field("partner_id", &self.partner_id)
            .field("params", &redacted(&self.params))
            .field("multi_params", &redacted(&self.multi_params))
            .field("source", &self.source)
            .field("robot_no", &self.robot_no)
            .field("doc_id", &self.doc_id)
            .field("custom", &self.custom)
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
    /// Parses a JSON body.
    pub fn from_json(body: &[u8]) -> Result<Self, String> {
        let mut all: Map<String, Value> =
            serde_json::from_slice(body).map_err(|e| format!("invalid request body: {e}"))?;
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

    /// Whether `params[key]` or `multiParams[key]` equals `expected` (a string, or another
    /// JSON value compared by its JSON text), compared in constant time.
    pub fn has_secret(&self, key: &str, expected: &Secret) -> bool {
        SharedSecret::new(key.to_owned(), expected.clone())
            .matches([self.params.as_ref(), self.multi_params.as_ref()])
    }
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
        Self::from_json(&body).map_err(|message| EnterprisePayloadRejection {
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
}

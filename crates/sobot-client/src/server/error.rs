//! The JSON error body, `{"error": kind, "message": message}`, that every refusal of the
//! server is answered with: the router's (`400`, `401`, `408`, `413`, `415`, `500`, `504`),
//! the reply's (`504` on a stream that never ends) and the enterprise extractor's.
//!
//! One place, so all of them keep the same shape.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A JSON error response: `{"error": kind, "message": message}`.
pub(super) fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": kind, "message": message });
    (status, axum::Json(body)).into_response()
}

/// The response to a body that could not be read: `payload_too_large` for a `413`,
/// `bad_request` for any other status.
pub(super) fn body_rejection_response(status: StatusCode, message: &str) -> Response {
    let kind = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "payload_too_large"
    } else {
        "bad_request"
    };
    error_response(status, kind, message)
}

//! The JSON error body, `{"error": kind, "message": message}`, that every refusal of the
//! server is answered with: the router's (`400`, `401`, `408`, `413`, `415`, `500`, `504`),
//! the reply's (`504` on a stream that never ends, `500` on one that panics while
//! collected) and the enterprise extractor's.
//!
//! One place, so all of them keep the same shape. It also holds [`for_log`], the escaping
//! every caller-controlled value goes through before the server logs it.

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

/// `value` safe to log: control characters (newlines, carriage returns, escape sequences)
/// and backslashes are escaped, so a caller-controlled value cannot start a forged log line
/// or rewrite the terminal.
pub(super) fn for_log(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '\\' || c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::for_log;

    #[test]
    fn control_characters_are_escaped_for_logs() {
        assert_eq!(for_log("r1"), "r1");
        assert_eq!(
            for_log("a\nINFO forged\r\u{1b}[2K\\ é"),
            "a\\nINFO forged\\r\\u{1b}[2K\\\\ é"
        );
    }
}

//! What every client error must honour, whatever the input was.

use common_http::{Error, MAX_EXCERPT};

/// The longest a body excerpt can be: [`MAX_EXCERPT`] bytes, each invalid byte replaced by
/// U+FFFD (3 bytes), plus the `…` that marks a cut.
const MAX_EXCERPT_TEXT: usize = 3 * MAX_EXCERPT + '…'.len_utf8();

/// Formats the error both ways (a panic in `Display`/`Debug` is a finding) and checks that
/// the body excerpt it carries is bounded.
pub(crate) fn error(error: &Error) {
    let shown = format!("{error} {error:?}");
    assert!(!shown.is_empty());
    if let Some(raw) = error.raw_body() {
        assert!(
            raw.len() <= MAX_EXCERPT_TEXT,
            "a body excerpt of {} bytes",
            raw.len()
        );
    }
    let _ = (error.json_path(), error.vendor_code(), error.is_retryable());
}

/// A decode failure must be a typed decode error or the vendor's own error, never
/// anything else (a transport or status error would mislead retries).
pub(crate) fn decode_error(error: &Error) {
    self::error(error);
    assert!(
        error.is_decode() || error.is_api(),
        "decoding gave an error of the wrong kind: {error:?}"
    );
}

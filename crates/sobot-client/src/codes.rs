//! Sobot's response codes: the one home of every code this crate gives a meaning to.
//!
//! The envelope decoder ([`SobotResponse`](crate::SobotResponse)), the streaming answer,
//! the token manager and the inbound server all read them from here.

/// `ret_code` (or `retCode`, `errcode`) of a successful answer, and what the inbound server
/// answers on success.
pub const SUCCESS: &str = "000000";

/// The codes that mean "the token is invalid" unless configured otherwise
/// ([`SobotClientBuilder::token_invalid_codes`](crate::SobotClientBuilder::token_invalid_codes)):
/// the token is dropped, a new one fetched and the call retried once (vendor notes: public
/// client code treats `900002` and `401` this way).
pub const TOKEN_INVALID: &[&str] = &["900002", "401"];

/// Whether `code` (trimmed) means success.
pub fn is_success(code: &str) -> bool {
    code.trim() == SUCCESS
}

/// Whether `code` (trimmed) is one of the default token-invalid codes.
pub fn is_token_invalid(code: &str) -> bool {
    TOKEN_INVALID.contains(&code.trim())
}

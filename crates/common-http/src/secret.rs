//! Credentials that cannot leak through `Debug`, `Display`, logs or error messages.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A credential (API key, app key, secret, token, signature).
///
/// `Debug` and `Display` print `[redacted]`, so a `Secret` can sit inside any config or
/// client struct that derives `Debug` without leaking. The value is zeroed on drop
/// (through [`secrecy`]). Reading it is explicit: [`Secret::expose`], which is greppable.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The credential itself. Use it only to build the bytes that go on the wire.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the credential is the empty string (a configuration mistake).
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl PartialEq for Secret {
    /// Compares in constant time for equal lengths, so a check of a received credential
    /// does not tell an attacker how many leading bytes were right.
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.expose().as_bytes(), other.expose().as_bytes())
    }
}

impl Eq for Secret {}

/// Byte equality whose running time does not depend on where the first difference is.
///
/// Unequal lengths return `false` at once (the length is not secret). The comparison of
/// equal-length inputs is [`subtle::ConstantTimeEq`], whose result goes through an
/// optimisation barrier, so the compiler cannot turn it into an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    if a.len() != b.len() {
        return false;
    }
    bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let secret = Secret::new("sk-live-123");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(secret.to_string(), "[redacted]");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            key: Secret,
        }
        let holder = format!(
            "{:?}",
            Holder {
                key: secret.clone()
            }
        );
        assert!(!holder.contains("sk-live"), "{holder}");
        assert_eq!(secret.expose(), "sk-live-123");
    }

    #[test]
    fn constant_time_eq_compares_bytes_through_subtle() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"sk-1", b"sk-1"));
        assert!(!constant_time_eq(b"sk-1", b"sk-2"));
        assert!(!constant_time_eq(b"sk-1", b"sk-10"));
        // A hand-written fold can be compiled into an early exit; the comparison must go
        // through `subtle`'s optimisation barrier.
        let source = include_str!("secret.rs");
        let body = source
            .split("pub fn constant_time_eq")
            .nth(1)
            .and_then(|rest| rest.split("\n}\n").next())
            .unwrap_or_default();
        assert!(body.contains(".ct_eq("), "{body}");
        assert!(!body.contains("fold("), "{body}");
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(Secret::new("a"), Secret::from("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
        assert_ne!(Secret::new("a"), Secret::new("ab"));
        assert!(Secret::new("").is_empty());
    }
}

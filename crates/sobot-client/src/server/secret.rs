//! The shared-secret check: whether `params` / `multi_params` carry the expected value.
//!
//! It has its own file because two jobs need the same constant-time comparison: the
//! router refusing an inbound question ([`ServerConfig::shared_secret`]) and
//! [`EnterprisePayload::has_secret`].
//!
//! [`ServerConfig::shared_secret`]: super::ServerConfig::shared_secret
//! [`EnterprisePayload::has_secret`]: super::EnterprisePayload::has_secret

use common_http::Secret;
use serde_json::{Map, Value};

/// Where a shared secret is looked for, and its expected value.
#[derive(Debug, Clone)]
pub(super) struct SharedSecret {
    key: String,
    expected: Secret,
}

impl SharedSecret {
    /// The secret `expected` looked for under `key`.
    pub(super) fn new(key: String, expected: Secret) -> Self {
        Self { key, expected }
    }

    /// Whether the key or the expected value is empty (such a secret protects nothing).
    pub(super) fn is_empty(&self) -> bool {
        self.key.is_empty() || self.expected.expose().is_empty()
    }

    /// Whether `params` or `multi_params` carries `key` with the expected value (a string,
    /// or any other JSON value compared by its JSON text), in constant time.
    pub(super) fn matches(&self, maps: [Option<&Map<String, Value>>; 2]) -> bool {
        let mut ok = false;
        for map in maps.into_iter().flatten() {
            if let Some(value) = map.get(&self.key) {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                ok |= common_http::constant_time_eq(
                    text.as_bytes(),
                    self.expected.expose().as_bytes(),
                );
            }
        }
        ok
    }
}

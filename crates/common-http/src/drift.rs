//! The drift ledger: every way a server's answer deviated from its documentation, counted
//! once per (operation, JSON path, kind).
//!
//! Real servers drift from their documents, and nobody can test against them, so the
//! clients read tolerantly and record what they tolerated. Each client owns one ledger
//! (`client.drift()`); a deviation is logged once at `warn` the first time it is seen, and
//! counted afterwards. The documented examples must produce no entry at all.
//!
//! Decoding code does not carry the ledger around: the runtime opens a [`scope`] (the
//! ledger and the operation being decoded) around the synchronous decode of a body, and
//! [`record`] writes to the scope of the current thread. Outside a scope, `record` does
//! nothing.
//!
//! Examples are short and secret-free: callers pass a closure that describes the value
//! (a coerced number, the JSON type of an unknown field), never a credential, and it is
//! cut to [`MAX_EXAMPLE`] characters.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// The longest example kept, in characters.
pub const MAX_EXAMPLE: usize = 60;

/// What kind of deviation was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DriftKind {
    /// A field the documentation does not name (kept, not dropped).
    UnknownField,
    /// An enum value the documentation does not list (kept as `Unknown`).
    UnknownEnumValue,
    /// A value of another type than documented, read as the documented one (a number sent
    /// as a string, an epoch number for a text timestamp, `null` for a list).
    TypeCoerced,
    /// A field the documentation marks as always present, missing.
    MissingField,
    /// Two spellings of one field in one body (`ret_code` and `retCode`).
    DuplicateField,
    /// A record that could not be read even tolerantly (kept raw).
    UnreadableRecord,
    /// A streamed event that could not be read even tolerantly (handed on raw).
    UnreadableEvent,
}

impl DriftKind {
    /// The kind as a short snake_case word (`type_coerced`), for reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UnknownField => "unknown_field",
            Self::UnknownEnumValue => "unknown_enum_value",
            Self::TypeCoerced => "type_coerced",
            Self::MissingField => "missing_field",
            Self::DuplicateField => "duplicate_field",
            Self::UnreadableRecord => "unreadable_record",
            Self::UnreadableEvent => "unreadable_event",
        }
    }
}

impl fmt::Display for DriftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of a drift report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DriftEntry {
    /// The operation whose answer deviated (`list_work_records`).
    pub operation: String,
    /// Where, in the vendor's own field names (`data.list[].costTime`).
    pub path: String,
    /// What kind of deviation.
    pub kind: DriftKind,
    /// How many times it was seen.
    pub count: u64,
    /// A short, secret-free example of the first one seen.
    pub example: String,
}

type Key = (String, String, DriftKind);

/// Deviations counted once per (operation, path, kind). Cheap to clone: clones share the
/// counts (a client and its clones report together).
#[derive(Clone, Default)]
pub struct DriftLedger {
    entries: Arc<Mutex<BTreeMap<Key, (u64, String)>>>,
}

impl fmt::Debug for DriftLedger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriftLedger")
            .field("entries", &self.report().len())
            .finish()
    }
}

impl DriftLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every deviation seen so far, sorted by operation, path and kind.
    pub fn report(&self) -> Vec<DriftEntry> {
        let Ok(entries) = self.entries.lock() else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|((operation, path, kind), (count, example))| DriftEntry {
                operation: operation.clone(),
                path: path.clone(),
                kind: *kind,
                count: *count,
                example: example.clone(),
            })
            .collect()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.lock().map_or(true, |e| e.is_empty())
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// Counts one deviation; the first of its (operation, path, kind) is logged at `warn`.
    pub fn record(
        &self,
        operation: &str,
        path: &str,
        kind: DriftKind,
        example: impl FnOnce() -> String,
    ) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let key = (operation.to_owned(), path.to_owned(), kind);
        if let Some((count, _)) = entries.get_mut(&key) {
            *count = count.saturating_add(1);
            return;
        }
        let example = cut(&example());
        tracing::warn!(
            operation,
            path,
            kind = kind.as_str(),
            example = %example,
            "the server's answer differs from its documentation; read tolerantly"
        );
        entries.insert(key, (1, example));
    }
}

/// `text` cut to [`MAX_EXAMPLE`] characters, control characters (a forged log line's
/// newline) escaped.
fn cut(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().take(MAX_EXAMPLE) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if text.chars().count() > MAX_EXAMPLE {
        out.push('…');
    }
    out
}

thread_local! {
    static SCOPE: RefCell<Option<(DriftLedger, String)>> = const { RefCell::new(None) };
}

/// Runs `decode` with `ledger` and `operation` as the current thread's drift scope, so
/// that [`record`] calls inside it are counted there. Scopes nest; the inner one wins
/// until it ends.
pub fn scope<R>(ledger: &DriftLedger, operation: &str, decode: impl FnOnce() -> R) -> R {
    let previous = SCOPE.with(|s| s.replace(Some((ledger.clone(), operation.to_owned()))));
    let result = decode();
    SCOPE.with(|s| *s.borrow_mut() = previous);
    result
}

/// Runs `first` with its deviations set aside: when it succeeds they are recorded in the
/// current scope; when it fails they are forgotten and `second` runs in the current scope
/// instead. (A fast decode that may fail, then a slower one that cannot, records each
/// deviation once.)
pub fn first_then<R, E>(
    first: impl FnOnce() -> Result<R, E>,
    second: impl FnOnce() -> Result<R, E>,
) -> Result<R, E> {
    let current = SCOPE.with(|s| s.borrow().clone());
    let Some((ledger, operation)) = current else {
        return first().or_else(|_| second());
    };
    let aside = DriftLedger::new();
    match scope(&aside, &operation, first) {
        Ok(value) => {
            aside.merge_into(&ledger);
            Ok(value)
        }
        Err(_) => second(),
    }
}

impl DriftLedger {
    /// Adds every entry of this ledger to `other` (counts add up; `other` keeps its own
    /// examples and logs the entries it did not have).
    fn merge_into(&self, other: &DriftLedger) {
        for entry in self.report() {
            other.record(&entry.operation, &entry.path, entry.kind, || {
                entry.example.clone()
            });
            if entry.count > 1
                && let Ok(mut entries) = other.entries.lock()
                && let Some((count, _)) =
                    entries.get_mut(&(entry.operation.clone(), entry.path.clone(), entry.kind))
            {
                *count = count.saturating_add(entry.count - 1);
            }
        }
    }
}

/// Records a deviation in the current thread's [`scope`] (nothing outside one).
pub fn record(path: &str, kind: DriftKind, example: impl FnOnce() -> String) {
    SCOPE.with(|s| {
        if let Some((ledger, operation)) = s.borrow().as_ref() {
            ledger.record(operation, path, kind, example);
        }
    });
}

/// A secret-free description of a JSON value: its type, and its text when it is a short
/// number, boolean or string.
pub fn describe(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!("a list of {}", items.len()),
        Value::Object(map) => format!("an object of {} fields", map.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_once_per_operation_path_and_kind() {
        let ledger = DriftLedger::new();
        scope(&ledger, "list_work_records", || {
            record("data.list[].costTime", DriftKind::TypeCoerced, || {
                "\"1260\"".into()
            });
            record("data.list[].costTime", DriftKind::TypeCoerced, || {
                "\"99\"".into()
            });
            record("data.list[].costTime", DriftKind::MissingField, String::new);
        });
        scope(&ledger, "list_chat_logs", || {
            record("data.list[].costTime", DriftKind::TypeCoerced, String::new);
        });
        record("outside", DriftKind::UnknownField, String::new);
        let report = ledger.report();
        assert_eq!(report.len(), 3, "{report:?}");
        let coerced = report
            .iter()
            .find(|e| e.operation == "list_work_records" && e.kind == DriftKind::TypeCoerced);
        assert_eq!(
            coerced.map(|e| (e.count, e.example.as_str())),
            Some((2, "\"1260\""))
        );
    }

    #[test]
    fn examples_are_cut_and_scopes_nest() {
        let outer = DriftLedger::new();
        let inner = DriftLedger::new();
        scope(&outer, "a", || {
            scope(&inner, "b", || {
                record("p", DriftKind::UnknownField, || "x".repeat(200));
            });
            record("q", DriftKind::UnknownField, String::new);
        });
        let example = &inner.report()[0].example;
        assert_eq!(example.chars().count(), MAX_EXAMPLE + 1);
        assert_eq!(outer.report()[0].path, "q");
        assert!(inner.report().iter().all(|e| e.path == "p"));
    }
}

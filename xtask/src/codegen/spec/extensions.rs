//! The project's `x-` extensions: which keys are allowed where, and typed readers for
//! their values. Every reader names the location in its error, so a typo in a spec is
//! reported where it is (docs/spec-conventions.md lists the extensions).

use indexmap::IndexMap;
use serde_json::Value;

use super::Result;

/// Extensions allowed where the generator reads them.
pub(super) const INFO_EXT: &[&str] = &["x-vendor"];
pub(super) const SCHEMA_EXT: &[&str] = &[
    "x-rust-name",
    "x-internal",
    "x-envelope",
    "x-enum-varnames",
    "x-enum-descriptions",
];
pub(super) const PROPERTY_EXT: &[&str] = &[
    "x-aliases",
    "x-lenient",
    "x-time",
    "x-json-string",
    "x-rust-name",
    "x-envelope-data",
    "x-list-format",
    "x-secret",
    "x-strict",
];
pub(super) const PARAMETER_EXT: &[&str] = &["x-time", "x-list-format", "x-rust-name", "x-secret"];
pub(super) const OPERATION_EXT: &[&str] = &[
    "x-rust-name",
    "x-stream-output",
    "x-idempotent",
    "x-auth",
    "x-base",
    "x-streaming",
    "x-pagination",
    "x-range",
];
pub(super) const RESPONSE_EXT: &[&str] = &["x-event-schema"];
pub(super) const NONE: &[&str] = &[];

/// Rejects every `x-` key not in `allowed`, naming the location.
pub(super) fn check_extensions(
    map: &IndexMap<String, Value>,
    allowed: &[&str],
    loc: &str,
) -> Result<()> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            let hint = if allowed.is_empty() {
                "no extension is allowed here".to_owned()
            } else {
                format!("allowed here: {}", allowed.join(", "))
            };
            return Err(format!(
                "{loc}: unknown extension `{key}` ({hint}; see docs/spec-conventions.md)"
            ));
        }
    }
    Ok(())
}

/// A boolean extension, if present.
pub(super) fn ext_bool(
    map: &IndexMap<String, Value>,
    key: &str,
    loc: &str,
) -> Result<Option<bool>> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(format!("{loc}: `{key}` must be true or false, got {other}")),
    }
}

/// A string extension, if present.
pub(super) fn ext_str<'a>(
    map: &'a IndexMap<String, Value>,
    key: &str,
    loc: &str,
) -> Result<Option<&'a str>> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{loc}: `{key}` must be a string, got {other}")),
    }
}

/// A string extension that must be one of `allowed`, if present.
pub(super) fn ext_one_of<'a>(
    map: &'a IndexMap<String, Value>,
    key: &str,
    allowed: &[&str],
    loc: &str,
) -> Result<Option<&'a str>> {
    let value = ext_str(map, key, loc)?;
    if let Some(v) = value
        && !allowed.contains(&v)
    {
        return Err(format!(
            "{loc}: `{key}: {v}` is not one of {}",
            allowed.join(", ")
        ));
    }
    Ok(value)
}

/// A list of strings (`what` names it in the error).
pub(super) fn str_list(value: &Value, what: &str, loc: &str) -> Result<Vec<String>> {
    let Value::Array(items) = value else {
        return Err(format!(
            "{loc}: `{what}` must be a list of strings, got {value}"
        ));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(format!(
                "{loc}: `{what}` must be a list of strings, got {other}"
            )),
        })
        .collect()
}

/// A list-of-strings extension, if present.
pub(super) fn ext_str_list(
    map: &IndexMap<String, Value>,
    key: &str,
    loc: &str,
) -> Result<Option<Vec<String>>> {
    map.get(key).map(|v| str_list(v, key, loc)).transpose()
}

//! One listing record as a table row: its key, its JSON exactly as sent, and its typed
//! column values.
//!
//! The typed values are read from the record's own JSON, field by field (under its
//! documented name or one of its documented aliases), with the tolerant reader's rules: a
//! number sent as text is a number, a boolean sent as `1` or `"true"` a boolean, a time the
//! vendor's text as written. They never fail: a value that does not fit its column is
//! `NULL`, and the raw JSON keeps it. Reading the JSON once, borrowed, instead of writing
//! the typed record back out, keeps a sync about as fast as an export.

use std::collections::HashMap;

use common_http::tolerant::Record;
use serde_json::value::RawValue;

use crate::sources::Window;
use crate::table::{SqlType, Table};

/// A value bound to a typed column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Text(String),
    Integer(i64),
    Real(f64),
    Boolean(bool),
}

/// A record ready to store.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// The vendor's id as text, or for a record without one a key from its window, its
    /// JSON's digest and its occurrence ([`RawKeys`]).
    pub(crate) key: String,
    /// The record exactly as sent.
    pub(crate) json: String,
    /// Whether the client could read it.
    pub(crate) readable: bool,
    /// One value per typed column of the table, in its order.
    pub(crate) cells: Vec<Cell>,
}

impl Row {
    /// The row of one listing record. The listing must have been sent with
    /// `keep_json(true)`, or a read record has no JSON to store: that is an error of this
    /// crate, reported as such.
    pub(crate) fn of<T>(
        table: &Table,
        record: Record<T>,
        raw_keys: &mut RawKeys,
    ) -> Result<Row, String> {
        let readable = record.is_typed();
        let json: String = record
            .into_json()
            .ok_or_else(|| {
                format!(
                    "{}: a record came without its JSON (the listing was not sent with keep_json)",
                    table.name
                )
            })?
            .into();
        let fields = Fields::of(&json);
        let cells = table
            .columns
            .iter()
            .map(|c| {
                fields
                    .get(c.wire, c.aliases)
                    .map_or(Cell::Null, |v| cell(c.sql, v))
            })
            .collect();
        let key = match fields.get(table.key, &[]).map(scalar_text) {
            Some(Some(id)) if !id.is_empty() => id,
            _ => raw_keys.next(&json),
        };
        drop(fields);
        Ok(Row {
            key,
            json,
            readable,
            cells,
        })
    }
}

/// The top-level fields of a record's JSON, borrowed (none if it is not an object). A
/// list, not a hash map: a record has a few dozen fields, and hashing each name cost more
/// than looking through them.
struct Fields<'a>(Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>);

impl<'a> Fields<'a> {
    fn of(json: &'a str) -> Self {
        struct Object<'a>(Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>);

        impl<'de> serde::Deserialize<'de> for Object<'de> {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visit;
                impl<'de> serde::de::Visitor<'de> for Visit {
                    type Value = Object<'de>;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a JSON object")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<Object<'de>, A::Error> {
                        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(32));
                        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                            fields.push((key, map.next_value::<&'de RawValue>()?));
                        }
                        Ok(Object(fields))
                    }
                }
                d.deserialize_map(Visit)
            }
        }
        Self(serde_json::from_str::<Object<'a>>(json).map_or_else(|_| Vec::new(), |o| o.0))
    }

    /// The value under `name`, or else under the first alias present (the first
    /// occurrence of a name sent twice, as the tolerant reader takes it).
    fn get(&self, name: &str, aliases: &[&str]) -> Option<&'a RawValue> {
        std::iter::once(name)
            .chain(aliases.iter().copied())
            .find_map(|n| {
                self.0
                    .iter()
                    .find(|(key, _)| key.as_ref() == n)
                    .map(|(_, value)| *value)
            })
    }
}

/// A field name, borrowed from the JSON unless it holds an escape.
struct Key<'a>(std::borrow::Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(Visit)
    }
}

/// A string's text or a number's digits; `None` for anything else.
fn scalar_text(value: &RawValue) -> Option<String> {
    let text = value.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text).ok(),
        Some(b'-' | b'0'..=b'9') => Some(text.to_owned()),
        _ => None,
    }
}

/// The keys of the records of one window that came without an id (kept raw: the id
/// missing, unreadable, or the record not even an object).
///
/// Such a record has no identity but its content and its place: two of them may be byte
/// for byte the same (a record sent as the bare number `20` in two windows), and must not
/// become one row. The key is `raw:<window start>:<digest of the JSON>:<occurrence>`: the
/// same on every read of the window (windows are on a fixed grid, see `resume_point`), and
/// different for distinct records. A record without an id whose time moves to another
/// window, or a change of the window size, makes a new row: without an id, that cannot be
/// told from a new record.
#[derive(Debug)]
pub(crate) struct RawKeys {
    window: String,
    seen: HashMap<u64, u32>,
}

impl RawKeys {
    pub(crate) fn new(window: Window) -> Self {
        let start = window.start;
        Self {
            window: format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}",
                start.year(),
                u8::from(start.month()),
                start.day(),
                start.hour(),
                start.minute(),
                start.second()
            ),
            seen: HashMap::new(),
        }
    }

    fn next(&mut self, json: &str) -> String {
        let digest = fnv1a(json.as_bytes());
        let occurrence = self.seen.entry(digest).or_insert(0);
        let key = format!("raw:{}:{digest:016x}:{occurrence}", self.window);
        *occurrence += 1;
        key
    }
}

/// The column's value of a JSON value, `NULL` when it is `null` or of another kind.
fn cell(sql: SqlType, value: &RawValue) -> Cell {
    let text = value.get();
    let first = text.as_bytes().first().copied().unwrap_or(b'n');
    let string = || serde_json::from_str::<String>(text).ok();
    match (sql, first) {
        (_, b'n') => Cell::Null,
        (SqlType::Text | SqlType::Time, b'"') => string().map_or(Cell::Null, Cell::Text),
        // A number, a boolean, or a list or object in a text field: its JSON text.
        (SqlType::Text | SqlType::Time, _) => Cell::Text(text.to_owned()),
        (SqlType::Integer, b'"') => string()
            .and_then(|s| s.trim().parse().ok())
            .map_or(Cell::Null, Cell::Integer),
        (SqlType::Integer, b'-' | b'0'..=b'9') => integer(text).map_or(Cell::Null, Cell::Integer),
        (SqlType::Integer, b't') => Cell::Integer(1),
        (SqlType::Integer, b'f') => Cell::Integer(0),
        (SqlType::Real, b'"') => string()
            .and_then(|s| s.trim().parse().ok())
            .map_or(Cell::Null, Cell::Real),
        (SqlType::Real, b'-' | b'0'..=b'9') => text.parse().map_or(Cell::Null, Cell::Real),
        (SqlType::Boolean, b't') => Cell::Boolean(true),
        (SqlType::Boolean, b'f') => Cell::Boolean(false),
        (SqlType::Boolean, b'"' | b'0' | b'1') => {
            match string().as_deref().map(str::trim).unwrap_or(text) {
                "true" | "1" => Cell::Boolean(true),
                "false" | "0" => Cell::Boolean(false),
                _ => Cell::Null,
            }
        }
        _ => Cell::Null,
    }
}

/// An integer from a JSON number's text, also from a float with no fraction (`12.0`);
/// `None` out of range.
fn integer(text: &str) -> Option<i64> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(i);
    }
    let f: f64 = text.parse().ok()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let fits = f.fract() == 0.0 && f >= i64::MIN as f64 && f <= i64::MAX as f64;
    #[allow(clippy::cast_possible_truncation)]
    fits.then_some(f as i64)
}

/// FNV-1a, 64 bits: a digest that is the same on every machine and every Rust version
/// (the key of a record without an id must not change between runs).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::table::Column;

    const TABLE: Table = Table {
        name: "t",
        vendor: "v",
        model: "M",
        key: "id",
        columns: &[
            Column {
                name: "id",
                wire: "id",
                aliases: &[],
                sql: SqlType::Integer,
                doc: "",
            },
            Column {
                name: "cost",
                wire: "cost",
                aliases: &["costTime"],
                sql: SqlType::Integer,
                doc: "",
            },
            Column {
                name: "name",
                wire: "name",
                aliases: &[],
                sql: SqlType::Text,
                doc: "",
            },
            Column {
                name: "ok",
                wire: "ok",
                aliases: &[],
                sql: SqlType::Boolean,
                doc: "",
            },
        ],
    };

    fn kept(json: &str) -> Record<Value> {
        // A raw record: the one kind of Record this crate can build itself.
        let listing = format!("[{json}]");
        let records: Vec<Record<Strict>> =
            common_http::tolerant::keeping_json(true, || serde_json::from_str(&listing))
                .unwrap_or_else(|e| panic!("{e}"));
        match records.into_iter().next() {
            Some(Record::Raw(raw)) => Record::Raw(raw),
            Some(Record::TypedWithJson { json, .. }) => Record::TypedWithJson {
                record: serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}")),
                json,
            },
            other => panic!("unexpected {other:?}"),
        }
    }

    /// A model that reads only objects with a numeric `id`.
    #[derive(Debug, serde::Deserialize)]
    struct Strict {
        #[allow(dead_code)]
        id: i64,
    }

    fn raw_keys() -> RawKeys {
        RawKeys::new(Window {
            start: time::macros::datetime!(2026-01-02 00:00:00),
            end: time::macros::datetime!(2026-01-03 00:00:00),
        })
    }

    #[test]
    fn a_read_record_gives_its_key_json_and_typed_cells() {
        // A number as text, under an alias; a number in a text field; a boolean as 1.
        let json = r#"{"id": 7, "costTime": "1260", "name": 5, "ok": 1, "extra": [1]}"#;
        let row = Row::of(&TABLE, kept(json), &mut raw_keys()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(row.key, "7");
        assert_eq!(row.json, json, "the JSON exactly as sent");
        assert!(row.readable);
        assert_eq!(
            row.cells,
            [
                Cell::Integer(7),
                Cell::Integer(1260),
                Cell::Text("5".into()),
                Cell::Boolean(true)
            ]
        );
    }

    #[test]
    fn records_without_an_id_are_keyed_by_window_digest_and_occurrence() {
        let mut keys = raw_keys();
        let json = r#"{"cost": {"x": 1}}"#;
        let row = Row::of(&TABLE, kept(json), &mut keys).unwrap_or_else(|e| panic!("{e}"));
        assert!(!row.readable);
        let digest = fnv1a(json.as_bytes());
        assert_eq!(row.key, format!("raw:20260102T000000:{digest:016x}:0"));
        assert_eq!(row.cells, [Cell::Null, Cell::Null, Cell::Null, Cell::Null]);
        // The same bytes again in the window: another record, another row.
        let again = Row::of(&TABLE, kept(json), &mut keys).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.key, format!("raw:20260102T000000:{digest:016x}:1"));
        // Read again from the start, the window gives the same keys.
        let reread = Row::of(&TABLE, kept(json), &mut raw_keys()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reread.key, row.key);
        // The digest is FNV-1a: fixed by definition, not by this implementation.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_record_kept_without_json_is_refused() {
        let typed: Record<Value> = Record::Typed(serde_json::json!({"id": 1}));
        assert!(Row::of(&TABLE, typed, &mut raw_keys()).is_err());
    }
}

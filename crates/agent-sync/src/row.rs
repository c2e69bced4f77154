//! One listing record as a table row: its key, its JSON exactly as sent, and its typed
//! column values.
//!
//! The typed values come from the typed record written back as JSON (so a number the
//! vendor sent as text is a number here, a timestamp sent as epoch milliseconds is the
//! model's time text); a record the client could not read fills them from its raw JSON
//! as well as it can. Neither ever fails: a value that does not fit its column is `NULL`,
//! and the raw JSON keeps it.

use std::collections::HashMap;

use common_http::tolerant::Record;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::sources::Window;
use crate::table::{Column, SqlType, Table};

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
    pub(crate) fn of<T: Serialize>(
        table: &Table,
        record: &Record<T>,
        raw_keys: &mut RawKeys,
    ) -> Result<Row, String> {
        let json = record.json().ok_or_else(|| {
            format!(
                "{}: a record came without its JSON (the listing was not sent with keep_json)",
                table.name
            )
        })?;
        let (object, readable) = match record.typed() {
            Some(typed) => (serde_json::to_value(typed).ok(), true),
            None => (serde_json::from_str::<Value>(json).ok(), false),
        };
        let empty = Map::new();
        let fields = match &object {
            Some(Value::Object(map)) => map,
            _ => &empty,
        };
        let cells = table
            .columns
            .iter()
            .map(|c| cell(c, fields.get(c.wire)))
            .collect();
        let key = match fields.get(table.key) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => raw_keys.next(json),
        };
        Ok(Row {
            key,
            json: json.to_owned(),
            readable,
            cells,
        })
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

/// The column's value of a JSON field, `NULL` when absent or of another kind.
fn cell(column: &Column, value: Option<&Value>) -> Cell {
    let Some(value) = value else {
        return Cell::Null;
    };
    match (column.sql, value) {
        (_, Value::Null) => Cell::Null,
        (SqlType::Text | SqlType::Time, Value::String(s)) => Cell::Text(s.clone()),
        (SqlType::Text | SqlType::Time, Value::Number(n)) => Cell::Text(n.to_string()),
        (SqlType::Text | SqlType::Time, Value::Bool(b)) => Cell::Text(b.to_string()),
        (SqlType::Text | SqlType::Time, other) => Cell::Text(other.to_string()),
        (SqlType::Integer, Value::Number(n)) => integer(n).map_or(Cell::Null, Cell::Integer),
        (SqlType::Integer, Value::String(s)) => s.trim().parse().map_or(Cell::Null, Cell::Integer),
        (SqlType::Integer, Value::Bool(b)) => Cell::Integer(i64::from(*b)),
        (SqlType::Real, Value::Number(n)) => n.as_f64().map_or(Cell::Null, Cell::Real),
        (SqlType::Real, Value::String(s)) => s.trim().parse().map_or(Cell::Null, Cell::Real),
        (SqlType::Boolean, Value::Bool(b)) => Cell::Boolean(*b),
        (SqlType::Boolean, Value::Number(n)) => match n.as_i64() {
            Some(0) => Cell::Boolean(false),
            Some(1) => Cell::Boolean(true),
            _ => Cell::Null,
        },
        (SqlType::Boolean, Value::String(s)) => match s.trim() {
            "true" | "1" => Cell::Boolean(true),
            "false" | "0" => Cell::Boolean(false),
            _ => Cell::Null,
        },
        _ => Cell::Null,
    }
}

/// An integer, also from a float with no fraction (`12.0`); `None` out of range.
fn integer(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
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
    use super::*;

    const TABLE: Table = Table {
        name: "t",
        vendor: "v",
        model: "M",
        key: "id",
        columns: &[
            Column {
                name: "id",
                wire: "id",
                sql: SqlType::Integer,
                doc: "",
            },
            Column {
                name: "cost",
                wire: "cost",
                sql: SqlType::Integer,
                doc: "",
            },
            Column {
                name: "name",
                wire: "name",
                sql: SqlType::Text,
                doc: "",
            },
            Column {
                name: "ok",
                wire: "ok",
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
        let json = r#"{"id": 7, "cost": "1260", "name": 5, "ok": 1, "extra": [1]}"#;
        let row = Row::of(&TABLE, &kept(json), &mut raw_keys()).unwrap_or_else(|e| panic!("{e}"));
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
        let row = Row::of(&TABLE, &kept(json), &mut keys).unwrap_or_else(|e| panic!("{e}"));
        assert!(!row.readable);
        let digest = fnv1a(json.as_bytes());
        assert_eq!(row.key, format!("raw:20260102T000000:{digest:016x}:0"));
        assert_eq!(row.cells, [Cell::Null, Cell::Null, Cell::Null, Cell::Null]);
        // The same bytes again in the window: another record, another row.
        let again = Row::of(&TABLE, &kept(json), &mut keys).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.key, format!("raw:20260102T000000:{digest:016x}:1"));
        // Read again from the start, the window gives the same keys.
        let reread =
            Row::of(&TABLE, &kept(json), &mut raw_keys()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reread.key, row.key);
        // The digest is FNV-1a: fixed by definition, not by this implementation.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_record_kept_without_json_is_refused() {
        let typed: Record<Value> = Record::Typed(serde_json::json!({"id": 1}));
        assert!(Row::of(&TABLE, &typed, &mut raw_keys()).is_err());
    }
}

//! What a synced table is: the shape the generated descriptions (`generated/tables.rs`)
//! fill in, and the columns every table has besides the typed ones.

/// The SQL type of a typed column, portable between SQLite and PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SqlType {
    /// Text.
    Text,
    /// A 64-bit integer (integers and integer enums).
    Integer,
    /// A double. (No synced model has a float field today; codegen maps `number` here.)
    #[allow(dead_code)]
    Real,
    /// A boolean.
    Boolean,
    /// A vendor time, stored as the vendor wrote it (`2026-01-01 08:00:00`,
    /// `2026-01-01T08:00:00.000+08:00`, or epoch digits).
    Time,
}

impl SqlType {
    /// The type in `CREATE TABLE` / `ALTER TABLE` (understood by both databases).
    pub(crate) fn ddl(self) -> &'static str {
        match self {
            SqlType::Text | SqlType::Time => "TEXT",
            SqlType::Integer => "BIGINT",
            SqlType::Real => "DOUBLE PRECISION",
            SqlType::Boolean => "BOOLEAN",
        }
    }
}

/// A typed column: a documented scalar field of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    /// The column's name (the Rust field's).
    pub(crate) name: &'static str,
    /// The field's name on the wire.
    pub(crate) wire: &'static str,
    /// Other spellings the vendor documents for it (`x-aliases`).
    pub(crate) aliases: &'static [&'static str],
    /// Its type.
    pub(crate) sql: SqlType,
    /// The first line of the field's documentation.
    pub(crate) doc: &'static str,
}

/// A synced model's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Table {
    /// The table's name.
    pub(crate) name: &'static str,
    /// The vendor (`rokid`, `sobot`, `itnio`).
    pub(crate) vendor: &'static str,
    /// The model's name in the vendor's spec.
    pub(crate) model: &'static str,
    /// The wire name of the vendor's id that keys the records.
    pub(crate) key: &'static str,
    /// The typed columns.
    pub(crate) columns: &'static [Column],
}

/// The columns every synced table has, before its typed ones.
///
/// - `record_key`: the vendor's id as text; for a record that came without one (kept raw),
///   `raw:` and a digest of its JSON, so it is still stored once.
/// - `raw_json`: the record exactly as the vendor sent it.
/// - `readable`: whether the client could read it (false: kept raw, typed columns empty).
/// - `first_seen`, `last_seen`, `last_changed`: UTC RFC 3339 times of the sync runs that
///   first stored it, last read it, and last found it different.
pub(crate) const FIXED_COLUMNS: [(&str, &str); 6] = [
    ("record_key", "TEXT PRIMARY KEY"),
    ("raw_json", "TEXT NOT NULL"),
    ("readable", "BOOLEAN NOT NULL"),
    ("first_seen", "TEXT NOT NULL"),
    ("last_seen", "TEXT NOT NULL"),
    ("last_changed", "TEXT NOT NULL"),
];

//! Output formats: table, JSON, JSON lines and CSV, written to stdout.
//!
//! Records are serialized with serde, so the field names are the vendor's own wire names.
//! `jsonl` writes and flushes one line per record as it arrives; `json` and `csv` are
//! streamed as well (only `table` buffers, to size its columns).

use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;
use common_http::tolerant::Record;
use serde::Serialize;
use serde_json::Value;

use crate::table::write_table;

/// How records are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns (a readable subset of the fields).
    Table,
    /// One JSON array of records (or one object for a single result).
    Json,
    /// One JSON record per line, streamed.
    Jsonl,
    /// Comma-separated values with a header row of the vendor field names.
    Csv,
}

impl Format {
    /// The format asked for, or `table` on a terminal and `json` otherwise.
    pub(crate) fn resolve(asked: Option<Format>) -> Format {
        asked.unwrap_or_else(|| {
            if io::stdout().is_terminal() {
                Format::Table
            } else {
                Format::Json
            }
        })
    }
}

/// The columns of one record type: every field (CSV) and a readable subset (table).
///
/// The field list is the model's own (`WIRE_FIELDS`, emitted by codegen from the spec), so
/// a field added to the spec is a CSV column without touching this file; only the choice
/// of table columns lives here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Columns {
    /// Every wire field of the model, in the documented order (the CSV header).
    pub(crate) fields: &'static [&'static str],
    /// Fields the tool's records carry beyond the model's (appended to the CSV header).
    pub(crate) extra: &'static [&'static str],
    /// The fields shown in a table.
    pub(crate) table: &'static [&'static str],
}

impl Columns {
    /// The columns of a model whose wire fields are `fields`.
    const fn of(fields: &'static [&'static str], table: &'static [&'static str]) -> Self {
        Self {
            fields,
            extra: &[],
            table,
        }
    }

    /// Every column, model fields first (the CSV header).
    pub(crate) fn all(&self) -> impl Iterator<Item = &'static str> {
        self.fields.iter().chain(self.extra).copied()
    }
}

/// Rokid `WorkRecord`.
pub(crate) const WORK_RECORD: Columns = Columns::of(
    rokid_client::WorkRecord::WIRE_FIELDS,
    &[
        "taskId",
        "taskName",
        "userName",
        "taskProgress",
        "gmtCreated",
    ],
);

/// Rokid `ChatLog`.
pub(crate) const CHAT_LOG: Columns =
    Columns::of(rokid_client::ChatLog::WIRE_FIELDS, CHAT_LOG_TABLE);

/// Itniotech `GroupCallTask`.
pub(crate) const GROUP_CALL_TASK: Columns = Columns::of(
    itnio_client::GroupCallTask::WIRE_FIELDS,
    GROUP_CALL_TASK_TABLE,
);

/// Sobot `ReceptionRecord`.
pub(crate) const RECEPTION_RECORD: Columns = Columns::of(
    sobot_client::ReceptionRecord::WIRE_FIELDS,
    RECEPTION_RECORD_TABLE,
);

/// Sobot `Answer` (and the `MESSAGE` chunks of a streamed answer, which carry a subset of
/// its fields plus `message_end`).
pub(crate) const ROBOT_ANSWER: Columns = Columns {
    fields: sobot_client::Answer::WIRE_FIELDS,
    extra: &["message_end"],
    table: &[
        "robot_answer_message_type",
        "answer",
        "variable_value_enums",
    ],
};

/// Sobot `QaInfo` (question suggestions).
pub(crate) const QA_INFO: Columns = Columns::of(
    sobot_client::QaInfo::WIRE_FIELDS,
    sobot_client::QaInfo::WIRE_FIELDS,
);

/// Sobot `AiRobot` (the robot and channel lists).
pub(crate) const AI_ROBOT: Columns = Columns::of(
    sobot_client::AiRobot::WIRE_FIELDS,
    &["kbid", "robot_name", "robot_type", "companyid"],
);

/// Sobot `TimezoneInfo`.
pub(crate) const TIMEZONE_INFO: Columns = Columns::of(
    sobot_client::TimezoneInfo::WIRE_FIELDS,
    &[
        "timezoneid",
        "timezone",
        "timezone_value",
        "main_timezone_flag",
    ],
);

/// Sobot `SessionLabel`.
pub(crate) const SESSION_LABEL: Columns = Columns::of(
    sobot_client::SessionLabel::WIRE_FIELDS,
    &["id", "name", "raw_name"],
);

/// Sobot `DislikeLabel`.
pub(crate) const DISLIKE_LABEL: Columns = Columns::of(
    sobot_client::DislikeLabel::WIRE_FIELDS,
    &["id", "name", "is_del"],
);

/// Sobot `Audience`.
pub(crate) const AUDIENCE: Columns = Columns::of(
    sobot_client::Audience::WIRE_FIELDS,
    &["ruleid", "rule_title"],
);

/// The table columns of [`CHAT_LOG`].
const CHAT_LOG_TABLE: &[&str] = &[
    "id",
    "type",
    "agentName",
    "modelName",
    "questionContent",
    "gmtCreated",
];

/// The table columns of [`GROUP_CALL_TASK`].
const GROUP_CALL_TASK_TABLE: &[&str] = &[
    "taskId",
    "taskName",
    "status",
    "rate",
    "numCnt",
    "createdTime",
    "taskSumPayFee",
];

/// The table columns of [`RECEPTION_RECORD`].
const RECEPTION_RECORD_TABLE: &[&str] = &[
    "robot_name",
    "source",
    "user_msg_times",
    "robot_msg_times",
    "start_time",
    "cid",
];

/// One document handled by `rokid reports` (the tool's own record, not a vendor's).
pub(crate) const DOCUMENT: Columns = Columns::of(
    &["taskId", "field", "url", "file", "bytes", "status"],
    &["taskId", "field", "file", "bytes", "status"],
);

/// Columns taken from the first record (lookup lists with no fixed column list).
pub(crate) const DYNAMIC: Columns = Columns::of(&[], &[]);

/// Writes records one by one in a format.
pub(crate) struct Emitter<W: Write> {
    format: Format,
    out: W,
    columns: Columns,
    /// The columns of `csv` / `table`, fixed at the first record (or at the end, when
    /// there was none).
    chosen: Option<Vec<String>>,
    count: usize,
    rows: Vec<Vec<String>>,
}

impl<W: Write> std::fmt::Debug for Emitter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter")
            .field("format", &self.format)
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

impl<W: Write> Emitter<W> {
    /// An emitter of records with these columns.
    pub(crate) fn new(format: Format, out: W, columns: Columns) -> Self {
        Self {
            format,
            out,
            columns,
            chosen: None,
            count: 0,
            rows: Vec::new(),
        }
    }

    /// The `csv` or `table` columns: the fixed ones, or else the first record's fields.
    fn choose(&mut self, first: Option<&Value>) -> Vec<String> {
        let fixed: Vec<String> = match self.format {
            Format::Table => self.columns.table.iter().map(|c| (*c).to_owned()).collect(),
            _ => self.columns.all().map(str::to_owned).collect(),
        };
        let chosen = self.chosen.get_or_insert_with(|| {
            if fixed.is_empty() {
                match first {
                    Some(Value::Object(map)) => map.keys().cloned().collect(),
                    _ => Vec::new(),
                }
            } else {
                fixed
            }
        });
        chosen.clone()
    }

    fn header(&mut self, columns: &[String]) -> io::Result<()> {
        let header: Vec<String> = columns.iter().map(|c| csv_field(c)).collect();
        writeln!(self.out, "{}", header.join(","))
    }

    /// Writes one record (flushed at once for `jsonl`). JSON keeps the record's own field
    /// order; CSV and table cells are looked up by field name.
    pub(crate) fn item<T: Serialize>(&mut self, item: &T) -> io::Result<()> {
        match self.format {
            Format::Json => {
                let sep = if self.count == 0 { "[\n  " } else { ",\n  " };
                self.out.write_all(sep.as_bytes())?;
                serde_json::to_writer(&mut self.out, item).map_err(io::Error::other)?;
            }
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, item).map_err(io::Error::other)?;
                self.out.write_all(b"\n")?;
                self.out.flush()?;
            }
            Format::Csv | Format::Table => {
                let value = serde_json::to_value(item).map_err(io::Error::other)?;
                self.row(&value, None)?;
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Writes one record of a listing, read or not. A record the client could not read is
    /// written exactly as the vendor sent it in `json` and `jsonl` (its JSON text, field
    /// names and values unchanged); in `csv` and `table` one that is a JSON object fills
    /// the columns it has, by name, and one that is not an object (a string or a number
    /// where the record should be) is written with its JSON text in the first column, so
    /// that every record still has its row.
    pub(crate) fn record<T: Serialize>(&mut self, record: &Record<T>) -> io::Result<()> {
        let Some(raw) = record.raw() else {
            return self.item(record);
        };
        match self.format {
            Format::Json | Format::Jsonl => self.item(record),
            Format::Csv | Format::Table => {
                let value = raw.value();
                let text = (!value.is_object()).then(|| raw.json().trim());
                self.row(&value, text)?;
                self.count += 1;
                Ok(())
            }
        }
    }

    /// Writes (`csv`) or keeps (`table`) the row of one record: each column's cell looked
    /// up by name in `value`, or, when `whole` is given, that text in the first column and
    /// nothing in the others.
    fn row(&mut self, value: &Value, whole: Option<&str>) -> io::Result<()> {
        let columns = self.choose(Some(value));
        let cells: Vec<String> = match whole {
            Some(text) => (0..columns.len())
                .map(|i| {
                    if i == 0 {
                        text.to_owned()
                    } else {
                        String::new()
                    }
                })
                .collect(),
            None => columns
                .iter()
                .map(|c| cell(value.get(c.as_str())))
                .collect(),
        };
        if self.format == Format::Table {
            self.rows.push(cells);
            return Ok(());
        }
        if self.count == 0 {
            self.header(&columns)?;
        }
        let row: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        writeln!(self.out, "{}", row.join(","))
    }

    /// Ends the output (closes the JSON array, prints the table) and flushes.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        match self.format {
            Format::Json => {
                if self.count == 0 {
                    self.out.write_all(b"[]\n")?;
                } else {
                    self.out.write_all(b"\n]\n")?;
                }
            }
            Format::Jsonl => {}
            Format::Csv => {
                if self.count == 0 {
                    let columns = self.choose(None);
                    self.header(&columns)?;
                }
            }
            Format::Table => {
                let header = self.choose(None);
                let rows = std::mem::take(&mut self.rows);
                write_table(&mut self.out, &header, &rows)?;
            }
        }
        self.out.flush()
    }
}

/// Prints a list of records (a lookup call's answer) in a format.
pub(crate) fn emit_list<T: Serialize>(
    format: Format,
    out: &mut dyn Write,
    columns: Columns,
    items: &[T],
) -> io::Result<()> {
    let mut emitter = Emitter::new(format, out, columns);
    for item in items {
        emitter.item(item)?;
    }
    emitter.finish()
}

/// Prints one result object: pretty JSON for `json`, one line for `jsonl`, a header and one
/// row for `csv`, a one-row table for `table`.
pub(crate) fn emit_one<T: Serialize>(
    format: Format,
    out: &mut dyn Write,
    value: &T,
) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
            out.flush()
        }
        Format::Jsonl | Format::Csv | Format::Table => {
            let mut emitter = Emitter::new(format, out, DYNAMIC);
            emitter.item(value)?;
            emitter.finish()
        }
    }
}

/// A JSON value as cell text: strings bare, null empty, anything else as JSON.
pub(crate) fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(format: Format, items: &[Value]) -> String {
        let mut buf = Vec::new();
        let mut e = Emitter::new(format, &mut buf, DYNAMIC);
        for i in items {
            assert!(e.item(i).is_ok());
        }
        assert!(e.finish().is_ok());
        String::from_utf8(buf).unwrap_or_default()
    }

    #[test]
    fn formats() {
        let items = [json!({"a": 1, "b": "x,y"}), json!({"a": 2, "b": null})];
        let json: Value = serde_json::from_str(&render(Format::Json, &items)).unwrap_or_default();
        assert_eq!(json, Value::Array(items.to_vec()));
        assert_eq!(render(Format::Json, &[]), "[]\n");
        assert_eq!(render(Format::Jsonl, &items).lines().count(), 2);
        assert_eq!(render(Format::Csv, &items), "a,b\n1,\"x,y\"\n2,\n");
        assert!(render(Format::Table, &items).contains("(2 rows)"));
    }

    #[derive(Debug, serde::Deserialize, Serialize)]
    struct Model {
        a: i64,
        b: String,
    }

    /// Records as a listing yields them: read, or kept as sent.
    fn records(texts: &[&str]) -> Vec<Record<Model>> {
        texts
            .iter()
            .map(|t| serde_json::from_str(t).unwrap_or_else(|e| panic!("{t}: {e}")))
            .collect()
    }

    fn render_records(format: Format, items: &[Record<Model>]) -> String {
        const COLUMNS: Columns = Columns::of(&["a", "b"], &["a", "b"]);
        let mut buf = Vec::new();
        let mut e = Emitter::new(format, &mut buf, COLUMNS);
        for i in items {
            assert!(e.record(i).is_ok());
        }
        assert!(e.finish().is_ok());
        String::from_utf8(buf).unwrap_or_default()
    }

    #[test]
    fn unreadable_records_are_written_as_sent() {
        let texts = [
            r#"{"a":1,"b":"x"}"#,
            r#"{"b":"y,z","a":{"ref":2},"c":null}"#,
            r#""not a record""#,
            "20",
        ];
        let items = records(&texts);
        assert!(items[0].is_typed());
        assert!(items[1..].iter().all(|r| r.raw().is_some()));
        // json and jsonl: the vendor's text, unchanged.
        let jsonl = render_records(Format::Jsonl, &items);
        assert_eq!(jsonl.lines().collect::<Vec<_>>(), texts);
        let json: Value =
            serde_json::from_str(&render_records(Format::Json, &items)).unwrap_or_default();
        let want: Vec<Value> = texts
            .iter()
            .map(|t| serde_json::from_str(t).unwrap_or_default())
            .collect();
        assert_eq!(json, Value::Array(want));
        // csv: an object fills its columns by name; anything else is its JSON text in the
        // first column.
        assert_eq!(
            render_records(Format::Csv, &items),
            "a,b\n1,x\n\"{\"\"ref\"\":2}\",\"y,z\"\n\"\"\"not a record\"\"\",\n20,\n"
        );
        let table = render_records(Format::Table, &items);
        assert!(table.contains("(4 rows)"), "{table}");
        assert!(table.contains("\"not a record\""), "{table}");
    }

    /// Every record type's CSV columns are its model's `WIRE_FIELDS` (that those hold every
    /// field the vendor docs' examples have is checked where the examples live, in the
    /// workspace tests' `fixtures.rs`), and its table shows only some of those columns.
    #[test]
    fn table_columns_are_fields() {
        let all = [
            WORK_RECORD,
            CHAT_LOG,
            GROUP_CALL_TASK,
            RECEPTION_RECORD,
            ROBOT_ANSWER,
            QA_INFO,
            AI_ROBOT,
            TIMEZONE_INFO,
            SESSION_LABEL,
            DISLIKE_LABEL,
            AUDIENCE,
            DOCUMENT,
        ];
        for columns in all {
            assert!(columns.fields.len() > 1, "{columns:?}");
            assert!(!columns.table.is_empty(), "{columns:?}");
            for key in columns.table {
                assert!(
                    columns.all().any(|c| c == *key),
                    "table column `{key}` is not a field"
                );
            }
        }
    }
}

//! Quirks mode: the drift real vendor servers send, emitted deterministically from the seed.
//!
//! Normal mode serialises the clients' model types as the documents describe them. In quirks
//! mode the same answers are turned into JSON values and bent the way real servers bend
//! them (see [`QuirkKind`] for what and where). Every choice is a function of the seed, the
//! route and the position of the record, page or event in the answer (never of a clock or
//! a global random source), so the same request to two sandboxes with the same seed gets
//! the same bytes. The sandbox's own request handling stays strict in both modes.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::body::Bytes;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::data::fmt_time;
use crate::faults::mix;

/// One kind of drift quirks mode emits, counted by [`Sandbox::quirk_counts`](crate::Sandbox::quirk_counts).
///
/// Record-level quirks follow the record's position in the listing (the `n`-th record
/// matching the request): within any 20 consecutive records of a listing every record-level
/// kind appears, so two pages of 10 (or three, whatever the seed) show them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum QuirkKind {
    /// A number sent as a string (Rokid `"costTime":"1260"`, `taskProgress`, `deleted`;
    /// Itniotech `taskId`, `numCnt`, `success`, `fail`; Sobot `user_msg_times`,
    /// `robot_msg_times`; a streamed item's `delay`) or a text sent as a number (a numeric
    /// Long id in a field documented as String: Rokid `planId` / `deviceId`, Sobot
    /// `robot_flag`, Itniotech `asr`).
    WrongType,
    /// A documented-required field missing: the record's id (Rokid `taskId` / `id`, Sobot
    /// `cid`, Itniotech `taskId`), or `robot_logo` and `biz_id` of a streamed
    /// `ANSWER_INFO` / `PROCESS_INFO` item.
    MissingRequired,
    /// `null` where a list or object is expected (Sobot `answer_variable_infos`,
    /// `rule_infos`, `answer_type`; a streamed item's `output_variable_infos`), and `null`
    /// scalars (record texts, Rokid `message`, Sobot `ret_msg`, Itniotech `searchCount`).
    Null,
    /// A timestamp in another form: epoch seconds, epoch milliseconds, `""` or `null` where
    /// the documents show text (Rokid `gmtCreated`, Itniotech `createdTime`; text times are
    /// read as UTC); for Sobot `start_time` (documented as epoch milliseconds) epoch
    /// seconds, `yyyy-MM-dd HH:mm:ss`, `""` or `null`.
    TimestampForm,
    /// An enum field as `""` or as a value the documents do not list (Rokid
    /// `taskProgress` 9 and chat log `type` 7, Sobot `biz_type_enum` `"AI_AGENT_V2"`,
    /// Itniotech `status` 9, a streamed item's `transfer_result` `""`).
    EnumDrift,
    /// Both spellings of a field in one body with the same value: Sobot `ret_code` and
    /// `retCode`, `ret_msg` and `retMsg` (listing pages and streamed events), `msgid` and
    /// `msgId` (streamed items).
    DoubleSpelling,
    /// Another spelling of an error or status code: Sobot
    /// `{"errcode":900002,"errmsg":"token invalid"}` for an invalid token (every Sobot
    /// route), Itniotech `code` as a string (`"0"` on some pages, every error).
    CodeSpelling,
    /// `"data": {}` instead of no data on an error answer of a list endpoint (Rokid's two
    /// listings, Sobot `recordList`, Itniotech `query`).
    EmptyErrorData,
    /// Unknown extra fields in records and envelopes (`extraInfo`, `schemaVersion`,
    /// `traceId`, `trace_id`, `orders`, `optimizeCountSql`, ...).
    ExtraField,
    /// A record that cannot be read as the documented record even tolerantly: the record as
    /// a JSON string, as a number, or with its id field as an object. One record in 20;
    /// still in the page (counts and `total` / `pages` are those of normal mode).
    UnreadableRecord,
    /// A streamed event whose data cannot be read (truncated JSON or an array of numbers),
    /// followed by the normal remaining events: one per streamed answer.
    UnreadableEvent,
}

impl QuirkKind {
    /// Every kind, in order.
    pub const ALL: [QuirkKind; 11] = [
        QuirkKind::WrongType,
        QuirkKind::MissingRequired,
        QuirkKind::Null,
        QuirkKind::TimestampForm,
        QuirkKind::EnumDrift,
        QuirkKind::DoubleSpelling,
        QuirkKind::CodeSpelling,
        QuirkKind::EmptyErrorData,
        QuirkKind::ExtraField,
        QuirkKind::UnreadableRecord,
        QuirkKind::UnreadableEvent,
    ];

    /// A short kebab-case name (`wrong-type`, `missing-required`, ...).
    pub fn name(self) -> &'static str {
        match self {
            QuirkKind::WrongType => "wrong-type",
            QuirkKind::MissingRequired => "missing-required",
            QuirkKind::Null => "null",
            QuirkKind::TimestampForm => "timestamp-form",
            QuirkKind::EnumDrift => "enum-drift",
            QuirkKind::DoubleSpelling => "double-spelling",
            QuirkKind::CodeSpelling => "code-spelling",
            QuirkKind::EmptyErrorData => "empty-error-data",
            QuirkKind::ExtraField => "extra-field",
            QuirkKind::UnreadableRecord => "unreadable-record",
            QuirkKind::UnreadableEvent => "unreadable-event",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

impl fmt::Display for QuirkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The switch and the counters of quirks mode.
#[derive(Debug, Default)]
pub(crate) struct Quirks {
    enabled: AtomicBool,
    counts: [AtomicU64; 11],
}

impl Quirks {
    pub(crate) fn new(enabled: bool) -> Self {
        let q = Self::default();
        q.set(enabled);
        q
    }

    pub(crate) fn on(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }

    pub(crate) fn set(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::SeqCst);
    }

    pub(crate) fn note(&self, kind: QuirkKind) {
        self.counts[kind.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn counts(&self) -> BTreeMap<QuirkKind, u64> {
        QuirkKind::ALL
            .iter()
            .map(|k| (*k, self.counts[k.index()].load(Ordering::Relaxed)))
            .collect()
    }

    pub(crate) fn reset(&self) {
        for c in &self.counts {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// A deterministic draw from the seed and a text.
fn draw(seed: u64, text: &str) -> u64 {
    let mut h = mix(seed ^ 0x5157_4952_4b53_2121);
    for b in text.bytes() {
        h = mix(h ^ u64::from(b));
    }
    h
}

/// How many record positions the record-level quirks cycle over.
const CYCLE: u64 = 20;

/// How a timestamp field is documented.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TimeForm {
    /// `yyyy-MM-dd HH:mm:ss` text.
    Text,
    /// Epoch milliseconds.
    EpochMs,
}

/// A literal for an enum value the documents do not list.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lit {
    Int(i64),
    Text(&'static str),
}

impl Lit {
    fn value(self) -> Value {
        match self {
            Lit::Int(n) => json!(n),
            Lit::Text(t) => json!(t),
        }
    }
}

/// The fields of a record kind that quirks mode bends.
#[derive(Debug)]
pub(crate) struct Shape {
    /// The id field (dropped as the missing required field, or made an object).
    pub(crate) id: &'static str,
    /// Numeric fields sent as strings.
    pub(crate) numbers: &'static [&'static str],
    /// A text field sent as a number.
    pub(crate) text_as_number: &'static str,
    /// Scalars sent as `null`.
    pub(crate) scalars: &'static [&'static str],
    /// Lists or objects sent as `null`.
    pub(crate) containers: &'static [&'static str],
    /// The timestamp field.
    pub(crate) time: &'static str,
    pub(crate) time_form: TimeForm,
    /// The enum field and a value the documents do not list.
    pub(crate) enum_field: &'static str,
    pub(crate) unknown_enum: Lit,
}

pub(crate) const ROKID_WORK_RECORD: Shape = Shape {
    id: "taskId",
    numbers: &["taskProgress", "deleted"],
    text_as_number: "planId",
    scalars: &["taskName", "chatContent"],
    containers: &[],
    time: "gmtCreated",
    time_form: TimeForm::Text,
    enum_field: "taskProgress",
    unknown_enum: Lit::Int(9),
};

pub(crate) const ROKID_CHAT_LOG: Shape = Shape {
    id: "id",
    numbers: &["costTime", "deleted"],
    text_as_number: "deviceId",
    scalars: &["errorMsg", "questionImg", "agentName"],
    containers: &[],
    time: "gmtCreated",
    time_form: TimeForm::Text,
    enum_field: "type",
    unknown_enum: Lit::Int(7),
};

pub(crate) const SOBOT_RECORD: Shape = Shape {
    id: "cid",
    numbers: &["user_msg_times", "robot_msg_times"],
    text_as_number: "robot_flag",
    scalars: &["robot_name", "source"],
    containers: &["answer_variable_infos", "rule_infos", "answer_type"],
    time: "start_time",
    time_form: TimeForm::EpochMs,
    enum_field: "biz_type_enum",
    unknown_enum: Lit::Text("AI_AGENT_V2"),
};

pub(crate) const ITNIO_TASK: Shape = Shape {
    id: "taskId",
    numbers: &["taskId", "numCnt", "success", "fail"],
    text_as_number: "asr",
    scalars: &["taskName", "rate"],
    containers: &[],
    time: "createdTime",
    time_form: TimeForm::Text,
    enum_field: "status",
    unknown_enum: Lit::Int(9),
};

/// A number as its decimal text.
fn stringify(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other.clone(),
    }
}

/// A text as a number: its digits, or a Long derived from it when it has none.
fn numberify(v: &Value, seed: u64) -> Value {
    let Some(text) = v.as_str() else {
        return v.clone();
    };
    let digits: String = text.chars().filter(char::is_ascii_digit).take(15).collect();
    match digits.parse::<i64>() {
        Ok(n) => json!(n),
        Err(_) => json!(1_901_092_524_000_000 + (draw(seed, text) % 1_000_000)),
    }
}

/// The epoch seconds of a timestamp value, in either documented form.
fn epoch_secs(v: &Value, form: TimeForm) -> Option<i64> {
    match form {
        TimeForm::Text => v.as_str().and_then(|text| {
            let t = common_http::datetime::Timestamp::new(text);
            t.offset_date_time()
                .map(OffsetDateTime::unix_timestamp)
                .or_else(|| t.local_date_time().map(|t| t.assume_utc().unix_timestamp()))
        }),
        TimeForm::EpochMs => v.as_i64().map(|ms| ms.div_euclid(1000)),
    }
}

fn extras(record: &mut Map<String, Value>, seed: u64, at: u64) {
    record.insert(
        "extraInfo".into(),
        json!({"level": at % 3, "tag": format!("x{:04x}", mix(seed ^ at) % 0xffff)}),
    );
    record.insert("schemaVersion".into(), json!(2));
}

/// Bends the records of one page. `first` is the position of the page's first record in the
/// listing (the records matching the request, in order).
pub(crate) fn records(
    q: &Quirks,
    seed: u64,
    route: &str,
    first: usize,
    list: &mut [Value],
    shape: &Shape,
) {
    let offset = draw(seed, route) % CYCLE;
    for (i, record) in list.iter_mut().enumerate() {
        let at = u64::try_from(first + i).unwrap_or(0) + offset;
        bend(q, seed, at, record, shape);
    }
}

fn bend(q: &Quirks, seed: u64, at: u64, value: &mut Value, shape: &Shape) {
    let slot = at % CYCLE;
    if slot == 0 {
        // One in 20: a record no reader can take as the documented record.
        q.note(QuirkKind::UnreadableRecord);
        match (at / CYCLE) % 3 {
            0 => *value = Value::String(value.to_string()),
            1 => *value = json!(at),
            _ => {
                if let Some(r) = value.as_object_mut() {
                    let id = r.get(shape.id).cloned().unwrap_or(Value::Null);
                    r.insert(shape.id.into(), json!({"value": id, "type": "ref"}));
                }
            }
        }
        return;
    }
    let Some(r) = value.as_object_mut() else {
        return;
    };
    match slot {
        1 | 14 => {
            for f in shape.numbers {
                if let Some(v) = r.get_mut(*f) {
                    *v = stringify(v);
                }
            }
            q.note(QuirkKind::WrongType);
            if slot == 14 {
                extras(r, seed, at);
                q.note(QuirkKind::ExtraField);
            }
        }
        2 => {
            if let Some(v) = r.get_mut(shape.text_as_number) {
                *v = numberify(v, seed);
                q.note(QuirkKind::WrongType);
            }
        }
        3 => {
            r.remove(shape.id);
            q.note(QuirkKind::MissingRequired);
        }
        4 => {
            for f in shape.scalars {
                r.insert((*f).into(), Value::Null);
            }
            q.note(QuirkKind::Null);
        }
        5 if !shape.containers.is_empty() => {
            for f in shape.containers {
                r.insert((*f).into(), Value::Null);
            }
            q.note(QuirkKind::Null);
        }
        6..=9 => {
            let old = r.get(shape.time).cloned().unwrap_or(Value::Null);
            let secs = epoch_secs(&old, shape.time_form).unwrap_or(0);
            let new = match (slot, shape.time_form) {
                (6, _) => json!(secs),
                (7, TimeForm::Text) => json!(secs * 1000),
                (7, TimeForm::EpochMs) => OffsetDateTime::from_unix_timestamp(secs)
                    .map_or(Value::Null, |t| {
                        json!(fmt_time(time::PrimitiveDateTime::new(t.date(), t.time())))
                    }),
                (8, _) => json!(""),
                _ => Value::Null,
            };
            r.insert(shape.time.into(), new);
            q.note(QuirkKind::TimestampForm);
        }
        10 => {
            r.insert(shape.enum_field.into(), json!(""));
            q.note(QuirkKind::EnumDrift);
        }
        11 => {
            r.insert(shape.enum_field.into(), shape.unknown_enum.value());
            q.note(QuirkKind::EnumDrift);
        }
        12 => {
            extras(r, seed, at);
            q.note(QuirkKind::ExtraField);
        }
        _ => {}
    }
}

/// Which of two page-level variants a page gets (alternating pages, from a seeded start).
fn page_variant(seed: u64, route: &str, page: i64) -> bool {
    draw(seed, route)
        .wrapping_add(page.unsigned_abs())
        .is_multiple_of(2)
}

fn hex(seed: u64, text: &str, n: i64) -> String {
    format!("{:016x}", mix(draw(seed, text) ^ n.unsigned_abs()))
}

/// A Rokid listing page (`{"code", "message", "success", "data": {"list": [...]}}`).
pub(crate) fn rokid_page(
    q: &Quirks,
    seed: u64,
    route: &str,
    page: i64,
    first: usize,
    body: &mut Value,
    shape: &Shape,
) {
    if let Some(list) = body.pointer_mut("/data/list").and_then(Value::as_array_mut) {
        records(q, seed, route, first, list, shape);
    }
    if page_variant(seed, route, page) {
        body["traceId"] = json!(hex(seed, route, page));
        q.note(QuirkKind::ExtraField);
    } else {
        body["message"] = Value::Null;
        q.note(QuirkKind::Null);
    }
}

/// A Sobot `recordList` page (`{"ret_code", "ret_msg", "data": [...], "total_count", ...}`).
pub(crate) fn sobot_page(
    q: &Quirks,
    seed: u64,
    route: &str,
    page: i64,
    first: usize,
    body: &mut Value,
) {
    if let Some(list) = body.get_mut("data").and_then(Value::as_array_mut) {
        records(q, seed, route, first, list, &SOBOT_RECORD);
    }
    if page_variant(seed, route, page) {
        double_spelling(q, body);
    } else {
        body["ret_msg"] = Value::Null;
        body["trace_id"] = json!(hex(seed, route, page));
        q.note(QuirkKind::Null);
        q.note(QuirkKind::ExtraField);
    }
}

/// Adds `retCode` / `retMsg` beside `ret_code` / `ret_msg` (or the other way round).
fn double_spelling(q: &Quirks, body: &mut Value) {
    let Some(map) = body.as_object_mut() else {
        return;
    };
    let mut added = false;
    for (snake, camel) in [("ret_code", "retCode"), ("ret_msg", "retMsg")] {
        match (map.get(snake).cloned(), map.get(camel).cloned()) {
            (Some(v), None) => {
                map.insert(camel.into(), v);
                added = true;
            }
            (None, Some(v)) => {
                map.insert(snake.into(), v);
                added = true;
            }
            _ => {}
        }
    }
    if added {
        q.note(QuirkKind::DoubleSpelling);
    }
}

/// An Itniotech query page (`{"code", "msg", "data": {"records": [...], ...}}`).
pub(crate) fn itnio_page(
    q: &Quirks,
    seed: u64,
    route: &str,
    page: i64,
    first: usize,
    body: &mut Value,
) {
    if let Some(list) = body
        .pointer_mut("/data/records")
        .and_then(Value::as_array_mut)
    {
        records(q, seed, route, first, list, &ITNIO_TASK);
    }
    if page_variant(seed, route, page) {
        body["code"] = stringify(&body["code"]);
        body["data"]["orders"] = json!([]);
        body["data"]["optimizeCountSql"] = json!(true);
        q.note(QuirkKind::CodeSpelling);
        q.note(QuirkKind::ExtraField);
    } else {
        body["data"]["searchCount"] = Value::Null;
        q.note(QuirkKind::Null);
    }
}

/// An error answer of a list endpoint: `"data": {}` instead of no data.
pub(crate) fn error_data(q: &Quirks, body: &mut Value) {
    if let Some(map) = body.as_object_mut() {
        map.insert("data".into(), json!({}));
        q.note(QuirkKind::EmptyErrorData);
    }
}

/// An Itniotech error answer: `code` as a string and `"data": {}`.
pub(crate) fn itnio_error(q: &Quirks, body: &mut Value) {
    body["code"] = stringify(&body["code"]);
    q.note(QuirkKind::CodeSpelling);
    error_data(q, body);
}

/// Sobot's `errcode` / `errmsg` spelling of "token invalid".
pub(crate) fn sobot_token_invalid(q: &Quirks, code: &str, msg: &str) -> Value {
    q.note(QuirkKind::CodeSpelling);
    let code = code
        .parse::<i64>()
        .map_or_else(|_| json!(code), |n| json!(n));
    json!({"errcode": code, "errmsg": msg})
}

/// The events of a streamed answer in quirks mode, from the items normal mode would send
/// one per event (`{"data": [item], "retCode", "retMsg"}`).
///
/// - every event: one of `msgId` beside `msgid` in the item, `ret_code` / `ret_msg` beside
///   `retCode` / `retMsg`, or an extra field in the item (in turn);
/// - `ANSWER_INFO` / `PROCESS_INFO` items: no `robot_logo` nor `biz_id`, `delay` as a
///   string, `output_variable_infos: null`, `transfer_result: ""`;
/// - one unreadable event (truncated JSON or an array of numbers) after the first, or
///   before the only one.
pub(crate) fn stream_events(
    q: &Quirks,
    seed: u64,
    question: &str,
    items: &[Value],
    success: &str,
) -> Vec<Bytes> {
    let h = draw(seed, question);
    let mut events: Vec<Bytes> = Vec::with_capacity(items.len() + 1);
    for (i, item) in items.iter().enumerate() {
        let mut item = item.clone();
        let mut envelope = json!({"retCode": success, "retMsg": "success"});
        let info = matches!(
            item.get("robot_answer_message_type")
                .and_then(Value::as_str),
            Some("ANSWER_INFO" | "PROCESS_INFO")
        );
        if info && let Some(map) = item.as_object_mut() {
            map.remove("robot_logo");
            map.remove("biz_id");
            q.note(QuirkKind::MissingRequired);
            if let Some(d) = map.get_mut("delay") {
                *d = stringify(d);
                q.note(QuirkKind::WrongType);
            }
            map.insert("output_variable_infos".into(), Value::Null);
            q.note(QuirkKind::Null);
            map.insert("transfer_result".into(), json!(""));
            q.note(QuirkKind::EnumDrift);
        }
        match (h.wrapping_add(i as u64)) % 3 {
            0 => {
                if let Some(id) = item.get("msgid").cloned() {
                    item["msgId"] = id;
                    q.note(QuirkKind::DoubleSpelling);
                }
            }
            1 => double_spelling(q, &mut envelope),
            _ => {
                item["answer_source"] = json!("LLM");
                envelope["trace_id"] = json!(hex(seed, question, i as i64));
                q.note(QuirkKind::ExtraField);
            }
        }
        envelope["data"] = json!([item]);
        events.push(Bytes::from(format!("data: {envelope}\n\n")));
    }
    let at = if events.len() > 1 {
        1 + usize::try_from(h >> 8).unwrap_or(0) % (events.len() - 1)
    } else {
        0
    };
    let garbage = if (h >> 4).is_multiple_of(2) {
        "data: {\"robot_answer_message_type\":\n\n".to_owned()
    } else {
        format!("data: [{},{},{}]\n\n", h % 7, (h >> 3) % 11, (h >> 6) % 13)
    };
    events.insert(at, Bytes::from(garbage));
    q.note(QuirkKind::UnreadableEvent);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Value {
        json!({"taskId": 100_001, "numCnt": 5, "success": 3, "fail": 2, "asr": "60",
               "taskName": "x", "rate": "60%", "createdTime": "2026-01-01 00:01:00",
               "status": 2})
    }

    #[test]
    fn every_record_kind_appears_within_one_cycle_and_nothing_is_dropped() {
        let q = Quirks::new(true);
        let mut list: Vec<Value> = (0..20).map(|_| record()).collect();
        records(&q, 3, "/r", 5, &mut list, &ITNIO_TASK);
        assert_eq!(list.len(), 20);
        let counts = q.counts();
        for kind in [
            QuirkKind::WrongType,
            QuirkKind::MissingRequired,
            QuirkKind::Null,
            QuirkKind::TimestampForm,
            QuirkKind::EnumDrift,
            QuirkKind::ExtraField,
            QuirkKind::UnreadableRecord,
        ] {
            assert!(counts[&kind] > 0, "{kind} missing: {counts:?}");
        }
        assert_eq!(counts[&QuirkKind::UnreadableRecord], 1);
        assert_eq!(counts[&QuirkKind::TimestampForm], 4);
    }

    #[test]
    fn timestamps_convert_between_forms() {
        let secs = epoch_secs(&json!("2026-01-01 00:01:00"), TimeForm::Text);
        assert_eq!(secs, Some(1_767_225_660));
        assert_eq!(
            epoch_secs(&json!(1_767_225_660_123_i64), TimeForm::EpochMs),
            Some(1_767_225_660)
        );
        assert_eq!(numberify(&json!("plan-12"), 1), json!(12));
        assert_eq!(stringify(&json!(1260)), json!("1260"));
    }

    #[test]
    fn a_stream_keeps_every_event_and_adds_one_unreadable() {
        let q = Quirks::new(true);
        let items = vec![
            json!({"robot_answer_message_type": "MESSAGE", "msgid": "m", "answer": "a "}),
            json!({"robot_answer_message_type": "MESSAGE", "msgid": "m", "answer": "b"}),
            json!({"robot_answer_message_type": "ANSWER_INFO", "msgid": "m",
                   "robot_logo": "", "biz_id": "b", "delay": 0}),
        ];
        let events = stream_events(&q, 1, "hello", &items, "000000");
        assert_eq!(events.len(), 4);
        let unreadable = events
            .iter()
            .filter(|e| {
                let text = std::str::from_utf8(e).unwrap_or_default();
                let data = text.trim().trim_start_matches("data: ");
                !serde_json::from_str::<Value>(data).is_ok_and(|v| v.is_object())
            })
            .count();
        assert_eq!(unreadable, 1);
        assert_eq!(q.counts()[&QuirkKind::UnreadableEvent], 1);
    }
}

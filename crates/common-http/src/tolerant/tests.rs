use serde_json::json;

use super::*;
use crate::drift::{DriftLedger, scope};

fn read<T: Tolerant>(json: &Value) -> (Read<T>, Vec<(String, DriftKind)>) {
    let ledger = DriftLedger::new();
    let read =
        scope(&ledger, "op", || T::read(json, At::new("M.f"))).unwrap_or_else(|e| panic!("{e}"));
    let kinds = ledger
        .report()
        .into_iter()
        .map(|e| (e.path, e.kind))
        .collect();
    (read, kinds)
}

fn coerced() -> Vec<(String, DriftKind)> {
    vec![("M.f".to_owned(), DriftKind::TypeCoerced)]
}

#[test]
fn numbers_accept_their_text_and_record_it() {
    assert_eq!(read::<i64>(&json!(1260)), (Read::value(1260), vec![]));
    assert_eq!(read::<i64>(&json!("1260")), (Read::value(1260), coerced()));
    assert_eq!(read::<i64>(&json!("1e2")), (Read::value(100), coerced()));
    assert_eq!(read::<i32>(&json!("")), (Read::absent(), coerced()));
    assert_eq!(read::<i64>(&json!(null)), (Read::absent(), vec![]));
    // 64-bit ids stay exact; what does not fit is kept, not rounded.
    assert_eq!(
        read::<i64>(&json!(9_007_199_254_740_993_i64)).0,
        Read::value(9_007_199_254_740_993)
    );
    let (r, _) = read::<i32>(&json!(5_000_000_000_i64));
    assert_eq!(
        (r.value, r.kept),
        (None, Some(Box::new(json!(5_000_000_000_i64))))
    );
    let (r, kinds) = read::<i64>(&json!({"x": 1}));
    assert_eq!(
        (r.value, r.kept, kinds),
        (None, Some(Box::new(json!({"x": 1}))), coerced())
    );
}

#[test]
fn text_accepts_numbers_and_booleans_and_keeps_objects() {
    assert_eq!(
        read::<String>(&json!("a")),
        (Read::value("a".into()), vec![])
    );
    assert_eq!(
        read::<String>(&json!("")),
        (Read::value(String::new()), vec![])
    );
    assert_eq!(
        read::<String>(&json!(42)),
        (Read::value("42".into()), coerced())
    );
    assert_eq!(
        read::<String>(&json!(true)),
        (Read::value("true".into()), coerced())
    );
    let (r, kinds) = read::<String>(&json!([1, 2]));
    assert_eq!(
        (r.value, r.kept, kinds),
        (None, Some(Box::new(json!([1, 2]))), coerced())
    );
}

#[test]
fn booleans_accept_their_spellings() {
    assert_eq!(read::<bool>(&json!("true")), (Read::value(true), coerced()));
    assert_eq!(read::<bool>(&json!(0)), (Read::value(false), coerced()));
    assert_eq!(read::<bool>(&json!(false)), (Read::value(false), vec![]));
}

#[test]
fn timestamps_accept_text_epochs_and_empties() {
    assert_eq!(
        read::<Timestamp>(&json!("2026-06-17T10:00:00.000+08:00")).0,
        Read::value(Timestamp::new("2026-06-17T10:00:00.000+08:00"))
    );
    assert_eq!(
        read::<Timestamp>(&json!(1_767_225_600)),
        (
            Read::value(Timestamp::new("2026-01-01T00:00:00Z")),
            coerced()
        )
    );
    assert_eq!(
        read::<Timestamp>(&json!(1_767_225_600_123_i64)).0,
        Read::value(Timestamp::new("2026-01-01T00:00:00.123Z"))
    );
    assert_eq!(
        read::<Timestamp>(&json!("")),
        (Read::value(Timestamp::new("")), vec![])
    );
    assert_eq!(read::<Timestamp>(&json!(null)), (Read::absent(), vec![]));
}

#[test]
fn lists_accept_null_and_keep_unreadable_items() {
    assert_eq!(read::<Vec<i64>>(&json!(null)), (Read::absent(), vec![]));
    let (r, kinds) = read::<Vec<i64>>(&json!([1, "2", {"x": 3}, 4]));
    assert_eq!(r.value, Some(vec![1, 2, 4]));
    assert_eq!(r.kept, Some(Box::new(json!([{"x": 3}]))));
    assert_eq!(kinds, coerced(), "one entry, counted twice");
}

#[test]
fn maps_accept_json_text() {
    let (r, kinds) = read::<Map<String, Value>>(&json!("{\"token\":\"t\"}"));
    assert_eq!(r.value.map(Value::Object), Some(json!({"token": "t"})));
    assert_eq!(kinds, coerced());
    assert_eq!(read::<Map<String, Value>>(&json!(null)).0, Read::absent());
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Item {
    id: u32,
}

#[test]
fn unreadable_records_are_kept_raw_and_recorded() {
    let ledger = DriftLedger::new();
    let body = r#"[{"id":1},"not a record",{"id":{"x":1}},{"id":4}]"#;
    let records: Vec<Record<Item>> =
        scope(&ledger, "op", || serde_json::from_str(body)).unwrap_or_default();
    assert_eq!(records.len(), 4, "every record is kept");
    assert_eq!(records[0].typed(), Some(&Item { id: 1 }));
    assert_eq!(
        records[1].raw().map(RawRecord::json),
        Some("\"not a record\"")
    );
    assert_eq!(
        records[2].raw().map(RawRecord::json),
        Some(r#"{"id":{"x":1}}"#)
    );
    assert!(records[3].is_typed());
    // Serialised, the raw records are exactly as sent.
    assert_eq!(serde_json::to_string(&records).unwrap_or_default(), body);
    let report = ledger.report();
    assert_eq!(report.len(), 1);
    assert_eq!(
        (report[0].kind, report[0].count),
        (DriftKind::UnreadableRecord, 2)
    );
}

#[test]
fn the_strict_mode_turns_a_raw_record_into_an_error() {
    use futures::StreamExt;

    let records: Vec<Result<Record<Item>, crate::Error>> = vec![
        Ok(Record::Typed(Item { id: 1 })),
        Ok(Record::Raw(RawRecord {
            json: "\"not a record\"".into(),
            reason: "not an object".into(),
        })),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let strict: Vec<Result<Item, crate::Error>> =
        runtime.block_on(futures::stream::iter(records).strict().collect());
    assert_eq!(strict[0].as_ref().ok(), Some(&Item { id: 1 }));
    let err = strict[1].as_ref().err();
    assert!(err.is_some_and(crate::Error::is_decode));
    assert!(
        err.and_then(crate::Error::raw_body)
            .is_some_and(|b| b.contains("not a record"))
    );
}

#[test]
fn a_listing_sent_with_keep_json_keeps_every_record_exactly_as_sent() {
    #[derive(Debug, serde::Deserialize)]
    struct Listing {
        list: Vec<Record<Item>>,
    }
    // Spacing, an unknown key, an escape: the kept JSON is the text as sent.
    let body = r#"{"list":[ {"id": 1, "z":true} ,{"id":2,"n":"\u00e9"},"not a record"]}"#;
    let decode = || serde_json::from_str::<Listing>(body);
    let ledger = DriftLedger::new();
    let kept = scope(&ledger, "op", || {
        super::keeping_json(true, || super::read_listing(decode))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let json: Vec<Option<&str>> = kept.list.iter().map(Record::json).collect();
    assert_eq!(
        json,
        [
            Some(r#"{"id": 1, "z":true}"#),
            Some(r#"{"id":2,"n":"\u00e9"}"#),
            Some("\"not a record\"")
        ]
    );
    assert_eq!(kept.list[1].typed(), Some(&Item { id: 2 }));
    assert!(!kept.list[2].is_typed());
    // Without it, a read record keeps nothing (the common case costs no copy).
    let plain =
        scope(&ledger, "op", || super::read_listing(decode)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plain.list[0].json(), None);
    assert_eq!(plain.list[2].json(), Some("\"not a record\""));
}

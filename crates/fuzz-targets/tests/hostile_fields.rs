//! Wrong types in every field of every documented response example: for each fixture in
//! the vendor crates' `tests/fixtures/manifest.json` that the clients (or the inbound
//! server) decode from the network (`response` and `model` examples), every value at
//! every path is replaced by a string, a number, a bool, `null`, an array, an object and
//! hostile numbers (`1e400`, 2^70, `-0`, `1.5`), and the document is decoded as the type
//! the manifest maps it to, through the clients' own path (`decode_json`, then the
//! envelope's `into_result`).
//!
//! Every case must end in a value (lenient acceptance) or a typed decode or vendor error,
//! never a panic; the cases are counted so that none can be skipped silently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use common_http::{Bare, Envelope, Error};
use itnio_client as itnio;
use rokid_client as rokid;
use serde_json::Value;
use sobot_client as sobot;

/// The wrong values, as raw JSON text (`1e400` has no `serde_json::Value`).
const WRONG: &[&str] = &[
    r#""wrong type""#,
    "12345",
    "true",
    "null",
    "[1,\"a\"]",
    r#"{"unexpected":{"nested":[true]}}"#,
    "1e400",
    "1180591620717411303424",
    "-0",
    "1.5",
    "-9223372036854775809",
];

/// Stands in for the wrong value while the document is serialised.
const PLACEHOLDER: &str = "\u{1}wrong\u{1}";

/// Each vendor's fixtures directory (their home is the vendor crate's `tests/fixtures`,
/// each with its own `manifest.json`).
fn fixtures_dirs() -> Vec<PathBuf> {
    ["rokid", "sobot", "itnio"]
        .iter()
        .map(|v| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../{v}-client/tests/fixtures"))
        })
        .collect()
}

/// Decodes `body` as the client does for the manifest schema `schema`.
type Decode = fn(&[u8]) -> Result<(), Error>;

fn enveloped<E: Envelope>(body: &[u8]) -> Result<(), Error> {
    E::open(body).map(drop)
}

fn bare<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<(), Error> {
    enveloped::<Bare<T>>(body)
}

/// The decoder of each schema the manifest names for a response or model example; a
/// schema missing here fails the test (see `every_response_fixture_is_mutated`).
fn decoder(schema: &str) -> Option<Decode> {
    Some(match schema {
        "ItnioResponse<TaskPage>" => enveloped::<itnio::ItnioResponse<itnio::TaskPage>>,
        "RokidResponse<ChatLogPage>" => enveloped::<rokid::RokidResponse<rokid::ChatLogPage>>,
        "RokidResponse<WorkRecordPage>" => enveloped::<rokid::RokidResponse<rokid::WorkRecordPage>>,
        "SobotResponse<Vec<Answer>>" => enveloped::<sobot::SobotResponse<Vec<sobot::Answer>>>,
        "SobotResponse<Suggestion>" => enveloped::<sobot::SobotResponse<sobot::Suggestion>>,
        "SobotResponse<serde_json::Value>" => enveloped::<sobot::SobotResponse<Value>>,
        "SobotResponse<Session>" => enveloped::<sobot::SobotResponse<sobot::Session>>,
        "SobotResponse<Vec<DislikeLabel>>" => {
            enveloped::<sobot::SobotResponse<Vec<sobot::DislikeLabel>>>
        }
        "SobotResponse<Vec<SessionLabel>>" => {
            enveloped::<sobot::SobotResponse<Vec<sobot::SessionLabel>>>
        }
        "SobotResponse<PushInfo>" => enveloped::<sobot::SobotResponse<sobot::PushInfo>>,
        "SobotResponse<Vec<TimezoneInfo>>" => {
            enveloped::<sobot::SobotResponse<Vec<sobot::TimezoneInfo>>>
        }
        "SobotResponse<TokenItem>" => enveloped::<sobot::SobotResponse<sobot::TokenItem>>,
        "SobotResponse<Vec<AiRobot>>" => enveloped::<sobot::SobotResponse<Vec<sobot::AiRobot>>>,
        "SobotResponse<Vec<ReceptionRecord>>" => {
            enveloped::<sobot::SobotResponse<Vec<sobot::ReceptionRecord>>>
        }
        "SobotResponse<Vec<Audience>>" => enveloped::<sobot::SobotResponse<Vec<sobot::Audience>>>,
        "AnswerVariableInfo" => bare::<sobot::AnswerVariableInfo>,
        "Session" => bare::<sobot::Session>,
        "OpenInterfaceInfo" => bare::<sobot::OpenInterfaceInfo>,
        "OpenProcessInfo" => bare::<sobot::OpenProcessInfo>,
        "PushData" => bare::<sobot::PushData>,
        "PushInfo" => bare::<sobot::PushInfo>,
        "QaInfo" => bare::<sobot::QaInfo>,
        "QuestionRequest" => bare::<sobot::QuestionRequest>,
        "Answer" => bare::<sobot::Answer>,
        "Suggestion" => bare::<sobot::Suggestion>,
        "AgentRequest" => bare::<sobot::AgentRequest>,
        "AgentAnswer" => bare::<sobot::AgentAnswer>,
        _ => return None,
    })
}

/// A step of a path into a JSON document.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every path of `value` below the root (object members and array elements, containers
/// included).
fn paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(Step::Key(key.clone()));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

/// The number of paths, counted independently of [`paths`].
fn count_paths(value: &Value) -> usize {
    match value {
        Value::Object(map) => map.values().map(|v| 1 + count_paths(v)).sum(),
        Value::Array(items) => items.iter().map(|v| 1 + count_paths(v)).sum(),
        _ => 0,
    }
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |node, step| match step {
        Step::Key(key) => &mut node[key.as_str()],
        Step::Index(i) => &mut node[*i],
    })
}

/// The document with the value at `path` replaced by the raw JSON `wrong`.
fn mutated(document: &Value, path: &[Step], wrong: &str) -> String {
    let mut copy = document.clone();
    *at(&mut copy, path) = Value::String(PLACEHOLDER.to_owned());
    let placeholder = serde_json::to_string(PLACEHOLDER).unwrap();
    let text = serde_json::to_string(&copy).unwrap();
    assert_eq!(text.matches(&placeholder).count(), 1, "{path:?}");
    text.replacen(&placeholder, wrong, 1)
}

#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    expected: usize,
    accepted: usize,
    rejected: usize,
}

#[test]
fn every_response_fixture_is_mutated_in_every_field_with_every_wrong_type() {
    let manifest: Vec<(PathBuf, Value)> = fixtures_dirs()
        .into_iter()
        .flat_map(|dir| {
            let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
            let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
            entries.into_iter().map(move |e| (dir.clone(), e))
        })
        .collect();
    let mut tally = Tally::default();
    let mut fixtures = 0;
    for (dir, entry) in &manifest {
        let kind = entry["kind"].as_str().unwrap();
        if kind != "response" && kind != "model" {
            continue;
        }
        fixtures += 1;
        let file = entry["file"].as_str().unwrap();
        let schema = entry["schema"].as_str().unwrap();
        let decode = decoder(schema).unwrap_or_else(|| panic!("{file}: no decoder for {schema}"));
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        // The unmutated example decodes: the decoder is the right one.
        decode(document.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{file}: the example itself fails: {e}"));
        let mut all = Vec::new();
        paths(&document, &mut Vec::new(), &mut all);
        tally.expected += count_paths(&document) * WRONG.len();
        for path in &all {
            for wrong in WRONG {
                let body = mutated(&document, path, wrong);
                let outcome = catch_unwind(AssertUnwindSafe(|| decode(body.as_bytes())));
                let Ok(result) = outcome else {
                    panic!("{file}: decoding panicked with {path:?} = {wrong}");
                };
                match result {
                    Ok(()) => tally.accepted += 1,
                    Err(error) => {
                        assert!(
                            error.is_decode() || error.is_api(),
                            "{file}: {path:?} = {wrong}: not a typed decode error: {error:?}"
                        );
                        assert!(!error.to_string().is_empty());
                        tally.rejected += 1;
                    }
                }
                tally.cases += 1;
            }
        }
    }
    assert_eq!(fixtures, 30, "response and model examples in the manifest");
    assert_eq!(tally.cases, tally.expected, "{tally:?}");
    assert!(tally.cases > 5_000, "{tally:?}");
    // Both outcomes occur: the decoders really ran, and they are neither all-accepting
    // nor all-rejecting.
    assert!(tally.accepted > 0 && tally.rejected > 0, "{tally:?}");
}

//! Every JSON example of the vendor docs (each vendor crate's `tests/fixtures`, see the
//! `manifest.json` there) against the generated types:
//!
//! 1. it deserialises into the type the manifest names (the type in this file must be
//!    that type: the test compares them);
//! 2. the typed value is snapshotted (tests/snapshots);
//! 3. re-serialising it loses no field the example had (compared as JSON values; the only
//!    differences allowed are the renames the specs document with `x-aliases`, lenient
//!    scalars such as `"86400"` read as a number, and `null` written as absent);
//! 4. the query-string examples encode back to exactly the documented query string;
//! 5. every field a model serialises is in its `WIRE_FIELDS` (agentctl's CSV columns).
//!
//! A fixture is named here `<vendor>/<file>` (its vendor and its manifest name).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use itnio_client as itnio;
use rokid_client as rokid;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sobot_client as sobot;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Every vendor's manifest entries, `file` and `query` named `<vendor>/<file>`.
fn manifest() -> Vec<Value> {
    let mut all = Vec::new();
    for vendor in workspace_tests::FIXTURE_VENDORS {
        let path = workspace_tests::fixtures_dir(vendor).join("manifest.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
        for mut entry in entries {
            assert_eq!(entry["vendor"], vendor, "{}", path.display());
            for key in ["file", "query"] {
                if let Some(name) = entry[key].as_str() {
                    entry[key] = Value::from(format!("{vendor}/{name}"));
                }
            }
            all.push(entry);
        }
    }
    all
}

fn read_fixture(file: &str) -> String {
    std::fs::read_to_string(workspace_tests::fixture_path(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Groups of wire names the specs declare equivalent (`ret_code` with `retCode`, …).
fn alias_groups() -> Vec<BTreeSet<String>> {
    fn walk(node: &serde_yaml_ng::Value, groups: &mut Vec<BTreeSet<String>>) {
        match node {
            serde_yaml_ng::Value::Mapping(map) => {
                if let Some(serde_yaml_ng::Value::Mapping(props)) = map.get("properties") {
                    for (name, prop) in props {
                        let aliases = prop.get("x-aliases").and_then(|a| a.as_sequence());
                        if let (Some(name), Some(aliases)) = (name.as_str(), aliases) {
                            let mut group: BTreeSet<String> = aliases
                                .iter()
                                .filter_map(|a| a.as_str().map(str::to_owned))
                                .collect();
                            group.insert(name.to_owned());
                            groups.push(group);
                        }
                    }
                }
                for value in map.values() {
                    walk(value, groups);
                }
            }
            serde_yaml_ng::Value::Sequence(seq) => seq.iter().for_each(|v| walk(v, groups)),
            _ => {}
        }
    }
    let mut groups = Vec::new();
    for vendor in ["rokid", "sobot", "itnio"] {
        let path = root().join(format!("../crates/{vendor}-client/openapi.yaml"));
        let spec: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        walk(&spec, &mut groups);
    }
    groups
}

/// Scalars equal as values, or as text when one side is the lenient form of the other.
fn scalar_eq(a: &Value, b: &Value) -> bool {
    fn text(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    if a == b {
        return true;
    }
    match (text(a), text(b)) {
        (Some(x), Some(y)) => {
            x == y || matches!((x.parse::<f64>(), y.parse::<f64>()), (Ok(p), Ok(q)) if p == q)
        }
        _ => false,
    }
}

/// Every field of `original` is in `written` (under its name or a documented alias).
fn assert_lossless(original: &Value, written: &Value, groups: &[BTreeSet<String>], path: &str) {
    match (original, written) {
        (Value::Object(orig), Value::Object(out)) => {
            for (key, value) in orig {
                let here = format!("{path}.{key}");
                let candidates: Vec<&str> = groups
                    .iter()
                    .find(|g| g.contains(key))
                    .map(|g| {
                        std::iter::once(key.as_str())
                            .chain(g.iter().map(String::as_str))
                            .collect()
                    })
                    .unwrap_or_else(|| vec![key.as_str()]);
                match candidates.iter().find_map(|k| out.get(*k)) {
                    Some(found) => assert_lossless(value, found, groups, &here),
                    None if value.is_null() => {}
                    None => panic!("{here} was lost on re-serialisation (had {value})"),
                }
            }
        }
        (Value::Array(orig), Value::Array(out)) => {
            assert_eq!(orig.len(), out.len(), "{path}: array length changed");
            for (i, (a, b)) in orig.iter().zip(out).enumerate() {
                assert_lossless(a, b, groups, &format!("{path}[{i}]"));
            }
        }
        (Value::Null, _) => {}
        (a, b) => assert!(scalar_eq(a, b), "{path}: {a} was written back as {b}"),
    }
}

fn decode<T: DeserializeOwned>(file: &str, text: &str) -> T {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de)
        .unwrap_or_else(|e| panic!("{file}: at `{}`: {}", e.path(), e.inner()))
}

/// Deserialise, snapshot and round-trip one fixture; `type_name` must be the manifest's.
fn check<T: DeserializeOwned + Serialize + std::fmt::Debug>(file: &str, type_name: &str) {
    let entry = manifest()
        .into_iter()
        .find(|e| e["file"] == file)
        .unwrap_or_else(|| panic!("{file} is not in the manifest"));
    let stripped: String = type_name
        .replace(' ', "")
        .replace("rokid::", "")
        .replace("sobot::", "")
        .replace("itnio::", "");
    assert_eq!(
        entry["schema"].as_str(),
        Some(stripped.as_str()),
        "{file}: the test's type is not the manifest's"
    );
    let text = read_fixture(file);
    // The documented example is exactly what the spec says: reading it tolerantly records
    // no drift, and keeps nothing undocumented.
    let ledger = common_http::DriftLedger::new();
    let typed: T = common_http::drift::scope(&ledger, file, || decode(file, &text));
    assert!(
        ledger.is_empty(),
        "{file}: the documented example drifts from the spec: {:?}",
        ledger.report()
    );
    assert!(
        !format!("{typed:?}").contains("undocumented: {\""),
        "{file}: the documented example has undocumented fields: {typed:?}"
    );
    let name = file.trim_end_matches(".json").replace('/', "__");
    insta::with_settings!({
        snapshot_path => root().join("snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_debug_snapshot!(name, typed);
    });
    let original: Value = serde_json::from_str(&text).unwrap();
    let written = serde_json::to_value(&typed).unwrap();
    assert_lossless(&original, &written, &alias_groups(), "$");
    // What we write, we read back to the same typed value.
    let again: T = decode(file, &serde_json::to_string(&written).unwrap());
    assert_eq!(
        format!("{again:?}"),
        format!("{typed:?}"),
        "{file}: second round trip differs"
    );
}

macro_rules! fixtures {
    ($( $test:ident: $file:literal => $ty:ty; )*) => {
        $(
            #[test]
            fn $test() {
                check::<$ty>($file, stringify!($ty));
            }
        )*

        /// The list above and the manifest name the same fixtures.
        #[test]
        fn every_fixture_in_the_manifest_is_tested() {
            let listed: BTreeSet<&str> = [$($file),*].into_iter().collect();
            let manifest: BTreeSet<String> = manifest()
                .iter()
                .map(|e| e["file"].as_str().unwrap().to_owned())
                .collect();
            let manifest: BTreeSet<&str> = manifest.iter().map(String::as_str).collect();
            assert_eq!(listed, manifest);
        }
    };
}

fixtures! {
    itnio_list_group_call_tasks_request: "itnio/list_group_call_tasks.request.json" => itnio::TaskQueryRequest;
    itnio_list_group_call_tasks_response: "itnio/list_group_call_tasks.response.json" => itnio::ItnioResponse<itnio::TaskPage>;
    rokid_list_chat_logs_request: "rokid/list_chat_logs.request.json" => rokid::ListChatLogsRequest;
    rokid_list_chat_logs_response: "rokid/list_chat_logs.response.json" => rokid::RokidResponse<rokid::ChatLogPage>;
    rokid_list_work_records_request: "rokid/list_work_records.request.json" => rokid::ListWorkRecordsRequest;
    rokid_list_work_records_response: "rokid/list_work_records.response.json" => rokid::RokidResponse<rokid::WorkRecordPage>;
    sobot_answer_request: "sobot/answer.request.json" => sobot::AskRequest;
    sobot_answer_response: "sobot/answer.response.json" => sobot::SobotResponse<Vec<sobot::Answer>>;
    sobot_answer_no_stream_request: "sobot/answer_no_stream.request.json" => sobot::AskRequest;
    sobot_answer_no_stream_response: "sobot/answer_no_stream.response.json" => sobot::SobotResponse<Vec<sobot::Answer>>;
    sobot_answer_suggest_request: "sobot/answer_suggest.request.json" => sobot::QuestionRequest;
    sobot_answer_suggest_response: "sobot/answer_suggest.response.json" => sobot::SobotResponse<sobot::Suggestion>;
    sobot_answer_variable_info_model: "sobot/answer_variable_info.model.json" => sobot::AnswerVariableInfo;
    sobot_answer_with_call_back_request: "sobot/answer_with_call_back.request.json" => sobot::QuestionRequest;
    sobot_answer_with_call_back_response: "sobot/answer_with_call_back.response.json" => sobot::SobotResponse<serde_json::Value>;
    sobot_ask_init_response: "sobot/ask_init.response.json" => sobot::SobotResponse<sobot::Session>;
    sobot_end_session_response: "sobot/end_session.response.json" => sobot::SobotResponse<serde_json::Value>;
    sobot_get_label_info_list_response: "sobot/get_label_info_list.response.json" => sobot::SobotResponse<Vec<sobot::DislikeLabel>>;
    sobot_get_labels_response: "sobot/get_labels.response.json" => sobot::SobotResponse<Vec<sobot::SessionLabel>>;
    sobot_get_push_info_response: "sobot/get_push_info.response.json" => sobot::SobotResponse<sobot::PushInfo>;
    sobot_get_timezone_info_response: "sobot/get_timezone_info.response.json" => sobot::SobotResponse<Vec<sobot::TimezoneInfo>>;
    sobot_get_token_request: "sobot/get_token.request.json" => sobot::FetchTokenRequest;
    sobot_get_token_response: "sobot/get_token.response.json" => sobot::SobotResponse<sobot::TokenItem>;
    sobot_init_resp_vo_model: "sobot/init_resp_vo.model.json" => sobot::Session;
    sobot_open_interface_info_model: "sobot/open_interface_info.model.json" => sobot::OpenInterfaceInfo;
    sobot_open_process_info_model: "sobot/open_process_info.model.json" => sobot::OpenProcessInfo;
    sobot_push_data_model: "sobot/push_data.model.json" => sobot::PushData;
    sobot_push_info_model: "sobot/push_info.model.json" => sobot::PushInfo;
    sobot_qa_info_model: "sobot/qa_info.model.json" => sobot::QaInfo;
    sobot_query_ai_robot_list_response: "sobot/query_ai_robot_list.response.json" => sobot::SobotResponse<Vec<sobot::AiRobot>>;
    sobot_record_list_request: "sobot/record_list.request.json" => sobot::RecordListParams;
    sobot_record_list_response: "sobot/record_list.response.json" => sobot::SobotResponse<Vec<sobot::ReceptionRecord>>;
    sobot_robot_answer_req_vo_model: "sobot/robot_answer_req_vo.model.json" => sobot::QuestionRequest;
    sobot_robot_answer_resp_vo_model: "sobot/robot_answer_resp_vo.model.json" => sobot::Answer;
    sobot_robot_answer_suggest_resp_vo_model: "sobot/robot_answer_suggest_resp_vo.model.json" => sobot::Suggestion;
    sobot_simple_list_response: "sobot/simple_list.response.json" => sobot::SobotResponse<Vec<sobot::Audience>>;
    sobot_source_list_request: "sobot/source_list.request.json" => sobot::SourceListParams;
    sobot_source_list_response: "sobot/source_list.response.json" => sobot::SobotResponse<Vec<sobot::AiRobot>>;
    sobot_third_algorithm_req_vo_model: "sobot/third_algorithm_req_vo.model.json" => sobot::AgentRequest;
    sobot_third_algorithm_resp_vo_model: "sobot/third_algorithm_resp_vo.model.json" => sobot::AgentAnswer;
}

/// The documented query strings, rebuilt from the typed request, byte for byte.
#[test]
fn query_examples_encode_exactly_like_the_docs() {
    let mut checked = 0;
    for entry in manifest() {
        let Some(query_file) = entry["query"].as_str() else {
            continue;
        };
        let file = entry["file"].as_str().unwrap();
        let text = read_fixture(file);
        let expected = read_fixture(query_file).trim_end().to_owned();
        let encoded = match entry["schema"].as_str().unwrap() {
            "ListWorkRecordsRequest" => decode::<rokid::ListWorkRecordsRequest>(file, &text)
                .describe()
                .map(|s| s.encoded_query()),
            "ListChatLogsRequest" => decode::<rokid::ListChatLogsRequest>(file, &text)
                .describe()
                .map(|s| s.encoded_query()),
            "FetchTokenRequest" => decode::<sobot::FetchTokenRequest>(file, &text)
                .describe()
                .map(|s| s.encoded_query()),
            other => panic!("{file}: no query check for {other}"),
        };
        assert_eq!(encoded.unwrap(), expected, "{file}");
        checked += 1;
    }
    assert_eq!(checked, 3, "the docs have three query-string examples");
}

/// Extra fields anywhere, and enum values the docs do not list, must not break a client.
#[test]
fn unknown_fields_and_enum_values_still_deserialise() {
    fn add_extra_fields(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.values_mut().for_each(add_extra_fields);
                map.insert("fieldFromTheFuture".into(), Value::from(42));
            }
            Value::Array(items) => items.iter_mut().for_each(add_extra_fields),
            _ => {}
        }
    }
    fn with_extras(file: &str) -> String {
        let mut value: Value = serde_json::from_str(&read_fixture(file)).unwrap();
        add_extra_fields(&mut value);
        value.to_string()
    }

    let f = "rokid/list_work_records.response.json";
    let mut value: Value = serde_json::from_str(&with_extras(f)).unwrap();
    value["data"]["list"][0]["taskProgress"] = Value::from(99);
    let page: rokid::RokidResponse<rokid::WorkRecordPage> = decode(f, &value.to_string());
    let record = page.data.unwrap().list[0].clone().into_typed().unwrap();
    assert_eq!(record.task_progress, Some(rokid::TaskProgress::Unknown(99)));
    assert_eq!(
        serde_json::to_value(record.task_progress).unwrap(),
        Value::from(99)
    );

    let f = "itnio/list_group_call_tasks.response.json";
    let mut value: Value = serde_json::from_str(&with_extras(f)).unwrap();
    value["data"]["records"][0]["status"] = Value::from(7);
    let page: itnio::ItnioResponse<itnio::TaskPage> = decode(f, &value.to_string());
    assert_eq!(
        page.data.unwrap().records[0].typed().unwrap().status,
        Some(itnio::TaskStatus::Unknown(7))
    );

    let f = "sobot/robot_answer_resp_vo.model.json";
    let mut value: Value = serde_json::from_str(&with_extras(f)).unwrap();
    let key = ["robot_answer_message_type", "robotAnswerMessageType"]
        .into_iter()
        .find(|k| value.get(*k).is_some())
        .expect("the example has a message type");
    value[key] = Value::from("HOLOGRAM");
    let answer: sobot::Answer = decode(f, &value.to_string());
    let written = serde_json::to_value(&answer).unwrap();
    assert!(written.to_string().contains("\"HOLOGRAM\""), "{written}");

    for entry in manifest() {
        let file = entry["file"].as_str().unwrap();
        if file.starts_with("sobot/") && entry["schema"] == "AgentRequest" {
            let _: sobot::AgentRequest = decode(file, &with_extras(file));
        }
    }
}

/// Every value of every enum in the specs (written from the docs' enum tables) is in the
/// generated code, in the enum of the same name.
#[test]
fn every_documented_enum_value_is_generated() {
    let mut missing = BTreeMap::new();
    let mut enums = 0;
    for vendor in ["rokid", "sobot", "itnio"] {
        let crate_dir = root().join(format!("../crates/{vendor}-client"));
        let spec: serde_yaml_ng::Value = serde_yaml_ng::from_str(
            &std::fs::read_to_string(crate_dir.join("openapi.yaml")).unwrap(),
        )
        .unwrap();
        let generated: String = ["enums.rs", "models.rs", "mod.rs"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(crate_dir.join("src/generated").join(f)).ok())
            .collect();
        let schemas = spec["components"]["schemas"].as_mapping().unwrap();
        for (name, schema) in schemas {
            let Some(values) = schema.get("enum").and_then(|v| v.as_sequence()) else {
                continue;
            };
            enums += 1;
            let name = name.as_str().unwrap();
            let start = generated
                .find(&format!("pub enum {name} "))
                .unwrap_or_else(|| panic!("{vendor}: enum {name} is not generated"));
            // The enum and its impls come before the next `pub enum`.
            let rest = &generated[start + 1..];
            let end = rest
                .find("pub enum ")
                .map_or(generated.len(), |i| start + 1 + i);
            let body = &generated[start..end];
            for value in values {
                let literal = match value {
                    serde_yaml_ng::Value::String(s) => format!("{s:?}"),
                    serde_yaml_ng::Value::Number(n) => n.to_string(),
                    other => panic!("{vendor}.{name}: odd enum value {other:?}"),
                };
                if !body.contains(&literal) {
                    missing
                        .entry(format!("{vendor}.{name}"))
                        .or_insert_with(Vec::new)
                        .push(literal);
                }
            }
        }
    }
    assert!(enums >= 20, "only {enums} enums found in the specs");
    assert!(
        missing.is_empty(),
        "enum values missing from generated code: {missing:?}"
    );
}

/// Every field a model serialises (read from the vendor docs' examples) is in its
/// `WIRE_FIELDS`, which are agentctl's CSV columns: an export never drops a field.
#[test]
fn wire_fields_cover_every_documented_field() {
    fn covers<T: DeserializeOwned + Serialize>(file: &str, pointer: &str, fields: &[&str]) {
        let doc: Value = serde_json::from_str(&read_fixture(file)).unwrap();
        let example = doc
            .pointer(pointer)
            .cloned()
            .unwrap_or_else(|| panic!("{file}: nothing at {pointer}"));
        let typed: T = decode(file, &example.to_string());
        let Value::Object(map) = serde_json::to_value(typed).unwrap() else {
            panic!("{file}{pointer} is not an object");
        };
        assert!(map.len() > 1, "{file}{pointer}");
        for key in map.keys() {
            assert!(
                fields.contains(&key.as_str()),
                "{file}{pointer}: `{key}` is not in WIRE_FIELDS"
            );
        }
    }
    covers::<rokid::WorkRecord>(
        "rokid/list_work_records.response.json",
        "/data/list/0",
        rokid::WorkRecord::WIRE_FIELDS,
    );
    covers::<rokid::ChatLog>(
        "rokid/list_chat_logs.response.json",
        "/data/list/0",
        rokid::ChatLog::WIRE_FIELDS,
    );
    covers::<itnio::GroupCallTask>(
        "itnio/list_group_call_tasks.response.json",
        "/data/records/0",
        itnio::GroupCallTask::WIRE_FIELDS,
    );
    covers::<sobot::ReceptionRecord>(
        "sobot/record_list.response.json",
        "/data/0",
        sobot::ReceptionRecord::WIRE_FIELDS,
    );
    covers::<sobot::AiRobot>(
        "sobot/query_ai_robot_list.response.json",
        "/data/0",
        sobot::AiRobot::WIRE_FIELDS,
    );
    covers::<sobot::TimezoneInfo>(
        "sobot/get_timezone_info.response.json",
        "/data/0",
        sobot::TimezoneInfo::WIRE_FIELDS,
    );
    covers::<sobot::SessionLabel>(
        "sobot/get_labels.response.json",
        "/data/0",
        sobot::SessionLabel::WIRE_FIELDS,
    );
    covers::<sobot::DislikeLabel>(
        "sobot/get_label_info_list.response.json",
        "/data/0",
        sobot::DislikeLabel::WIRE_FIELDS,
    );
    covers::<sobot::Audience>(
        "sobot/simple_list.response.json",
        "/data/0",
        sobot::Audience::WIRE_FIELDS,
    );
    covers::<sobot::Answer>(
        "sobot/robot_answer_resp_vo.model.json",
        "",
        sobot::Answer::WIRE_FIELDS,
    );
    covers::<sobot::QaInfo>("sobot/qa_info.model.json", "", sobot::QaInfo::WIRE_FIELDS);
}

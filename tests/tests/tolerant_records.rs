//! Records read tolerantly: a page whose records drift from the document (numbers as
//! text, missing documented fields, nulls, epoch and empty timestamps, empty enums, ids as
//! numbers, two spellings of a field) is read whole, nothing is lost, one record that
//! cannot be read at all is kept raw, and each deviation is counted once per path.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use futures::TryStreamExt;
use httpmock::MockServer;
use rokid_client::{ChatLogType, DriftKind, Record, RetryPolicy, RokidClient};
use serde_json::json;
use sobot_client::SobotClient;

fn rokid(server: &MockServer) -> RokidClient {
    RokidClient::builder()
        .api_key("k")
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// (path, kind) -> count, for the client's operations.
fn drift(report: &[rokid_client::DriftEntry]) -> BTreeMap<(String, DriftKind), u64> {
    report
        .iter()
        .map(|e| ((e.path.clone(), e.kind), e.count))
        .collect()
}

#[tokio::test]
async fn a_drifting_page_is_read_whole_and_every_deviation_is_counted() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/ar/assistant/openapi/chatLog/page");
            then.status(200).json_body(json!({
                "code": 0, "message": "OK", "success": true,
                "data": {"pageNum": "1", "pageSize": 10, "total": 5, "list": [
                    // A number sent as text, an epoch-milliseconds time, an unknown field.
                    {"id": 1, "type": 0, "costTime": "1260", "gmtCreated": 1_767_225_600_000_i64,
                     "traceId": "t-1"},
                    // A documented-required field missing, `null` and `""` values.
                    {"id": 2, "costTime": 99, "questionContent": null, "gmtCreated": ""},
                    // A record that cannot be read at all: kept raw.
                    "not a record",
                    // An empty enum, another text number, an id as text.
                    {"id": "4", "type": "", "costTime": "7", "gmtCreated": 1_767_225_600},
                    // The id as an object: it keys the record, so the record is kept raw.
                    {"id": {"value": 5}, "type": 1}
                ]}
            }));
        })
        .await;
    let client = rokid(&server);
    let records: Vec<Record<_>> = client
        .list_chat_logs()
        .by_item()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(records.len(), 5, "every record is there");

    let first = records[0].typed().unwrap();
    assert_eq!(first.cost_time, Some(1260));
    assert_eq!(
        first.gmt_created.as_ref().map(|t| t.raw()),
        Some("2026-01-01T00:00:00Z")
    );
    assert_eq!(first.undocumented.get("traceId"), Some(&json!("t-1")));

    let second = records[1].typed().unwrap();
    assert_eq!(
        second.log_type,
        ChatLogType::Unknown(0),
        "missing: the empty value"
    );
    assert_eq!(second.question_content, None);
    assert_eq!(second.gmt_created.as_ref().map(|t| t.raw()), Some(""));

    assert_eq!(records[2].raw().unwrap().json(), "\"not a record\"");

    let fourth = records[3].typed().unwrap();
    assert_eq!((fourth.id, fourth.cost_time), (4, Some(7)));

    let fifth = records[4].raw().unwrap();
    assert_eq!(fifth.value(), json!({"id": {"value": 5}, "type": 1}));

    let counts = drift(&client.drift().report());
    let expected: BTreeMap<(String, DriftKind), u64> = [
        (("ChatLog.costTime", DriftKind::TypeCoerced), 2),
        (("ChatLog.gmtCreated", DriftKind::TypeCoerced), 2),
        (("ChatLog.traceId", DriftKind::UnknownField), 1),
        (("ChatLog.type", DriftKind::MissingField), 1),
        (("ChatLog.type", DriftKind::TypeCoerced), 1),
        // "4" read as 4, and the object kept unread (its record kept raw).
        (("ChatLog.id", DriftKind::TypeCoerced), 2),
        (("ChatLogPage.pageNum", DriftKind::TypeCoerced), 1),
        (("ChatLogPage.list", DriftKind::UnreadableRecord), 2),
    ]
    .into_iter()
    .map(|((p, k), n)| ((p.to_owned(), k), n))
    .collect();
    assert_eq!(counts, expected);
    assert!(
        client
            .drift()
            .report()
            .iter()
            .all(|e| e.operation == "list_chat_logs")
    );
}

#[tokio::test]
async fn null_lists_and_both_spellings_of_a_field_are_read() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).json_body(json!({
                "ret_code": "000000", "ret_msg": "success",
                "item": {"token": "t", "expires_in": "86400"}
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/answer_no_stream");
            then.status(200).json_body(json!({
                "ret_code": "000000", "ret_msg": "success",
                "data": [{
                    "robot_answer_type": "QA_DIRECT", "robot_answer_message_type": "ANSWER_INFO",
                    "answer": "Hi", "msgid": "m-1", "msgId": "m-1", "roundid": "r",
                    "ai_agent_cid": "c", "biz_id": "b", "robot_name": "n", "robot_logo": "",
                    "robotid": "1", "robot_status": "ENABLE", "delay": "0",
                    "variable_value_enums": null, "output_variable_infos": null
                }]
            }));
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let request = sobot_client::AskRequest::builder()
        .question("hi")
        .show_question("hi")
        .input_type_enum(sobot_client::InputTypeEnum::Input)
        .biz_id("b")
        .biz_type(sobot_client::BizType::Text)
        .biz_type_id("1")
        .robotid("1")
        .msg_type(sobot_client::MsgType::Text)
        .source_enum(sobot_client::SourceEnum::Pc)
        .build()
        .unwrap();
    let answers = client.ask(request).send().await.unwrap();
    assert_eq!(answers[0].msgid, "m-1");
    assert_eq!(answers[0].variable_value_enums, None);
    assert_eq!(answers[0].undocumented.get("msgId"), Some(&json!("m-1")));
    let kinds: Vec<(String, DriftKind)> = client
        .drift()
        .report()
        .into_iter()
        .map(|e| (e.path, e.kind))
        .collect();
    assert!(
        kinds.contains(&(
            "RobotAnswerRespVo.msgid".to_owned(),
            DriftKind::DuplicateField
        )),
        "{kinds:?}"
    );
}

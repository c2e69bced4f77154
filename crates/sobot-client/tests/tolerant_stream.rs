//! A streamed answer read tolerantly: one event that cannot be read is handed on as an
//! `Unreadable` item and the answer goes on; an answer information event missing
//! documented fields is still read; `MESSAGE` items keep their workflow and card fields.
#![allow(clippy::unwrap_used)]

use futures::TryStreamExt;
use httpmock::MockServer;
use serde_json::json;
use sobot_client::{AnswerEvent, DriftKind, SobotClient};

async fn answering(body: String) -> (MockServer, SobotClient) {
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
        .mock_async(move |when, then| {
            when.path("/ai-agent-open/ask/answer");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(body);
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .build()
        .unwrap();
    (server, client)
}

fn event(data: &str) -> String {
    format!("data: {data}\n\n")
}

async fn events(client: &SobotClient) -> Vec<AnswerEvent> {
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
    client
        .ask_stream(request)
        .send()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unreadable_event_is_handed_on_and_the_answer_goes_on() {
    let body = [
        event(r#"{"robot_answer_message_type":"MESSAGE","answer":"Hel","msgid":"m1"}"#),
        event(r#"{"robot_answer_message_type":"#),
        event("[1,2,3]"),
        event(r#"{"robot_answer_message_type":"MESSAGE","answer":"lo","msgid":"m1"}"#),
    ]
    .concat();
    let (_server, client) = answering(body).await;
    let events = events(&client).await;
    let texts: String = events.iter().filter_map(AnswerEvent::text).collect();
    assert_eq!(
        texts, "Hello",
        "the chunks around the bad events are all there"
    );
    let unreadable: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            AnswerEvent::Unreadable(u) => Some(u.data.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(unreadable, [r#"{"robot_answer_message_type":"#, "[1,2,3]"]);
    let report = client.drift().report();
    let unreadable = report
        .iter()
        .find(|e| e.kind == DriftKind::UnreadableEvent)
        .unwrap();
    assert_eq!(
        (unreadable.operation.as_str(), unreadable.count),
        ("ask_stream", 2)
    );
}

#[tokio::test]
async fn an_info_event_missing_documented_fields_is_read() {
    // No robot_logo, biz_id, robot_name, robot_status, delay...: documented as required.
    let body = event(
        r#"{"robot_answer_message_type":"ANSWER_INFO","robot_answer_type":"QA_DIRECT","answer":"Hi","msgid":"m1","roundid":"r1","ai_agent_cid":"c1","robotid":"1"}"#,
    );
    let (_server, client) = answering(body).await;
    let events = events(&client).await;
    match events.as_slice() {
        [AnswerEvent::Info(info)] => {
            assert_eq!(info.answer.as_deref(), Some("Hi"));
            assert_eq!(info.robot_logo, "");
            assert_eq!(info.delay, 0);
        }
        other => panic!("{other:?}"),
    }
    let missing: Vec<String> = client
        .drift()
        .report()
        .into_iter()
        .filter(|e| e.kind == DriftKind::MissingField)
        .map(|e| e.path)
        .collect();
    assert!(
        missing.contains(&"RobotAnswerRespVo.robot_logo".to_owned()),
        "{missing:?}"
    );
}

#[tokio::test]
async fn message_items_keep_their_workflow_and_card_fields() {
    let body = event(
        &json!({
            "robot_answer_message_type": "MESSAGE",
            "answer": "Pick one",
            "msgid": "m1",
            "process_id": "p1",
            "node_id": "n1",
            "variable_value_enums": ["Refund", "Exchange"],
            "interface_info": {"cardStyle": "1", "interfaceId": "i1", "futureKey": 7}
        })
        .to_string(),
    );
    let (_server, client) = answering(body).await;
    let events = events(&client).await;
    let [AnswerEvent::Message(chunk)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(chunk.process_id.as_deref(), Some("p1"));
    assert_eq!(chunk.node_id.as_deref(), Some("n1"));
    assert_eq!(
        chunk.variable_value_enums.as_deref(),
        Some(&["Refund".to_owned(), "Exchange".to_owned()][..])
    );
    let info = chunk.interface_info.as_ref().unwrap();
    assert_eq!(info.undocumented.get("futureKey"), Some(&json!(7)));
}

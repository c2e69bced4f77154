//! The click helpers against the document's own examples ("Button message interaction in
//! task workflow", "Task Flow Node Message Interaction"), and the conversation helper.
#![allow(clippy::unwrap_used)]

mod common;

use httpmock::MockServer;
use serde_json::{Value, json};
use sobot_client::workflow::{
    card_click, card_click_raw, process_card_click, process_card_click_raw, process_click,
};
use sobot_client::{Answer, AskRequest, BizType, InputTypeEnum, MsgType, SobotClient, SourceEnum};

fn fixture_json(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The streaming answer example's answer (with workflow enum data and a card).
fn documented_answer() -> Answer {
    serde_json::from_value(fixture_json("answer.response.json")["data"][0].clone()).unwrap()
}

fn base_request() -> AskRequest {
    common::ask_request("x", "29967d81d67f4a708e8bd7d8f6356447")
}

/// Drops `null` members, so that "absent" and "null" compare equal (the typed models do
/// not keep explicit nulls of optional fields).
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

#[test]
fn process_click_fills_process_info_as_the_document_says() {
    let mut answer = documented_answer();
    answer.variable_value_enums = Some(vec!["variableValue".into(), "other".into()]);
    let request = process_click(base_request(), &answer, "variableValue").unwrap();
    assert_eq!(request.input_type_enum, InputTypeEnum::ProcessClick);
    // The request example's process_info, built from the answer example's ids.
    let expected = fixture_json("answer.request.json")["process_info"].clone();
    assert_eq!(
        serde_json::to_value(&request.process_info).unwrap(),
        expected
    );
    assert_eq!(request.question, "variableValue");
    // A value that is not offered, or an answer without workflow data: invalid request.
    let err = process_click(base_request(), &answer, "nope").unwrap_err();
    assert!(err.is_invalid_request());
    let mut plain = documented_answer();
    plain.process_id = None;
    plain.node_id = None;
    plain.variable_id = None;
    assert!(
        process_click(base_request(), &plain, "x")
            .unwrap_err()
            .is_invalid_request()
    );
    assert!(
        card_click(&plain, 0, Some("test"))
            .unwrap_err()
            .is_invalid_request()
    );
    plain.interface_info = None;
    plain.process_id = Some("p".into());
    plain.node_id = Some("n".into());
    assert!(
        card_click(&plain, 0, None)
            .unwrap_err()
            .is_invalid_request()
    );
}

/// The document's show_question example, as an answer's interface_info (cardStyle as
/// returned, "1").
const SHOW_QUESTION_EXAMPLE: &str = r#"{"cardStyle":"0","cardType":"1","cardForm":"1","cardGuide":"hello world","customCards":[{"customCardName":{"variableId":"123","paramValue":"meta70"},"customCardHeader":[{"no:":{"variableId":null,"paramValue":"1"}}],"customCardNum":null,"customField":[{"info:":{"variableId":"789","paramValue":"meta70"}}],"customCardThumbnail":{"variableId":null,"paramValue":"https://A.jpg"},"customCardAmount":{"variableId":null,"paramValue":"3999"},"customCardAmountSymbol":null,"customCardDesc":{"variableId":null,"paramValue":"phone"},"customCardType":null,"customCardLink":null,"paramInfos":[{"variableId":null,"paramValue":"1"},{"variableId":"456","paramValue":"meta70"},{"variableId":null,"paramValue":"3999"},{"variableId":null,"paramValue":"phone"},{"variableId":null,"paramValue":"https://A.jpg"}],"customMenus":[{"menuType":0,"menuName":"test","menuLink":null}]}]}"#;

#[test]
fn card_click_builds_show_question_and_question_as_documented() {
    let shown: Value = serde_json::from_str(SHOW_QUESTION_EXAMPLE).unwrap();
    // The answer as returned: cardStyle "1" and a second card that was not clicked.
    let mut returned = shown.clone();
    returned["cardStyle"] = json!("1");
    let other_card = {
        let mut c = returned["customCards"][0].clone();
        c["customCardName"]["paramValue"] = json!("other");
        c
    };
    returned["customCards"] = json!([other_card, shown["customCards"][0].clone()]);
    let mut answer = documented_answer();
    answer.process_id = Some("123".into());
    answer.node_id = Some("456".into());
    answer.interface_info = Some(serde_json::from_value(returned.clone()).unwrap());

    let click = card_click(&answer, 1, Some("test")).unwrap();
    // show_question: cardStyle "0", only the clicked card, everything else unchanged.
    let show: Value = serde_json::from_str(&click.show_question).unwrap();
    assert_eq!(without_nulls(show), without_nulls(shown));
    // interface_info: the whole object with cardStyle "0".
    let mut expected_info = returned;
    expected_info["cardStyle"] = json!("0");
    assert_eq!(
        without_nulls(serde_json::to_value(&click.interface_info).unwrap()),
        without_nulls(expected_info)
    );
    // question: one entry per paramInfos element, in order, nulls kept.
    let question: Value = serde_json::from_str(&click.question).unwrap();
    let items = question.as_array().unwrap();
    assert_eq!(items.len(), 5);
    // The exact text, in the documented key order.
    assert!(
        click.question.starts_with(
            r#"[{"processId":"123","nodeId":"456","variableId":null,"variableValue":"1","customCardButtonName":"test"},"#
        ),
        "{}",
        click.question
    );
    assert_eq!(items[1]["variableId"], "456");

    // A card without a button of that name, or beyond the list: invalid request.
    assert!(
        card_click(&answer, 1, Some("nope"))
            .unwrap_err()
            .is_invalid_request()
    );
    assert!(
        card_click(&answer, 2, Some("test"))
            .unwrap_err()
            .is_invalid_request()
    );
}

/// "Leave other fields unchanged": what the server sent in `interface_info` (explicit
/// `null`s, keys this version does not know) goes back as sent, in `show_question` and in
/// the card-click fields; only `cardStyle` and the list of cards change.
#[test]
fn a_card_click_sends_back_the_servers_nulls_and_unknown_keys() {
    let shown: Value = serde_json::from_str(SHOW_QUESTION_EXAMPLE).unwrap();
    let mut clicked = shown["customCards"][0].clone();
    clicked["customCardBadge"] = json!({"text": null, "level": 2});
    let mut other = clicked.clone();
    other["customCardName"]["paramValue"] = json!("other");
    let mut returned = shown.clone();
    returned["cardStyle"] = json!("1");
    returned["cardTheme"] = Value::Null;
    returned["cardFooter"] = json!({"text": "more", "link": null});
    returned["customCards"] = json!([other, clicked.clone()]);
    // The answer as the server sent it; the typed `Answer` cannot keep all of it.
    let mut raw_answer = fixture_json("answer.response.json")["data"][0].clone();
    raw_answer["process_id"] = json!("123");
    raw_answer["node_id"] = json!("456");
    raw_answer["interface_info"] = returned.clone();
    let answer: Answer = serde_json::from_value(raw_answer.clone()).unwrap();

    let click = card_click_raw(&answer, &raw_answer["interface_info"], 1, Some("test")).unwrap();
    let mut expected_info = returned.clone();
    expected_info["cardStyle"] = json!("0");
    assert_eq!(
        Value::Object(click.interface_info_json.clone()),
        expected_info
    );
    let mut expected_shown = expected_info.clone();
    expected_shown["customCards"] = json!([clicked]);
    let show: Value = serde_json::from_str(&click.show_question).unwrap();
    assert_eq!(show, expected_shown);
    assert_eq!(
        click.question,
        card_click(&answer, 1, Some("test")).unwrap().question
    );

    // The request carries it in show_question, as sent.
    let request = process_card_click_raw(
        base_request(),
        &answer,
        &raw_answer["interface_info"],
        1,
        None,
    )
    .unwrap();
    let body = serde_json::to_value(&request).unwrap();
    let sent: Value = serde_json::from_str(body["show_question"].as_str().unwrap()).unwrap();
    assert_eq!(sent, expected_shown);
    assert_eq!(body["input_type_enum"], "PROCESS_CARD_CLICK");
    assert_eq!(body["interface_info"]["cardStyle"], "0");

    // The document's own show_question example, nulls included, comes out as printed.
    let mut one_card = shown;
    one_card["cardStyle"] = json!("1");
    let click = card_click_raw(&answer, &one_card, 0, Some("test")).unwrap();
    assert_eq!(click.show_question, SHOW_QUESTION_EXAMPLE);

    // No card data, or not an object: invalid request.
    for info in [Value::Null, json!("text"), json!([1])] {
        assert!(
            card_click_raw(&answer, &info, 0, None)
                .unwrap_err()
                .is_invalid_request()
        );
    }
}

#[test]
fn the_documented_question_example_is_reproduced_exactly() {
    // The "Question Description" example: one paramInfos entry {null, "3"}, button "test".
    let mut answer = documented_answer();
    answer.process_id = Some("123".into());
    answer.node_id = Some("456".into());
    let mut info = fixture_json("answer.response.json")["data"][0]["interface_info"].clone();
    info["customCards"][0]["paramInfos"] = json!([{"variableId": null, "paramValue": "3"}]);
    answer.interface_info = Some(serde_json::from_value(info).unwrap());
    let request = process_card_click(base_request(), &answer, 0, Some("test")).unwrap();
    assert_eq!(
        request.question,
        r#"[{"processId":"123","nodeId":"456","variableId":null,"variableValue":"3","customCardButtonName":"test"}]"#
    );
    assert_eq!(request.input_type_enum, InputTypeEnum::ProcessCardClick);
    assert_eq!(
        request
            .interface_info
            .as_ref()
            .map(|i| i.card_style.as_str()),
        Some("0")
    );
    let body = serde_json::to_value(&request).unwrap();
    assert_eq!(body["input_type_enum"], "PROCESS_CARD_CLICK");
    assert!(body["show_question"].is_string());
}

#[tokio::test]
async fn a_conversation_inits_once_carries_the_chat_id_and_ends() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200)
                .json_body(fixture_json("get_token.response.json"));
        })
        .await;
    let init = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/ask_init")
                .query_param("robotid", "1")
                .query_param("bizid", "a97e877ad6b9403bbf945401ea331111");
            then.status(200)
                .json_body(fixture_json("ask_init.response.json"));
        })
        .await;
    // The first question carries ask_init's chat id and session fields.
    let first = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/answer_no_stream")
                .json_body_includes(
                    r#"{"ai_agent_cid":"17ad7f4ab65b4aedadb3b72caf6a86cd","biz_id":"a97e877ad6b9403bbf945401ea331111","biz_type":"AI_AGENT","biz_type_id":"1000045","robotid":"1","question":"hello","uid":"visitor"}"#,
                );
            then.status(200)
                .json_body(fixture_json("answer_no_stream.response.json"));
        })
        .await;
    // Later questions carry the chat id the answers returned.
    let second = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/answer_no_stream")
                .json_body_includes(
                    r#"{"ai_agent_cid":"12dec883b46d48a5808ea143379b7014","question":"again"}"#,
                );
            then.status(200)
                .json_body(fixture_json("answer_no_stream.response.json"));
        })
        .await;
    let end = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/end_session")
                .query_param("ai_agent_cid", "12dec883b46d48a5808ea143379b7014");
            then.status(200)
                .json_body(fixture_json("end_session.response.json"));
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let mut chat = client
        .conversation("1", "a97e877ad6b9403bbf945401ea331111")
        .uid("visitor");
    let answers = chat.ask("hello").await.unwrap();
    assert_eq!(answers[0].answer.as_deref(), Some("Customer service"));
    chat.ask("again").await.unwrap();
    assert!(chat.ask("").await.unwrap_err().is_invalid_request());
    chat.end().await.unwrap();
    assert_eq!(init.calls_async().await, 1);
    assert_eq!(first.calls_async().await, 1);
    assert_eq!(second.calls_async().await, 1);
    assert_eq!(end.calls_async().await, 1);
    // Ending twice sends nothing more.
    chat.end().await.unwrap();
    assert_eq!(end.calls_async().await, 1);
}

/// A streamed answer's chat id is what the next question carries, as for a plain answer.
#[tokio::test]
async fn a_streamed_answer_records_the_chat_id_for_the_next_question() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200)
                .json_body(fixture_json("get_token.response.json"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/ask_init");
            then.status(200)
                .json_body(fixture_json("ask_init.response.json"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/answer");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(concat!(
                    "data: {\"robot_answer_message_type\":\"MESSAGE\",\"answer\":\"Hi\",",
                    "\"msgid\":\"m1\",\"ai_agent_cid\":\"cid-from-the-stream\"}\n\n",
                ));
        })
        .await;
    let next = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/answer_no_stream")
                .json_body_includes(r#"{"ai_agent_cid":"cid-from-the-stream"}"#);
            then.status(200)
                .json_body(fixture_json("answer_no_stream.response.json"));
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let mut chat = client.conversation("1", "a97e877ad6b9403bbf945401ea331111");
    let text = chat.ask_stream("hello").await.unwrap().collect_text().await;
    assert_eq!(text.unwrap(), "Hi");
    assert_eq!(chat.ai_agent_cid().as_deref(), Some("cid-from-the-stream"));
    chat.ask("again").await.unwrap();
    assert_eq!(next.calls_async().await, 1);
}

/// A request with several required texts is built by name; a missing one is named, and
/// nothing is sent.
#[test]
fn a_builder_names_the_missing_required_field() {
    let err = AskRequest::builder()
        .question("hello")
        .show_question("hello")
        .input_type_enum(InputTypeEnum::Input)
        .biz_type(BizType::Text)
        .biz_type_id("1000016")
        .robotid("1")
        .msg_type(MsgType::Text)
        .source_enum(SourceEnum::Pc)
        .build()
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    assert!(err.to_string().contains("`biz_id`"), "{err}");
    let request = AskRequest::builder()
        .question("hello")
        .show_question("hello")
        .input_type_enum(InputTypeEnum::Input)
        .biz_id("visitor")
        .biz_type(BizType::Text)
        .biz_type_id("1000016")
        .robotid("1")
        .msg_type(MsgType::Text)
        .source_enum(SourceEnum::Pc)
        .build()
        .unwrap()
        .uid("u-1");
    assert_eq!(request.biz_id, "visitor");
    assert_eq!(request.uid.as_deref(), Some("u-1"));
    let shown = format!("{:?}", AskRequest::builder().question("secret question"));
    assert!(!shown.contains("secret question"), "{shown}");
}

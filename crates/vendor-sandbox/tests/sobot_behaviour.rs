//! The Sobot behaviours the document describes, emulated: `delay > 0` followed by pushes
//! (`NODE_OVER_TIME`, `SESSION_OVER_TIME`, `ROBOT_ANSWER`), `ERROR` and `ERROR_END`
//! events, and a card click answered with the clicked card's next node.
#![allow(clippy::unwrap_used)]

mod common;

use common::{ANSWER_NO_STREAM, PUSH, Raw, question};
use serde_json::{Value, json};
use vendor_sandbox::{Sandbox, SobotPush, sobot_questions};

async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .records(10)
        .stream_pace(std::time::Duration::ZERO)
        .start()
        .await
        .unwrap()
}

/// The items of the streamed events, in order.
fn items_of(events: &[Value]) -> Vec<Value> {
    events.iter().map(|e| e["data"][0].clone()).collect()
}

fn kinds(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i["robot_answer_message_type"].as_str().unwrap())
        .collect()
}

/// The information item (`ANSWER_INFO` / `PROCESS_INFO`) of a streamed answer.
fn info_of(items: &[Value]) -> Value {
    items
        .iter()
        .find(|i| {
            matches!(
                i["robot_answer_message_type"].as_str(),
                Some("ANSWER_INFO" | "PROCESS_INFO")
            )
        })
        .cloned()
        .unwrap()
}

/// Polls `get_push_info` for `msgid`: the answers, first to last.
async fn polls(raw: &Raw<'_>, msgid: &str, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(raw.get(PUSH, &[("msgid", msgid)]).await);
    }
    out
}

#[tokio::test]
async fn a_delayed_answer_is_followed_by_its_push_after_a_nothing_yet() {
    let sb = sandbox().await;
    let raw = Raw::new(&sb).await;
    for (text, push_type, message_type) in [
        (
            sobot_questions::NODE_TIMEOUT,
            "NODE_OVER_TIME",
            "PROCESS_INFO",
        ),
        (
            sobot_questions::SESSION_TIMEOUT,
            "SESSION_OVER_TIME",
            "ANSWER_INFO",
        ),
        (
            sobot_questions::PUSHED_ANSWER,
            "ROBOT_ANSWER",
            "ANSWER_INFO",
        ),
    ] {
        let items = items_of(&raw.stream(&question(&format!("{text}, please"))).await);
        let info = info_of(&items);
        assert_eq!(info["robot_answer_message_type"], message_type, "{info}");
        assert!(info["delay"].as_i64().unwrap() > 0, "{info}");
        let msgid = info["msgid"].as_str().unwrap();
        let answers = polls(&raw, msgid, 3).await;
        // First "nothing yet": a success without data.
        assert_eq!(answers[0]["ret_code"], "000000", "{}", answers[0]);
        assert!(answers[0].get("data").is_none_or(Value::is_null));
        // Then the push, the same on every later poll.
        let push = &answers[1]["data"];
        assert_eq!(answers[1]["ret_code"], "000000");
        assert_eq!(push, &answers[2]["data"]);
        assert_eq!(push["push_type"], push_type, "{push}");
        assert_eq!(push["msgid"], msgid);
        assert_eq!(push["bizid"], "biz-1");
        let typed: sobot_client::PushInfo = serde_json::from_value(push.clone()).unwrap();
        assert_eq!(typed.msgid, msgid);
        if push_type == "ROBOT_ANSWER" {
            // "Push answer, data data is List<RobotAnswerRespVo>".
            let answers = push["data"].as_array().unwrap();
            assert_eq!(answers.len(), 1);
            let answer: sobot_client::Answer = serde_json::from_value(answers[0].clone()).unwrap();
            assert_eq!(
                answer.answer.as_deref(),
                Some("Here is the answer you were waiting for.")
            );
        } else {
            let data: sobot_client::PushData =
                serde_json::from_value(push["data"].clone()).unwrap();
            assert_eq!(data.ai_agent_cid, "cid-1");
            assert_eq!(push["data"]["polling_status"], "POLLING_END");
            assert_eq!(push["data"]["source_enum"], "PC");
            assert_eq!(push["data"]["uid"], "visitor-1");
            assert!(!push["data"]["msg"].as_str().unwrap().is_empty());
        }
    }
    // A plain question has no delay and nothing to push.
    let items = items_of(&raw.stream(&question("hello")).await);
    let info = info_of(&items);
    assert_eq!(info["delay"], 0);
    let unknown = raw
        .get(PUSH, &[("msgid", info["msgid"].as_str().unwrap())])
        .await;
    assert_ne!(unknown["ret_code"], "000000");
}

#[tokio::test]
async fn the_push_switch_delays_every_plain_answer_streamed_or_not() {
    let sb = Sandbox::builder()
        .records(10)
        .sobot_push(Some(SobotPush::SessionOverTime))
        .sobot_push_delay(3)
        .sobot_push_nothing_yet(0)
        .start()
        .await
        .unwrap();
    let raw = Raw::new(&sb).await;
    let plain = raw.post(ANSWER_NO_STREAM, &question("hello")).await;
    let info = &plain["data"][0];
    assert_eq!(info["delay"], 3, "{plain}");
    let push = raw
        .get(PUSH, &[("msgid", info["msgid"].as_str().unwrap())])
        .await;
    assert_eq!(push["data"]["push_type"], "SESSION_OVER_TIME", "{push}");
    sb.set_sobot_push(Some(SobotPush::RobotAnswer));
    let items = items_of(&raw.stream(&question("hello")).await);
    let msgid = info_msgid(&items);
    let push = raw.get(PUSH, &[("msgid", &msgid)]).await;
    assert_eq!(push["data"]["push_type"], "ROBOT_ANSWER", "{push}");
    sb.set_sobot_push(None);
    let items = items_of(&raw.stream(&question("hello")).await);
    assert_eq!(info_of(&items)["delay"], 0);
}

fn info_msgid(items: &[Value]) -> String {
    info_of(items)["msgid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_parsing_error_is_an_error_event_and_the_answer_goes_on() {
    let sb = sandbox().await;
    let raw = Raw::new(&sb).await;
    let items = items_of(&raw.stream(&question("show me a parsing error")).await);
    let kinds = kinds(&items);
    let at = kinds.iter().position(|k| *k == "ERROR").unwrap();
    assert_eq!(kinds.iter().filter(|k| **k == "ERROR").count(), 1);
    assert!(kinds[..at].contains(&"MESSAGE"), "{kinds:?}");
    assert!(kinds[at + 1..].contains(&"MESSAGE"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"ANSWER_INFO"), "{kinds:?}");
    let _: sobot_client::Answer = serde_json::from_value(items[at].clone()).unwrap();
}

#[tokio::test]
async fn an_abnormal_end_is_error_end_and_ends_the_chat() {
    let sb = sandbox().await;
    let raw = Raw::new(&sb).await;
    let items = items_of(&raw.stream(&question("an abnormal end now")).await);
    let kinds = kinds(&items);
    assert_eq!(kinds.last(), Some(&"ERROR_END"), "{kinds:?}");
    assert!(kinds.contains(&"MESSAGE"));
    assert!(!kinds.contains(&"ANSWER_INFO"));
    // The chat is over: the next question in it ends at once, streamed or not.
    let items = items_of(&raw.stream(&question("hello?")).await);
    assert_eq!(kinds_of(&items), ["ERROR_END"]);
    let plain = raw.post(ANSWER_NO_STREAM, &question("hello?")).await;
    assert_ne!(plain["ret_code"], "000000", "{plain}");
}

fn kinds_of(items: &[Value]) -> Vec<String> {
    kinds(items).into_iter().map(str::to_owned).collect()
}

#[tokio::test]
async fn a_card_click_answers_with_the_clicked_cards_next_node() {
    let sb = sandbox().await;
    let raw = Raw::new(&sb).await;
    let items = items_of(&raw.stream(&question("show me a card")).await);
    let offer = info_of(&items);
    let cards = offer["interface_info"]["customCards"].as_array().unwrap();
    assert_eq!(cards.len(), 2, "{offer}");
    let mut next_nodes = Vec::new();
    for (index, card) in cards.iter().enumerate() {
        // The click as the document builds it: cardStyle 0, only the clicked card kept,
        // the question a list made from the card's paramInfos.
        let mut shown = offer["interface_info"].clone();
        shown["cardStyle"] = json!("0");
        shown["customCards"] = json!([card]);
        let clicked: Vec<Value> = card["paramInfos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                json!({
                    "processId": offer["process_id"], "nodeId": offer["node_id"],
                    "variableId": p["variableId"], "variableValue": p["paramValue"],
                    "customCardButtonName": "Buy"
                })
            })
            .collect();
        let mut click = question(&serde_json::to_string(&clicked).unwrap());
        click["input_type_enum"] = json!("PROCESS_CARD_CLICK");
        click["msg_type"] = json!("TEXT");
        click["show_question"] = json!(shown.to_string());
        click["interface_info"] = shown;
        let plain = raw.post(ANSWER_NO_STREAM, &click).await;
        let next = &plain["data"][0];
        assert_eq!(next["robot_answer_message_type"], "PROCESS_INFO", "{plain}");
        assert_eq!(next["robot_answer_type"], "PROCESS_DOING");
        assert_eq!(next["process_id"], offer["process_id"]);
        let name = card["customCardName"]["paramValue"].as_str().unwrap();
        assert!(
            next["answer"].as_str().unwrap().contains(name),
            "{index}: {next}"
        );
        assert!(!next["variable_value_enums"].as_array().unwrap().is_empty());
        next_nodes.push(next["node_id"].as_str().unwrap().to_owned());
        // Streamed, the same node.
        let streamed = info_of(&items_of(&raw.stream(&click).await));
        assert_eq!(streamed["node_id"], next["node_id"]);
    }
    assert_ne!(
        next_nodes[0], next_nodes[1],
        "each card has its own next node"
    );
    assert!(
        next_nodes
            .iter()
            .all(|n| n != offer["node_id"].as_str().unwrap())
    );
}

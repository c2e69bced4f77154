//! Node-timeout polling through a `Conversation` (streamed and not) against httpmock on
//! 127.0.0.1: an answer with `delay > 0` owes a polling of `get_push_info` with its
//! `msgid`, "nothing yet" (success without data) keeps it going, pushes arrive typed, and
//! the hand-over decision of a pushed answer. The waits go through an injected sleeper
//! that moves an injected clock: nothing really sleeps.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::FixedClock;
use futures::TryStreamExt as _;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};
use sobot_client::{
    HandOver, Push, PushKind, PushPolling, SleepFuture, Sleeper, SobotClient, TransferResult,
};

/// Moves the clock instead of sleeping, and remembers each wait.
#[derive(Debug)]
struct MovingSleeper {
    clock: Arc<FixedClock>,
    slept: Mutex<Vec<Duration>>,
}

impl Sleeper for MovingSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.clock.advance(duration);
        self.slept.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn setup() -> (MockServer, SobotClient, Arc<MovingSleeper>) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/get_token");
            then.status(200).body(fixture("get_token.response.json"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/ai-agent-open/ask/ask_init");
            then.status(200).body(fixture("ask_init.response.json"));
        })
        .await;
    let clock = FixedClock::at(1_700_000_000);
    let sleeper = Arc::new(MovingSleeper {
        clock: clock.clone(),
        slept: Mutex::new(Vec::new()),
    });
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .clock(clock)
        .sleeper(sleeper.clone())
        .build()
        .unwrap();
    (server, client, sleeper)
}

fn answer(message_type: &str, delay: i64, msgid: &str) -> Value {
    json!({
        "robot_answer_type": "PROCESS_DOING", "robot_answer_message_type": message_type,
        "answer": "Anything else?", "transfer_result": "NO_ACTION", "roundid": "r1",
        "msgid": msgid, "ai_agent_cid": "c1", "biz_id": "b1", "robot_name": "bot",
        "robot_logo": "", "robotid": "1", "robot_status": "ENABLE", "delay": delay
    })
}

fn robot_answer_push(msgid: &str) -> Value {
    let mut pushed = answer("ANSWER_INFO", 0, "m-pushed");
    pushed["answer"] = json!("No answer in time: connecting you to an agent.");
    pushed["robot_answer_type"] = json!("PROCESS_END");
    pushed["transfer_result"] = json!("PROCESS_NODE_TRANSFER");
    json!({
        "data": {"msgid": msgid, "bizid": "b1", "push_type": "ROBOT_ANSWER", "data": [pushed]},
        "ret_code": "000000", "ret_msg": "success"
    })
}

#[tokio::test]
async fn a_delayed_answer_owes_a_polling_that_delivers_typed_pushes() {
    let (server, client, sleeper) = setup().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ai-agent-open/ask/answer_no_stream");
            then.status(200).json_body(json!({
                "data": [answer("PROCESS_INFO", 3, "m-delayed")],
                "ret_code": "000000", "ret_msg": "success"
            }));
        })
        .await;
    // Nothing pushed yet: a success without data.
    let nothing = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ai-agent-open/ask/get_push_info")
                .query_param("msgid", "m-delayed");
            then.status(200)
                .json_body(json!({"ret_code": "000000", "ret_msg": "success"}));
        })
        .await;
    let mut chat = client
        .conversation("1", "b1")
        .push_polling(PushPolling::default().grace(Duration::ZERO));
    let answers = chat.ask("I need to check something").await.unwrap();
    assert_eq!(answers[0].delay, 3);
    let mut pushes = chat.pending_pushes().unwrap().unwrap();
    // Taken once.
    assert!(chat.pending_pushes().unwrap().is_none());
    // Polls at 0, 1, 2 and 3 s (delay 3 s, no grace), nothing pushed: the stream ends.
    assert!(pushes.try_next().await.unwrap().is_none());
    assert_eq!(nothing.calls_async().await, 4);
    assert_eq!(
        *sleeper.slept.lock().unwrap(),
        vec![Duration::from_secs(1); 3]
    );
    nothing.delete_async().await;

    // Again, and this time the push is there.
    let answers = chat.ask("I need to check something").await.unwrap();
    assert_eq!(answers.len(), 1);
    let push_mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ai-agent-open/ask/get_push_info")
                .query_param("msgid", "m-delayed");
            then.status(200).json_body(robot_answer_push("m-delayed"));
        })
        .await;
    let pushes: Vec<Push> = all_pending(&mut chat).await;
    assert_eq!(push_mock.calls_async().await, 1);
    assert_eq!(pushes.len(), 1);
    let push = &pushes[0];
    assert!(matches!(&push.kind, PushKind::RobotAnswer(p) if p.answers.len() == 1));
    assert_eq!(push.msgid, "m-delayed");
    assert_eq!(
        push.text().as_deref(),
        Some("No answer in time: connecting you to an agent.")
    );
    assert_eq!(
        push.hand_over(),
        HandOver::Required(TransferResult::ProcessNodeTransfer)
    );
    // An answer without a delay owes nothing.
    assert!(chat.pending_pushes().unwrap().is_none());
}

#[tokio::test]
async fn a_streamed_delayed_answer_owes_a_polling_too() {
    let (server, client, _sleeper) = setup().await;
    let chunk = {
        let mut c = answer("MESSAGE", 0, "m-s");
        c["answer"] = json!("Anything else?");
        c
    };
    let body = format!(
        "data: {}\n\ndata: {}\n\n",
        json!({"data": [chunk], "retCode": "000000", "retMsg": "success"}),
        json!({"data": [answer("ANSWER_INFO", 2, "m-s")], "retCode": "000000", "retMsg": "success"}),
    );
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/ai-agent-open/ask/answer");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(body);
        })
        .await;
    let push_mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ai-agent-open/ask/get_push_info")
                .query_param("msgid", "m-s");
            then.status(200).json_body(json!({
                "data": {"msgid": "m-s", "bizid": "b1", "push_type": "NODE_OVER_TIME",
                         "data": {"msgid": "m-s", "bizid": "b1", "ai_agent_cid": "c1",
                                  "round_id": "r1", "msg": "Are you still there?",
                                  "source_enum": "PC", "polling_id": "p1",
                                  "polling_status": "POLLING_END"}},
                "ret_code": "000000", "ret_msg": "success"
            }));
        })
        .await;
    let mut chat = client.conversation("1", "b1");
    let collected = chat
        .ask_stream("hello")
        .await
        .unwrap()
        .collect_answer()
        .await
        .unwrap();
    assert_eq!(collected.text, "Anything else?");
    let pushes: Vec<Push> = all_pending(&mut chat).await;
    assert_eq!(push_mock.calls_async().await, 1);
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].push_type(), "NODE_OVER_TIME");
    assert!(pushes[0].is_final());
    assert_eq!(pushes[0].text().as_deref(), Some("Are you still there?"));
    assert_eq!(pushes[0].hand_over(), HandOver::NotNeeded);
}

/// Every push of the polling `chat`'s last delayed answer started (there must be one).
async fn all_pending(chat: &mut sobot_client::Conversation) -> Vec<Push> {
    chat.pending_pushes()
        .unwrap()
        .expect("a delayed answer to poll")
        .try_collect()
        .await
        .unwrap()
}

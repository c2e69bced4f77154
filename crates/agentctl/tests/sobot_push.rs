//! `agentctl sobot callback` (`answer_with_call_back`) and `sobot push` (`get_push_info`,
//! once or polled) against an in-process sandbox.
#![allow(clippy::unwrap_used)]

mod common;

use common::{normal_sandbox, ok};
use serde_json::Value;
use vendor_sandbox::SOBOT_ROBOT_IDS;

const ROBOT: &str = SOBOT_ROBOT_IDS[0];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_is_acknowledged_and_its_push_is_read_back() {
    let sandbox = normal_sandbox().await;
    // Where the answer is delivered: a local port (what it receives is the sandbox's
    // business, not the tool's).
    let hook = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", hook.local_addr().unwrap());
    let out = ok(
        &sandbox,
        &[
            "sobot", "callback", "--robot", ROBOT, "--url", &url, "--source", "app", "ping",
        ],
        "json",
    )
    .await;
    let ack: Value = serde_json::from_str(&out).unwrap();
    let msgid = ack["msgid"].as_str().unwrap().to_owned();
    assert!(!msgid.is_empty(), "{ack}");
    let sent = sandbox.received("answer_with_call_back").unwrap();
    assert_eq!(sent["call_back_url"], url.as_str(), "{sent}");
    assert_eq!(sent["question"], "ping", "{sent}");
    assert_eq!(sent["msg_type"], "TEXT", "{sent}");
    assert_eq!(sent["source_enum"], "APP", "{sent}");

    // Once, as sent.
    let out = ok(&sandbox, &["sobot", "push", "--msgid", &msgid], "json").await;
    let pushes: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(pushes.len(), 1, "{out}");
    assert_eq!(pushes[0]["push_type"], "ROBOT_ANSWER", "{out}");
    assert_eq!(pushes[0]["msgid"], msgid.as_str(), "{out}");
    let asked = sandbox.last_request("get_push_info").unwrap();
    assert!(
        asked
            .query_pairs()
            .iter()
            .any(|(k, v)| k == "msgid" && *v == msgid),
        "{asked:?}"
    );
    // For people.
    let text = ok(&sandbox, &["sobot", "push", "--msgid", &msgid], "table").await;
    assert!(
        text.contains("[pushed answer: ROBOT_ANSWER, POLLING_END]"),
        "{text}"
    );
    assert!(text.contains("You said: ping"), "{text}");
    // Polled as after an answer with a delay: the final push ends the polling at once.
    let before = sandbox.count("/ai-agent-open/ask/get_push_info");
    let out = ok(
        &sandbox,
        &[
            "sobot",
            "push",
            "--msgid",
            &msgid,
            "--delay",
            "5",
            "--poll-interval",
            "10ms",
        ],
        "jsonl",
    )
    .await;
    assert_eq!(out.lines().count(), 1, "{out}");
    assert_eq!(
        sandbox.count("/ai-agent-open/ask/get_push_info"),
        before + 1
    );
    drop(hook);
}

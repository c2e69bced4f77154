//! What follows an answer in `agentctl sobot ask` / `chat`: the node-timeout polling an
//! answer with `delay > 0` starts (its pushes printed), and the hand-over decision of an
//! answer that hands the visitor to a human (the sandbox forwarding the question to the
//! example agent of `serve-agent`, which answers "talk to a human" with a transfer intent).
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;

use common::{agentctl, agentctl_for, normal_sandbox, ok};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use vendor_sandbox::{SOBOT_ROBOT_IDS, Sandbox, SobotPush, sobot_questions};

const ROBOT: &str = SOBOT_ROBOT_IDS[0];
const PUSH_INFO: &str = "/ai-agent-open/ask/get_push_info";
/// Polls fast: the sandbox answers "nothing yet" once, then the push.
const FAST: [&str; 2] = ["--poll-interval", "10ms"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_polls_a_node_timeout_and_prints_each_push() {
    let sandbox = normal_sandbox().await;
    let question = format!("{} please", sobot_questions::NODE_TIMEOUT);
    for stream in [false, true] {
        let mut args = vec!["sobot", "ask", "--robot", ROBOT];
        args.extend(FAST);
        if stream {
            args.push("--stream");
        }
        args.push(&question);
        let before = sandbox.count(PUSH_INFO);
        let text = ok(&sandbox, &args, "table").await;
        assert!(text.contains("(node timeout: delay 1"), "{text}");
        assert!(
            text.contains("[node timeout: NODE_OVER_TIME, POLLING_END]"),
            "{text}"
        );
        assert!(
            text.contains("Are you still there? The question is still open."),
            "{text}"
        );
        // "Nothing yet" once, then the push: polling went on, and stopped at the push.
        assert_eq!(sandbox.count(PUSH_INFO), before + 2, "{text}");
    }

    // The other kinds; in the record formats a push is one record, as sent.
    for (phrase, kind, shown) in [
        (
            sobot_questions::SESSION_TIMEOUT,
            "SESSION_OVER_TIME",
            "[session timeout: SESSION_OVER_TIME, POLLING_END]",
        ),
        (
            sobot_questions::PUSHED_ANSWER,
            "ROBOT_ANSWER",
            "Here is the answer you were waiting for.",
        ),
    ] {
        let mut args = vec!["sobot", "ask", "--robot", ROBOT];
        args.extend(FAST);
        args.push(phrase);
        let text = ok(&sandbox, &args, "table").await;
        assert!(text.contains(shown), "{text}");
        let out = ok(&sandbox, &args, "jsonl").await;
        let records: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let last = records.last().unwrap();
        assert_eq!(last["push_type"], kind, "{out}");
    }

    // Off on request.
    let before = sandbox.count(PUSH_INFO);
    let mut args = vec!["sobot", "ask", "--robot", ROBOT, "--no-push-polling"];
    args.push(&question);
    let text = ok(&sandbox, &args, "table").await;
    assert!(!text.contains("NODE_OVER_TIME"), "{text}");
    assert_eq!(sandbox.count(PUSH_INFO), before);
}

async fn chat(sandbox: &Sandbox, input: &str) -> String {
    let mut child = agentctl_for(sandbox)
        .args(["sobot", "chat", "--robot", ROBOT, "--format", "table"])
        .args(FAST)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_prints_the_pushes_before_the_next_prompt() {
    let sandbox = Sandbox::builder()
        .records(10)
        .sobot_push(Some(SobotPush::SessionOverTime))
        .start()
        .await
        .unwrap();
    let transcript = chat(&sandbox, "hello\nhello again\n/end\n").await;
    let pushes: Vec<usize> = transcript
        .match_indices("[session timeout: SESSION_OVER_TIME, POLLING_END]")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(pushes.len(), 2, "{transcript}");
    let second_question = transcript.find("> hello again").unwrap();
    assert!(pushes[0] < second_question, "{transcript}");
    assert!(transcript.contains("Session ended."), "{transcript}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_shows_a_hand_over_to_a_human() {
    let sandbox = normal_sandbox().await;
    let mut agent = agentctl()
        .args([
            "sobot",
            "serve-agent",
            "--listen",
            "127.0.0.1:0",
            "--no-secret",
            "--format",
            "jsonl",
        ])
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(agent.stdout.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().unwrap();
    let url: Value = serde_json::from_str(&line).unwrap();
    sandbox.set_agent_url(Some(url["url"].as_str().unwrap().to_owned()));

    let transcript = chat(&sandbox, "hello\nI want to talk to a human\n/end\n").await;
    assert!(transcript.contains("You said: hello"), "{transcript}");
    let hello = transcript.find("You said: hello").unwrap();
    let hand_over = transcript
        .find("[hand-over: hand over to a human agent (GPT_TRANSFER: intent)]")
        .unwrap_or_else(|| panic!("{transcript}"));
    assert!(hello < hand_over, "{transcript}");
    // Only the second answer hands over.
    assert_eq!(transcript.matches("[hand-over").count(), 1, "{transcript}");
    agent.kill().await.unwrap();
}

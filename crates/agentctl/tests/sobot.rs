//! `agentctl sobot` against an in-process sandbox: questions (streamed or not), the
//! interactive chat driven through a pipe, suggestions, statistics and lookups in every
//! format, the example agent, and the errors.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;

use common::{FORMATS, agentctl, agentctl_for, assert_records, json_items, ok, output, sandbox};
use common_http::reexports::reqwest;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use vendor_sandbox::{SOBOT_ROBOT_IDS, WORKFLOW_CHOICES};

const ROBOT: &str = SOBOT_ROBOT_IDS[0];
const END_SESSION: &str = "/ai-agent-open/ask/end_session";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_with_and_without_stream_in_every_format() {
    let sandbox = sandbox().await;
    let text = ok(
        &sandbox,
        &["sobot", "ask", "--robot", ROBOT, "Where is my order?"],
        "table",
    )
    .await;
    assert_eq!(text.trim(), "You said: Where is my order?");
    let text = ok(
        &sandbox,
        &["sobot", "ask", "--robot", ROBOT, "--stream", "hi there"],
        "table",
    )
    .await;
    assert_eq!(text.trim(), "You said: hi there");

    for format in ["json", "jsonl", "csv"] {
        let out = ok(
            &sandbox,
            &["sobot", "ask", "--robot", ROBOT, "hello"],
            format,
        )
        .await;
        assert_records(format, &out, 1, "robot_answer_message_type");
        // Streamed: one record per chunk ("You ", "said: ", "hello"), then the answer info.
        let out = ok(
            &sandbox,
            &["sobot", "ask", "--robot", ROBOT, "--stream", "hello"],
            format,
        )
        .await;
        assert_records(format, &out, 4, "robot_answer_message_type");
    }
    let out = ok(
        &sandbox,
        &["sobot", "ask", "--robot", ROBOT, "--stream", "hello"],
        "jsonl",
    )
    .await;
    let events: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let text: String = events
        .iter()
        .filter(|e| e["robot_answer_message_type"] == "MESSAGE")
        .map(|e| e["answer"].as_str().unwrap())
        .collect();
    assert_eq!(text, "You said: hello");
    assert_eq!(events[3]["robot_answer_message_type"], "ANSWER_INFO");
    assert_eq!(sandbox.count(END_SESSION), 9, "every ask ends its session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_shows_the_workflow_choices() {
    let sandbox = sandbox().await;
    let text = ok(
        &sandbox,
        &[
            "sobot",
            "ask",
            "--robot",
            ROBOT,
            "--stream",
            "workflow please",
        ],
        "table",
    )
    .await;
    for (n, choice) in WORKFLOW_CHOICES.iter().enumerate() {
        assert!(text.contains(&format!("[{}] {choice}", n + 1)), "{text}");
    }
}

async fn chat(sandbox: &vendor_sandbox::Sandbox, format: &str, input: &str) -> String {
    let mut child = agentctl_for(sandbox)
        .args(["sobot", "chat", "--robot", ROBOT, "--format", format])
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
async fn chat_through_a_pipe_clicks_a_choice_by_number_and_ends_the_session() {
    let sandbox = sandbox().await;
    let transcript = chat(
        &sandbox,
        "table",
        "hello\nshow the workflow\n2\n/end\nnot read\n",
    )
    .await;
    for expected in [
        "> hello",
        "You said: hello",
        "[2] Exchange",
        "> 2",
        "You chose Exchange. Done.",
        "Session ended.",
    ] {
        assert!(transcript.contains(expected), "{expected}: {transcript}");
    }
    assert!(!transcript.contains("not read"));
    assert_eq!(sandbox.count(END_SESSION), 1);

    // The end of the input ends the session too; records in the other formats.
    for format in ["json", "jsonl", "csv"] {
        let out = chat(&sandbox, format, "menu\n1\n").await;
        // The menu question: 6 chunks and its info; the click: one answer.
        assert_records(format, &out, 8, "answer");
        assert!(out.contains("You chose Refund. Done."), "{out}");
    }
    assert_eq!(sandbox.count(END_SESSION), 4);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_ends_the_chat_cleanly() {
    let sandbox = sandbox().await;
    let mut child = agentctl_for(&sandbox)
        .args(["sobot", "chat", "--robot", ROBOT, "--format", "table"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"hello\n").await.unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.contains("You said: hello") {
            break;
        }
    }
    let pid = child.id().unwrap().to_string();
    let kill = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .unwrap();
    assert!(kill.success());
    let mut rest = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push(line);
    }
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status:?}");
    assert!(rest.iter().any(|l| l == "Session ended."), "{rest:?}");
    assert_eq!(sandbox.count(END_SESSION), 1);
    drop(stdin);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_statistics_and_lookups_in_every_format() {
    let sandbox = sandbox().await;
    let january = ["--from", "2026-01-01", "--to", "2026-01-31"];
    let in_january = sandbox.data().sobot_records.len();
    for format in FORMATS {
        let out = ok(
            &sandbox,
            &["sobot", "suggest", "--robot", ROBOT, "refund"],
            format,
        )
        .await;
        assert_records(format, &out, 3, "question");

        let mut args = vec!["sobot", "records"];
        args.extend(january);
        args.extend(["--page-size", "4"]);
        assert_records(format, &ok(&sandbox, &args, format).await, 4, "robot_name");
        args.extend(["--all"]);
        assert_records(
            format,
            &ok(&sandbox, &args, format).await,
            in_january,
            "robot_name",
        );

        let out = ok(&sandbox, &["sobot", "robots"], format).await;
        assert_records(format, &out, SOBOT_ROBOT_IDS.len(), "robot_name");
        let mut args = vec!["sobot", "channels"];
        args.extend(january);
        assert_records(format, &ok(&sandbox, &args, format).await, 3, "robot_name");
    }
    // The sandbox's lookup lists: 5 time zones, 4 session labels, 3 dislike labels and 3
    // audiences, in the documented shapes.
    for (command, field, count) in [
        ("timezones", "timezoneid", 5),
        ("labels", "name", 4),
        ("dislike-labels", "name", 3),
        ("audiences", "ruleid", 3),
    ] {
        for format in FORMATS {
            let out = ok(&sandbox, &["sobot", command], format).await;
            assert_records(format, &out, count, field);
        }
    }
    let mut args = vec!["sobot", "records", "--robot", "2"];
    args.extend(january);
    args.push("--all");
    let robot_two = json_items(&ok(&sandbox, &args, "json").await);
    let want = sandbox
        .data()
        .sobot_records
        .iter()
        .filter(|r| r.robot_flag.as_deref() == Some("2"))
        .count();
    assert_eq!(robot_two.len(), want);
    let other = robot_two.iter().filter(|r| r["robot_flag"] != "2").count();
    assert!(other <= common::unreadable_allowed(want), "{robot_two:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_missing_or_wrong() {
    let sandbox = sandbox().await;
    let run = output(agentctl(), &["sobot", "robots"]).await;
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(run.stderr.contains("SOBOT_APPID"), "{}", run.stderr);

    let mut command = agentctl_for(&sandbox);
    command.env_remove("SOBOT_APP_KEY");
    let run = output(command, &["sobot", "robots"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("SOBOT_APP_KEY"), "{}", run.stderr);

    let mut command = agentctl_for(&sandbox);
    command.env("SOBOT_APP_KEY", "not-the-app-key-42");
    let run = output(command, &["sobot", "ask", "--robot", ROBOT, "hello"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("100003") && run.stderr.contains("signature mismatch"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not-the-app-key-42"));

    let mut command = agentctl_for(&sandbox);
    command.env("SOBOT_REGION", "mars");
    let run = output(command, &["sobot", "robots"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("mars"), "{}", run.stderr);
}

fn question(text: &str, token: Option<&str>) -> Value {
    let mut body = json!({
        "question": text, "show_question": text, "input_type_enum": "INPUT",
        "robotid": "r1", "msg_type": "TEXT", "companyid": "c1", "biz_type": "AI_AGENT",
        "ai_agent_cid": "cid-1", "context_validity_time": 0, "roundid": "round-1",
        "robot_model": "SELF_DEBUG", "req_stream": false, "copilot": false,
    });
    if let Some(token) = token {
        body["params"] = json!({ "token": token });
    }
    body
}

/// `serve-agent` refuses to start without a shared secret unless `--no-secret` says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_agent_needs_a_secret_or_an_explicit_opt_out() {
    let mut command = agentctl();
    command.env_remove("SOBOT_AGENT_SECRET");
    let run = output(
        command,
        &["sobot", "serve-agent", "--listen", "127.0.0.1:0"],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--no-secret") && run.stderr.contains("SOBOT_AGENT_SECRET"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_agent_answers_sobot_questions() {
    for format in FORMATS {
        let mut child = agentctl()
            .args([
                "sobot",
                "serve-agent",
                "--listen",
                "127.0.0.1:0",
                "--shared-secret",
                "s3cret",
            ])
            .args(["--format", format])
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut url = None;
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(start) = line.find("http://") {
                let end = line[start..]
                    .find(['"', ' ', ','])
                    .map_or(line.len(), |e| start + e);
                url = Some(line[start..end].to_owned());
                break;
            }
        }
        let url = url.unwrap();
        let http = common_http::http_client_builder()
            .build()
            .expect("HTTP client");
        let refused = http
            .post(&url)
            .json(&question("hello", None))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        let answer = ask_agent(&http, &url, "hello").await;
        assert_eq!(answer["ret_code"], "000000", "{answer}");
        let text: String = answer["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["llm_answer"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(text, "You said: hello");
        let menu = ask_agent(&http, &url, "the menu").await;
        assert!(
            menu.to_string().contains("third_variable_value_enums"),
            "{menu}"
        );
        child.kill().await.unwrap();
    }
}

/// Posts `text` to the example agent at `url` with the right token; its JSON answer.
async fn ask_agent(http: &reqwest::Client, url: &str, text: &str) -> Value {
    http.post(url)
        .json(&question(text, Some("s3cret")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

//! Developing an agent fully offline: `agentctl sandbox --agent-url` plays Sobot calling the
//! agent `agentctl sobot serve-agent` serves, and `agentctl sobot ask` talks to it.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::{agentctl, output};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Reads lines until one holds `needle` (or the output ends); the lines read.
async fn until(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    needle: &str,
) -> String {
    let mut seen = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(needle) {
            break;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_agent_url_serve_agent_and_ask_work_together_offline() {
    // A port that was free a moment ago, for the agent the sandbox will call.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let agent_url = format!("http://127.0.0.1:{port}/");
    let mut sandbox = agentctl()
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--records",
            "5",
            "--format",
            "jsonl",
            "--agent-url",
            &agent_url,
            "--agent-param",
            "token=s3cret",
        ])
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(sandbox.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let vars: HashMap<String, String> = serde_json::from_str(&first).unwrap();

    let mut agent = agentctl()
        .envs(&vars)
        .args([
            "sobot",
            "serve-agent",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--shared-secret",
            "s3cret",
            "--format",
            "jsonl",
        ])
        .spawn()
        .unwrap();
    let mut agent_lines = BufReader::new(agent.stdout.take().unwrap()).lines();
    let said = until(&mut agent_lines, "url").await;
    assert!(said.contains(&agent_url), "{said}");

    for stream in [false, true] {
        let mut command = agentctl();
        command.envs(&vars);
        let mut args = vec!["sobot", "ask", "--robot", "1"];
        if stream {
            args.push("--stream");
        }
        args.push("hello from offline");
        let run = output(command, &args).await;
        assert_eq!(run.code, 0, "stream {stream}: {}", run.stderr);
        // Printed as JSON (not a terminal): the answer, or its streamed events in order.
        let printed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let text: String = match &printed {
            serde_json::Value::Array(items) => {
                items.iter().filter_map(|i| i["answer"].as_str()).collect()
            }
            other => other.to_string(),
        };
        assert!(
            text.contains("You said: hello from offline"),
            "stream {stream}: {}",
            run.stdout
        );
    }
    agent.kill().await.unwrap();
    sandbox.kill().await.unwrap();
}

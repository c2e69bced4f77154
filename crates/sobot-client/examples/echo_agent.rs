//! An echo / rules agent served behind Sobot's "Integration With Third-party AI Agents".
//!
//! ```text
//! ECHO_AGENT_SECRET=s3cret cargo run -p sobot-client --features server --example echo_agent -- --listen 127.0.0.1:8787
//! cargo run -p sobot-client --features server --example echo_agent -- --no-secret   # local try-out
//! ```
//!
//! Environment: `ECHO_AGENT_LISTEN` (instead of `--listen`), `ECHO_AGENT_SECRET` (require
//! `params.token` / `multi_params.token` to equal it; required unless `--no-secret` is
//! given), and `SOBOT_APPID` / `SOBOT_APP_KEY` (optional: enables the copilot and
//! batch-test callbacks, which are sent only with a secret).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Duration;

use futures::StreamExt as _;
use sobot_client::server::{AgentError, AgentReply, AnswerPart, ServerConfig, ThirdPartyAgent};
use sobot_client::{
    AgentAnswer, AgentRequest, InputTypeEnum, RobotAnswerMessageType, RobotAnswerType, SobotClient,
};

/// Answers a few rules, echoes everything else word by word.
struct EchoAgent;

#[sobot_client::server::async_trait]
impl ThirdPartyAgent for EchoAgent {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        if request.input_type_enum != InputTypeEnum::Input {
            return Ok(AgentReply::text(format!(
                "received a {} click",
                request.input_type_enum.as_str()
            )));
        }
        let question = request.question.trim().to_lowercase();
        if question.contains("human") || question.contains("agent") {
            // A complete answer object: asks Sobot to offer a transfer to a human.
            let info = AgentAnswer::builder()
                .answer_type(RobotAnswerType::TransferIntention)
                .robot_answer_message_type(RobotAnswerMessageType::ThirdAnswerInfo)
                .lan("en")
                .llm_answer("Let me find a colleague for you.")
                .roundid("")
                .companyid("")
                .message_end(false)
                .build()
                .map_err(|e| AgentError::new(e.to_string()))?;
            return Ok(AgentReply::Answers(vec![
                AnswerPart::Text("Let me find a colleague for you.".into()),
                info.into(),
            ]));
        }
        let words: Vec<String> = format!("You said: {}", request.question)
            .split_inclusive(' ')
            .map(str::to_owned)
            .collect();
        // Streamed word by word (collected into a list when Sobot did not ask for a stream).
        Ok(AgentReply::stream(futures::stream::iter(words).then(
            |word| async move {
                tokio::time::sleep(Duration::from_millis(30)).await;
                word
            },
        )))
    }
}

fn listen_address() -> String {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--listen" {
            if let Some(value) = args.next() {
                return value;
            }
        } else if let Some(value) = arg.strip_prefix("--listen=") {
            return value.to_owned();
        }
    }
    std::env::var("ECHO_AGENT_LISTEN").unwrap_or_else(|_| "127.0.0.1:8787".to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let mut config = ServerConfig::new().request_timeout(Duration::from_secs(20));
    if let Ok(secret) = std::env::var("ECHO_AGENT_SECRET") {
        config = config.shared_secret("token", secret);
    } else if std::env::args().any(|arg| arg == "--no-secret") {
        // Explicit: every request is served, and no callback is ever sent.
        config = config.without_shared_secret();
    }
    if std::env::var("SOBOT_APPID").is_ok() {
        config = config.sobot_client(SobotClient::from_env()?);
    }
    // Without ECHO_AGENT_SECRET or --no-secret this fails with a message saying so.
    let app = sobot_client::server::router(EchoAgent, config)?;
    let address = listen_address();
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("echo agent listening on http://{}/", listener.local_addr()?);
    sobot_client::server::axum::serve(listener, app).await?;
    Ok(())
}

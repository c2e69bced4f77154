//! `agentctl sobot serve-agent`: an example agent behind Sobot's "Integration With
//! Third-party AI Agents", served by `sobot_client::server`. It echoes questions word by
//! word, offers a workflow menu when asked for one, acknowledges clicks, and answers a wish
//! to talk to a human (a question with "human", or the menu's "Talk to a human") with a
//! transfer intent (`answer_type` `TRANSFER_INTENTION`, which Sobot turns into a hand-over);
//! with Sobot credentials configured it also sends the copilot and batch-test callbacks.

use std::net::SocketAddr;
use std::time::Duration;

use common_http::Secret;
use futures::StreamExt;
use serde_json::json;
use sobot_client::server::{AgentError, AgentReply, AnswerPart, ServerConfig, ThirdPartyAgent};
use sobot_client::{
    AgentAnswer, AgentRequest, InputTypeEnum, RobotAnswerMessageType, RobotAnswerType,
};

use crate::config::{SobotConn, secret};
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::emit_one;

/// The choices of the example workflow menu.
const MENU: [&str; 3] = ["Opening hours", "Prices", "Talk to a human"];

/// The pause between two streamed words.
const WORD_PACE: Duration = Duration::from_millis(20);

/// Flags of `serve-agent`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// The path Sobot posts questions to.
    #[arg(long, default_value = "/")]
    path: String,
    /// Require `params.token` (or `multi_params.token`) to equal this value
    /// [default: $SOBOT_AGENT_SECRET]. Required unless `--no-secret` is given.
    #[arg(long, alias = "secret", value_parser = secret, value_name = "SECRET")]
    shared_secret: Option<Secret>,
    /// Serve every request without a shared secret (a local try-out): copilot and
    /// batch-test callbacks are then never sent.
    #[arg(long, conflicts_with = "shared_secret")]
    no_secret: bool,
}

/// The example agent.
#[derive(Debug)]
struct ExampleAgent;

/// The answer to a visitor who asks for a person: a transfer intent.
fn hand_over() -> Result<AgentReply, AgentError> {
    let answer = AgentAnswer::builder()
        .answer_type(RobotAnswerType::TransferIntention)
        .robot_answer_message_type(RobotAnswerMessageType::ThirdAnswerInfo)
        .lan("")
        .llm_answer("Let me connect you to a human agent.")
        .roundid("")
        .companyid("")
        .message_end(false)
        .build()
        .map_err(|e| AgentError::new(e.to_string()))?;
    Ok(AgentReply::Answers(vec![answer.into()]))
}

#[common_http::reexports::async_trait]
impl ThirdPartyAgent for ExampleAgent {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        match &request.input_type_enum {
            InputTypeEnum::Input => {}
            InputTypeEnum::ProcessClick => {
                let value = request
                    .process_info
                    .as_ref()
                    .map(|p| p.variable_value.clone())
                    .unwrap_or_default();
                if value == MENU[2] {
                    return hand_over();
                }
                return Ok(AgentReply::text(format!("You chose {value}.")));
            }
            other => {
                return Ok(AgentReply::text(format!(
                    "Received a {} click.",
                    other.as_str()
                )));
            }
        }
        let question = request.question.trim();
        if question.to_lowercase().contains("human") {
            return hand_over();
        }
        if question.to_lowercase().contains("menu") {
            let text = "What can I help you with?";
            let menu = AgentAnswer::builder()
                .answer_type(RobotAnswerType::Process)
                .robot_answer_message_type(RobotAnswerMessageType::ThirdProcessInfo)
                .lan("")
                .llm_answer(text)
                .roundid("")
                .companyid("")
                .message_end(false)
                .build()
                .map_err(|e| AgentError::new(e.to_string()))?
                .third_processid("agentctl-menu")
                .third_nodeid("agentctl-menu-1")
                .third_variable_id("agentctl-choice")
                .third_variable_value_enums(MENU.map(str::to_owned).to_vec());
            return Ok(AgentReply::Answers(vec![
                AnswerPart::Text(text.to_owned()),
                menu.into(),
            ]));
        }
        let words: Vec<String> = format!("You said: {question}")
            .split_inclusive(' ')
            .map(str::to_owned)
            .collect();
        Ok(AgentReply::stream(futures::stream::iter(words).then(
            |word| async move {
                tokio::time::sleep(WORD_PACE).await;
                word
            },
        )))
    }
}

/// Serves the example agent on `listener` without a shared secret, in the background (the
/// demo's agent, which its sandbox forwards questions to); stops when the handle is
/// aborted.
pub(crate) fn serve_in_background(
    listener: tokio::net::TcpListener,
) -> Result<tokio::task::JoinHandle<()>, CliError> {
    let config = ServerConfig::new().without_shared_secret();
    let app = sobot_client::server::router(ExampleAgent, config)
        .map_err(|e| CliError::usage(e.to_string()))?;
    Ok(tokio::spawn(async move {
        let _ = sobot_client::server::axum::serve(listener, app).await;
    }))
}

/// Serves the example agent until Ctrl-C.
pub(crate) async fn run(
    args: &ServeArgs,
    conn: &SobotConn,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let mut config = ServerConfig::new().path(args.path.clone());
    if args.no_secret {
        tracing::warn!(
            "serving without a shared secret: copilot and batch-test callbacks are never sent"
        );
        config = config.without_shared_secret();
    } else {
        let secret = args
            .shared_secret
            .clone()
            .filter(|s| !s.is_empty())
            .or_else(|| ctx.vars.get("SOBOT_AGENT_SECRET").map(Secret::new))
            .ok_or_else(|| {
                CliError::usage(
                    "serve-agent needs a shared secret: pass --shared-secret or export \
                     SOBOT_AGENT_SECRET (or serve without one, explicitly, with --no-secret)",
                )
            })?;
        config = config.shared_secret("token", secret);
    }
    match conn.client(ctx.vars) {
        Ok(client) => config = config.sobot_client(client),
        Err(why) => tracing::info!("copilot and batch-test callbacks are off: {why}"),
    }
    let app = sobot_client::server::router(ExampleAgent, config)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| CliError::usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let url = format!("http://{}{}", listener.local_addr()?, args.path);
    emit_one(ctx.format, &mut *ctx.out, &json!({ "url": url }))?;
    sobot_client::server::axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

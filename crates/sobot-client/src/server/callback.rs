//! The callbacks one answer owes Sobot: the answer of a `copilot` question to
//! `callback_list`, the result of a batch-test question (one with a `runtimeid`) to
//! `question_call_back`.
//!
//! They run in the background, after the reply is complete, so the answer to Sobot never
//! waits on them; a callback is not idempotent, so only one that provably never reached
//! Sobot (no connection) is tried again, with exponential backoff.

use std::time::Duration;

use common_http::{RequestOptions, RetryPolicy};
use serde_json::Value;

use super::config::ServerConfig;
use super::sequence::{ReplyContext, is_message};
use crate::{AgentAnswer, CallbackListBody, SobotClient};

/// The callbacks one answer owes Sobot.
#[derive(Debug)]
pub(super) struct Callbacks {
    client: Option<SobotClient>,
    copilot: bool,
    batch_test: bool,
    roundid: String,
    attempts: u32,
    backoff: Duration,
}

impl Callbacks {
    pub(super) fn new(ctx: &ReplyContext, config: &ServerConfig) -> Self {
        Self {
            client: config.client.clone(),
            copilot: ctx.copilot,
            batch_test: ctx.runtimeid.is_some(),
            roundid: ctx.roundid.clone(),
            attempts: config.callback_attempts,
            backoff: config.callback_backoff,
        }
    }

    /// How a callback is sent: never marked idempotent, so the runtime retries it (with
    /// this backoff, up to this many attempts) only when no connection could be made, and
    /// logs every retry.
    fn options(&self) -> RequestOptions {
        let policy = RetryPolicy::default()
            .max_attempts(self.attempts)
            .initial_backoff(self.backoff)
            .jitter(false);
        RequestOptions::new().idempotent(false).retry(policy)
    }

    /// Starts the owed callbacks in the background.
    pub(super) fn spawn(self, answers: &[AgentAnswer]) {
        if !self.copilot && !self.batch_test {
            return;
        }
        let Some(client) = self.client.clone() else {
            tracing::error!(
                roundid = %self.roundid,
                copilot = self.copilot,
                batch_test = self.batch_test,
                "sobot inbound callback owed but no SobotClient is configured; not sent"
            );
            return;
        };
        let options = self.options();
        if self.copilot {
            let body = CallbackListBody::new(answers.to_vec());
            let (client, roundid) = (client.clone(), self.roundid.clone());
            let options = options.clone();
            tokio::spawn(async move {
                let call = client.send_callback_list(body).with_options(options).send();
                deliver("callback_list", &roundid, call).await;
            });
        }
        if self.batch_test {
            let Some(result) = batch_result(answers) else {
                tracing::error!(roundid = %self.roundid, "sobot inbound batch test produced no answer; question_call_back not sent");
                return;
            };
            let roundid = self.roundid;
            tokio::spawn(async move {
                let call = client
                    .send_question_callback(result)
                    .with_options(options)
                    .send();
                deliver("question_call_back", &roundid, call).await;
            });
        }
    }
}

/// The one answer `question_call_back` takes: the first non-`MESSAGE` answer (or the first
/// answer), with the text of all `MESSAGE`s when there are any, `message_end = true` and
/// `success = true` unless the agent said otherwise.
fn batch_result(answers: &[AgentAnswer]) -> Option<AgentAnswer> {
    let base = answers
        .iter()
        .find(|a| !is_message(a))
        .or_else(|| answers.first())?;
    let mut result = base.clone();
    let text: String = answers
        .iter()
        .filter(|a| is_message(a))
        .map(|a| a.llm_answer.as_str())
        .collect();
    if answers.iter().any(is_message) {
        result.llm_answer = text;
    }
    result.message_end = true;
    if result.success.is_none() {
        result.success = Some(true);
    }
    Some(result)
}

/// Awaits one callback (retries, if any, happen inside it) and logs how it ended.
async fn deliver<Fut>(name: &str, roundid: &str, call: Fut)
where
    Fut: std::future::Future<Output = Result<Value, common_http::Error>>,
{
    match call.await {
        Ok(_) => tracing::debug!(callback = name, roundid, "sobot callback delivered"),
        Err(error) => {
            tracing::error!(callback = name, roundid, %error, "sobot callback failed; giving up");
        }
    }
}

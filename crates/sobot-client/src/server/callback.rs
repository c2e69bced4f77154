//! The callbacks one answer owes Sobot: the answer of a `copilot` question to
//! `callback_list`, the result of a batch-test question (one with a `runtimeid`) to
//! `question_call_back`.
//!
//! They run in the background, after the reply is complete, so the answer to Sobot never
//! waits on them; a callback is not idempotent, so only one that provably never reached
//! Sobot (no connection) is tried again, with exponential backoff.
//!
//! Only a request that carried the shared secret owes a callback. While a reply streams,
//! [`Callbacks::record`] keeps only what the owed callbacks need: every answer for
//! `callback_list`, one answer and the joined `MESSAGE` text for `question_call_back`,
//! nothing when no callback is owed (or none can be sent).

use std::time::Duration;

use common_http::{RequestOptions, RetryPolicy};
use serde_json::Value;

use super::config::ServerConfig;
use super::error::for_log;
use super::sequence::{ReplyContext, is_message};
use crate::{AgentAnswer, CallbackListBody, SobotClient};

/// The callbacks one answer owes Sobot.
#[derive(Debug)]
pub(super) struct Callbacks {
    client: Option<SobotClient>,
    copilot: bool,
    batch_test: bool,
    /// Whether the request carried the shared secret; callbacks are sent only then.
    authenticated: bool,
    /// The question's `roundid`, escaped for the logs.
    roundid: String,
    attempts: u32,
    backoff: Duration,
    /// What `callback_list` needs: every answer (copilot, when it can be sent).
    answers: Vec<AgentAnswer>,
    /// What `question_call_back` needs (batch test, when it can be sent).
    batch: Option<BatchRecord>,
}

impl Callbacks {
    pub(super) fn new(ctx: &ReplyContext, config: &ServerConfig, authenticated: bool) -> Self {
        let batch_test = ctx.runtimeid.is_some();
        let sendable = authenticated && config.client.is_some();
        Self {
            client: config.client.clone(),
            copilot: ctx.copilot,
            batch_test,
            authenticated,
            roundid: for_log(&ctx.roundid),
            attempts: config.callback_attempts,
            backoff: config.callback_backoff,
            answers: Vec::new(),
            batch: (sendable && batch_test).then(BatchRecord::default),
        }
    }

    /// Whether `callback_list` is owed and can be sent, so the answers must be kept.
    fn keeps_answers(&self) -> bool {
        self.copilot && self.authenticated && self.client.is_some()
    }

    /// Notes one answer sent to Sobot, keeping only what the owed callbacks need.
    pub(super) fn record(&mut self, answer: &AgentAnswer) {
        if self.keeps_answers() {
            self.answers.push(answer.clone());
        }
        if let Some(batch) = &mut self.batch {
            batch.record(answer);
        }
    }

    /// The answer text (`llm_answer`) kept for the callbacks, in bytes.
    #[cfg(test)]
    pub(super) fn retained_bytes(&self) -> usize {
        let kept: usize = self.answers.iter().map(|a| a.llm_answer.len()).sum();
        kept + self.batch.as_ref().map_or(0, BatchRecord::retained_bytes)
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

    /// Records `answers` and starts the owed callbacks (see [`Callbacks::finish`]).
    pub(super) fn spawn(mut self, answers: &[AgentAnswer]) {
        for answer in answers {
            self.record(answer);
        }
        self.finish();
    }

    /// Starts the owed callbacks in the background, with what was recorded.
    pub(super) fn finish(self) {
        if !self.copilot && !self.batch_test {
            return;
        }
        if !self.authenticated {
            tracing::warn!(
                roundid = %self.roundid,
                copilot = self.copilot,
                batch_test = self.batch_test,
                "sobot inbound callback owed but the server has no shared secret \
                 (ServerConfig::without_shared_secret), so the request is not authenticated; not sent"
            );
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
            let body = CallbackListBody::new(self.answers);
            let (client, roundid) = (client.clone(), self.roundid.clone());
            let options = options.clone();
            tokio::spawn(async move {
                let call = client.send_callback_list(body).with_options(options).send();
                deliver("callback_list", &roundid, call).await;
            });
        }
        if self.batch_test {
            let Some(result) = self.batch.and_then(BatchRecord::result) else {
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

/// What the one answer `question_call_back` takes is made of, gathered answer by answer:
/// the first non-`MESSAGE` answer (or the first answer), and the text of all `MESSAGE`s.
#[derive(Debug, Default)]
struct BatchRecord {
    /// The first non-`MESSAGE` answer, else the first answer.
    base: Option<AgentAnswer>,
    base_is_message: bool,
    /// The text of every `MESSAGE`, joined.
    text: String,
    any_message: bool,
}

impl BatchRecord {
    fn record(&mut self, answer: &AgentAnswer) {
        let message = is_message(answer);
        if message {
            self.text.push_str(&answer.llm_answer);
            self.any_message = true;
        }
        if self.base.is_none() || (self.base_is_message && !message) {
            self.base = Some(answer.clone());
            self.base_is_message = message;
        }
    }

    #[cfg(test)]
    fn retained_bytes(&self) -> usize {
        self.text.len() + self.base.as_ref().map_or(0, |a| a.llm_answer.len())
    }

    /// The result: the base answer with the text of all `MESSAGE`s when there are any,
    /// `message_end = true` and `success = true` unless the agent said otherwise.
    fn result(self) -> Option<AgentAnswer> {
        let mut result = self.base?;
        if self.any_message {
            result.llm_answer = self.text;
        }
        result.message_end = true;
        if result.success.is_none() {
            result.success = Some(true);
        }
        Some(result)
    }
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

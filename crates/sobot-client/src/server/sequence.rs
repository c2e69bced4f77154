//! Reply sequencing: turning what the agent produced into the answers Sobot expects.
//!
//! Every answer of one question gets the question's `roundid` (and `runtimeid` /
//! `questionid`), an empty `companyid` / `lan` filled in, in a stream the third-party names
//! of the information messages (`ANSWER_INFO` becomes `THIRD_ANSWER_INFO`, `PROCESS_INFO`
//! `THIRD_PROCESS_INFO`, as the document says for `req_stream = true`), and
//! `message_end = true` on the last `MESSAGE` only, which a stream can only know once the next part (or its end)
//! arrives. This is pure logic, free of HTTP, shared by the JSON and SSE replies
//! (`reply.rs`) and the batch-test callback (`callback.rs`).

use std::collections::VecDeque;

use super::agent::AnswerPart;
use super::config::ServerConfig;
use crate::{AgentAnswer, AgentRequest, RobotAnswerMessageType, RobotAnswerType};

/// What every answer to one question shares.
#[derive(Debug, Clone)]
pub(super) struct ReplyContext {
    pub(super) roundid: String,
    pub(super) companyid: String,
    pub(super) runtimeid: Option<String>,
    pub(super) questionid: Option<String>,
    pub(super) copilot: bool,
    pub(super) stream: bool,
    pub(super) language: String,
    pub(super) answer_type: RobotAnswerType,
}

impl ReplyContext {
    pub(super) fn new(request: &AgentRequest, config: &ServerConfig) -> Self {
        Self {
            roundid: request.roundid.clone(),
            companyid: request.companyid.clone(),
            runtimeid: request.runtimeid.clone().filter(|s| !s.is_empty()),
            questionid: request.questionid.clone().filter(|s| !s.is_empty()),
            copilot: request.copilot,
            stream: request.req_stream,
            language: config.language.clone(),
            answer_type: config.answer_type.clone(),
        }
    }

    /// The part as a complete answer, `message_end` false.
    pub(super) fn complete(&self, part: AnswerPart) -> AgentAnswer {
        let mut answer = match part {
            AnswerPart::Text(text) => AgentAnswer::new(
                self.answer_type.clone(),
                RobotAnswerMessageType::Message,
                self.language.clone(),
                text,
                self.roundid.clone(),
                self.companyid.clone(),
                false,
            ),
            AnswerPart::Answer(answer) => *answer,
        };
        answer.roundid.clone_from(&self.roundid);
        if answer.companyid.is_empty() {
            answer.companyid.clone_from(&self.companyid);
        }
        if answer.lan.is_empty() {
            answer.lan.clone_from(&self.language);
        }
        if self.runtimeid.is_some() {
            answer.runtimeid.clone_from(&self.runtimeid);
        }
        if self.questionid.is_some() {
            answer.questionid.clone_from(&self.questionid);
        }
        if self.stream {
            answer.robot_answer_message_type = third_party_name(std::mem::replace(
                &mut answer.robot_answer_message_type,
                RobotAnswerMessageType::Message,
            ));
        }
        answer.message_end = false;
        answer
    }

    /// The answer that ends a stream whose answer failed: `ERROR_END` with `message`.
    pub(super) fn error_end(&self, message: &str) -> AgentAnswer {
        let mut end = self.complete(AnswerPart::Text(message.to_owned()));
        end.robot_answer_message_type = RobotAnswerMessageType::ErrorEnd;
        end
    }
}

/// The name of a message type in a third-party stream: "where PROCESS_INFO is replaced with
/// THIRD_PROCESS_INFO, and ANSWER_INFO is replaced with THIRD_ANSWER_INFO".
fn third_party_name(kind: RobotAnswerMessageType) -> RobotAnswerMessageType {
    match kind {
        RobotAnswerMessageType::AnswerInfo => RobotAnswerMessageType::ThirdAnswerInfo,
        RobotAnswerMessageType::ProcessInfo => RobotAnswerMessageType::ThirdProcessInfo,
        other => other,
    }
}

pub(super) fn is_message(answer: &AgentAnswer) -> bool {
    answer.robot_answer_message_type == RobotAnswerMessageType::Message
}

/// Completes parts in order, holding back the latest `MESSAGE` (and the answers after it)
/// until it is known whether it is the last `MESSAGE` of the answer.
#[derive(Debug)]
pub(super) struct Sequencer {
    ctx: ReplyContext,
    /// Empty, or a `MESSAGE` followed by non-`MESSAGE` answers.
    held: VecDeque<AgentAnswer>,
}

impl Sequencer {
    pub(super) fn new(ctx: ReplyContext) -> Self {
        Self {
            ctx,
            held: VecDeque::new(),
        }
    }

    /// Adds `part`; what is now ready to send goes to `out`.
    pub(super) fn push(&mut self, part: AnswerPart, out: &mut VecDeque<AgentAnswer>) {
        let answer = self.ctx.complete(part);
        if is_message(&answer) {
            // The held MESSAGE is not the last one.
            out.append(&mut self.held);
            self.held.push_back(answer);
        } else if self.held.is_empty() {
            out.push_back(answer);
        } else {
            self.held.push_back(answer);
        }
    }

    /// Ends the answer: the held `MESSAGE` is the last one.
    pub(super) fn finish(&mut self, out: &mut VecDeque<AgentAnswer>) {
        if let Some(last) = self.held.front_mut() {
            last.message_end = true;
        }
        out.append(&mut self.held);
    }
}

/// The answers of a complete list, in order, with `message_end` set.
pub(super) fn complete_all(ctx: &ReplyContext, parts: Vec<AnswerPart>) -> Vec<AgentAnswer> {
    let mut sequencer = Sequencer::new(ctx.clone());
    let mut out = VecDeque::new();
    for part in parts {
        sequencer.push(part, &mut out);
    }
    sequencer.finish(&mut out);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ReplyContext {
        ReplyContext {
            roundid: "r1".into(),
            companyid: "c1".into(),
            runtimeid: None,
            questionid: None,
            copilot: false,
            stream: true,
            language: "en".into(),
            answer_type: RobotAnswerType::QaDirect,
        }
    }

    fn info(text: &str) -> AnswerPart {
        AgentAnswer::new(
            RobotAnswerType::QaDirect,
            RobotAnswerMessageType::ThirdAnswerInfo,
            "",
            text,
            "other-round",
            "",
            true,
        )
        .into()
    }

    #[test]
    fn only_the_last_message_ends_and_order_is_kept() {
        let parts = vec![info("i0"), "a".into(), info("i1"), "b".into(), info("i2")];
        let answers = complete_all(&ctx(), parts);
        let seen: Vec<(&str, bool)> = answers
            .iter()
            .map(|a| (a.llm_answer.as_str(), a.message_end))
            .collect();
        assert_eq!(
            seen,
            [
                ("i0", false),
                ("a", false),
                ("i1", false),
                ("b", true),
                ("i2", false)
            ]
        );
        assert!(
            answers
                .iter()
                .all(|a| a.roundid == "r1" && a.companyid == "c1" && a.lan == "en")
        );
    }
}

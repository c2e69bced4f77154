//! Hand-over to a human agent ("trans-to-agent"), decided by the document's rules.
//!
//! The "Streaming API parsing method" gives two rules, both "in the cases of ANSWER_INFO
//! and PROCESS" (the answer-information messages: `ANSWER_INFO`, `PROCESS_INFO` and the
//! third-party `THIRD_ANSWER_INFO` / `THIRD_PROCESS_INFO`):
//!
//! - `transfer_result` "is used to determine whether trans-to-agent is needed": any value
//!   but `NO_ACTION` (keywords, intent, repetition, negative emotions, many unknowns, a
//!   workflow node; or a value this version does not know) means the visitor is to be
//!   handed to a human now: [`HandOver::Required`].
//! - `robot_answer_type` "is currently used for displaying the trans-to-agent button". The
//!   document does not say for which values; by default (an assumption, see
//!   [`HandOverRules::offer_on`]) the button is offered for `TRANSFER_INTENTION`, `UNKNOWN`
//!   and `PROCESS_DOING_UNKOW`, the answers where the bot did not know or the visitor asked
//!   for a person: [`HandOver::Offer`].
//!
//! A text chunk (`MESSAGE`) or an error event never decides anything.

use crate::answer::CollectedAnswer;
use crate::generated::{Answer, RobotAnswerMessageType, RobotAnswerType, TransferResult};
use crate::push::Push;

/// What an answer says about handing the visitor over to a human agent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandOver {
    /// Hand the visitor over now: `transfer_result` says why (anything but `NO_ACTION`).
    Required(TransferResult),
    /// Show the trans-to-agent button: the `robot_answer_type` that asks for it.
    Offer(RobotAnswerType),
    /// Nothing to do.
    NotNeeded,
}

impl HandOver {
    /// Whether the visitor is to be handed over now.
    pub fn is_required(&self) -> bool {
        matches!(self, Self::Required(_))
    }

    /// A short sentence for people (`hand over to a human agent (KEY_WORD)`), `None` when
    /// nothing is to be done.
    pub fn describe(&self) -> Option<String> {
        match self {
            Self::Required(reason) => Some(format!(
                "hand over to a human agent ({}: {})",
                reason.as_str(),
                reason_text(reason)
            )),
            Self::Offer(kind) => Some(format!(
                "offer the trans-to-agent button ({})",
                kind.as_str()
            )),
            Self::NotNeeded => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Required(_) => 2,
            Self::Offer(_) => 1,
            Self::NotNeeded => 0,
        }
    }
}

fn reason_text(reason: &TransferResult) -> &'static str {
    match reason {
        TransferResult::KeyWord => "keywords",
        TransferResult::GptTransfer => "intent",
        TransferResult::Repeat => "repetitive question",
        TransferResult::NegativeEmotions => "negative emotions",
        TransferResult::MuchUnknown => "multiple unknowns",
        TransferResult::ProcessNodeTransfer => "workflow node",
        _ => "reason not documented",
    }
}

/// The rules [`HandOver`] is decided by, for the answer-information messages only
/// (`ANSWER_INFO`, `PROCESS_INFO` and their `THIRD_*` forms): a `transfer_result` other
/// than `NO_ACTION` requires a hand-over ("used to determine whether trans-to-agent is
/// needed"); otherwise a `robot_answer_type` in [`HandOverRules::offer_on`] offers the
/// trans-to-agent button (the document names no values: `TRANSFER_INTENTION`, `UNKNOWN` and
/// `PROCESS_DOING_UNKOW` by default, an assumption).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandOverRules {
    /// The `robot_answer_type` values that show the trans-to-agent button.
    pub offer_on: Vec<RobotAnswerType>,
}

impl Default for HandOverRules {
    fn default() -> Self {
        Self {
            offer_on: vec![
                RobotAnswerType::TransferIntention,
                RobotAnswerType::UnknownValue,
                RobotAnswerType::ProcessDoingUnkow,
            ],
        }
    }
}

impl HandOverRules {
    /// Sets the `robot_answer_type` values that show the trans-to-agent button.
    pub fn offer_on(mut self, kinds: impl IntoIterator<Item = RobotAnswerType>) -> Self {
        self.offer_on = kinds.into_iter().collect();
        self
    }

    /// The decision for one answer.
    pub fn decide(&self, answer: &Answer) -> HandOver {
        if !is_information(&answer.robot_answer_message_type) {
            return HandOver::NotNeeded;
        }
        match &answer.transfer_result {
            Some(TransferResult::NoAction) | None => {}
            Some(TransferResult::Unknown(value)) if value.trim().is_empty() => {}
            Some(reason) => return HandOver::Required(reason.clone()),
        }
        if self.offer_on.contains(&answer.robot_answer_type) {
            return HandOver::Offer(answer.robot_answer_type.clone());
        }
        HandOver::NotNeeded
    }

    /// The strongest decision of several answers (required, then offer, then nothing;
    /// the first of equals).
    pub fn decide_all<'a>(&self, answers: impl IntoIterator<Item = &'a Answer>) -> HandOver {
        answers
            .into_iter()
            .map(|a| self.decide(a))
            .fold(HandOver::NotNeeded, |best, next| {
                if next.rank() > best.rank() {
                    next
                } else {
                    best
                }
            })
    }
}

/// The answer-information messages the rules apply to.
fn is_information(kind: &RobotAnswerMessageType) -> bool {
    matches!(
        kind,
        RobotAnswerMessageType::AnswerInfo
            | RobotAnswerMessageType::ProcessInfo
            | RobotAnswerMessageType::ThirdAnswerInfo
            | RobotAnswerMessageType::ThirdProcessInfo
    )
}

impl Answer {
    /// Whether this answer hands the visitor over to a human agent, by the document's rules
    /// ([`HandOverRules::default`]).
    ///
    /// ```
    /// # fn demo(answer: &sobot_client::Answer) {
    /// use sobot_client::HandOver;
    /// match answer.hand_over() {
    ///     HandOver::Required(reason) => println!("connect a human agent ({reason:?})"),
    ///     HandOver::Offer(_) => println!("show the trans-to-agent button"),
    ///     _ => {}
    /// }
    /// # }
    /// ```
    pub fn hand_over(&self) -> HandOver {
        HandOverRules::default().decide(self)
    }
}

impl CollectedAnswer {
    /// The hand-over decision of the answer's information events
    /// ([`HandOverRules::decide_all`] with the default rules).
    pub fn hand_over(&self) -> HandOver {
        HandOverRules::default().decide_all(&self.infos)
    }
}

impl Push {
    /// The hand-over decision of the answers a `ROBOT_ANSWER` push carries.
    pub fn hand_over(&self) -> HandOver {
        HandOverRules::default().decide_all(self.answers())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn answer(message: &str, kind: &str, transfer: Option<&str>) -> Answer {
        let mut value = serde_json::json!({
            "robot_answer_type": kind, "robot_answer_message_type": message,
            "answer": "a", "roundid": "r", "msgid": "m", "ai_agent_cid": "c", "biz_id": "b",
            "robot_name": "n", "robot_logo": "", "robotid": "1", "robot_status": "ENABLE",
            "delay": 0
        });
        if let Some(t) = transfer {
            value["transfer_result"] = serde_json::json!(t);
        }
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn transfer_result_decides_and_the_answer_type_offers_the_button() {
        let a = answer("ANSWER_INFO", "QA_DIRECT", Some("NO_ACTION"));
        assert_eq!(a.hand_over(), HandOver::NotNeeded);
        let a = answer("ANSWER_INFO", "QA_DIRECT", None);
        assert_eq!(a.hand_over(), HandOver::NotNeeded);
        for (value, reason) in [
            ("KEY_WORD", TransferResult::KeyWord),
            ("GPT_TRANSFER", TransferResult::GptTransfer),
            ("REPEAT", TransferResult::Repeat),
            ("NEGATIVE_EMOTIONS", TransferResult::NegativeEmotions),
            ("MUCH_UNKNOWN", TransferResult::MuchUnknown),
            ("PROCESS_NODE_TRANSFER", TransferResult::ProcessNodeTransfer),
            (
                "SOMETHING_NEW",
                TransferResult::Unknown("SOMETHING_NEW".into()),
            ),
        ] {
            let a = answer("PROCESS_INFO", "PROCESS_DOING", Some(value));
            assert_eq!(a.hand_over(), HandOver::Required(reason), "{value}");
            assert!(a.hand_over().describe().unwrap().contains(value));
        }
        let a = answer("ANSWER_INFO", "TRANSFER_INTENTION", Some("NO_ACTION"));
        assert_eq!(
            a.hand_over(),
            HandOver::Offer(RobotAnswerType::TransferIntention)
        );
        let a = answer("THIRD_ANSWER_INFO", "UNKNOWN", Some("NO_ACTION"));
        assert_eq!(
            a.hand_over(),
            HandOver::Offer(RobotAnswerType::UnknownValue)
        );
        // A required transfer wins over the button.
        let a = answer("ANSWER_INFO", "TRANSFER_INTENTION", Some("GPT_TRANSFER"));
        assert!(a.hand_over().is_required());
        // Only the answer-information messages decide.
        let a = answer("MESSAGE", "TRANSFER_INTENTION", Some("KEY_WORD"));
        assert_eq!(a.hand_over(), HandOver::NotNeeded);
        let a = answer("ERROR_END", "UNKNOWN", Some("KEY_WORD"));
        assert_eq!(a.hand_over(), HandOver::NotNeeded);
        // Rules of your own.
        let rules = HandOverRules::default().offer_on([RobotAnswerType::General]);
        let a = answer("ANSWER_INFO", "GENERAL", None);
        assert_eq!(rules.decide(&a), HandOver::Offer(RobotAnswerType::General));
        let all = [
            answer("ANSWER_INFO", "UNKNOWN", None),
            answer("ANSWER_INFO", "QA_DIRECT", Some("REPEAT")),
        ];
        assert_eq!(
            HandOverRules::default().decide_all(&all),
            HandOver::Required(TransferResult::Repeat)
        );
    }
}

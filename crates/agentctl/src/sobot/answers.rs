//! Showing the bot's answers: as text for people (the `table` format: chunks printed as
//! they arrive, workflow choices and cards numbered), or as records in the other formats
//! (one per streamed event, vendor field names). Either way the numbered choices are
//! remembered, so the chat can click one by number. For people, an answer that hands the
//! visitor over to a human says so (`HandOver`), and the pushes polled after an answer with
//! a delay (node or session timeouts, pushed answers) are shown as they arrive; in the
//! record formats a push is one record, as sent.

use std::io::{self, Write};

use futures::TryStreamExt;
use serde_json::{Value, json};
use sobot_client::{
    Answer, AnswerEvent, AnswerStream, Conversation, HandOver, HandOverRules, MessageChunk, Push,
    PushKind, StreamNotice,
};

use crate::error::CliError;
use crate::output::{Emitter, Format, ROBOT_ANSWER};

/// Something the user can pick by number after an answer.
#[derive(Debug, Clone)]
pub(crate) enum Choice {
    /// A workflow button: one of the answer's `variable_value_enums`.
    Button { answer: Box<Answer>, value: String },
    /// A card (and one of its buttons, if it has any).
    Card {
        answer: Box<Answer>,
        card: usize,
        button: Option<String>,
    },
}

enum Sink<'a> {
    Text(&'a mut dyn Write),
    Records(Emitter<&'a mut dyn Write>),
}

/// Where answers are shown.
pub(crate) struct AnswerView<'a> {
    sink: Sink<'a>,
    choices: Vec<Choice>,
    /// Text chunks arrived for the answer being shown.
    streamed: bool,
    /// The text output is in the middle of a line.
    mid_line: bool,
}

impl std::fmt::Debug for AnswerView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerView")
            .field("text", &self.is_text())
            .field("choices", &self.choices.len())
            .finish_non_exhaustive()
    }
}

impl<'a> AnswerView<'a> {
    /// Text for `table`, records for the other formats.
    pub(crate) fn new(format: Format, out: &'a mut dyn Write) -> Self {
        let sink = match format {
            Format::Table => Sink::Text(out),
            _ => Sink::Records(Emitter::new(format, out, ROBOT_ANSWER)),
        };
        Self {
            sink,
            choices: Vec::new(),
            streamed: false,
            mid_line: false,
        }
    }

    /// Whether answers are shown as text for people.
    pub(crate) fn is_text(&self) -> bool {
        matches!(self.sink, Sink::Text(_))
    }

    /// Shows a streamed answer as it arrives.
    pub(crate) async fn show_stream(&mut self, mut stream: AnswerStream) -> Result<(), CliError> {
        self.start();
        while let Some(event) = stream.try_next().await.map_err(CliError::api("sobot"))? {
            match event {
                AnswerEvent::Message(chunk) => self.message(&chunk)?,
                AnswerEvent::Info(info) => self.info(&info)?,
                AnswerEvent::Error(notice) => self.notice("ERROR", &notice)?,
                AnswerEvent::End(notice) => self.notice("ERROR_END", &notice)?,
                AnswerEvent::Other { raw, .. } => self.record(&raw)?,
                _ => {}
            }
        }
        Ok(self.end_line()?)
    }

    /// Shows answers that came whole (a non-streamed question or a click).
    pub(crate) fn show_answers(&mut self, answers: &[Answer]) -> Result<(), CliError> {
        self.start();
        for answer in answers {
            self.info(answer)?;
        }
        Ok(self.end_line()?)
    }

    /// Polls the pushes the conversation's last answer owes (a delay > 0) and shows each
    /// as it arrives; nothing when it owes none.
    pub(crate) async fn follow_pushes(
        &mut self,
        conversation: &mut Conversation,
    ) -> Result<(), CliError> {
        let api = CliError::api("sobot");
        let Some(mut pushes) = conversation.pending_pushes().map_err(&api)? else {
            return Ok(());
        };
        while let Some(push) = pushes.try_next().await.map_err(&api)? {
            self.show_push(&push)?;
        }
        Ok(())
    }

    /// Shows one push: for people, its kind, its text and its hand-over decision (a
    /// pushed answer's choices can be clicked like an answer's); as a record, the push as
    /// sent.
    pub(crate) fn show_push(&mut self, push: &Push) -> io::Result<()> {
        if let Sink::Records(emitter) = &mut self.sink {
            return emitter.item(push.raw());
        }
        self.end_line()?;
        let what = match &push.kind {
            PushKind::NodeOverTime(_) => "node timeout",
            PushKind::SessionOverTime(_) => "session timeout",
            PushKind::RobotAnswer(_) => "pushed answer",
            _ => "push",
        };
        let status = push
            .polling_status()
            .map(|s| format!(", {}", s.as_str()))
            .unwrap_or_default();
        self.say(&format!("[{what}: {}{status}]", push.push_type()))?;
        let answers: Vec<Answer> = push.answers().cloned().collect();
        if answers.is_empty() {
            if let Some(text) = push.text() {
                self.say(&text)?;
            }
            return Ok(());
        }
        self.streamed = false;
        for answer in &answers {
            self.info(answer)?;
        }
        self.end_line()
    }

    /// The choices offered by the last answer, numbered from 1 in this order.
    pub(crate) fn take_choices(&mut self) -> Vec<Choice> {
        std::mem::take(&mut self.choices)
    }

    /// A line for people (nothing in the record formats).
    pub(crate) fn say(&mut self, text: &str) -> io::Result<()> {
        if let Sink::Text(out) = &mut self.sink {
            writeln!(out, "{text}")?;
            out.flush()?;
        }
        Ok(())
    }

    /// The chat prompt, followed by `echo` when the input is not typed on a terminal (so
    /// a piped transcript still shows the questions).
    pub(crate) fn prompt(&mut self, echo: Option<&str>) -> io::Result<()> {
        if let Sink::Text(out) = &mut self.sink {
            match echo {
                Some(line) => writeln!(out, "> {line}")?,
                None => write!(out, "> ")?,
            }
            out.flush()?;
        }
        Ok(())
    }

    /// Ends the output (closes the JSON array).
    pub(crate) fn finish(self) -> io::Result<()> {
        match self.sink {
            Sink::Text(out) => out.flush(),
            Sink::Records(emitter) => emitter.finish(),
        }
    }

    fn start(&mut self) {
        self.streamed = false;
        self.choices.clear();
    }

    fn record(&mut self, value: &Value) -> io::Result<()> {
        match &mut self.sink {
            Sink::Records(emitter) => emitter.item(value),
            Sink::Text(_) => Ok(()),
        }
    }

    fn message(&mut self, chunk: &MessageChunk) -> io::Result<()> {
        self.streamed = true;
        match &mut self.sink {
            Sink::Text(out) => {
                write!(out, "{}", chunk.text)?;
                self.mid_line = !chunk.text.ends_with('\n');
                out.flush()
            }
            Sink::Records(emitter) => emitter.item(&json!({
                "robot_answer_message_type": "MESSAGE",
                "answer": chunk.text,
                "message_end": chunk.message_end,
                "roundid": chunk.roundid,
                "msgid": chunk.msgid,
                "ai_agent_cid": chunk.ai_agent_cid,
            })),
        }
    }

    fn notice(&mut self, kind: &str, notice: &StreamNotice) -> io::Result<()> {
        match &mut self.sink {
            Sink::Text(_) => {
                let what = if kind == "ERROR_END" {
                    "the chat was ended"
                } else {
                    "the bot reported an error"
                };
                let text = match notice.message.as_deref().filter(|m| !m.is_empty()) {
                    Some(message) => format!("[{what}: {message}]"),
                    None => format!("[{what}]"),
                };
                self.end_line()?;
                self.say(&text)
            }
            Sink::Records(emitter) => emitter.item(&json!({
                "robot_answer_message_type": kind,
                "answer": notice.message,
                "msgid": notice.msgid,
                "ai_agent_cid": notice.ai_agent_cid,
            })),
        }
    }

    fn info(&mut self, info: &Answer) -> io::Result<()> {
        let first = self.choices.len();
        for value in info.variable_value_enums.iter().flatten() {
            self.choices.push(Choice::Button {
                answer: Box::new(info.clone()),
                value: value.clone(),
            });
        }
        let mut labels: Vec<String> = self.choices[first..]
            .iter()
            .filter_map(|c| match c {
                Choice::Button { value, .. } => Some(value.clone()),
                Choice::Card { .. } => None,
            })
            .collect();
        for (index, card) in info
            .interface_info
            .iter()
            .flat_map(|i| &i.custom_cards)
            .enumerate()
        {
            let name = card
                .custom_card_name
                .param_value
                .clone()
                .unwrap_or_default();
            let amount = card
                .custom_card_amount
                .as_ref()
                .and_then(|a| a.param_value.clone())
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
            let buttons: Vec<Option<String>> = match card.custom_menus.as_deref() {
                Some(menus) if !menus.is_empty() => {
                    menus.iter().map(|m| m.menu_name.clone()).collect()
                }
                _ => vec![None],
            };
            for button in buttons {
                labels.push(match &button {
                    Some(b) => format!("{name}{amount}: {b}"),
                    None => format!("{name}{amount}"),
                });
                self.choices.push(Choice::Card {
                    answer: Box::new(info.clone()),
                    card: index,
                    button,
                });
            }
        }
        match &mut self.sink {
            Sink::Records(emitter) => emitter.item(info),
            Sink::Text(out) => {
                if self.mid_line {
                    writeln!(out)?;
                    self.mid_line = false;
                }
                if !self.streamed
                    && let Some(text) = info.answer.as_deref().filter(|a| !a.is_empty())
                {
                    writeln!(out, "{text}")?;
                }
                for (n, label) in labels.iter().enumerate() {
                    writeln!(out, "  [{}] {label}", first + n + 1)?;
                }
                if let Some(decision) = hand_over_line(info) {
                    writeln!(out, "  {decision}")?;
                }
                if info.delay > 0 {
                    writeln!(
                        out,
                        "  (node timeout: delay {}, polling for the follow-up)",
                        info.delay
                    )?;
                }
                out.flush()
            }
        }
    }

    pub(crate) fn end_line(&mut self) -> io::Result<()> {
        if let Sink::Text(out) = &mut self.sink
            && self.mid_line
        {
            writeln!(out)?;
            out.flush()?;
            self.mid_line = false;
        }
        Ok(())
    }
}

/// The hand-over decision of an answer, for people (`None` when nothing is to be done).
fn hand_over_line(info: &Answer) -> Option<String> {
    let decision = HandOverRules::default().decide(info);
    let text = decision.describe()?;
    Some(match decision {
        HandOver::Required(_) => format!("[hand-over: {text}]"),
        _ => format!("[hand-over offered: {text}]"),
    })
}

//! Streaming answers (`POST /ai-agent-open/ask/answer`) as typed events, following the
//! document's "Streaming API parsing method".
//!
//! - `MESSAGE`: a chunk of text to append ([`AnswerEvent::Message`]).
//! - `ANSWER_INFO` / `PROCESS_INFO` (and the third-party `THIRD_*` forms): the answer's
//!   information: transfer result, delay, workflow enum data, cards
//!   ([`AnswerEvent::Info`]).
//! - `ERROR`: the server could not parse something ([`AnswerEvent::Error`]).
//! - `ERROR_END`: the chat was terminated ([`AnswerEvent::End`]); it is the last item.
//!
//! Each server-sent event may carry one bare answer object or an envelope with
//! `data: [...]` (as in the document's example); both are read, and both snake_case and
//! camelCase field names are accepted.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use common_http::reexports::serde_json::{Map, Value};
use common_http::{DriftKind, DriftLedger, Envelope, Error, HttpClient, RequestSpec, decode_json};
use futures::{Stream, StreamExt};
use serde::Deserialize;

use crate::generated::{
    Answer, AskStream, OpenInterfaceInfo, RobotAnswerMessageType, SobotResponse,
};

/// A chunk of answer text (`MESSAGE`).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct MessageChunk {
    /// The text to append (may be empty).
    pub text: String,
    /// The id of the message the chunk belongs to (`msgid` / `msgId`).
    pub msgid: Option<String>,
    /// The round id (`roundid` / `roundId`).
    pub roundid: Option<String>,
    /// The chat id (`ai_agent_cid` / `aiAgentCid`).
    pub ai_agent_cid: Option<String>,
    /// `message_end` (third-party streams mark the last chunk).
    pub message_end: bool,
    /// The workflow the chunk belongs to (`process_id` / `processId`), when it carries one.
    pub process_id: Option<String>,
    /// The workflow node (`node_id` / `nodeId`).
    pub node_id: Option<String>,
    /// The workflow's choices (`variable_value_enums`), when the chunk carries them.
    pub variable_value_enums: Option<Vec<String>>,
    /// The card information (`interface_info`), when the chunk carries cards.
    pub interface_info: Option<Box<OpenInterfaceInfo>>,
}

/// What the server said with an `ERROR` or `ERROR_END` event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StreamNotice {
    /// The `answer` text sent with it, if any.
    pub message: Option<String>,
    /// The message id, if any.
    pub msgid: Option<String>,
    /// The chat id, if any.
    pub ai_agent_cid: Option<String>,
}

/// One typed item of a streaming answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AnswerEvent {
    /// `MESSAGE`: text to append to the answer.
    Message(MessageChunk),
    /// `ANSWER_INFO`, `PROCESS_INFO`, `THIRD_ANSWER_INFO`, `THIRD_PROCESS_INFO`: the answer
    /// information (transfer result, delay, workflow enum data, cards).
    Info(Box<Answer>),
    /// `ERROR`: the server reported a parsing error; the stream goes on.
    Error(StreamNotice),
    /// `ERROR_END`: the chat was terminated; nothing follows.
    End(StreamNotice),
    /// A message type this version does not know, with the raw object.
    Other {
        /// The `robot_answer_message_type` as sent.
        message_type: String,
        /// The whole object.
        raw: Value,
    },
    /// An event whose data could not be read even tolerantly (cut JSON, not an answer):
    /// handed on as sent, and the stream goes on.
    Unreadable(UnreadableEvent),
}

/// An event of a streamed answer that could not be read, as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnreadableEvent {
    /// The event's `data`, exactly as sent.
    pub data: String,
    /// Why it could not be read.
    pub reason: String,
}

impl AnswerEvent {
    /// The text to append, for a [`AnswerEvent::Message`].
    pub fn text(&self) -> Option<&str> {
        match self {
            AnswerEvent::Message(chunk) => Some(&chunk.text),
            _ => None,
        }
    }

    /// Whether this is the terminating `ERROR_END` item.
    pub fn is_end(&self) -> bool {
        matches!(self, AnswerEvent::End(_))
    }
}

impl AskStream {
    /// Sends the question and collects the whole answer (see [`AnswerStream::collect_answer`]).
    pub async fn collect(self) -> Result<CollectedAnswer, Error> {
        self.send().await?.collect_answer().await
    }
}

type DataStream = Pin<Box<dyn Stream<Item = Result<String, Error>> + Send>>;

/// Where a stream records the latest chat id (`ai_agent_cid`) its events carry, for the
/// [`Conversation`](crate::Conversation) that sent the question.
pub(crate) type ChatIdSlot = Arc<Mutex<Option<String>>>;

/// Where a stream records the last information event whose `delay` is greater than 0 (a
/// node timeout the [`Conversation`](crate::Conversation) is to poll for).
pub(crate) type DelaySlot = Arc<Mutex<Option<Answer>>>;

/// The events of one streaming answer. Dropping it closes the connection.
pub struct AnswerStream {
    inner: Option<DataStream>,
    pending: VecDeque<AnswerEvent>,
    chat_id: Option<ChatIdSlot>,
    delayed: Option<DelaySlot>,
    /// Where deviations of the events are recorded: the client's ledger and the operation.
    drift: Option<(DriftLedger, &'static str)>,
}

impl fmt::Debug for AnswerStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnswerStream")
            .field("open", &self.inner.is_some())
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl AnswerStream {
    /// Sends `spec` and reads the answer as a stream: what [`AskStream::send`] returns.
    ///
    /// Sobot answers a refused call (an invalid token, a bad parameter) with its JSON
    /// envelope instead of a stream: it is decoded as the vendor error inside the attempt
    /// loop, so the token is renewed and the question sent once more, as for any other call.
    ///
    /// ```no_run
    /// # async fn demo(client: sobot_client::SobotClient, request: sobot_client::AskRequest) -> Result<(), sobot_client::Error> {
    /// use futures::TryStreamExt;
    /// let mut events = client.ask_stream(request).send().await?;
    /// while let Some(event) = events.try_next().await? {
    ///     if let Some(text) = event.text() {
    ///         let _ = text; // append to the screen
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub(crate) async fn open(http: HttpClient, spec: RequestSpec) -> Result<Self, Error> {
        let operation = spec.operation_name();
        let sse = http
            .send_sse_or_envelope::<SobotResponse<Value>>(spec)
            .await?;
        let mut stream = Self::from_data(sse.map(|event| event.map(|e| e.data)));
        stream.drift = Some((http.drift().clone(), operation));
        Ok(stream)
    }

    /// A stream of answer events over any stream of SSE `data` payloads (for tests and
    /// for transports of your own).
    pub fn from_data<S>(data: S) -> Self
    where
        S: Stream<Item = Result<String, Error>> + Send + 'static,
    {
        Self {
            inner: Some(Box::pin(data)),
            pending: VecDeque::new(),
            chat_id: None,
            delayed: None,
            drift: None,
        }
    }

    /// Records every non-empty chat id the events carry into `slot`.
    pub(crate) fn recording_chat_id(mut self, slot: ChatIdSlot) -> Self {
        self.chat_id = Some(slot);
        self
    }

    /// Records the last information event with a delay into `slot`.
    pub(crate) fn recording_delayed(mut self, slot: DelaySlot) -> Self {
        self.delayed = Some(slot);
        self
    }

    fn record_delayed(&self, event: &AnswerEvent) {
        if let (Some(slot), AnswerEvent::Info(info)) = (&self.delayed, event)
            && info.delay > 0
            && let Ok(mut slot) = slot.lock()
        {
            *slot = Some((**info).clone());
        }
    }

    fn record_chat_id(&self, event: &AnswerEvent) {
        let Some(slot) = &self.chat_id else { return };
        let cid = match event {
            AnswerEvent::Message(chunk) => chunk.ai_agent_cid.as_deref(),
            AnswerEvent::Info(info) => Some(info.ai_agent_cid.as_str()),
            AnswerEvent::Error(notice) | AnswerEvent::End(notice) => notice.ai_agent_cid.as_deref(),
            AnswerEvent::Other { .. } | AnswerEvent::Unreadable(_) => None,
        };
        if let Some(cid) = cid.filter(|c| !c.is_empty())
            && let Ok(mut slot) = slot.lock()
        {
            *slot = Some(cid.to_owned());
        }
    }

    /// Reads the stream to its end (or to `ERROR_END`) and collects the answer.
    pub async fn collect_answer(mut self) -> Result<CollectedAnswer, Error> {
        let mut collected = CollectedAnswer::default();
        while let Some(event) = self.next().await {
            collected.push(event?);
        }
        Ok(collected)
    }

    /// Reads the stream to its end and returns the final answer text
    /// (see [`CollectedAnswer::final_text`]).
    pub async fn collect_text(self) -> Result<String, Error> {
        Ok(self.collect_answer().await?.final_text())
    }
}

impl Stream for AnswerStream {
    type Item = Result<AnswerEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(event) = this.pending.pop_front() {
                this.record_chat_id(&event);
                this.record_delayed(&event);
                if event.is_end() {
                    // Nothing follows a terminated chat: close the connection now.
                    this.inner = None;
                    this.pending.clear();
                }
                return Poll::Ready(Some(Ok(event)));
            }
            let Some(inner) = this.inner.as_mut() else {
                return Poll::Ready(None);
            };
            match inner.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.inner = None;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(err))) => {
                    this.inner = None;
                    return Poll::Ready(Some(Err(err)));
                }
                Poll::Ready(Some(Ok(data))) => {
                    let parsed = match &this.drift {
                        Some((ledger, operation)) => {
                            common_http::drift::scope(ledger, operation, || parse_data(&data))
                        }
                        None => parse_data(&data),
                    };
                    match parsed {
                        Ok(events) => this.pending.extend(events),
                        // The vendor's error in the stream (an invalid token): it ends it.
                        Err(err) if err.is_api() || err.is_auth() => {
                            this.inner = None;
                            return Poll::Ready(Some(Err(err)));
                        }
                        // One event that cannot be read is handed on; the answer goes on.
                        Err(err) => {
                            let record = || {
                                common_http::drift::record(
                                    "data",
                                    DriftKind::UnreadableEvent,
                                    || err.to_string(),
                                );
                            };
                            match &this.drift {
                                Some((ledger, operation)) => {
                                    common_http::drift::scope(ledger, operation, record);
                                }
                                None => record(),
                            }
                            this.pending
                                .push_back(AnswerEvent::Unreadable(UnreadableEvent {
                                    reason: err.to_string(),
                                    data,
                                }));
                        }
                    }
                }
            }
        }
    }
}

/// A whole answer, collected from its events.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CollectedAnswer {
    /// The `MESSAGE` chunks, appended in order.
    pub text: String,
    /// The answer information events, in order.
    pub infos: Vec<Answer>,
    /// `ERROR` notices.
    pub errors: Vec<StreamNotice>,
    /// The `ERROR_END` notice, when the chat was terminated.
    pub terminated: Option<StreamNotice>,
    /// The events that could not be read, as sent.
    pub unreadable: Vec<UnreadableEvent>,
}

impl CollectedAnswer {
    /// Adds one event (to collect while also displaying the stream).
    pub fn push(&mut self, event: AnswerEvent) {
        match event {
            AnswerEvent::Message(chunk) => self.text.push_str(&chunk.text),
            AnswerEvent::Info(info) => self.infos.push(*info),
            AnswerEvent::Error(notice) => self.errors.push(notice),
            AnswerEvent::End(notice) => self.terminated = Some(notice),
            AnswerEvent::Unreadable(event) => self.unreadable.push(event),
            AnswerEvent::Other { .. } => {}
        }
    }

    /// The answer text: the `MESSAGE` chunks, or, when no chunk arrived, the `answer` of
    /// the information events (a direct answer may come whole).
    pub fn final_text(&self) -> String {
        if !self.text.is_empty() {
            return self.text.clone();
        }
        self.infos
            .iter()
            .filter_map(|i| i.answer.as_deref())
            .filter(|a| !a.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The last information event whose `delay` is greater than 0 (a node timeout to poll,
    /// see [`SobotClient::poll_pushes`](crate::SobotClient::poll_pushes)).
    pub fn delayed(&self) -> Option<&Answer> {
        self.infos.iter().rev().find(|i| i.delay > 0)
    }
}

/// Turns one SSE `data` payload into events: a bare answer object, or Sobot's envelope
/// whose `data` holds one answer or a list of them. An envelope's code is read by the same
/// decoder as every other Sobot answer ([`SobotResponse`]), so a token-invalid code in the
/// stream renews the token like anywhere else.
pub(crate) fn parse_data(data: &str) -> Result<Vec<AnswerEvent>, Error> {
    let trimmed = data.trim();
    if trimmed.is_empty() || trimmed == "[DONE]" {
        return Ok(Vec::new());
    }
    let body = trimmed.as_bytes();
    let value: Value = decode_json(body)?;
    let Value::Object(object) = &value else {
        return Err(Error::decode(
            "",
            body,
            "an answer event must be a JSON object",
        ));
    };
    let has_code = ["ret_code", "retCode", "errcode"]
        .iter()
        .any(|name| object.contains_key(*name));
    let payload = if has_code {
        SobotResponse::<Value>::open(body)?
    } else if let Some(data) = object.get("data") {
        data.clone()
    } else {
        return classify(&value).map(|e| vec![e]);
    };
    match payload {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items.iter().map(classify_or_keep).collect()),
        item @ Value::Object(_) => Ok(vec![classify_or_keep(&item)]),
        _ => Err(Error::decode(
            "data",
            body,
            "`data` must be an answer object or a list of them",
        )),
    }
}

/// A field under any of `names`, read tolerantly (deviations recorded at `path`); `None`
/// when absent or unreadable.
fn tolerant<T: common_http::tolerant::Tolerant>(
    object: &Map<String, Value>,
    names: &[&str],
    path: &'static str,
) -> Option<T> {
    let value = names.iter().find_map(|name| object.get(*name))?;
    T::read(value, common_http::tolerant::At::new(path))
        .ok()
        .and_then(|read| read.value)
}

/// A text field under any of `names` (numbers are read as text).
fn field(object: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| match object.get(*name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// One answer of an event's list: typed, or, when it cannot be read, handed on as sent
/// (and recorded), so the other answers of the same event are not lost.
fn classify_or_keep(item: &Value) -> AnswerEvent {
    classify(item).unwrap_or_else(|err| {
        common_http::drift::record("data[]", DriftKind::UnreadableEvent, || err.to_string());
        AnswerEvent::Unreadable(UnreadableEvent {
            data: item.to_string(),
            reason: err.to_string(),
        })
    })
}

fn classify(item: &Value) -> Result<AnswerEvent, Error> {
    let Value::Object(object) = &item else {
        return Err(Error::decode(
            "data",
            item.to_string().as_bytes(),
            "an answer must be a JSON object",
        ));
    };
    let Some(kind) = field(
        object,
        &["robot_answer_message_type", "robotAnswerMessageType"],
    ) else {
        return Err(Error::decode(
            "robot_answer_message_type",
            item.to_string().as_bytes(),
            "the answer has no robot_answer_message_type",
        ));
    };
    let text = |o: &Map<String, Value>| field(o, &["answer"]);
    let msgid = |o: &Map<String, Value>| field(o, &["msgid", "msgId", "msg_id"]);
    let cid = |o: &Map<String, Value>| field(o, &["ai_agent_cid", "aiAgentCid"]);
    let notice = |o: &Map<String, Value>| StreamNotice {
        message: text(o).filter(|t| !t.is_empty()),
        msgid: msgid(o),
        ai_agent_cid: cid(o),
    };
    Ok(match RobotAnswerMessageType::from(kind) {
        RobotAnswerMessageType::Message => AnswerEvent::Message(MessageChunk {
            text: text(object).unwrap_or_default(),
            msgid: msgid(object),
            roundid: field(object, &["roundid", "roundId", "round_id"]),
            ai_agent_cid: cid(object),
            message_end: matches!(
                object
                    .get("message_end")
                    .or_else(|| object.get("messageEnd")),
                Some(Value::Bool(true))
            ) || matches!(
                object.get("message_end").or_else(|| object.get("messageEnd")),
                Some(Value::String(s)) if s == "true"
            ),
            process_id: field(object, &["process_id", "processId"]),
            node_id: field(object, &["node_id", "nodeId"]),
            variable_value_enums: tolerant(
                object,
                &["variable_value_enums", "variableValueEnums"],
                "RobotAnswerRespVo.variable_value_enums",
            ),
            interface_info: tolerant::<OpenInterfaceInfo>(
                object,
                &["interface_info", "interfaceInfo"],
                "RobotAnswerRespVo.interface_info",
            )
            .map(Box::new),
        }),
        RobotAnswerMessageType::AnswerInfo
        | RobotAnswerMessageType::ProcessInfo
        | RobotAnswerMessageType::ThirdAnswerInfo
        | RobotAnswerMessageType::ThirdProcessInfo => {
            let info = Answer::deserialize(item)
                .map_err(|e| Error::decode("data", item.to_string().as_bytes(), e))?;
            AnswerEvent::Info(Box::new(info))
        }
        RobotAnswerMessageType::Error => AnswerEvent::Error(notice(object)),
        RobotAnswerMessageType::ErrorEnd => AnswerEvent::End(notice(object)),
        other => AnswerEvent::Other {
            message_type: other.to_string(),
            raw: item.clone(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = r#"{"robotAnswerType":"QA_DIRECT","robotAnswerMessageType":"ANSWER_INFO","answer":"Hi","transferResult":"NO_ACTION","roundId":"r","msgId":"m","aiAgentCid":"c","bizId":"b","robotName":"n","robotLogo":"","robotId":"1","robotStatus":"ENABLE","delay":3}"#;

    #[test]
    fn bare_camel_case_and_enveloped_snake_case_events() {
        let events = parse_data(INFO).unwrap_or_default();
        match events.as_slice() {
            [AnswerEvent::Info(info)] => {
                assert_eq!(info.delay, 3);
                assert_eq!(info.msgid, "m");
            }
            other => panic!("unexpected {other:?}"),
        }
        let enveloped = r#"{"data":[{"robot_answer_message_type":"MESSAGE","answer":"Cus","msgid":"m1"},{"robot_answer_message_type":"ERROR_END","answer":"bye"}],"retCode":"000000","retMsg":"success"}"#;
        let events = parse_data(enveloped).unwrap_or_default();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].text(), Some("Cus"));
        assert!(events[1].is_end());
    }

    #[test]
    fn documented_example_and_errors() {
        let body = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/answer.response.json"
        ))
        .unwrap_or_default();
        let events = parse_data(&body).unwrap_or_default();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].text(), Some("Customer service"));
        let err = parse_data(r#"{"ret_code":"900002","ret_msg":"token invalid"}"#).err();
        assert!(err.is_some_and(|e| e.is_auth()));
        assert!(parse_data(r#"{"answer":"x"}"#).is_err());
        assert!(parse_data("not json").is_err());
        assert!(parse_data("[DONE]").is_ok_and(|e| e.is_empty()));
    }
}

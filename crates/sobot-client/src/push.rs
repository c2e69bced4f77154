//! Pushes (`get_push_info`) as typed values, and the node-timeout polling that an answer
//! with `delay > 0` starts.
//!
//! The document's "Streaming API parsing method" says: "Determine the delay field; in the
//! cases of ANSWER_INFO and PROCESS, if this field is greater than 0, polling node timeout
//! will be initiated", and "Polling timeout message" (`get_push_info?msgid=`) is what is
//! polled. It says neither the unit of `delay` nor what the endpoint answers before there
//! is anything to push. Both are explicit, configurable assumptions of [`PushPolling`]:
//!
//! - **unit of `delay`**: seconds ([`PushPolling::delay_unit`], 1 s by default); polling
//!   lasts `delay × delay_unit` plus [`PushPolling::grace`], never more than
//!   [`PushPolling::max_duration`];
//! - **"nothing yet"**: a success code whose `data` is absent, `null`, `{}`, `[]` or an
//!   object without `push_type`; polling goes on (it never stops on it). A vendor code can
//!   be declared to mean the same ([`PushPolling::nothing_yet_codes`], none by default);
//!   any other error ends the polling with that error.
//!
//! Each distinct push is delivered once (the same push answered again is not repeated);
//! polling ends after a final one ([`Push::is_final`]: a `ROBOT_ANSWER`, or a timeout whose
//! `polling_status` is `POLLING_END`), or when its time is up.

use std::collections::BTreeSet;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use common_http::reexports::serde_json::{self, Value};
use common_http::tolerant::{RawRecord, Record};
use common_http::{Clock, DriftLedger, Error, Sleeper};
use futures::Stream;
use futures::future::BoxFuture;
use serde::Deserialize;

use crate::client::SobotClient;
use crate::generated::{Answer, PollingStatus, PushData, PushInfo, PushType, SobotResponse};

/// How node-timeout polling runs, and the two assumptions it rests on, since the document
/// says neither:
///
/// - **the unit of `delay`** is seconds ([`PushPolling::delay_unit`]); polling lasts
///   `delay × delay_unit` plus [`PushPolling::grace`], at most
///   [`PushPolling::max_duration`];
/// - **"nothing pushed yet"** is a success code whose `data` is absent, `null`, `{}`, `[]`
///   or an object without `push_type`: polling goes on, it never stops on it. Vendor codes
///   can be declared to mean the same ([`PushPolling::nothing_yet_codes`], none by
///   default); any other error ends the polling with that error.
///
/// ```
/// use std::time::Duration;
/// let polling = sobot_client::PushPolling::default()
///     .delay_unit(Duration::from_secs(1)) // `delay` counts seconds (the default)
///     .interval(Duration::from_millis(500))
///     .nothing_yet_codes(["100011"]);
/// assert_eq!(polling.budget(30), Duration::from_secs(40));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushPolling {
    /// What one unit of `delay` lasts (1 s by default: an assumption, the document gives no
    /// unit).
    pub delay_unit: Duration,
    /// Time between two polls (1 s by default).
    pub interval: Duration,
    /// Time allowed beyond the answer's delay (10 s by default).
    pub grace: Duration,
    /// The longest polling ever lasts, whatever the delay (10 minutes by default).
    pub max_duration: Duration,
    /// Vendor codes that mean "nothing pushed yet" like an empty success does (none by
    /// default: the document names no such code).
    pub nothing_yet_codes: BTreeSet<String>,
}

impl Default for PushPolling {
    fn default() -> Self {
        Self {
            delay_unit: Duration::from_secs(1),
            interval: Duration::from_secs(1),
            grace: Duration::from_secs(10),
            max_duration: Duration::from_secs(600),
            nothing_yet_codes: BTreeSet::new(),
        }
    }
}

impl PushPolling {
    /// Sets what one unit of `delay` lasts.
    pub fn delay_unit(mut self, unit: Duration) -> Self {
        self.delay_unit = unit;
        self
    }

    /// Sets the time between polls.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the time allowed beyond the delay.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Sets the longest polling lasts.
    pub fn max_duration(mut self, max: Duration) -> Self {
        self.max_duration = max;
        self
    }

    /// Sets the vendor codes that mean "nothing pushed yet".
    pub fn nothing_yet_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.nothing_yet_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// How long polling lasts for an answer with this `delay`: `delay × delay_unit + grace`,
    /// at most [`PushPolling::max_duration`].
    pub fn budget(&self, delay: i64) -> Duration {
        let units = u32::try_from(delay.max(0)).unwrap_or(u32::MAX);
        self.delay_unit
            .checked_mul(units)
            .and_then(|d| d.checked_add(self.grace))
            .unwrap_or(self.max_duration)
            .min(self.max_duration)
    }

    fn check(&self) -> Result<(), Error> {
        if self.interval.is_zero() {
            return Err(Error::invalid_request("the poll interval must not be zero"));
        }
        Ok(())
    }
}

/// A pushed message (`PushInfo`), typed by its `push_type`. The push as sent is kept too
/// ([`Push::raw`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Push {
    /// The message id (`msgid`, the table's `msg_id`).
    pub msgid: String,
    /// The business id (`bizid`).
    pub bizid: String,
    /// What was pushed.
    pub kind: PushKind,
    raw: Value,
}

/// What a push carries, by `push_type`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PushKind {
    /// `NODE_OVER_TIME`: the workflow node timed out; `data` is a `PushData`.
    NodeOverTime(Record<PushData>),
    /// `SESSION_OVER_TIME`: the chat timed out; `data` is a `PushData`.
    SessionOverTime(Record<PushData>),
    /// `ROBOT_ANSWER`: answers pushed (`data` is `List<RobotAnswerRespVo>`).
    RobotAnswer(PushedAnswers),
    /// A `push_type` this version does not know (or none at all): the push is kept as
    /// sent, in [`Push::raw`].
    Other {
        /// The `push_type` as sent (empty when there was none).
        push_type: String,
    },
}

/// The answers of a `ROBOT_ANSWER` push.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct PushedAnswers {
    /// The answers, each typed or, when it cannot be read, kept as sent.
    pub answers: Vec<Record<Answer>>,
    /// When `data` was a `PushData` object rather than a list of answers (as the endpoint's
    /// own example shows), that object.
    pub notice: Option<Record<PushData>>,
}

impl Push {
    /// Reads a push (the payload of `get_push_info`) tolerantly: a `push_type` this version
    /// does not know, or a push that is not even an object, is [`PushKind::Other`], kept as
    /// sent. `None` for "nothing yet" (`null`, `{}`, `[]`, an object without `push_type`).
    pub fn from_value(value: Value) -> Option<Self> {
        if nothing_yet(&value) {
            return None;
        }
        let info = match PushInfo::deserialize(&value) {
            Ok(info) if value.is_object() => info,
            _ => {
                return Some(Self {
                    msgid: String::new(),
                    bizid: String::new(),
                    kind: PushKind::Other {
                        push_type: String::new(),
                    },
                    raw: value,
                });
            }
        };
        let kind = match &info.push_type {
            PushType::NodeOverTime => PushKind::NodeOverTime(record(&info.data)),
            PushType::SessionOverTime => PushKind::SessionOverTime(record(&info.data)),
            PushType::RobotAnswer => PushKind::RobotAnswer(PushedAnswers::read(&info.data)),
            other => PushKind::Other {
                push_type: other.as_str().to_owned(),
            },
        };
        Some(Self {
            msgid: info.msgid,
            bizid: info.bizid,
            kind,
            raw: value,
        })
    }

    /// A push decoded as the generated [`PushInfo`].
    pub fn from_info(info: &PushInfo) -> Option<Self> {
        Self::from_value(serde_json::to_value(info).unwrap_or(Value::Null))
    }

    /// The push exactly as sent.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The `push_type` (`NODE_OVER_TIME`, `SESSION_OVER_TIME`, `ROBOT_ANSWER`, or the
    /// unknown value as sent).
    pub fn push_type(&self) -> &str {
        match &self.kind {
            PushKind::NodeOverTime(_) => "NODE_OVER_TIME",
            PushKind::SessionOverTime(_) => "SESSION_OVER_TIME",
            PushKind::RobotAnswer(_) => "ROBOT_ANSWER",
            PushKind::Other { push_type } => push_type,
        }
    }

    /// The timeout message (`PushData`) of a timeout push, or of a `ROBOT_ANSWER` that
    /// carried one.
    pub fn push_data(&self) -> Option<&PushData> {
        match &self.kind {
            PushKind::NodeOverTime(data) | PushKind::SessionOverTime(data) => data.typed(),
            PushKind::RobotAnswer(answers) => answers.notice.as_ref().and_then(Record::typed),
            PushKind::Other { .. } => None,
        }
    }

    /// The `polling_status` of its `PushData`, if it has one.
    pub fn polling_status(&self) -> Option<&PollingStatus> {
        self.push_data().map(|d| &d.polling_status)
    }

    /// The answers a `ROBOT_ANSWER` push carries (the readable ones).
    pub fn answers(&self) -> impl Iterator<Item = &Answer> {
        let answers: &[Record<Answer>] = match &self.kind {
            PushKind::RobotAnswer(pushed) => &pushed.answers,
            _ => &[],
        };
        answers.iter().filter_map(Record::typed)
    }

    /// The text to show: the answers' texts, or the timeout message's `msg`.
    pub fn text(&self) -> Option<String> {
        let texts: Vec<&str> = self
            .answers()
            .filter_map(|a| a.answer.as_deref())
            .filter(|a| !a.is_empty())
            .collect();
        if !texts.is_empty() {
            return Some(texts.join("\n"));
        }
        self.push_data()
            .and_then(|d| d.msg.clone())
            .filter(|m| !m.is_empty())
    }

    /// Whether polling is over after this push: a `ROBOT_ANSWER`, or a push whose
    /// `polling_status` is `POLLING_END`.
    pub fn is_final(&self) -> bool {
        matches!(self.kind, PushKind::RobotAnswer(_))
            || self.polling_status() == Some(&PollingStatus::PollingEnd)
    }
}

impl PushedAnswers {
    fn read(data: &Value) -> Self {
        match data {
            Value::Array(items) => Self {
                answers: items.iter().map(record).collect(),
                notice: None,
            },
            Value::Object(object)
                if object.contains_key("robot_answer_message_type")
                    || object.contains_key("robotAnswerMessageType") =>
            {
                Self {
                    answers: vec![record(data)],
                    notice: None,
                }
            }
            Value::Null => Self::default(),
            other => Self {
                answers: Vec::new(),
                notice: Some(record(other)),
            },
        }
    }
}

/// One value read as a record: typed, or kept as sent (and recorded as drift).
fn record<T: serde::de::DeserializeOwned>(value: &Value) -> Record<T> {
    let text = value.to_string();
    serde_json::from_str::<Record<T>>(&text)
        .unwrap_or_else(|err| Record::Raw(RawRecord::new(text, err.to_string())))
}

/// Whether a payload of `get_push_info` means "nothing pushed yet".
fn nothing_yet(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(object) => {
            object.is_empty()
                || !(object.contains_key("push_type") || object.contains_key("pushType"))
        }
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

type Fetch = Box<dyn FnMut() -> BoxFuture<'static, Result<Value, Error>> + Send>;

/// The pushes of one node-timeout polling, in order, each distinct push once; it ends
/// after a final push, when the polling time is up, or after an error. Dropping it stops
/// the polling.
pub struct PushStream {
    inner: Pin<Box<dyn Stream<Item = Result<Push, Error>> + Send>>,
}

impl fmt::Debug for PushStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushStream").finish_non_exhaustive()
    }
}

impl Stream for PushStream {
    type Item = Result<Push, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

struct PollState {
    fetch: Fetch,
    polling: PushPolling,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    drift: Option<(DriftLedger, &'static str)>,
    started: SystemTime,
    budget: Duration,
    polls: u64,
    last: Option<Value>,
    done: bool,
}

impl PollState {
    async fn next(&mut self) -> Option<Result<Push, Error>> {
        loop {
            if self.done {
                return None;
            }
            if self.polls > 0 {
                let elapsed = self
                    .clock
                    .now()
                    .duration_since(self.started)
                    .unwrap_or(Duration::ZERO);
                if elapsed.saturating_add(self.polling.interval) > self.budget {
                    self.done = true;
                    return None;
                }
                self.sleeper.sleep(self.polling.interval).await;
            }
            self.polls += 1;
            let value = match (self.fetch)().await {
                Ok(value) => value,
                Err(err)
                    if err
                        .vendor_code()
                        .is_some_and(|c| self.polling.nothing_yet_codes.contains(c.trim())) =>
                {
                    continue;
                }
                Err(err) => {
                    self.done = true;
                    return Some(Err(err));
                }
            };
            if nothing_yet(&value) || self.last.as_ref() == Some(&value) {
                continue;
            }
            self.last = Some(value.clone());
            let push = match &self.drift {
                Some((ledger, operation)) => {
                    common_http::drift::scope(ledger, operation, || Push::from_value(value))
                }
                None => Push::from_value(value),
            };
            let Some(push) = push else { continue };
            if push.is_final() {
                self.done = true;
            }
            return Some(Ok(push));
        }
    }
}

/// Polls with `fetch` for an answer of `delay`.
fn poll_stream(
    fetch: Fetch,
    delay: i64,
    polling: PushPolling,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    drift: Option<(DriftLedger, &'static str)>,
) -> PushStream {
    let started = clock.now();
    let state = PollState {
        fetch,
        budget: polling.budget(delay),
        polling,
        clock,
        sleeper,
        drift,
        started,
        polls: 0,
        last: None,
        done: false,
    };
    let inner = futures::stream::unfold(state, |mut state| async move {
        let item = state.next().await?;
        Some((item, state))
    });
    PushStream {
        inner: Box::pin(inner),
    }
}

impl SobotClient {
    /// Starts the node-timeout polling of an answer whose `delay` is greater than 0: polls
    /// `get_push_info` with its `msgid` as `polling` says, and yields each push
    /// (`NODE_OVER_TIME`, `SESSION_OVER_TIME`, `ROBOT_ANSWER`, or one of a kind this version
    /// does not know) as it arrives. The waits go through the client's sleeper and the time
    /// through its clock ([`SobotClientBuilder::sleeper`](crate::SobotClientBuilder::sleeper),
    /// [`SobotClientBuilder::clock`](crate::SobotClientBuilder::clock)).
    ///
    /// An answer without a delay, without a `msgid`, or a zero interval is an invalid
    /// request (before any I/O).
    ///
    /// ```no_run
    /// # async fn demo(client: sobot_client::SobotClient, answer: sobot_client::Answer) -> Result<(), sobot_client::Error> {
    /// use futures::TryStreamExt;
    /// let mut pushes = client.poll_pushes(&answer, sobot_client::PushPolling::default())?;
    /// while let Some(push) = pushes.try_next().await? {
    ///     println!("{}: {:?}", push.push_type(), push.text());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn poll_pushes(&self, answer: &Answer, polling: PushPolling) -> Result<PushStream, Error> {
        self.poll_pushes_by_msgid(&answer.msgid, answer.delay, polling)
    }

    /// [`SobotClient::poll_pushes`] for the message `msgid` whose answer had `delay`
    /// (when only the ids were kept).
    pub fn poll_pushes_by_msgid(
        &self,
        msgid: &str,
        delay: i64,
        polling: PushPolling,
    ) -> Result<PushStream, Error> {
        if delay <= 0 {
            return Err(Error::invalid_request(
                "the answer has no delay: there is no node timeout to poll",
            ));
        }
        common_http::validate::non_empty("msgid", msgid)?;
        polling.check()?;
        let operation = self.fetch_push_info(msgid).to_spec()?;
        let client = self.clone();
        let msgid = msgid.to_owned();
        let fetch: Fetch = Box::new(move || {
            let client = client.clone();
            let msgid = msgid.clone();
            Box::pin(async move { client.fetch_push_value(msgid).await })
        });
        Ok(poll_stream(
            fetch,
            delay,
            polling,
            self.clock.clone(),
            self.sleeper.clone(),
            Some((self.drift().clone(), operation.operation_name())),
        ))
    }

    /// One poll of `get_push_info`, its payload as sent (`null` when there is none).
    async fn fetch_push_value(&self, msgid: String) -> Result<Value, Error> {
        let spec = self.fetch_push_info(msgid).to_spec()?;
        self.api.send_json::<SobotResponse<Value>>(spec).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use common_http::SleepFuture;
    use serde_json::json;

    use super::*;

    /// A clock the sleeper moves: no test really waits.
    #[derive(Debug)]
    struct FakeTime {
        now: Mutex<SystemTime>,
        slept: Mutex<Vec<Duration>>,
    }

    impl FakeTime {
        fn new() -> Arc<Self> {
            Arc::new(Self {
                now: Mutex::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
                slept: Mutex::new(Vec::new()),
            })
        }
    }

    impl Clock for FakeTime {
        fn now(&self) -> SystemTime {
            *self.now.lock().unwrap()
        }
    }

    #[derive(Debug)]
    struct FakeSleeper(Arc<FakeTime>);

    impl Sleeper for FakeSleeper {
        fn sleep(&self, duration: Duration) -> SleepFuture {
            *self.0.now.lock().unwrap() += duration;
            self.0.slept.lock().unwrap().push(duration);
            Box::pin(async {})
        }
    }

    /// A fetch answering from a script (then "nothing yet" forever), counting polls.
    fn scripted(answers: Vec<Result<Value, Error>>) -> (Fetch, Arc<Mutex<u64>>) {
        let queue = Arc::new(Mutex::new(VecDeque::from(answers)));
        let polls = Arc::new(Mutex::new(0));
        let counter = polls.clone();
        let fetch: Fetch = Box::new(move || {
            *counter.lock().unwrap() += 1;
            let next = queue.lock().unwrap().pop_front().unwrap_or(Ok(Value::Null));
            Box::pin(async move { next })
        });
        (fetch, polls)
    }

    async fn run(
        answers: Vec<Result<Value, Error>>,
        delay: i64,
        polling: PushPolling,
    ) -> (Vec<Result<Push, Error>>, u64, Vec<Duration>) {
        let time = FakeTime::new();
        let (fetch, polls) = scripted(answers);
        let stream = poll_stream(
            fetch,
            delay,
            polling,
            time.clone(),
            Arc::new(FakeSleeper(time.clone())),
            None,
        );
        let items: Vec<_> = futures::StreamExt::collect(stream).await;
        let polls = *polls.lock().unwrap();
        let slept = time.slept.lock().unwrap().clone();
        (items, polls, slept)
    }

    fn over_time(kind: &str, status: &str) -> Value {
        json!({"msgid": "m1", "bizid": "b", "push_type": kind,
               "data": {"msgid": "m1", "bizid": "b", "ai_agent_cid": "c", "round_id": "r",
                        "msg": "Are you still there?", "source_enum": "PC",
                        "polling_id": "p", "polling_status": status}})
    }

    fn robot_answer() -> Value {
        json!({"msgid": "m1", "bizid": "b", "push_type": "ROBOT_ANSWER", "data": [
            {"robot_answer_type": "PROCESS_END", "robot_answer_message_type": "ANSWER_INFO",
             "answer": "Still there? Your order is on its way.", "transfer_result": "NO_ACTION",
             "roundid": "r", "msgid": "m2", "ai_agent_cid": "c", "biz_id": "b",
             "robot_name": "bot", "robot_logo": "", "robotid": "1", "robot_status": "ENABLE",
             "delay": 0},
            "not an answer"
        ]})
    }

    #[tokio::test]
    async fn nothing_yet_keeps_polling_and_each_push_is_delivered_once() {
        let running = over_time("NODE_OVER_TIME", "POLLING_RUNNING");
        let (items, polls, slept) = run(
            vec![
                Ok(Value::Null),
                Ok(json!({})),
                Ok(json!([])),
                Ok(running.clone()),
                Ok(running),
                Ok(Value::Null),
                Ok(robot_answer()),
                Ok(over_time("SESSION_OVER_TIME", "POLLING_END")),
            ],
            30,
            PushPolling::default(),
        )
        .await;
        let pushes: Vec<Push> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(pushes.len(), 2, "{pushes:?}");
        assert!(matches!(
            pushes[0].kind,
            PushKind::NodeOverTime(Record::Typed(_))
        ));
        assert_eq!(
            pushes[0].polling_status(),
            Some(&PollingStatus::PollingRunning)
        );
        assert_eq!(pushes[0].text().as_deref(), Some("Are you still there?"));
        assert!(!pushes[0].is_final());
        // The robot answer is final: nothing is polled after it.
        let PushKind::RobotAnswer(pushed) = &pushes[1].kind else {
            panic!("{:?}", pushes[1]);
        };
        assert_eq!(pushed.answers.len(), 2);
        assert!(pushed.answers[0].is_typed() && !pushed.answers[1].is_typed());
        assert_eq!(
            pushed.answers[1].raw().map(|r| r.json()),
            Some("\"not an answer\"")
        );
        assert_eq!(
            pushes[1].text().as_deref(),
            Some("Still there? Your order is on its way.")
        );
        assert!(pushes[1].is_final());
        assert_eq!(polls, 7);
        assert_eq!(slept, vec![Duration::from_secs(1); 6]);
    }

    #[tokio::test]
    async fn polling_lasts_delay_seconds_plus_grace_by_default() {
        let (items, polls, slept) = run(Vec::new(), 5, PushPolling::default()).await;
        assert!(items.is_empty());
        // Polls at 0, 1, ..., 15 s: 5 s of delay and 10 s of grace.
        assert_eq!(polls, 16);
        assert_eq!(slept.iter().sum::<Duration>(), Duration::from_secs(15));
        // Another unit, interval and cap.
        let polling = PushPolling::default()
            .delay_unit(Duration::from_millis(100))
            .interval(Duration::from_millis(250))
            .grace(Duration::ZERO);
        let (_, polls, _) = run(Vec::new(), 10, polling.clone()).await;
        assert_eq!(polls, 5); // 0, 250, 500, 750, 1000 ms
        let (_, polls, _) = run(
            Vec::new(),
            1_000_000,
            polling.max_duration(Duration::from_secs(1)),
        )
        .await;
        assert_eq!(polls, 5);
    }

    #[tokio::test]
    async fn a_final_timeout_ends_and_unknown_kinds_are_kept() {
        let unknown =
            json!({"msgid": "m1", "bizid": "b", "push_type": "SOMETHING_NEW", "data": {"x": 1}});
        let (items, polls, _) = run(
            vec![
                Ok(unknown.clone()),
                Ok(over_time("NODE_OVER_TIME", "POLLING_END")),
                Ok(robot_answer()),
            ],
            3,
            PushPolling::default(),
        )
        .await;
        let pushes: Vec<Push> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(pushes.len(), 2);
        assert_eq!(pushes[0].push_type(), "SOMETHING_NEW");
        assert!(
            matches!(&pushes[0].kind, PushKind::Other { push_type } if push_type == "SOMETHING_NEW")
        );
        assert_eq!(pushes[0].raw(), &unknown);
        assert!(pushes[1].is_final());
        assert_eq!(polls, 2);
    }

    #[tokio::test]
    async fn errors_end_polling_unless_declared_nothing_yet() {
        let not_yet = || {
            Err(Error::api(common_http::ApiError::new(
                "100011",
                "no push yet",
            )))
        };
        let (items, polls, _) = run(
            vec![not_yet(), Ok(robot_answer())],
            3,
            PushPolling::default(),
        )
        .await;
        assert_eq!(polls, 1);
        assert!(matches!(items.as_slice(), [Err(e)] if e.vendor_code() == Some("100011")));
        let (items, polls, _) = run(
            vec![not_yet(), not_yet(), Ok(robot_answer())],
            3,
            PushPolling::default().nothing_yet_codes(["100011"]),
        )
        .await;
        assert_eq!(polls, 3);
        assert!(matches!(items.as_slice(), [Ok(p)] if p.is_final()));
    }

    #[test]
    fn the_documented_example_is_a_robot_answer_carrying_push_data() {
        let body = include_str!("../tests/fixtures/get_push_info.response.json");
        let value: Value = serde_json::from_str(body).unwrap();
        let push = Push::from_value(value["data"].clone()).unwrap();
        assert_eq!(push.push_type(), "ROBOT_ANSWER");
        assert_eq!(push.msgid, "12789cf50b784e4480a02289ddc69fb9");
        assert_eq!(push.polling_status(), Some(&PollingStatus::PollingEnd));
        assert_eq!(push.text().as_deref(), Some("Customer service"));
        assert!(push.is_final());
        assert!(Push::from_value(json!({"msgid": "m"})).is_none());
    }
}

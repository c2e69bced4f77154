//! [`Conversation`]: one bot session, initialised once, asked many times, ended on request.

use std::sync::{Arc, Mutex};

use common_http::Error;

use crate::answer::{AnswerStream, ChatIdSlot, DelaySlot};
use crate::client::SobotClient;
use crate::generated::{Answer, AskRequest, BizType, InputTypeEnum, MsgType, Session, SourceEnum};
use crate::push::{PushPolling, PushStream};
use crate::workflow;

/// One session with a bot for one visitor: `ask_init` once, then questions that carry the
/// session's `biz_id`, `biz_type`, `biz_type_id` and the latest `ai_agent_cid`, then
/// `end_session`.
///
/// ```no_run
/// # async fn demo(client: sobot_client::SobotClient) -> Result<(), sobot_client::Error> {
/// let mut chat = client.conversation("robot-1", "visitor-biz-id");
/// let answers = chat.ask("Where is my order?").await?;
/// # let _ = answers;
/// chat.end().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Conversation {
    client: SobotClient,
    robotid: String,
    bizid: String,
    source: SourceEnum,
    uid: Option<String>,
    user_name: Option<String>,
    session: Option<Session>,
    ai_agent_cid: Option<String>,
    /// Where the last streamed answer records the chat id it carries (the caller reads the
    /// stream after `ask_stream` returned, so the id arrives later).
    streamed_cid: Option<ChatIdSlot>,
    /// How node timeouts are polled.
    push_polling: PushPolling,
    /// The last answer of the last question whose `delay` is greater than 0, not polled yet.
    delayed: Option<Answer>,
    /// Where the last streamed answer records such an answer as it is read.
    streamed_delay: Option<DelaySlot>,
}

impl SobotClient {
    /// A conversation that owns one session of `robotid` for the visitor `bizid`.
    pub fn conversation(
        &self,
        robotid: impl Into<String>,
        bizid: impl Into<String>,
    ) -> Conversation {
        Conversation::new(self.clone(), robotid.into(), bizid.into())
    }
}

impl Conversation {
    fn new(client: SobotClient, robotid: String, bizid: String) -> Self {
        Self {
            client,
            robotid,
            bizid,
            source: SourceEnum::Pc,
            uid: None,
            user_name: None,
            session: None,
            ai_agent_cid: None,
            streamed_cid: None,
            push_polling: PushPolling::default(),
            delayed: None,
            streamed_delay: None,
        }
    }

    /// How node timeouts are polled ([`PushPolling::default`] unless set: `delay` in
    /// seconds, a poll a second).
    pub fn push_polling(mut self, polling: PushPolling) -> Self {
        self.push_polling = polling;
        self
    }

    /// The node-timeout polling owed by the last question: when its answer (streamed or
    /// not, or a click's) had an information event with `delay > 0`, the pushes polled for
    /// it ([`SobotClient::poll_pushes`]), else `None`. Each delay is polled for once: the
    /// next call returns `None` until another question brings one.
    ///
    /// ```no_run
    /// # async fn demo(mut chat: sobot_client::Conversation) -> Result<(), sobot_client::Error> {
    /// use futures::TryStreamExt;
    /// let answers = chat.ask("I need to think about it").await?;
    /// # let _ = answers;
    /// if let Some(mut pushes) = chat.pending_pushes()? {
    ///     while let Some(push) = pushes.try_next().await? {
    ///         println!("{}: {:?}", push.push_type(), push.text()); // e.g. NODE_OVER_TIME
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pending_pushes(&mut self) -> Result<Option<PushStream>, Error> {
        self.absorb_streamed_delay();
        match self.delayed.take() {
            Some(answer) => self
                .client
                .poll_pushes(&answer, self.push_polling.clone())
                .map(Some),
            None => Ok(None),
        }
    }

    /// Takes over the delayed answer the last streamed answer recorded, if any.
    fn absorb_streamed_delay(&mut self) {
        if let Some(slot) = self.streamed_delay.take()
            && let Ok(mut slot) = slot.lock()
            && let Some(answer) = slot.take()
        {
            self.delayed = Some(answer);
        }
    }

    /// The channel source of the questions (`PC` by default).
    pub fn source(mut self, source: SourceEnum) -> Self {
        self.source = source;
        self
    }

    /// The visitor id sent with every question.
    pub fn uid(mut self, uid: impl Into<String>) -> Self {
        self.uid = Some(uid.into());
        self
    }

    /// The visitor name sent with every question.
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.user_name = Some(name.into());
        self
    }

    /// The session, once initialised.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The chat id the next question carries: the latest one an answer (streamed or not)
    /// or the session returned.
    pub fn ai_agent_cid(&self) -> Option<String> {
        self.streamed_chat_id()
            .or_else(|| self.ai_agent_cid.clone())
    }

    /// The chat id the last streamed answer carried so far, if any.
    fn streamed_chat_id(&self) -> Option<String> {
        let slot = self.streamed_cid.as_ref()?;
        slot.lock().ok()?.clone()
    }

    /// Takes over the chat id of the last streamed answer, if it brought one.
    fn absorb_streamed_cid(&mut self) {
        if let Some(cid) = self.streamed_chat_id() {
            self.ai_agent_cid = Some(cid);
        }
    }

    /// Initialises the session (`ask_init`) unless it already is.
    pub async fn init(&mut self) -> Result<&Session, Error> {
        if self.session.is_none() {
            let session = self
                .client
                .ask_init(self.robotid.clone(), self.bizid.clone())
                .send()
                .await?;
            if self.ai_agent_cid.is_none() {
                self.ai_agent_cid = session.ai_agent_cid.clone().filter(|c| !c.is_empty());
            }
            self.session = Some(session);
        }
        match &self.session {
            Some(session) => Ok(session),
            None => Err(Error::invalid_request("the session is not initialised")),
        }
    }

    /// A question request with every session field filled in (input `INPUT`, message
    /// type `TEXT`); adjust it with the generated setters, then send it with
    /// [`Conversation::ask_with`] or [`Conversation::ask_stream_with`].
    pub async fn request(&mut self, question: &str) -> Result<AskRequest, Error> {
        common_http::validate::non_empty("question", question)?;
        self.absorb_streamed_cid();
        let robotid = self.robotid.clone();
        let fallback_bizid = self.bizid.clone();
        let session = self.init().await?;
        let biz_id = session
            .bizid
            .clone()
            .filter(|b| !b.is_empty())
            .unwrap_or(fallback_bizid);
        let biz_type = session.biz_type.clone().unwrap_or(BizType::AiAgent);
        let biz_type_id = session.biz_typeid.clone().unwrap_or_default();
        let mut request = AskRequest::new(
            question,
            question,
            InputTypeEnum::Input,
            biz_id,
            biz_type,
            biz_type_id,
            robotid,
            MsgType::Text,
            self.source.clone(),
        );
        if let Some(cid) = &self.ai_agent_cid {
            request = request.ai_agent_cid(cid.clone());
        }
        if let Some(uid) = &self.uid {
            request = request.uid(uid.clone());
        }
        if let Some(name) = &self.user_name {
            request = request.user_name(name.clone());
        }
        Ok(request)
    }

    /// Asks `question` and returns the answers at once (`answer_no_stream`).
    pub async fn ask(&mut self, question: &str) -> Result<Vec<Answer>, Error> {
        let request = self.request(question).await?;
        self.ask_with(request).await
    }

    /// Sends a prepared request without streaming and remembers the chat id it returns.
    pub async fn ask_with(&mut self, request: AskRequest) -> Result<Vec<Answer>, Error> {
        self.init().await?;
        self.streamed_cid = None;
        self.streamed_delay = None;
        self.delayed = None;
        let answers = self.client.ask(request).send().await?;
        self.delayed = answers.iter().rev().find(|a| a.delay > 0).cloned();
        if let Some(cid) = answers
            .iter()
            .rev()
            .map(|a| a.ai_agent_cid.as_str())
            .find(|c| !c.is_empty())
        {
            self.ai_agent_cid = Some(cid.to_owned());
        }
        Ok(answers)
    }

    /// Asks `question` and returns the streaming answer.
    pub async fn ask_stream(&mut self, question: &str) -> Result<AnswerStream, Error> {
        let request = self.request(question).await?;
        self.ask_stream_with(request).await
    }

    /// Sends a prepared request as a streaming answer. The chat id the answer carries is
    /// remembered as it is read, like [`Conversation::ask_with`] does.
    pub async fn ask_stream_with(&mut self, request: AskRequest) -> Result<AnswerStream, Error> {
        self.init().await?;
        self.absorb_streamed_cid();
        self.delayed = None;
        let slot: ChatIdSlot = Arc::new(Mutex::new(None));
        let delay: DelaySlot = Arc::new(Mutex::new(None));
        let stream = self.client.ask_stream(request).send().await?;
        self.streamed_cid = Some(slot.clone());
        self.streamed_delay = Some(delay.clone());
        Ok(stream.recording_chat_id(slot).recording_delayed(delay))
    }

    /// Clicks the workflow enum button `value` of a previous answer (`PROCESS_CLICK`).
    pub async fn click_button(
        &mut self,
        answer: &Answer,
        value: &str,
    ) -> Result<Vec<Answer>, Error> {
        let base = self.request(value).await?;
        let request = workflow::process_click(base, answer, value)?;
        self.ask_with(request).await
    }

    /// Clicks button `button` of card `card_index` of a previous answer
    /// (`PROCESS_CARD_CLICK`).
    pub async fn click_card(
        &mut self,
        answer: &Answer,
        card_index: usize,
        button: Option<&str>,
    ) -> Result<Vec<Answer>, Error> {
        // Check the click before touching the network.
        workflow::card_click(answer, card_index, button)?;
        let base = self.request(button.unwrap_or("card")).await?;
        let request = workflow::process_card_click(base, answer, card_index, button)?;
        self.ask_with(request).await
    }

    /// Ends the session (`end_session`) if one was started; the conversation can be
    /// initialised again afterwards.
    pub async fn end(&mut self) -> Result<(), Error> {
        self.absorb_streamed_cid();
        self.streamed_cid = None;
        self.streamed_delay = None;
        self.delayed = None;
        if let Some(cid) = self.ai_agent_cid.take() {
            self.client.end_session(cid).send().await?;
        }
        self.session = None;
        Ok(())
    }
}

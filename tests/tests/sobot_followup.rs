//! Against the sandbox, through the public API: the node-timeout polling an answer with
//! `delay > 0` starts (every push kind, typed; "nothing yet" polled through; the waits
//! through an injected sleeper that moves an injected clock, so nothing really sleeps), the
//! hand-over decision of an answer the sandbox relays from an agent that asks for a human,
//! and an agent failing a streamed answer, which the visitor sees as `ERROR_END` carrying
//! the agent's own message (the server's stream ends with `ERROR_END`, not a `500`).
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::TryStreamExt as _;
use sobot_client::server::{AgentError, AgentReply, ServerConfig, ThirdPartyAgent};
use sobot_client::{
    AgentAnswer, AgentRequest, AnswerEvent, Clock, HandOver, Push, PushKind, PushPolling,
    RobotAnswerMessageType, RobotAnswerType, SleepFuture, Sleeper, SobotClient, TransferResult,
};
use vendor_sandbox::{SOBOT_ROBOT_IDS, Sandbox, sobot_questions};

const ROBOT: &str = SOBOT_ROBOT_IDS[0];
const PUSH_INFO: &str = "/ai-agent-open/ask/get_push_info";

/// A clock moved only by the sleeper.
#[derive(Debug)]
struct Time {
    now: Mutex<SystemTime>,
    slept: Mutex<Vec<Duration>>,
}

impl Clock for Time {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap()
    }
}

#[derive(Debug)]
struct MovingSleeper(Arc<Time>);

impl Sleeper for MovingSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        *self.0.now.lock().unwrap() += duration;
        self.0.slept.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

fn client(sandbox: &Sandbox) -> (SobotClient, Arc<Time>) {
    let time = Arc::new(Time {
        now: Mutex::new(SystemTime::now()),
        slept: Mutex::new(Vec::new()),
    });
    let creds = sandbox.credentials();
    let client = SobotClient::builder()
        .appid(creds.sobot_appid.clone())
        .app_key(creds.sobot_app_key.clone())
        .base_url(sandbox.base_url())
        .clock(time.clone())
        .sleeper(Arc::new(MovingSleeper(time.clone())))
        .build()
        .unwrap();
    (client, time)
}

#[tokio::test]
async fn a_delayed_answer_is_followed_by_its_typed_push() {
    let sandbox = Sandbox::builder()
        .records(10)
        .sobot_push_delay(4)
        .sobot_push_nothing_yet(3)
        .start()
        .await
        .unwrap();
    let (client, time) = client(&sandbox);
    let mut chat = client.conversation(ROBOT, "visitor-1");

    // Not streamed: a node timeout.
    let answers = chat
        .ask(&format!("{} please", sobot_questions::NODE_TIMEOUT))
        .await
        .unwrap();
    assert!(answers.iter().any(|a| a.delay == 4), "{answers:?}");
    let pushes: Vec<Push> = all_pending(&mut chat).await;
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    assert!(matches!(&pushes[0].kind, PushKind::NodeOverTime(data) if data.is_typed()));
    assert!(pushes[0].is_final());
    assert!(pushes[0].text().is_some_and(|t| t.contains("still there")));
    // Three "nothing yet" polls went on to the fourth, a second apart, never really waited.
    assert_eq!(sandbox.count(PUSH_INFO), 4);
    assert_eq!(*time.slept.lock().unwrap(), vec![Duration::from_secs(1); 3]);
    assert!(chat.pending_pushes().unwrap().is_none(), "polled once");

    // Streamed: a session timeout, then an answer pushed later (typed answers).
    for (question, kind) in [
        (sobot_questions::SESSION_TIMEOUT, "SESSION_OVER_TIME"),
        (sobot_questions::PUSHED_ANSWER, "ROBOT_ANSWER"),
    ] {
        let collected = chat
            .ask_stream(question)
            .await
            .unwrap()
            .collect_answer()
            .await
            .unwrap();
        assert!(collected.delayed().is_some(), "{collected:?}");
        let pushes: Vec<Push> = all_pending(&mut chat).await;
        assert_eq!(pushes.len(), 1);
        assert_eq!(pushes[0].push_type(), kind);
        if kind == "ROBOT_ANSWER" {
            let answers: Vec<_> = pushes[0].answers().collect();
            assert_eq!(answers.len(), 1);
            assert_eq!(
                answers[0].answer.as_deref(),
                Some("Here is the answer you were waiting for.")
            );
            assert_eq!(pushes[0].hand_over(), HandOver::NotNeeded);
        }
    }
    // A plain answer owes nothing.
    chat.ask("hello").await.unwrap();
    assert!(chat.pending_pushes().unwrap().is_none());
    chat.end().await.unwrap();
}

/// Asks for a human on "human", fails on "fail", echoes anything else.
struct Agent;

#[sobot_client::server::async_trait]
impl ThirdPartyAgent for Agent {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        if request.question.contains("fail") {
            return Err(AgentError::new("the model is not available"));
        }
        if request.question.contains("human") {
            let answer = AgentAnswer::builder()
                .answer_type(RobotAnswerType::TransferIntention)
                .robot_answer_message_type(RobotAnswerMessageType::AnswerInfo)
                .lan("en")
                .llm_answer("Connecting you to a person.")
                .roundid("")
                .companyid("")
                .message_end(false)
                .build()
                .map_err(|e| AgentError::new(e.to_string()))?;
            return Ok(AgentReply::Answers(vec![answer.into()]));
        }
        Ok(AgentReply::text(format!("echo: {}", request.question)))
    }
}

async fn serve_agent() -> String {
    let app =
        sobot_client::server::router(Agent, ServerConfig::new().without_shared_secret()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { sobot_client::server::axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn an_agent_asking_for_a_human_is_a_hand_over_and_its_failure_an_error_end() {
    let sandbox = Sandbox::builder().records(10).start().await.unwrap();
    sandbox.set_agent_url(Some(serve_agent().await));
    let (client, _) = client(&sandbox);
    let mut chat = client.conversation(ROBOT, "visitor-2");

    let answers = chat.ask("hello").await.unwrap();
    assert!(answers.iter().all(|a| a.hand_over() == HandOver::NotNeeded));
    let answers = chat.ask("a human, please").await.unwrap();
    let decisions: Vec<HandOver> = answers.iter().map(|a| a.hand_over()).collect();
    assert!(
        decisions.contains(&HandOver::Required(TransferResult::GptTransfer)),
        "{answers:?}"
    );
    let collected = chat
        .ask_stream("a human, please")
        .await
        .unwrap()
        .collect_answer()
        .await
        .unwrap();
    assert_eq!(
        collected.hand_over(),
        HandOver::Required(TransferResult::GptTransfer)
    );

    // The agent fails a streamed answer: the visitor's stream ends with its message.
    let mut events = chat.ask_stream("please fail").await.unwrap();
    let mut last = None;
    while let Some(event) = events.try_next().await.unwrap() {
        last = Some(event);
    }
    match last {
        Some(AnswerEvent::End(notice)) => {
            assert_eq!(
                notice.message.as_deref(),
                Some("the model is not available")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_default_polling_assumes_seconds() {
    let polling = PushPolling::default();
    assert_eq!(polling.delay_unit, Duration::from_secs(1));
    assert_eq!(polling.budget(5), Duration::from_secs(15));
}

/// Every push of the polling `chat`'s last delayed answer started (there must be one).
async fn all_pending(chat: &mut sobot_client::Conversation) -> Vec<Push> {
    chat.pending_pushes()
        .unwrap()
        .expect("a delayed answer to poll")
        .try_collect()
        .await
        .unwrap()
}

//! The Sobot routes: signed tokens, a scripted bot (streamed and not), push info and
//! statistics.

use std::collections::HashMap;
use std::io;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common_http::reexports::url;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use sobot_client::{
    Answer, AskRequest, InputTypeEnum, QuestionRequest, ReceptionRecord, RecordListParams,
    SobotResponse,
};

use crate::data::typed;
use crate::quirks;
use crate::reception;
use crate::{CutAfter, ReportedExpiresIn, Shared, lock};

/// The reception records route.
const RECORD_LIST_ROUTE: &str = "/ai-agent-open/api/statistics/recordList";

/// The streamed answer route.
pub(crate) const ANSWER_ROUTE: &str = "/ai-agent-open/ask/answer";

/// The values offered by the scripted workflow.
pub const WORKFLOW_CHOICES: [&str; 3] = ["Refund", "Exchange", "Track order"];

use sobot_client::codes::{SUCCESS, TOKEN_INVALID};

/// The code the sandbox answers a bad parameter with (the document names no code for it).
pub(crate) const PARAM_ERROR: &str = "100001";

#[derive(Debug)]
pub(crate) struct IssuedToken {
    value: String,
    expires: Instant,
    calls: u64,
}

#[derive(Debug, Default)]
pub(crate) struct SobotState {
    pub(crate) token: Option<IssuedToken>,
    ended: HashMap<String, bool>,
    pushes: HashMap<String, PendingPush>,
    pub(crate) callbacks_sent: u64,
}

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route(crate::SOBOT_TOKEN_ROUTE, get(get_token))
        .route("/ai-agent-open/ask/ask_init", get(ask_init))
        .route(ANSWER_ROUTE, post(answer))
        .route("/ai-agent-open/ask/answer_no_stream", post(ask))
        .route("/ai-agent-open/ask/answer_suggest", post(suggest))
        .route(
            "/ai-agent-open/ask/answer_with_call_back",
            post(ask_with_callback),
        )
        .route("/ai-agent-open/ask/end_session", get(end_session))
        .route("/ai-agent-open/ask/get_push_info", get(fetch_push_info))
        .route(
            crate::agent::CALLBACK_LIST_ROUTE,
            post(crate::agent::callback_list),
        )
        .route(
            crate::agent::QUESTION_CALL_BACK_ROUTE,
            post(crate::agent::question_call_back),
        )
        .route(RECORD_LIST_ROUTE, post(list_reception_records))
        .route(
            "/ai-agent-open/api/statistics/queryAiRobotList",
            get(robot_list),
        )
        .route("/ai-agent-open/api/statistics/sourceList", post(robot_list))
        .route(
            "/ai-agent-open/api/statistics/getTimezoneInfo",
            get(|s, h| lookup(s, h, reception::timezones)),
        )
        .route(
            "/ai-agent-open/api/statistics/getLabels",
            get(|s, h| lookup(s, h, reception::session_labels)),
        )
        .route(
            "/ai-agent-open/api/statistics/getLabelInfoList",
            get(|s, h| lookup(s, h, reception::dislike_labels)),
        )
        .route(
            "/ai-agent-open/api/statistics/simpleList",
            get(|s, h| lookup(s, h, reception::audiences)),
        )
}

fn envelope_value(code: &str, msg: &str, data: Option<Value>) -> SobotResponse<Value> {
    let mut body: SobotResponse<Value> = typed(json!({"ret_code": code, "ret_msg": msg}));
    body.data = data;
    body
}

pub(crate) fn reply(code: &str, msg: &str, data: Option<Value>) -> Response {
    Json(envelope_value(code, msg, data)).into_response()
}

pub(crate) fn ok(data: Value) -> Response {
    reply(SUCCESS, "success", Some(data))
}

/// Checks the `token` header: the current token, not expired, not past its call budget.
// The error is the response to send at once; handlers return it as is.
#[allow(clippy::result_large_err)]
pub(crate) fn check_token(state: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let sent = headers
        .get("token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let budget = *lock(&state.sobot_token_invalid_after);
    let mut sobot = lock(&state.sobot);
    let valid = match sobot.token.as_mut() {
        Some(t) if t.value == sent && Instant::now() < t.expires => {
            if budget.is_some_and(|b| t.calls >= b) {
                false
            } else {
                t.calls += 1;
                true
            }
        }
        _ => false,
    };
    if valid {
        return Ok(());
    }
    if budget.is_some() && sobot.token.as_ref().is_some_and(|t| t.value == sent) {
        sobot.token = None;
    }
    drop(sobot);
    if state.quirks.on() {
        let body = quirks::sobot_token_invalid(&state.quirks, TOKEN_INVALID[0], "token invalid");
        return Err(Json(body).into_response());
    }
    Err(reply(TOKEN_INVALID[0], "token invalid", None))
}

/// An error answer of a listing: as [`reply`], with `"data": {}` in quirks mode.
fn list_error(state: &Shared, code: &str, msg: &str) -> Response {
    if !state.quirks.on() {
        return reply(code, msg, None);
    }
    let mut body = json!(envelope_value(code, msg, None));
    quirks::error_data(&state.quirks, &mut body);
    Json(body).into_response()
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    appid: String,
    create_time: String,
    sign: String,
}

async fn get_token(
    State(state): State<Shared>,
    reported: Option<Extension<ReportedExpiresIn>>,
    query: Result<Query<TokenQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return reply(
            PARAM_ERROR,
            "appid, create_time and sign are required",
            None,
        );
    };
    let creds = &state.credentials;
    if q.appid != creds.sobot_appid {
        return reply("100002", "unknown appid", None);
    }
    if q.sign != sobot_client::sign(&q.appid, &q.create_time, &creds.sobot_app_key) {
        return reply("100003", "signature mismatch", None);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let fresh = q
        .create_time
        .trim()
        .parse::<u64>()
        .is_ok_and(|t| t.abs_diff(now) <= state.config.sobot_create_time_window.as_secs());
    if !fresh {
        return reply("100004", "create_time is not fresh", None);
    }
    let lifetime = state.config.sobot_token_lifetime;
    let value = state.new_id();
    // Every new token invalidates the previous one.
    lock(&state.sobot).token = Some(IssuedToken {
        value: value.clone(),
        expires: Instant::now() + lifetime,
        calls: 0,
    });
    // Sobot sends the token under `item` (not `data`), as the documented example does.
    let mut body = json!(envelope_value(SUCCESS, "success", None));
    let expires_in = reported.map_or_else(
        || lifetime.as_secs().max(1).to_string(),
        |Extension(ReportedExpiresIn(text))| text,
    );
    body["item"] = json!({"token": value, "expires_in": expires_in});
    Json(body).into_response()
}

#[derive(Debug, Deserialize)]
struct InitQuery {
    robotid: Option<String>,
    bizid: Option<String>,
}

async fn ask_init(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<InitQuery>,
) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    if q.robotid.as_deref().is_none_or(str::is_empty) {
        return reply(PARAM_ERROR, "robotid is required", None);
    }
    let cid = state.new_id();
    lock(&state.sobot).ended.insert(cid.clone(), false);
    let bizid = q
        .bizid
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| state.new_id());
    ok(json!({
        "bizid": bizid, "ai_agent_cid": cid, "biz_type": "AI_AGENT", "biz_typeid": "1000045"
    }))
}

/// The fields of a question the scripted bot looks at.
struct Question {
    question: String,
    input: InputTypeEnum,
    biz_id: String,
    robotid: String,
    cid: Option<String>,
    choice: Option<String>,
    /// The clicked card's name (`customCardName.paramValue`), on a card click.
    card: Option<String>,
    source: Value,
    uid: Option<String>,
}

/// The clicked card of a `PROCESS_CARD_CLICK`: the only card left in `interface_info`
/// (or in `show_question`, the same object as a string), else a card name among the
/// `variableValue`s of the `question` list.
fn clicked_card(r: &AskRequest) -> Option<String> {
    if r.input_type_enum != InputTypeEnum::ProcessCardClick {
        return None;
    }
    let name_in = |info: &Value| {
        info.get("customCards")
            .and_then(Value::as_array)
            .and_then(|cards| cards.first())
            .and_then(|card| card.pointer("/customCardName/paramValue"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let info = r
        .interface_info
        .as_ref()
        .and_then(|i| serde_json::to_value(i).ok());
    info.as_ref()
        .and_then(name_in)
        .or_else(|| {
            serde_json::from_str::<Value>(&r.show_question)
                .ok()
                .as_ref()
                .and_then(name_in)
        })
        .or_else(|| {
            let items: Vec<Value> = serde_json::from_str(&r.question).ok()?;
            items.iter().find_map(|i| {
                let v = i.get("variableValue")?.as_str()?;
                CARDS.iter().any(|c| c.name == v).then(|| v.to_owned())
            })
        })
}

impl From<&AskRequest> for Question {
    fn from(r: &AskRequest) -> Self {
        Self {
            question: r.question.clone(),
            input: r.input_type_enum.clone(),
            biz_id: r.biz_id.clone(),
            robotid: r.robotid.clone(),
            cid: r.ai_agent_cid.clone(),
            choice: r.process_info.as_ref().map(|p| p.variable_value.clone()),
            card: clicked_card(r),
            source: serde_json::to_value(&r.source_enum).unwrap_or(Value::Null),
            uid: r.uid.clone(),
        }
    }
}

impl From<&QuestionRequest> for Question {
    fn from(r: &QuestionRequest) -> Self {
        Self {
            question: r.question.clone(),
            input: r.input_type_enum.clone(),
            biz_id: r.biz_id.clone(),
            robotid: r.robotid.clone(),
            cid: r.ai_agent_cid.clone(),
            choice: r.process_info.as_ref().map(|p| p.variable_value.clone()),
            card: None,
            source: serde_json::to_value(&r.source_enum).unwrap_or(Value::Null),
            uid: r.uid.clone(),
        }
    }
}

/// The scripted bot's reply: the streamed text chunks and the final info items.
struct Script {
    chunks: Vec<Value>,
    infos: Vec<Value>,
    /// The chat ended (before this question, or abnormally with it: `ERROR_END`).
    ended: bool,
}

/// A product card of the scripted card node, and the node a click on it leads to.
struct Card {
    name: &'static str,
    amount: &'static str,
    next_node: &'static str,
    next_question: &'static str,
    choices: [&'static str; 2],
}

/// The cards the scripted bot offers (question with "card"); clicking one
/// (`PROCESS_CARD_CLICK`) answers with that card's next node.
const CARDS: [Card; 2] = [
    Card {
        name: "Sandbox phone",
        amount: "599",
        next_node: "node-sandbox-phone-colour",
        next_question: "Which colour for the phone?",
        choices: ["Black", "Silver"],
    },
    Card {
        name: "Sandbox tablet",
        amount: "899",
        next_node: "node-sandbox-tablet-size",
        next_question: "Which size for the tablet?",
        choices: ["11 inch", "13 inch"],
    },
];

/// What a question makes the scripted bot do besides answering, when it contains one of
/// these phrases (case-insensitive): the behaviours the document describes, on demand.
pub mod questions {
    /// An answer with `delay > 0` (a workflow node waiting), then a `NODE_OVER_TIME` push
    /// served by `get_push_info` for the answer's `msgid`.
    pub const NODE_TIMEOUT: &str = "node timeout";
    /// An answer with `delay > 0`, then a `SESSION_OVER_TIME` push.
    pub const SESSION_TIMEOUT: &str = "session timeout";
    /// An answer with `delay > 0`, then a `ROBOT_ANSWER` push (a list of answers).
    pub const PUSHED_ANSWER: &str = "answer later";
    /// A streamed answer with an `ERROR` event (a parsing error) among its events; the
    /// answer goes on after it.
    pub const PARSING_ERROR: &str = "parsing error";
    /// A streamed answer that breaks off with `ERROR_END` (an abnormal end to the chat):
    /// the chat is over, later questions in it get `ERROR_END` at once.
    pub const ABNORMAL_END: &str = "abnormal end";
}

/// The push that follows an answer with `delay > 0` (see [`crate::SandboxBuilder::sobot_push`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SobotPush {
    /// `NODE_OVER_TIME`: the workflow node timed out (`data` is a `PushData`).
    NodeOverTime,
    /// `SESSION_OVER_TIME`: the chat timed out (`data` is a `PushData`).
    SessionOverTime,
    /// `ROBOT_ANSWER`: an answer pushed later (`data` is a list of `RobotAnswerRespVo`).
    RobotAnswer,
}

impl SobotPush {
    /// The `push_type` on the wire.
    pub fn push_type(self) -> &'static str {
        match self {
            Self::NodeOverTime => "NODE_OVER_TIME",
            Self::SessionOverTime => "SESSION_OVER_TIME",
            Self::RobotAnswer => "ROBOT_ANSWER",
        }
    }
}

/// A push waiting for its `get_push_info` polls.
#[derive(Debug, Clone)]
pub(crate) struct PendingPush {
    /// Polls still answered "nothing yet" (success, no `data`).
    nothing_yet: u32,
    push: Value,
}

fn script(state: &Shared, q: &Question) -> Script {
    let cid = q
        .cid
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| state.new_id());
    let roundid = state.new_id();
    let msgid = state.new_id();
    let item = |message_type: &str, answer_type: &str, answer: &str| {
        json!({
            "robot_answer_type": answer_type,
            "robot_answer_message_type": message_type,
            "answer": answer,
            "transfer_result": "NO_ACTION",
            "roundid": roundid,
            "msgid": msgid,
            "ai_agent_cid": cid,
            "biz_id": q.biz_id,
            "robot_name": "Sandbox Bot",
            "robot_logo": "",
            "robotid": q.robotid,
            "robot_status": "ENABLE",
            "delay": 0,
        })
    };
    if lock(&state.sobot).ended.get(&cid).copied().unwrap_or(false) {
        let mut end = item("ERROR_END", "GENERAL", "the session has ended");
        end["answer"] = json!("the session has ended");
        return Script {
            chunks: Vec::new(),
            infos: vec![end],
            ended: true,
        };
    }
    let lower = q.question.to_lowercase();
    let has = |phrase: &str| q.input == InputTypeEnum::Input && lower.contains(phrase);
    let (text, mut info) = if q.input == InputTypeEnum::ProcessClick {
        let choice = q.choice.clone().unwrap_or_else(|| q.question.clone());
        let text = format!("You chose {choice}. Done.");
        let info = item("ANSWER_INFO", "PROCESS_END", &text);
        (text, info)
    } else if q.input == InputTypeEnum::ProcessCardClick {
        match q
            .card
            .as_deref()
            .and_then(|name| CARDS.iter().find(|c| c.name == name))
        {
            Some(card) => {
                let text = format!("You picked the {}. {}", card.name, card.next_question);
                let mut info = item("PROCESS_INFO", "PROCESS_DOING", &text);
                info["process_id"] = json!("proc-sandbox-2");
                info["node_id"] = json!(card.next_node);
                info["variable_id"] = json!(format!("var-{}", card.next_node));
                info["variable_value_enums"] = json!(card.choices);
                (text, info)
            }
            None => {
                let text = "That card is not one of the offered cards.".to_owned();
                let info = item("ANSWER_INFO", "PROCESS_VALUE_ERROR", &text);
                (text, info)
            }
        }
    } else if has(questions::NODE_TIMEOUT) {
        let text = "Which order is it about? Take your time.".to_owned();
        let mut info = item("PROCESS_INFO", "PROCESS", &text);
        info["process_id"] = json!("proc-sandbox-3");
        info["node_id"] = json!("node-sandbox-wait");
        info["variable_id"] = json!("var-order");
        (text, info)
    } else if lower.contains("workflow") || lower.contains("menu") {
        let text = "What would you like to do?".to_owned();
        let mut info = item("PROCESS_INFO", "PROCESS", &text);
        info["process_id"] = json!("proc-sandbox-1");
        info["node_id"] = json!("node-sandbox-1");
        info["variable_id"] = json!("var-sandbox-1");
        info["variable_value_enums"] = json!(WORKFLOW_CHOICES);
        (text, info)
    } else if lower.contains("card") {
        let text = "Here are two products.".to_owned();
        let mut info = item("PROCESS_INFO", "PROCESS", &text);
        info["process_id"] = json!("proc-sandbox-2");
        info["node_id"] = json!("node-sandbox-2");
        let cards: Vec<Value> = CARDS
            .iter()
            .map(|c| {
                json!({
                    "customCardName": {"variableId": "v-name", "paramValue": c.name},
                    "customCardAmount": {"variableId": null, "paramValue": c.amount},
                    "customCardType": 0,
                    "paramInfos": [
                        {"variableId": "v-name", "paramValue": c.name},
                        {"variableId": null, "paramValue": c.amount}
                    ],
                    "customMenus": [{"menuType": 0, "menuName": "Buy", "menuLink": null}]
                })
            })
            .collect();
        info["interface_info"] = json!({
            "cardStyle": "1", "cardType": "1", "cardForm": "1", "cardGuide": "Pick one",
            "customCards": cards
        });
        (text, info)
    } else {
        let text = format!("You said: {}", q.question);
        let info = item("ANSWER_INFO", "QA_DIRECT", &text);
        (text, info)
    };
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    let last = words.len().saturating_sub(1);
    let mut chunks: Vec<Value> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut c = item("MESSAGE", "QA_DIRECT", w);
            c["message_end"] = json!(i == last);
            c
        })
        .collect();
    if has(questions::ABNORMAL_END) {
        // Half the answer, then the abnormal end; the chat is over.
        chunks.truncate(words.len().div_ceil(2));
        let end = item("ERROR_END", "GENERAL", "the chat ended abnormally");
        lock(&state.sobot).ended.insert(cid, true);
        return Script {
            chunks,
            infos: vec![end],
            ended: true,
        };
    }
    if has(questions::PARSING_ERROR) {
        let error = item("ERROR", "GENERAL", "parsing error");
        chunks.insert(chunks.len() / 2, error);
    }
    let push = if has(questions::NODE_TIMEOUT) {
        Some(SobotPush::NodeOverTime)
    } else if has(questions::SESSION_TIMEOUT) {
        Some(SobotPush::SessionOverTime)
    } else if has(questions::PUSHED_ANSWER) {
        Some(SobotPush::RobotAnswer)
    } else if matches!(q.input, InputTypeEnum::Input) {
        *lock(&state.sobot_push)
    } else {
        None
    };
    if let Some(kind) = push {
        let delay = state.config.sobot_push_delay.max(1);
        info["delay"] = json!(delay);
        let push = push_body(state, q, kind, &cid, &roundid, &msgid, &item);
        lock(&state.sobot).pushes.insert(
            msgid.clone(),
            PendingPush {
                nothing_yet: state.config.sobot_push_nothing_yet,
                push,
            },
        );
    }
    // Check the item is one the client can parse.
    let parsed: Answer = typed(info.clone());
    info = serde_json::to_value(parsed).unwrap_or(info);
    Script {
        chunks,
        infos: vec![info],
        ended: false,
    }
}

/// The push `get_push_info` serves for an answer with `delay > 0`: a `PushInfo` whose
/// `data` is a `PushData` (the over-time kinds) or a list of answers (`ROBOT_ANSWER`).
fn push_body(
    state: &Shared,
    q: &Question,
    kind: SobotPush,
    cid: &str,
    roundid: &str,
    msgid: &str,
    item: &dyn Fn(&str, &str, &str) -> Value,
) -> Value {
    let notice = |msg: &str| {
        let mut data = json!({
            "msgid": msgid,
            "bizid": q.biz_id,
            "ai_agent_cid": cid,
            "round_id": roundid,
            "msg": msg,
            "source_enum": q.source,
            "polling_id": state.new_id(),
            "polling_status": "POLLING_END",
        });
        if let Some(uid) = &q.uid {
            data["uid"] = json!(uid);
        }
        data
    };
    let data = match kind {
        SobotPush::NodeOverTime => notice("Are you still there? The question is still open."),
        SobotPush::SessionOverTime => notice("The chat has timed out. Ask again any time."),
        SobotPush::RobotAnswer => {
            let mut answer = item(
                "ANSWER_INFO",
                "QA_DIRECT",
                "Here is the answer you were waiting for.",
            );
            answer["msgid"] = json!(msgid);
            json!([answer])
        }
    };
    json!({
        "msgid": msgid,
        "bizid": q.biz_id,
        "push_type": kind.push_type(),
        "data": data,
    })
}

/// The agent to forward this question to: the configured agent URL, unless the question's
/// chat has ended (the sandbox answers that itself, as Sobot does).
fn agent_url(state: &Shared, request: &AskRequest) -> Option<String> {
    agent_url_for(state, request.ai_agent_cid.as_deref())
}

fn agent_url_for(state: &Shared, cid: Option<&str>) -> Option<String> {
    let url = lock(&state.agent).url.clone()?;
    let ended = cid.is_some_and(|cid| lock(&state.sobot).ended.get(cid).copied().unwrap_or(false));
    (!ended).then_some(url)
}

fn sse_event(item: &Value) -> Bytes {
    let body = json!({"data": [item], "retCode": SUCCESS, "retMsg": "success"});
    Bytes::from(format!("data: {body}\n\n"))
}

async fn answer(
    State(state): State<Shared>,
    headers: HeaderMap,
    cut: Option<Extension<CutAfter>>,
    body: Result<Json<AskRequest>, JsonRejection>,
) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    let Ok(Json(request)) = body else {
        return reply(PARAM_ERROR, "invalid request body", None);
    };
    if let Some(url) = agent_url(&state, &request) {
        return crate::agent::forward_stream(&state, &url, &request).await;
    }
    let s = script(&state, &Question::from(&request));
    let events: Vec<Bytes> = if state.quirks.on() {
        let items: Vec<Value> = s.chunks.iter().chain(&s.infos).cloned().collect();
        quirks::stream_events(
            &state.quirks,
            state.config.seed,
            &request.question,
            &items,
            SUCCESS,
        )
    } else {
        s.chunks.iter().chain(&s.infos).map(sse_event).collect()
    };
    let pace = state.config.stream_pace;
    let cut = cut.map(|Extension(c)| c.0);
    let stream =
        futures::stream::iter(events.into_iter().enumerate()).then(move |(i, event)| async move {
            if i > 0 && !pace.is_zero() {
                tokio::time::sleep(pace).await;
            }
            match cut {
                Some(k) if i == k => Ok(event.slice(..event.len() / 2)),
                Some(k) if i > k => Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "sandbox: stream cut",
                )),
                _ => Ok::<_, io::Error>(event),
            }
        });
    // Stop after the first error so the connection is aborted mid-event.
    let stream = stream.scan(false, |failed, item| {
        let out = if *failed { None } else { Some(item) };
        if matches!(out, Some(Err(_))) {
            *failed = true;
        }
        futures::future::ready(out)
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

async fn ask(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<AskRequest>, JsonRejection>,
) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    let Ok(Json(request)) = body else {
        return reply(PARAM_ERROR, "invalid request body", None);
    };
    if let Some(url) = agent_url(&state, &request) {
        return crate::agent::forward_plain(&state, &url, &request).await;
    }
    let s = script(&state, &Question::from(&request));
    if s.ended {
        return reply("100010", "the session has ended", None);
    }
    // The non-streamed answer is the answer items, without the stream's MESSAGE and ERROR
    // events.
    ok(Value::Array(s.infos))
}

async fn suggest(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<QuestionRequest>, JsonRejection>,
) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    let Ok(Json(request)) = body else {
        return reply(PARAM_ERROR, "invalid request body", None);
    };
    let contents: Vec<Value> = (1..=3)
        .map(|i| {
            json!({
                "question": format!("{} ({i})", request.question),
                "questionid": format!("q-{i}"),
                "docid": format!("doc-{i}"),
                "score": 1.0 - f64::from(i) / 10.0,
            })
        })
        .collect();
    ok(json!({"qa_contents": contents}))
}

fn local_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
    })
}

async fn ask_with_callback(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<QuestionRequest>, JsonRejection>,
) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    let Ok(Json(request)) = body else {
        return reply(PARAM_ERROR, "invalid request body", None);
    };
    let Some(target) = request.call_back_url.clone().filter(|u| local_url(u)) else {
        return reply(
            PARAM_ERROR,
            "call_back_url must be an http URL on 127.0.0.1 or localhost",
            None,
        );
    };
    let infos = match agent_url_for(&state, request.ai_agent_cid.as_deref()) {
        // Forwarded to the agent as a non-streamed question (the answer goes to the URL).
        Some(url) => {
            let mut ask = serde_json::to_value(&request).unwrap_or_default();
            if ask.get("msg_type").is_none_or(Value::is_null) {
                ask["msg_type"] = json!("TEXT");
            }
            let Ok(ask) = serde_json::from_value::<AskRequest>(ask) else {
                return reply(PARAM_ERROR, "invalid request body", None);
            };
            match crate::agent::ask_plain(&state, &url, &ask).await {
                Ok(infos) => infos,
                Err(e) => return reply(crate::agent::AGENT_FAILED, &e, None),
            }
        }
        None => script(&state, &Question::from(&request)).infos,
    };
    let msgid = infos
        .first()
        .and_then(|i| i.get("msgid"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let first = infos.first().cloned().unwrap_or(Value::Null);
    let push = json!({
        "msgid": msgid,
        "bizid": request.biz_id,
        "push_type": "ROBOT_ANSWER",
        "data": {
            "msgid": msgid,
            "bizid": request.biz_id,
            "ai_agent_cid": first.get("ai_agent_cid").cloned().unwrap_or(Value::Null),
            "round_id": first.get("roundid").cloned().unwrap_or(Value::Null),
            "msg": first.get("answer").cloned().unwrap_or(Value::Null),
            "source_enum": request.source_enum,
            "polling_id": state.new_id(),
            "polling_status": "POLLING_END",
        },
    });
    lock(&state.sobot).pushes.insert(
        msgid.clone(),
        PendingPush {
            nothing_yet: 0,
            push,
        },
    );
    let payload = envelope_value(SUCCESS, "success", Some(Value::Array(infos)));
    let poster = state;
    tokio::spawn(async move {
        let client = poster.agent_http.clone();
        let sent = client
            .post(target)
            .timeout(Duration::from_secs(10))
            .json(&payload)
            .send()
            .await;
        if sent.is_ok() {
            lock(&poster.sobot).callbacks_sent += 1;
        }
    });
    ok(json!({"msgid": msgid}))
}

#[derive(Debug, Deserialize)]
struct EndQuery {
    ai_agent_cid: Option<String>,
}

async fn end_session(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<EndQuery>,
) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    let Some(cid) = q.ai_agent_cid.filter(|c| !c.is_empty()) else {
        return reply(PARAM_ERROR, "ai_agent_cid is required", None);
    };
    lock(&state.sobot).ended.insert(cid, true);
    ok(json!({}))
}

#[derive(Debug, Deserialize)]
struct PushQuery {
    msgid: Option<String>,
}

async fn fetch_push_info(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<PushQuery>,
) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    let found = q.msgid.and_then(|m| {
        let mut sobot = lock(&state.sobot);
        let pending = sobot.pushes.get_mut(&m)?;
        if pending.nothing_yet > 0 {
            pending.nothing_yet -= 1;
            // "Nothing yet": the document does not say; the sandbox answers success
            // without `data` until the push exists.
            return Some(None);
        }
        Some(Some(pending.push.clone()))
    });
    match found {
        Some(Some(push)) => ok(push),
        Some(None) => reply(SUCCESS, "success", None),
        None => reply("100011", "no push info for this msgid", None),
    }
}

async fn list_reception_records(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<RecordListParams>, JsonRejection>,
) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    let Ok(Json(p)) = body else {
        return list_error(&state, PARAM_ERROR, "invalid request body");
    };
    if p.page_no < 1 || !(1..=100).contains(&p.page_size) {
        return list_error(
            &state,
            PARAM_ERROR,
            "page_no must be >= 1 and page_size in 1..=100",
        );
    }
    // The dates are days of `timeZoneid` (one of the time-zone list); without it the
    // sandbox reads them in UTC, the zone of its data (the document's default is
    // Asia/Shanghai).
    let offset = match p.time_zoneid.as_deref().filter(|z| !z.is_empty()) {
        None => 0,
        Some(zone) => match reception::offset_of(zone) {
            Some(offset) => offset,
            None => return list_error(&state, PARAM_ERROR, "unknown timeZoneid"),
        },
    };
    let from = (p.start_time.midnight().assume_utc().unix_timestamp() - offset) * 1000;
    let to = p.end_time.next_day().map_or(i64::MAX, |d| {
        (d.midnight().assume_utc().unix_timestamp() - offset) * 1000
    });
    let filters = reception::filters(&serde_json::to_value(&p).unwrap_or_default());
    let matching: Vec<&ReceptionRecord> = state
        .data
        .sobot_records
        .iter()
        .zip(&state.data.sobot_facets)
        .filter(|(r, _)| r.start_time.is_some_and(|t| t >= from && t < to))
        .filter(|(_, f)| reception::passes(f, &filters))
        .map(|(r, _)| r)
        .collect();
    let size = usize::try_from(p.page_size).unwrap_or(10);
    let start = usize::try_from(p.page_no - 1)
        .unwrap_or(0)
        .saturating_mul(size);
    let list: Vec<ReceptionRecord> = matching
        .iter()
        .skip(start)
        .take(size)
        .map(|r| (*r).clone())
        .collect();
    let mut body = envelope_value(SUCCESS, "success", None);
    body.data = serde_json::to_value(list).ok();
    body.total_count = i64::try_from(matching.len()).ok();
    body.page_no = Some(p.page_no);
    body.page_size = Some(p.page_size);
    body.page_count = i32::try_from(matching.len().div_ceil(size)).ok();
    if !state.quirks.on() {
        return Json(body).into_response();
    }
    let mut body = json!(body);
    quirks::sobot_page(
        &state.quirks,
        state.config.seed,
        RECORD_LIST_ROUTE,
        i64::from(p.page_no),
        start,
        &mut body,
    );
    Json(body).into_response()
}

async fn robot_list(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    let robots: Vec<Value> = crate::data::SOBOT_ROBOT_IDS
        .iter()
        .map(|id| {
            json!({
                "kbid": id.parse::<i64>().unwrap_or(0),
                "robot_type": 1,
                "robot_name": format!("Robot {id}"),
                "robot_logo": "",
                "companyid": "C-SANDBOX",
            })
        })
        .collect();
    ok(Value::Array(robots))
}

/// A lookup list (time zones, labels, dislike labels, audiences) in its documented shape.
async fn lookup(State(state): State<Shared>, headers: HeaderMap, list: fn() -> Value) -> Response {
    if let Err(r) = check_token(&state, &headers) {
        return r;
    }
    ok(list())
}

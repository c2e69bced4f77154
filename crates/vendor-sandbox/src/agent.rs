//! Sobot calling your own agent: with an agent URL set, a visitor question to the answer
//! endpoints is forwarded to that agent as Sobot's "Integration With Third-party AI Agents"
//! does (a `ThirdAlgorithmReqVo` body), and the agent's answers are relayed to the visitor.
//! The agent's callbacks (`callback_list` for a copilot bot, `question_call_back` for a
//! batch test) are received and kept.

use std::io;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use common_http::reexports::reqwest;
use common_http::sse::EventStream;
use futures::StreamExt;
use serde_json::{Map, Value, json};
use sobot_client::{AgentRequest, AskRequest};

use crate::sobot::{PARAM_ERROR, check_token, ok, reply};
use crate::{Shared, lock};

/// The `callback_list` route (copilot answers).
pub(crate) const CALLBACK_LIST_ROUTE: &str = "/ai-agent-open/ask/callback_list";
/// The `question_call_back` route (batch-test results).
pub(crate) const QUESTION_CALL_BACK_ROUTE: &str = "/ai-agent-open/api/kb/question_call_back";

/// The company id the sandbox sends its agent.
const COMPANY_ID: &str = "C-SANDBOX";

/// The context validity time the sandbox sends its agent (the document gives no unit).
const CONTEXT_VALIDITY_TIME: i64 = 1800;

/// Where and how the sandbox calls an agent (see [`crate::SandboxBuilder::agent_url`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct AgentSettings {
    pub(crate) url: Option<String>,
    pub(crate) copilot: bool,
    pub(crate) batch_test: bool,
    pub(crate) params: Map<String, Value>,
}

/// The callbacks an agent sent the sandbox, in arrival order (the last [`AGENT_KEPT`] of
/// each).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct AgentCallbacks {
    /// The bodies posted to `callback_list` (`{"algorithm_resp_vos": [..]}`).
    pub callback_list: Vec<Value>,
    /// The bodies posted to `question_call_back` (one `ThirdAlgorithmRespVo` each).
    pub question_call_back: Vec<Value>,
}

/// How many bodies sent to the agent, and of each callback, a sandbox keeps (the oldest go
/// first): a standalone sandbox serving an agent for days keeps bounded memory.
pub const AGENT_KEPT: usize = 1000;

fn keep(list: &mut Vec<Value>, body: Value) {
    if list.len() >= AGENT_KEPT {
        list.remove(0);
    }
    list.push(body);
}

/// What the sandbox knows of one forwarded question, to fill the visitor's answers.
struct Visit {
    roundid: String,
    msgid: String,
    cid: String,
    biz_id: String,
    robotid: String,
}

/// The `ThirdAlgorithmReqVo` body Sobot sends an agent for this visitor question.
fn agent_request(
    state: &Shared,
    settings: &AgentSettings,
    q: &AskRequest,
    stream: bool,
) -> (Value, Visit) {
    let visitor = serde_json::to_value(q).unwrap_or(Value::Null);
    let cid = q
        .ai_agent_cid
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| state.new_id());
    let roundid = state.new_id();
    let mut params = q.params.clone().unwrap_or_default();
    for (k, v) in &settings.params {
        params.insert(k.clone(), v.clone());
    }
    let mut multi_params = q.multi_params.clone().unwrap_or_default();
    for (k, v) in &settings.params {
        multi_params.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut body = json!({
        "question": q.question,
        "show_question": q.show_question,
        "input_type_enum": visitor["input_type_enum"],
        "robot_name": "Sandbox Bot",
        "robot_logo": "",
        "robot_remark": "the vendor-sandbox bot",
        "robotid": q.robotid,
        "msg_type": visitor["msg_type"],
        "companyid": COMPANY_ID,
        "biz_type": visitor["biz_type"],
        "ai_agent_cid": cid,
        "source_enum": visitor["source_enum"],
        "context_validity_time": CONTEXT_VALIDITY_TIME,
        "params": params,
        "multi_params": multi_params,
        "roundid": roundid,
        "robot_model": "THIRD_STANDARD",
        "req_stream": stream,
        "copilot": settings.copilot,
    });
    if let Some(p) = &q.partnerid {
        body["partnerid"] = json!(p);
    }
    for key in ["input_variable_infos", "process_info"] {
        if let Some(v) = visitor.get(key).filter(|v| !v.is_null()) {
            body[key] = v.clone();
        }
    }
    // The visitor sends the card in camelCase (`cardStyle`), the agent gets it in snake_case.
    if let Some(card) = visitor.get("interface_info").filter(|v| !v.is_null()) {
        body["interface_info"] = snake_keys(card);
    }
    if settings.batch_test {
        body["runtimeid"] = json!(format!("run-{}", state.new_id()));
        body["questionid"] = json!(format!("q-{}", state.new_id()));
    }
    // Sent as the client crate's model serialises it, so the two cannot drift apart; a
    // visitor's card the model cannot read (a required card field missing) goes as built.
    let body = serde_json::from_value::<AgentRequest>(body.clone())
        .ok()
        .and_then(|typed| serde_json::to_value(typed).ok())
        .unwrap_or(body);
    let visit = Visit {
        roundid,
        msgid: state.new_id(),
        cid,
        biz_id: q.biz_id.clone(),
        robotid: q.robotid.clone(),
    };
    (body, visit)
}

/// `cardStyle` -> `card_style`, `variableId` -> `variableid` (as the document's
/// `ThirdCardParamInfo` spells it), recursively.
fn snake_keys(value: &Value) -> Value {
    rename_keys(value, &|k| {
        if k == "variableId" {
            "variableid".to_owned()
        } else {
            snake(k)
        }
    })
}

/// `value` with every object key renamed by `rename`, at every depth.
fn rename_keys(value: &Value, rename: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (rename(k), rename_keys(v, rename)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| rename_keys(v, rename)).collect()),
        other => other.clone(),
    }
}

fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `card_style` -> `cardStyle`, `variableid` -> `variableId`, recursively: the card as the
/// visitor-facing answers carry it.
fn camel_keys(value: &Value) -> Value {
    rename_keys(value, &|k| {
        if k == "variableid" {
            "variableId".to_owned()
        } else {
            camel(k)
        }
    })
}

fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn text<'a>(item: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| item.get(*k).and_then(Value::as_str))
}

/// One agent answer (`ThirdAlgorithmRespVo`) as the visitor's answer (`RobotAnswerRespVo`):
/// `THIRD_ANSWER_INFO` / `THIRD_PROCESS_INFO` become `ANSWER_INFO` / `PROCESS_INFO`, the
/// `third_*` workflow fields the visitor's `process_id`, `node_id`, `variable_id`,
/// `variable_value_enums`, `third_interface_info` the `interface_info` (camelCase).
fn to_visitor(item: &Value, visit: &Visit) -> Value {
    let message_type = match text(
        item,
        &["robot_answer_message_type", "robotAnswerMessageType"],
    )
    .unwrap_or("THIRD_ANSWER_INFO")
    {
        "THIRD_ANSWER_INFO" => "ANSWER_INFO",
        "THIRD_PROCESS_INFO" => "PROCESS_INFO",
        other => other,
    }
    .to_owned();
    let answer_type = text(item, &["answer_type", "robot_answer_type", "answerType"])
        .unwrap_or("QA_DIRECT")
        .to_owned();
    let transfer = if answer_type == "TRANSFER_INTENTION" {
        "GPT_TRANSFER"
    } else {
        "NO_ACTION"
    };
    let mut out = json!({
        "robot_answer_type": answer_type,
        "robot_answer_message_type": message_type,
        "answer": text(item, &["llm_answer", "answer", "llmAnswer"]).unwrap_or_default(),
        "transfer_result": transfer,
        "roundid": text(item, &["roundid"]).filter(|r| !r.is_empty()).unwrap_or(&visit.roundid),
        "msgid": visit.msgid,
        "ai_agent_cid": visit.cid,
        "biz_id": visit.biz_id,
        "robot_name": "Sandbox Bot",
        "robot_logo": "",
        "robotid": visit.robotid,
        "robot_status": "ENABLE",
        "delay": 0,
    });
    if message_type == "MESSAGE" {
        let end = match item.get("message_end") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => false,
        };
        out["message_end"] = json!(end);
    }
    for (from, to) in [
        ("third_processid", "process_id"),
        ("third_nodeid", "node_id"),
        ("third_variable_id", "variable_id"),
        ("third_variable_value_enums", "variable_value_enums"),
    ] {
        if let Some(v) = item.get(from).filter(|v| !v.is_null()) {
            out[to] = v.clone();
        }
    }
    if let Some(card) = item.get("third_interface_info").filter(|v| v.is_object()) {
        out["interface_info"] = camel_keys(card);
    }
    out
}

/// A visitor event the sandbox makes itself: `ERROR` (an agent event it cannot read) or
/// `ERROR_END` (the agent failed; the chat ends abnormally).
fn failure(kind: &str, text: &str, visit: &Visit) -> Value {
    json!({
        "robot_answer_type": "GENERAL",
        "robot_answer_message_type": kind,
        "answer": text,
        "transfer_result": "NO_ACTION",
        "roundid": visit.roundid,
        "msgid": visit.msgid,
        "ai_agent_cid": visit.cid,
        "biz_id": visit.biz_id,
        "robot_name": "Sandbox Bot",
        "robot_logo": "",
        "robotid": visit.robotid,
        "robot_status": "ENABLE",
        "delay": 0,
    })
}

/// The answers in an agent's JSON reply: a list, or Sobot's envelope around one.
fn answers_of(body: &Value) -> Result<Vec<Value>, String> {
    match body {
        Value::Array(items) => Ok(items.clone()),
        Value::Object(map) => {
            let code = map
                .get("ret_code")
                .or_else(|| map.get("retCode"))
                .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned));
            if let Some(code) = code.filter(|c| c != sobot_client::codes::SUCCESS) {
                return Err(format!("the agent answered code {code}"));
            }
            match map.get("data") {
                Some(Value::Array(items)) => Ok(items.clone()),
                _ if map.contains_key("robot_answer_message_type") => Ok(vec![body.clone()]),
                _ => Err("the agent's answer holds no list of answers".to_owned()),
            }
        }
        _ => Err("the agent's answer is not a list of answers".to_owned()),
    }
}

fn http(state: &Shared) -> &reqwest::Client {
    &state.agent_http
}

/// The agent's answers to a non-streamed question (`req_stream = false`), as the visitor's
/// non-streamed answer list: the non-`MESSAGE` answers, the `MESSAGE` text joined into the
/// first one when it has none (or one `ANSWER_INFO` of that text when there is no other).
pub(crate) async fn forward_plain(state: &Shared, url: &str, q: &AskRequest) -> Response {
    match ask_plain(state, url, q).await {
        Ok(infos) => ok(Value::Array(infos)),
        Err(e) => reply(AGENT_FAILED, &e, None),
    }
}

/// The visitor's non-streamed answer list from the agent (see [`forward_plain`]), or why
/// there is none.
pub(crate) async fn ask_plain(
    state: &Shared,
    url: &str,
    q: &AskRequest,
) -> Result<Vec<Value>, String> {
    let settings = lock(&state.agent).clone();
    let (body, visit) = agent_request(state, &settings, q, false);
    keep(&mut lock(&state.agent_sent), body.clone());
    let sent = http(state)
        .post(url)
        .timeout(Duration::from_secs(30))
        .json(&body)
        .send()
        .await;
    let answers = match sent {
        Ok(r) if r.status().is_success() => match r.json::<Value>().await {
            Ok(v) => answers_of(&v),
            Err(e) => Err(format!("the agent's answer is not JSON: {e}")),
        },
        Ok(r) => Err(format!("the agent answered HTTP {}", r.status().as_u16())),
        Err(e) => Err(format!("the agent could not be reached: {e}")),
    }?;
    let visitor: Vec<Value> = answers.iter().map(|a| to_visitor(a, &visit)).collect();
    let (messages, mut infos): (Vec<Value>, Vec<Value>) = visitor
        .into_iter()
        .partition(|a| a["robot_answer_message_type"] == "MESSAGE");
    let joined: String = messages
        .iter()
        .filter_map(|m| m["answer"].as_str())
        .collect();
    if infos.is_empty() {
        let mut info = failure("ANSWER_INFO", &joined, &visit);
        info["robot_answer_type"] = json!("QA_DIRECT");
        infos.push(info);
    } else if !joined.is_empty() && infos[0]["answer"].as_str().is_none_or(str::is_empty) {
        infos[0]["answer"] = json!(joined);
    }
    Ok(infos)
}

/// The code the sandbox answers a non-streamed question with when the agent failed (the
/// document names none).
pub(crate) const AGENT_FAILED: &str = "100020";

fn event(item: &Value) -> Bytes {
    let body =
        json!({"data": [item], "retCode": sobot_client::codes::SUCCESS, "retMsg": "success"});
    Bytes::from(format!("data: {body}\n\n"))
}

/// The agent's answers to a streamed question (`req_stream = true`), relayed to the visitor
/// event by event as they arrive. An agent event the sandbox cannot read is relayed as an
/// `ERROR` event (the stream goes on); an agent that cannot be reached, answers with an
/// error status or breaks off ends the visitor's stream with `ERROR_END`.
pub(crate) async fn forward_stream(state: &Shared, url: &str, q: &AskRequest) -> Response {
    let settings = lock(&state.agent).clone();
    let (body, visit) = agent_request(state, &settings, q, true);
    keep(&mut lock(&state.agent_sent), body.clone());
    let sent = http(state)
        .post(url)
        .header(header::ACCEPT, "text/event-stream")
        .json(&body)
        .send()
        .await;
    let response = match sent {
        Ok(r) if r.status().is_success() => r,
        Ok(r) => {
            let text = format!("the agent answered HTTP {}", r.status().as_u16());
            return sse_body(
                futures::stream::iter([event(&failure("ERROR_END", &text, &visit))]).boxed(),
            );
        }
        Err(e) => {
            let text = format!("the agent could not be reached: {e}");
            return sse_body(
                futures::stream::iter([event(&failure("ERROR_END", &text, &visit))]).boxed(),
            );
        }
    };
    let is_sse = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !is_sse {
        // An agent that answered a list anyway: relayed as events, in order.
        let events: Vec<Bytes> = match response
            .json::<Value>()
            .await
            .map_err(|e| e.to_string())
            .and_then(|v| answers_of(&v))
        {
            Ok(items) => items
                .iter()
                .map(|i| event(&to_visitor(i, &visit)))
                .collect(),
            Err(e) => vec![event(&failure("ERROR_END", &e, &visit))],
        };
        return sse_body(futures::stream::iter(events).boxed());
    }
    let events = EventStream::new(response.bytes_stream());
    let relayed = futures::stream::unfold(
        (events, visit, false),
        |(mut events, visit, done)| async move {
            if done {
                return None;
            }
            match events.next().await {
                None => None,
                Some(Ok(e)) => {
                    let out = match serde_json::from_str::<Value>(&e.data)
                        .map_err(|e| e.to_string())
                        .and_then(|v| answers_of(&v))
                    {
                        Ok(items) => items.iter().map(|i| event(&to_visitor(i, &visit))).fold(
                            Vec::new(),
                            |mut acc, b| {
                                acc.extend_from_slice(&b);
                                acc
                            },
                        ),
                        Err(_) => event(&failure(
                            "ERROR",
                            "the agent sent an event the sandbox cannot read",
                            &visit,
                        ))
                        .to_vec(),
                    };
                    Some((Bytes::from(out), (events, visit, false)))
                }
                Some(Err(e)) => {
                    let text = format!("the agent's stream broke off: {e}");
                    let end = event(&failure("ERROR_END", &text, &visit));
                    Some((end, (events, visit, true)))
                }
            }
        },
    );
    sse_body(relayed.boxed())
}

fn sse_body(events: futures::stream::BoxStream<'static, Bytes>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(events.map(Ok::<_, io::Error>)),
    )
        .into_response()
}

/// `POST callback_list`: a copilot agent's answers (`{"algorithm_resp_vos": [..]}`).
pub(crate) async fn callback_list(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    receive_callback(
        &state,
        &headers,
        body,
        |body| body.get("algorithm_resp_vos").is_some_and(Value::is_array),
        "algorithm_resp_vos (a list) is required",
        |kept| &mut kept.callback_list,
    )
}

/// `POST question_call_back`: a batch-test result (one `ThirdAlgorithmRespVo`).
pub(crate) async fn question_call_back(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    receive_callback(
        &state,
        &headers,
        body,
        Value::is_object,
        "a ThirdAlgorithmRespVo object is required",
        |kept| &mut kept.question_call_back,
    )
}

/// An agent's callback: with the session's token and a body of the documented shape
/// (`valid`, else `PARAM_ERROR` saying `required`), kept in its list of `AgentCallbacks`.
fn receive_callback(
    state: &Shared,
    headers: &HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
    valid: fn(&Value) -> bool,
    required: &str,
    list: fn(&mut AgentCallbacks) -> &mut Vec<Value>,
) -> Response {
    if let Err(r) = check_token(state, headers) {
        return r;
    }
    let Ok(Json(body)) = body else {
        return reply(PARAM_ERROR, "invalid request body", None);
    };
    if !valid(&body) {
        return reply(PARAM_ERROR, required, None);
    }
    keep(list(&mut lock(&state.agent_callbacks)), body);
    reply(sobot_client::codes::SUCCESS, "success", None)
}

/// Builds the sandbox's outbound HTTP client (to its agent, to `call_back_url`s): built
/// by common-http, so it has whatever TLS backend the build's features chose (none in the
/// sandbox's own build; the agent is plain HTTP), and never panics for want of a rustls
/// crypto provider when a dependent (agentctl) enables rustls.
pub(crate) fn client() -> reqwest::Client {
    let config = common_http::ClientConfig::builder()
        .base_url("http://127.0.0.1/")
        .connect_timeout(Duration::from_secs(5))
        .build();
    config
        .and_then(|c| common_http::HttpClient::new(c, std::sync::Arc::new(common_http::NoAuth)))
        .map(|c| c.reqwest().clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_bodies_are_kept() {
        let mut list = Vec::new();
        for i in 0..=AGENT_KEPT {
            keep(&mut list, json!(i));
        }
        assert_eq!(list.len(), AGENT_KEPT);
        assert_eq!(list[0], json!(1));
        assert_eq!(list[AGENT_KEPT - 1], json!(AGENT_KEPT));
    }

    #[test]
    fn card_keys_change_case_both_ways() {
        let visitor = json!({"cardStyle": "0", "customCards": [{"customCardName": {"variableId": "v", "paramValue": "p"}}]});
        let agent = snake_keys(&visitor);
        assert_eq!(
            agent,
            json!({"card_style": "0", "custom_cards": [{"custom_card_name": {"variableid": "v", "param_value": "p"}}]})
        );
        assert_eq!(camel_keys(&agent), visitor);
    }
}

//! The sandbox plays Sobot calling your own agent: end to end against an agent served by
//! sobot-client's inbound server (the `echo_agent` example's rules), streamed and not, with
//! the copilot and batch-test callbacks received and counted.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{ANSWER_NO_STREAM, Raw, question};
use serde_json::{Value, json};
use sobot_client::server::{AgentError, AgentReply, ServerConfig, ThirdPartyAgent};
use sobot_client::{
    AgentAnswer, AgentRequest, InputTypeEnum, RobotAnswerMessageType, RobotAnswerType, SobotClient,
};
use vendor_sandbox::Sandbox;

const SECRET: &str = "s3cret";

/// The `echo_agent` example's agent: a transfer for "human", an echo word by word otherwise.
struct EchoAgent;

#[sobot_client::server::async_trait]
impl ThirdPartyAgent for EchoAgent {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        if request.input_type_enum != InputTypeEnum::Input {
            return Ok(AgentReply::text(format!(
                "received a {} click",
                request.input_type_enum.as_str()
            )));
        }
        if request.question.to_lowercase().contains("human") {
            let info = AgentAnswer::builder()
                .answer_type(RobotAnswerType::TransferIntention)
                .robot_answer_message_type(RobotAnswerMessageType::ThirdAnswerInfo)
                .lan("en")
                .llm_answer("Let me find a colleague for you.")
                .roundid("")
                .companyid("")
                .message_end(false)
                .build()
                .map_err(|e| AgentError::new(e.to_string()))?;
            return Ok(AgentReply::Answers(vec![info.into()]));
        }
        let words: Vec<String> = format!("You said: {}", request.question)
            .split_inclusive(' ')
            .map(str::to_owned)
            .collect();
        Ok(AgentReply::stream(futures::stream::iter(words)))
    }
}

/// A sandbox pointed at the echo agent, which calls back the sandbox.
async fn setup() -> (Sandbox, tokio::task::JoinHandle<()>) {
    let sandbox = Sandbox::builder()
        .records(10)
        .agent_param("token", SECRET)
        .start()
        .await
        .unwrap();
    let creds = sandbox.credentials();
    let client = SobotClient::builder()
        .appid(creds.sobot_appid.clone())
        .app_key(creds.sobot_app_key.clone())
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let config = ServerConfig::new()
        .shared_secret("token", SECRET)
        .sobot_client(client)
        .callback_retry(3, Duration::from_millis(10));
    let app = sobot_client::server::router(EchoAgent, config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let _ = sobot_client::server::axum::serve(listener, app).await;
    });
    sandbox.set_agent_url(Some(format!("http://{addr}/")));
    (sandbox, server)
}

/// Waits (a bounded time) until `done` holds.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..500 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    done()
}

fn joined(events: &[Value]) -> String {
    events
        .iter()
        .map(|e| &e["data"][0])
        .filter(|i| i["robot_answer_message_type"] == "MESSAGE")
        .filter_map(|i| i["answer"].as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_question_reaches_the_agent_and_its_answer_the_visitor() {
    let (sb, _server) = setup().await;
    let raw = Raw::new(&sb).await;
    let body = raw.post(ANSWER_NO_STREAM, &question("hello there")).await;
    assert_eq!(body["ret_code"], "000000", "{body}");
    let info = &body["data"][0];
    assert_eq!(info["robot_answer_message_type"], "ANSWER_INFO", "{body}");
    assert_eq!(info["answer"], "You said: hello there", "{body}");
    assert_eq!(info["ai_agent_cid"], "cid-1");
    // What the agent got: the document's ThirdAlgorithmReqVo.
    let sent = sb.agent_requests();
    assert_eq!(sent.len(), 1);
    let req = &sent[0];
    for (field, value) in [
        ("question", json!("hello there")),
        ("show_question", json!("hello there")),
        ("input_type_enum", json!("INPUT")),
        ("robotid", json!("1")),
        ("ai_agent_cid", json!("cid-1")),
        ("biz_type", json!("TEXT")),
        ("source_enum", json!("PC")),
        ("robot_model", json!("THIRD_STANDARD")),
        ("req_stream", json!(false)),
        ("copilot", json!(false)),
    ] {
        assert_eq!(req[field], value, "{field} in {req}");
    }
    for field in ["msg_type", "companyid", "roundid", "context_validity_time"] {
        assert!(!req[field].is_null(), "{field} missing in {req}");
    }
    assert_eq!(req["params"]["token"], SECRET);
    assert!(req.get("runtimeid").is_none());
    let _: AgentRequest = serde_json::from_value(req.clone()).unwrap();
    assert_eq!(sb.agent_callbacks().callback_list.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_click_reaches_the_agent_with_the_card_in_snake_case() {
    let (sb, _server) = setup().await;
    let raw = Raw::new(&sb).await;
    let card = json!({
        "cardStyle": "0", "cardType": "1", "cardForm": "1", "cardGuide": "Pick one",
        "customCards": [{
            "customCardName": {"variableId": "v-name", "paramValue": "Sandbox tablet"},
            "customMenus": [{"menuType": 0, "menuName": "Buy", "menuLink": null}]
        }]
    });
    let mut click = question(r#"[{"variableValue":"Sandbox tablet"}]"#);
    click["input_type_enum"] = json!("PROCESS_CARD_CLICK");
    click["show_question"] = json!(card.to_string());
    click["interface_info"] = card;
    let body = raw.post(ANSWER_NO_STREAM, &click).await;
    assert_eq!(
        body["data"][0]["answer"], "received a PROCESS_CARD_CLICK click",
        "{body}"
    );
    let sent = &sb.agent_requests()[0];
    assert_eq!(sent["input_type_enum"], "PROCESS_CARD_CLICK");
    assert_eq!(sent["interface_info"]["card_style"], "0", "{sent}");
    let name = &sent["interface_info"]["custom_cards"][0]["custom_card_name"];
    assert_eq!(name["param_value"], "Sandbox tablet", "{sent}");
    assert_eq!(name["variableid"], "v-name", "{sent}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asynchronous_question_is_answered_by_the_agent_at_the_callback_url() {
    use sobot_client::server::axum::{Json, Router, routing::post};
    let (sb, _server) = setup().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let hook = Router::new().route(
        "/hook",
        post(move |Json(body): Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _hook = tokio::spawn(async move {
        let _ = sobot_client::server::axum::serve(listener, hook).await;
    });
    let raw = Raw::new(&sb).await;
    let mut ask = question("call me back");
    ask["call_back_url"] = json!(format!("http://{addr}/hook"));
    let ack = raw
        .post("/ai-agent-open/ask/answer_with_call_back", &ask)
        .await;
    assert_eq!(ack["ret_code"], "000000", "{ack}");
    let posted = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        posted["data"][0]["answer"], "You said: call me back",
        "{posted}"
    );
    assert_eq!(posted["data"][0]["msgid"], ack["data"]["msgid"]);
    assert_eq!(sb.agent_requests()[0]["req_stream"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_question_is_relayed_event_by_event() {
    let (sb, _server) = setup().await;
    let raw = Raw::new(&sb).await;
    let events = raw.stream(&question("one two three")).await;
    assert!(events.len() >= 4, "{events:?}");
    assert_eq!(joined(&events), "You said: one two three");
    let last_message = events
        .iter()
        .map(|e| &e["data"][0])
        .rfind(|i| i["robot_answer_message_type"] == "MESSAGE")
        .unwrap();
    assert_eq!(last_message["message_end"], true);
    assert_eq!(sb.agent_requests()[0]["req_stream"], true);
    // A THIRD_ANSWER_INFO reaches the visitor as ANSWER_INFO, with the transfer decision.
    let events = raw.stream(&question("a human please")).await;
    let info = events
        .iter()
        .map(|e| &e["data"][0])
        .find(|i| i["robot_answer_message_type"] == "ANSWER_INFO")
        .unwrap();
    assert_eq!(info["robot_answer_type"], "TRANSFER_INTENTION");
    assert_eq!(info["transfer_result"], "GPT_TRANSFER");
    assert_eq!(info["answer"], "Let me find a colleague for you.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copilot_answers_come_back_to_callback_list_streamed_and_not() {
    let (sb, _server) = setup().await;
    sb.set_agent_copilot(true);
    let raw = Raw::new(&sb).await;
    raw.post(ANSWER_NO_STREAM, &question("plain one")).await;
    assert!(eventually(|| sb.agent_callbacks().callback_list.len() == 1).await);
    raw.stream(&question("streamed one")).await;
    assert!(eventually(|| sb.agent_callbacks().callback_list.len() == 2).await);
    let sent = sb.agent_requests();
    assert!(sent.iter().all(|r| r["copilot"] == true));
    let callbacks = sb.agent_callbacks();
    for (callback, text, request) in [
        (&callbacks.callback_list[0], "You said: plain one", &sent[0]),
        (
            &callbacks.callback_list[1],
            "You said: streamed one",
            &sent[1],
        ),
    ] {
        let answers = callback["algorithm_resp_vos"].as_array().unwrap();
        let got: String = answers
            .iter()
            .filter_map(|a| a["llm_answer"].as_str())
            .collect();
        assert_eq!(got, text, "{callback}");
        assert!(answers.iter().all(|a| a["roundid"] == request["roundid"]));
    }
    // A call the agent retried on a token the visitor's new one had replaced is counted by
    // `count` but not kept.
    assert!(sb.count("/ai-agent-open/ask/callback_list") >= 2);
    assert!(callbacks.question_call_back.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_test_result_comes_back_to_question_call_back() {
    let (sb, _server) = setup().await;
    sb.set_agent_batch_test(true);
    let raw = Raw::new(&sb).await;
    raw.stream(&question("batch one")).await;
    assert!(eventually(|| sb.agent_callbacks().question_call_back.len() == 1).await);
    let request = &sb.agent_requests()[0];
    assert!(request["runtimeid"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(
        request["questionid"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    let result = &sb.agent_callbacks().question_call_back[0];
    assert_eq!(result["runtimeid"], request["runtimeid"], "{result}");
    assert_eq!(result["questionid"], request["questionid"], "{result}");
    assert_eq!(result["llm_answer"], "You said: batch one");
    assert!(sb.agent_callbacks().callback_list.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_agent_ends_the_stream_with_error_end() {
    let sb = Sandbox::builder().records(10).start().await.unwrap();
    // A port that was just free: nothing listens there.
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    sb.set_agent_url(Some(format!("http://{addr}/")));
    let raw = Raw::new(&sb).await;
    let events = raw.stream(&question("anyone?")).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["data"][0]["robot_answer_message_type"],
        "ERROR_END"
    );
    let plain = raw.post(ANSWER_NO_STREAM, &question("anyone?")).await;
    assert_ne!(plain["ret_code"], "000000", "{plain}");
    // Without an agent the scripted bot answers again.
    sb.set_agent_url(None);
    let events = raw.stream(&question("anyone?")).await;
    assert_eq!(joined(&events), "You said: anyone?");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_agent_event_is_an_error_event_and_the_stream_goes_on() {
    use sobot_client::server::axum::{Router, routing::post};
    let app = Router::new().route(
        "/",
        post(|| async {
            let body = "data: {\"robot_answer_message_type\":\"MESSAGE\",\"llm_answer\":\"a \",\"answer_type\":\"QA_DIRECT\"}\n\n\
                        data: {not json\n\n\
                        data: {\"robot_answer_message_type\":\"MESSAGE\",\"llm_answer\":\"b\",\"message_end\":true}\n\n";
            ([("content-type", "text/event-stream")], body)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _server = tokio::spawn(async move {
        let _ = sobot_client::server::axum::serve(listener, app).await;
    });
    let sb = Sandbox::builder()
        .records(10)
        .agent_url(format!("http://{addr}/"))
        .start()
        .await
        .unwrap();
    let raw = Raw::new(&sb).await;
    let kinds: Vec<String> = raw
        .stream(&question("x"))
        .await
        .iter()
        .map(|e| {
            e["data"][0]["robot_answer_message_type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds, ["MESSAGE", "ERROR", "MESSAGE"]);
}

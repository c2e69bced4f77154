//! Each endpoint's wire behaviour against httpmock on 127.0.0.1 with the documented
//! fixtures (method, path, query/body, `token` and `language` headers, decoding), the
//! recordList pagination, and bad input rejected before any request.
#![allow(clippy::unwrap_used)]

mod common;

use futures::TryStreamExt as _;
use httpmock::Method::{GET, POST};
use httpmock::{Mock, MockServer};
use serde_json::Value;
use sobot_client::{
    AnswerType, AskRequest, AssessStatus, BizType, EmotionType, LikeDislikeStatus, PushPolling,
    PushType, QuestionRequest, RecordListParams, RobotType, ScoreLevel, SobotClient, SolveStatus,
    SourceListParams, StarLevel, StatisticsSource, ValidTrigger2HumanType,
};
use time::macros::date;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

async fn setup() -> (MockServer, SobotClient) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/get_token");
            then.status(200).body(fixture("get_token.response.json"));
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .build()
        .unwrap();
    (server, client)
}

const TOKEN: &str = "4ac37cb2e9c740dba4b75a34d5358802";

fn question() -> AskRequest {
    common::ask_request("Customer service", "29967d81d67f4a708e8bd7d8f6356447")
}

async fn post_json<'a>(server: &'a MockServer, path: &str, response: &str) -> Mock<'a> {
    let body = fixture(response);
    let path = path.to_owned();
    server
        .mock_async(move |when, then| {
            when.method(POST).path(path).header("token", TOKEN);
            then.status(200).body(body);
        })
        .await
}

#[tokio::test]
async fn ask_init_end_session_and_push_info() {
    let (server, client) = setup().await;
    let init = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ai-agent-open/ask/ask_init")
                .query_param("robotid", "1")
                .query_param("bizid", "a97e877ad6b9403bbf945401ea331111")
                .header("token", TOKEN);
            then.status(200).body(fixture("ask_init.response.json"));
        })
        .await;
    let session = client
        .ask_init("1", "a97e877ad6b9403bbf945401ea331111")
        .send()
        .await
        .unwrap();
    assert_eq!(
        session.ai_agent_cid.as_deref(),
        Some("17ad7f4ab65b4aedadb3b72caf6a86cd")
    );
    assert_eq!(session.biz_type, Some(BizType::AiAgent));
    assert_eq!(session.biz_typeid.as_deref(), Some("1000045"));
    assert_eq!(init.calls_async().await, 1);

    let end = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ai-agent-open/ask/end_session")
                .query_param("ai_agent_cid", "cid");
            then.status(200).body(fixture("end_session.response.json"));
        })
        .await;
    client.end_session("cid").send().await.unwrap();
    assert_eq!(end.calls_async().await, 1);

    let push = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ai-agent-open/ask/get_push_info")
                .query_param("msgid", "12789cf50b784e4480a02289ddc69fb9");
            then.status(200)
                .body(fixture("get_push_info.response.json"));
        })
        .await;
    let info = client
        .fetch_push_info("12789cf50b784e4480a02289ddc69fb9")
        .send()
        .await
        .unwrap();
    assert_eq!(info.push_type, PushType::RobotAnswer);
    let typed = sobot_client::Push::from_info(&info).unwrap();
    let data = typed.push_data().unwrap();
    assert_eq!(data.polling_id, "4cd268c9836d45eb931af9c70cf6cc1d");
    assert!(typed.is_final());
    assert_eq!(push.calls_async().await, 1);
}

#[tokio::test]
async fn answers_suggestions_and_callbacks() {
    let (server, client) = setup().await;
    let expected = fixture_json("answer_no_stream.request.json");
    let no_stream = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ai-agent-open/ask/answer_no_stream")
                .header("token", TOKEN)
                .json_body_includes(
                    r#"{"input_type_enum":"INPUT","source_enum":"PC","msg_type":"TEXT"}"#,
                );
            then.status(200)
                .body(fixture("answer_no_stream.response.json"));
        })
        .await;
    let request: AskRequest = serde_json::from_value(expected).unwrap();
    let answers = client.ask(request).send().await.unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].answer.as_deref(), Some("Customer service"));
    assert_eq!(no_stream.calls_async().await, 1);

    let suggest = post_json(
        &server,
        "/ai-agent-open/ask/answer_suggest",
        "answer_suggest.response.json",
    )
    .await;
    let request: QuestionRequest =
        serde_json::from_value(fixture_json("answer_suggest.request.json")).unwrap();
    let suggestions = client.suggest(request).send().await.unwrap();
    assert_eq!(suggestions.qa_contents[0].question, "Customer service");
    assert_eq!(suggest.calls_async().await, 1);

    let callback = post_json(
        &server,
        "/ai-agent-open/ask/answer_with_call_back",
        "answer_with_call_back.response.json",
    )
    .await;
    let request: QuestionRequest =
        serde_json::from_value(fixture_json("answer_with_call_back.request.json")).unwrap();
    client.ask_with_callback(request).send().await.unwrap();
    assert_eq!(callback.calls_async().await, 1);
}

fn documented_record_params() -> RecordListParams {
    RecordListParams::new(date!(2025 - 11 - 20), date!(2025 - 11 - 20), 1, 15)
        .robot_types(vec![RobotType::AiAgent])
        .time_zoneid("Asia/Shanghai")
        .robotid(["18", "15", "14"].map(String::from))
        .biz_type(vec![BizType::Text, BizType::AiAgent])
        .source(vec![
            StatisticsSource::Pc,
            StatisticsSource::Wap,
            StatisticsSource::App,
        ])
        .is_trigger_session_guide_status(1)
        .trigger2_human(0)
        .transfer2_human(0)
        .rule_ids(vec!["a0546104b604441281419fc5b241417c".to_owned()])
        .answer_type(vec![
            AnswerType::KnowledgeContent,
            AnswerType::KnowledgeTaskWorkflow,
        ])
        .valid_trigger2_human_type(ValidTrigger2HumanType::Repeat)
        .emotion_type(EmotionType::Positive)
        .assess_status(AssessStatus::Satisfied)
        .channel_flag_plus(["PC_24", "PC_1"].map(String::from))
        .robot_consult(0)
        .solve_status(SolveStatus::InferredSolved)
        .satisfaction_status(1)
        .score_level(vec![ScoreLevel::Score10, ScoreLevel::Score9])
        .star_level(vec![StarLevel::Stars5])
        .satisfaction_labels(vec!["3bde5e888b8c447fb437eafb3f750992".to_owned()])
        .robot_valid(1)
        .test(1)
        .like_dislike_status(LikeDislikeStatus::Dislike)
        .like_dislike_labels(vec!["73da2cf57f42402b9c362fa1e4f62d6f".to_owned()])
        .cid("f2f0daf6552c4078893932b50dfb963c")
}

#[tokio::test]
async fn record_list_sends_every_documented_filter_and_the_language_header() {
    let (server, client) = setup().await;
    let expected = fixture_json("record_list.request.json");
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ai-agent-open/api/statistics/recordList")
                .header("token", TOKEN)
                .header("language", "en")
                .json_body(expected);
            then.status(200).body(fixture("record_list.response.json"));
        })
        .await;
    let page = client
        .list_reception_records(documented_record_params())
        .send()
        .await
        .unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(page.total, Some(32));
    assert_eq!(page.pages, Some(3));
    assert!(!page.items.is_empty());
}

#[tokio::test]
async fn record_list_walks_every_page() {
    let (server, client) = setup().await;
    let record = fixture_json("record_list.response.json")["data"][0].clone();
    let mut mocks = Vec::new();
    for page in 1..=3 {
        let count = if page < 3 { 2 } else { 1 };
        let body = serde_json::json!({
            "data": vec![record.clone(); count],
            "ret_code": "000000",
            "ret_msg": "success",
            "total_count": 5,
            "page_no": page,
            "page_size": 2,
            "page_count": 3,
        });
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(POST)
                        .path("/ai-agent-open/api/statistics/recordList")
                        .json_body_includes(format!(r#"{{"page_no":{page},"page_size":2}}"#));
                    then.status(200).json_body(body);
                })
                .await,
        );
    }
    let params = RecordListParams::new(date!(2025 - 11 - 01), date!(2025 - 11 - 20), 1, 2);
    let items: Vec<_> = client
        .list_reception_records(params.clone())
        .by_item()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 5);
    for mock in &mocks {
        assert_eq!(mock.calls_async().await, 1);
    }
    let pages: Vec<_> = client
        .list_reception_records(params)
        .look_ahead(1)
        .by_page()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.iter().map(|p| p.page).collect::<Vec<_>>(), [1, 2, 3]);
}

#[tokio::test]
async fn lookup_lists_decode_their_fixtures() {
    let (server, client) = setup().await;
    let get = |path: &'static str, response: &'static str| {
        let server = &server;
        async move {
            server
                .mock_async(move |when, then| {
                    when.path(path)
                        .header("token", TOKEN)
                        .header("language", "en");
                    then.status(200).body(fixture(response));
                })
                .await
        }
    };
    let robots = get(
        "/ai-agent-open/api/statistics/queryAiRobotList",
        "query_ai_robot_list.response.json",
    )
    .await;
    let sources = get(
        "/ai-agent-open/api/statistics/sourceList",
        "source_list.response.json",
    )
    .await;
    let zones = get(
        "/ai-agent-open/api/statistics/getTimezoneInfo",
        "get_timezone_info.response.json",
    )
    .await;
    let labels = get(
        "/ai-agent-open/api/statistics/getLabels",
        "get_labels.response.json",
    )
    .await;
    let dislikes = get(
        "/ai-agent-open/api/statistics/getLabelInfoList",
        "get_label_info_list.response.json",
    )
    .await;
    let audiences = get(
        "/ai-agent-open/api/statistics/simpleList",
        "simple_list.response.json",
    )
    .await;
    assert!(!client.list_robots().send().await.unwrap().is_empty());
    let params: SourceListParams =
        serde_json::from_value(fixture_json("source_list.request.json")).unwrap();
    assert!(
        !client
            .list_channels(params)
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!client.list_timezones().send().await.unwrap().is_empty());
    assert!(!client.list_labels().send().await.unwrap().is_empty());
    assert!(
        !client
            .list_dislike_labels()
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!client.list_audiences().send().await.unwrap().is_empty());
    for mock in [robots, sources, zones, labels, dislikes, audiences] {
        assert_eq!(mock.calls_async().await, 1);
    }
}

#[tokio::test]
async fn bad_input_is_rejected_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_when, then| {
            then.status(500);
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let zero_page = RecordListParams::new(date!(2025 - 11 - 20), date!(2025 - 11 - 20), 1, 0);
    let err = client
        .list_reception_records(zero_page)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err:?}");
    let backwards = RecordListParams::new(date!(2025 - 11 - 20), date!(2025 - 11 - 01), 1, 10);
    let err = client
        .list_reception_records(backwards.clone())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err:?}");
    let err = client
        .list_reception_records(backwards)
        .by_item()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_invalid_request());
    let err = client.ask_init("", "biz").send().await.unwrap_err();
    assert!(err.is_invalid_request());
    let err = client.end_session("").send().await.unwrap_err();
    assert!(err.is_invalid_request());
    let mut missing_robot = question();
    missing_robot.robotid.clear();
    let err = client
        .ask_stream(missing_robot.clone())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_request());
    let err = client.ask(missing_robot).send().await.unwrap_err();
    assert!(err.is_invalid_request());
    // A poll for an answer without a delay.
    let answers: Vec<sobot_client::Answer> =
        serde_json::from_value(fixture_json("answer_no_stream.response.json")["data"].clone())
            .unwrap();
    let err = client
        .poll_pushes(&answers[0], PushPolling::default())
        .unwrap_err();
    assert!(err.is_invalid_request());
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn a_delayed_answer_polls_push_info_until_polling_ends() {
    let (server, client) = setup().await;
    let running = serde_json::json!({
        "data": {"msgid": "m1", "bizid": "b", "push_type": "NODE_OVER_TIME",
                 "data": {"msgid": "m1", "bizid": "b", "ai_agent_cid": "c", "round_id": "r",
                          "source_enum": "PC", "polling_id": "p", "polling_status": "POLLING_RUNNING"}},
        "ret_code": "000000", "ret_msg": "success"
    });
    let first = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/get_push_info")
                .query_param("msgid", "m1");
            then.status(200).json_body(running);
        })
        .await;
    let mut answers: Vec<sobot_client::Answer> =
        serde_json::from_value(fixture_json("answer_no_stream.response.json")["data"].clone())
            .unwrap();
    let mut answer = answers.remove(0);
    answer.delay = 1;
    answer.msgid = "m1".into();
    let polling = PushPolling::default()
        .interval(std::time::Duration::from_millis(20))
        .grace(std::time::Duration::from_millis(0));
    let poll = {
        let client = client.clone();
        let answer = answer.clone();
        tokio::spawn(async move {
            use futures::TryStreamExt;
            let mut pushes = client.poll_pushes(&answer, polling)?;
            let mut last = None;
            while let Some(push) = pushes.try_next().await? {
                last = Some(push);
            }
            Ok::<_, sobot_client::Error>(last)
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let polls = first.calls_async().await;
    assert!(polls >= 2, "{polls}");
    first.delete_async().await;
    let end = server
        .mock_async(|when, then| {
            when.path("/ai-agent-open/ask/get_push_info");
            then.status(200)
                .body(fixture("get_push_info.response.json"));
        })
        .await;
    let last = poll.await.unwrap().unwrap().unwrap();
    assert_eq!(last.push_type(), "ROBOT_ANSWER");
    assert!(last.is_final());
    assert!(end.calls_async().await >= 1);
}

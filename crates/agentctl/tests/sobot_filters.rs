//! `agentctl sobot records` with every reception-statistics filter of the document's
//! request table as a typed flag, checked against the body the sandbox received; `--source`
//! read case-insensitively from the documented enums; `sobot suggest` sending `msg_type`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{agentctl_for, normal_sandbox, ok, output};
use serde_json::{Value, json};
use vendor_sandbox::SOBOT_ROBOT_IDS;

const ROBOT: &str = SOBOT_ROBOT_IDS[0];
const RECORDS: &str = "/ai-agent-open/api/statistics/recordList";

/// Every filter of the request table (robotid ... robot_types), each given as a flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reception_filter_flag_reaches_the_request_body() {
    let sandbox = normal_sandbox().await;
    let args = [
        "sobot",
        "records",
        "--from",
        "2025-11-20",
        "--to",
        "2025-11-21",
        "--page-size",
        "15",
        "--robot",
        "18,15",
        "--robot",
        "14",
        "--biz-type",
        "text,AI_AGENT",
        "--source",
        "pc,WAP,app,tiktok shop",
        "--channel",
        "PC_24,PC_1",
        "--cid",
        "f2f0daf6552c4078893932b50dfb963c",
        "--bizid",
        "5bdcd797c7b14d8cbd29ad2e525f87ae",
        "--transferred",
        "no",
        "--triggered",
        "yes",
        "--time-zone",
        "Asia/Shanghai",
        "--solve-status",
        "inferred-solved",
        "--answer-type",
        "2,3",
        "--trigger-type",
        "repeat",
        "--emotion",
        "positive",
        "--evaluated",
        "yes",
        "--score",
        "10,9",
        "--stars",
        "5",
        "--assess",
        "satisfied",
        "--label",
        "3bde5e888b8c447fb437eafb3f750992",
        "--test-sessions",
        "yes",
        "--like-status",
        "dislike",
        "--dislike-label",
        "73da2cf57f42402b9c362fa1e4f62d6f",
        "--valid",
        "yes",
        "--ended",
        "no",
        "--audience",
        "a0546104b604441281419fc5b241417c",
        "--session-guide",
        "yes",
        "--robot-type",
        "ai_agent,AI_COPILOT",
    ];
    ok(&sandbox, &args, "json").await;
    let body = sandbox.received(RECORDS).unwrap();
    // The document's request example, with the values given above.
    let expected = json!({
        "start_time": "2025-11-20",
        "end_time": "2025-11-21",
        "page_no": 1,
        "page_size": 15,
        "robotid": "18,15,14",
        "biz_type": "TEXT,AI_AGENT",
        "source": "PC,wap,APP,TikTok Shop",
        "channel_flag_plus": "PC_24,PC_1",
        "cid": "f2f0daf6552c4078893932b50dfb963c",
        "bizid": "5bdcd797c7b14d8cbd29ad2e525f87ae",
        "transfer2_human": 0,
        "trigger2_human": 1,
        "timeZoneid": "Asia/Shanghai",
        "solve_status": 2,
        "answer_type": "2,3",
        "valid_trigger2_human_type": "REPEAT",
        "emotion_type": "POSITIVE",
        "satisfaction_status": 1,
        "score_level": "10,9",
        "star_level": "5",
        "assess_status": "5",
        "satisfaction_labels": ["3bde5e888b8c447fb437eafb3f750992"],
        "test": 1,
        "like_dislike_status": 2,
        "like_dislike_labels": ["73da2cf57f42402b9c362fa1e4f62d6f"],
        "robot_valid": 1,
        "robot_consult": 0,
        "rule_ids": ["a0546104b604441281419fc5b241417c"],
        "is_trigger_session_guide_status": 1,
        "robot_types": ["AI_AGENT", "AI_COPILOT"],
    });
    let filters = expected.as_object().unwrap().len() - 4;
    assert_eq!(
        filters, 26,
        "every filter of the table (25, and the time zone)"
    );
    assert_eq!(body, expected);

    // The coded values are accepted by their numbers too.
    let args = [
        "sobot",
        "records",
        "--from",
        "2025-11-20",
        "--to",
        "2025-11-21",
        "--solve-status",
        "3",
        "--like-status",
        "1",
        "--assess",
        "1",
        "--answer-type",
        "intelligent-answer",
        "--transferred",
        "1",
        "--ended",
        "true",
    ];
    ok(&sandbox, &args, "json").await;
    let body = sandbox.received(RECORDS).unwrap();
    for (field, value) in [
        ("solve_status", json!(3)),
        ("like_dislike_status", json!(1)),
        ("assess_status", json!("1")),
        ("answer_type", json!("4")),
        ("transfer2_human", json!(1)),
        ("robot_consult", json!(1)),
    ] {
        assert_eq!(body[field], value, "{field}: {body}");
    }
    assert!(body.get("emotion_type").is_none(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_outside_the_documented_enums_is_a_usage_error_naming_the_values() {
    let sandbox = normal_sandbox().await;
    let base = [
        "sobot",
        "records",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-02",
    ];
    for (flag, value, listed) in [
        ("--source", "H5", "wap"),
        ("--solve-status", "maybe", "unsolved"),
        ("--score", "11", "10"),
        ("--stars", "0", "5"),
        ("--emotion", "happy", "POSITIVE"),
        ("--transferred", "perhaps", "yes"),
    ] {
        let mut args = base.to_vec();
        args.extend([flag, value]);
        let run = output(agentctl_for(&sandbox), &args).await;
        assert_eq!(run.code, 2, "{flag} {value}: {}", run.stderr);
        assert!(run.stderr.contains(listed), "{flag}: {}", run.stderr);
    }
    assert_eq!(sandbox.count(RECORDS), 0);
    // The help names the documented channel values, not H5.
    let run = output(agentctl_for(&sandbox), &["sobot", "records", "--help"]).await;
    assert!(run.stdout.contains("wap"), "{}", run.stdout);
    assert!(!run.stdout.contains("H5"), "{}", run.stdout);
    let run = output(agentctl_for(&sandbox), &["sobot", "ask", "--help"]).await;
    assert!(run.stdout.contains("--source"), "{}", run.stdout);
    assert!(!run.stdout.contains("H5"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggest_sends_the_documented_msg_type_and_the_source() {
    let sandbox = normal_sandbox().await;
    ok(
        &sandbox,
        &[
            "sobot", "suggest", "--robot", ROBOT, "--source", "WAP", "refund",
        ],
        "json",
    )
    .await;
    let body: Value = sandbox.received("answer_suggest").unwrap();
    assert_eq!(body["msg_type"], "TEXT", "{body}");
    assert_eq!(body["source_enum"], "wap", "{body}");
    assert_eq!(body["question"], "refund", "{body}");
    ok(
        &sandbox,
        &[
            "sobot", "ask", "--robot", ROBOT, "--source", "miniapp", "hi",
        ],
        "json",
    )
    .await;
    let body: Value = sandbox.received("answer_no_stream").unwrap();
    assert_eq!(body["source_enum"], "miniApp", "{body}");
    assert_eq!(body["msg_type"], "TEXT", "{body}");
}

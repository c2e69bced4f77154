//! Sobot reception statistics: every filter of the document's `recordList` request table
//! selects the generated records it names, the dates are read in `timeZoneid`, and the
//! lookup lists are not empty and have the documented shapes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{RECORDS, Raw};
use serde_json::{Value, json};
use vendor_sandbox::{RECEPTION_FILTERS, Sandbox};

async fn sandbox() -> Sandbox {
    Sandbox::builder().records(300).start().await.unwrap()
}

/// Every record of a `recordList` query, all pages: the cids, in order.
async fn cids(raw: &Raw<'_>, filters: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for page in 1.. {
        let mut body = json!({
            "start_time": "2025-12-01", "end_time": "2026-12-31",
            "page_no": page, "page_size": 100,
        });
        for (k, v) in filters.as_object().unwrap() {
            body[k] = v.clone();
        }
        let answer = raw.post(RECORDS, &body).await;
        assert_eq!(answer["ret_code"], "000000", "{answer}");
        let data = answer["data"].as_array().unwrap();
        out.extend(data.iter().map(|r| r["cid"].as_str().unwrap().to_owned()));
        if page >= answer["page_count"].as_i64().unwrap() {
            break;
        }
    }
    out
}

/// How the request table spells a filter's value.
fn spelled(filter: &str, value: &str) -> Value {
    match filter {
        "satisfaction_labels" | "like_dislike_labels" | "rule_ids" | "robot_types" => {
            json!([value])
        }
        "transfer2_human"
        | "trigger2_human"
        | "solve_status"
        | "satisfaction_status"
        | "test"
        | "like_dislike_status"
        | "robot_valid"
        | "robot_consult"
        | "is_trigger_session_guide_status" => json!(value.parse::<i64>().unwrap()),
        _ => json!(value),
    }
}

/// The served records' own fields that some filters look at.
fn record_field(filter: &str) -> Option<&'static str> {
    Some(match filter {
        "robotid" => "robot_flag",
        "biz_type" => "biz_type_enum",
        "robot_types" => "robot_type",
        "source"
        | "channel_flag_plus"
        | "cid"
        | "bizid"
        | "transfer2_human"
        | "trigger2_human"
        | "valid_trigger2_human_type"
        | "satisfaction_status"
        | "test"
        | "like_dislike_status"
        | "robot_valid"
        | "robot_consult" => RECEPTION_FILTERS.iter().find(|f| **f == filter)?,
        _ => return None,
    })
}

#[tokio::test]
async fn each_of_the_25_filters_selects_the_records_it_names() {
    let sb = sandbox().await;
    let raw = Raw::new(&sb).await;
    let data = sb.data();
    let all = cids(&raw, &json!({})).await;
    assert_eq!(all.len(), data.sobot_records.len());
    assert_eq!(RECEPTION_FILTERS.len(), 25);
    for filter in RECEPTION_FILTERS {
        // A value the 7th record has (every record has one for most filters).
        let value = data
            .sobot_facets
            .iter()
            .skip(7)
            .find_map(|f| f.get(filter).first().cloned())
            .unwrap();
        let got = cids(&raw, &json!({ filter: spelled(filter, &value) })).await;
        let want: Vec<String> = data
            .sobot_records
            .iter()
            .zip(&data.sobot_facets)
            .filter(|(_, f)| f.get(filter).contains(&value))
            .map(|(r, _)| r.cid.clone().unwrap())
            .collect();
        assert!(!got.is_empty(), "{filter}={value}");
        assert!(got.len() < all.len(), "{filter}={value} selects");
        assert_eq!(got, want, "{filter}={value}");
        // Where the record shows the field, it says the same.
        if let Some(field) = record_field(filter) {
            for record in data
                .sobot_records
                .iter()
                .filter(|r| got.contains(r.cid.as_ref().unwrap()))
            {
                let shown = serde_json::to_value(record).unwrap()[field].clone();
                let shown = shown
                    .as_str()
                    .map_or_else(|| shown.to_string(), str::to_owned);
                assert_eq!(shown, value, "{filter}: {field}");
            }
        }
    }
    // Filters combine (all must hold), and a list value selects any of its values.
    let both = cids(&raw, &json!({"source": "PC,wap", "robot_valid": 1})).await;
    let want: Vec<String> = data
        .sobot_records
        .iter()
        .filter(|r| {
            let v = serde_json::to_value(r).unwrap();
            matches!(v["source"].as_str(), Some("PC" | "wap")) && v["robot_valid"] == 1
        })
        .map(|r| r.cid.clone().unwrap())
        .collect();
    assert!(!both.is_empty());
    assert_eq!(both, want);
    // A value no record has selects nothing.
    assert!(
        cids(&raw, &json!({"rule_ids": ["no-such-audience"]}))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_typed_client_filters_too() {
    let sb = sandbox().await;
    let creds = sb.credentials();
    let client = sobot_client::SobotClient::builder()
        .appid(creds.sobot_appid.clone())
        .app_key(creds.sobot_app_key.clone())
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let body = json!({
        "start_time": "2025-12-01", "end_time": "2026-12-31", "page_no": 1, "page_size": 100,
        "score_level": "10,9,8", "star_level": "5,4", "assess_status": "5",
        "solve_status": 1, "emotion_type": "POSITIVE"
    });
    let params: sobot_client::RecordListParams = serde_json::from_value(body).unwrap();
    let page = client.list_reception_records(params).send().await.unwrap();
    let want = sb
        .data()
        .sobot_facets
        .iter()
        .filter(|f| {
            ["10", "9", "8"]
                .iter()
                .any(|s| f.get("score_level").contains(&(*s).to_owned()))
                && ["5", "4"]
                    .iter()
                    .any(|s| f.get("star_level").contains(&(*s).to_owned()))
                && f.get("assess_status") == ["5"]
                && f.get("solve_status") == ["1"]
                && f.get("emotion_type") == ["POSITIVE"]
        })
        .count();
    assert!(want > 0);
    assert_eq!(page.total, Some(want as u64));
}

#[tokio::test]
async fn dates_are_days_of_the_time_zone_given() {
    let sb = sandbox().await;
    let raw = Raw::new(&sb).await;
    let day = |zone: Option<&str>| {
        let mut body = json!({"start_time": "2026-01-02", "end_time": "2026-01-02", "page_no": 1, "page_size": 100});
        if let Some(zone) = zone {
            body["timeZoneid"] = json!(zone);
        }
        body
    };
    let starts = |answer: &Value| -> BTreeSet<i64> {
        answer["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["start_time"].as_i64().unwrap())
            .collect()
    };
    let utc = starts(&raw.post(RECORDS, &day(None)).await);
    let shanghai = starts(&raw.post(RECORDS, &day(Some("Asia/Shanghai"))).await);
    let new_york = starts(&raw.post(RECORDS, &day(Some("America/New_York"))).await);
    let midnight = 1_767_312_000_000_i64; // 2026-01-02T00:00:00Z
    let hour = 3_600_000;
    assert!(
        utc.iter()
            .all(|t| (midnight..midnight + 24 * hour).contains(t))
    );
    assert!(
        shanghai
            .iter()
            .all(|t| (midnight - 8 * hour..midnight + 16 * hour).contains(t))
    );
    assert!(
        new_york
            .iter()
            .all(|t| (midnight + 5 * hour..midnight + 29 * hour).contains(t))
    );
    assert!(!utc.is_empty() && utc != shanghai && utc != new_york);
    let unknown = raw.post(RECORDS, &day(Some("Mars/Olympus"))).await;
    assert_ne!(unknown["ret_code"], "000000", "{unknown}");
}

#[tokio::test]
async fn lookup_lists_are_not_empty_and_have_the_documented_shapes() {
    let sb = sandbox().await;
    let raw = Raw::new(&sb).await;
    // The fields of each documented return example.
    for (path, fields) in [
        (
            "getTimezoneInfo",
            &[
                "create_time",
                "main_timezone_flag",
                "timezone",
                "timezoneid",
                "id",
                "timezone_value",
            ][..],
        ),
        (
            "getLabels",
            &["companyid", "raw_name", "create_time", "name", "id"][..],
        ),
        (
            "getLabelInfoList",
            &[
                "companyid",
                "create_time",
                "createid",
                "name",
                "is_del",
                "id",
            ][..],
        ),
        ("simpleList", &["rule_title", "ruleid"][..]),
    ] {
        let answer = raw
            .get(&format!("/ai-agent-open/api/statistics/{path}"), &[])
            .await;
        assert_eq!(answer["ret_code"], "000000");
        let items = answer["data"].as_array().unwrap();
        assert!(items.len() >= 3, "{path}: {answer}");
        for item in items {
            let keys: BTreeSet<&str> = item
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, fields.iter().copied().collect(), "{path}");
        }
    }
    // The typed client reads them, and their ids are the ones the records use.
    let creds = sb.credentials();
    let client = sobot_client::SobotClient::builder()
        .appid(creds.sobot_appid.clone())
        .app_key(creds.sobot_app_key.clone())
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let zones = client.list_timezones().send().await.unwrap();
    assert!(
        zones
            .iter()
            .any(|z| z.timezoneid.as_deref() == Some("Asia/Shanghai"))
    );
    let audiences = client.list_audiences().send().await.unwrap();
    let used: BTreeSet<String> = sb
        .data()
        .sobot_facets
        .iter()
        .flat_map(|f| f.get("rule_ids").to_vec())
        .collect();
    assert!(
        audiences
            .iter()
            .all(|a| used.contains(a.ruleid.as_deref().unwrap()))
    );
    let labels = client.list_labels().send().await.unwrap();
    assert!(labels.len() >= 3);
    let dislike = client.list_dislike_labels().send().await.unwrap();
    assert!(dislike.len() >= 3);
}

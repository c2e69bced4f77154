//! Quirks mode: deterministic from the seed, every kind of drift on the wire, and the same
//! records per listing as normal mode. Bodies are read raw (plain HTTP, `serde_json`), never
//! through the typed clients.
#![allow(clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use common_http::reexports::reqwest;
use serde_json::{Value, json};
use vendor_sandbox::{QuirkKind, Sandbox};

const WORK: &str = "/ar/flow/openapi/record/page";
const CHAT: &str = "/ar/assistant/openapi/chatLog/page";
const RECORDS: &str = "/ai-agent-open/api/statistics/recordList";
const TASKS: &str = "/voice/group/call/query";
const ANSWER: &str = "/ai-agent-open/ask/answer";

async fn sandbox(quirks: bool) -> Sandbox {
    Sandbox::builder()
        .seed(11)
        .records(200)
        .stream_pace(std::time::Duration::ZERO)
        .quirks(quirks)
        .start()
        .await
        .unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A plain HTTP view of one sandbox.
struct Raw<'a> {
    sb: &'a Sandbox,
    http: reqwest::Client,
    token: Option<String>,
}

impl<'a> Raw<'a> {
    fn new(sb: &'a Sandbox) -> Self {
        Self {
            sb,
            http: common_http::http_client_builder()
                .build()
                .expect("HTTP client"),
            token: None,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.base_url())
    }

    async fn rokid(&self, path: &str, query: &[(&str, String)]) -> String {
        let key = &self.sb.credentials().rokid_api_key;
        self.http
            .get(self.url(path))
            .bearer_auth(key)
            .query(query)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn work_page(&self, page: u32) -> String {
        let query = [
            ("uid", vendor_sandbox::ROKID_UIDS[0].to_owned()),
            ("pageNum", page.to_string()),
            ("pageSize", "10".to_owned()),
        ];
        self.rokid(WORK, &query).await
    }

    async fn chat_page(&self, page: u32) -> String {
        let query = [("pageNum", page.to_string()), ("pageSize", "10".to_owned())];
        self.rokid(CHAT, &query).await
    }

    async fn sobot_token(&mut self) -> String {
        if let Some(t) = &self.token {
            return t.clone();
        }
        let c = self.sb.credentials();
        let create_time = now().to_string();
        let sign = sobot_client::sign(&c.sobot_appid, &create_time, &c.sobot_app_key);
        let body: Value = self
            .http
            .get(self.url(vendor_sandbox::SOBOT_TOKEN_ROUTE))
            .query(&[
                ("appid", c.sobot_appid.as_str()),
                ("create_time", create_time.as_str()),
                ("sign", sign.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = body["item"]["token"].as_str().unwrap().to_owned();
        self.token = Some(token.clone());
        token
    }

    async fn sobot_post(&mut self, path: &str, body: &Value) -> String {
        let token = self.sobot_token().await;
        self.http
            .post(self.url(path))
            .header("token", token)
            .json(body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn record_page(&mut self, page: u32, size: u32) -> String {
        let body = json!({
            "start_time": "2025-12-01", "end_time": "2027-12-31",
            "page_no": page, "page_size": size,
        });
        self.sobot_post(RECORDS, &body).await
    }

    async fn itnio(&self, body: &Value) -> String {
        let c = self.sb.credentials();
        let ts = now();
        self.http
            .post(self.url(TASKS))
            .header("Api-Key", &c.itnio_api_key)
            .header("Timestamp", ts.to_string())
            .header(
                "Sign",
                itnio_client::sign(&c.itnio_api_key, &c.itnio_api_secret, ts),
            )
            .json(body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn task_page(&self, page: u32, size: u32) -> String {
        self.itnio(&json!({
            "current": page, "size": size,
            "params": {
                "strTime": "2025-01-01 00:00:00", "endTime": "2030-01-01 00:00:00",
                "taskType": 3,
            },
        }))
        .await
    }

    async fn stream(&mut self, question: &str) -> String {
        let body = json!({
            "question": question, "show_question": question, "input_type_enum": "INPUT",
            "biz_id": "biz-1", "biz_type": "TEXT", "biz_type_id": "1000016", "robotid": "1",
            "msg_type": "TEXT", "source_enum": "PC",
        });
        self.sobot_post(ANSWER, &body).await
    }
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The records of a listing page, whatever the vendor.
fn list_of(page: &Value) -> Vec<Value> {
    for pointer in ["/data/list", "/data/records", "/data"] {
        if let Some(list) = page.pointer(pointer).and_then(Value::as_array) {
            return list.clone();
        }
    }
    panic!("no list in {page}");
}

/// `n` pages of each listing, raw.
async fn listings(sb: &Sandbox, pages: u32) -> Vec<(&'static str, Vec<String>)> {
    let mut raw = Raw::new(sb);
    let (mut work, mut chat, mut recs, mut tasks) = (vec![], vec![], vec![], vec![]);
    for p in 1..=pages {
        work.push(raw.work_page(p).await);
        chat.push(raw.chat_page(p).await);
        recs.push(raw.record_page(p, 10).await);
        tasks.push(raw.task_page(p, 10).await);
    }
    vec![(WORK, work), (CHAT, chat), (RECORDS, recs), (TASKS, tasks)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_answers_the_same_bytes() {
    let (a, b) = (sandbox(true).await, sandbox(true).await);
    // Document URLs name the sandbox's own address: the rest is byte for byte the same.
    let local = |sb: &Sandbox, text: &str| text.replace(sb.base_url(), "http://sandbox");
    let (la, lb) = (listings(&a, 3).await, listings(&b, 3).await);
    for ((route, pa), (_, pb)) in la.iter().zip(&lb) {
        for (n, (x, y)) in pa.iter().zip(pb).enumerate() {
            assert!(local(&a, x) == local(&b, y), "{route} page {}", n + 1);
        }
    }
    let (mut ra, mut rb) = (Raw::new(&a), Raw::new(&b));
    for q in ["hello there, how are you", "show me the workflow menu"] {
        assert_eq!(ra.stream(q).await, rb.stream(q).await, "stream for {q:?}");
    }
    assert_eq!(a.quirk_counts(), b.quirk_counts());
    // The quirks differ from normal mode, and another seed bends other records.
    let normal = sandbox(false).await;
    assert_ne!(listings(&normal, 1).await, listings(&a, 1).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_keep_every_record_and_the_paging_counts() {
    let (normal, quirky) = (sandbox(false).await, sandbox(true).await);
    let (ln, lq) = (listings(&normal, 4).await, listings(&quirky, 4).await);
    for ((route, n_pages), (_, q_pages)) in ln.iter().zip(&lq) {
        let mut seen = (0, 0);
        for (n, q) in n_pages.iter().zip(q_pages) {
            let (n, q) = (parse(n), parse(q));
            assert_eq!(list_of(&n).len(), list_of(&q).len(), "{route}: {q}");
            seen.0 += list_of(&n).len();
            seen.1 += list_of(&q).len();
            for pointer in [
                "/data/total",
                "/data/pages",
                "/total_count",
                "/page_count",
                "/data/pageNum",
                "/data/current",
            ] {
                assert_eq!(n.pointer(pointer), q.pointer(pointer), "{route} {pointer}");
            }
        }
        assert_eq!(seen.0, seen.1);
        assert!(seen.0 >= 30, "{route}: {seen:?}");
    }
    // A whole Itniotech export, page by page, sees as many records in both modes.
    let (n, q) = (export_tasks(&normal).await, export_tasks(&quirky).await);
    assert_eq!(n, q);
    assert_eq!(n.0, 200);
}

/// Every Itniotech task, page by page (7 a page): how many records, and the `total`.
async fn export_tasks(sb: &Sandbox) -> (usize, u64) {
    let raw = Raw::new(sb);
    let (mut n, mut page) = (0, 1);
    loop {
        let body = parse(&raw.task_page(page, 7).await);
        n += list_of(&body).len();
        let pages = body["data"]["pages"].as_u64().unwrap();
        if u64::from(page) >= pages {
            return (n, body["data"]["total"].as_u64().unwrap());
        }
        page += 1;
    }
}

fn is_text_number(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty() && s.parse::<f64>().is_ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_appears_in_a_few_pages_and_one_stream() {
    let sb = sandbox(true).await;
    let all = listings(&sb, 3).await;
    let pages: Vec<(&str, Value)> = all
        .iter()
        .flat_map(|(route, pages)| pages.iter().map(|p| (*route, parse(p))))
        .collect();
    let records: Vec<(&str, Value)> = pages
        .iter()
        .flat_map(|(route, p)| list_of(p).into_iter().map(|r| (*route, r)))
        .collect();
    let any = |f: &dyn Fn(&str, &Value) -> bool| records.iter().any(|(r, v)| f(r, v));
    let each = |f: &dyn Fn(&str, &Value) -> bool| {
        [WORK, CHAT, RECORDS, TASKS]
            .iter()
            .all(|route| records.iter().any(|(r, v)| r == route && f(r, v)))
    };

    // 1. numbers as strings, strings as numbers.
    assert!(any(&|r, v| r == CHAT && is_text_number(v.get("costTime"))));
    assert!(any(&|r, v| r == TASKS && is_text_number(v.get("taskId"))));
    assert!(any(&|r, v| r == TASKS && is_text_number(v.get("numCnt"))));
    assert!(any(
        &|r, v| r == RECORDS && is_text_number(v.get("user_msg_times"))
    ));
    assert!(any(&|r, v| r == RECORDS && v["robot_flag"].is_number()));
    assert!(any(&|r, v| r == WORK && v["planId"].is_number()));
    assert!(any(&|r, v| r == TASKS && v["asr"].is_number()));
    // 2. a required id missing.
    let id = |r: &str| match r {
        CHAT => "id",
        RECORDS => "cid",
        _ => "taskId",
    };
    assert!(each(&|r, v| v.is_object() && v.get(id(r)).is_none()));
    // 3. null lists and null scalars.
    assert!(any(
        &|r, v| r == RECORDS && v.get("answer_variable_infos") == Some(&Value::Null)
    ));
    assert!(each(&|_, v| v.as_object().is_some_and(|m| m
        .iter()
        .any(|(k, x)| x.is_null() && k.contains("ame")))));
    // 4. timestamps as epoch seconds, epoch ms, "" and null.
    for (route, field) in [
        (WORK, "gmtCreated"),
        (CHAT, "gmtCreated"),
        (TASKS, "createdTime"),
    ] {
        let forms = |f: &dyn Fn(&Value) -> bool| {
            records
                .iter()
                .any(|(r, v)| *r == route && v.get(field).is_some_and(f))
        };
        assert!(forms(&|t| t.as_i64().is_some_and(|n| n < 10_000_000_000)));
        assert!(forms(&|t| t.as_i64().is_some_and(|n| n > 10_000_000_000)));
        assert!(forms(&|t| t == ""));
        assert!(forms(&Value::is_null), "{route} {field}");
    }
    // 5. enums as "" and as unlisted values.
    assert!(any(&|r, v| r == WORK && v["taskProgress"] == 9));
    assert!(any(&|r, v| r == WORK && v["taskProgress"] == ""));
    assert!(any(&|r, v| r == CHAT && v["type"] == 7));
    assert!(any(&|r, v| r == TASKS && v["status"] == ""));
    assert!(any(
        &|r, v| r == RECORDS && v["biz_type_enum"] == "AI_AGENT_V2"
    ));
    // 6. both spellings of ret_code / ret_msg on a recordList page.
    assert!(pages.iter().any(|(r, p)| *r == RECORDS
        && p.get("ret_code").is_some()
        && p["ret_code"] == p["retCode"]
        && p["ret_msg"] == p["retMsg"]));
    // 7. Itniotech code as a string.
    assert!(pages.iter().any(|(r, p)| *r == TASKS && p["code"] == "0"));
    assert!(pages.iter().any(|(r, p)| *r == TASKS && p["code"] == 0));
    // 9. unknown fields in records and envelopes.
    assert!(each(&|_, v| v.get("extraInfo").is_some()));
    assert!(
        pages
            .iter()
            .any(|(r, p)| *r == WORK && p.get("traceId").is_some())
    );
    // 10. unreadable records: a string, a number, an id as an object.
    assert!(each(&|r, v| !v.is_object() || v[id(r)].is_object()));
    let raw = Raw::new(&sb);
    let mut chat = Vec::new();
    for page in 1..=6 {
        chat.extend(list_of(&parse(&raw.chat_page(page).await)));
    }
    // 60 consecutive records: three unreadable ones, one of each form.
    assert!(chat.iter().any(Value::is_string));
    assert!(chat.iter().any(Value::is_number));
    assert!(chat.iter().any(|v| v["id"].is_object()));
    assert_eq!(
        chat.iter()
            .filter(|v| !v.is_object() || v["id"].is_object())
            .count(),
        3
    );
    let unreadable = records
        .iter()
        .filter(|(r, v)| !v.is_object() || v[id(r)].is_object())
        .count();
    assert!(unreadable <= records.len() / 10, "{unreadable}");

    // 7. Sobot's errcode spelling of "token invalid".
    let mut raw = Raw::new(&sb);
    let http = common_http::http_client_builder()
        .build()
        .expect("HTTP client");
    let body: Value = http
        .post(raw.url(RECORDS))
        .header("token", "not-a-token")
        .json(
            &json!({"start_time": "2026-01-01", "end_time": "2026-01-02",
                      "page_no": 1, "page_size": 10}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"errcode": 900002, "errmsg": "token invalid"}));
    // 8. data: {} on error answers of list endpoints.
    let bad = raw.record_page(1, 1000).await;
    assert_eq!(parse(&bad)["data"], json!({}), "{bad}");
    let bad = parse(&raw.rokid(WORK, &[("pageNum", "1".to_owned())]).await);
    assert_eq!(bad["data"], json!({}));
    assert_ne!(bad["code"], 0);
    let bad = parse(&raw.task_page(1, 1000).await);
    assert_eq!((&bad["data"], &bad["code"]), (&json!({}), &json!("-22")));
    // Credentials are still checked.
    let rejected = http
        .get(raw.url(WORK))
        .query(&[("uid", vendor_sandbox::ROKID_UIDS[0])])
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status(), 401);

    // 11 (and 2, 3, 6 in a stream): one unreadable event, then the normal remaining events.
    let text = raw.stream("hello there, how are you").await;
    let events: Vec<&str> = text
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .collect();
    let parsed: Vec<Option<Value>> = events
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(e)
                .ok()
                .filter(Value::is_object)
        })
        .collect();
    let bad: Vec<usize> = (0..parsed.len()).filter(|i| parsed[*i].is_none()).collect();
    assert_eq!(bad.len(), 1, "{text}");
    assert!(bad[0] < parsed.len() - 1, "the stream goes on after it");
    let items: Vec<&Value> = parsed.iter().flatten().map(|e| &e["data"][0]).collect();
    let answer: String = items
        .iter()
        .filter(|i| i["robot_answer_message_type"] == "MESSAGE")
        .map(|i| i["answer"].as_str().unwrap())
        .collect();
    assert_eq!(answer, "You said: hello there, how are you");
    let info = items
        .iter()
        .find(|i| i["robot_answer_message_type"] == "ANSWER_INFO")
        .unwrap();
    assert!(info.get("robot_logo").is_none() && info.get("biz_id").is_none());
    assert!(
        items
            .iter()
            .any(|i| i.get("msgId").is_some() && i["msgId"] == i["msgid"])
    );
    assert!(
        parsed
            .iter()
            .flatten()
            .any(|e| e.get("ret_code").is_some() && e["ret_code"] == e["retCode"])
    );

    let counts = sb.quirk_counts();
    for kind in QuirkKind::ALL {
        assert!(counts[&kind] > 0, "{kind} never sent: {counts:?}");
    }
    sb.reset_counts();
    assert!(sb.quirk_counts().values().all(|n| *n == 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quirks_switch_at_runtime_and_normal_mode_sends_none() {
    let sb = sandbox(false).await;
    let before = listings(&sb, 2).await;
    assert!(sb.quirk_counts().values().all(|n| *n == 0));
    for (_, pages) in &before {
        for page in pages {
            let page = parse(page);
            assert!(list_of(&page).iter().all(Value::is_object));
        }
    }
    sb.set_quirks(true);
    assert!(sb.quirks());
    let during = listings(&sb, 2).await;
    assert_ne!(before, during);
    assert!(sb.quirk_counts()[&QuirkKind::UnreadableRecord] > 0);
    sb.set_quirks(false);
    assert_eq!(listings(&sb, 2).await, before);
}

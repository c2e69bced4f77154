//! The generated data set: deterministic from the seed, built from the clients' own model
//! types (so a record the sandbox serves is one the client can parse).

use itnio_client::GroupCallTask;
use rokid_client::{ChatLog, WorkRecord};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sobot_client::ReceptionRecord;
use time::{Duration as TimeSpan, PrimitiveDateTime, macros::datetime};

use crate::faults::mix;

/// The first instant of the generated data (records are spread forward from it).
pub const DATA_EPOCH: PrimitiveDateTime = datetime!(2026-01-01 00:00:00);

/// The Rokid user ids the work records and chat logs belong to.
pub const ROKID_UIDS: [&str; 4] = [
    "E9985178CD6C4207BDB30608FF90B909",
    "0A1B2C3D4E5F60718293A4B5C6D7E8F9",
    "F00DFACE0000111122223333444455AA",
    "12345678ABCDEF0012345678ABCDEF00",
];

/// The Itniotech application ids the tasks belong to (`idxAppId`).
pub const ITNIO_APP_IDS: [i64; 3] = [1001, 1002, 1003];

/// The Sobot robot ids of the generated reception records.
pub const SOBOT_ROBOT_IDS: [&str; 3] = ["1", "2", "3"];

const TASK_NAMES: [&str; 4] = [
    "Pump inspection",
    "Safety check",
    "Boiler maintenance",
    "Forklift audit",
];
const AGENTS: [&str; 3] = ["Inspection Assistant", "Repair Guide", "Quality Coach"];
const MODELS: [&str; 3] = ["qwen-max", "deepseek-v3", "glm-4"];
const TOPICS: [&str; 5] = ["valve", "pressure", "temperature", "bearing", "leak"];

/// A small deterministic random source (SplitMix64).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        &items[i.min(items.len() - 1)]
    }

    pub(crate) fn hex(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            out.push_str(&format!("{:016x}", self.next()));
        }
        out.truncate(len);
        out
    }
}

/// An Itniotech task with the application it belongs to (not part of the wire record).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ItnioTask {
    /// The `idxAppId` the task belongs to.
    pub app_id: i64,
    /// The record as served.
    pub task: GroupCallTask,
}

/// Everything the sandbox serves, generated from the seed; exposed so tests can compare
/// exports with it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Dataset {
    /// Rokid work records, oldest first (the order the API pages them in).
    pub work_records: Vec<WorkRecord>,
    /// Rokid chat logs, oldest first.
    pub chat_logs: Vec<ChatLog>,
    /// Sobot reception records (statistics `recordList`), oldest first.
    pub sobot_records: Vec<ReceptionRecord>,
    /// What the `recordList` filters see in each reception record (same order as
    /// `sobot_records`), the facets the served record does not show included.
    pub sobot_facets: Vec<crate::ReceptionFacets>,
    /// Itniotech group call tasks, oldest first.
    pub itnio_tasks: Vec<ItnioTask>,
}

pub(crate) fn typed<T: DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(v) => v,
        // The generator and the model types live in this workspace: a mismatch is a bug.
        Err(e) => panic!("generated data does not match the client model: {e}"),
    }
}

pub(crate) fn fmt_time(t: PrimitiveDateTime) -> String {
    common_http::datetime::format_datetime(t)
}

/// The offset of the Rokid account's zone, in which its records' times are given.
pub const ROKID_OFFSET: &str = "+08:00";

/// A Rokid response time as the document shows it: ISO-8601 with milliseconds and the
/// account's offset (`2026-06-17T10:00:00.000+08:00`), for a wall-clock time of that zone.
pub(crate) fn rokid_time(t: PrimitiveDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}{ROKID_OFFSET}",
        common_http::datetime::format_date(t.date()),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

impl Dataset {
    /// Generates `records` items of each kind from `seed`; document URLs start with
    /// `base_url` (the sandbox's own address).
    pub fn generate(seed: u64, records: usize, base_url: &str) -> Self {
        let base = base_url.trim_end_matches('/');
        let mut rng = Rng::new(seed);
        let mut work_records = Vec::with_capacity(records);
        let mut at = DATA_EPOCH;
        for i in 0..records {
            at += TimeSpan::seconds(60 + i64::try_from(rng.below(3600)).unwrap_or(0));
            let task_id = rng.hex(32);
            let uid = *rng.pick(&ROKID_UIDS);
            let name = format!("{} #{i}", rng.pick(&TASK_NAMES));
            let progress = rng.below(6);
            let video = rng.below(3) == 0;
            let created = rokid_time(at);
            let mut record = json!({
                "taskId": task_id,
                "taskName": name,
                "sessionId": rng.hex(16),
                "planId": format!("plan-{}", rng.below(50)),
                "ticketId": format!("ticket-{}", rng.below(1000)),
                "ticketFlowType": "custom",
                "companyId": "C-SANDBOX",
                "uid": uid,
                "userName": format!("user-{}", &uid[..6]),
                "chatContent": format!("checked the {}", rng.pick(&TOPICS)),
                "result": json!({"ok": progress == 4, "score": rng.below(100)}).to_string(),
                "taskProgress": progress,
                "uploadTime": created,
                "gmtCreated": created,
                "gmtModified": created,
                "gmtCreatedStart": created,
                "gmtCreatedEnd": created,
                "deleted": u64::from(rng.below(20) == 0),
                "flowType": "inspection",
                "reportUrl": format!("{base}/files/report/{task_id}.docx"),
                "signUrl": format!("{base}/files/sign/{task_id}.png"),
            });
            if video {
                record["videoUrl"] = json!(format!("{base}/files/video/{task_id}.mp4"));
            }
            work_records.push(typed::<WorkRecord>(record));
        }

        let mut chat_logs = Vec::with_capacity(records);
        let mut at = DATA_EPOCH;
        for i in 0..records {
            at += TimeSpan::seconds(30 + i64::try_from(rng.below(3600)).unwrap_or(0));
            let uid = *rng.pick(&ROKID_UIDS);
            let topic = rng.pick(&TOPICS);
            let created = rokid_time(at);
            chat_logs.push(typed::<ChatLog>(json!({
                "id": i + 1,
                "type": rng.below(2),
                "deviceId": format!("dev-{}", rng.below(20)),
                "agentId": format!("agent-{}", rng.below(3)),
                "agentName": rng.pick(&AGENTS),
                "modelId": format!("m-{}", rng.below(3)),
                "modelName": rng.pick(&MODELS),
                "modelApiName": "gpt-4o-mini",
                "systemPrompt": "You are an inspection assistant",
                "questionContent": format!("How do I check the {topic}?"),
                "questionImg": "",
                "answerContent": format!("Look at the {topic} gauge first ({i})."),
                "costTime": rng.below(5000),
                "status": "success",
                "errorMsg": "",
                "isMemory": rng.below(2) == 0,
                "time": created,
                "uid": uid,
                "userName": format!("user-{}", &uid[..6]),
                "companyId": "C-SANDBOX",
                "gmtCreated": created,
                "gmtModified": created,
                "deleted": 0,
            })));
        }

        let mut sobot_records = Vec::with_capacity(records);
        let mut ms = DATA_EPOCH.assume_utc().unix_timestamp() * 1000;
        for _ in 0..records {
            ms += 60_000 + i64::try_from(rng.below(3_600_000)).unwrap_or(0);
            let robot = rng.pick(&SOBOT_ROBOT_IDS);
            sobot_records.push(typed::<ReceptionRecord>(json!({
                "robot_name": format!("Robot {robot}"),
                "robot_flag": robot,
                "biz_type_enum": "AI_AGENT",
                "source": "PC",
                "user_msg_times": rng.below(10),
                "uid": rng.hex(16),
                "companyid": "C-SANDBOX",
                "robot_msg_times": rng.below(10),
                "start_time": ms,
                "end_time": ms + 30_000,
                "bizid": rng.hex(32),
                "cid": rng.hex(32),
            })));
        }

        let sobot_facets = crate::reception::enrich(seed, &mut sobot_records);

        let mut itnio_tasks = Vec::with_capacity(records);
        let mut at = DATA_EPOCH;
        for i in 0..records {
            at += TimeSpan::seconds(60 + i64::try_from(rng.below(3600)).unwrap_or(0));
            let app_id = *rng.pick(&ITNIO_APP_IDS);
            let num = rng.below(500) + 1;
            let drawn = rng.below(num + 1);
            let topic = rng.pick(&TOPICS);
            let status = rng.below(7);
            // `rate` is the call progress, as the document's example gives it: the share of
            // the numbers called, in percent, as a text without a sign ("100" when all are).
            // Finished: every number called; waiting, failed or submitting: none yet;
            // calling, canceled or suspended: part of them.
            let called = match status {
                2 => num,
                0 | 3 | 6 => 0,
                _ => (num + drawn) / 2,
            };
            let success = drawn.min(called);
            itnio_tasks.push(ItnioTask {
                app_id,
                task: typed::<GroupCallTask>(json!({
                    "taskId": 100_000 + i,
                    "taskName": format!("{topic} campaign {i}"),
                    "status": status,
                    "rate": (called * 100 / num).to_string(),
                    "numCnt": num,
                    "callNum": called,
                    "success": success,
                    "fail": called - success,
                    "createdTime": fmt_time(at),
                    "scriptId": rng.below(10),
                    "taskType": 3,
                    "answeredNum": success,
                    "asr": format!("{}", (success * 100).checked_div(called).unwrap_or(0)),
                    "agentTotalFeetime": rng.below(10_000),
                    "agentFee": format!("{}.{:02}", rng.below(100), rng.below(100)),
                    "chargeLen": rng.below(10_000),
                    "acd": format!("{}s", rng.below(120)),
                    "groupCallPayFee": format!("0.{:06}(USD)", rng.below(1_000_000)),
                    "smsPayFee": "0(USD)",
                    "taskSumPayFee": format!("0.{:06}(USD)", rng.below(1_000_000)),
                    "sendSmsNum": 0,
                })),
            });
        }
        Self {
            work_records,
            chat_logs,
            sobot_records,
            sobot_facets,
            itnio_tasks,
        }
    }
}

/// Records change after they are created: the work records' progress and modification
/// time, the call tasks' status. [`Dataset::revise`] plays that, for tests of clients that
/// read records again (a database sync's look-back).
impl Dataset {
    /// The data after `round` rounds of changes (0: as generated). Each round changes the
    /// newest tenth (at least one) of the work records (`taskProgress`, `gmtModified`) and
    /// of the Itniotech tasks (`status`), deterministically; nothing else changes, and no
    /// record is added or removed.
    pub fn revise(&mut self, round: u32) {
        if round == 0 {
            return;
        }
        let newest = |len: usize| len - (len / 10).max(1).min(len);
        let minutes = i64::from(round);
        let start = newest(self.work_records.len());
        for record in &mut self.work_records[start..] {
            let mut value = serde_json::to_value(&*record).unwrap_or_default();
            let created = record
                .gmt_created
                .as_ref()
                .and_then(common_http::datetime::Timestamp::local_date_time);
            value["taskProgress"] = json!(i64::from(round % 5));
            if let Some(created) = created {
                value["gmtModified"] = json!(rokid_time(created + TimeSpan::minutes(minutes)));
            }
            *record = typed(value);
        }
        let start = newest(self.itnio_tasks.len());
        for task in &mut self.itnio_tasks[start..] {
            let mut value = serde_json::to_value(&task.task).unwrap_or_default();
            value["status"] = json!(i64::from(round % 7));
            task.task = typed(value);
        }
    }
}

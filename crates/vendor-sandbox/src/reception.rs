//! Sobot reception statistics: what each generated reception record is (the documented
//! fields of the record and the facets the filters look at but the record does not show),
//! the lookup lists (time zones, session labels, dislike labels, audiences) in the
//! documented shapes, and the filtering of `recordList` by every filter of the document's
//! request table.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sobot_client::ReceptionRecord;

use crate::data::{Rng, typed};

/// A time zone of `getTimezoneInfo`: id, UTC offset in seconds, `timezone`, `timezone_value`.
pub(crate) const TIMEZONES: [(&str, i64, &str, &str); 5] = [
    ("Asia/Shanghai", 8 * 3600, "+08:00", "GMT+08:00 beijing"),
    ("Asia/Singapore", 8 * 3600, "+08:00", "GMT+08:00 Singapore"),
    ("UTC", 0, "+00:00", "GMT+00:00 UTC"),
    ("Europe/Berlin", 3600, "+01:00", "GMT+01:00 Berlin"),
    (
        "America/New_York",
        -5 * 3600,
        "-05:00",
        "GMT-05:00 New York",
    ),
];

/// Session labels (`getLabels`): id, name.
pub(crate) const SESSION_LABELS: [(&str, &str); 4] = [
    ("3bde5e888b8c447fb437eafb3f750992", "Helpful"),
    ("f22b65ffc8a440af87dbe901e8f22313", "Friendly"),
    ("0c1f7a52d0e94d7f9d1b4a8e6c3b2a10", "Slow"),
    ("9a8b7c6d5e4f40318293a4b5c6d7e8f9", "Confusing"),
];

/// Dislike labels (`getLabelInfoList`): id, name.
pub(crate) const DISLIKE_LABELS: [(&str, &str); 3] = [
    ("73da2cf57f42402b9c362fa1e4f62d6f", "Wrong answer"),
    ("45d1568f195c47b6a98f011392c658af", "Not relevant"),
    ("1e2d3c4b5a6978875a4b3c2d1e0f9a8b", "Too long"),
];

/// Audiences (`simpleList`): ruleid, rule_title.
pub(crate) const AUDIENCES: [(&str, &str); 3] = [
    ("a0546104b604441281419fc5b241417c", "VIP customers"),
    ("52e49616bfa2455abc3ccfbb10de1218", "New visitors"),
    ("8196ed60ee6b4420a6e54d6fb40b2f1b", "Returning buyers"),
];

/// The channel types (`source`) of the generated records, from the document's enum.
const SOURCES: [&str; 6] = ["PC", "wap", "APP", "wxkf", "TikTok Shop", "line"];

const BIZ_TYPES: [(&str, &str); 4] = [
    ("AI_AGENT", "Open Platform"),
    ("TEXT", "Live Chat"),
    ("CALL", "Call Center"),
    ("WORK_ORDER", "Ticket"),
];

const TRIGGER_TYPES: [&str; 6] = [
    "KEY_WORD",
    "REPEAT",
    "PROCESS_NODE_TRANSFER",
    "OTHER",
    "CUSTOM_SCENE",
    "MUCH_UNKNOWN",
];

/// The filters of `recordList` that select records (the document's request table but for
/// the dates, the paging and `timeZoneid`, which says how the dates are read): 25.
pub const RECEPTION_FILTERS: [&str; 25] = [
    "robotid",
    "biz_type",
    "source",
    "channel_flag_plus",
    "cid",
    "bizid",
    "transfer2_human",
    "trigger2_human",
    "solve_status",
    "answer_type",
    "valid_trigger2_human_type",
    "emotion_type",
    "satisfaction_status",
    "score_level",
    "star_level",
    "assess_status",
    "satisfaction_labels",
    "test",
    "like_dislike_status",
    "like_dislike_labels",
    "robot_valid",
    "robot_consult",
    "rule_ids",
    "is_trigger_session_guide_status",
    "robot_types",
];

/// What the `recordList` filters look at in one reception record, as the values the
/// request spells them with: for each filter of [`RECEPTION_FILTERS`], the record's values
/// (a record matches a filter when one of them is among the filter's values). Some are
/// fields of the record (`source`, `robot_valid`, ...), the others are not in the record
/// the API returns (`solve_status`, `score_level`, the labels, ...), so tests read them
/// here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ReceptionFacets {
    /// Filter name -> the record's values.
    pub values: BTreeMap<&'static str, Vec<String>>,
}

impl ReceptionFacets {
    /// The record's values for a filter (empty when it has none: it matches no value).
    pub fn get(&self, filter: &str) -> &[String] {
        self.values.get(filter).map_or(&[], Vec::as_slice)
    }

    fn set(&mut self, filter: &'static str, values: Vec<String>) {
        self.values.insert(filter, values);
    }
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    let i = usize::try_from(rng.below(items.len() as u64)).unwrap_or(0);
    &items[i.min(items.len() - 1)]
}

/// Gives every record the documented fields the filters look at, and returns each
/// record's facets. Drawn from its own random source (from `seed`), so the rest of the
/// generated data is what it was before records had them.
pub(crate) fn enrich(seed: u64, records: &mut [ReceptionRecord]) -> Vec<ReceptionFacets> {
    let mut rng = Rng::new(seed ^ 0x5ec0_7ab1_e5ee_d001);
    let mut all = Vec::with_capacity(records.len());
    for record in records.iter_mut() {
        let mut value = serde_json::to_value(&*record).unwrap_or_default();
        let mut f = ReceptionFacets::default();
        let one = |v: &str| vec![v.to_owned()];
        let flag = |rng: &mut Rng, percent: u64| u64::from(rng.below(100) < percent);

        // Three in four are Open Platform (AI agent) sessions.
        let (biz, biz_name) = if rng.below(4) == 0 {
            *pick(&mut rng, &BIZ_TYPES[1..])
        } else {
            BIZ_TYPES[0]
        };
        let source = *pick(&mut rng, &SOURCES);
        let channel = format!("{source}_{}", rng.below(3) + 1);
        let robot_type = if rng.below(4) == 0 {
            "AI_COPILOT"
        } else {
            "AI_AGENT"
        };
        let robot_valid = flag(&mut rng, 80);
        let robot_consult = flag(&mut rng, 85);
        let test = flag(&mut rng, 10);
        let trigger = flag(&mut rng, 30);
        let transfer = if trigger == 1 { flag(&mut rng, 60) } else { 0 };
        let trigger_type = if trigger == 1 {
            *pick(&mut rng, &TRIGGER_TYPES)
        } else {
            ""
        };
        let like = rng.below(3) + 1;
        let evaluated = flag(&mut rng, 50);
        let answer_types: Vec<u64> = (1..=4).filter(|_| rng.below(2) == 0).collect();
        let rules: Vec<(&str, &str)> = AUDIENCES
            .iter()
            .copied()
            .filter(|_| rng.below(3) == 0)
            .collect();
        let map = value
            .as_object_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        let mut map: Map<String, Value> = map;
        for (k, v) in [
            ("robot_valid", json!(robot_valid)),
            ("biz_type_enum", json!(biz)),
            ("biz_type", json!(biz_name)),
            ("source", json!(source)),
            ("channel_flag", json!(source)),
            ("channel_flag_plus", json!(channel)),
            ("channel_flag_name", json!(format!("{source} channel"))),
            (
                "valid_trigger_other2_human",
                json!(u64::from(trigger_type == "OTHER")),
            ),
            (
                "valid_trigger_ruler2_human",
                json!(u64::from(trigger == 1 && trigger_type != "OTHER")),
            ),
            ("like_dislike_status", json!(like)),
            ("satisfaction_status", json!(evaluated)),
            ("answer_variable_infos", json!([])),
            ("robot_consult", json!(robot_consult)),
            ("test", json!(test)),
            (
                "rule_infos",
                Value::Array(
                    rules
                        .iter()
                        .map(|(id, name)| json!({"rule_name": name, "ruleid": id}))
                        .collect(),
                ),
            ),
            ("robot_type", json!(robot_type)),
            ("valid_trigger2_human_type", json!(trigger_type)),
            ("transfer2_human", json!(transfer)),
            ("trigger2_human", json!(trigger)),
            ("answer_type", json!(answer_types)),
        ] {
            map.insert(k.to_owned(), v);
        }
        *record = typed(Value::Object(map.clone()));

        let text = |key: &str| {
            map.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_default()
        };
        f.set("robotid", one(&text("robot_flag")));
        f.set("biz_type", one(biz));
        f.set("source", one(source));
        f.set("channel_flag_plus", one(&channel));
        f.set("cid", one(&text("cid")));
        f.set("bizid", one(&text("bizid")));
        f.set("transfer2_human", one(&transfer.to_string()));
        f.set("trigger2_human", one(&trigger.to_string()));
        f.set(
            "answer_type",
            answer_types.iter().map(u64::to_string).collect(),
        );
        f.set(
            "valid_trigger2_human_type",
            if trigger == 1 {
                one(trigger_type)
            } else {
                Vec::new()
            },
        );
        f.set("satisfaction_status", one(&evaluated.to_string()));
        f.set("test", one(&test.to_string()));
        f.set("like_dislike_status", one(&like.to_string()));
        f.set("robot_valid", one(&robot_valid.to_string()));
        f.set("robot_consult", one(&robot_consult.to_string()));
        f.set(
            "rule_ids",
            rules.iter().map(|(id, _)| (*id).to_owned()).collect(),
        );
        f.set("robot_types", one(robot_type));
        // Not in the record the API returns.
        f.set("solve_status", one(&(rng.below(3) + 1).to_string()));
        f.set(
            "emotion_type",
            match rng.below(3) {
                0 => one("POSITIVE"),
                1 => one("NEGATIVE"),
                _ => Vec::new(),
            },
        );
        let (score, stars, assess, labels) = if evaluated == 1 {
            let score = rng.below(11);
            let stars = rng.below(5) + 1;
            let assess = if rng.below(2) == 0 { "5" } else { "1" };
            let labels: Vec<String> = SESSION_LABELS
                .iter()
                .filter(|_| rng.below(3) == 0)
                .map(|(id, _)| (*id).to_owned())
                .collect();
            (
                one(&score.to_string()),
                one(&stars.to_string()),
                one(assess),
                labels,
            )
        } else {
            (Vec::new(), Vec::new(), Vec::new(), Vec::new())
        };
        f.set("score_level", score);
        f.set("star_level", stars);
        f.set("assess_status", assess);
        f.set("satisfaction_labels", labels);
        f.set(
            "like_dislike_labels",
            if like == 2 {
                DISLIKE_LABELS
                    .iter()
                    .filter(|_| rng.below(2) == 0)
                    .map(|(id, _)| (*id).to_owned())
                    .collect()
            } else {
                Vec::new()
            },
        );
        f.set(
            "is_trigger_session_guide_status",
            one(&flag(&mut rng, 40).to_string()),
        );
        all.push(f);
    }
    all
}

/// A filter's values as the request sent them: a comma-separated text, a list, or one
/// number or text. `None` when the filter is absent, `null` or empty (no filter).
fn wanted(value: &Value) -> Option<Vec<String>> {
    let values: Vec<String> = match value {
        Value::Null => return None,
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        other => vec![other.to_string()],
    };
    (!values.is_empty()).then_some(values)
}

/// The filters of a `recordList` body that select records: (filter, accepted values).
pub(crate) fn filters(body: &Value) -> Vec<(&'static str, Vec<String>)> {
    RECEPTION_FILTERS
        .iter()
        .filter_map(|f| Some((*f, wanted(body.get(*f)?)?)))
        .collect()
}

/// Whether a record with these facets passes every filter.
pub(crate) fn passes(facets: &ReceptionFacets, filters: &[(&'static str, Vec<String>)]) -> bool {
    filters.iter().all(|(filter, accepted)| {
        facets
            .get(filter)
            .iter()
            .any(|v| accepted.iter().any(|a| a.eq_ignore_ascii_case(v)))
    })
}

/// The UTC offset, in seconds, of a `timeZoneid` of the time-zone list; `None` when it is
/// not one of them.
pub(crate) fn offset_of(zone: &str) -> Option<i64> {
    TIMEZONES
        .iter()
        .find(|(id, ..)| id.eq_ignore_ascii_case(zone))
        .map(|(_, offset, ..)| *offset)
}

/// The documented lookup lists, by route.
pub(crate) fn timezones() -> Value {
    Value::Array(
        TIMEZONES
            .iter()
            .enumerate()
            .map(|(i, (id, _, zone, value))| {
                json!({
                    "create_time": 1_676_875_112_127_i64 + i as i64,
                    "main_timezone_flag": u8::from(i == 0),
                    "timezone": zone,
                    "timezoneid": id,
                    "id": format!("{:032x}", 0xeb63_c448_16fc_43bf_u64 + i as u64),
                    "timezone_value": value,
                })
            })
            .collect(),
    )
}

/// `getLabels`.
pub(crate) fn session_labels() -> Value {
    Value::Array(
        SESSION_LABELS
            .iter()
            .enumerate()
            .map(|(i, (id, name))| {
                json!({
                    "companyid": "C-SANDBOX",
                    "raw_name": format!("{{label_{i}}}"),
                    "create_time": 1_761_547_328_i64 + i as i64,
                    "name": name,
                    "id": id,
                })
            })
            .collect(),
    )
}

/// `getLabelInfoList`.
pub(crate) fn dislike_labels() -> Value {
    Value::Array(
        DISLIKE_LABELS
            .iter()
            .enumerate()
            .map(|(i, (id, name))| {
                json!({
                    "companyid": "C-SANDBOX",
                    "create_time": 1_758_178_949_759_i64 + i as i64,
                    "createid": "dfdeb1b627c649e39b601a334200ddf6",
                    "name": name,
                    "is_del": 0,
                    "id": id,
                })
            })
            .collect(),
    )
}

/// `simpleList`.
pub(crate) fn audiences() -> Value {
    Value::Array(
        AUDIENCES
            .iter()
            .map(|(id, title)| json!({"rule_title": title, "ruleid": id}))
            .collect(),
    )
}

//! Figure 7, tolerant decode: a 1,000-record Rokid work-record page read by the tolerant
//! reader (`rokid_client::WorkRecordPage` inside a drift scope, as the client reads it) vs
//! the plain `#[derive(Deserialize)]` models the client decoded with before it, the same
//! bytes in the same run.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use common_http::drift::{self, DriftLedger};

use crate::alloc::Counting;
use crate::report::{Figure, Target};
use crate::stats::{median, millis};
use crate::{Env, Outcome};

/// Records on the page (the largest page Rokid serves).
const RECORDS: usize = 1_000;

/// The operation the client names the decode after (the drift scope).
const OPERATION: &str = "list_work_records";

/// The strict baseline: what the client decoded before the tolerant reader, the documented
/// fields with their documented wire names and types, nothing tolerated (a wrong type
/// fails the whole page, unknown fields are dropped, no drift ledger). It exists only as
/// the baseline of this figure.
mod strict {
    /// `WorkRecordPage`, strict.
    #[derive(Debug, serde::Deserialize)]
    pub(super) struct WorkRecordPage {
        #[serde(rename = "pageNum")]
        pub(super) page_num: i32,
        #[serde(rename = "pageSize")]
        pub(super) page_size: i32,
        pub(super) total: i64,
        pub(super) list: Vec<WorkRecord>,
    }

    /// `WorkRecord`, strict: timestamps as their text, the two integer enums as integers.
    #[derive(Debug, serde::Deserialize)]
    pub(super) struct WorkRecord {
        #[serde(rename = "taskId")]
        pub(super) task_id: String,
        #[serde(rename = "taskName", default)]
        pub(super) task_name: Option<String>,
        #[serde(rename = "sessionId", default)]
        pub(super) session_id: Option<String>,
        #[serde(rename = "planId", default)]
        pub(super) plan_id: Option<String>,
        #[serde(rename = "ticketId", default)]
        pub(super) ticket_id: Option<String>,
        #[serde(rename = "ticketFlowType", default)]
        pub(super) ticket_flow_type: Option<String>,
        #[serde(rename = "companyId", default)]
        pub(super) company_id: Option<String>,
        #[serde(default)]
        pub(super) uid: Option<String>,
        #[serde(rename = "userName", default)]
        pub(super) user_name: Option<String>,
        #[serde(rename = "chatContent", default)]
        pub(super) chat_content: Option<String>,
        #[serde(default)]
        pub(super) result: Option<String>,
        #[serde(rename = "taskProgress", default)]
        pub(super) task_progress: Option<i64>,
        #[serde(rename = "videoUrl", default)]
        pub(super) video_url: Option<String>,
        #[serde(rename = "uploadTime", default)]
        pub(super) upload_time: Option<String>,
        #[serde(rename = "gmtCreated", default)]
        pub(super) gmt_created: Option<String>,
        #[serde(rename = "gmtModified", default)]
        pub(super) gmt_modified: Option<String>,
        #[serde(rename = "gmtCreatedStart", default)]
        pub(super) gmt_created_start: Option<String>,
        #[serde(rename = "gmtCreatedEnd", default)]
        pub(super) gmt_created_end: Option<String>,
        #[serde(default)]
        pub(super) deleted: Option<i64>,
        #[serde(rename = "signUrl", default)]
        pub(super) sign_url: Option<String>,
        #[serde(rename = "flowType", default)]
        pub(super) flow_type: Option<String>,
        #[serde(rename = "reportUrl", default)]
        pub(super) report_url: Option<String>,
    }
}

/// The tolerant page's list captured record by record and nothing more: the first of
/// the two passes `Record<T>` makes over each record (the second reads the captured text),
/// timed alone to show its share.
#[derive(Debug, serde::Deserialize)]
struct Captured {
    list: Vec<Box<serde_json::value::RawValue>>,
}

pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    let (rounds, per_round) = if env.quick { (6, 4) } else { (30, 10) };
    let body = page_body(RECORDS);
    let ledger = DriftLedger::new();
    let tolerant = || -> Outcome<rokid_client::WorkRecordPage> {
        // As the client reads a payload: a listing in one pass, the records captured
        // as raw JSON only if that pass fails (`read_listing`).
        drift::scope(&ledger, OPERATION, || {
            common_http::tolerant::read_listing(|| {
                serde_json::from_slice::<rokid_client::WorkRecordPage>(&body)
            })
        })
        .map_err(|e| format!("tolerant decode: {e}"))
    };
    let strict = || -> Outcome<strict::WorkRecordPage> {
        serde_json::from_slice::<strict::WorkRecordPage>(&body)
            .map_err(|e| format!("strict decode: {e}"))
    };
    let capture = || -> Outcome<usize> {
        serde_json::from_slice::<Captured>(&body)
            .map(|page| page.list.len())
            .map_err(|e| format!("capture: {e}"))
    };

    // Both read the same page, the tolerant reader with no drift: the page is documented.
    let (t_allocs, s_allocs) = {
        let counting = Counting::start();
        let page = tolerant()?;
        let t_allocs = counting.allocations();
        drop(counting);
        let counting = Counting::start();
        let base = strict()?;
        let s_allocs = counting.allocations();
        drop(counting);
        same(&page, &base)?;
        (t_allocs, s_allocs)
    };
    if !ledger.is_empty() {
        return Err(format!(
            "the generated page drifted from the documentation: {:?}",
            ledger.report()
        ));
    }

    // Rounds of `per_round` decodes of each, the order rotated from round to round so
    // that no side always runs on the heap another left.
    let mut samples: [Vec<f64>; 3] = Default::default();
    for round in 0..rounds {
        for k in 0..3 {
            let side = (round + k) % 3;
            samples[side].push(match side {
                0 => timed(per_round, tolerant)?,
                1 => timed(per_round, strict)?,
                _ => timed(per_round, capture)?,
            });
        }
    }
    if !ledger.is_empty() {
        return Err("the tolerant decode recorded drift while measured".into());
    }
    let [t, s, c] = samples.each_ref().map(|v| median(v));
    let [t_best, s_best, _] = samples
        .each_ref()
        .map(|v| v.iter().copied().fold(f64::INFINITY, f64::min));
    let ms = |ns: f64| millis(Duration::from_secs_f64(ns / 1e9));
    #[allow(clippy::cast_precision_loss)]
    let (records, kb) = (RECORDS as f64, body.len() as f64 / 1e3);
    #[allow(clippy::cast_precision_loss)]
    let per_record = |allocs: u64| allocs as f64 / records;
    Ok(vec![Figure::new(
        "tolerant decode 1000-record page",
        "tolerant/strict",
        t / s,
        Target::AtMost(1.10),
        format!(
            "{:.2} ms vs {:.2} ms per page ({:.0}k vs {:.0}k records/s; best rounds \
             {:.2} vs {:.2} ms, ratio {:.2}); {:.1} vs {:.1} allocations per record; \
             capturing the records alone (Box<RawValue>) {:.2} ms; {kb:.0} KB page, \
             medians of {rounds} rounds of {per_round} decodes each",
            ms(t),
            ms(s),
            records / (t / 1e9) / 1e3,
            records / (s / 1e9) / 1e3,
            ms(t_best),
            ms(s_best),
            t_best / s_best,
            per_record(t_allocs),
            per_record(s_allocs),
            ms(c),
        ),
    )])
}

/// The mean time of one decode over `n` decodes, in nanoseconds. Each page is dropped
/// outside the clock: what is measured is the read alone.
fn timed<T>(n: usize, decode: impl Fn() -> Outcome<T>) -> Outcome<f64> {
    let mut total = Duration::ZERO;
    for _ in 0..n {
        let start = Instant::now();
        let page = black_box(decode()?);
        total += start.elapsed();
        drop(page);
    }
    #[allow(clippy::cast_precision_loss)]
    Ok(total.as_secs_f64() * 1e9 / n as f64)
}

/// Checks that both decoders read the same records, every one typed.
fn same(page: &rokid_client::WorkRecordPage, base: &strict::WorkRecordPage) -> Outcome {
    let header = (page.page_num, page.page_size, page.total);
    if header != (base.page_num, base.page_size, base.total) || page.list.len() != RECORDS {
        return Err(format!("tolerant and strict pages differ: {header:?}"));
    }
    for (i, (record, b)) in page.list.iter().zip(&base.list).enumerate() {
        let r = record
            .typed()
            .ok_or_else(|| format!("record {i} was kept raw"))?;
        let text = |t: &Option<rokid_client::Timestamp>| t.as_ref().map(|t| t.raw().to_owned());
        let same = r.task_id == b.task_id
            && r.task_name == b.task_name
            && r.session_id == b.session_id
            && r.plan_id == b.plan_id
            && r.ticket_id == b.ticket_id
            && r.ticket_flow_type == b.ticket_flow_type
            && r.company_id == b.company_id
            && r.uid == b.uid
            && r.user_name == b.user_name
            && r.chat_content == b.chat_content
            && r.result == b.result
            && r.task_progress.map(|p| p.as_i64()) == b.task_progress
            && r.video_url == b.video_url
            && text(&r.upload_time) == b.upload_time
            && text(&r.gmt_created) == b.gmt_created
            && text(&r.gmt_modified) == b.gmt_modified
            && text(&r.gmt_created_start) == b.gmt_created_start
            && text(&r.gmt_created_end) == b.gmt_created_end
            && r.deleted.map(|d| d.as_i64()) == b.deleted
            && r.sign_url == b.sign_url
            && r.flow_type == b.flow_type
            && r.report_url == b.report_url
            && r.undocumented.is_empty();
        if !same {
            return Err(format!("record {i} differs: {r:?} vs {b:?}"));
        }
    }
    Ok(())
}

/// A deterministic pseudo-random sequence (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `chars` hex digits, upper or lower case.
    fn hex(&mut self, chars: usize, upper: bool) -> String {
        let mut out = String::with_capacity(chars);
        while out.len() < chars {
            let _ = if upper {
                write!(out, "{:016X}", self.next())
            } else {
                write!(out, "{:016x}", self.next())
            };
        }
        out.truncate(chars);
        out
    }
}

/// The `data` of a Rokid work-record page of `n` records: every documented field of every
/// record filled, in the documented order, with varied values (names and chat in English
/// and Chinese, escaped quotes and newlines, `result` as JSON text, empty upload times and
/// URLs now and then), like the record of
/// `crates/rokid-client/tests/fixtures/list_work_records.response.json`.
fn page_body(n: usize) -> Vec<u8> {
    const TASKS: &[&str] = &[
        "Daily Inspection",
        "Valve check, line 3",
        "日常巡检",
        "Pump room walk-through",
        "Transformer \"T2\" thermal scan",
        "消防设施月度检查",
    ];
    const FLOWS: &[&str] = &["custom", "standard", "emergency"];
    const USERS: &[&str] = &["Zhang San", "Li Si", "王五", "Wang Wu", "赵六", "Chen Mei"];
    const CHAT: &[&str] = &[
        "Today's inspection task is complete. ",
        "压力正常，请继续巡检。",
        "Found a leak at flange 7; photo attached.\n",
        "温度 63.5℃，超过阈值，已上报。",
        "Operator confirmed \"all clear\" at the gate. ",
    ];
    let mut rng = Rng(0x7013_7A8D_C3F6_0001);
    let companies: Vec<String> = (0..4).map(|_| rng.hex(32, true)).collect();
    let uids: Vec<String> = (0..24).map(|_| rng.hex(32, true)).collect();
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = String::with_capacity(n * 1_100 + 64);
    let _ = write!(out, r#"{{"pageNum":1,"pageSize":{n},"total":{n},"list":["#);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let flow = rng.pick(FLOWS);
        let chat: String = (0..1 + rng.below(8)).map(|_| rng.pick(CHAT)).collect();
        let result = if rng.below(4) == 0 {
            "{}".to_owned()
        } else {
            format!(
                r#"{{"score":{},"items":[{{"name":"gauge {}","ok":{}}}],"note":"{}"}}"#,
                rng.below(101),
                rng.below(40),
                rng.below(2) == 0,
                rng.pick(&["ok", "复查", "needs follow-up"])
            )
        };
        let (day, hour, minute) = (1 + rng.below(28), rng.below(24), rng.below(60));
        let at = |h: usize, m: usize| format!("2026-06-{day:02}T{h:02}:{m:02}:00.000+08:00");
        let created = at(hour, minute);
        let modified = at(hour, (minute + 1 + rng.below(58)) % 60);
        let done = rng.below(6);
        let uploaded = if done >= 4 {
            modified.clone()
        } else {
            String::new()
        };
        let video = if rng.below(3) == 0 {
            String::new()
        } else {
            format!("https://cdn.rokid.com/videos/{}.mp4", rng.hex(24, false))
        };
        let sign = if done == 5 {
            format!("https://cdn.rokid.com/sign/{i:06}.png")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            concat!(
                r#"{{"taskId":"{}","taskName":{},"sessionId":"conversation_{:06}","#,
                r#""planId":"plan_{:03}","ticketId":"ticket_{:06}","ticketFlowType":"{}","#,
                r#""companyId":"{}","uid":"{}","userName":{},"chatContent":{},"result":{},"#,
                r#""taskProgress":{},"videoUrl":"{}","uploadTime":"{}","gmtCreated":"{}","#,
                r#""gmtModified":"{}","gmtCreatedStart":"{}","gmtCreatedEnd":"{}","#,
                r#""deleted":{},"signUrl":"{}","flowType":"{}","reportUrl":"{}"}}"#
            ),
            rng.hex(32, false),
            q(&format!("{} #{}", rng.pick(TASKS), i + 1)),
            i,
            rng.below(200),
            i,
            flow,
            companies[rng.below(companies.len())],
            uids[rng.below(uids.len())],
            q(rng.pick(USERS)),
            q(&chat),
            q(&result),
            done,
            video,
            uploaded,
            created,
            modified,
            created,
            modified,
            usize::from(rng.below(20) == 0),
            sign,
            flow,
            format!("https://cdn.rokid.com/reports/work-record-{i:06}.docx"),
        );
    }
    out.push_str("]}");
    out.into_bytes()
}

//! Figure 5, memory: the release `agentctl` exporting 100,000 Rokid records as JSON
//! lines from an in-process sandbox; peak RSS of the child and records per second.

use vendor_sandbox::{ROKID_UIDS, Sandbox};

use crate::report::{Figure, Target};
use crate::{Env, Outcome};

/// Records generated: the uids share them, so one uid gets about a quarter.
const RECORDS: usize = 400_000;
const PEAK_TARGET_MB: f64 = 30.0;

pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    let agentctl = crate::child::agentctl_path()?;
    let sandbox = env.sandbox(Sandbox::builder().records(RECORDS))?;
    let (uid, expected) = ROKID_UIDS
        .iter()
        .map(|uid| {
            let n = sandbox
                .data()
                .work_records
                .iter()
                .filter(|r| r.uid.as_deref() == Some(*uid))
                .count();
            (*uid, n)
        })
        .max_by_key(|(_, n)| *n)
        .ok_or("no Rokid uid")?;
    let run = crate::child::run(
        &agentctl,
        &[
            "rokid",
            "records",
            "--uid",
            uid,
            "--all",
            "--format",
            "jsonl",
            // The largest page the API allows: the sandbox scans every record per page.
            "--page-size",
            "1000",
        ],
        &[
            ("ROKID_API_KEY", sandbox.credentials().rokid_api_key.clone()),
            ("ROKID_BASE_URL", sandbox.urls().rokid.clone()),
        ],
    )?;
    let (lines, bytes, elapsed, peak_kb) = (run.lines, run.bytes, run.elapsed, run.peak_kb);
    if lines != expected {
        return Err(format!("agentctl exported {lines} of {expected} records"));
    }
    #[allow(clippy::cast_precision_loss)]
    let peak_mb = peak_kb as f64 / 1024.0;
    #[allow(clippy::cast_precision_loss)]
    let per_sec = lines as f64 / elapsed.as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    Ok(vec![
        Figure::new(
            "memory agentctl export peak RSS",
            "peak/30MB",
            peak_mb / PEAK_TARGET_MB,
            Target::AtMost(1.0),
            format!(
                "{peak_mb:.1} MB peak RSS (VmHWM) exporting {lines} records, {mb:.0} MB of JSON lines"
            ),
        ),
        Figure::new(
            "memory agentctl export rate",
            "records/s",
            per_sec,
            Target::None,
            format!(
                "{lines} records in {:.1} s, pages of 1000, sandbox in the same process",
                elapsed.as_secs_f64()
            ),
        ),
    ])
}

//! Figure 2, export throughput: `by_item()` with look-ahead vs a sequential page loop,
//! 100 pages with 20 ms of server latency each.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use rokid_client::RokidClient;
use vendor_sandbox::{Dataset, Fault, ROKID_UIDS, Sandbox};

use crate::report::{Figure, Target};
use crate::stats::{median, millis};
use crate::{Env, Outcome};

const PAGES: u64 = 100;
const LATENCY: Duration = Duration::from_millis(20);
/// The look-ahead configured for the figure (`DEFAULT_LOOK_AHEAD` is 4, which caps the
/// speed-up near 4x at any latency; a bulk export asks for more).
const LOOK_AHEAD: usize = 8;
const ROUTE: &str = "/ar/flow/openapi/record/page";

pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    let (records, uid, size) = listing_of_100_pages()?;
    let sandbox = env.sandbox(
        Sandbox::builder()
            .records(records)
            .fault(ROUTE, Fault::latency(LATENCY)),
    )?;
    let client = RokidClient::builder()
        .base_url(sandbox.urls().rokid.clone())
        .api_key(sandbox.credentials().rokid_api_key.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let expected: Vec<String> = sandbox
        .data()
        .work_records
        .iter()
        .filter(|r| r.uid.as_deref() == Some(uid))
        .map(|r| r.task_id.clone())
        .collect();
    let rounds = if env.quick { 1 } else { 3 };
    let (mut ahead, mut sequential) = (Vec::new(), Vec::new());
    let mut in_order = true;
    let mut max_in_flight = 0;
    for round in 0..rounds {
        let mut look_ahead = || -> Outcome<Duration> {
            sandbox.reset_counts();
            let start = Instant::now();
            let ids: Vec<String> = env
                .client
                .block_on(
                    client
                        .list_work_records(uid)
                        .page_size(size)
                        .look_ahead(LOOK_AHEAD)
                        .by_item()
                        .map_ok(|r| r.typed().map(|r| r.task_id.clone()).unwrap_or_default())
                        .try_collect(),
                )
                .map_err(|e| e.to_string())?;
            let elapsed = start.elapsed();
            in_order &= ids == expected && sandbox.count(ROUTE) == PAGES;
            max_in_flight = max_in_flight.max(sandbox.max_in_flight());
            Ok(elapsed)
        };
        if round % 2 == 0 {
            ahead.push(look_ahead()?);
            sequential.push(page_loop(env, &client, uid, size, &expected)?);
        } else {
            sequential.push(page_loop(env, &client, uid, size, &expected)?);
            ahead.push(look_ahead()?);
        }
    }
    let secs = |v: &[Duration]| median(&v.iter().map(Duration::as_secs_f64).collect::<Vec<_>>());
    let (ahead, sequential) = (secs(&ahead), secs(&sequential));
    #[allow(clippy::cast_precision_loss)]
    let items = expected.len() as f64;
    #[allow(clippy::cast_precision_loss)]
    let in_flight_ratio = max_in_flight as f64 / LOOK_AHEAD as f64;
    Ok(vec![
        Figure::new(
            "export by_item vs page loop",
            "speed-up",
            sequential / ahead,
            Target::AtLeast(6.0),
            format!(
                "{PAGES} pages of {size} ({} items), {} ms latency, look-ahead {LOOK_AHEAD}: \
                 {:.0} ms vs {:.0} ms ({:.0} vs {:.0} items/s)",
                expected.len(),
                millis(LATENCY),
                ahead * 1e3,
                sequential * 1e3,
                items / ahead,
                items / sequential
            ),
        ),
        Figure::new(
            "export order kept",
            "in order",
            if in_order { 1.0 } else { 0.0 },
            Target::Exactly(1.0),
            format!("items in the sandbox's order, each of the {PAGES} pages requested once"),
        ),
        Figure::new(
            "export pages in flight",
            "max/look-ahead",
            in_flight_ratio,
            Target::AtMost(1.0),
            format!(
                "at most {max_in_flight} requests at once on the server (look-ahead {LOOK_AHEAD})"
            ),
        ),
    ])
}

/// What a user writes without the paginator: one page after the other.
fn page_loop(
    env: &Env,
    client: &RokidClient,
    uid: &str,
    size: i32,
    expected: &[String],
) -> Outcome<Duration> {
    let start = Instant::now();
    let ids = env.client.block_on(async {
        let mut ids = Vec::new();
        for number in 1.. {
            let page = client
                .list_work_records(uid)
                .page_size(size)
                .page_num(number)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let empty = page.list.is_empty();
            ids.extend(
                page.list
                    .into_iter()
                    .map(|r| r.typed().map(|r| r.task_id.clone()).unwrap_or_default()),
            );
            if empty || i64::try_from(ids.len()).unwrap_or(i64::MAX) >= page.total {
                break;
            }
        }
        Ok::<_, String>(ids)
    })?;
    let elapsed = start.elapsed();
    if ids != expected {
        return Err("sequential export: items differ from the sandbox's".into());
    }
    Ok(elapsed)
}

/// A sandbox size, user and page size whose listing is exactly 100 pages, with few
/// records: the sandbox filters them all on every page, and that work is not latency.
fn listing_of_100_pages() -> Outcome<(usize, &'static str, i32)> {
    for records in (2_000..4_000).step_by(7) {
        let data = Dataset::generate(1, records, "http://127.0.0.1");
        for uid in ROKID_UIDS {
            let total = data
                .work_records
                .iter()
                .filter(|r| r.uid.as_deref() == Some(uid))
                .count() as u64;
            if let Some(size) = (5..=10).find(|size| total.div_ceil(*size) == PAGES) {
                let size = i32::try_from(size).map_err(|e| e.to_string())?;
                return Ok((records, uid, size));
            }
        }
    }
    Err("no sandbox size gives a 100-page listing".into())
}

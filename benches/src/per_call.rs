//! Figure 1, per-call overhead: one page call through our client vs the same request
//! hand-written with `reqwest` + `serde_json`, over the same connection pool.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use itnio_client::{ItnioClient, ItnioResponse, TaskPage, TaskQueryParams, TaskQueryRequest};
use md5::{Digest, Md5};
use rokid_client::{RokidClient, RokidResponse, WorkRecordPage};
use vendor_sandbox::{DATA_EPOCH, ROKID_UIDS, Sandbox};

use crate::alloc::Counting;
use crate::report::{Figure, Target};
use crate::stats::{median, micros};
use crate::{Env, Outcome};

/// Calls per variant in the whole figure: `rounds * calls_per_round`.
const CALLS: usize = 2_000;

pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    // Few records: the server's own filtering stays cheap, so the client's share shows.
    let sandbox = env.sandbox(Sandbox::builder().records(200))?;
    // The raw baseline: reqwest with the same TLS backend (no TLS is spoken on loopback,
    // but a build without a provider must get one to build a client at all).
    let http = common_http::http_client_builder()
        .build()
        .map_err(|e| format!("reqwest client: {e}"))?;
    // Many short rounds, each a pair: the ratio of each round is taken between calls made
    // a few milliseconds apart, so what the machine does meanwhile slows both alike.
    let rounds = if env.quick { 25 } else { 100 };
    let calls = if env.quick { CALLS / 4 } else { CALLS };
    let rokid = rokid(env, &sandbox, &http, rounds, calls / rounds)?;
    let itnio = itnio(env, &sandbox, &http, rounds, calls / rounds)?;
    Ok(rokid.into_iter().chain(itnio).collect())
}

fn rokid(
    env: &Env,
    sandbox: &Sandbox,
    http: &reqwest::Client,
    rounds: usize,
    per_round: usize,
) -> Outcome<Vec<Figure>> {
    let creds = sandbox.credentials();
    let client = RokidClient::builder()
        .base_url(sandbox.urls().rokid.clone())
        .api_key(creds.rokid_api_key.clone())
        .http_client(http.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let uid = ROKID_UIDS[0];
    let ours = || {
        let client = client.clone();
        async move {
            let page = client
                .list_work_records(uid)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            check(!page.list.is_empty(), "rokid: empty page")
        }
    };
    let base = || async {
        // What a user would write by hand: the same GET, bearer key, typed JSON.
        let url = format!(
            "{}/ar/flow/openapi/record/page?uid={uid}",
            sandbox.base_url()
        );
        let body = http
            .get(url)
            .bearer_auth(&creds.rokid_api_key)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        let envelope: RokidResponse<WorkRecordPage> =
            serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        check(
            envelope.code == 0 && envelope.data.is_some_and(|d| !d.list.is_empty()),
            "rokid baseline: bad page",
        )
    };
    let result = compare(env, rounds, per_round, ours, base)?;
    Ok(result.figures("rokid page"))
}

fn itnio(
    env: &Env,
    sandbox: &Sandbox,
    http: &reqwest::Client,
    rounds: usize,
    per_round: usize,
) -> Outcome<Vec<Figure>> {
    let creds = sandbox.credentials();
    let client = ItnioClient::builder()
        .base_url(sandbox.urls().itnio.clone())
        .api_key(creds.itnio_api_key.clone())
        .api_secret(creds.itnio_api_secret.clone())
        .http_client(http.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let from = DATA_EPOCH;
    let to = DATA_EPOCH + time::Duration::days(3650);
    let ours = || {
        let client = client.clone();
        async move {
            let page = client
                .list_group_call_tasks(from, to)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            check(!page.records.is_empty(), "itnio: empty page")
        }
    };
    let url = format!("{}/voice/group/call/query", sandbox.base_url());
    let base = || async {
        // By hand: the same JSON body, signed md5(key + secret + timestamp).
        let request = TaskQueryRequest::new(1, 10, TaskQueryParams::new(from, to));
        let body = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .to_string();
        let mut md5 = Md5::new();
        md5.update(creds.itnio_api_key.as_bytes());
        md5.update(creds.itnio_api_secret.as_bytes());
        md5.update(timestamp.as_bytes());
        let sign = hex::encode(md5.finalize());
        let body = http
            .post(&url)
            .header("content-type", "application/json")
            .header("Api-Key", &creds.itnio_api_key)
            .header("Timestamp", timestamp)
            .header("Sign", sign)
            .body(body)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        let envelope: ItnioResponse<TaskPage> =
            serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        check(
            envelope.code == 0 && envelope.data.is_some_and(|d| !d.records.is_empty()),
            "itnio baseline: bad page",
        )
    };
    let result = compare(env, rounds, per_round, ours, base)?;
    Ok(result.figures("itnio signed page"))
}

fn check(ok: bool, what: &str) -> Outcome {
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

/// Medians over rounds of time and allocations per call, ours and the baseline's, and of
/// each round's ratio of the two times.
#[derive(Debug)]
struct Comparison {
    ratio: f64,
    ours_ns: f64,
    base_ns: f64,
    ours_allocs: f64,
    base_allocs: f64,
    calls: usize,
    rounds: usize,
}

impl Comparison {
    fn figures(&self, what: &str) -> Vec<Figure> {
        let per_call = |ns: f64| micros(Duration::from_secs_f64(ns / 1e9));
        vec![
            Figure::new(
                format!("per-call overhead {what}"),
                "ours/reqwest",
                self.ratio,
                Target::AtMost(1.05),
                format!(
                    "median of the rounds' ratios; {:.1} us vs {:.1} us per call (medians of \
                     rounds), {} calls each in {} rounds",
                    per_call(self.ours_ns),
                    per_call(self.base_ns),
                    self.calls,
                    self.rounds
                ),
            ),
            Figure::new(
                format!("allocations per call {what}"),
                "ours/reqwest",
                self.ours_allocs / self.base_allocs,
                Target::None,
                format!(
                    "{:.0} vs {:.0} allocations per call (client thread only)",
                    self.ours_allocs, self.base_allocs
                ),
            ),
        ]
    }
}

/// Runs `rounds` rounds of `per_round` sequential calls of each variant, alternating
/// which goes first, after one warm-up round each (connections opened, caches warm).
fn compare<A, AF, B, BF>(
    env: &Env,
    rounds: usize,
    per_round: usize,
    mut ours: A,
    mut base: B,
) -> Outcome<Comparison>
where
    A: FnMut() -> AF,
    AF: Future<Output = Outcome>,
    B: FnMut() -> BF,
    BF: Future<Output = Outcome>,
{
    env.client.block_on(async {
        timed(per_round, &mut ours).await?;
        timed(per_round, &mut base).await?;
        let (mut ours_ns, mut base_ns, mut ours_allocs, mut base_allocs, mut ratios) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (a, b) = if round % 2 == 0 {
                let a = timed(per_round, &mut ours).await?;
                (a, timed(per_round, &mut base).await?)
            } else {
                let b = timed(per_round, &mut base).await?;
                (timed(per_round, &mut ours).await?, b)
            };
            #[allow(clippy::cast_precision_loss)]
            let n = per_round as f64;
            #[allow(clippy::cast_precision_loss)]
            {
                ours_ns.push(a.0.as_secs_f64() * 1e9 / n);
                base_ns.push(b.0.as_secs_f64() * 1e9 / n);
                ratios.push(a.0.as_secs_f64() / b.0.as_secs_f64());
                ours_allocs.push(a.1 as f64 / n);
                base_allocs.push(b.1 as f64 / n);
            }
        }
        Ok(Comparison {
            ratio: median(&ratios),
            ours_ns: median(&ours_ns),
            base_ns: median(&base_ns),
            ours_allocs: median(&ours_allocs),
            base_allocs: median(&base_allocs),
            calls: rounds * per_round,
            rounds,
        })
    })
}

/// `calls` sequential calls: elapsed time and allocations on this thread.
async fn timed<F, Fut>(calls: usize, call: &mut F) -> Outcome<(Duration, u64)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Outcome>,
{
    let counting = Counting::start();
    let start = Instant::now();
    for _ in 0..calls {
        call().await?;
    }
    let elapsed = start.elapsed();
    Ok((elapsed, counting.allocations()))
}

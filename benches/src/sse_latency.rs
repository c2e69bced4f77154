//! Figure 3b, SSE latency: from the server writing an event to the caller receiving it,
//! through `HttpClient::send_sse`, with `reqwest` + `sse-stream` alongside for reference.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use bytes::Bytes;
use common_http::reexports::http::Method;
use common_http::{ClientConfig, HttpClient, NoAuth, RequestSpec};
use futures::StreamExt;
use tokio::net::TcpListener;

use crate::report::{Figure, Target};
use crate::stats::{micros, percentile};
use crate::{Env, Outcome};

const EVENTS: usize = 1_000;
const PACE: Duration = Duration::from_millis(1);

/// The clock both ends read: one process, one monotonic epoch.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    let base = env.server.block_on(serve()).map_err(|e| e.to_string())?;
    let rounds = if env.quick { 1 } else { 2 };
    let (mut ours, mut reference) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.extend(env.client.block_on(receive_ours(&base))?);
        reference.extend(env.client.block_on(receive_sse_stream(&base))?);
    }
    let p = |v: &[Duration], q| micros(percentile(v, q));
    let p99 = percentile(&ours, 99.0);
    Ok(vec![Figure::new(
        "sse latency p99",
        "p99/1ms",
        p99.as_secs_f64() / 1e-3,
        Target::AtMost(1.0),
        format!(
            "{} events, {} us apart, loopback: p50 {:.0} us, p99 {:.0} us \
             (reqwest + sse-stream: p50 {:.0} us, p99 {:.0} us)",
            ours.len(),
            micros(PACE),
            p(&ours, 50.0),
            p(&ours, 99.0),
            p(&reference, 50.0),
            p(&reference, 99.0),
        ),
    )])
}

/// A server writing `EVENTS` events, `PACE` apart, each carrying the instant it is
/// handed to the connection (nanoseconds since `epoch()`).
async fn serve() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new().route(
        "/events",
        get(|| async {
            let stream = futures::stream::unfold(0, |i| async move {
                if i == EVENTS {
                    return None;
                }
                tokio::time::sleep(PACE).await;
                let sent = epoch().elapsed().as_nanos();
                let event = Bytes::from(format!("event: tick\ndata: {sent}\n\n"));
                Some((Ok::<_, Infallible>(event), i + 1))
            });
            (
                [(header::CONTENT_TYPE, "text/event-stream")],
                Body::from_stream(stream),
            )
                .into_response()
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}"))
}

fn latency(data: &str) -> Outcome<Duration> {
    let sent: u64 = data
        .trim()
        .parse()
        .map_err(|_| format!("bad timestamp {data:?}"))?;
    Ok(epoch().elapsed().saturating_sub(Duration::from_nanos(sent)))
}

async fn receive_ours(base: &str) -> Outcome<Vec<Duration>> {
    let config = ClientConfig::builder()
        .base_url(base)
        .build()
        .map_err(|e| e.to_string())?;
    let client = HttpClient::new(config, Arc::new(NoAuth)).map_err(|e| e.to_string())?;
    let mut events = client
        .send_sse(RequestSpec::new(Method::GET, "/events"))
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(EVENTS);
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| e.to_string())?;
        out.push(latency(&event.data)?);
    }
    complete(out)
}

async fn receive_sse_stream(base: &str) -> Outcome<Vec<Duration>> {
    let response = reqwest::get(format!("{base}/events"))
        .await
        .map_err(|e| e.to_string())?;
    let mut events = sse_stream::SseByteStream::new(response.bytes_stream());
    let mut out = Vec::with_capacity(EVENTS);
    while let Some(event) = events.next().await {
        if let Some(data) = event.map_err(|e| e.to_string())?.data {
            out.push(latency(&data)?);
        }
    }
    complete(out)
}

fn complete(out: Vec<Duration>) -> Outcome<Vec<Duration>> {
    if out.len() == EVENTS {
        Ok(out)
    } else {
        Err(format!("received {} of {EVENTS} events", out.len()))
    }
}

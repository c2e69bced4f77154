//! Figure 3a, SSE decode throughput: `common_http::sse::EventStream` vs `sse-stream` and
//! `eventsource-stream`, fed the very same chunk sequences in the same run.

use std::fmt::Write as _;
use std::pin::pin;
use std::process::Command;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use eventsource_stream::Eventsource as _;
use futures::Stream;

use crate::report::{Figure, Target};
use crate::{Env, Outcome};

const EVENTS: usize = 20_000;
const SEGMENT: usize = 1_460;
const BIG_CHUNK: usize = 64 * 1024;
const LONG_LINE: usize = 2 * 1024 * 1024;

/// An input: its name, how to make the body, the chunk size it is cut into.
type Case = (&'static str, fn() -> Bytes, usize);
const CASES: [Case; 4] = [
    (
        "sse 20k x 1 KiB events, 1460 B chunks",
        events_body,
        SEGMENT,
    ),
    (
        "sse 20k x 1 KiB events, 64 KiB chunks",
        events_body,
        BIG_CHUNK,
    ),
    ("sse 2 MiB line, 64 KiB chunks", long_line_body, BIG_CHUNK),
    ("sse 2 MiB line, 1460 B chunks", long_line_body, SEGMENT),
];

/// The three decoders, each returning (events with data, total data bytes).
type DecodeFn = fn(&[Bytes]) -> Outcome<(usize, usize)>;
const DECODERS: [(&str, DecodeFn); 3] = [
    ("ours", ours),
    ("sse-stream", sse_stream),
    ("eventsource-stream", eventsource_stream),
];

/// The flag that makes `bench-report` a measuring child (see [`child`]).
pub(crate) const CHILD_FLAG: &str = "--sse-child";

/// Each (case, decoder) is measured in a fresh child process, rounds interleaved and the
/// decoders rotated: in one process, the heap a decoder leaves behind (eventsource-stream
/// fragments it badly) changed the next decoder's speed several times over, which would
/// measure the order, not the decoders.
pub(crate) fn run(env: &Env) -> Outcome<Vec<Figure>> {
    let rounds = if env.quick { 2 } else { 5 };
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut figures = Vec::new();
    for (case, (name, _, chunk)) in CASES.iter().enumerate() {
        let mut samples: [Vec<f64>; 3] = Default::default();
        let mut outputs = [String::new(), String::new(), String::new()];
        for round in 0..rounds {
            for k in 0..DECODERS.len() {
                let decoder = (round + k) % DECODERS.len();
                let output = Command::new(&me)
                    .args([CHILD_FLAG, &case.to_string(), &decoder.to_string()])
                    .output()
                    .map_err(|e| e.to_string())?;
                let text = String::from_utf8_lossy(&output.stdout).into_owned();
                let (speed, rest) = text
                    .trim()
                    .split_once(' ')
                    .ok_or_else(|| format!("{name}: child said {text:?}"))?;
                samples[decoder].push(speed.parse().map_err(|_| format!("{name}: {text:?}"))?);
                outputs[decoder] = rest.to_owned();
            }
        }
        if outputs.iter().any(|o| *o != outputs[0]) {
            return Err(format!("{name}: decoders disagree: {outputs:?}"));
        }
        let [ours, sse, es] = samples.map(|s| best(&s));
        figures.push(Figure::new(
            *name,
            "ours/best",
            ours / sse.max(es),
            Target::AtLeast(1.0),
            format!(
                "{ours:.0} MB/s vs sse-stream {sse:.0}, eventsource-stream {es:.0} MB/s \
                 ({} B chunks; events, data bytes: {}; best run of {rounds} processes each)",
                chunk, outputs[0]
            ),
        ));
    }
    Ok(figures)
}

/// In a child: decodes case `args[0]` with decoder `args[1]` after one warm-up run, and
/// prints `<MB/s> <events> <data bytes>`: the best of at least 20 runs and 250 ms
/// (or of the runs that fit in a second).
pub(crate) fn child(args: &[String]) -> Outcome {
    let index = |i: usize| -> Outcome<usize> {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("{CHILD_FLAG} CASE DECODER"))
    };
    let (_, body, chunk) = CASES.get(index(0)?).ok_or("no such case")?;
    let (_, decode) = DECODERS.get(index(1)?).ok_or("no such decoder")?;
    let body = body();
    let chunks: Vec<Bytes> = (0..body.len())
        .step_by(*chunk)
        .map(|start| body.slice(start..(start + chunk).min(body.len())))
        .collect();
    let mut speeds = Vec::new();
    let mut output = (0, 0);
    let started = Instant::now();
    // At least 20 runs and a quarter of a second: a decode of the 2 MiB line takes about
    // 150 us, and its first runs are slowed by the allocator settling on where the
    // growing buffer goes. The warm-up run counts only when it was slow enough to be a
    // measurement itself.
    for run in 0..5_000 {
        let start = Instant::now();
        output = decode(&chunks)?;
        let elapsed = start.elapsed().max(Duration::from_nanos(1));
        if run > 0 || elapsed > Duration::from_millis(300) {
            #[allow(clippy::cast_precision_loss)]
            speeds.push(body.len() as f64 / elapsed.as_secs_f64() / 1e6);
        }
        let spent = started.elapsed();
        if (speeds.len() >= 20 && spent > Duration::from_millis(250))
            || (!speeds.is_empty() && spent > Duration::from_secs(1))
        {
            break;
        }
    }
    println!("{:.1} {} {}", best(&speeds), output.0, output.1);
    Ok(())
}

/// 20,000 events of about 1 KiB: an `event`, an `id`, one JSON `data` line with some
/// non-ASCII text (vendors answer in Chinese), a blank line.
fn events_body() -> Bytes {
    let mut body = String::with_capacity(EVENTS * 1_100);
    let text = "The valve pressure is nominal; 压力正常，请继续巡检。 ".repeat(32);
    for i in 0..EVENTS {
        let _ = write!(
            body,
            "event: delta\nid: {i}\ndata: {{\"seq\":{i},\"text\":\"{}\"}}\n\n",
            &text[..text
                .char_indices()
                .nth(620 + i % 50)
                .map_or(0, |(at, _)| at)]
        );
    }
    Bytes::from(body)
}

/// One event whose single `data` line is 2 MiB long.
fn long_line_body() -> Bytes {
    let mut body = Vec::with_capacity(LONG_LINE + 16);
    body.extend_from_slice(b"data: ");
    body.extend((0..LONG_LINE).map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]));
    body.extend_from_slice(b"\n\n");
    Bytes::from(body)
}

fn chunk_stream(chunks: &[Bytes]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + '_ {
    futures::stream::iter(chunks.iter().cloned().map(Ok))
}

/// Drains a stream that is always ready (its input is in memory), without a runtime.
fn drain<S, T, E>(stream: S, mut each: impl FnMut(T)) -> Outcome
where
    S: Stream<Item = Result<T, E>>,
    E: std::fmt::Display,
{
    let mut stream = pin!(stream);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match stream.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(Ok(item))) => each(item),
            Poll::Ready(Some(Err(e))) => return Err(format!("decode error: {e}")),
            Poll::Ready(None) => return Ok(()),
            Poll::Pending => return Err("an in-memory stream was pending".into()),
        }
    }
}

fn ours(chunks: &[Bytes]) -> Outcome<(usize, usize)> {
    let mut out = (0, 0);
    drain(
        common_http::sse::EventStream::new(chunk_stream(chunks)),
        |e| {
            out.0 += 1;
            out.1 += e.data.len();
        },
    )?;
    Ok(out)
}

fn sse_stream(chunks: &[Bytes]) -> Outcome<(usize, usize)> {
    let mut out = (0, 0);
    drain(sse_stream::SseByteStream::new(chunk_stream(chunks)), |e| {
        if let Some(data) = e.data {
            out.0 += 1;
            out.1 += data.len();
        }
    })?;
    Ok(out)
}

fn eventsource_stream(chunks: &[Bytes]) -> Outcome<(usize, usize)> {
    let mut out = (0, 0);
    drain(chunk_stream(chunks).eventsource(), |e| {
        out.0 += 1;
        out.1 += e.data.len();
    })?;
    Ok(out)
}

/// The fastest sample. A run can only be slowed by what else the machine does (another
/// process, a migration to a busy core), never sped up, so on a shared 2-core machine the
/// best run is the steadiest estimate of what the decoder itself costs; both sides of a
/// ratio are taken the same way.
fn best(speeds: &[f64]) -> f64 {
    speeds.iter().copied().fold(0.0, f64::max)
}

//! The HTTP reply to one question: the sequenced answers as one JSON list (optionally in
//! Sobot's `{"ret_code", "ret_msg", "data"}` envelope) or as a server-sent event stream.
//!
//! It owns the transport side of a reply: collecting or forwarding the agent's stream,
//! surviving a panic in it, and starting the owed callbacks once the answer is complete.
//! A panic midway through a collected (non-streaming) reply makes it a `500`; midway
//! through a streamed one, the stream ends with `ERROR_END`; neither sends a callback. A
//! streamed answer that fails before it starts (an [`AgentError`](super::AgentError), a
//! panic, the request timeout) is a stream of one `ERROR_END` ([`error_end_response`]).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use futures::stream::BoxStream;

use super::agent::{AgentReply, AnswerPart};
use super::callback::Callbacks;
use super::error::{error_response, for_log};
use super::sequence::{ReplyContext, Sequencer, complete_all};
use crate::AgentAnswer;

/// Collects the whole stream, or `Err` at the first panic in it.
async fn collect(stream: BoxStream<'static, AnswerPart>) -> Result<Vec<AnswerPart>, ()> {
    let mut parts = Vec::new();
    let mut stream = AssertUnwindSafe(stream).catch_unwind();
    while let Some(item) = stream.next().await {
        parts.push(item.map_err(drop)?);
    }
    Ok(parts)
}

/// The reply as one JSON list (in Sobot's envelope when `envelope`); a streamed reply is
/// collected first, by `deadline` (the request's, shared with the agent call). A stream that
/// panics midway is a `500`, like a panicking agent, and owes no callback.
pub(super) async fn list_response(
    reply: AgentReply,
    ctx: ReplyContext,
    callbacks: Callbacks,
    envelope: bool,
    deadline: tokio::time::Instant,
) -> Response {
    let parts = match reply {
        AgentReply::Answers(parts) => parts,
        AgentReply::Stream(stream) => {
            match tokio::time::timeout_at(deadline, collect(stream)).await {
                Ok(Ok(parts)) => parts,
                Ok(Err(())) => {
                    tracing::error!(roundid = %for_log(&ctx.roundid), "sobot inbound agent stream panicked");
                    return error_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "agent_panicked",
                        "the agent failed",
                    );
                }
                Err(_) => {
                    tracing::error!(roundid = %for_log(&ctx.roundid), "sobot inbound agent stream timed out");
                    return error_response(
                        StatusCode::GATEWAY_TIMEOUT,
                        "timeout",
                        "the agent did not answer in time",
                    );
                }
            }
        }
    };
    let answers = complete_all(&ctx, parts);
    callbacks.spawn(&answers);
    if envelope {
        let body = serde_json::json!({
            "ret_code": crate::codes::SUCCESS,
            "ret_msg": "success",
            "data": answers,
        });
        (StatusCode::OK, axum::Json(body)).into_response()
    } else {
        (StatusCode::OK, axum::Json(answers)).into_response()
    }
}

fn sse_event(answer: &AgentAnswer) -> Option<Bytes> {
    match serde_json::to_string(answer) {
        Ok(json) => Some(Bytes::from(format!("data: {json}\n\n"))),
        Err(error) => {
            tracing::error!(%error, "sobot inbound answer could not be serialised");
            None
        }
    }
}

struct StreamState {
    parts: BoxStream<'static, Result<AnswerPart, Box<dyn std::any::Any + Send>>>,
    sequencer: Sequencer,
    out: VecDeque<AgentAnswer>,
    finished: bool,
    /// The owed callbacks, recording what they need of each answer sent (not the answers
    /// themselves unless a callback needs them).
    callbacks: Option<Callbacks>,
}

/// The reply as a server-sent event stream, one `data: {answer}` event per answer.
pub(super) fn stream_response(
    reply: AgentReply,
    ctx: ReplyContext,
    callbacks: Callbacks,
) -> Response {
    let parts: BoxStream<'static, AnswerPart> = match reply {
        AgentReply::Answers(parts) => futures::stream::iter(parts).boxed(),
        AgentReply::Stream(stream) => stream,
    };
    let state = StreamState {
        parts: AssertUnwindSafe(parts).catch_unwind().boxed(),
        sequencer: Sequencer::new(ctx.clone()),
        out: VecDeque::new(),
        finished: false,
        callbacks: Some(callbacks),
    };
    let body = futures::stream::unfold(state, move |mut st| {
        let ctx = ctx.clone();
        async move {
            loop {
                if let Some(answer) = st.out.pop_front() {
                    let event = sse_event(&answer);
                    if let Some(callbacks) = &mut st.callbacks {
                        callbacks.record(&answer);
                        #[cfg(test)]
                        note_retained(callbacks.retained_bytes());
                    }
                    if let Some(event) = event {
                        return Some((Ok::<_, Infallible>(event), st));
                    }
                    continue;
                }
                if st.finished {
                    if let Some(callbacks) = st.callbacks.take() {
                        callbacks.finish();
                    }
                    return None;
                }
                match st.parts.next().await {
                    Some(Ok(part)) => st.sequencer.push(part, &mut st.out),
                    Some(Err(_panic)) => {
                        tracing::error!(roundid = %for_log(&ctx.roundid), "sobot inbound agent stream panicked");
                        st.sequencer.finish(&mut st.out);
                        st.out.push_back(ctx.error_end(""));
                        st.finished = true;
                        // A broken answer is not reported to the callbacks.
                        st.callbacks = None;
                    }
                    None => {
                        st.sequencer.finish(&mut st.out);
                        st.finished = true;
                    }
                }
            }
        }
    });
    sse_response(Body::from_stream(body))
}

/// A streamed answer that failed before it started: one `ERROR_END` event carrying
/// `message` (the agent's error; keep secrets out of it), and no callback.
pub(super) fn error_end_response(ctx: &ReplyContext, message: &str) -> Response {
    let event = sse_event(&ctx.error_end(message)).unwrap_or_default();
    sse_response(Body::from(event))
}

fn sse_response(body: Body) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
thread_local! {
    /// The most answer text a stream on this thread has kept for its callbacks.
    static PEAK_RETAINED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
fn note_retained(bytes: usize) {
    PEAK_RETAINED.with(|peak| peak.set(peak.get().max(bytes)));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::AgentRequest;
    use crate::server::config::ServerConfig;

    fn request(copilot: bool) -> AgentRequest {
        let mut value: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/third_algorithm_req_vo.model.json"
        ))
        .unwrap();
        value["req_stream"] = serde_json::json!(true);
        value["copilot"] = serde_json::json!(copilot);
        value.as_object_mut().unwrap().remove("runtimeid");
        serde_json::from_value(value).unwrap()
    }

    /// Streams 3,000 parts of 10 KiB and returns the most answer text the server kept.
    async fn peak_retained(copilot: bool) -> usize {
        let client = crate::SobotClient::builder()
            .appid("1")
            .app_key("2")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let config = ServerConfig::new()
            .shared_secret("token", "s3cret")
            .sobot_client(client);
        let request = request(copilot);
        let ctx = ReplyContext::new(&request, &config);
        let callbacks = Callbacks::new(&ctx, &config, true);
        let part = "x".repeat(10 * 1024);
        let parts = futures::stream::iter(0..3_000).map(move |_| AnswerPart::Text(part.clone()));
        PEAK_RETAINED.with(|peak| peak.set(0));
        let response = stream_response(AgentReply::stream(parts), ctx, callbacks);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        assert!(body.len() > 3_000 * 10 * 1024);
        PEAK_RETAINED.with(std::cell::Cell::get)
    }

    #[tokio::test]
    async fn a_stream_owing_no_callback_keeps_nothing() {
        assert_eq!(peak_retained(false).await, 0);
    }

    #[tokio::test]
    async fn a_copilot_stream_keeps_what_callback_list_needs() {
        assert_eq!(peak_retained(true).await, 3_000 * 10 * 1024);
    }
}

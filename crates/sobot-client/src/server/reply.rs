//! The HTTP reply to one question: the sequenced answers as one JSON list (optionally in
//! Sobot's `{"ret_code", "ret_msg", "data"}` envelope) or as a server-sent event stream.
//!
//! It owns the transport side of a reply: collecting or forwarding the agent's stream,
//! surviving a panic in it, and starting the owed callbacks once the answer is complete.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use futures::stream::BoxStream;

use super::agent::{AgentReply, AnswerPart};
use super::callback::Callbacks;
use super::error::error_response;
use super::sequence::{ReplyContext, Sequencer, complete_all};
use crate::{AgentAnswer, RobotAnswerMessageType};

/// The reply as one JSON list (in Sobot's envelope when `envelope`); a streamed reply is
/// collected first, within `timeout`.
pub(super) async fn list_response(
    reply: AgentReply,
    ctx: ReplyContext,
    callbacks: Callbacks,
    envelope: bool,
    timeout: Duration,
) -> Response {
    let parts = match reply {
        AgentReply::Answers(parts) => parts,
        AgentReply::Stream(stream) => {
            let collected = AssertUnwindSafe(stream)
                .catch_unwind()
                .take_while(|item| futures::future::ready(item.is_ok()))
                .filter_map(|item| futures::future::ready(item.ok()))
                .collect::<Vec<_>>();
            match tokio::time::timeout(timeout, collected).await {
                Ok(parts) => parts,
                Err(_) => {
                    tracing::error!(roundid = %ctx.roundid, "sobot inbound agent stream timed out");
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
    sent: Vec<AgentAnswer>,
    finished: bool,
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
        sent: Vec::new(),
        finished: false,
        callbacks: Some(callbacks),
    };
    let body = futures::stream::unfold(state, move |mut st| {
        let ctx = ctx.clone();
        async move {
            loop {
                if let Some(answer) = st.out.pop_front() {
                    let event = sse_event(&answer);
                    st.sent.push(answer);
                    if let Some(event) = event {
                        return Some((Ok::<_, Infallible>(event), st));
                    }
                    continue;
                }
                if st.finished {
                    if let Some(callbacks) = st.callbacks.take() {
                        callbacks.spawn(&st.sent);
                    }
                    return None;
                }
                match st.parts.next().await {
                    Some(Ok(part)) => st.sequencer.push(part, &mut st.out),
                    Some(Err(_panic)) => {
                        tracing::error!(roundid = %ctx.roundid, "sobot inbound agent stream panicked");
                        st.sequencer.finish(&mut st.out);
                        let mut end = ctx.complete(AnswerPart::Text(String::new()));
                        end.robot_answer_message_type = RobotAnswerMessageType::ErrorEnd;
                        st.out.push_back(end);
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
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

//! Request handling: the axum [`Router`] that receives Sobot's question and decides, before
//! the agent runs, whether it is acceptable.
//!
//! It enforces the content type (`415`), the body limit (`413`), the time the body may take
//! to arrive (`408`), valid JSON (`400`) and the shared secret (`401`), then runs the agent
//! within the request timeout (`504`), turning a panic or an [`AgentError`] into a `500`,
//! and hands the reply to `reply.rs`. When Sobot asked for a stream (`req_stream`), those
//! three failures are instead a stream that ends at once with an `ERROR_END` event (the
//! document's "abnormal end to the chat"), which a streaming reader understands.
//!
//! Nothing the caller sent is logged before its shared secret is accepted, and what is
//! logged after goes through [`for_log`] (control characters escaped). Only a request that
//! carried the shared secret can owe a callback to Sobot.
//!
//! [`AgentError`]: super::AgentError

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use futures::FutureExt as _;

use super::agent::ThirdPartyAgent;
use super::callback::Callbacks;
use super::config::{ServerConfig, ServerConfigError};
use super::error::{body_rejection_response, error_response, for_log};
use super::reply::{error_end_response, list_response, stream_response};
use super::sequence::ReplyContext;
use crate::AgentRequest;

struct Inner {
    agent: Box<dyn ThirdPartyAgent>,
    config: ServerConfig,
}

/// The axum router serving `agent` with `config` (`POST` on [`ServerConfig::path`]).
///
/// Merge or nest it into your own application, or serve it with [`axum::serve()`].
///
/// # Errors
///
/// [`ServerConfigError`] when `config` has neither a shared secret
/// ([`ServerConfig::shared_secret`]) nor the explicit opt-out
/// ([`ServerConfig::without_shared_secret`]), or an empty one.
pub fn router<A: ThirdPartyAgent>(
    agent: A,
    config: ServerConfig,
) -> Result<Router, ServerConfigError> {
    config.check()?;
    let limit = config.body_limit;
    let path = config.path.clone();
    let inner = Arc::new(Inner {
        agent: Box::new(agent),
        config,
    });
    Ok(Router::new()
        .route(&path, post(handle))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(inner))
}

fn rejection_response(rejection: &BytesRejection) -> Response {
    body_rejection_response(rejection.status(), &rejection.body_text())
}

/// A `415` unless the request declares a JSON body (`application/json` or `*/*+json`, any
/// parameters) or declares no content type at all (read as JSON, leniently).
fn reject_content_type(headers: &header::HeaderMap) -> Option<Response> {
    let value = headers.get(header::CONTENT_TYPE)?;
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || (essence.contains('/') && essence.ends_with("+json")) {
        return None;
    }
    Some(error_response(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "the request body must be JSON (Content-Type: application/json)",
    ))
}

async fn handle(State(inner): State<Arc<Inner>>, request: Request) -> Response {
    // One request_timeout bounds the agent call and, for a list reply, collecting it.
    let deadline = tokio::time::Instant::now() + inner.config.request_timeout;
    if let Some(response) = reject_content_type(request.headers()) {
        return response;
    }
    let read = Bytes::from_request(request, &());
    let body = match tokio::time::timeout(inner.config.read_timeout, read).await {
        Ok(Ok(body)) => body,
        Ok(Err(rejection)) => return rejection_response(&rejection),
        Err(_) => {
            tracing::warn!(timeout = ?inner.config.read_timeout, "sobot inbound request body too slow");
            let mut response = error_response(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the request body did not arrive in time",
            );
            // The rest of the body is never read: the connection cannot be reused.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
    };
    let request: AgentRequest = {
        let de = &mut serde_json::Deserializer::from_slice(&body);
        match parse_json(de) {
            Ok(request) => request,
            Err(message) => {
                return error_response(StatusCode::BAD_REQUEST, "bad_request", &message);
            }
        }
    };
    let authenticated = match &inner.config.shared_secret {
        Some(secret) => {
            if !secret.matches([request.params.as_ref(), request.multi_params.as_ref()]) {
                // Nothing of the request is logged: it is not authenticated.
                tracing::warn!("sobot inbound request with a wrong or missing shared secret");
                return error_response(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "missing or wrong shared secret",
                );
            }
            true
        }
        // ServerConfig::without_shared_secret: served, but never authenticated.
        None => false,
    };
    let ctx = ReplyContext::new(&request, &inner.config);
    let timeout = inner.config.request_timeout;
    let call = AssertUnwindSafe(inner.agent.answer(request)).catch_unwind();
    let reply = match tokio::time::timeout_at(deadline, call).await {
        Err(_) => {
            tracing::error!(roundid = %for_log(&ctx.roundid), ?timeout, "sobot inbound agent timed out");
            if ctx.stream {
                return error_end_response(&ctx, "the agent did not answer in time");
            }
            return error_response(
                StatusCode::GATEWAY_TIMEOUT,
                "timeout",
                "the agent did not answer in time",
            );
        }
        Ok(Err(_panic)) => {
            tracing::error!(roundid = %for_log(&ctx.roundid), "sobot inbound agent panicked");
            if ctx.stream {
                return error_end_response(&ctx, "the agent failed");
            }
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "agent_panicked",
                "the agent failed",
            );
        }
        Ok(Ok(Err(error))) => {
            tracing::error!(
                roundid = %for_log(&ctx.roundid),
                error = %for_log(error.message()),
                "sobot inbound agent failed"
            );
            if ctx.stream {
                return error_end_response(&ctx, error.message());
            }
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "agent_error",
                error.message(),
            );
        }
        Ok(Ok(Ok(reply))) => reply,
    };
    let callbacks = Callbacks::new(&ctx, &inner.config, authenticated);
    if ctx.stream {
        stream_response(reply, ctx, callbacks)
    } else {
        list_response(reply, ctx, callbacks, inner.config.envelope, deadline).await
    }
}

/// Deserialises with a message that names where the JSON went wrong (line and column).
fn parse_json<'de, T: serde::Deserialize<'de>>(
    de: &mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>,
) -> Result<T, String> {
    let value = T::deserialize(&mut *de).map_err(|e| format!("invalid request body: {e}"))?;
    de.end().map_err(|e| format!("invalid request body: {e}"))?;
    Ok(value)
}

//! The inbound integration server (`sobot_client::server`): the input is the body Sobot
//! POSTs, sent through the real axum router in memory (`tower::ServiceExt::oneshot`), and
//! through the [`EnterprisePayload`] parser.
//!
//! The router must answer `200` exactly when the body is a valid `AgentRequest`
//! (checked against serde on the side), calling the agent then and only then; anything
//! else is a `400` (or `413`) with a JSON error body. Every answer carries the question's
//! `roundid`.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common_http::Secret;
use common_http::sse::Decoder;
use serde_json::Value;
use sobot_client::server::axum::body::{Body, to_bytes};
use sobot_client::server::axum::http::{Method, Request, StatusCode, header};
use sobot_client::server::{
    AgentError, AgentReply, AnswerPart, EnterprisePayload, ServerConfig, ThirdPartyAgent, router,
};
use sobot_client::{AgentAnswer, AgentRequest};
use tower::ServiceExt as _;

/// The router's body limit here; the inputs stay far below the default 1 MiB.
const BODY_LIMIT: usize = 64 * 1024;

/// Answers with the question and its display text, as a list or (odd-length question) as a
/// stream, and counts its calls.
struct Echo {
    calls: Arc<AtomicUsize>,
}

#[sobot_client::server::async_trait]
impl ThirdPartyAgent for Echo {
    async fn answer(&self, request: AgentRequest) -> Result<AgentReply, AgentError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let parts = vec![
            AnswerPart::Text(request.question.clone()),
            AnswerPart::Text(request.show_question.clone()),
        ];
        Ok(if request.question.len() % 2 == 1 {
            AgentReply::stream(futures::stream::iter(parts))
        } else {
            AgentReply::Answers(parts)
        })
    }
}

thread_local! {
    /// One runtime per fuzzing thread: building one per input would dominate the run.
    static RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
}

fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.with(|cell| {
        let mut runtime = cell.borrow_mut();
        let runtime = runtime.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap_or_else(|e| panic!("no tokio runtime: {e}"))
        });
        runtime.block_on(future)
    })
}

/// The answers of a `200`: a JSON envelope `{ret_code, data: [..]}`, or an event stream of
/// answers.
fn answers(content_type: &str, body: &[u8]) -> Vec<AgentAnswer> {
    if content_type.starts_with("text/event-stream") {
        let mut decoder = Decoder::new();
        decoder.push(body);
        let mut answers = Vec::new();
        while let Some(event) = decoder.next_event() {
            let event = event.unwrap_or_else(|e| panic!("the server sent a broken stream: {e}"));
            let answer = serde_json::from_str(&event.data)
                .unwrap_or_else(|e| panic!("the server streamed a bad answer: {e}"));
            answers.push(answer);
        }
        return answers;
    }
    let envelope: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("the server answered with bad JSON: {e}"));
    assert_eq!(envelope["ret_code"], "000000");
    serde_json::from_value(envelope["data"].clone())
        .unwrap_or_else(|e| panic!("the server answered a bad list: {e}"))
}

async fn serve(body: &[u8]) {
    let calls = Arc::new(AtomicUsize::new(0));
    // No shared secret (explicitly): every valid body reaches the agent.
    let config = ServerConfig::new()
        .without_shared_secret()
        .body_limit(BODY_LIMIT)
        .request_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(5));
    let app = router(
        Echo {
            calls: Arc::clone(&calls),
        },
        config,
    )
    .unwrap_or_else(|e| panic!("the router: {e}"));
    let request = Request::builder()
        .method(Method::POST)
        .uri("/")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_vec()))
        .unwrap_or_else(|e| panic!("a request: {e}"));
    let Ok(response) = app.oneshot(request).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let answered = to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap_or_else(|e| panic!("the response body failed: {e}"));

    let expected = serde_json::from_slice::<AgentRequest>(body).ok();
    match (&expected, status) {
        (Some(request), StatusCode::OK) => {
            assert_eq!(
                calls.load(Ordering::SeqCst),
                1,
                "the agent was not called once"
            );
            let answers = answers(&content_type, &answered);
            assert_eq!(
                answers.len(),
                2,
                "two parts answered, not {}",
                answers.len()
            );
            for answer in &answers {
                assert_eq!(
                    answer.roundid, request.roundid,
                    "an answer lost its roundid"
                );
            }
        }
        (None, StatusCode::BAD_REQUEST) => {
            assert_eq!(
                calls.load(Ordering::SeqCst),
                0,
                "the agent got a bad request"
            );
            let error: Value = serde_json::from_slice(&answered)
                .unwrap_or_else(|e| panic!("a 400 without a JSON body: {e}"));
            assert_eq!(error["error"], "bad_request");
        }
        (_, StatusCode::PAYLOAD_TOO_LARGE) => {
            assert!(
                body.len() > BODY_LIMIT,
                "a {}-byte body was too large",
                body.len()
            );
            assert_eq!(calls.load(Ordering::SeqCst), 0);
        }
        (parsed, status) => panic!(
            "status {status} for a body serde {} parse",
            if parsed.is_some() { "does" } else { "does not" }
        ),
    }
}

/// The input as the body of a question Sobot forwards, and as an enterprise-interface call.
pub fn inbound_request(body: &[u8]) {
    block_on(serve(body));
    if let Ok(payload) = EnterprisePayload::from_json(body) {
        let _ = payload.param("token");
        let _ = payload.has_secret("token", &Secret::new("s3cret"));
        let _ = payload.custom.len();
    }
}

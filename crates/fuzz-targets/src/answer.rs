//! Sobot's streaming answer: SSE `data` payloads turned into typed [`AnswerEvent`]s by the
//! public [`AnswerStream::from_data`], the same parser `SobotClient::answer` streams use.

use common_http::sse::Decoder;
use futures::{FutureExt as _, StreamExt as _};
use sobot_client::{AnswerStream, CollectedAnswer};

use crate::check;

/// The line limit of the decoder here: small enough that a hostile input stays cheap.
const MAX_LINE_LEN: usize = 64 * 1024;

/// The `data` payloads of `input` read as an event stream.
fn payloads(input: &[u8]) -> Vec<String> {
    let mut decoder = Decoder::with_max_line_len(MAX_LINE_LEN);
    decoder.push(input);
    let mut data = Vec::new();
    while let Some(item) = decoder.next_event().or_else(|| decoder.finish()) {
        if let Ok(event) = item {
            data.push(event.data);
        }
    }
    data
}

/// Drains one answer stream (its source never waits, so every poll is ready) and checks
/// that nothing follows an error or the terminating `ERROR_END`.
fn drain(data: Vec<String>) {
    let mut stream = AnswerStream::from_data(futures::stream::iter(data.into_iter().map(Ok)));
    let mut collected = CollectedAnswer::default();
    loop {
        let Some(next) = stream.next().now_or_never() else {
            panic!("an answer stream over ready data was not ready");
        };
        match next {
            None => break,
            Some(Ok(event)) => {
                let _ = event.text();
                let end = event.is_end();
                collected.push(event);
                if end {
                    assert!(
                        matches!(stream.next().now_or_never(), Some(None)),
                        "an event after ERROR_END"
                    );
                    break;
                }
            }
            Some(Err(error)) => {
                check::decode_error(&error);
                assert!(
                    matches!(stream.next().now_or_never(), Some(None)),
                    "an event after an error"
                );
                break;
            }
        }
    }
    let _ = (collected.final_text(), collected.delayed());
}

/// The input as an event stream (each payload on its own, then all in one stream), and,
/// when it is text, as one payload.
pub fn sobot_answer(input: &[u8]) {
    let data = payloads(input);
    for payload in &data {
        drain(vec![payload.clone()]);
    }
    drain(data);
    if let Ok(text) = std::str::from_utf8(input) {
        drain(vec![text.to_owned()]);
    }
}

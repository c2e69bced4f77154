//! The server-sent-events decoder, fed the same bytes whole and cut into pieces.
//!
//! The decoder promises that chunks may be split anywhere (inside a line, between `\r` and
//! `\n`, inside a UTF-8 character or the byte order mark) without changing the events, the
//! errors, the last event id or the reconnection time. The target checks exactly that,
//! with cut points derived from the input so the fuzzer steers them too.

use std::time::Duration;

use common_http::sse::{DecodeError, Decoder, Event};

/// Everything a stream decodes to, for comparison.
#[derive(Debug, PartialEq)]
struct Outcome {
    items: Vec<Result<Event, DecodeError>>,
    last_event_id: Option<String>,
    reconnection_time: Option<Duration>,
}

fn decode<'a>(max_line_len: usize, chunks: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut decoder = Decoder::with_max_line_len(max_line_len);
    let mut items = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        while let Some(item) = decoder.next_event() {
            items.push(item);
        }
    }
    while let Some(item) = decoder.finish() {
        items.push(item);
    }
    Outcome {
        items,
        last_event_id: decoder.last_event_id().map(str::to_owned),
        reconnection_time: decoder.reconnection_time(),
    }
}

/// Cuts `input` into pieces whose lengths are read from the input itself: each piece is
/// 1 to `max_piece` bytes long, steered by its own first byte.
fn pieces(input: &[u8], max_piece: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut rest = input;
    while let Some(&first) = rest.first() {
        let len = (1 + usize::from(first) % max_piece).min(rest.len());
        let (piece, tail) = rest.split_at(len);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// The byte sum of the input picks the line length limit (small limits reach the
/// `LineTooLong` path) and the largest piece, so any stream is a valid input as it is.
pub fn sse_decoder(input: &[u8]) {
    let control = input.iter().fold(0u8, |sum, byte| sum.wrapping_add(*byte));
    let max_line_len = match control & 0b11 {
        0 => Decoder::DEFAULT_MAX_LINE_LEN,
        1 => 1,
        2 => 16,
        _ => 256,
    };
    let max_piece = 1 + usize::from(control >> 2);

    let whole = decode(max_line_len, [input]);
    for event in whole.items.iter().flatten() {
        assert!(
            event.data.len() <= input.len(),
            "an event larger than its stream"
        );
        assert!(!event.event.is_empty(), "an event without a type");
    }
    let cut = decode(max_line_len, pieces(input, max_piece));
    assert_eq!(whole, cut, "cutting the stream changed what it decodes to");
    let bytewise = decode(max_line_len, input.chunks(1));
    assert_eq!(
        whole, bytewise,
        "byte-by-byte chunks changed what it decodes to"
    );
}

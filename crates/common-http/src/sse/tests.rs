#![allow(clippy::unwrap_used)]

use std::time::Duration;

use futures::StreamExt as _;
use futures::stream::{self, FusedStream as _};
use proptest::prelude::*;

use super::{DecodeError, Decoder, Event, EventStream, IdleTimeout, StreamError};

type Item = Result<Event, DecodeError>;

fn event(kind: &str, data: &str, id: Option<&str>, retry: Option<u64>) -> Event {
    Event {
        event: kind.to_owned(),
        data: data.to_owned(),
        id: id.map(str::to_owned),
        retry,
    }
}

fn message(data: &str) -> Event {
    event("message", data, None, None)
}

/// Everything a decoder with `max` yields for `chunks`, followed by `finish`.
fn decode_with(max: usize, chunks: &[&[u8]]) -> Vec<Item> {
    let mut decoder = Decoder::with_max_line_len(max);
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        while let Some(item) = decoder.next_event() {
            out.push(item);
        }
    }
    while let Some(item) = decoder.finish() {
        out.push(item);
    }
    out
}

fn decode(chunks: &[&[u8]]) -> Vec<Item> {
    decode_with(Decoder::DEFAULT_MAX_LINE_LEN, chunks)
}

/// Decodes `input` whole, in 1-byte chunks, and split at every single position, checks
/// that all agree, and returns the result.
fn decode_any_split(input: &[u8]) -> Vec<Item> {
    let whole = decode(&[input]);
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(decode(&bytes), whole, "1-byte chunks of {input:?}");
    for at in 0..=input.len() {
        let (a, b) = input.split_at(at);
        assert_eq!(decode(&[a, b]), whole, "split at {at} of {input:?}");
    }
    whole
}

fn oks(events: &[Event]) -> Vec<Item> {
    events.iter().cloned().map(Ok).collect()
}

#[test]
fn lf_line_endings() {
    let got = decode_any_split(b"data: a\n\ndata: b\n\n");
    assert_eq!(got, oks(&[message("a"), message("b")]));
}

#[test]
fn crlf_line_endings() {
    let got = decode_any_split(b"event: e\r\ndata: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n");
    assert_eq!(got, oks(&[event("e", "a\nb", None, None), message("c")]));
}

#[test]
fn cr_line_endings() {
    let got = decode_any_split(b"event: e\rdata: a\rdata: b\r\rdata: c\r\r");
    assert_eq!(got, oks(&[event("e", "a\nb", None, None), message("c")]));
}

#[test]
fn mixed_line_endings() {
    let got = decode_any_split(b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\n\n");
    assert_eq!(got, oks(&[message("a\nb\nc"), message("d")]));
}

#[test]
fn cr_at_chunk_end_and_lf_at_next_start_are_one_line_ending() {
    // Were the LF an extra line ending, the empty line would dispatch "a" on its own.
    let got = decode(&[b"data: a\r", b"\ndata: b\r", b"\n", b"\r", b"\n"]);
    assert_eq!(got, oks(&[message("a\nb")]));
    // Same with the CR and LF of an empty line split.
    let got = decode(&[b"data: a\r\n\r", b"\ndata: b\r\n\r\n"]);
    assert_eq!(got, oks(&[message("a"), message("b")]));
}

#[test]
fn cr_ends_the_line_without_waiting_for_the_next_chunk() {
    let mut decoder = Decoder::new();
    decoder.push(b"data: a\r\r");
    assert_eq!(decoder.next_event(), Some(Ok(message("a"))));
    decoder.push(b"data: b\n\r");
    assert_eq!(decoder.next_event(), Some(Ok(message("b"))));
    // The LF completing that CR is skipped, a second LF is a line ending again.
    decoder.push(b"\ndata: c\n");
    decoder.push(b"\n");
    assert_eq!(decoder.next_event(), Some(Ok(message("c"))));
    assert_eq!(decoder.next_event(), None);
}

#[test]
fn lf_after_cr_is_skipped_only_right_after_it() {
    // "\r" then "x\n": the LF ends the line "x", it does not pair with the earlier CR.
    let got = decode(&[b"data: a\r", b"data: b\n", b"\n"]);
    assert_eq!(got, oks(&[message("a\nb")]));
    // An empty chunk between CR and LF does not lose the pairing.
    let got = decode(&[b"data: a\r", b"", b"\n", b"data: b\n\n"]);
    assert_eq!(got, oks(&[message("a\nb")]));
}

#[test]
fn leading_bom_is_stripped() {
    let got = decode_any_split(b"\xEF\xBB\xBFdata: a\n\n");
    assert_eq!(got, oks(&[message("a")]));
    let got = decode(&[b"\xEF", b"\xBB", b"\xBF", b"data: a\n\n"]);
    assert_eq!(got, oks(&[message("a")]));
    let got = decode(&[b"", b"\xEF\xBB", b"", b"\xBFdata: a\n\n"]);
    assert_eq!(got, oks(&[message("a")]));
}

#[test]
fn bom_is_stripped_only_once_and_only_at_the_start() {
    // A second BOM makes the field name "\u{FEFF}data", an unknown field.
    assert_eq!(
        decode_any_split(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n"),
        vec![]
    );
    // A BOM at the start of a later line is not stripped either.
    let got = decode_any_split(b"data: a\n\n\xEF\xBB\xBFdata: b\n\n");
    assert_eq!(got, oks(&[message("a")]));
    // Inside a value it is data.
    let got = decode_any_split("data: \u{FEFF}x\n\n".as_bytes());
    assert_eq!(got, oks(&[message("\u{FEFF}x")]));
}

#[test]
fn partial_bom_is_ordinary_input() {
    // "\xEF\xBB" then "data": no BOM, so the line's field name is "\xEF\xBBdata".
    assert_eq!(decode(&[b"\xEF", b"\xBBdata: a\n\n"]), vec![]);
    assert_eq!(decode(&[b"\xEFdata: a\n\n"]), vec![]);
    // A stream starting with a plain line is unaffected by the BOM check.
    assert_eq!(decode(&[b"d", b"ata: a\n\n"]), oks(&[message("a")]));
    assert_eq!(decode(&[b"\n", b"data: a\n\n"]), oks(&[message("a")]));
}

#[test]
fn bom_is_accepted_again_after_finish() {
    let mut decoder = Decoder::new();
    decoder.push(b"\xEF\xBB\xBFid: 1\ndata: a\n\n");
    assert_eq!(
        decoder.next_event(),
        Some(Ok(event("message", "a", Some("1"), None)))
    );
    assert_eq!(decoder.finish(), None);
    decoder.push(b"\xEF\xBB\xBFdata: b\n\n");
    // The last event id survives the reconnection.
    assert_eq!(
        decoder.next_event(),
        Some(Ok(event("message", "b", Some("1"), None)))
    );
}

#[test]
fn comments_are_ignored() {
    let got = decode_any_split(b": hello\ndata: a\n:\n: data: no\ndata: b\n\n:only a comment\n\n");
    assert_eq!(got, oks(&[message("a\nb")]));
}

#[test]
fn multi_line_data_is_joined_with_newlines() {
    let got = decode_any_split(b"data: one\ndata:\ndata: three\ndata\n\n");
    assert_eq!(got, oks(&[message("one\n\nthree\n")]));
}

#[test]
fn event_id_and_retry_fields() {
    let got = decode_any_split(b"event: update\nid: 42\nretry: 1500\ndata: x\n\ndata: y\n\n");
    assert_eq!(
        got,
        oks(&[
            event("update", "x", Some("42"), Some(1500)),
            // The type resets after dispatch, the id does not, retry is per block.
            event("message", "y", Some("42"), None),
        ])
    );
}

#[test]
fn last_field_of_a_kind_wins() {
    let got =
        decode_any_split(b"event: a\nevent: b\nid: 1\nid: 2\nretry: 1\nretry: 2\ndata: x\n\n");
    assert_eq!(got, oks(&[event("b", "x", Some("2"), Some(2))]));
}

#[test]
fn empty_id_resets_the_last_event_id() {
    let got =
        decode_any_split(b"id: 1\ndata: a\n\nid\ndata: b\n\nid: 3\ndata: c\n\nid:\ndata: d\n\n");
    assert_eq!(
        got,
        oks(&[
            event("message", "a", Some("1"), None),
            event("message", "b", None, None),
            event("message", "c", Some("3"), None),
            event("message", "d", None, None),
        ])
    );
}

#[test]
fn id_with_nul_is_ignored() {
    let got = decode_any_split(b"id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n");
    assert_eq!(
        got,
        oks(&[
            event("message", "a", Some("1"), None),
            event("message", "b", Some("1"), None),
        ])
    );
}

#[test]
fn id_without_data_still_sets_the_last_event_id() {
    let mut decoder = Decoder::new();
    decoder.push(b"id: 9\n\n");
    assert_eq!(decoder.next_event(), None);
    assert_eq!(decoder.last_event_id(), Some("9"));
    decoder.push(b"data: a\n\n");
    assert_eq!(
        decoder.next_event(),
        Some(Ok(event("message", "a", Some("9"), None)))
    );
}

#[test]
fn retry_that_is_not_all_digits_is_ignored() {
    for bad in [
        &b"retry: 12a"[..],
        b"retry: -1",
        b"retry: +15",
        b"retry: 1.5",
        b"retry: ",
        b"retry",
        b"retry:  15",
        b"retry: 99999999999999999999999",
        b"retry: \xD9\xA1",
    ] {
        let mut input = bad.to_vec();
        input.extend_from_slice(b"\ndata: x\n\n");
        assert_eq!(decode_any_split(&input), oks(&[message("x")]), "{bad:?}");
    }
    let mut decoder = Decoder::new();
    decoder.push(b"retry: 3000\n\nretry: x\n\n");
    assert_eq!(decoder.next_event(), None);
    assert_eq!(
        decoder.reconnection_time(),
        Some(Duration::from_millis(3000))
    );
    assert_eq!(
        decode_any_split(b"retry:0\ndata: x\n\n"),
        oks(&[event("message", "x", None, Some(0))])
    );
}

#[test]
fn field_without_colon_has_an_empty_value() {
    let got = decode_any_split(b"data\ndata\n\nevent\ndata: x\n\n");
    assert_eq!(got, oks(&[message("\n"), message("x")]));
}

#[test]
fn only_one_leading_space_is_stripped() {
    let got = decode_any_split(b"data:x\n\ndata:  two\n\ndata:\tt\n\nevent:e\ndata: x \n\n");
    assert_eq!(
        got,
        oks(&[
            message("x"),
            message(" two"),
            message("\tt"),
            event("e", "x ", None, None),
        ])
    );
}

#[test]
fn colons_after_the_first_belong_to_the_value() {
    let got = decode_any_split(b"data: a: b:c\n\nevent:: x\ndata\n\n");
    assert_eq!(got, oks(&[message("a: b:c"), event(": x", "", None, None)]));
}

#[test]
fn unknown_fields_are_ignored() {
    let got = decode_any_split(b"foo: bar\nDATA: no\ndata : no\ndata: yes\nx\n\n");
    assert_eq!(got, oks(&[message("yes")]));
}

#[test]
fn block_without_data_is_not_dispatched_and_resets_the_type() {
    let got = decode_any_split(b"event: foo\n\ndata: x\n\nevent: foo\nretry: 5\n\n\n\ndata: y\n\n");
    assert_eq!(got, oks(&[message("x"), message("y")]));
}

#[test]
fn empty_data_field_is_dispatched() {
    let got = decode_any_split(b"data:\n\nevent:\ndata\n\n");
    assert_eq!(got, oks(&[message(""), message("")]));
}

#[test]
fn incomplete_event_at_eof_is_discarded() {
    assert_eq!(decode(&[b"data: a\n\ndata: b\n"]), oks(&[message("a")]));
    assert_eq!(decode(&[b"data: a\n\ndata: b"]), oks(&[message("a")]));
    assert_eq!(decode(&[b"data: a\n\ndata: b\r"]), oks(&[message("a")]));
    // finish() still hands out the events that were complete.
    let mut decoder = Decoder::new();
    decoder.push(b"data: a\n\ndata: b\n\ndata: c\n");
    assert_eq!(decoder.finish(), Some(Ok(message("a"))));
    assert_eq!(decoder.finish(), Some(Ok(message("b"))));
    assert_eq!(decoder.finish(), None);
    // The discarded part does not leak into the next stream.
    decoder.push(b"\n");
    assert_eq!(decoder.next_event(), None);
    decoder.push(b"event: a");
    assert_eq!(decoder.finish(), None);
    decoder.push(b"eve");
    decoder.push(b"nt: b\ndata: ");
    assert_eq!(decoder.finish(), None);
    decoder.push(b"data: c\n\n");
    assert_eq!(decoder.next_event(), Some(Ok(message("c"))));
    // A partial line is dropped too: "da" + "ta: d" must not make a data line.
    let mut decoder = Decoder::new();
    decoder.push(b"da");
    assert_eq!(decoder.next_event(), None);
    assert_eq!(decoder.finish(), None);
    decoder.push(b"ta: d");
    assert_eq!(decoder.next_event(), None);
    decoder.push(b"\n\n");
    assert_eq!(decoder.next_event(), None);
}

#[test]
fn utf8_split_across_chunks() {
    let text = "é€😀 – ü";
    let input = format!("event: {text}\nid: {text}\ndata: {text}\ndata: {text}\n\n");
    let got = decode_any_split(input.as_bytes());
    let data = format!("{text}\n{text}");
    assert_eq!(got, oks(&[event(text, &data, Some(text), None)]));
}

#[test]
fn invalid_utf8_is_an_error_and_drops_its_block() {
    for bad in [
        &b"data: \xFF"[..],
        b"event: \xC3",
        b"id: \xE2\x82",
        b"data: \xED\xA0\x80",
        // A character cut short by the end of the line, or followed by ASCII, wherever
        // the chunks split it.
        b"data: ok\xE4\xB8",
        b"data: \xF0\x9F\x98",
        b"data: \xE4ab",
        b"data: fine\ndata: \xC3(",
    ] {
        let mut input = b"data: before\n\n".to_vec();
        input.extend_from_slice(bad);
        input.extend_from_slice(b"\ndata: same block\n\ndata: after\n\n");
        assert_eq!(
            decode_any_split(&input),
            vec![
                Ok(message("before")),
                Err(DecodeError::InvalidUtf8),
                Ok(message("after"))
            ],
            "{bad:?}"
        );
    }
    // Bytes that never reach an event are not checked.
    let got = decode_any_split(b": \xFF\nfoo: \xFF\ndata: ok\n\n");
    assert_eq!(got, oks(&[message("ok")]));
}

#[test]
fn line_too_long() {
    let max = 16;
    let mut input = b"data: ok\n\ndata: ".to_vec();
    input.extend_from_slice(&[b'x'; 30]);
    input.extend_from_slice(b"\ndata: same block\n\ndata: after\n\n");
    let expected = vec![
        Ok(message("ok")),
        Err(DecodeError::LineTooLong { max }),
        Ok(message("after")),
    ];
    assert_eq!(decode_with(max, &[&input]), expected);
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(decode_with(max, &bytes), expected);
    for size in 2..input.len() {
        let chunks: Vec<&[u8]> = input.chunks(size).collect();
        assert_eq!(decode_with(max, &chunks), expected, "chunks of {size}");
    }
    // Exactly `max` bytes is accepted, in any field.
    let at_limit = b"data: 0123456789\n\nevent: 012345678\ndata\n\n";
    assert_eq!(
        decode_with(max, &[at_limit]),
        oks(&[message("0123456789"), event("012345678", "", None, None)])
    );
    let over = b"event: 0123456789\ndata\n\n";
    assert_eq!(
        decode_with(max, &[over]),
        vec![Err(DecodeError::LineTooLong { max })]
    );
    // Comments are not buffered, so they are exempt.
    let comment = [&b": "[..], &[b'c'; 100], b"\ndata: x\n\n"].concat();
    assert_eq!(decode_with(max, &[&comment]), oks(&[message("x")]));
}

#[test]
fn line_too_long_stops_buffering() {
    let max = 1024;
    let mut decoder = Decoder::with_max_line_len(max);
    for prefix in [&b"data: "[..], b"event: ", b"da"] {
        decoder.push(prefix);
        for _ in 0..10_000 {
            decoder.push(&[b'x'; 100]);
            assert!(
                decoder.buffered_capacity() <= 4 * max,
                "{}",
                decoder.buffered_capacity()
            );
        }
        assert_eq!(
            decoder.next_event(),
            Some(Err(DecodeError::LineTooLong { max }))
        );
        assert_eq!(decoder.next_event(), None);
        decoder.push(b"\n\ndata: fine\n\n");
        assert_eq!(decoder.next_event(), Some(Ok(message("fine"))));
    }
}

#[test]
fn data_lines_around_the_held_length_decode_the_same_in_any_chunks() {
    // Data lines up to 8 KiB are held whole until their end; longer ones switch to being
    // streamed, possibly in the middle of a character. Every length around the switch,
    // in chunk sizes that put the boundaries everywhere, gives the same event.
    let pattern = "é€😀a".repeat(3_000);
    for len in [
        8_186, 8_187, 8_188, 8_189, 8_190, 8_191, 8_192, 8_200, 20_000,
    ] {
        let cut = (0..=len)
            .rev()
            .find(|&at| pattern.is_char_boundary(at))
            .unwrap_or(0);
        let payload = &pattern[..cut];
        let input = format!("data: {payload}\ndata:x\n\n");
        let want = oks(&[message(&format!("{payload}\nx"))]);
        for size in [1, 3, 7, 1_000, 1_460, 8_190, 8_193, 9_000] {
            let chunks: Vec<&[u8]> = input.as_bytes().chunks(size).collect();
            assert_eq!(
                decode(&chunks),
                want,
                "line of {cut} bytes, chunks of {size}"
            );
        }
    }
}

#[test]
fn a_repeated_type_and_id_are_kept_only_for_their_own_block() {
    let input = b"event: a\nid: 1\ndata: 1\n\nevent: a\nid: 1\ndata: 2\n\ndata: 3\n\n\
                  event: a\nid: 2\ndata: 4\n\nevent: \xFF\ndata: 5\n\nevent: a\ndata: 6\n\n";
    assert_eq!(
        decode_any_split(input),
        vec![
            Ok(event("a", "1", Some("1"), None)),
            Ok(event("a", "2", Some("1"), None)),
            Ok(event("message", "3", Some("1"), None)),
            Ok(event("a", "4", Some("2"), None)),
            Err(DecodeError::InvalidUtf8),
            Ok(event("a", "6", Some("2"), None)),
        ]
    );
}

#[test]
fn long_line_in_small_chunks() {
    let payload: String = "0123456789abcdé".repeat(150_000);
    let input = format!("data: {payload}\n\n");
    for size in [1460, 4096, 65536] {
        let chunks: Vec<&[u8]> = input.as_bytes().chunks(size).collect();
        assert_eq!(
            decode(&chunks),
            oks(&[message(&payload)]),
            "chunks of {size}"
        );
    }
    let chunks: Vec<&[u8]> = input.as_bytes().chunks(1460).collect();
    assert_eq!(
        decode_with(payload.len() + 5, &chunks),
        vec![Err(DecodeError::LineTooLong {
            max: payload.len() + 5
        })]
    );
}

// ---------------------------------------------------------------- EventStream

fn chunk_stream(
    chunks: Vec<Result<&'static [u8], std::io::Error>>,
) -> impl futures::Stream<Item = Result<&'static [u8], std::io::Error>> + Unpin {
    stream::iter(chunks)
}

#[tokio::test]
async fn stream_decodes_chunks() {
    let mut events = EventStream::new(chunk_stream(vec![
        Ok(b"id: 1\ndata: a\n\ndata: "),
        Ok(b"b\n"),
        Ok(b"\nretry: 10\n\ndata: c\n"),
    ]));
    assert_eq!(
        events.next().await.unwrap().unwrap(),
        event("message", "a", Some("1"), None)
    );
    assert_eq!(
        events.next().await.unwrap().unwrap(),
        event("message", "b", Some("1"), None)
    );
    // "data: c" never got its empty line: discarded at the end of the body.
    assert!(events.next().await.is_none());
    assert!(events.is_terminated());
    assert!(events.next().await.is_none());
    assert_eq!(events.last_event_id(), Some("1"));
    assert_eq!(events.reconnection_time(), Some(Duration::from_millis(10)));
}

#[tokio::test]
async fn transport_error_surfaces_then_the_stream_ends() {
    let mut events = EventStream::new(chunk_stream(vec![
        Ok(b"data: a\n\ndata: partial\n"),
        Err(std::io::Error::other("connection reset")),
        Ok(b"data: b\n\n"),
    ]));
    assert_eq!(events.next().await.unwrap().unwrap(), message("a"));
    let error = events.next().await.unwrap().unwrap_err();
    assert!(matches!(&error, StreamError::Transport(e) if e.to_string() == "connection reset"));
    assert!(std::error::Error::source(&error).is_some());
    assert!(events.next().await.is_none());
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn decode_error_surfaces_then_the_stream_ends() {
    let mut events = EventStream::new(chunk_stream(vec![Ok(
        b"data: a\n\ndata: \xFF\n\ndata: b\n\n",
    )]));
    assert_eq!(events.next().await.unwrap().unwrap(), message("a"));
    let error = events.next().await.unwrap().unwrap_err();
    assert!(matches!(
        error,
        StreamError::Decode(DecodeError::InvalidUtf8)
    ));
    assert_eq!(error.to_string(), "SSE stream is not valid UTF-8");
    assert!(events.next().await.is_none());

    let mut events =
        EventStream::new(chunk_stream(vec![Ok(b"data: 0123456789\n\n")])).with_max_line_len(8);
    assert!(matches!(
        events.next().await.unwrap(),
        Err(StreamError::Decode(DecodeError::LineTooLong { max: 8 }))
    ));
    assert!(events.next().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn idle_timeout_fires_when_nothing_arrives() {
    let idle = Duration::from_secs(30);
    let start = tokio::time::Instant::now();
    let inner =
        stream::iter([Ok::<_, std::io::Error>(&b"data: a\n\n"[..])]).chain(stream::pending());
    let mut events = EventStream::new(inner).with_idle_timeout(idle);
    assert_eq!(events.next().await.unwrap().unwrap(), message("a"));
    let error = events.next().await.unwrap().unwrap_err();
    assert!(matches!(error, StreamError::IdleTimeout(d) if d == idle));
    assert_eq!(error.to_string(), "no data received for 30s");
    assert_eq!(start.elapsed(), idle);
    assert!(events.next().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn idle_timeout_does_not_fire_while_chunks_keep_arriving() {
    let idle = Duration::from_secs(10);
    let start = tokio::time::Instant::now();
    // A keep-alive every 9 s for 15 minutes, then an event, then silence.
    let inner = stream::unfold(0u32, move |n| async move {
        tokio::time::sleep(Duration::from_secs(9)).await;
        let chunk: &[u8] = match n {
            0..100 => b": keep-alive\n",
            100 => b"data: finally\n\n",
            _ => return None,
        };
        Some((Ok::<_, std::io::Error>(chunk), n + 1))
    })
    .chain(stream::pending());
    let mut events = EventStream::new(Box::pin(inner)).with_idle_timeout(idle);
    assert_eq!(events.next().await.unwrap().unwrap(), message("finally"));
    assert_eq!(start.elapsed(), Duration::from_secs(9 * 101));
    // Then the unfold's last 9 s sleep ends it and `pending` stays silent: the timeout
    // counts from the last chunk, not from the last poll.
    let error = events.next().await.unwrap().unwrap_err();
    assert!(matches!(error, StreamError::IdleTimeout(_)));
    assert_eq!(start.elapsed(), Duration::from_secs(9 * 101) + idle);
}

#[tokio::test(start_paused = true)]
async fn idle_timeout_does_not_count_time_spent_by_the_caller() {
    let idle = Duration::from_secs(30);
    let start = tokio::time::Instant::now();
    let inner = stream::iter([Ok::<_, std::io::Error>(&b"data: a\n\ndata: b\n\n"[..])])
        .chain(stream::pending());
    let mut events = EventStream::new(inner).with_idle_timeout(idle);
    assert_eq!(events.next().await.unwrap().unwrap(), message("a"));
    // The caller is busy for longer than the idle timeout...
    tokio::time::sleep(Duration::from_secs(45)).await;
    // ...which neither loses the buffered event nor counts as silence.
    assert_eq!(events.next().await.unwrap().unwrap(), message("b"));
    tokio::time::sleep(Duration::from_secs(45)).await;
    let error = events.next().await.unwrap().unwrap_err();
    assert!(matches!(error, StreamError::IdleTimeout(_)));
    assert_eq!(start.elapsed(), Duration::from_secs(90) + idle);
}

#[tokio::test(start_paused = true)]
async fn without_idle_timeout_a_silent_stream_just_waits() {
    let inner = stream::pending::<Result<&'static [u8], std::io::Error>>();
    let mut events = EventStream::new(inner);
    let waited = tokio::time::timeout(Duration::from_secs(24 * 3600), events.next()).await;
    assert!(waited.is_err());
}

// The same adapter under the client's byte streams: chunks pass through untouched.

#[tokio::test(start_paused = true)]
async fn idle_timeout_on_raw_chunks_waits_only_while_waiting_then_ends() {
    let idle = Duration::from_secs(30);
    let start = tokio::time::Instant::now();
    let inner = stream::iter([Ok::<_, std::io::Error>(&b"01234"[..])]).chain(stream::pending());
    let mut chunks = IdleTimeout::new(inner, Some(idle));
    assert_eq!(chunks.next().await.unwrap().unwrap(), b"01234");
    // Time spent by the caller between two polls is not silence.
    tokio::time::sleep(Duration::from_secs(45)).await;
    let error = chunks.next().await.unwrap().unwrap_err();
    assert!(matches!(error, StreamError::IdleTimeout(d) if d == idle));
    assert_eq!(start.elapsed(), Duration::from_secs(45) + idle);
    assert!(chunks.next().await.is_none());
}

#[tokio::test]
async fn idle_timeout_on_raw_chunks_forwards_a_transport_error_once() {
    let inner = chunk_stream(vec![Err(std::io::Error::other("reset")), Ok(b"never read")]);
    let mut chunks = IdleTimeout::new(inner, Some(Duration::from_secs(1)));
    assert!(matches!(
        chunks.next().await,
        Some(Err(StreamError::Transport(_)))
    ));
    assert!(chunks.next().await.is_none());
}

// ---------------------------------------------------------------- properties

#[derive(Debug, Clone)]
struct GenEvent {
    comment: Option<String>,
    name: Option<String>,
    id: Option<String>,
    retry: Option<u32>,
    data: Vec<String>,
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::any(),
            2 => Just(' '),
            1 => Just(':'),
            1 => Just('é'),
            1 => Just('😀'),
            1 => Just('\u{FEFF}'),
        ],
        0..max,
    )
    .prop_map(|chars| {
        chars
            .into_iter()
            .filter(|c| !matches!(c, '\r' | '\n'))
            .collect()
    })
}

fn gen_event() -> impl Strategy<Value = GenEvent> {
    (
        proptest::option::of(text(10)),
        proptest::option::of(text(10)),
        proptest::option::of(text(8).prop_map(|id| id.replace('\0', ""))),
        proptest::option::of(any::<u32>()),
        proptest::collection::vec(text(40), 1..4),
    )
        .prop_map(|(comment, name, id, retry, data)| GenEvent {
            comment,
            name,
            id,
            retry,
            data,
        })
}

/// One serialized line, `value_form` choosing between `name: value`, `name:value` and
/// (for empty values) `name`.
fn field(name: &str, value: &str, value_form: u8) -> String {
    match value_form % 3 {
        0 => format!("{name}: {value}"),
        1 if !value.starts_with(' ') => format!("{name}:{value}"),
        2 if value.is_empty() => name.to_owned(),
        _ => format!("{name}: {value}"),
    }
}

fn serialize(events: &[GenEvent], bom: bool, choices: &[u8]) -> Vec<u8> {
    let mut lines = Vec::new();
    for e in events {
        if let Some(comment) = &e.comment {
            lines.push(format!(":{comment}"));
        }
        if let Some(name) = &e.name {
            lines.push(field("event", name, 0));
        }
        if let Some(id) = &e.id {
            lines.push(field("id", id, 0));
        }
        if let Some(retry) = e.retry {
            lines.push(format!("retry: {retry}"));
        }
        for data in &e.data {
            lines.push(field("data", data, 0));
        }
        lines.push(String::new());
    }
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut previous_cr = false;
    for (i, mut line) in lines.into_iter().enumerate() {
        let choice = choices.get(i % choices.len().max(1)).copied().unwrap_or(0);
        // Re-render field lines in the form picked for this line.
        if let Some((name, value)) = line.split_once(": ")
            && matches!(name, "event" | "id" | "data")
        {
            line = field(name, value, choice / 3);
        }
        let mut ending: &[u8] = match choice % 3 {
            0 => b"\n",
            1 => b"\r\n",
            _ => b"\r",
        };
        // A CR followed by an empty line ended by LF would read as one CRLF.
        if previous_cr && line.is_empty() && ending == b"\n" {
            ending = b"\r\n";
        }
        previous_cr = ending == b"\r";
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(ending);
    }
    out
}

fn expected(events: &[GenEvent]) -> Vec<Item> {
    let mut last_id = None;
    events
        .iter()
        .map(|e| {
            if let Some(id) = &e.id {
                last_id = (!id.is_empty()).then(|| id.clone());
            }
            Ok(Event {
                event: e
                    .name
                    .clone()
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| "message".to_owned()),
                data: e.data.join("\n"),
                id: last_id.clone(),
                retry: e.retry.map(u64::from),
            })
        })
        .collect()
}

fn split_at_points(input: &[u8], points: &[prop::sample::Index]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = points.iter().map(|p| p.index(input.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut chunks = Vec::new();
    let mut start = 0;
    for cut in cuts {
        chunks.push(input[start..cut].to_vec());
        start = cut;
    }
    chunks.push(input[start..].to_vec());
    chunks
}

fn decode_owned(max: usize, chunks: &[Vec<u8>]) -> Vec<Item> {
    let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    decode_with(max, &chunks)
}

proptest! {
    #[test]
    fn events_survive_any_chunking(
        events in proptest::collection::vec(gen_event(), 0..8),
        bom in any::<bool>(),
        choices in proptest::collection::vec(any::<u8>(), 1..64),
        points in proptest::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        let input = serialize(&events, bom, &choices);
        let max = Decoder::DEFAULT_MAX_LINE_LEN;
        let whole = decode_with(max, &[&input]);
        prop_assert_eq!(&whole, &expected(&events));
        let chunks = split_at_points(&input, &points);
        prop_assert_eq!(&decode_owned(max, &chunks), &whole);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(&decode_with(max, &bytes), &whole);
    }

    #[test]
    fn arbitrary_bytes_decode_the_same_in_any_chunking(
        tokens in proptest::collection::vec(
            prop::sample::select(vec![
                &b"\r"[..], b"\n", b"\r\n", b":", b" ", b"data", b"data:", b"event", b"id",
                b"retry", b"x", b"7", b"\xC3\xA9", b"\xEF\xBB\xBF", b"\xEF", b"\xBB", b"\xFF",
                b"\0", b": c",
            ]),
            0..120,
        ),
        max in prop_oneof![Just(Decoder::DEFAULT_MAX_LINE_LEN), 0usize..24],
        points in proptest::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        let input = tokens.concat();
        let whole = decode_with(max, &[&input]);
        let chunks = split_at_points(&input, &points);
        prop_assert_eq!(&decode_owned(max, &chunks), &whole);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(&decode_with(max, &bytes), &whole);
    }
}

#[test]
fn endless_short_data_lines_do_not_grow_one_event_without_bound() {
    let mut decoder = Decoder::new().with_max_event_len(64);
    assert_eq!(decoder.max_event_len(), 64);
    for _ in 0..1000 {
        decoder.push(b"data: abc\n");
    }
    assert_eq!(
        decoder.next_event(),
        Some(Err(DecodeError::EventTooLarge { max: 64 }))
    );
    assert_eq!(decoder.next_event(), None, "reported once");
    assert!(decoder.buffered_capacity() <= 64 * 1024);
    // Empty `data` lines count too (each adds a newline).
    decoder.push(b"\n");
    for _ in 0..100 {
        decoder.push(b"data\n");
    }
    assert_eq!(
        decoder.next_event(),
        Some(Err(DecodeError::EventTooLarge { max: 64 }))
    );
    // The rest of the block is dropped; the next block decodes.
    decoder.push(b"data: still\n\ndata: next\n\n");
    assert_eq!(decoder.next_event(), Some(Ok(message("next"))));
}

#[test]
fn the_default_event_bound_is_the_line_bound_and_covers_streamed_lines() {
    let mut decoder = Decoder::new();
    assert_eq!(
        Decoder::DEFAULT_MAX_EVENT_LEN,
        Decoder::DEFAULT_MAX_LINE_LEN
    );
    assert_eq!(decoder.max_event_len(), Decoder::DEFAULT_MAX_EVENT_LEN);
    // 64 KiB data lines, each well under the line bound, past the event bound together.
    let line = format!("data: {}\n", "x".repeat(64 * 1024));
    let mut found = None;
    for _ in 0..100 {
        decoder.push(line.as_bytes());
        if let Some(item) = decoder.next_event() {
            found = Some(item);
            break;
        }
    }
    let max = Decoder::DEFAULT_MAX_EVENT_LEN;
    assert_eq!(found, Some(Err(DecodeError::EventTooLarge { max })));
    assert!(decoder.buffered_capacity() <= 2 * max);

    // A single long line, streamed into the data buffer, is bounded by the event bound too.
    let mut decoder = Decoder::with_max_line_len(1 << 20).with_max_event_len(1000);
    decoder.push(b"data: ");
    decoder.push(&[b'y'; 20_000]);
    assert_eq!(
        decoder.next_event(),
        Some(Err(DecodeError::EventTooLarge { max: 1000 }))
    );
}

#[tokio::test]
async fn an_event_stream_ends_with_a_typed_error_on_an_endless_event() {
    let chunks: Vec<Result<&[u8], std::io::Error>> =
        (0..100).map(|_| Ok(&b"data: 0123\n"[..])).collect();
    let mut events = EventStream::new(chunk_stream(chunks)).with_max_event_len(100);
    assert!(matches!(
        events.next().await.unwrap(),
        Err(StreamError::Decode(DecodeError::EventTooLarge { max: 100 }))
    ));
    assert!(events.next().await.is_none());
}

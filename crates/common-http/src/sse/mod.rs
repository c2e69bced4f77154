//! Server-sent events (`text/event-stream`) decoding.
//!
//! Two vendors stream answers as server-sent events, and their HTTP bodies arrive in
//! arbitrary pieces: a TCP segment can end in the middle of a line, in the middle of a
//! `\r\n` pair, or in the middle of a multi-byte UTF-8 character. This module turns
//! those pieces back into [`Event`]s exactly as a browser's `EventSource` would, following
//! the WHATWG HTML standard, section "Interpreting an event stream"
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>).
//!
//! It has two layers:
//!
//! - [`Decoder`] is a push parser with no I/O: feed it byte chunks with
//!   [`Decoder::push`], pull finished events with [`Decoder::next_event`]. It is usable
//!   from any runtime, and from tests, without a network.
//! - [`EventStream`] adapts any `Stream` of byte chunks (for instance
//!   `reqwest::Response::bytes_stream()`) into a `Stream` of events, and adds an optional
//!   idle timeout: a stream may legitimately stay open for hours, so it never has a total
//!   timeout, only a bound on the silence between two chunks.
//!
//! Where this module deliberately departs from the browser behaviour (the browser has
//! no way to report errors, an API client does), the difference is an error, never a
//! silent change of data:
//!
//! - Invalid UTF-8 in a value that ends up in an [`Event`] is reported as
//!   [`DecodeError::InvalidUtf8`] instead of being replaced by U+FFFD.
//! - A line longer than the configured maximum is reported as
//!   [`DecodeError::LineTooLong`] instead of being buffered without bound, and an event
//!   whose data grows past the maximum event size (endless short `data` lines) as
//!   [`DecodeError::EventTooLarge`].
//!
//! ```
//! use common_http::sse::Decoder;
//!
//! let mut decoder = Decoder::new();
//! decoder.push(b"event: delta\ndata: {\"text\":");
//! assert!(decoder.next_event().is_none()); // the event is not complete yet
//! decoder.push(b"\"hi\"}\r\n\r\n");
//! let event = decoder.next_event().unwrap().unwrap();
//! assert_eq!(event.event, "delta");
//! assert_eq!(event.data, r#"{"text":"hi"}"#);
//! ```

mod decoder;
mod idle;
mod stream;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use decoder::Decoder;
pub(crate) use idle::IdleTimeout;
pub use stream::EventStream;

/// One dispatched server-sent event.
///
/// Only blocks that carried at least one `data` field become events; blocks made only
/// of `id`, `event`, `retry` fields or comments are consumed by the decoder (their `id`
/// and `retry` are still remembered, see [`Decoder::last_event_id`] and
/// [`Decoder::reconnection_time`]). The struct is `#[non_exhaustive]` so that fields
/// can be added later; build one with `Event::default()` and assign the fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Event {
    /// The event type: the value of the block's last `event` field, or `"message"`
    /// when the block had none (or an empty one), as `EventSource` reports it.
    pub event: String,
    /// The values of the block's `data` fields, joined with `"\n"` (no trailing
    /// newline). Can be empty when the block had a single empty `data` field.
    pub data: String,
    /// The stream's last event id at the time this event was dispatched.
    ///
    /// Per the standard the id is sticky: an `id` field sets it for this and every
    /// following event until another `id` field changes it, so an event whose own block
    /// had no `id` field still carries the previous one. It is the value to send back as
    /// `Last-Event-ID` when reconnecting. `None` when no id was ever set, or when an empty
    /// `id` field reset it.
    pub id: Option<String>,
    /// The reconnection delay in milliseconds, if this event's own block carried a valid
    /// `retry` field (ASCII digits only). Unlike `id` it is not repeated on later events;
    /// [`Decoder::reconnection_time`] keeps the latest value.
    pub retry: Option<u64>,
}

/// Why a [`Decoder`] rejected part of its input.
///
/// After an error the decoder drops the rest of the event block it occurred in (up to
/// and including the next empty line), so a damaged event is never dispatched with some
/// of its lines missing; decoding resumes with the following block. [`EventStream`] goes
/// further and ends the stream after reporting the error once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A line (not counting its line ending) exceeded the maximum line length.
    ///
    /// The limit exists so that a broken or hostile server cannot make the client buffer
    /// an unbounded line. The decoder stops buffering as soon as the limit is crossed and
    /// skips the rest of the line without storing it. Comment lines are never buffered
    /// and therefore are exempt.
    #[error("SSE line longer than {max} bytes")]
    LineTooLong {
        /// The configured maximum line length, in bytes.
        max: usize,
    },
    /// One event's data (its `data` values and the newlines between them) exceeded the
    /// maximum event size ([`Decoder::with_max_event_len`]).
    ///
    /// The line bound alone does not bound an event: a server sending endless short `data`
    /// lines without the empty line that ends the event would grow it forever. The decoder
    /// stops buffering as soon as the bound is crossed and drops the rest of the block.
    #[error("SSE event larger than {max} bytes")]
    EventTooLarge {
        /// The configured maximum event size, in bytes.
        max: usize,
    },
    /// A `data`, `event` or `id` value was not valid UTF-8.
    ///
    /// The standard decodes the stream as UTF-8 with replacement characters; for an API
    /// client, silently altered data is worse than an error. An `event` or `id` line is
    /// checked when it ends; the data of an event is checked as a whole when the event is
    /// dispatched, and the error then takes the event's place. Bytes that never reach an
    /// [`Event`] (comments, unknown fields) are not checked.
    #[error("SSE stream is not valid UTF-8")]
    InvalidUtf8,
}

/// An error yielded by [`EventStream`]. After yielding one, the stream ends.
///
/// `E` is the error type of the underlying byte stream (for instance `reqwest::Error`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError<E> {
    /// The bytes received could not be decoded as an event stream.
    #[error(transparent)]
    Decode(DecodeError),
    /// No chunk arrived for the configured idle duration (see
    /// [`EventStream::with_idle_timeout`]). The server or the network has most likely
    /// gone silent; the caller may reconnect, sending [`EventStream::last_event_id`].
    #[error("no data received for {0:?}")]
    IdleTimeout(Duration),
    /// The underlying byte stream failed (connection reset, body read error, ...).
    #[error("transport error while reading the event stream")]
    Transport(#[source] E),
}

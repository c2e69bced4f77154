//! The push parser: bytes in, events out, no I/O.

use std::fmt;
use std::time::Duration;

use memchr::{memchr, memchr2};

use super::{DecodeError, Event};

type Item = Result<Event, DecodeError>;

/// The UTF-8 byte order mark, stripped once at the very start of a stream.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Prefix of the only field whose value is streamed straight into the data buffer.
const DATA_PREFIX: &[u8] = b"data:";

/// An unfinished `data` line is held in the line buffer up to this length, and streamed
/// into the data buffer beyond it.
///
/// Holding it costs one more copy of the line; streaming costs one more UTF-8 validation
/// call per chunk boundary the line crosses, plus the bookkeeping of a character cut in
/// two. For the usual event of a few KiB, cut once or twice by the transport, the copy is
/// the cheaper (about 8 % on 1 KiB events in 1,460-byte chunks, see BENCHMARKS.md); for a
/// line of megabytes, streaming avoids copying it twice.
const HELD_DATA_LINE_MAX: usize = 8 * 1024;

/// Scratch buffers are kept between lines/events up to this capacity, and released
/// above it, so that one huge event does not pin megabytes for the stream's lifetime.
const RETAINED_CAPACITY: usize = 64 * 1024;

/// Where the decoder is inside the line that the input has not finished yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Nothing of the current line has been seen: the next byte starts a line.
    Start,
    /// The bytes seen so far are held in `Decoder::line_buf`.
    Buffered,
    /// A `data` line longer than [`HELD_DATA_LINE_MAX`], whose value is appended to
    /// `Decoder::data` as it arrives, so it is copied once, not once into a line buffer
    /// and again into the data. `space_pending`: no byte of the value has arrived yet, so
    /// the single optional leading space still has to be stripped.
    Data { space_pending: bool },
    /// The rest of the line is dropped: a comment, a line of a block being skipped after
    /// an error, or a line that exceeded the length limit.
    Discard,
}

/// Push-based event-stream decoder: feed byte chunks, pull events.
///
/// The decoder performs no I/O, so the same code serves [`EventStream`](super::EventStream),
/// other runtimes and tests. Chunks may be split anywhere (inside a line, between `\r` and
/// `\n`, inside a UTF-8 character, inside the leading byte order mark): the events are
/// the same as if the whole stream had arrived at once.
///
/// # How it follows the standard
///
/// - Lines end with `\r\n`, `\n` or `\r`. A `\r` ends its line at once (the decoder never
///   waits for the next chunk to decide) and a `\n` right after it, even in the next
///   chunk, is skipped.
/// - A leading UTF-8 byte order mark is stripped once, at the start of the stream only.
/// - Lines starting with `:` are comments. `name:value` has one leading space of the
///   value removed; a line without a colon is a field with an empty value.
/// - `event` sets the type, `data` appends its value and a newline, `id` sets the last
///   event id unless the value contains NUL, `retry` is accepted only if made of ASCII
///   digits (and fitting in a `u64`). Other fields are ignored.
/// - An empty line dispatches the block: nothing is dispatched when no `data` field was
///   seen, otherwise the final newline is removed and the type defaults to `"message"`.
///
/// # Performance
///
/// Each byte is scanned once (with SIMD `memchr`), even when a long line arrives in many
/// small chunks: scanning resumes in the new bytes instead of restarting at the line
/// start. Complete lines are parsed in place and `data` values are appended straight to
/// the event's data `String`, validated as UTF-8 with SIMD on the way in (one call per
/// line), so the event takes the buffer without another pass. Only the unfinished line at
/// the end of the input is set aside; a `data` line longer than 8 KiB is instead streamed
/// into the data buffer as it arrives, so a line of megabytes is not copied twice.
/// Parsing is lazy: [`push`](Self::push) only stores the chunk, and
/// each [`next_event`](Self::next_event) parses just far enough to produce one event, so
/// a large chunk never materialises all its events at once.
///
/// ```
/// use common_http::sse::Decoder;
///
/// let mut decoder = Decoder::new();
/// let mut events = Vec::new();
/// for chunk in [&b"id: 7\ndata: hel"[..], b"lo\ndata: world\n", b"\n: keep-alive\n\n"] {
///     decoder.push(chunk);
///     while let Some(event) = decoder.next_event() {
///         events.push(event?);
///     }
/// }
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].event, "message");
/// assert_eq!(events[0].data, "hello\nworld");
/// assert_eq!(events[0].id.as_deref(), Some("7"));
/// # Ok::<(), common_http::sse::DecodeError>(())
/// ```
pub struct Decoder {
    max_line_len: usize,
    /// The largest data of one event (its `data` values and the newlines between them).
    max_event_len: usize,
    /// Bytes pushed but not parsed yet, from `pending_pos` on.
    pending: Vec<u8>,
    pending_pos: usize,
    /// `Some(n)`: still at the start of the stream, `n` bytes of the BOM matched so far.
    bom_matched: Option<u8>,
    /// The previous input ended with `\r`: a `\n` starting the next one belongs to it.
    skip_lf: bool,
    line: Line,
    /// Length so far of the unfinished line, for the line length limit.
    line_len: usize,
    /// Bytes of the unfinished line when `line` is [`Line::Buffered`].
    line_buf: Vec<u8>,
    /// An error occurred in the current block: ignore lines up to the next empty line.
    skip_block: bool,
    /// The data buffer: the `data` values so far, each followed by `\n`. Values are
    /// validated as UTF-8 as they are appended (see `append_data`), so dispatching hands
    /// the buffer over as the event's `String` without a second pass.
    data: String,
    /// The first bytes of a character split across chunks, held back until it completes.
    carry: [u8; 4],
    carry_len: usize,
    /// Some of this block's data was not UTF-8: it dispatches an error instead of an event.
    data_invalid: bool,
    /// The event type buffer.
    event_type: String,
    /// The last event id buffer; empty means no id.
    last_event_id: String,
    /// A valid `retry` seen in the current block.
    block_retry: Option<u64>,
    /// The latest valid `retry` of the whole stream.
    reconnection_time: Option<u64>,
    /// The event or error completed by the last line parsed. Parsing stops as soon as
    /// this is set: one line completes at most one item.
    ready: Option<Item>,
}

impl Decoder {
    /// Default bound on one line's length: 4 MiB.
    ///
    /// Far above any event a vendor sends (a `data` line carrying a large JSON document is
    /// typically well under 1 MiB) while still bounding what a misbehaving server can make
    /// the client buffer.
    pub const DEFAULT_MAX_LINE_LEN: usize = 4 * 1024 * 1024;

    /// The default maximum size of one event's data, in bytes: the same 4 MiB as a line,
    /// so that endless short `data` lines cannot grow one event without bound either.
    pub const DEFAULT_MAX_EVENT_LEN: usize = Self::DEFAULT_MAX_LINE_LEN;

    /// A decoder with the default maximum line length, [`Self::DEFAULT_MAX_LINE_LEN`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_max_line_len(Self::DEFAULT_MAX_LINE_LEN)
    }

    /// A decoder that rejects lines longer than `max` bytes (line ending excluded) with
    /// [`DecodeError::LineTooLong`].
    ///
    /// Use a smaller limit when events are known to be small and memory is tight, a
    /// larger one for vendors that put whole documents in a single `data` line.
    #[must_use]
    pub fn with_max_line_len(max: usize) -> Self {
        Self {
            max_line_len: max,
            max_event_len: Self::DEFAULT_MAX_EVENT_LEN,
            pending: Vec::new(),
            pending_pos: 0,
            bom_matched: Some(0),
            skip_lf: false,
            line: Line::Start,
            line_len: 0,
            line_buf: Vec::new(),
            skip_block: false,
            data: String::new(),
            carry: [0; 4],
            carry_len: 0,
            data_invalid: false,
            event_type: String::new(),
            last_event_id: String::new(),
            block_retry: None,
            reconnection_time: None,
            ready: None,
        }
    }

    /// The maximum line length this decoder accepts, in bytes.
    #[must_use]
    pub fn max_line_len(&self) -> usize {
        self.max_line_len
    }

    /// Rejects an event whose data (its `data` values, each followed by a newline) grows
    /// past `max` bytes with [`DecodeError::EventTooLarge`], instead of buffering it
    /// (default [`Self::DEFAULT_MAX_EVENT_LEN`]). The rest of that event's block is
    /// dropped, like after any other error.
    #[must_use]
    pub fn with_max_event_len(mut self, max: usize) -> Self {
        self.max_event_len = max;
        self
    }

    /// The maximum size of one event's data this decoder accepts, in bytes.
    #[must_use]
    pub fn max_event_len(&self) -> usize {
        self.max_event_len
    }

    /// Feeds the next chunk of the stream.
    ///
    /// Chunks may be split at any byte. The chunk is only stored here; the events it
    /// completes are parsed and returned by [`next_event`](Self::next_event). Drain
    /// `next_event` before pushing more, or unparsed input accumulates.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.pending_pos > 0 {
            // Drop what was parsed; usually everything, so nothing is moved.
            self.pending.drain(..self.pending_pos);
            self.pending_pos = 0;
        }
        self.pending.extend_from_slice(chunk);
    }

    /// The next complete event (or error), in stream order, if any.
    ///
    /// Returns `None` when the input pushed so far holds no further complete event; push
    /// more bytes and call again.
    pub fn next_event(&mut self) -> Option<Result<Event, DecodeError>> {
        if let Some(item) = self.ready.take() {
            return Some(item);
        }
        if self.pending_pos < self.pending.len() {
            let pending = std::mem::take(&mut self.pending);
            let consumed = self.decode(&pending[self.pending_pos..]);
            self.pending = pending;
            self.pending_pos += consumed;
        }
        if self.pending_pos == self.pending.len() {
            if self.pending.capacity() > RETAINED_CAPACITY {
                self.pending = Vec::new();
            } else {
                self.pending.clear();
            }
            self.pending_pos = 0;
        }
        self.ready.take()
    }

    /// Signals the end of the stream and drains what is left.
    ///
    /// Events that were already complete are returned first, one per call, exactly like
    /// [`next_event`](Self::next_event). An unfinished trailing event — a block that did
    /// not end with an empty line, or a final line without a line ending — is
    /// **discarded**, as the standard requires ("if the file ends in the middle of an
    /// event, before the final empty line, the incomplete event is not dispatched"): a
    /// truncated body must not look like a complete answer. So this returns `None` once
    /// the complete events are drained; it never reports the truncation itself.
    ///
    /// Afterwards the decoder is ready for a new stream (a reconnection): a byte order
    /// mark is accepted again, while [`last_event_id`](Self::last_event_id) and
    /// [`reconnection_time`](Self::reconnection_time) are kept, as `EventSource` keeps
    /// them across reconnections.
    pub fn finish(&mut self) -> Option<Result<Event, DecodeError>> {
        if let Some(item) = self.next_event() {
            return Some(item);
        }
        self.bom_matched = Some(0);
        self.skip_lf = false;
        self.line = Line::Start;
        self.line_len = 0;
        self.line_buf.clear();
        self.skip_block = false;
        self.clear_data();
        self.event_type.clear();
        self.block_retry = None;
        None
    }

    /// The last event id seen so far, as `EventSource` tracks it: `None` until an `id`
    /// field sets it, and after an empty `id` field resets it.
    ///
    /// It is updated even by blocks that dispatch no event, which is why it is exposed
    /// here and not only on [`Event::id`]: it is the value for the `Last-Event-ID` header
    /// when reconnecting.
    #[must_use]
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.last_event_id.is_empty()).then_some(self.last_event_id.as_str())
    }

    /// The latest reconnection delay the server asked for with a `retry` field, if any.
    ///
    /// Servers often send `retry` in a block of its own, which dispatches no event; this
    /// keeps the value available to a reconnecting caller.
    #[must_use]
    pub fn reconnection_time(&self) -> Option<Duration> {
        self.reconnection_time.map(Duration::from_millis)
    }

    /// Forgets all input and frees the buffers, keeping `last_event_id` and
    /// `reconnection_time`. Used by [`EventStream`](super::EventStream) once it has ended.
    pub(super) fn release(&mut self) {
        *self = Self {
            last_event_id: std::mem::take(&mut self.last_event_id),
            reconnection_time: self.reconnection_time,
            ..Self::with_max_line_len(self.max_line_len).with_max_event_len(self.max_event_len)
        };
    }

    /// Capacity of the buffers holding unfinished lines and events (tests only).
    #[cfg(test)]
    pub(super) fn buffered_capacity(&self) -> usize {
        self.line_buf.capacity() + self.data.capacity()
    }

    /// Parses `input`, the continuation of everything parsed before, until one event or
    /// error is complete (then available from `take_ready`) or the input is exhausted.
    /// Returns how many bytes were consumed; the caller passes the rest next time.
    pub(super) fn decode(&mut self, input: &[u8]) -> usize {
        let total = input.len();
        let mut input = input;
        if let Some(mut matched) = self.bom_matched {
            // Still at the start of the stream: the BOM may arrive split across chunks.
            loop {
                if usize::from(matched) == BOM.len() {
                    self.bom_matched = None;
                    break;
                }
                let Some((&byte, rest)) = input.split_first() else {
                    self.bom_matched = Some(matched);
                    return total;
                };
                if byte != BOM[usize::from(matched)] {
                    // Not a BOM after all: the bytes held back start the first line.
                    self.bom_matched = None;
                    if matched > 0 {
                        self.start_partial(&BOM[..usize::from(matched)]);
                    }
                    break;
                }
                matched += 1;
                input = rest;
            }
        }
        if self.skip_lf {
            let Some((&first, rest)) = input.split_first() else {
                return total;
            };
            self.skip_lf = false;
            if first == b'\n' {
                input = rest;
            }
        }
        if self.line != Line::Start {
            // Resume the unfinished line; only the new bytes are scanned.
            let Some(end) = find_line_end(input) else {
                self.extend_partial(input);
                return total;
            };
            self.extend_partial(&input[..end]);
            self.end_partial();
            input = self.after_line_ending(input, end);
            if self.ready.is_some() {
                return total - input.len();
            }
        }
        while let Some(&first) = input.first() {
            // Empty lines (dispatch) are frequent: spare them the vector search.
            let end = if first == b'\n' || first == b'\r' {
                0
            } else if let Some(end) = find_line_end(input) {
                end
            } else {
                self.start_partial(input);
                return total;
            };
            self.process_line(&input[..end]);
            input = self.after_line_ending(input, end);
            if self.ready.is_some() {
                return total - input.len();
            }
        }
        total
    }

    /// Takes the item completed by [`decode`](Self::decode), if any.
    pub(super) fn take_ready(&mut self) -> Option<Item> {
        self.ready.take()
    }

    /// The input after the line ending at `input[end]`, which is `\r` or `\n`.
    fn after_line_ending<'a>(&mut self, input: &'a [u8], end: usize) -> &'a [u8] {
        let rest = &input[end + 1..];
        if input[end] == b'\r' {
            match rest.split_first() {
                Some((&b'\n', after)) => return after,
                None => self.skip_lf = true,
                Some(_) => {}
            }
        }
        rest
    }

    /// Begins an unfinished line with `bytes` (non-empty, no line ending).
    fn start_partial(&mut self, bytes: &[u8]) {
        self.line_len = bytes.len();
        if self.skip_block || bytes.first() == Some(&b':') {
            self.line = Line::Discard;
        } else if bytes.len() > self.max_line_len {
            self.line_too_long();
        } else if bytes.len() > HELD_DATA_LINE_MAX
            && let Some(value) = bytes.strip_prefix(DATA_PREFIX)
        {
            self.start_data(value);
        } else {
            self.line = Line::Buffered;
            self.line_buf.extend_from_slice(bytes);
        }
    }

    /// Switches to streaming a data line whose value so far is `value`.
    fn start_data(&mut self, value: &[u8]) {
        let (space_pending, value) = match value.split_first() {
            None => (true, value),
            Some((&b' ', rest)) => (false, rest),
            Some(_) => (false, value),
        };
        self.line = Line::Data { space_pending };
        self.append_data(value);
    }

    /// Appends `bytes` (possibly empty, no line ending) to the unfinished line.
    fn extend_partial(&mut self, bytes: &[u8]) {
        match self.line {
            Line::Discard => return,
            Line::Start => {
                if !bytes.is_empty() {
                    self.start_partial(bytes);
                }
                return;
            }
            Line::Buffered | Line::Data { .. } => {}
        }
        self.line_len += bytes.len();
        if self.line_len > self.max_line_len {
            self.line_too_long();
            return;
        }
        if let Line::Data { space_pending } = self.line {
            let value = match bytes.split_first() {
                Some((&b' ', rest)) if space_pending => rest,
                _ => bytes,
            };
            if !bytes.is_empty() {
                self.line = Line::Data {
                    space_pending: false,
                };
            }
            self.append_data(value);
        } else {
            self.line_buf.extend_from_slice(bytes);
            if self.line_buf.len() > HELD_DATA_LINE_MAX && self.line_buf.starts_with(DATA_PREFIX) {
                // A long data line: stream the rest from now on.
                let mut buf = std::mem::take(&mut self.line_buf);
                self.start_data(&buf[DATA_PREFIX.len()..]);
                buf.clear();
                self.line_buf = buf;
            }
        }
    }

    /// The unfinished line just reached its line ending.
    fn end_partial(&mut self) {
        let state = std::mem::replace(&mut self.line, Line::Start);
        self.line_len = 0;
        match state {
            Line::Start | Line::Discard => {}
            Line::Data { .. } => self.end_data_line(),
            Line::Buffered => {
                let mut buf = std::mem::take(&mut self.line_buf);
                self.process_line(&buf);
                if buf.capacity() <= RETAINED_CAPACITY {
                    buf.clear();
                    self.line_buf = buf;
                }
            }
        }
    }

    /// Interprets one complete line (line ending excluded).
    fn process_line(&mut self, line: &[u8]) {
        let Some(&first) = line.first() else {
            self.dispatch();
            return;
        };
        if self.skip_block || first == b':' {
            return;
        }
        if line.len() > self.max_line_len {
            self.fail(DecodeError::LineTooLong {
                max: self.max_line_len,
            });
            return;
        }
        if let Some(value) = line.strip_prefix(DATA_PREFIX) {
            // The common case first, without looking for the colon.
            let value = value.strip_prefix(b" ").unwrap_or(value);
            self.push_data_line(value);
            return;
        }
        let (name, value) = match find_byte(b':', line) {
            Some(colon) => (&line[..colon], &line[colon + 1..]),
            None => (line, &b""[..]),
        };
        let value = value.strip_prefix(b" ").unwrap_or(value);
        let valid = match name {
            b"data" => {
                self.end_data_line(); // `data` without a colon: empty value
                true
            }
            b"event" => replace_text(&mut self.event_type, value),
            b"id" if find_byte(0, value).is_none() => replace_text(&mut self.last_event_id, value),
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // All digits, so the only possible failure is overflow: ignore the field,
                // as for any other value that is not a valid delay.
                if let Some(retry) = std::str::from_utf8(value)
                    .ok()
                    .and_then(|digits| digits.parse::<u64>().ok())
                {
                    self.block_retry = Some(retry);
                    self.reconnection_time = Some(retry);
                }
                true
            }
            _ => true,
        };
        if !valid {
            self.fail(DecodeError::InvalidUtf8);
        }
    }

    /// An empty line: dispatch the block.
    fn dispatch(&mut self) {
        let retry = self.block_retry.take();
        let skipped = std::mem::take(&mut self.skip_block);
        if skipped || (self.data.is_empty() && !self.data_invalid) {
            self.clear_data();
            self.event_type.clear();
            return;
        }
        if self.data_invalid {
            self.clear_data();
            self.event_type.clear();
            self.set_ready(Err(DecodeError::InvalidUtf8));
            return;
        }
        self.data.pop(); // the newline after the last value
        // Give the next event a buffer as large as this one's, avoiding regrowth.
        let next = String::with_capacity(self.data.capacity().min(RETAINED_CAPACITY));
        let data = std::mem::replace(&mut self.data, next);
        let event = if self.event_type.is_empty() {
            String::from("message")
        } else {
            std::mem::take(&mut self.event_type)
        };
        let id = (!self.last_event_id.is_empty()).then(|| self.last_event_id.clone());
        self.set_ready(Ok(Event {
            event,
            data,
            id,
            retry,
        }));
    }

    /// Appends part of a `data` value (no line ending), validating it as UTF-8 with SIMD
    /// (`simdutf8`) on the way in. A character cut by the end of a chunk is held back in
    /// `carry` and completed by the next bytes. Building the `String` directly is what
    /// lets dispatch skip `std`'s slower validation, which without `unsafe` is otherwise
    /// the only way from bytes to a `String` (see BENCHMARKS.md).
    fn append_data(&mut self, mut bytes: &[u8]) {
        if self.data_invalid {
            return;
        }
        if self.carry_len > 0 {
            let want = utf8_width(self.carry[0]);
            let take = (want - self.carry_len).min(bytes.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&bytes[..take]);
            self.carry_len += take;
            bytes = &bytes[take..];
            if self.carry_len < want {
                return;
            }
            self.carry_len = 0;
            match std::str::from_utf8(&self.carry[..want]) {
                Ok(c) => self.data.push_str(c),
                Err(_) => return self.invalid_data(),
            }
        }
        let whole = complete_prefix(bytes);
        match simdutf8::basic::from_utf8(&bytes[..whole]) {
            Ok(text) => self.data.push_str(text),
            Err(_) => return self.invalid_data(),
        }
        let tail = &bytes[whole..];
        self.carry[..tail.len()].copy_from_slice(tail);
        self.carry_len = tail.len();
        self.check_event_len();
    }

    /// Fails the event once its data grew past the event bound, and stops buffering it.
    fn check_event_len(&mut self) {
        if self.data.len() + self.carry_len <= self.max_event_len || self.skip_block {
            return;
        }
        if matches!(self.line, Line::Data { .. }) {
            self.line = Line::Discard;
        }
        self.fail(DecodeError::EventTooLarge {
            max: self.max_event_len,
        });
    }

    /// Appends the value of a whole `data` line, and its newline: one validation call, no
    /// character to carry over (a complete line cannot end inside one).
    fn push_data_line(&mut self, value: &[u8]) {
        debug_assert_eq!(
            self.carry_len, 0,
            "only a streamed line carries a character"
        );
        if self.data_invalid {
            return;
        }
        match simdutf8::basic::from_utf8(value) {
            Ok(text) => {
                self.data.push_str(text);
                self.data.push('\n');
                self.check_event_len();
            }
            Err(_) => self.invalid_data(),
        }
    }

    /// A `data` line ended: its value is complete.
    fn end_data_line(&mut self) {
        if self.carry_len > 0 {
            // The line ended inside a character.
            self.invalid_data();
        } else if !self.data_invalid {
            self.data.push('\n');
            self.check_event_len();
        }
    }

    fn invalid_data(&mut self) {
        self.data_invalid = true;
        self.carry_len = 0;
    }

    /// Empties the data buffer, releasing it when it grew large.
    fn clear_data(&mut self) {
        if self.data.capacity() > RETAINED_CAPACITY {
            self.data = String::new();
        } else {
            self.data.clear();
        }
        self.carry_len = 0;
        self.data_invalid = false;
    }

    /// The unfinished line exceeded the limit: report it and stop buffering it.
    fn line_too_long(&mut self) {
        self.line = Line::Discard;
        if self.line_buf.capacity() > RETAINED_CAPACITY {
            self.line_buf = Vec::new();
        } else {
            self.line_buf.clear();
        }
        self.fail(DecodeError::LineTooLong {
            max: self.max_line_len,
        });
    }

    /// Reports `error` and drops the rest of the current block.
    fn fail(&mut self, error: DecodeError) {
        self.set_ready(Err(error));
        self.skip_block = true;
        self.clear_data();
        self.event_type.clear();
        self.block_retry = None;
    }

    fn set_ready(&mut self, item: Item) {
        debug_assert!(self.ready.is_none(), "one line completes at most one item");
        self.ready = Some(item);
    }
}

/// How many leading bytes [`find_line_end`] and [`find_byte`] check one by one before
/// starting a vector search, which costs more than it saves on a short line.
const SCALAR_HEAD: usize = 16;

/// The position of the first `\n` or `\r` in `bytes`.
///
/// Short lines (`event: delta`, `id: 42`) are common: the first bytes are looked at one
/// by one, which costs less than setting up the vector search for them.
fn find_line_end(bytes: &[u8]) -> Option<usize> {
    let head = bytes.len().min(SCALAR_HEAD);
    if let Some(end) = bytes[..head].iter().position(|&b| b == b'\n' || b == b'\r') {
        return Some(end);
    }
    // Not even a call for an empty rest: the field lines are mostly that short.
    if head == bytes.len() {
        return None;
    }
    memchr2(b'\n', b'\r', &bytes[head..]).map(|end| end + head)
}

/// The position of the first `needle` in `bytes`: the field lines searched here
/// (`event: delta`, `id: 42`) are short, so the first bytes are looked at one by one
/// before the vector search is set up.
fn find_byte(needle: u8, bytes: &[u8]) -> Option<usize> {
    let head = bytes.len().min(SCALAR_HEAD);
    if let Some(at) = bytes[..head].iter().position(|&b| b == needle) {
        return Some(at);
    }
    if head == bytes.len() {
        return None;
    }
    memchr(needle, &bytes[head..]).map(|at| at + head)
}

/// Sets `buf` to `value` if it is UTF-8; false (and `buf` untouched) if it is not.
///
/// Event types and ids are short and nearly always ASCII: those are copied byte by byte
/// as chars, which needs no validation call (a call cost as much as the copy).
fn replace_text(buf: &mut String, value: &[u8]) -> bool {
    if value.is_ascii() {
        buf.clear();
        buf.extend(value.iter().map(|&b| char::from(b)));
        return true;
    }
    match std::str::from_utf8(value) {
        Ok(text) => {
            buf.clear();
            buf.push_str(text);
            true
        }
        Err(_) => false,
    }
}

/// The length of the UTF-8 sequence `lead` starts (1 for bytes that cannot start one:
/// validation then rejects them).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// The length of `bytes` without a trailing character that is cut short (at most 3
/// bytes: the start of a multi-byte sequence missing its last continuation bytes).
fn complete_prefix(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(3) {
        let byte = bytes[len - back];
        if byte & 0xC0 != 0x80 {
            // The last byte that is not a continuation byte starts the last character.
            return if utf8_width(byte) > back {
                len - back
            } else {
                len
            };
        }
    }
    len
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Decoder {
    // Sizes only: the buffers can hold megabytes, and event payloads have no place in
    // logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("max_line_len", &self.max_line_len)
            .field("unparsed_len", &(self.pending.len() - self.pending_pos))
            .field("partial_line_len", &self.line_len)
            .field("partial_data_len", &self.data.len())
            .field("last_event_id", &self.last_event_id())
            .field("reconnection_time", &self.reconnection_time())
            .finish_non_exhaustive()
    }
}

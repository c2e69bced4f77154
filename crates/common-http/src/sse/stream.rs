//! The async adapter: a `Stream` of byte chunks in, a `Stream` of events out.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::FusedStream;
use futures::{Stream, TryStream};

use super::{Decoder, Event, IdleTimeout, StreamError};

pin_project_lite::pin_project! {
    /// Server-sent events read from any stream of byte chunks.
    ///
    /// Wraps e.g. `reqwest::Response::bytes_stream()` (any `Stream<Item = Result<B, E>>`
    /// with `B: AsRef<[u8]>`, such as `bytes::Bytes`) and yields
    /// `Result<Event, StreamError<E>>`. Decoding is done by a [`Decoder`]; see it for the
    /// exact rules. Chunks are parsed in place, one event at a time: only a line left
    /// unfinished at the end of a chunk is copied.
    ///
    /// - The stream never has a total timeout: a conversation may stream for a long
    ///   time. [`with_idle_timeout`](Self::with_idle_timeout) bounds the silence between
    ///   two chunks instead, so a dead connection is noticed.
    /// - After a transport error, an idle timeout or a decode error, that error is
    ///   yielded once and the stream ends (`None`); a truncated event at the end of the
    ///   body is discarded. Reconnecting, with [`last_event_id`](Self::last_event_id),
    ///   is the caller's decision.
    /// - Dropping the stream stops everything: no task is spawned, the underlying body
    ///   is dropped with it.
    ///
    /// `EventStream<S>` is `Unpin` when `S` is, so `futures::StreamExt::next` can be
    /// called on it directly; otherwise pin it first (`std::pin::pin!`).
    ///
    /// ```
    /// use common_http::sse::EventStream;
    /// use futures::StreamExt as _;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let chunks = [&b"data: hel"[..], b"lo\n\n"].map(|chunk| Ok::<_, std::io::Error>(chunk));
    /// let mut events = EventStream::new(futures::stream::iter(chunks))
    ///     .with_idle_timeout(Duration::from_secs(30));
    /// let event = events.next().await.unwrap().unwrap();
    /// assert_eq!(event.data, "hello");
    /// assert!(events.next().await.is_none());
    /// # }
    /// ```
    pub struct EventStream<S: TryStream> {
        // The byte stream, behind the idle timeout (none unless one is set).
        #[pin]
        inner: IdleTimeout<S>,
        // The chunk being parsed, from `offset` on.
        chunk: Option<S::Ok>,
        offset: usize,
        decoder: Decoder,
        done: bool,
    }
}

impl<S: TryStream> EventStream<S> {
    /// Decodes `inner`, with no idle timeout and the default maximum line length
    /// ([`Decoder::DEFAULT_MAX_LINE_LEN`]).
    #[must_use]
    pub fn new(inner: S) -> Self {
        Self {
            inner: IdleTimeout::new(inner, None),
            chunk: None,
            offset: 0,
            decoder: Decoder::new(),
            done: false,
        }
    }

    /// Fails the stream with [`StreamError::IdleTimeout`] when it waits `idle` for a
    /// chunk without receiving one.
    ///
    /// The clock runs only while the stream is waiting on the underlying byte stream,
    /// and restarts with every chunk received (a comment-only keep-alive counts, which is
    /// what servers send it for). Time the caller spends between two polls does not
    /// count, and the total duration of the stream is never limited. The timer uses
    /// Tokio's time driver, so the stream must then be polled inside a Tokio runtime with
    /// time enabled; without an idle timeout the stream does not depend on Tokio at all.
    #[must_use]
    pub fn with_idle_timeout(mut self, idle: Duration) -> Self {
        self.inner.set_idle(idle);
        self
    }

    /// Rejects lines longer than `max` bytes with [`DecodeError::LineTooLong`](super::DecodeError::LineTooLong)
    /// (see [`Decoder::with_max_line_len`]).
    ///
    /// Call it before the first poll: it replaces the decoder, and with it any input
    /// already buffered.
    #[must_use]
    pub fn with_max_line_len(mut self, max: usize) -> Self {
        self.decoder =
            Decoder::with_max_line_len(max).with_max_event_len(self.decoder.max_event_len());
        self
    }

    /// Rejects events whose data grows past `max` bytes with
    /// [`DecodeError::EventTooLarge`](super::DecodeError::EventTooLarge) (see
    /// [`Decoder::with_max_event_len`]). Call it before the first poll.
    #[must_use]
    pub fn with_max_event_len(mut self, max: usize) -> Self {
        self.decoder =
            Decoder::with_max_line_len(self.decoder.max_line_len()).with_max_event_len(max);
        self
    }

    /// The last event id received, to send as `Last-Event-ID` when reconnecting. Also set
    /// by blocks that dispatch no event. See [`Decoder::last_event_id`].
    #[must_use]
    pub fn last_event_id(&self) -> Option<&str> {
        self.decoder.last_event_id()
    }

    /// The latest reconnection delay requested by the server with `retry`. See
    /// [`Decoder::reconnection_time`].
    #[must_use]
    pub fn reconnection_time(&self) -> Option<Duration> {
        self.decoder.reconnection_time()
    }

    /// The wrapped byte stream.
    #[must_use]
    pub fn get_ref(&self) -> &S {
        self.inner.get_ref()
    }
}

impl<S> Stream for EventStream<S>
where
    S: TryStream,
    S::Ok: AsRef<[u8]>,
{
    type Item = Result<Event, StreamError<S::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        let error = loop {
            if let Some(chunk) = this.chunk.as_ref() {
                let bytes = chunk.as_ref();
                *this.offset += this.decoder.decode(&bytes[*this.offset..]);
                if *this.offset == bytes.len() {
                    *this.chunk = None;
                    *this.offset = 0;
                }
                match this.decoder.take_ready() {
                    Some(Ok(event)) => return Poll::Ready(Some(Ok(event))),
                    Some(Err(error)) => break Some(StreamError::Decode(error)),
                    // No event: the decoder consumed the whole chunk.
                    None => continue,
                }
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => *this.chunk = Some(chunk),
                // A transport error or the idle timeout.
                Poll::Ready(Some(Err(error))) => break Some(error),
                // End of the body. An unfinished trailing event is discarded, as
                // `Decoder::finish` documents.
                Poll::Ready(None) => break None,
                Poll::Pending => return Poll::Pending,
            }
        };
        *this.done = true;
        *this.chunk = None;
        this.inner.stop();
        this.decoder.release();
        Poll::Ready(error.map(Err))
    }
}

impl<S> FusedStream for EventStream<S>
where
    S: TryStream,
    S::Ok: AsRef<[u8]>,
{
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<S: TryStream> fmt::Debug for EventStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("decoder", &self.decoder)
            .field("has_unparsed_chunk", &self.chunk.is_some())
            .field("idle_timeout", &self.inner.idle())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

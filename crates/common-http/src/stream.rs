//! Streamed responses: server-sent events and raw bytes, each with an idle timeout.
//!
//! A stream has no total timeout (a long answer or a large download that keeps arriving
//! is never cut); it fails when nothing arrives for the configured idle time. Nothing is
//! retried once the response started. Dropping a stream closes its connection.

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use serde::de::DeserializeOwned;

use crate::sse::{self, EventStream, IdleTimeout, StreamError};
use crate::{Envelope, Error, HttpClient, RequestSpec};

type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>;

impl HttpClient {
    /// Sends the request and returns its `text/event-stream` body as events.
    ///
    /// The attempt timeout covers the wait for the response headers; after that only the
    /// client's [stream idle timeout](crate::ClientConfigBuilder::stream_idle_timeout)
    /// applies.
    pub async fn send_sse(&self, spec: RequestSpec) -> Result<SseStream, Error> {
        let spec = spec.header(
            http::header::ACCEPT,
            http::HeaderValue::from_static("text/event-stream"),
        );
        let response = self.send_streaming(spec).await?;
        Ok(self.sse_from(response))
    }

    /// Like [`HttpClient::send_sse`], for a vendor that may answer a streaming call with
    /// its JSON envelope instead of a stream (an invalid token, a bad parameter): such a
    /// 2xx answer, not `text/event-stream`, is decoded as `E` and its error returned,
    /// inside the attempt loop, so a rejected token is renewed and the call retried once.
    /// A successful envelope where a stream was expected is a decode error.
    pub async fn send_sse_or_envelope<E: Envelope>(
        &self,
        spec: RequestSpec,
    ) -> Result<SseStream, Error> {
        let spec = spec.header(
            http::header::ACCEPT,
            http::HeaderValue::from_static("text/event-stream"),
        );
        let response = self
            .send_streaming_checked(
                spec,
                Some(|status, body: &[u8]| match E::open(body) {
                    Err(err) if err.is_api() || err.is_auth() => err,
                    Err(_) => Error::status(status, body),
                    Ok(_) => {
                        Error::decode("", body, "expected an event stream, got a JSON document")
                    }
                }),
            )
            .await?;
        Ok(self.sse_from(response))
    }

    fn sse_from(&self, response: reqwest::Response) -> SseStream {
        let chunks: Chunks = Box::pin(response.bytes_stream());
        SseStream {
            inner: EventStream::new(chunks).with_idle_timeout(self.config().stream_idle_timeout()),
        }
    }

    /// Sends the request and returns its body as a stream of chunks (for downloads that
    /// must not be held in memory).
    pub async fn send_bytes(&self, spec: RequestSpec) -> Result<ByteStream, Error> {
        let response = self.send_streaming(spec).await?;
        let content_length = response.content_length();
        let chunks: Chunks = Box::pin(response.bytes_stream());
        Ok(ByteStream {
            content_length,
            inner: IdleTimeout::new(chunks, Some(self.config().stream_idle_timeout())),
        })
    }
}

/// Server-sent events of one response, with typed errors.
///
/// Yields each event as soon as its closing blank line arrives. After an error (broken
/// connection, idle timeout, malformed stream) it yields that error once and ends.
pub struct SseStream {
    inner: EventStream<Chunks>,
}

impl SseStream {
    /// Decodes each event's `data` as JSON `T` (events with empty data are skipped).
    pub fn json<T: DeserializeOwned>(self) -> JsonEvents<T> {
        JsonEvents {
            inner: self,
            _payload: PhantomData,
        }
    }

    /// The last event id received, to resume a stream where the vendor supports it.
    pub fn last_event_id(&self) -> Option<&str> {
        self.inner.last_event_id()
    }
}

impl fmt::Debug for SseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseStream").finish_non_exhaustive()
    }
}

impl Stream for SseStream {
    type Item = Result<sse::Event, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner)
            .poll_next(cx)
            .map(|item| item.map(|result| result.map_err(stream_error)))
    }
}

/// The client's error for a failed event stream or byte stream (a byte stream, not
/// decoded, only ever fails with a transport error or its idle timeout).
fn stream_error(err: StreamError<reqwest::Error>) -> Error {
    match err {
        StreamError::Transport(e) => Error::from_reqwest(e),
        StreamError::IdleTimeout(after) => Error::timeout(Some(after)),
        StreamError::Decode(e) => Error::stream(e.to_string()),
    }
}

/// Server-sent events whose data is JSON, decoded into `T`.
pub struct JsonEvents<T> {
    inner: SseStream,
    _payload: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for JsonEvents<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonEvents").finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> Stream for JsonEvents<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let event = match Pin::new(&mut self.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(event))) => event,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            };
            if event.data.trim().is_empty() {
                continue;
            }
            return Poll::Ready(Some(crate::decode_json(event.data.as_bytes())));
        }
    }
}

/// A response body as chunks, with an idle timeout.
///
/// After an error (broken connection, idle timeout) it yields that error once and ends.
pub struct ByteStream {
    content_length: Option<u64>,
    inner: IdleTimeout<Chunks>,
}

impl ByteStream {
    /// The size the server announced, if it did.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner)
            .poll_next(cx)
            .map(|item| item.map(|result| result.map_err(stream_error)))
    }
}

//! The one idle timeout of streamed bodies, shared by [`EventStream`](super::EventStream)
//! and the client's byte streams.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, TryStream};
use tokio::time::{Instant, Sleep};

use super::StreamError;

pin_project_lite::pin_project! {
    /// A stream of chunks that fails with [`StreamError::IdleTimeout`] when it waits
    /// `idle` for a chunk without receiving one.
    ///
    /// - There is never a total timeout: a stream that keeps delivering may last forever.
    /// - The clock runs only while waiting on `inner` (from the first `Pending` after a
    ///   chunk) and restarts with every chunk; time the caller spends between two polls
    ///   never counts.
    /// - An error of `inner` is yielded as [`StreamError::Transport`]; after an error or
    ///   the end of `inner`, it yields `None` and never polls `inner` again.
    /// - With no idle duration it only forwards `inner`, and does not need Tokio; with
    ///   one, it must be polled inside a Tokio runtime with time enabled. The timer is
    ///   boxed (so the adapter is `Unpin` when `inner` is) and allocated on the first wait.
    pub(crate) struct IdleTimeout<S> {
        #[pin]
        inner: S,
        idle: Option<Duration>,
        timer: Option<Pin<Box<Sleep>>>,
        // When the current wait for a chunk began; `None` until the first wait after a
        // chunk.
        waiting_since: Option<Instant>,
        done: bool,
    }
}

impl<S> IdleTimeout<S> {
    /// Wraps `inner`, with an idle timeout if `idle` is set.
    pub(crate) fn new(inner: S, idle: Option<Duration>) -> Self {
        Self {
            inner,
            idle,
            timer: None,
            waiting_since: None,
            done: false,
        }
    }

    /// Sets (or replaces) the idle duration. Meant for before the first poll.
    pub(crate) fn set_idle(&mut self, idle: Duration) {
        self.idle = Some(idle);
    }

    /// The idle duration, if any.
    pub(crate) fn idle(&self) -> Option<Duration> {
        self.idle
    }

    /// The wrapped stream.
    pub(crate) fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Ends the stream from the outside (its consumer failed): `inner` is not polled
    /// again and the timer is released at once.
    pub(crate) fn stop(self: Pin<&mut Self>) {
        let this = self.project();
        *this.done = true;
        *this.timer = None;
    }
}

impl<S: TryStream> Stream for IdleTimeout<S> {
    type Item = Result<S::Ok, StreamError<S::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        let error = match this.inner.try_poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                *this.waiting_since = None;
                return Poll::Ready(Some(Ok(chunk)));
            }
            Poll::Ready(Some(Err(error))) => Some(StreamError::Transport(error)),
            Poll::Ready(None) => None,
            Poll::Pending => {
                let Some(idle) = *this.idle else {
                    return Poll::Pending;
                };
                let since = *this.waiting_since.get_or_insert_with(Instant::now);
                if !idle_expired(this.timer, since + idle, cx) {
                    return Poll::Pending;
                }
                Some(StreamError::IdleTimeout(idle))
            }
        };
        *this.done = true;
        *this.timer = None;
        Poll::Ready(error.map(Err))
    }
}

/// Polls the idle timer, arming it on first use, and tells whether `deadline` has passed.
///
/// The timer is not moved on every chunk: when it fires, it is compared with the current
/// deadline and re-armed if chunks arrived in the meantime. A busy stream thus touches
/// the timer about once per idle period instead of once per chunk.
fn idle_expired(
    timer: &mut Option<Pin<Box<Sleep>>>,
    deadline: Instant,
    cx: &mut Context<'_>,
) -> bool {
    let timer = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
    loop {
        if timer.as_mut().poll(cx).is_pending() {
            return false;
        }
        if timer.deadline() >= deadline {
            return true;
        }
        timer.as_mut().reset(deadline);
    }
}

impl<S> fmt::Debug for IdleTimeout<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdleTimeout")
            .field("idle", &self.idle)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

//! When to try a request again, and how long to wait first.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How a failed idempotent request is tried again.
///
/// Only requests marked idempotent are retried, and only on errors for which
/// [`Error::is_retryable`](crate::Error::is_retryable) is true (connect errors, timeouts,
/// broken connections, 429, 5xx). The wait before attempt `n + 1` is
/// `min(max_backoff, initial_backoff * multiplier^(n-1))`, with "full jitter" (a uniform
/// draw between half of that and all of it) so that many clients do not retry in lockstep.
/// A `Retry-After` header on 429 or 503 replaces the computed wait, bounded by
/// [`RetryPolicy::max_retry_after`] (a server asking for longer gives up the retry).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    multiplier: f64,
    jitter: bool,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 200 ms then 400 ms (jittered), capped at 5 s; `Retry-After` up to 30 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            multiplier: 2.0,
            jitter: true,
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts including the first (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the second attempt.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest computed wait between two attempts.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Growth factor of the wait (at least 1).
    pub fn multiplier(mut self, factor: f64) -> Self {
        self.multiplier = if factor.is_finite() {
            factor.max(1.0)
        } else {
            1.0
        };
        self
    }

    /// Whether waits are jittered (on by default; tests turn it off for exact waits).
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The longest `Retry-After` honoured; a longer one ends the retries.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The longest `Retry-After` honoured ([`RetryPolicy::max_retry_after`]); also the wait
    /// after a `Retry-After` that cannot be read.
    pub fn retry_after_limit(&self) -> Duration {
        self.max_retry_after
    }

    /// Total attempts including the first.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait after failed attempt number `attempt` (1-based), before any jitter.
    pub fn base_backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let secs = self.initial_backoff.as_secs_f64() * self.multiplier.powi(exponent);
        if !secs.is_finite() || secs >= self.max_backoff.as_secs_f64() {
            self.max_backoff
        } else {
            Duration::from_secs_f64(secs)
        }
    }

    /// The wait after failed attempt number `attempt`, or `None` when no attempt is left
    /// or the server asked for a longer wait than this policy accepts.
    pub fn next_wait(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        if let Some(wait) = retry_after {
            return (wait <= self.max_retry_after).then_some(wait);
        }
        let base = self.base_backoff(attempt);
        if !self.jitter || base.is_zero() {
            return Some(base);
        }
        let half = base / 2;
        let spread = (base - half).as_nanos().min(u128::from(u64::MAX)) as u64;
        Some(half + Duration::from_nanos(fastrand::u64(0..=spread)))
    }
}

/// Parses a `Retry-After` header value: delay-seconds or an HTTP date.
///
/// A number of seconds too large for a `u64` is [`Duration::MAX`] ("not before a very long
/// time"), never "absent": a policy then gives up rather than retrying sooner. `None` means
/// the value could not be read at all; the client then waits the policy's longest accepted
/// `Retry-After` ([`RetryPolicy::retry_after_limit`]), never less.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, format)
        .ok()?
        .assume_utc();
    let at =
        SystemTime::UNIX_EPOCH + Duration::try_from(at - time::OffsetDateTime::UNIX_EPOCH).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The future a [`Sleeper`] returns.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits between attempts. Injected so tests can run retries without really sleeping,
/// and record how long each wait would have been.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// Sleeps on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The default sleeper.
pub(crate) fn default_sleeper() -> Arc<dyn Sleeper> {
    Arc::new(TokioSleeper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default()
            .max_attempts(10)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(500))
            .jitter(false);
        let waits: Vec<_> = (1..=5).map(|n| policy.next_wait(n, None)).collect();
        let ms = |m| Some(Duration::from_millis(m));
        assert_eq!(waits, vec![ms(100), ms(200), ms(400), ms(500), ms(500)]);
        assert_eq!(policy.next_wait(10, None), None, "no attempt left");
    }

    #[test]
    fn jitter_stays_between_half_and_full() {
        let policy = RetryPolicy::default().initial_backoff(Duration::from_millis(100));
        for _ in 0..200 {
            let wait = policy.next_wait(1, None).unwrap_or_default();
            assert!(wait >= Duration::from_millis(50) && wait <= Duration::from_millis(100));
        }
    }

    #[test]
    fn retry_after_replaces_backoff_within_bound() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(10));
        assert_eq!(
            policy.next_wait(1, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(policy.next_wait(1, Some(Duration::from_secs(11))), None);
        assert_eq!(RetryPolicy::none().next_wait(1, None), None);
    }

    #[test]
    fn parses_both_retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn a_retry_after_too_large_for_a_u64_is_a_very_long_wait_not_none() {
        let now = SystemTime::UNIX_EPOCH;
        let huge = parse_retry_after("184467440737095516160000", now);
        assert_eq!(huge, Some(Duration::MAX));
        assert_eq!(RetryPolicy::default().next_wait(1, huge), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}

//! The fault matrix as data: each cell is an operation, a fault with its trigger, and what
//! must happen (the outcome, the requests the sandbox counts, the client's waits).

use std::fmt;
use std::time::Duration;

use common_http::Error;
use vendor_sandbox::Fault;

/// One operation of one vendor, as a user calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Op {
    /// Rokid: one page of work records (`GET`, idempotent).
    RokidPage,
    /// Rokid: a work document streamed to memory (`GET`, idempotent until the body starts).
    RokidDownload,
    /// Sobot: `get_token` (idempotent).
    SobotToken,
    /// Sobot: a question answered at once (`answer_no_stream`, not idempotent).
    SobotAsk,
    /// Sobot: a question answered as an event stream (`answer`, not idempotent).
    SobotAskStream,
    /// Sobot: one page of reception statistics (`recordList`, a `POST` marked idempotent).
    SobotStatistics,
    /// Itniotech: one page of group call tasks, signed (`POST` marked idempotent).
    ItnioPage,
}

impl Op {
    /// The name in the table.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Op::RokidPage => "Rokid work-record page",
            Op::RokidDownload => "Rokid document download",
            Op::SobotToken => "Sobot `get_token`",
            Op::SobotAsk => "Sobot ask (`answer_no_stream`)",
            Op::SobotAskStream => "Sobot ask, streamed (`answer`)",
            Op::SobotStatistics => "Sobot statistics page (`recordList`)",
            Op::ItnioPage => "Itniotech signed task page",
        }
    }

    /// Whether the operation runs behind a Sobot token (so `get_token` is counted too).
    pub(crate) fn uses_sobot_token(self) -> bool {
        matches!(
            self,
            Op::SobotAsk | Op::SobotAskStream | Op::SobotStatistics
        )
    }
}

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// 20 ms of latency on every request, well inside the attempt timeout.
    Latency,
    /// 3 s of latency on the first request, past the 1 s attempt timeout.
    LatencyPastTimeout,
    /// `503` on the first two requests.
    Burst5xx,
    /// `500` on every request.
    Outage5xx,
    /// `429` with `Retry-After: 7` on the first request.
    TooManyRequests,
    /// `429` with `Retry-After: 60` (over the policy's 30 s limit) on every request.
    RetryAfterTooLong,
    /// The connection is reset before any response byte.
    Reset,
    /// Headers with the full `Content-Length`, half the body, then the connection fails.
    Truncated,
    /// The body in 8 chunks 400 ms apart, past the 1 s attempt timeout.
    SlowPastTimeout,
    /// An event stream cut in the middle of its third event.
    CutStream,
    /// The Sobot token is invalidated between the warm-up and the call.
    TokenInvalidated,
    /// After the warm-up every Sobot token is rejected, a renewed one too.
    TokenRejectedAgain,
    /// The Itniotech server clock is 120 s ahead (inside its 300 s window).
    ClockSkewWithin,
    /// The Itniotech server clock is 900 s ahead (outside its window).
    ClockSkewBeyond,
    /// The local clock is 900 s behind for the first signature only.
    ClockOffOnce,
    /// `307` with `Location:` the same route on another origin (a second sandbox that
    /// counts what reaches it).
    CrossHostRedirect,
    /// `get_token` reports `expires_in` as `"9223372036854775807"`.
    ExpiresInHuge,
    /// `get_token` reports `expires_in` as `"0"`.
    ExpiresInZero,
    /// `get_token` reports `expires_in` as `"-1"`.
    ExpiresInNegative,
    /// `500` on every `get_token`, with [`CONCURRENT_CALLS`] calls at once on a client that
    /// has no token yet.
    TokenOutageConcurrent,
    /// An event whose short `data:` lines never end (no blank line, ever).
    EndlessDataLines,
}

/// The calls made at once by [`Kind::TokenOutageConcurrent`].
pub(crate) const CONCURRENT_CALLS: usize = 20;

/// The attempt timeout of the cells whose fault is about it.
pub(crate) const SHORT_TIMEOUT: Duration = Duration::from_secs(1);

/// The server clock skews of the clock cells, and the local offset of [`Kind::ClockOffOnce`].
pub(crate) const SKEW_WITHIN_SECS: i64 = 120;
pub(crate) const SKEW_BEYOND_SECS: i64 = 900;

impl Kind {
    /// The name in the table.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Latency => "latency 20 ms",
            Kind::LatencyPastTimeout => "latency 3 s, past the 1 s attempt timeout",
            Kind::Burst5xx => "5xx burst (`503`)",
            Kind::Outage5xx => "5xx outage (`500`)",
            Kind::TooManyRequests => "`429`, `Retry-After: 7`",
            Kind::RetryAfterTooLong => "`429`, `Retry-After: 60` (over the 30 s limit)",
            Kind::Reset => "connection reset before the response",
            Kind::Truncated => "body truncated (half of `Content-Length`)",
            Kind::SlowPastTimeout => "body trickled past the 1 s attempt timeout (8 × 400 ms)",
            Kind::CutStream => "SSE cut mid-event (after 2 events)",
            Kind::TokenInvalidated => "token invalidated mid-session",
            Kind::TokenRejectedAgain => "token rejected, renewed token rejected too",
            Kind::ClockSkewWithin => "server clock +120 s (inside the 300 s window)",
            Kind::ClockSkewBeyond => "server clock +900 s (outside the window)",
            Kind::ClockOffOnce => "local clock 900 s behind, once",
            Kind::CrossHostRedirect => "`307` to another origin",
            Kind::ExpiresInHuge => "`get_token` `expires_in` 9223372036854775807",
            Kind::ExpiresInZero => "`get_token` `expires_in` 0",
            Kind::ExpiresInNegative => "`get_token` `expires_in` -1",
            Kind::TokenOutageConcurrent => "`get_token` outage (`500`), 20 calls at once",
            Kind::EndlessDataLines => "SSE event of endless `data:` lines",
        }
    }

    /// The fault injected on the operation's route, if the fault is one.
    pub(crate) fn route_fault(self) -> Option<Fault> {
        Some(match self {
            Kind::Latency => Fault::latency(Duration::from_millis(20)),
            Kind::LatencyPastTimeout => Fault::latency(Duration::from_secs(3)).first(1),
            Kind::Burst5xx => Fault::status(503).first(2),
            Kind::Outage5xx => Fault::status(500),
            Kind::TooManyRequests => Fault::too_many_requests(7).first(1),
            Kind::RetryAfterTooLong => Fault::too_many_requests(60),
            Kind::Reset => Fault::connection_reset().first(1),
            Kind::Truncated => Fault::truncated_body().first(1),
            Kind::SlowPastTimeout => Fault::slow_body(Duration::from_millis(400)).first(1),
            Kind::CutStream => Fault::cut_stream(2),
            Kind::EndlessDataLines => Fault::endless_data_lines(),
            // The redirect's target is only known once the other origin listens.
            Kind::CrossHostRedirect
            | Kind::ExpiresInHuge
            | Kind::ExpiresInZero
            | Kind::ExpiresInNegative
            | Kind::TokenOutageConcurrent
            | Kind::TokenInvalidated
            | Kind::TokenRejectedAgain
            | Kind::ClockSkewWithin
            | Kind::ClockSkewBeyond
            | Kind::ClockOffOnce => return None,
        })
    }

    /// The fault injected on Sobot's `get_token` route, if the fault is there.
    pub(crate) fn token_fault(self) -> Option<Fault> {
        match self {
            Kind::ExpiresInHuge => Some(Fault::expires_in("9223372036854775807")),
            Kind::ExpiresInZero => Some(Fault::expires_in("0")),
            Kind::ExpiresInNegative => Some(Fault::expires_in("-1")),
            Kind::TokenOutageConcurrent => Some(Fault::status(500)),
            _ => None,
        }
    }

    /// When the fault applies.
    pub(crate) fn trigger(self) -> String {
        if self.token_fault().is_some() {
            return "every `get_token`".to_owned();
        }
        if let Some(fault) = self.route_fault() {
            return match fault.trigger {
                vendor_sandbox::Trigger::First(1) => "first request".to_owned(),
                vendor_sandbox::Trigger::First(n) => format!("first {n} requests"),
                vendor_sandbox::Trigger::Nth(n) => format!("request {n}"),
                vendor_sandbox::Trigger::Fraction(f) => format!("{:.0} % of requests", f * 100.0),
                _ => "every request".to_owned(),
            };
        }
        match self {
            Kind::TokenInvalidated => "once, after the warm-up".to_owned(),
            Kind::TokenRejectedAgain => "every token, after the warm-up".to_owned(),
            Kind::ClockOffOnce => "first signature".to_owned(),
            _ => "every request".to_owned(),
        }
    }

    /// The attempt timeout of the cell's clients.
    pub(crate) fn timeout(self) -> Duration {
        match self {
            Kind::LatencyPastTimeout | Kind::SlowPastTimeout => SHORT_TIMEOUT,
            _ => Duration::from_secs(10),
        }
    }
}

/// A typed error and the question that must be true of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Predicate {
    /// `is_timeout()`: the attempt (or the wait for the headers) took too long.
    Timeout,
    /// `is_transport()`: the connection failed after it was made.
    Transport,
    /// `status_code()` is this 429 or 5xx, and `is_retryable()`.
    Status(u16),
    /// `is_auth()` with Sobot's "token invalid" code.
    TokenRejected,
    /// `is_redirect()`: a redirect that was not followed.
    Redirect,
    /// `is_stream()`: the event stream could not be read (here: an event over the bound).
    Stream,
    /// `is_auth()` with Itniotech's -16 and the message blaming the local clock.
    ClockRejected,
}

impl Predicate {
    /// Whether `err` is this error.
    pub(crate) fn holds(self, err: &Error) -> bool {
        match self {
            Predicate::Timeout => err.is_timeout(),
            Predicate::Transport => err.is_transport(),
            Predicate::Status(code) => {
                err.status_code().map(|s| s.as_u16()) == Some(code) && err.is_retryable()
            }
            Predicate::TokenRejected => err.is_auth() && err.vendor_code() == Some("900002"),
            Predicate::Redirect => err.is_redirect(),
            Predicate::Stream => err.is_stream(),
            Predicate::ClockRejected => {
                err.is_auth()
                    && err.vendor_code() == Some("-16")
                    && err.to_string().contains("clock")
            }
        }
    }
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Predicate::Timeout => f.write_str("`is_timeout()`"),
            Predicate::Transport => f.write_str("`is_transport()`"),
            Predicate::Status(code) => write!(f, "`status_code()` {code}, `is_retryable()`"),
            Predicate::TokenRejected => f.write_str("`is_auth()`, vendor code 900002"),
            Predicate::Redirect => f.write_str("`is_redirect()`, nothing sent to the other origin"),
            Predicate::Stream => f.write_str("`is_stream()`"),
            Predicate::ClockRejected => f.write_str("`is_auth()`, vendor code -16, clock message"),
        }
    }
}

/// How a cell must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The call succeeded with the right content.
    Recovered,
    /// The call failed with this typed error.
    Error(Predicate),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Recovered => f.write_str("recovered"),
            Outcome::Error(p) => write!(f, "error: {p}"),
        }
    }
}

/// One cell of the matrix.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub(crate) op: Op,
    pub(crate) kind: Kind,
    pub(crate) outcome: Outcome,
    /// Requests the sandbox counted on the operation's route.
    pub(crate) requests: u64,
    /// `get_token` requests, warm-up included (operations behind a Sobot token only).
    pub(crate) token_requests: Option<u64>,
    /// The client's waits between attempts, in milliseconds.
    pub(crate) waits_ms: Vec<u64>,
    /// Whether the waits come from concurrent calls, so only how many of each count, not
    /// their order.
    pub(crate) waits_any_order: bool,
}

impl Cell {
    fn new(op: Op, kind: Kind, outcome: Outcome, requests: u64) -> Self {
        Self {
            op,
            kind,
            outcome,
            requests,
            token_requests: op.uses_sobot_token().then_some(1),
            waits_ms: Vec::new(),
            waits_any_order: false,
        }
    }

    fn waits(mut self, ms: &[u64]) -> Self {
        self.waits_ms = ms.to_vec();
        self
    }

    /// The waits of concurrent calls: `ms` repeated `times`, in any order.
    fn waits_of_each(mut self, ms: &[u64], times: usize) -> Self {
        self.waits_ms = ms.repeat(times);
        self.waits_ms.sort_unstable();
        self.waits_any_order = true;
        self
    }

    fn tokens(mut self, n: u64) -> Self {
        self.token_requests = Some(n);
        self
    }

    /// `operation / fault`, for failure messages.
    pub(crate) fn name(&self) -> String {
        format!("{} / {}", self.op.label(), self.kind.label())
    }
}

fn ok(op: Op, kind: Kind, requests: u64) -> Cell {
    Cell::new(op, kind, Outcome::Recovered, requests)
}

fn err(op: Op, kind: Kind, predicate: Predicate, requests: u64) -> Cell {
    Cell::new(op, kind, Outcome::Error(predicate), requests)
}

/// Every cell. Idempotent reads recover from every transient fault within the retry budget
/// (4 attempts, 5/10/20 ms apart, `Retry-After` honoured up to 30 s); a non-idempotent ask
/// is sent exactly once whatever happens after it may have reached the server; a stream or
/// a download is never retried once its body started, and has no total timeout.
pub(crate) fn cells() -> Vec<Cell> {
    use Kind::*;
    use Op::*;
    use Predicate::*;
    let mut cells = Vec::new();
    for op in [RokidPage, SobotToken, SobotStatistics, ItnioPage] {
        cells.extend([
            ok(op, Latency, 1),
            ok(op, LatencyPastTimeout, 2).waits(&[5]),
            ok(op, Burst5xx, 3).waits(&[5, 10]),
            err(op, Outage5xx, Status(500), 4).waits(&[5, 10, 20]),
            ok(op, TooManyRequests, 2).waits(&[7000]),
            err(op, RetryAfterTooLong, Status(429), 1),
            ok(op, Reset, 2).waits(&[5]),
            ok(op, Truncated, 2).waits(&[5]),
            ok(op, SlowPastTimeout, 2).waits(&[5]),
        ]);
    }
    cells.extend([
        ok(RokidDownload, Latency, 1),
        ok(RokidDownload, LatencyPastTimeout, 2).waits(&[5]),
        ok(RokidDownload, Burst5xx, 3).waits(&[5, 10]),
        err(RokidDownload, Outage5xx, Status(500), 4).waits(&[5, 10, 20]),
        ok(RokidDownload, TooManyRequests, 2).waits(&[7000]),
        err(RokidDownload, RetryAfterTooLong, Status(429), 1),
        ok(RokidDownload, Reset, 2).waits(&[5]),
        // The body had started: never retried.
        err(RokidDownload, Truncated, Transport, 1),
        // Only the wait for the headers is bounded by the attempt timeout.
        ok(RokidDownload, SlowPastTimeout, 1),
    ]);
    for op in [SobotAsk, SobotAskStream] {
        cells.extend([
            ok(op, Latency, 1),
            err(op, LatencyPastTimeout, Timeout, 1),
            err(op, Burst5xx, Status(503), 1),
            err(op, Outage5xx, Status(500), 1),
            err(op, TooManyRequests, Status(429), 1),
            err(op, RetryAfterTooLong, Status(429), 1),
            err(op, Reset, Transport, 1),
            err(op, Truncated, Transport, 1),
        ]);
    }
    cells.extend([
        err(SobotAsk, SlowPastTimeout, Timeout, 1),
        // A stream has an idle timeout, never a total one.
        ok(SobotAskStream, SlowPastTimeout, 1),
        err(SobotAskStream, CutStream, Transport, 1),
    ]);
    // The server refused the call before doing anything: renewing the token and sending
    // the call once more is safe for every request, asks included.
    for op in [SobotAsk, SobotAskStream, SobotStatistics] {
        cells.extend([
            ok(op, TokenInvalidated, 2).tokens(2),
            err(op, TokenRejectedAgain, TokenRejected, 2).tokens(2),
        ]);
    }
    cells.extend([
        ok(ItnioPage, ClockSkewWithin, 1),
        err(ItnioPage, ClockSkewBeyond, ClockRejected, 2),
        ok(ItnioPage, ClockOffOnce, 2),
    ]);
    // A client with credentials never follows a redirect to another origin: one request,
    // none at the other origin. Sobot's `get_token` counts: its signature is in the query.
    for op in [
        RokidPage,
        SobotToken,
        SobotAsk,
        SobotAskStream,
        SobotStatistics,
        ItnioPage,
    ] {
        cells.push(err(op, CrossHostRedirect, Redirect, 1));
    }
    // Whatever `expires_in` says, the lifetime is clamped to 60 s ..= 1 day: no panic, and
    // the token is reused (`SobotToken` asks for it twice; the others after the warm-up).
    for kind in [ExpiresInHuge, ExpiresInZero, ExpiresInNegative] {
        cells.extend([ok(SobotToken, kind, 1), ok(SobotStatistics, kind, 1)]);
    }
    // Concurrent callers share one token fetch and its failure: the retry policy's attempts
    // in `get_token` requests, not one fetch (or 4) per caller; the API is never called.
    // Each statistics call still goes through its own attempts (the token error means the
    // request was not sent), each meeting the failure remembered for the backoff instead of
    // asking `get_token` again: the fetch's 3 waits plus 3 per call.
    cells.extend([
        err(SobotToken, TokenOutageConcurrent, Status(500), 4).waits(&[5, 10, 20]),
        err(SobotStatistics, TokenOutageConcurrent, Status(500), 0)
            .tokens(4)
            .waits_of_each(&[5, 10, 20], 1 + CONCURRENT_CALLS),
    ]);
    // An event over the decoder's bound (4 MiB) ends the stream; it is never buffered whole.
    cells.push(err(SobotAskStream, EndlessDataLines, Stream, 1));
    cells
}

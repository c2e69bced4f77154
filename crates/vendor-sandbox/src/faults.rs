//! Fault injection: what can go wrong on a route, and when.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// What an injected fault does to a response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Waits this long before handling the request (the response is otherwise normal).
    Latency(Duration),
    /// Answers this HTTP status (500, 502, 503, ...) with a short plain-text body.
    Status(u16),
    /// Answers 429 with `Retry-After: <seconds>`.
    TooManyRequests {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Closes the connection before any response byte is sent.
    ConnectionReset,
    /// Sends the headers (with the full `Content-Length`) and half of the body, then closes
    /// the connection.
    TruncatedBody,
    /// Sends the body in small chunks with this pause between them.
    SlowBody(Duration),
    /// Cuts an event stream in the middle of an event (after this many whole events);
    /// on other routes it acts as [`FaultKind::TruncatedBody`].
    CutStream {
        /// Whole events sent before the cut.
        after_events: usize,
    },
    /// Answers `307 Temporary Redirect` with `Location:` this URL (for example the same
    /// route on another origin, to check that credentials are not sent there).
    Redirect(String),
    /// Answers a Sobot `get_token` normally but reports this raw `expires_in` text (a huge
    /// number, `0`, a negative one); no effect on other routes.
    ExpiresIn(String),
    /// Answers `200` with an event stream whose first event never ends: short `data:` lines
    /// for ever, never a blank line (until the client goes away).
    EndlessDataLines,
}

/// When a fault applies, counted per route (the route's first request is number 1).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Trigger {
    /// Every request.
    Always,
    /// The first `n` requests.
    First(u64),
    /// Only request number `n`.
    Nth(u64),
    /// About this fraction (0.0 to 1.0) of the requests, chosen deterministically from the
    /// sandbox seed, the route and the request number.
    Fraction(f64),
}

/// One fault: a kind and when it applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// What it does.
    pub kind: FaultKind,
    /// When it applies.
    pub trigger: Trigger,
}

impl Fault {
    /// A fault applied to every request of its route.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            trigger: Trigger::Always,
        }
    }

    /// Latency on every response.
    pub fn latency(delay: Duration) -> Self {
        Self::new(FaultKind::Latency(delay))
    }

    /// An HTTP status (500, 502, 503, ...).
    pub fn status(status: u16) -> Self {
        Self::new(FaultKind::Status(status))
    }

    /// 429 with `Retry-After: <seconds>`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::new(FaultKind::TooManyRequests { retry_after_secs })
    }

    /// The connection is closed before the response.
    pub fn connection_reset() -> Self {
        Self::new(FaultKind::ConnectionReset)
    }

    /// The body is cut short.
    pub fn truncated_body() -> Self {
        Self::new(FaultKind::TruncatedBody)
    }

    /// The body is trickled in small chunks.
    pub fn slow_body(pause: Duration) -> Self {
        Self::new(FaultKind::SlowBody(pause))
    }

    /// An event stream cut mid-event after `after_events` whole events.
    pub fn cut_stream(after_events: usize) -> Self {
        Self::new(FaultKind::CutStream { after_events })
    }

    /// `307` to another URL.
    pub fn redirect(location: impl Into<String>) -> Self {
        Self::new(FaultKind::Redirect(location.into()))
    }

    /// A Sobot token reported with this raw `expires_in` text.
    pub fn expires_in(text: impl Into<String>) -> Self {
        Self::new(FaultKind::ExpiresIn(text.into()))
    }

    /// An event stream of endless `data:` lines with no end of event.
    pub fn endless_data_lines() -> Self {
        Self::new(FaultKind::EndlessDataLines)
    }

    /// Applies only to the first `n` requests of the route.
    pub fn first(mut self, n: u64) -> Self {
        self.trigger = Trigger::First(n);
        self
    }

    /// Applies only to request number `n` of the route.
    pub fn nth(mut self, n: u64) -> Self {
        self.trigger = Trigger::Nth(n);
        self
    }

    /// Applies to about this fraction of the requests (deterministic from the seed).
    pub fn fraction(mut self, fraction: f64) -> Self {
        self.trigger = Trigger::Fraction(fraction.clamp(0.0, 1.0));
        self
    }

    /// Whether the fault applies to request number `n` (1-based) of a route.
    pub(crate) fn applies(&self, seed: u64, route: &str, n: u64) -> bool {
        match self.trigger {
            Trigger::Always => true,
            Trigger::First(k) => n <= k,
            Trigger::Nth(k) => n == k,
            Trigger::Fraction(f) => {
                let mut h = seed ^ 0x9e37_79b9_7f4a_7c15;
                for b in route.bytes() {
                    h = mix(h ^ u64::from(b));
                }
                let draw = mix(h ^ n);
                #[allow(clippy::cast_precision_loss)]
                let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
                unit < f
            }
        }
    }
}

/// SplitMix64 finaliser.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A fault bound to a route, as parsed from the command line:
/// `ROUTE=KIND[@TRIGGER]`.
///
/// - `ROUTE`: a path such as `/voice/group/call/query`, or `*` for every route.
/// - `KIND`: `latency:MS`, `500` / `502` / `503` (any status), `429[:SECS]`, `reset`,
///   `truncate`, `slow:MS`, `cut[:EVENTS]`, `redirect:URL` (a `307` to `URL`, which must
///   not contain `@`), `expires:TEXT` (Sobot `get_token` reports `expires_in` as `TEXT`),
///   `endless-data`.
/// - `TRIGGER`: `always` (the default), `first:N`, `nth:N`, or a fraction such as `0.2`.
///
/// ```
/// let fault: vendor_sandbox::RouteFault = "/voice/group/call/query=503@first:2".parse().unwrap();
/// assert_eq!(fault.route, "/voice/group/call/query");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RouteFault {
    /// The path the fault applies to (`*` for every route).
    pub route: String,
    /// The fault.
    pub fault: Fault,
}

/// Why a fault specification could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultParseError(String);

impl fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultParseError {}

impl FromStr for RouteFault {
    type Err = FaultParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |m: &str| FaultParseError(format!("invalid fault `{text}`: {m}"));
        let (route, rest) = text
            .split_once('=')
            .ok_or_else(|| err("expected ROUTE=KIND[@TRIGGER]"))?;
        let route = route.trim();
        if route != "*" && !route.starts_with('/') {
            return Err(err("the route must start with `/` or be `*`"));
        }
        let (kind, trigger) = match rest.split_once('@') {
            Some((k, t)) => (k.trim(), Some(t.trim())),
            None => (rest.trim(), None),
        };
        let (name, arg) = match kind.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (kind, None),
        };
        let number = |a: Option<&str>, default: Option<u64>| -> Result<u64, FaultParseError> {
            match a {
                Some(a) => a.trim().parse().map_err(|_| err("expected a number")),
                None => default.ok_or_else(|| err("this fault needs a number")),
            }
        };
        let kind = match name {
            "latency" => FaultKind::Latency(Duration::from_millis(number(arg, None)?)),
            "429" => FaultKind::TooManyRequests {
                retry_after_secs: number(arg, Some(1))?,
            },
            "reset" => FaultKind::ConnectionReset,
            "truncate" => FaultKind::TruncatedBody,
            "slow" => FaultKind::SlowBody(Duration::from_millis(number(arg, Some(50))?)),
            "cut" => FaultKind::CutStream {
                after_events: usize::try_from(number(arg, Some(1))?)
                    .map_err(|_| err("too many events"))?,
            },
            "redirect" => FaultKind::Redirect(
                arg.map(str::trim)
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| err("redirect needs a URL"))?
                    .to_owned(),
            ),
            "expires" => FaultKind::ExpiresIn(
                arg.map(str::trim)
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| err("expires needs a value"))?
                    .to_owned(),
            ),
            "endless-data" => FaultKind::EndlessDataLines,
            status => match status.parse::<u16>() {
                Ok(code) if (400..600).contains(&code) => FaultKind::Status(code),
                _ => return Err(err("unknown fault kind")),
            },
        };
        let trigger = match trigger {
            None | Some("always") => Trigger::Always,
            Some(t) => match t.split_once(':') {
                Some(("first", n)) => Trigger::First(number(Some(n), None)?),
                Some(("nth", n)) => Trigger::Nth(number(Some(n), None)?),
                _ => match t.parse::<f64>() {
                    Ok(f) if (0.0..=1.0).contains(&f) => Trigger::Fraction(f),
                    _ => return Err(err("unknown trigger")),
                },
            },
        };
        Ok(RouteFault {
            route: route.to_owned(),
            fault: Fault { kind, trigger },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kinds_and_triggers() {
        let f: Result<RouteFault, _> = "/a=503@first:2".parse();
        assert_eq!(
            f,
            Ok(RouteFault {
                route: "/a".into(),
                fault: Fault::status(503).first(2)
            })
        );
        let f: Result<RouteFault, _> = "*=429:3@0.5".parse();
        assert_eq!(
            f.map(|f| f.fault),
            Ok(Fault::too_many_requests(3).fraction(0.5))
        );
        let f: Result<RouteFault, _> = "/x=latency:20".parse();
        assert_eq!(
            f.map(|f| f.fault.kind),
            Ok(FaultKind::Latency(Duration::from_millis(20)))
        );
        let f: Result<RouteFault, _> = "/x=redirect:http://127.0.0.1:9/x@first:1".parse();
        assert_eq!(
            f.map(|f| f.fault),
            Ok(Fault::redirect("http://127.0.0.1:9/x").first(1))
        );
        let f: Result<RouteFault, _> = "/api/get_token=expires:-5".parse();
        assert_eq!(f.map(|f| f.fault), Ok(Fault::expires_in("-5")));
        let f: Result<RouteFault, _> = "/x=endless-data".parse();
        assert_eq!(f.map(|f| f.fault), Ok(Fault::endless_data_lines()));
        assert!("/x=redirect".parse::<RouteFault>().is_err());
        assert!("/x=expires:".parse::<RouteFault>().is_err());
        assert!("x=503".parse::<RouteFault>().is_err());
        assert!("/x=boom".parse::<RouteFault>().is_err());
        assert!("/x=503@sometimes".parse::<RouteFault>().is_err());
    }

    #[test]
    fn fraction_is_deterministic_and_roughly_right() {
        let f = Fault::status(500).fraction(0.25);
        let hits = (1..=4000).filter(|n| f.applies(7, "/r", *n)).count();
        assert!((800..1200).contains(&hits), "{hits}");
        let again = (1..=4000).filter(|n| f.applies(7, "/r", *n)).count();
        assert_eq!(hits, again);
    }
}

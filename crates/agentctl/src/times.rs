//! `--from` / `--to` values, in the forms the vendors accept: `YYYY-MM-DD HH:MM:SS` (a `T`
//! instead of the space is fine too) or a whole day `YYYY-MM-DD`. Like the vendors, the
//! values have no zone: they are read in the account's zone.
//!
//! Range checks (an end before its start) are the clients' own validation, reported before
//! any request with exit code 2.

use common_http::datetime::{DateOrDateTime, parse_date};
use time::{Date, PrimitiveDateTime, Time};

/// 23:59:59, the last second of a day.
const LAST_SECOND: Time = time::macros::time!(23:59:59);

const FORMS: &str = "expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS";

fn date_or_datetime(text: &str) -> Result<DateOrDateTime, String> {
    let text = text.trim().replacen('T', " ", 1);
    DateOrDateTime::parse(&text).ok_or_else(|| format!("`{text}`: {FORMS}"))
}

/// A start bound: a whole day starts at midnight.
pub(crate) fn start(text: &str) -> Result<PrimitiveDateTime, String> {
    date_or_datetime(text).map(|v| v.start())
}

/// An end bound: a whole day ends at 23:59:59.
pub(crate) fn end(text: &str) -> Result<PrimitiveDateTime, String> {
    date_or_datetime(text).map(|v| match v {
        DateOrDateTime::Date(d) => PrimitiveDateTime::new(d, LAST_SECOND),
        DateOrDateTime::DateTime(dt) => dt,
    })
}

/// A bound an API takes either as a day or as an instant (Rokid chat logs).
pub(crate) fn day_or_instant(text: &str) -> Result<DateOrDateTime, String> {
    date_or_datetime(text)
}

/// A day (`YYYY-MM-DD`), for APIs that only take days (Sobot statistics).
pub(crate) fn day(text: &str) -> Result<Date, String> {
    parse_date(text).ok_or_else(|| format!("`{}`: expected YYYY-MM-DD", text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn days_widen_to_the_whole_day_and_instants_stay() {
        assert_eq!(start("2026-06-01"), Ok(datetime!(2026-06-01 00:00:00)));
        assert_eq!(end("2026-06-01"), Ok(datetime!(2026-06-01 23:59:59)));
        assert_eq!(
            start("2026-06-01T08:30:00"),
            Ok(datetime!(2026-06-01 08:30:00))
        );
        assert_eq!(
            end("2026-06-01 08:30:00"),
            Ok(datetime!(2026-06-01 08:30:00))
        );
        assert_eq!(
            day_or_instant("2026-06-01"),
            Ok(DateOrDateTime::Date(date!(2026 - 06 - 01)))
        );
        assert_eq!(day("2026-06-01"), Ok(date!(2026 - 06 - 01)));
        assert!(day("2026-06-01 00:00:00").is_err());
        assert!(start("yesterday").is_err_and(|e| e.contains("YYYY-MM-DD")));
    }
}

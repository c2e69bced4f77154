//! Vendor date and time formats: typed values in, the vendor's exact strings out.
//!
//! Requests take `yyyy-MM-dd HH:mm:ss` (or `yyyy-MM-dd`) without a zone: the vendor reads
//! them in the account's zone, so the caller passes a [`PrimitiveDateTime`] already in
//! that zone. Responses carry either ISO-8601 with an offset
//! (`2026-06-17T10:00:00.000+08:00`) or the same zone-less form; [`Timestamp`] keeps the
//! raw text and parses on demand, so one odd value never fails a whole page.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

pub use time;

/// `yyyy-MM-dd HH:mm:ss`.
pub const DATETIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// `yyyy-MM-dd`.
pub const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// ISO-8601 with milliseconds and an offset, as Rokid sends it (`+08:00`).
const ISO_MILLIS_OFFSET: &[BorrowedFormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory]:[offset_minute]"
);

/// Formats `yyyy-MM-dd HH:mm:ss`.
pub fn format_datetime(value: PrimitiveDateTime) -> String {
    value.format(DATETIME).unwrap_or_else(|_| value.to_string())
}

/// Formats `yyyy-MM-dd`.
pub fn format_date(value: Date) -> String {
    value.format(DATE).unwrap_or_else(|_| value.to_string())
}

/// Parses `yyyy-MM-dd HH:mm:ss`.
pub fn parse_datetime(text: &str) -> Option<PrimitiveDateTime> {
    PrimitiveDateTime::parse(text.trim(), DATETIME).ok()
}

/// Parses `yyyy-MM-dd`.
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text.trim(), DATE).ok()
}

/// A filter bound that the vendor accepts as a date or as a date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DateOrDateTime {
    /// A whole day, sent as `yyyy-MM-dd`.
    Date(Date),
    /// An instant, sent as `yyyy-MM-dd HH:mm:ss`.
    DateTime(PrimitiveDateTime),
}

impl DateOrDateTime {
    /// The vendor string.
    pub fn to_wire(&self) -> String {
        match self {
            Self::Date(d) => format_date(*d),
            Self::DateTime(dt) => format_datetime(*dt),
        }
    }

    /// The earliest instant the value stands for (a date's midnight), for range checks.
    pub fn start(&self) -> PrimitiveDateTime {
        match self {
            Self::Date(d) => d.midnight(),
            Self::DateTime(dt) => *dt,
        }
    }

    /// Parses either form.
    pub fn parse(text: &str) -> Option<Self> {
        parse_datetime(text)
            .map(Self::DateTime)
            .or_else(|| parse_date(text).map(Self::Date))
    }
}

impl From<Date> for DateOrDateTime {
    fn from(value: Date) -> Self {
        Self::Date(value)
    }
}

impl From<PrimitiveDateTime> for DateOrDateTime {
    fn from(value: PrimitiveDateTime) -> Self {
        Self::DateTime(value)
    }
}

/// A time from a response, kept exactly as sent and parsed on demand.
///
/// Serialises back to the same text, so a record round-trips unchanged.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Timestamp(String);

impl Timestamp {
    /// Wraps a vendor time string.
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The text as the vendor sent it.
    pub fn raw(&self) -> &str {
        &self.0
    }

    /// The instant, when the text carries an offset (`…+08:00`, `…Z`).
    pub fn offset_date_time(&self) -> Option<OffsetDateTime> {
        let text = self.0.trim();
        OffsetDateTime::parse(text, &Rfc3339)
            .or_else(|_| OffsetDateTime::parse(text, ISO_MILLIS_OFFSET))
            .ok()
    }

    /// The wall-clock time, with or without an offset in the text.
    pub fn local_date_time(&self) -> Option<PrimitiveDateTime> {
        self.offset_date_time()
            .map(|t| PrimitiveDateTime::new(t.date(), t.time()))
            .or_else(|| parse_datetime(&self.0))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

/// Serde adapters for typed date-times in vendor request bodies, used by generated code
/// as `#[serde(with = "common_http::datetime::serde_datetime")]` and friends.
pub mod serde_datetime {
    use super::*;

    /// Writes `yyyy-MM-dd HH:mm:ss`.
    pub fn serialize<S: Serializer>(value: &PrimitiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_datetime(*value))
    }

    /// Reads `yyyy-MM-dd HH:mm:ss`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PrimitiveDateTime, D::Error> {
        let text = String::deserialize(d)?;
        parse_datetime(&text)
            .ok_or_else(|| serde::de::Error::custom("expected a date-time as yyyy-MM-dd HH:mm:ss"))
    }

    /// The optional form (`null`, absent and `""` are `None`).
    pub mod option {
        use super::super::*;

        /// Writes `yyyy-MM-dd HH:mm:ss` or `null`.
        pub fn serialize<S: Serializer>(
            value: &Option<PrimitiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => s.serialize_str(&format_datetime(*v)),
                None => s.serialize_none(),
            }
        }

        /// Reads `yyyy-MM-dd HH:mm:ss`, `null` or `""`.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<PrimitiveDateTime>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(t) if t.is_empty() => Ok(None),
                Some(t) => parse_datetime(&t).map(Some).ok_or_else(|| {
                    serde::de::Error::custom("expected a date-time as yyyy-MM-dd HH:mm:ss")
                }),
            }
        }
    }
}

/// Serde adapters for `yyyy-MM-dd` dates.
pub mod serde_date {
    use super::*;

    /// Writes `yyyy-MM-dd`.
    pub fn serialize<S: Serializer>(value: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_date(*value))
    }

    /// Reads `yyyy-MM-dd`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        parse_date(&text).ok_or_else(|| serde::de::Error::custom("expected a date as yyyy-MM-dd"))
    }

    /// The optional form (`null`, absent and `""` are `None`).
    pub mod option {
        use super::super::*;

        /// Writes `yyyy-MM-dd` or `null`.
        pub fn serialize<S: Serializer>(value: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => s.serialize_str(&format_date(*v)),
                None => s.serialize_none(),
            }
        }

        /// Reads `yyyy-MM-dd`, `null` or `""`.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(t) if t.is_empty() => Ok(None),
                Some(t) => parse_date(&t)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom("expected a date as yyyy-MM-dd")),
            }
        }
    }
}

impl Serialize for DateOrDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_wire())
    }
}

impl<'de> Deserialize<'de> for DateOrDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("expected yyyy-MM-dd or yyyy-MM-dd HH:mm:ss"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn serde_adapters_round_trip_the_vendor_strings() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Body {
            #[serde(rename = "strTime", with = "serde_datetime")]
            start: PrimitiveDateTime,
            #[serde(default, with = "serde_datetime::option")]
            end: Option<PrimitiveDateTime>,
            #[serde(default, with = "serde_date::option")]
            day: Option<Date>,
            either: DateOrDateTime,
        }
        let json = r#"{"strTime":"2024-01-01 00:00:00","end":"","day":"2024-06-03","either":"2024-06-03"}"#;
        let body: Body = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body.start, datetime!(2024-01-01 00:00:00));
        assert_eq!(body.end, None);
        assert_eq!(body.day, Some(date!(2024 - 06 - 03)));
        let out = serde_json::to_string(&body).unwrap_or_default();
        assert_eq!(
            out,
            r#"{"strTime":"2024-01-01 00:00:00","end":null,"day":"2024-06-03","either":"2024-06-03"}"#
        );
        assert!(
            serde_json::from_str::<Body>(r#"{"strTime":"2024-01-01T00:00:00","either":"x"}"#)
                .is_err()
        );
    }

    #[test]
    fn formats_the_vendor_strings() {
        assert_eq!(
            format_datetime(datetime!(2026-06-01 00:00:00)),
            "2026-06-01 00:00:00"
        );
        assert_eq!(format_date(date!(2026 - 06 - 01)), "2026-06-01");
        assert_eq!(
            DateOrDateTime::from(datetime!(2026-06-15 23:59:59)).to_wire(),
            "2026-06-15 23:59:59"
        );
        assert_eq!(
            DateOrDateTime::parse("2026-06-01"),
            Some(DateOrDateTime::Date(date!(2026 - 06 - 01)))
        );
        assert!(
            DateOrDateTime::Date(date!(2026 - 06 - 02)).start() > datetime!(2026-06-01 23:59:59)
        );
    }

    #[test]
    fn timestamps_keep_raw_text_and_parse_on_demand() {
        let t = Timestamp::new("2026-06-17T10:00:00.000+08:00");
        let parsed = t.offset_date_time();
        assert_eq!(parsed, Some(datetime!(2026-06-17 10:00:00 +08:00)));
        assert_eq!(t.local_date_time(), Some(datetime!(2026-06-17 10:00:00)));
        let local = Timestamp::new("2024-06-04 14:49:36");
        assert_eq!(local.offset_date_time(), None);
        assert_eq!(
            local.local_date_time(),
            Some(datetime!(2024-06-04 14:49:36))
        );
        let odd = Timestamp::new("yesterday");
        assert_eq!(odd.local_date_time(), None);
        assert_eq!(odd.raw(), "yesterday");
        let json = serde_json::to_string(&t).unwrap_or_default();
        assert_eq!(json, "\"2026-06-17T10:00:00.000+08:00\"");
    }
}

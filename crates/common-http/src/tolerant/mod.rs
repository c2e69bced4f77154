//! The tolerant reader behind every generated model: strict in what we send, tolerant in
//! what we accept, nothing lost, every deviation recorded.
//!
//! Generated models implement `Deserialize` with a visitor that reads each field through
//! [`Slot`] and [`Tolerant`]:
//!
//! - a scalar accepts its number, string and boolean spellings (`"1260"` for a number, `5`
//!   for a text), a timestamp its text, epoch seconds or milliseconds, `""` and `null`;
//!   lists and objects accept `null`;
//! - a documented field that is missing is absent (an empty value for a required one), an
//!   unknown field or a value that cannot be read at all is kept in the model's `extra`
//!   map under its wire name, so nothing the server sent is lost;
//! - two spellings of one field (`msgid` and `msgId`) are both accepted, the first wins;
//! - only fields the client logic needs (`x-strict` in the spec) fail when missing or
//!   unreadable, and then the whole record is kept raw as a [`Record::Raw`].
//!
//! Every deviation is recorded in the drift ledger of the current decode (see
//! [`crate::drift`]), at a path made of the vendor's own names (`WorkRecord.costTime`).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::datetime::Timestamp;
use crate::drift::{self, DriftKind};

/// What a tolerant read of one value gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Read<T> {
    /// The value, `None` when absent (`null`, `""` for a number) or unreadable.
    pub value: Option<T>,
    /// What could not be read, kept as sent (the whole value, or a list's unreadable items).
    /// Boxed: it is rare, and a small `Read` is cheaper to pass back from every field.
    pub kept: Option<Box<Value>>,
}

impl<T> Read<T> {
    fn value(value: T) -> Self {
        Self {
            value: Some(value),
            kept: None,
        }
    }

    fn absent() -> Self {
        Self {
            value: None,
            kept: None,
        }
    }

    /// A value that could not be read: recorded as drift at `path` and kept as sent.
    fn unreadable(path: &str, value: Value) -> Self {
        drift::record(path, DriftKind::TypeCoerced, || {
            format!("{} kept unread", drift::describe(&value))
        });
        Self {
            value: None,
            kept: Some(Box::new(value)),
        }
    }
}

/// Where a value is read (its drift path, `WorkRecord.costTime`), and which other
/// spellings its documentation allows (the spec's `x-lenient`), which are then no drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    path: &'static str,
    documented: u8,
}

impl At {
    /// A number may arrive as text.
    pub const NUMBER_AS_TEXT: u8 = 1;
    /// A text may arrive as a number.
    pub const TEXT_AS_NUMBER: u8 = 2;
    /// A boolean may arrive as text.
    pub const BOOL_AS_TEXT: u8 = 4;
    /// `""` may stand for absent.
    pub const EMPTY_AS_ABSENT: u8 = 8;

    /// A value at `path` with only its documented type allowed without drift.
    pub const fn new(path: &'static str) -> Self {
        Self {
            path,
            documented: 0,
        }
    }

    /// Also allows the spellings in `flags` (the `At::*` constants) without drift.
    #[must_use]
    pub const fn allowing(mut self, flags: u8) -> Self {
        self.documented |= flags;
        self
    }

    /// The drift path.
    pub const fn path(self) -> &'static str {
        self.path
    }

    fn allows(self, flag: u8) -> bool {
        self.documented & flag != 0
    }
}

/// A type that can be read tolerantly. Implemented here for the scalar, list and JSON
/// types models use, and by generated code for models and enums.
pub trait Tolerant: Sized {
    /// Reads a value, recording each deviation at `at`.
    fn read<'de, D: Deserializer<'de>>(deserializer: D, at: At) -> Result<Read<Self>, D::Error>;

    /// Reads the next item of a list at `at` into `items` (what cannot be read into
    /// `kept`); `false` at the list's end. Overridden by [`Record`], whose items are read
    /// straight into the list in the fast pass of [`read_listing`].
    #[doc(hidden)]
    #[inline]
    fn read_item<'de, A: de::SeqAccess<'de>>(
        seq: &mut A,
        at: At,
        items: &mut Vec<Self>,
        kept: &mut Vec<Value>,
    ) -> Result<bool, A::Error> {
        read_next(seq, at, items, kept)
    }
}

/// [`Tolerant::read_item`] through [`Tolerant::read`].
#[inline]
fn read_next<'de, T: Tolerant, A: de::SeqAccess<'de>>(
    seq: &mut A,
    at: At,
    items: &mut Vec<T>,
    kept: &mut Vec<Value>,
) -> Result<bool, A::Error> {
    let Some(read) = seq.next_element_seed(Seed::<T>::new(at))? else {
        return Ok(false);
    };
    items.extend(read.value);
    kept.extend(read.kept.map(|k| *k));
    Ok(true)
}

/// A coercion: the value arrived in another spelling than documented (no drift when the
/// documentation allows that spelling, `allowed`).
fn coerced(at: At, allowed: u8, example: impl FnOnce() -> String) {
    if !at.allows(allowed) {
        drift::record(at.path, DriftKind::TypeCoerced, example);
    }
}

/// Reads any JSON value into a `Value` (the fallback for what cannot be read typed).
fn any_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    Value::deserialize(deserializer)
}

/// The visits every tolerant visitor answers alike (each visitor holds its field's `at`):
/// `null` is an absent value and `Some` is read through; each other shape named is not
/// what the field documents, so it is kept as sent, unread, under the field's path.
macro_rules! alike_visits {
    ($($shape:ident),*) => { $( alike_visits!(@ $shape); )* };
    (@ null) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Read::absent())
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Read::absent())
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
    (@ seq) => {
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let value = any_value(de::value::SeqAccessDeserializer::new(seq))?;
            Ok(Read::unreadable(self.at.path, value))
        }
    };
    (@ map) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let value = any_value(de::value::MapAccessDeserializer::new(map))?;
            Ok(Read::unreadable(self.at.path, value))
        }
    };
    (@ str) => { alike_visits!(@ scalar visit_str, &str); };
    (@ bool) => { alike_visits!(@ scalar visit_bool, bool); };
    (@ i64) => { alike_visits!(@ scalar visit_i64, i64); };
    (@ u64) => { alike_visits!(@ scalar visit_u64, u64); };
    (@ f64) => { alike_visits!(@ scalar visit_f64, f64); };
    (@ scalar $visit:ident, $ty:ty) => {
        fn $visit<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            Ok(Read::unreadable(self.at.path, Value::from(v)))
        }
    };
}

/// Visits a scalar spelling and turns it into `T`.
struct ScalarVisitor<T> {
    at: At,
    _t: PhantomData<T>,
}

/// How a scalar type reads each JSON spelling.
trait Scalar: Sized {
    /// The JSON type of the documented spelling, for the drift example.
    const DOCUMENTED: &'static str;
    fn from_str(text: &str) -> Option<Self>;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_u64(v: u64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
    fn from_bool(v: bool) -> Option<Self>;
    /// Whether the documented spelling is text (so a string is not a coercion).
    const TEXT: bool;
    /// Whether the documented spelling is a number.
    const NUMBER: bool;
    /// Whether the documented spelling is a boolean.
    const BOOL: bool;
}

impl<'de, T: Scalar> Visitor<'de> for ScalarVisitor<T> {
    type Value = Read<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {}", T::DOCUMENTED)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Read<T>, E> {
        Ok(self.other_type(T::from_bool(v), T::BOOL, 0, v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Read<T>, E> {
        Ok(self.other_type(T::from_i64(v), T::NUMBER, At::TEXT_AS_NUMBER, v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Read<T>, E> {
        Ok(self.other_type(T::from_u64(v), T::NUMBER, At::TEXT_AS_NUMBER, v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Read<T>, E> {
        Ok(self.other_type(T::from_f64(v), T::NUMBER, At::TEXT_AS_NUMBER, v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Read<T>, E> {
        if T::TEXT {
            return Ok(T::from_str(v).map_or_else(Read::absent, Read::value));
        }
        if v.trim().is_empty() {
            coerced(self.at, At::EMPTY_AS_ABSENT, || "\"\"".to_owned());
            return Ok(Read::absent());
        }
        let allowed = if T::BOOL {
            At::BOOL_AS_TEXT
        } else {
            At::NUMBER_AS_TEXT
        };
        match T::from_str(v) {
            Some(value) => {
                coerced(self.at, allowed, || format!("{v:?}"));
                Ok(Read::value(value))
            }
            None => Ok(Read::unreadable(self.at.path, Value::from(v))),
        }
    }

    alike_visits!(null, seq, map);
}

impl<T: Scalar> ScalarVisitor<T> {
    /// A boolean or number `v`, `parsed` as `T` when it can be: recorded as drift unless
    /// its JSON type is `T`'s documented one (`documented`) or allowed (`allowed`), kept
    /// unread when it cannot be read.
    fn other_type<V: fmt::Display + Into<Value>>(
        self,
        parsed: Option<T>,
        documented: bool,
        allowed: u8,
        v: V,
    ) -> Read<T> {
        match parsed {
            Some(value) => {
                if !documented {
                    coerced(self.at, allowed, || v.to_string());
                }
                Read::value(value)
            }
            None => Read::unreadable(self.at.path, v.into()),
        }
    }
}

#[inline(always)]
fn read_scalar<'de, T: Scalar, D: Deserializer<'de>>(
    deserializer: D,
    at: At,
) -> Result<Read<T>, D::Error> {
    deserializer.deserialize_any(ScalarVisitor {
        at,
        _t: PhantomData::<T>,
    })
}

/// The integer of a decimal text, or of an integral number written as a float (`1e2`).
fn int_of(text: &str) -> Option<i64> {
    let text = text.trim();
    text.parse().ok().or_else(|| int_of_f64(text.parse().ok()?))
}

fn int_of_f64(v: f64) -> Option<i64> {
    // Integral and exactly representable: no precision is lost.
    #[allow(clippy::cast_possible_truncation)]
    (v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0).then_some(v as i64)
}

impl Scalar for String {
    const DOCUMENTED: &'static str = "string";
    const TEXT: bool = true;
    const NUMBER: bool = false;
    const BOOL: bool = false;
    #[inline(always)]
    fn from_str(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_f64(v: f64) -> Option<Self> {
        // The shortest decimal text that reads back to the same number (JSON numbers are
        // read exactly: serde_json's `float_roundtrip`).
        Some(v.to_string())
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v.to_string())
    }
}

impl Scalar for i64 {
    const DOCUMENTED: &'static str = "integer";
    const TEXT: bool = false;
    const NUMBER: bool = true;
    const BOOL: bool = false;
    fn from_str(text: &str) -> Option<Self> {
        int_of(text)
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    fn from_f64(v: f64) -> Option<Self> {
        int_of_f64(v)
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

impl Scalar for i32 {
    const DOCUMENTED: &'static str = "integer";
    const TEXT: bool = false;
    const NUMBER: bool = true;
    const BOOL: bool = false;
    fn from_str(text: &str) -> Option<Self> {
        int_of(text).and_then(|v| i32::try_from(v).ok())
    }
    fn from_i64(v: i64) -> Option<Self> {
        i32::try_from(v).ok()
    }
    fn from_u64(v: u64) -> Option<Self> {
        i32::try_from(v).ok()
    }
    fn from_f64(v: f64) -> Option<Self> {
        int_of_f64(v).and_then(|v| i32::try_from(v).ok())
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

impl Scalar for f64 {
    const DOCUMENTED: &'static str = "number";
    const TEXT: bool = false;
    const NUMBER: bool = true;
    const BOOL: bool = false;
    fn from_str(text: &str) -> Option<Self> {
        text.trim().parse().ok().filter(|v: &f64| v.is_finite())
    }
    #[allow(clippy::cast_precision_loss)] // a float field: the vendor's precision
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    #[allow(clippy::cast_precision_loss)]
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

impl Scalar for bool {
    const DOCUMENTED: &'static str = "boolean";
    const TEXT: bool = false;
    const NUMBER: bool = false;
    const BOOL: bool = true;
    fn from_str(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "y" => Some(true),
            "false" | "0" | "no" | "n" => Some(false),
            _ => None,
        }
    }
    fn from_i64(v: i64) -> Option<Self> {
        match v {
            1 => Some(true),
            0 => Some(false),
            _ => None,
        }
    }
    fn from_u64(v: u64) -> Option<Self> {
        Self::from_i64(i64::try_from(v).ok()?)
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v)
    }
}

macro_rules! scalar_tolerant {
    ($($ty:ty),*) => {$(
        impl Tolerant for $ty {
            #[inline(always)]
            fn read<'de, D: Deserializer<'de>>(
                deserializer: D,
                at: At,
            ) -> Result<Read<Self>, D::Error> {
                read_scalar(deserializer, at)
            }
        }
    )*};
}

scalar_tolerant!(String, i64, i32, f64, bool);

/// A timestamp: its text as sent (`""` included); an epoch number (seconds, or
/// milliseconds when above 10^11) is read as the RFC 3339 time it means (UTC); `null` is
/// absent.
impl Tolerant for Timestamp {
    #[inline(always)]
    fn read<'de, D: Deserializer<'de>>(deserializer: D, at: At) -> Result<Read<Self>, D::Error> {
        deserializer.deserialize_any(TimestampVisitor { at })
    }
}

struct TimestampVisitor {
    at: At,
}

impl TimestampVisitor {
    fn epoch(self, epoch: Option<i64>, sent: Value) -> Read<Timestamp> {
        match epoch.and_then(epoch_text) {
            Some(text) => {
                coerced(self.at, 0, || sent.to_string());
                Read::value(Timestamp::new(text))
            }
            None => Read::unreadable(self.at.path, sent),
        }
    }
}

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = Read<Timestamp>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a time")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Read::value(Timestamp::new(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Read::value(Timestamp::new(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.epoch(Some(v), Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.epoch(i64::try_from(v).ok(), Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.epoch(int_of_f64(v), Value::from(v)))
    }

    alike_visits!(null, bool, seq, map);
}

/// The typed date-times of request bodies (read back from fixtures or inbound requests):
/// their documented text; anything else is kept unread.
macro_rules! text_time_tolerant {
    ($($ty:ty => $parse:path),*) => {$(
        impl Tolerant for $ty {
            fn read<'de, D: Deserializer<'de>>(deserializer: D, at: At) -> Result<Read<Self>, D::Error> {
                Ok(match any_value(deserializer)? {
                    Value::Null => Read::absent(),
                    Value::String(text) if text.trim().is_empty() => Read::absent(),
                    Value::String(text) => match $parse(&text) {
                        Some(value) => Read::value(value),
                        None => Read::unreadable(at.path, Value::String(text)),
                    },
                    other => Read::unreadable(at.path, other),
                })
            }
        }
    )*};
}

text_time_tolerant!(
    time::PrimitiveDateTime => crate::datetime::parse_datetime,
    time::Date => crate::datetime::parse_date,
    crate::datetime::DateOrDateTime => crate::datetime::DateOrDateTime::parse
);

/// The RFC 3339 text of an epoch number of seconds, or of milliseconds above 10^11.
fn epoch_text(epoch: i64) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let nanos = if epoch.unsigned_abs() > 100_000_000_000 {
        i128::from(epoch) * 1_000_000
    } else {
        i128::from(epoch) * 1_000_000_000
    };
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

/// Any JSON value is read as is.
impl Tolerant for Value {
    fn read<'de, D: Deserializer<'de>>(deserializer: D, _at: At) -> Result<Read<Self>, D::Error> {
        Ok(Read::value(any_value(deserializer)?))
    }
}

/// An object, or JSON text holding one (as some vendors send `params`); `null` and `""`
/// are absent.
impl Tolerant for Map<String, Value> {
    fn read<'de, D: Deserializer<'de>>(deserializer: D, at: At) -> Result<Read<Self>, D::Error> {
        let path = at.path;
        Ok(match any_value(deserializer)? {
            Value::Object(map) => Read::value(map),
            Value::Null => Read::absent(),
            Value::String(text) if text.trim().is_empty() => Read::absent(),
            Value::String(text) => match serde_json::from_str::<Map<String, Value>>(&text) {
                Ok(map) => {
                    coerced(at, 0, || "an object as JSON text".to_owned());
                    Read::value(map)
                }
                Err(_) => Read::unreadable(path, Value::String(text)),
            },
            other => Read::unreadable(path, other),
        })
    }
}

/// A list: `null` is absent; each item is read tolerantly, and the items that cannot be
/// read are kept (as a list) beside the readable ones. A single value where a list is
/// documented is not guessed at: it is kept unread.
impl<T: Tolerant> Tolerant for Vec<T> {
    fn read<'de, D: Deserializer<'de>>(deserializer: D, at: At) -> Result<Read<Self>, D::Error> {
        deserializer.deserialize_any(ListVisitor {
            at,
            _t: PhantomData,
        })
    }
}

struct ListVisitor<T> {
    at: At,
    _t: PhantomData<T>,
}

impl<'de, T: Tolerant> Visitor<'de> for ListVisitor<T> {
    type Value = Read<Vec<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut kept = Vec::new();
        while T::read_item(&mut seq, self.at, &mut items, &mut kept)? {}
        Ok(Read {
            value: Some(items),
            kept: (!kept.is_empty()).then(|| Box::new(Value::Array(kept))),
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            coerced(self.at, At::EMPTY_AS_ABSENT, || "\"\"".to_owned());
            return Ok(Read::absent());
        }
        Ok(Read::unreadable(self.at.path, Value::from(v)))
    }

    alike_visits!(null, bool, i64, u64, f64, map);
}

/// A list documented as one comma-joined text (`"18,15,14"`): read from that text (`""` is
/// the empty list) or from a JSON list; `null` is an absent list.
#[derive(Debug, Clone, PartialEq)]
pub struct CommaList<T>(pub Vec<T>);

impl<T: Tolerant> Tolerant for CommaList<T> {
    fn read<'de, D: Deserializer<'de>>(deserializer: D, at: At) -> Result<Read<Self>, D::Error> {
        // The items of the text are text: that is their documented spelling.
        let items = at.allowing(At::NUMBER_AS_TEXT | At::BOOL_AS_TEXT);
        let read = match any_value(deserializer)? {
            Value::Null => Read::absent(),
            // `""` is the empty list, written back as `""`.
            Value::String(text) if text.trim().is_empty() => Read::value(Vec::new()),
            Value::String(text) => {
                let parts: Vec<Value> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .map(Value::from)
                    .collect();
                Vec::<T>::read(&Value::Array(parts), items).map_err(de::Error::custom)?
            }
            list @ Value::Array(_) => Vec::<T>::read(&list, at).map_err(de::Error::custom)?,
            other => Read::unreadable(at.path, other),
        };
        Ok(Read {
            value: read.value.map(CommaList),
            kept: read.kept,
        })
    }
}

/// [`Tolerant::read`] as a `DeserializeSeed`, for map values and list items.
#[derive(Debug)]
pub struct Seed<T> {
    at: At,
    strict: bool,
    _t: PhantomData<T>,
}

impl<T> Seed<T> {
    /// A seed reading at `at`.
    pub fn new(at: At) -> Self {
        Self {
            at,
            strict: false,
            _t: PhantomData,
        }
    }

    /// A seed for which a value that cannot be read is an error (raised while the value
    /// is read, so the error's JSON path names it).
    #[must_use]
    pub fn strict(mut self, yes: bool) -> Self {
        self.strict = yes;
        self
    }
}

impl<'de, T: Tolerant> DeserializeSeed<'de> for Seed<T> {
    type Value = Read<T>;

    #[inline(always)]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Read<T>, D::Error> {
        let read = T::read(deserializer, self.at)?;
        if self.strict && read.kept.is_some() {
            return Err(de::Error::custom(format_args!(
                "`{}` cannot be read",
                self.at.path
            )));
        }
        Ok(read)
    }
}

/// Reads a model (a generated struct) nested in another: an object through its tolerant
/// `Deserialize`; `null` is absent; anything else is kept unread. An object the model
/// refuses (a strict field missing) fails the enclosing record, which is then kept raw.
pub fn read_model<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
    at: At,
) -> Result<Read<T>, D::Error> {
    deserializer.deserialize_any(ModelVisitor {
        at,
        _t: PhantomData,
    })
}

struct ModelVisitor<T> {
    at: At,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ModelVisitor<T> {
    type Value = Read<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Read<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Read::value)
    }

    alike_visits!(null, str, bool, i64, u64, f64, seq);
}

/// Reads a generated number enum: its number (or the number's text, recorded as drift
/// unless documented); an unlisted value is kept as its `Unknown` variant (recorded as
/// drift); `null` and `""` are absent.
pub fn read_int_enum<'de, T: From<i64>, D: Deserializer<'de>>(
    deserializer: D,
    at: At,
    is_unknown: fn(&T) -> bool,
) -> Result<Read<T>, D::Error> {
    let read = i64::read(deserializer, at)?;
    Ok(Read {
        value: read
            .value
            .map(|v| listed(T::from(v), at, is_unknown, || v.to_string())),
        kept: read.kept,
    })
}

/// Reads a generated text enum: its text (or a number's text, recorded as drift unless
/// documented); an unlisted value is kept as its `Unknown` variant (recorded as drift), `""`
/// too (recorded unless documented); `null` is absent.
pub fn read_text_enum<'de, T: From<String>, D: Deserializer<'de>>(
    deserializer: D,
    at: At,
    is_unknown: fn(&T) -> bool,
) -> Result<Read<T>, D::Error> {
    let read = String::read(deserializer, at)?;
    Ok(Read {
        value: read.value.map(|text| {
            if text.trim().is_empty() {
                coerced(at, At::EMPTY_AS_ABSENT, || "\"\"".to_owned());
                return T::from(text);
            }
            let example = format!("{text:?}");
            listed(T::from(text), at, is_unknown, || example)
        }),
        kept: read.kept,
    })
}

/// `value`, recorded as an unknown enum value when it is one.
fn listed<T>(value: T, at: At, is_unknown: fn(&T) -> bool, example: impl FnOnce() -> String) -> T {
    if is_unknown(&value) {
        drift::record(at.path, DriftKind::UnknownEnumValue, example);
    }
    value
}

/// One field of a model being read: what arrived, under which spelling.
#[derive(Debug)]
pub struct Slot<T> {
    at: At,
    seen: bool,
    value: Option<T>,
    unreadable: bool,
    strict: bool,
}

impl<T: Tolerant> Slot<T> {
    /// An empty slot for the field at `at` (`WorkRecord.costTime`).
    pub fn new(at: At) -> Self {
        Self {
            at,
            seen: false,
            value: None,
            unreadable: false,
            strict: false,
        }
    }

    /// A slot for a field the client logic needs (`x-strict`): a value that cannot be
    /// read fails the record at once (so the error's JSON path names the field).
    #[must_use]
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// Reads the field's value from `map`, which just yielded the key `key`. A second
    /// spelling of a field already read is recorded and its value kept in `extra`; a value
    /// that cannot be read is kept in `extra` under `key`.
    #[inline(always)]
    pub fn read<'de, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        key: &str,
        extra: &mut Extra,
    ) -> Result<(), A::Error> {
        if self.seen {
            return self.read_again(map, key, extra);
        }
        self.seen = true;
        let read = map.next_value_seed(Seed::<T>::new(self.at).strict(self.strict))?;
        self.value = read.value;
        if let Some(kept) = read.kept {
            self.keep_unreadable(key, *kept, extra);
        }
        Ok(())
    }

    /// A second spelling of a field already read: recorded, its value kept in `extra`.
    #[cold]
    #[inline(never)]
    fn read_again<'de, A: MapAccess<'de>>(
        &self,
        map: &mut A,
        key: &str,
        extra: &mut Extra,
    ) -> Result<(), A::Error> {
        let value: Value = map.next_value()?;
        drift::record(self.at.path, DriftKind::DuplicateField, || {
            format!("`{key}`")
        });
        extra.keep(key, value);
        Ok(())
    }

    /// A value that could not be read: kept in `extra` under `key`.
    #[cold]
    #[inline(never)]
    fn keep_unreadable(&mut self, key: &str, kept: Value, extra: &mut Extra) {
        self.unreadable = true;
        extra.keep(key, kept);
    }

    /// The value of an optional field.
    pub fn optional(self) -> Option<T> {
        self.value
    }
}

impl<T: Tolerant + Default> Slot<T> {
    /// The value of a field the documentation marks required: when it is missing, the
    /// empty value, recorded as drift.
    pub fn required(self) -> T {
        self.required_or(T::default)
    }
}

impl<T: Tolerant> Slot<T> {
    /// The value of a field the documentation marks required: when it is missing (recorded
    /// as drift) or absent, `empty()`.
    pub fn required_or(self, empty: impl FnOnce() -> T) -> T {
        if !self.seen {
            drift::record(self.at.path, DriftKind::MissingField, String::new);
        }
        self.value.unwrap_or_else(empty)
    }
}

impl<T: Tolerant> Slot<T> {
    /// The value of a field the client logic needs (`x-strict`): missing or unreadable is
    /// an error, which keeps the whole record raw.
    pub fn needed<E: de::Error>(self) -> Result<T, E> {
        if self.unreadable {
            return Err(E::custom(format_args!("`{}` is unreadable", self.at.path)));
        }
        self.value
            .ok_or_else(|| E::custom(format_args!("`{}` is missing", self.at.path)))
    }

    /// The value of an optional field the client logic needs (`x-strict`): absent is
    /// fine, unreadable is an error, which keeps the whole record raw.
    pub fn needed_if_present<E: de::Error>(self) -> Result<Option<T>, E> {
        if self.unreadable {
            return Err(E::custom(format_args!("`{}` is unreadable", self.at.path)));
        }
        Ok(self.value)
    }
}

/// A field name of a model being read, borrowed from the input when it can be (so reading
/// a record allocates nothing for its keys).
#[derive(Debug)]
pub struct Key<'de>(std::borrow::Cow<'de, str>);

impl Key<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned (for a field kept in `undocumented`).
    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Key<'de> {
    /// The name, still borrowed from the input when it was.
    pub(crate) fn into_cow(self) -> std::borrow::Cow<'de, str> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// What a model keeps beyond its documented fields: unknown fields, and values of known
/// fields that could not be read, under their wire names and as sent.
#[derive(Debug, Default)]
pub struct Extra {
    model: &'static str,
    map: Map<String, Value>,
}

impl Extra {
    /// The extra fields of a `model` (its vendor name, for drift paths).
    pub fn new(model: &'static str) -> Self {
        Self {
            model,
            map: Map::new(),
        }
    }

    /// Reads the value of an unknown field `key` from `map` and keeps it.
    pub fn unknown<'de, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        key: Key<'_>,
    ) -> Result<(), A::Error> {
        let key = key.into_owned();
        let value: Value = map.next_value()?;
        let model = self.model;
        drift::record(&format!("{model}.{key}"), DriftKind::UnknownField, || {
            drift::describe(&value)
        });
        self.map.insert(key, value);
        Ok(())
    }

    fn keep(&mut self, key: &str, value: Value) {
        self.map.insert(key.to_owned(), value);
    }

    /// The kept fields.
    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }
}

/// One record of a listing: the typed model, or, when it cannot be read even tolerantly
/// (not an object, a strict field missing), the record exactly as the vendor sent it.
///
/// Serialises as the typed record, or as the raw JSON unchanged, so an export writes
/// every record.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Record<T> {
    /// The record, read.
    Typed(T),
    /// The record as sent, which could not be read.
    Raw(RawRecord),
    /// The record, read, with its JSON exactly as sent (a listing sent with
    /// [`RequestOptions::keep_json`](crate::RequestOptions::keep_json), for callers that
    /// store what the vendor said, such as a database sync).
    TypedWithJson {
        /// The record, read.
        record: T,
        /// Its JSON text, exactly as sent.
        json: Box<str>,
    },
}

/// A record equals a model when it was read as that model.
impl<T: PartialEq> PartialEq<T> for Record<T> {
    fn eq(&self, other: &T) -> bool {
        self.typed() == Some(other)
    }
}

impl<T> From<T> for Record<T> {
    fn from(record: T) -> Self {
        Self::Typed(record)
    }
}

impl<T> Record<T> {
    /// The typed record, if it could be read.
    pub fn typed(&self) -> Option<&T> {
        match self {
            Self::Typed(t) | Self::TypedWithJson { record: t, .. } => Some(t),
            Self::Raw(_) => None,
        }
    }

    /// The typed record, or the raw one.
    pub fn into_typed(self) -> Result<T, RawRecord> {
        match self {
            Self::Typed(t) | Self::TypedWithJson { record: t, .. } => Ok(t),
            Self::Raw(raw) => Err(raw),
        }
    }

    /// The raw record, if it could not be read.
    pub fn raw(&self) -> Option<&RawRecord> {
        match self {
            Self::Typed(_) | Self::TypedWithJson { .. } => None,
            Self::Raw(raw) => Some(raw),
        }
    }

    /// Whether the record could be read.
    pub fn is_typed(&self) -> bool {
        !matches!(self, Self::Raw(_))
    }

    /// The record's JSON text exactly as sent: always for a raw record, and for a read one
    /// when its listing was sent with
    /// [`RequestOptions::keep_json`](crate::RequestOptions::keep_json).
    pub fn json(&self) -> Option<&str> {
        match self {
            Self::Typed(_) => None,
            Self::Raw(raw) => Some(raw.json()),
            Self::TypedWithJson { json, .. } => Some(json),
        }
    }

    /// [`Record::json`], taken out of the record (no copy of the text).
    pub fn into_json(self) -> Option<Box<str>> {
        match self {
            Self::Typed(_) => None,
            Self::Raw(raw) => Some(raw.json),
            Self::TypedWithJson { json, .. } => Some(json),
        }
    }
}

/// The strict mode of a listing: each record must be read, and one that cannot be is an
/// error (a decode error quoting it) instead of a [`Record::Raw`].
///
/// ```no_run
/// # async fn demo(records: impl futures::Stream<Item = Result<common_http::tolerant::Record<u32>, common_http::Error>> + Send) -> Result<(), common_http::Error> {
/// use futures::TryStreamExt;
/// use common_http::tolerant::StrictRecords;
///
/// let mut records = std::pin::pin!(records.strict());
/// while let Some(record) = records.try_next().await? {
///     let _: u32 = record; // typed, or the walk ended with an error
/// }
/// # Ok(()) }
/// ```
pub trait StrictRecords<T>:
    futures::Stream<Item = Result<Record<T>, crate::Error>> + Sized
{
    /// The typed records; an unreadable one ends the stream with an error.
    fn strict(self) -> Strict<Self, T> {
        futures::StreamExt::map(self, |item| item.and_then(Record::required))
    }
}

/// The stream [`StrictRecords::strict`] returns.
pub type Strict<S, T> = futures::stream::Map<S, RequireRecord<T>>;

/// Turns one listing item into the typed record, or the error of a raw one.
pub type RequireRecord<T> = fn(Result<Record<T>, crate::Error>) -> Result<T, crate::Error>;

impl<T, S: futures::Stream<Item = Result<Record<T>, crate::Error>>> StrictRecords<T> for S {}

impl<T> Record<T> {
    /// The typed record; a raw one is a decode error quoting it (the strict mode).
    pub fn required(self) -> Result<T, crate::Error> {
        match self {
            Self::Typed(t) | Self::TypedWithJson { record: t, .. } => Ok(t),
            Self::Raw(raw) => Err(crate::Error::decode(
                "record",
                raw.json.as_bytes(),
                format!("the record could not be read: {}", raw.reason),
            )),
        }
    }
}

/// A record that could not be read, as the vendor sent it, and why.
#[derive(Clone, PartialEq)]
pub struct RawRecord {
    json: Box<str>,
    reason: String,
}

impl fmt::Debug for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRecord")
            .field("bytes", &self.json.len())
            .field("reason", &self.reason)
            .finish()
    }
}

impl RawRecord {
    /// A record kept as sent (`json`), and why it could not be read: for hand-written
    /// readers of payloads the generated decoders do not cover.
    pub fn new(json: impl Into<Box<str>>, reason: impl Into<String>) -> Self {
        Self {
            json: json.into(),
            reason: reason.into(),
        }
    }

    /// The record's JSON text, exactly as sent.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Why it could not be read.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The record parsed as a JSON value.
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }
}

impl<T: Serialize> Serialize for Record<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Typed(t) | Self::TypedWithJson { record: t, .. } => t.serialize(serializer),
            Self::Raw(raw) => match serde_json::from_str::<&RawValue>(&raw.json) {
                Ok(value) => value.serialize(serializer),
                Err(_) => serializer.serialize_str(&raw.json),
            },
        }
    }
}

/// Reads each record of a listing on its own, so one that cannot be read is kept raw
/// instead of failing its page.
impl<'de, T: DeserializeOwned> Deserialize<'de> for Record<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::read(deserializer, At::new("record")).map(|read| {
            read.value.unwrap_or_else(|| {
                Self::Raw(RawRecord {
                    json: "null".into(),
                    reason: "the record is null".to_owned(),
                })
            })
        })
    }
}

thread_local! {
    /// Whether records are captured as raw JSON before they are read (see
    /// [`read_listing`]); off during the first, fast pass over a listing.
    static CAPTURE: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    /// Whether a read record keeps its captured JSON ([`keeping_json`]).
    static KEEP_JSON: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `decode` so that, when `keep` is set, every listing record read in it keeps its
/// JSON exactly as sent ([`Record::TypedWithJson`]). The listing is then read in one
/// capturing pass: the fast pass of [`read_listing`] would not see the text.
pub fn keeping_json<R>(keep: bool, decode: impl FnOnce() -> R) -> R {
    if !keep {
        return decode();
    }
    let was = KEEP_JSON.with(|k| k.replace(true));
    let result = decode();
    KEEP_JSON.with(|k| k.set(was));
    result
}

/// Decodes a payload holding a listing with `decode`, so that no record is lost yet the
/// common case costs one pass: first with every record read straight as `T` (a record that
/// cannot be read fails that pass, its deviations forgotten), and only then, if it failed,
/// again with each record captured as raw JSON first and kept raw when unreadable.
pub fn read_listing<R, E>(decode: impl Fn() -> Result<R, E>) -> Result<R, E> {
    match fast_pass(&decode) {
        Some(read) => Ok(read),
        None => decode(),
    }
}

/// Runs `decode` as the fast pass of [`read_listing`]: listing records read straight as
/// `T` (one that cannot be read fails the pass), the deviations set aside and recorded only
/// when the pass succeeds. `None` when it failed, and when records must keep their JSON
/// ([`keeping_json`]), which the fast pass cannot: the caller then reads the slow way.
pub(crate) fn fast_pass<R, E>(decode: impl FnOnce() -> Result<R, E>) -> Option<R> {
    if KEEP_JSON.with(std::cell::Cell::get) {
        return None;
    }
    crate::drift::first_then(
        || {
            let was = CAPTURE.with(|c| c.replace(false));
            let result = decode();
            CAPTURE.with(|c| c.set(was));
            result.map_err(drop)
        },
        || Err(()),
    )
    .ok()
}

/// A record of a listing: its JSON is captured first, then read as `T`; one that cannot be
/// read is kept raw (and recorded as an unreadable record at `path`), never dropped. (In
/// the first pass of [`read_listing`] it is read straight as `T`.)
impl<T: DeserializeOwned> Tolerant for Record<T> {
    /// In the fast pass, each record is read as `T` straight into the list (no wrapper to
    /// move it through: a record is large).
    #[inline]
    fn read_item<'de, A: de::SeqAccess<'de>>(
        seq: &mut A,
        at: At,
        items: &mut Vec<Self>,
        kept: &mut Vec<Value>,
    ) -> Result<bool, A::Error> {
        if CAPTURE.with(std::cell::Cell::get) {
            return read_next(seq, at, items, kept);
        }
        let Some(record) = seq.next_element::<T>()? else {
            return Ok(false);
        };
        items.push(Self::Typed(record));
        Ok(true)
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D, at: At) -> Result<Read<Self>, D::Error> {
        if !CAPTURE.with(std::cell::Cell::get) {
            return T::deserialize(deserializer).map(|t| Read::value(Self::Typed(t)));
        }
        let path = at.path;
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let record = match serde_json::from_str::<T>(raw.get()) {
            Ok(record) if KEEP_JSON.with(std::cell::Cell::get) => Self::TypedWithJson {
                record,
                json: raw.get().into(),
            },
            Ok(record) => Self::Typed(record),
            Err(error) => {
                let reason = error.to_string();
                drift::record(path, DriftKind::UnreadableRecord, || reason.clone());
                Self::Raw(RawRecord {
                    json: raw.get().into(),
                    reason,
                })
            }
        };
        Ok(Read::value(record))
    }
}

#[cfg(test)]
mod tests;

//! Vendors wrap their payloads differently; an [`Envelope`] says how to unwrap one.
//!
//! Envelope first: the code, the message and the payload are read as the top-level fields
//! of the body ([`EnvelopeFields`]), the payload left unread, and the payload is decoded
//! only when the code says success. A vendor error whose `data` is `{}` on a list endpoint
//! is still the vendor's error; every documented spelling of a field is accepted, also
//! when two arrive in one body (recorded as drift).
//!
//! A successful answer, the common case, can be read in one pass instead
//! ([`open_success`]): the payload decoded where it stands, the verdict taken from the
//! other fields afterwards, and anything unusual read again envelope first.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::Error;
use crate::drift::{self, DriftKind};
use crate::tolerant::Key;

/// A vendor's response wrapper (`{code, message, data}`, `{ret_code|retCode|errcode,
/// ret_msg|retMsg|errmsg, data|item}`, `{code: "0"|0, msg, data}` or `{status, reason}` …).
///
/// The vendor crate implements it once for its generic envelope type:
/// [`Envelope::open_fields`] reads the body's [`EnvelopeFields`], decides which codes mean
/// success, which mean "credentials rejected" (mark the [`ApiError`](crate::ApiError) with
/// `credentials_rejected(true)` so the runtime re-authenticates once) and which are
/// temporary, and decodes the payload only on success.
///
/// An envelope that also names its payload ([`Envelope::PAYLOAD`]) and its verdict
/// ([`Envelope::succeeded`]) has a successful answer read in one pass: the payload decoded
/// where it stands, the verdict taken afterwards. Anything else (an error, a payload that
/// cannot be read in one pass) is then read envelope first, as without them.
pub trait Envelope {
    /// The payload on success.
    type Data: DeserializeOwned;

    /// The spellings of the payload field (`data`, `item`), for the one-pass read of a
    /// successful answer. Empty, the default: every answer is read envelope first.
    const PAYLOAD: &'static [&'static str] = &[];

    /// The payload, or the vendor's error, from the body's top-level fields.
    fn open_fields(fields: &EnvelopeFields<'_>) -> Result<Self::Data, Error>;

    /// Whether the top-level fields other than the payload report success, recording the
    /// envelope's drift as [`Envelope::open_fields`] does. Only called when
    /// [`Envelope::PAYLOAD`] is set; `false`, the default, reads envelope first.
    fn succeeded(fields: &EnvelopeFields<'_>) -> bool {
        let _ = fields;
        false
    }

    /// The payload, or the vendor's error, from a whole response body.
    fn open(body: &[u8]) -> Result<Self::Data, Error> {
        if !Self::PAYLOAD.is_empty()
            && let Some(data) = open_success(body, Self::PAYLOAD, Self::succeeded)
        {
            return Ok(data);
        }
        Self::open_fields(&EnvelopeFields::parse(body)?)
    }
}

/// A response that is not wrapped: the body is the payload itself.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(transparent)]
pub struct Bare<T>(pub T);

impl<T: DeserializeOwned> Envelope for Bare<T> {
    type Data = T;

    fn open_fields(fields: &EnvelopeFields<'_>) -> Result<T, Error> {
        decode_json(fields.body())
    }

    /// The body is the payload (it need not be an object).
    fn open(body: &[u8]) -> Result<T, Error> {
        decode_json(body)
    }
}

/// The top-level fields of a JSON object, each value left unread: what an envelope is
/// read from before its payload.
pub struct EnvelopeFields<'a> {
    body: &'a [u8],
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl fmt::Debug for EnvelopeFields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.fields.iter().map(|(name, _)| name.as_ref()).collect();
        f.debug_struct("EnvelopeFields")
            .field("fields", &names)
            .finish_non_exhaustive()
    }
}

impl<'a> EnvelopeFields<'a> {
    /// The fields of `body`, which must be a JSON object (else a decode error).
    pub fn parse(body: &'a [u8]) -> Result<Self, Error> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let fields = de
            .deserialize_map(FieldsVisitor)
            .and_then(|fields| de.end().map(|()| fields))
            .map_err(|e| Error::decode("", body, e))?;
        Ok(Self { body, fields })
    }

    /// The whole body (for excerpts in errors).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The unread value of the first of `names` present (when more than one spelling is
    /// present, the first in `names` wins; [`note_drift`](Self::note_drift) records it).
    pub fn raw(&self, names: &[&str]) -> Option<&'a RawValue> {
        names
            .iter()
            .find_map(|name| self.fields.iter().find(|(n, _)| n == name))
            .map(|(_, value)| *value)
    }

    /// The first of `names` present as text: a string, or the text of a number or
    /// boolean. `null` and anything else read as absent.
    pub fn text(&self, names: &[&str]) -> Option<String> {
        let raw = self.raw(names)?;
        match serde_json::from_str::<serde_json::Value>(raw.get()).ok()? {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The first of `names` present as an integer: a number, or a string holding one
    /// (`"0"`, `1e2`, `100.0`); a fraction or a number out of range reads as absent.
    pub fn int(&self, names: &[&str]) -> Option<i64> {
        let text = self.text(names)?;
        let text = text.trim();
        text.parse().ok().or_else(|| {
            let float: f64 = text.parse().ok()?;
            let whole = float.fract() == 0.0 && float.abs() < 9.0e15;
            #[allow(clippy::cast_possible_truncation)] // checked: whole and within range
            whole.then_some(float as i64)
        })
    }

    /// The decode error for an envelope whose `what` (the first of `names`) is missing or
    /// unreadable: without it, success cannot be told from failure.
    pub fn unreadable(&self, names: &[&str], what: &str) -> Error {
        let path = names.first().copied().unwrap_or_default();
        Error::decode(
            path,
            self.body,
            format!("the envelope has no readable {what}"),
        )
    }

    /// The first of `names` present as a boolean: `true`/`false`, or their text.
    pub fn bool(&self, names: &[&str]) -> Option<bool> {
        match self.text(names)?.trim() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The payload under the first of `names` present, decoded as `T` (errors name the
    /// JSON path from the top of the body); `None` when absent or `null`.
    pub fn payload<T: DeserializeOwned>(&self, names: &[&str]) -> Result<Option<T>, Error> {
        let Some(raw) = self.raw(names) else {
            return Ok(None);
        };
        if raw.get().trim() == "null" {
            return Ok(None);
        }
        crate::tolerant::read_listing(|| decode_json::<T>(raw.get().as_bytes()))
            .map(Some)
            .map_err(|e| {
                let slot = names.first().copied().unwrap_or_default();
                e.within(slot, self.body)
            })
    }

    /// Records the envelope's drift: each field that is no spelling of `fields` (each
    /// inner list is the spellings of one field) as unknown, and each field that arrived
    /// in more than one spelling as a duplicate.
    pub fn note_drift(&self, fields: &[&[&str]]) {
        for spellings in fields {
            let mut present = spellings
                .iter()
                .filter(|s| self.fields.iter().any(|(n, _)| n == *s));
            if let (Some(first), Some(second)) = (present.next(), present.next()) {
                drift::record(first, DriftKind::DuplicateField, || {
                    format!("`{first}` and `{second}`")
                });
            }
        }
        for (name, value) in &self.fields {
            if !fields
                .iter()
                .any(|spellings| spellings.contains(&name.as_ref()))
            {
                drift::record(name, DriftKind::UnknownField, || {
                    let value = serde_json::from_str(value.get()).unwrap_or_default();
                    drift::describe(&value)
                });
            }
        }
    }
}

/// The top-level fields of an object, each value left unread (names borrowed from the
/// body when they can be).
type Fields<'a> = Vec<(Cow<'a, str>, &'a RawValue)>;

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(4));
        while let Some(name) = map.next_key::<Key<'de>>()? {
            let value: &'de RawValue = map.next_value()?;
            fields.push((name.into_cow(), value));
        }
        Ok(fields)
    }
}

/// Reads an answer that reports success in one pass, the common case: the payload under
/// the first of `payload` present is decoded as `T` where it stands (listing records
/// straight into their list), every other top-level field is kept unread, and then
/// `succeeded` reads the code from those fields (and records the envelope's drift).
///
/// `None`, with nothing recorded, when the answer is anything else: not a success, no
/// payload or two spellings of it, a payload that cannot be read in one pass (a record
/// that must be kept raw), or records that must keep their JSON
/// ([`RequestOptions::keep_json`](crate::RequestOptions::keep_json)). [`Envelope::open`]
/// then reads it envelope first, which gives the same payload and drift or the vendor's
/// error.
///
/// Envelope first, the payload is read twice: once to find where it ends, once to decode
/// it. That first pass costs about a third of the decode itself (0.75 ms to find the
/// records of the 1,000-record bench page against 1.9 ms to decode them, BENCHMARKS.md).
fn open_success<T: DeserializeOwned>(
    body: &[u8],
    payload: &[&str],
    succeeded: impl FnOnce(&EnvelopeFields<'_>) -> bool,
) -> Option<T> {
    crate::tolerant::fast_pass(|| {
        let mut de = serde_json::Deserializer::from_slice(body);
        let (fields, data) = de
            .deserialize_map(OnePass::<T> {
                payload,
                _t: PhantomData,
            })
            .and_then(|read| de.end().map(|()| read))
            .map_err(drop)?;
        let fields = EnvelopeFields { body, fields };
        match data {
            Some(data) if succeeded(&fields) => Ok(data),
            _ => Err(()),
        }
    })
}

/// The visitor of [`open_success`]: the payload decoded, the other fields kept unread.
struct OnePass<'n, T> {
    payload: &'n [&'n str],
    _t: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for OnePass<'_, T> {
    type Value = (Fields<'de>, Option<T>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::with_capacity(4);
        let mut data = None;
        while let Some(name) = map.next_key::<Key<'de>>()? {
            if !self.payload.contains(&name.as_str()) {
                fields.push((name.into_cow(), map.next_value::<&'de RawValue>()?));
            } else if data.is_some() {
                return Err(serde::de::Error::custom("two spellings of the payload"));
            } else {
                data = Some(map.next_value::<T>()?);
            }
        }
        Ok((fields, data))
    }
}

/// The payload of an envelope that reported success.
///
/// A missing or `null` payload reads as JSON `null`: payload types that accept it
/// (`serde_json::Value`, `Option<_>`, `()`) get their empty value; any other type is
/// [`Error::missing_data`] (with an excerpt of `body`).
pub fn success_payload<T: DeserializeOwned>(data: Option<T>, body: &[u8]) -> Result<T, Error> {
    match data {
        Some(data) => Ok(data),
        None => T::deserialize(serde_json::Value::Null).map_err(|_| Error::missing_data(body)),
    }
}

/// Decodes `body` as JSON into `T`, reporting the JSON path of the first failure.
///
/// The body is decoded with plain `serde_json` first; only when that fails is it decoded
/// again with `serde_path_to_error` to find the path. Tracking the path on every call
/// costs an allocation per object key (it more than doubled the allocations of a page
/// call, see BENCHMARKS.md), and the path is only ever needed for an error.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|plain| locate_error::<T>(body, plain))
}

/// The decode error for `body`, which plain `serde_json` rejected with `plain`, with the
/// JSON path of the failure.
#[cold]
fn locate_error<T: DeserializeOwned>(body: &[u8], plain: serde_json::Error) -> Error {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => {
            let path = e.path().to_string();
            Error::decode(path, body, e.into_inner())
        }
        // The value itself is fine: what failed is the end (trailing characters).
        Ok(_) => Error::decode("", body, plain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        list: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: u32,
    }

    #[test]
    fn decode_error_names_the_json_path() {
        let body = br#"{"list":[{"id":1},{"id":"x"}]}"#;
        let err = decode_json::<Page>(body).err();
        let err = err.as_ref();
        assert_eq!(err.and_then(Error::json_path), Some("list[1].id"));
        assert!(err.is_some_and(Error::is_decode));
        assert_eq!(
            err.and_then(Error::raw_body),
            Some(std::str::from_utf8(body).unwrap_or_default())
        );
    }

    #[test]
    fn trailing_garbage_and_html_are_decode_errors() {
        assert!(decode_json::<Bare<u32>>(b"1 2").is_err());
        let html = b"<html><body>502 Bad Gateway</body></html>";
        let err = decode_json::<Page>(html).err();
        assert!(err.as_ref().is_some_and(Error::is_decode));
        assert!(
            err.as_ref()
                .and_then(Error::raw_body)
                .is_some_and(|b| b.contains("502 Bad Gateway"))
        );
    }

    #[test]
    fn bare_envelope_passes_the_payload_through() {
        assert_eq!(Bare::<Vec<u8>>::open(b"[1,2]").ok(), Some(vec![1, 2]));
    }
}

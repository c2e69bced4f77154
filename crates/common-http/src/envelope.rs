//! Vendors wrap their payloads differently; an [`Envelope`] says how to unwrap one.

use serde::de::DeserializeOwned;

use crate::Error;

/// A vendor's response wrapper (`{code, message, data}`, `{ret_code|retCode, ret_msg|retMsg,
/// data|item}`, `{code: "0"|0, msg, data}` …).
///
/// The vendor crate implements it once for its generic envelope type; the runtime decodes
/// the body into the envelope and calls [`Envelope::into_result`]. The implementation
/// decides which codes mean success, which mean "credentials rejected" (mark the
/// [`ApiError`](crate::ApiError) with `credentials_rejected(true)` so the runtime
/// re-authenticates once) and which are temporary.
pub trait Envelope: DeserializeOwned {
    /// The payload on success.
    type Data;

    /// The payload, or the vendor's error. `body` is the raw response, for excerpts.
    fn into_result(self, body: &[u8]) -> Result<Self::Data, Error>;
}

/// A response that is not wrapped: the body is the payload itself.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(transparent)]
pub struct Bare<T>(pub T);

impl<T: DeserializeOwned> Envelope for Bare<T> {
    type Data = T;

    fn into_result(self, _body: &[u8]) -> Result<T, Error> {
        Ok(self.0)
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
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        Error::decode(path, body, e.into_inner())
    })?;
    de.end().map_err(|e| Error::decode("", body, e))?;
    Ok(value)
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
        let bare: Bare<Vec<u8>> = decode_json(b"[1,2]").unwrap_or(Bare(vec![]));
        assert_eq!(bare.into_result(b"").ok(), Some(vec![1, 2]));
    }
}

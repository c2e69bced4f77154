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
        let bare: Bare<Vec<u8>> = decode_json(b"[1,2]").unwrap_or(Bare(vec![]));
        assert_eq!(bare.into_result(b"").ok(), Some(vec![1, 2]));
    }
}

//! How an [`ItnioResponse`] becomes a payload or an error (hand-written: the spec cannot
//! say which codes mean success).

use common_http::{ApiError, Envelope, Error};
use serde::de::DeserializeOwned;

use crate::generated::ItnioResponse;

/// `code` (a number or a string, or `status`) 0 is success; -1 (authentication error) and
/// -16 (timestamp expired) are rejected credentials, so the request is signed afresh and
/// retried once; -18 (system exception) is temporary; anything else is the vendor's error
/// with its code and message.
///
/// A missing or `null` `data` on success is read as JSON `null`: payload types that accept
/// it (`serde_json::Value`, `Option<_>`, `()`) get their empty value, any other type is
/// [`Error::missing_data`].
impl<T: DeserializeOwned> Envelope for ItnioResponse<T> {
    type Data = T;

    fn into_result(self, body: &[u8]) -> Result<T, Error> {
        match self.code {
            0 => common_http::success_payload(self.data, body),
            code => Err(Error::api(
                ApiError::new(code.to_string(), self.msg.unwrap_or_default())
                    .credentials_rejected(matches!(code, -1 | -16))
                    .temporary(code == -18),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use common_http::decode_json;

    use super::*;
    use crate::generated::TaskPage;

    fn result<T: DeserializeOwned>(body: &str) -> Result<T, Error> {
        decode_json::<ItnioResponse<T>>(body.as_bytes())?.into_result(body.as_bytes())
    }

    #[test]
    fn codes_as_numbers_or_strings() {
        let page = result::<TaskPage>(
            r#"{"code":"0","msg":"success","data":{"records":[],"total":0,"size":10,"current":1,"pages":0}}"#,
        );
        assert!(page.is_ok_and(|p| p.records.is_empty()));
        let err = result::<TaskPage>(r#"{"code":-16,"msg":"timestamp expired"}"#).err();
        assert!(
            err.as_ref()
                .and_then(Error::api_error)
                .is_some_and(|e| e.credentials_rejected)
        );
        let err = result::<TaskPage>(r#"{"status":"-18","reason":"system exception"}"#).err();
        assert!(
            err.as_ref()
                .and_then(Error::api_error)
                .is_some_and(|e| e.temporary)
        );
        let err = result::<TaskPage>(r#"{"code":-22,"msg":"parameter exception"}"#).err();
        assert_eq!(err.as_ref().and_then(Error::vendor_code), Some("-22"));
    }
}

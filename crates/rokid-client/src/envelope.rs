//! How a [`RokidResponse`] becomes a payload or an error (hand-written: the spec cannot
//! say which codes mean success).

use common_http::{ApiError, Envelope, EnvelopeFields, Error};
use serde::de::DeserializeOwned;

use crate::generated::RokidResponse;

/// Envelope codes that mean the API key was rejected (expired, revoked, unknown).
const AUTH_CODES: [i32; 2] = [401, 403];

/// Success is `code == 0` (and `success` not `false`); anything else is the vendor's error
/// with its code and message.
///
/// Envelope first: the code, `success` and the message are read before the payload, which
/// is decoded only on success, so an error answer whose `data` has another shape is still
/// the vendor's error. The code is read as a number or as text.
///
/// The Rokid docs publish no error-code table. Assumption: envelope codes `401` and `403`
/// carry their HTTP meaning (expired, revoked or unknown key); they are marked
/// "credentials rejected", so the caller gets [`Error::is_auth`]. A static API key cannot
/// be renewed, so the runtime does not retry them. An HTTP 401 is an auth error whatever
/// the body says.
///
/// A missing or `null` `data` on success is read as JSON `null`: payload types that accept
/// it (`serde_json::Value`, `Option<_>`, `()`) get their empty value, any other type is
/// [`Error::missing_data`].
impl<T: DeserializeOwned> Envelope for RokidResponse<T> {
    type Data = T;

    fn open_fields(fields: &EnvelopeFields<'_>) -> Result<T, Error> {
        type Names = RokidResponse<()>;
        let body = fields.body();
        fields.note_drift(Names::SPELLINGS);
        let code = fields
            .int(Names::CODE_NAMES)
            .ok_or_else(|| fields.unreadable(Names::CODE_NAMES, "code"))?;
        let success = fields.bool(Names::SUCCESS_NAMES);
        if code == 0 && success != Some(false) {
            let data = fields.payload(Names::DATA_NAMES)?;
            return common_http::success_payload(data, body);
        }
        let auth = AUTH_CODES.iter().any(|c| i64::from(*c) == code);
        let code = code.to_string();
        let message = fields.text(Names::MESSAGE_NAMES).unwrap_or_default();
        Err(Error::api(
            ApiError::new(code, message).credentials_rejected(auth),
        ))
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::generated::WorkRecordPage;

    fn result<T: DeserializeOwned>(body: &str) -> Result<T, Error> {
        RokidResponse::<T>::open(body.as_bytes())
    }

    #[test]
    fn success_error_and_missing_data() {
        let page = result::<WorkRecordPage>(
            r#"{"code":0,"message":"OK","data":{"pageNum":1,"pageSize":10,"total":0,"list":[]},"success":true}"#,
        );
        assert!(page.is_ok_and(|p| p.total == 0));
        let err =
            result::<WorkRecordPage>(r#"{"code":401,"message":"expired","success":false}"#).err();
        assert_eq!(err.as_ref().and_then(Error::vendor_code), Some("401"));
        assert!(err.is_some_and(|e| e.is_auth()));
        let err =
            result::<WorkRecordPage>(r#"{"code":500,"message":"busy","success":false}"#).err();
        assert!(err.as_ref().is_some_and(|e| e.is_api() && !e.is_auth()));
        assert_eq!(err.as_ref().and_then(Error::vendor_message), Some("busy"));
        let err = result::<WorkRecordPage>(r#"{"code":0,"success":false,"message":"no"}"#).err();
        assert!(err.is_some_and(|e| e.is_api()));
        let err = result::<WorkRecordPage>(r#"{"code":0,"message":"OK"}"#).err();
        assert!(err.is_some_and(|e| e.is_decode()));
        let empty = result::<serde_json::Value>(r#"{"code":0,"message":"OK"}"#);
        assert_eq!(empty.ok(), Some(serde_json::Value::Null));
    }
}

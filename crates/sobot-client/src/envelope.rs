//! How a [`SobotResponse`] becomes a payload or an error (hand-written: the spec cannot
//! say which codes mean success).

use common_http::{ApiError, Envelope, EnvelopeFields, Error};
use serde::de::DeserializeOwned;

use crate::codes;
use crate::generated::SobotResponse;

/// Success is [`codes::SUCCESS`]; [`codes::TOKEN_INVALID`] are rejected credentials;
/// anything else is the vendor's error with its code and message.
///
/// Envelope first: the code (`ret_code`, `retCode` or `errcode`, text or number) and the
/// message (`ret_msg`, `retMsg` or `errmsg`) are read before the payload, which is decoded
/// only on success, so an error answer whose `data` is `{}` is still the vendor's error.
///
/// A missing or `null` `data` (`item` for get_token) on success is read as JSON `null`:
/// payload types that accept it (`serde_json::Value`, `Option<_>`, `()`) get their empty
/// value, any other type is [`Error::missing_data`].
impl<T: DeserializeOwned> Envelope for SobotResponse<T> {
    type Data = T;

    const PAYLOAD: &'static [&'static str] = Names::DATA_NAMES;

    fn succeeded(fields: &EnvelopeFields<'_>) -> bool {
        fields.note_drift(Names::SPELLINGS);
        checked(fields).is_ok()
    }

    fn open_fields(fields: &EnvelopeFields<'_>) -> Result<T, Error> {
        fields.note_drift(Names::SPELLINGS);
        let data = checked(fields)?.payload(Names::DATA_NAMES)?;
        common_http::success_payload(data, fields.body())
    }
}

type Names = SobotResponse<()>;

/// The envelope's fields when its code says success, else the vendor's error.
pub(crate) fn checked<'f, 'a>(
    fields: &'f EnvelopeFields<'a>,
) -> Result<&'f EnvelopeFields<'a>, Error> {
    let code = fields
        .text(Names::RET_CODE_NAMES)
        .ok_or_else(|| fields.unreadable(Names::RET_CODE_NAMES, "code"))?;
    let code = code.trim();
    if codes::is_success(code) {
        return Ok(fields);
    }
    let message = fields.text(Names::RET_MSG_NAMES).unwrap_or_default();
    Err(Error::api(
        ApiError::new(code, message).credentials_rejected(codes::is_token_invalid(code)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::TokenItem;

    fn result<T: DeserializeOwned>(body: &str) -> Result<T, Error> {
        SobotResponse::<T>::open(body.as_bytes())
    }

    #[test]
    fn success_token_invalid_and_errors() {
        let token = result::<TokenItem>(
            r#"{"ret_code":"000000","ret_msg":"ok","item":{"token":"t","expires_in":"86400"}}"#,
        );
        assert!(token.is_ok_and(|t| t.expires_in == 86400));
        let err = result::<TokenItem>(r#"{"retCode":"900002","retMsg":"token invalid"}"#).err();
        assert!(
            err.as_ref()
                .and_then(Error::api_error)
                .is_some_and(|e| e.credentials_rejected)
        );
        let err = result::<TokenItem>(r#"{"errcode":401,"ret_msg":"unauthorized"}"#).err();
        assert!(
            err.as_ref()
                .and_then(Error::api_error)
                .is_some_and(|e| e.credentials_rejected)
        );
        let err = result::<TokenItem>(r#"{"ret_code":"100001","ret_msg":"bad"}"#).err();
        assert_eq!(err.as_ref().and_then(Error::vendor_code), Some("100001"));
        assert!(err.and_then(|e| e.api_error().map(|a| a.credentials_rejected)) == Some(false));
        let ack = result::<serde_json::Value>(r#"{"ret_code":"000000","ret_msg":"ok","data":{}}"#);
        assert_eq!(ack.ok(), Some(serde_json::json!({})));
    }
}

//! How a [`SobotResponse`] becomes a payload or an error (hand-written: the spec cannot
//! say which codes mean success).

use common_http::{ApiError, Envelope, Error};
use serde::de::DeserializeOwned;

use crate::codes;
use crate::generated::SobotResponse;

/// Success is [`codes::SUCCESS`]; [`codes::TOKEN_INVALID`] are rejected credentials;
/// anything else is the vendor's error with its code and message.
///
/// A missing or `null` `data` (`item` for get_token) on success is read as JSON `null`:
/// payload types that accept it (`serde_json::Value`, `Option<_>`, `()`) get their empty
/// value, any other type is [`Error::missing_data`].
impl<T: DeserializeOwned> Envelope for SobotResponse<T> {
    type Data = T;

    fn into_result(self, body: &[u8]) -> Result<T, Error> {
        let code = self.ret_code.trim();
        if codes::is_success(code) {
            return common_http::success_payload(self.data, body);
        }
        let rejected = codes::is_token_invalid(code);
        Err(Error::api(
            ApiError::new(code, self.ret_msg).credentials_rejected(rejected),
        ))
    }
}

#[cfg(test)]
mod tests {
    use common_http::decode_json;

    use super::*;
    use crate::generated::TokenItem;

    fn result<T: DeserializeOwned>(body: &str) -> Result<T, Error> {
        decode_json::<SobotResponse<T>>(body.as_bytes())?.into_result(body.as_bytes())
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

//! How an [`ItnioResponse`] becomes a payload or an error (hand-written: the spec cannot
//! say which codes mean success).

use common_http::{ApiError, Envelope, EnvelopeFields, Error};
use serde::de::DeserializeOwned;

use crate::generated::{ItnioResponse, ResponseCode};

/// `code` (a number or a string, or `status`) 0 is success. -1 (authentication error) and
/// -16 (timestamp expired) are rejected credentials, so the error answers
/// [`Error::is_auth`]; whether the call is then retried is the signer's decision
/// ([`ItnioSigner`](crate::ItnioSigner) retries only -16, once, with a fresh timestamp: the
/// same key and secret cannot fix a -1). -18 (system exception) is temporary (an
/// idempotent call is retried per the retry policy); anything else is the vendor's error
/// with its code (see [`ResponseCode`]) and message (`msg` or `reason`).
///
/// Envelope first: the code and message are read before the payload, which is decoded
/// only on success.
///
/// A missing or `null` `data` on success is read as JSON `null`: payload types that accept
/// it (`serde_json::Value`, `Option<_>`, `()`) get their empty value, any other type is
/// [`Error::missing_data`].
impl<T: DeserializeOwned> Envelope for ItnioResponse<T> {
    type Data = T;

    const PAYLOAD: &'static [&'static str] = Names::DATA_NAMES;

    fn succeeded(fields: &EnvelopeFields<'_>) -> bool {
        fields.note_drift(Names::SPELLINGS);
        verdict(fields).is_ok()
    }

    fn open_fields(fields: &EnvelopeFields<'_>) -> Result<T, Error> {
        fields.note_drift(Names::SPELLINGS);
        verdict(fields)?;
        let data = fields.payload(Names::DATA_NAMES)?;
        common_http::success_payload(data, fields.body())
    }
}

type Names = ItnioResponse<()>;

/// `Ok` when the envelope's code says success, else the vendor's error.
fn verdict(fields: &EnvelopeFields<'_>) -> Result<(), Error> {
    let number = fields
        .int(Names::CODE_NAMES)
        .ok_or_else(|| fields.unreadable(Names::CODE_NAMES, "code"))?;
    let code = ResponseCode::from(number);
    if code == ResponseCode::Success {
        return Ok(());
    }
    let message = fields.text(Names::MSG_NAMES).unwrap_or_default();
    Err(Error::api(
        ApiError::new(number.to_string(), message)
            .credentials_rejected(matches!(
                code,
                ResponseCode::AuthenticationError | ResponseCode::TimestampExpired
            ))
            .temporary(code == ResponseCode::SystemException),
    ))
}

impl<T> ItnioResponse<T> {
    /// The typed `code` (unknown codes are kept in [`ResponseCode::Unknown`]).
    pub fn response_code(&self) -> ResponseCode {
        ResponseCode::from(i64::from(self.code))
    }
}

/// The typed vendor code of an error, when the vendor sent one (`None` for transport,
/// timeout, decode, invalid-request … errors).
///
/// ```no_run
/// # async fn demo(client: itnio_client::ItnioClient) -> Result<(), itnio_client::Error> {
/// use itnio_client::{ResponseCode, response_code};
/// use time::macros::datetime;
///
/// let tasks = client
///     .list_group_call_tasks(datetime!(2024-06-01 00:00:00), datetime!(2024-06-30 23:59:59))
///     .send()
///     .await;
/// match tasks {
///     Err(err) if response_code(&err) == Some(ResponseCode::ParameterException) => {
///         eprintln!("the server refused a parameter: {err}");
///     }
///     other => println!("{:?}", other?.total),
/// }
/// # Ok(()) }
/// ```
pub fn response_code(error: &Error) -> Option<ResponseCode> {
    error.vendor_code().and_then(|code| code.parse().ok())
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::generated::TaskPage;

    fn result<T: DeserializeOwned>(body: &str) -> Result<T, Error> {
        ItnioResponse::<T>::open(body.as_bytes())
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
        assert_eq!(
            err.as_ref().and_then(response_code),
            Some(ResponseCode::ParameterException)
        );
        assert!(
            err.as_ref()
                .is_some_and(|e| !e.is_auth() && !e.is_retryable())
        );
    }

    #[test]
    fn auth_codes_and_unknown_codes() {
        let err = result::<TaskPage>(r#"{"code":"-1","msg":"authentication error"}"#).err();
        assert!(err.as_ref().is_some_and(Error::is_auth));
        assert_eq!(
            err.as_ref().and_then(response_code),
            Some(ResponseCode::AuthenticationError)
        );
        let err = result::<TaskPage>(r#"{"code":-2,"msg":"restricted IP"}"#).err();
        assert!(err.as_ref().is_some_and(|e| !e.is_auth()));
        assert_eq!(
            err.as_ref().and_then(response_code),
            Some(ResponseCode::RestrictedIp)
        );
        let err = result::<TaskPage>(r#"{"code":-777,"msg":"new"}"#).err();
        assert_eq!(
            err.as_ref().and_then(response_code),
            Some(ResponseCode::Unknown(-777))
        );
        assert_eq!(err.as_ref().and_then(Error::vendor_message), Some("new"));
    }
}

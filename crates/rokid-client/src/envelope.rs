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

type Names = RokidResponse<()>;

/// `Ok` when the envelope's code (and `success`) say success, else the vendor's error.
fn verdict(fields: &EnvelopeFields<'_>) -> Result<(), Error> {
    let code = fields
        .int(Names::CODE_NAMES)
        .ok_or_else(|| fields.unreadable(Names::CODE_NAMES, "code"))?;
    let success = fields.bool(Names::SUCCESS_NAMES);
    if code == 0 && success != Some(false) {
        return Ok(());
    }
    let auth = AUTH_CODES.iter().any(|c| i64::from(*c) == code);
    let message = fields.text(Names::MESSAGE_NAMES).unwrap_or_default();
    Err(Error::api(
        ApiError::new(code.to_string(), message).credentials_rejected(auth),
    ))
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

    /// What a body reads as, and the drift recorded, through `open` (one pass for a
    /// success) and through `open_fields` (envelope first, the reference).
    fn both_ways(body: &str) -> [(String, Vec<(String, u64)>); 2] {
        let read = |open: &dyn Fn() -> Result<WorkRecordPage, Error>| {
            let ledger = common_http::drift::DriftLedger::new();
            let page = common_http::drift::scope(&ledger, "list_work_records", open);
            let mut drift: Vec<(String, u64)> = ledger
                .report()
                .into_iter()
                .map(|e| (format!("{} {}", e.path, e.kind.as_str()), e.count))
                .collect();
            drift.sort();
            (format!("{page:?}"), drift)
        };
        [
            read(&|| RokidResponse::<WorkRecordPage>::open(body.as_bytes())),
            read(&|| {
                RokidResponse::<WorkRecordPage>::open_fields(&EnvelopeFields::parse(
                    body.as_bytes(),
                )?)
            }),
        ]
    }

    #[test]
    fn a_success_read_in_one_pass_is_the_envelope_first_read() {
        let record = r#"{"taskId":"t1","costTime":"1260","taskProgress":"4"}"#;
        let bodies = [
            // The documented order; the payload before the code; an unknown envelope field;
            // a record that cannot be read (kept raw: the one pass gives way).
            format!(
                r#"{{"code":0,"message":"OK","data":{{"pageNum":1,"pageSize":10,"total":1,"list":[{record}]}},"success":true}}"#
            ),
            format!(
                r#"{{"data":{{"pageNum":1,"pageSize":10,"total":1,"list":[{record}]}},"success":true,"code":"0","traceId":"x"}}"#
            ),
            format!(
                r#"{{"code":0,"data":{{"pageNum":1,"pageSize":10,"total":2,"list":[{record},[1]]}}}}"#
            ),
        ];
        for body in &bodies {
            let [one_pass, envelope_first] = both_ways(body);
            assert!(one_pass.0.starts_with("Ok("), "{body}: {}", one_pass.0);
            assert!(!one_pass.1.is_empty(), "{body}: drift recorded");
            assert_eq!(one_pass, envelope_first, "{body}");
        }
        let [_, (_, drift)] = both_ways(&bodies[2]);
        assert!(
            drift
                .iter()
                .any(|(d, n)| d.contains("unreadable") && *n == 1),
            "{drift:?}"
        );
    }

    #[test]
    fn an_error_or_a_doubled_payload_is_read_envelope_first() {
        let bodies = [
            r#"{"data":{},"code":500,"message":"busy"}"#,
            r#"{"code":0,"success":false,"message":"no","data":{"pageNum":1,"pageSize":10,"total":0,"list":[]}}"#,
            r#"{"code":0,"data":{"pageNum":1,"pageSize":10,"total":0,"list":[]},"data":{"pageNum":2,"pageSize":10,"total":0,"list":[]}}"#,
        ];
        for body in bodies {
            let [one_pass, envelope_first] = both_ways(body);
            assert_eq!(one_pass, envelope_first, "{body}");
        }
        assert!(both_ways(bodies[0])[0].0.contains("busy"));
        assert!(
            both_ways(bodies[2])[0].0.contains("page_num: 1"),
            "the first payload"
        );
    }
}

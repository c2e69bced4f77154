//! Each vendor's response decoding, exactly as the clients do it ([`Envelope::open`]): the
//! envelope's code and message first, then the payload only on success (with the JSON path
//! of a failure). One input is decoded as every payload type the vendor's endpoints
//! return.

use common_http::{Envelope, decode_json};
use serde_json::Value;

use crate::check;

/// Decodes `body` as the envelope `E` and unwraps it; a failure must be a typed decode or
/// vendor error. Returns the payload, for the caller to exercise its helpers.
fn decode<E: Envelope>(body: &[u8]) -> Option<E::Data> {
    match E::open(body) {
        Ok(data) => Some(data),
        Err(error) => {
            check::decode_error(&error);
            None
        }
    }
}

/// Rokid: `{code, message, data, success}` around work-record and chat-log pages.
pub fn rokid_envelope(body: &[u8]) {
    use rokid_client::{ChatLogPage, RokidResponse, WorkRecordPage};

    if let Some(page) = decode::<RokidResponse<WorkRecordPage>>(body) {
        for record in page.list.iter().filter_map(rokid_client::Record::typed) {
            for document in record.documents() {
                let _ = (document.url.len(), document.file_name.len());
            }
            let _ = record.is_deleted();
        }
    }
    if let Some(page) = decode::<RokidResponse<ChatLogPage>>(body) {
        let _ = page
            .list
            .iter()
            .filter_map(rokid_client::Record::typed)
            .filter(|log| log.is_deleted())
            .count();
    }
    let _ = decode::<RokidResponse<Value>>(body);
}

/// Sobot: `{ret_code|retCode|errcode, ret_msg|retMsg, data|item}` around every payload type
/// of the documented endpoints.
pub fn sobot_envelope(body: &[u8]) {
    use sobot_client::{
        AiRobot, Answer, Audience, DislikeLabel, PushInfo, ReceptionRecord, Session, SessionLabel,
        SobotResponse, Suggestion, TimezoneInfo, TokenItem,
    };

    let _ = decode::<SobotResponse<TokenItem>>(body);
    let _ = decode::<SobotResponse<Session>>(body);
    let _ = decode::<SobotResponse<Vec<Answer>>>(body);
    let _ = decode::<SobotResponse<Suggestion>>(body);
    let _ = decode::<SobotResponse<Vec<DislikeLabel>>>(body);
    let _ = decode::<SobotResponse<Vec<SessionLabel>>>(body);
    let _ = decode::<SobotResponse<Vec<TimezoneInfo>>>(body);
    let _ = decode::<SobotResponse<Vec<AiRobot>>>(body);
    let _ = decode::<SobotResponse<Vec<ReceptionRecord>>>(body);
    let _ = decode::<SobotResponse<Vec<Audience>>>(body);
    if let Some(push) = decode::<SobotResponse<PushInfo>>(body)
        .as_ref()
        .and_then(sobot_client::Push::from_info)
    {
        // Polling reads the push's loosely typed `data` a second time.
        let _ = (push.push_data(), push.is_final(), push.text());
    }
    let _ = decode::<SobotResponse<Value>>(body);
}

/// Itniotech: `{code|status: 0|"0", msg|reason, data}` around the group-call task page; the
/// fee and rate helpers parse the tasks' loosely formatted strings.
pub fn itnio_envelope(body: &[u8]) {
    use itnio_client::{ItnioResponse, TaskPage};

    if let Some(page) = decode::<ItnioResponse<TaskPage>>(body) {
        for task in page.records.iter().filter_map(itnio_client::Record::typed) {
            let fees = [
                task.group_call_fee(),
                task.sms_fee(),
                task.total_fee(),
                task.agent_fee_amount(),
            ];
            for fee in fees.into_iter().flatten() {
                let _ = fee.to_string();
            }
            let _ = (task.rate_percent(), task.asr_percent(), task.acd_seconds());
        }
    }
    if let Ok(envelope) = decode_json::<ItnioResponse<Value>>(body) {
        let _ = envelope.response_code();
    }
    if let Err(error) = ItnioResponse::<Value>::open(body) {
        check::decode_error(&error);
        let _ = itnio_client::response_code(&error);
    }
}

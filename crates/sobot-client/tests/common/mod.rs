//! Shared by the integration tests of this crate: a clock the test moves, the vendor's
//! token and end-of-session answers, and a documented question.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses a part

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sobot_client::{AskRequest, BizType, Clock, InputTypeEnum, MsgType, SourceEnum};

/// A clock that stays where the test puts it.
#[derive(Debug)]
pub(crate) struct FixedClock(Mutex<SystemTime>);

impl FixedClock {
    pub(crate) fn at(secs: u64) -> Arc<Self> {
        Arc::new(Self(Mutex::new(UNIX_EPOCH + Duration::from_secs(secs))))
    }

    pub(crate) fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// A `get_token` answer, with `expires_in` as the vendor sends it (text).
pub(crate) fn token_body(token: &str, expires_in: &str) -> String {
    format!(
        r#"{{"item":{{"token":"{token}","expires_in":"{expires_in}"}},"ret_code":"000000","ret_msg":"success"}}"#
    )
}

/// A successful `end_session` answer.
pub(crate) const END_OK: &str = r#"{"data":{},"ret_code":"000000","ret_msg":"success"}"#;

/// The answer to a call made with a token that is no longer valid.
pub(crate) const INVALID: &str = r#"{"ret_code":"900002","ret_msg":"token invalid"}"#;

/// A text question typed by a PC visitor to robot 1, as the documented example asks.
pub(crate) fn ask_request(question: &str, biz_id: &str) -> AskRequest {
    AskRequest::builder()
        .question(question)
        .show_question(question)
        .input_type_enum(InputTypeEnum::Input)
        .biz_id(biz_id)
        .biz_type(BizType::Text)
        .biz_type_id("1000016")
        .robotid("1")
        .msg_type(MsgType::Text)
        .source_enum(SourceEnum::Pc)
        .build()
        .unwrap()
}

//! Polling for a node timeout after an answer with `delay > 0`.

use std::time::Duration;

use common_http::Error;

use crate::client::SobotClient;
use crate::generated::{Answer, PollingStatus, PushData, PushInfo, PushType};

/// How [`SobotClient::poll_node_timeout`] polls.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollOptions {
    /// Time between two polls (1 s by default).
    pub interval: Duration,
    /// Time allowed beyond the answer's `delay` (10 s by default).
    pub grace: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            grace: Duration::from_secs(10),
        }
    }
}

impl PollOptions {
    /// Sets the time between polls.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the time allowed beyond the answer's delay.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }
}

/// The `PushData` of a session or node timeout push, when `data` is one.
pub fn push_data(info: &PushInfo) -> Option<PushData> {
    common_http::reexports::serde_json::from_value(info.data.clone()).ok()
}

/// Whether polling is over for this push: a robot answer, or a timeout whose polling
/// status is `POLLING_END`.
pub fn is_final(info: &PushInfo) -> bool {
    match info.push_type {
        PushType::RobotAnswer => true,
        _ => push_data(info).is_some_and(|d| d.polling_status == PollingStatus::PollingEnd),
    }
}

impl SobotClient {
    /// After an answer whose `delay` is greater than 0, polls `get_push_info` with its
    /// `msgid` (every `options.interval`, for `delay` seconds plus `options.grace`) until a
    /// final push arrives ([`is_final`]); returns the last push seen, or `None` when none
    /// arrived in time. An answer without a delay is an invalid request.
    pub async fn poll_node_timeout(
        &self,
        answer: &Answer,
        options: PollOptions,
    ) -> Result<Option<PushInfo>, Error> {
        if answer.delay <= 0 {
            return Err(Error::invalid_request(
                "the answer has no delay: there is no node timeout to poll",
            ));
        }
        common_http::validate::non_empty("msgid", &answer.msgid)?;
        if options.interval.is_zero() {
            return Err(Error::invalid_request("the poll interval must not be zero"));
        }
        let delay = Duration::from_secs(u64::try_from(answer.delay).unwrap_or(0));
        let deadline = tokio::time::Instant::now() + delay + options.grace;
        let mut last = None;
        loop {
            match self.fetch_push_info(answer.msgid.clone()).send().await {
                Ok(info) => {
                    let done = is_final(&info);
                    last = Some(info);
                    if done {
                        return Ok(last);
                    }
                }
                // Success without data: nothing pushed yet.
                Err(err) if err.is_decode() && err.json_path() == Some("data") => {}
                Err(err) => return Err(err),
            }
            if tokio::time::Instant::now() + options.interval > deadline {
                return Ok(last);
            }
            tokio::time::sleep(options.interval).await;
        }
    }
}

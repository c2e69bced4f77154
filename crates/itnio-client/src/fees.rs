//! Readers for the task fields the API sends as decorated text: fees such as
//! `"0.034827(USD)"`, percentages such as `"100"` or `"80%"`, durations such as `"60s"`.
//!
//! The generated [`GroupCallTask`] keeps every field exactly as sent (so a record
//! round-trips unchanged); these helpers parse on demand and return `None` for text they
//! cannot read, never an error or a panic.

use std::fmt;
use std::str::FromStr;

use crate::GroupCallTask;

/// An amount of money as the API reports it: `"0.034827(USD)"`, `"0(USD)"` or `"0.125000"`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Fee {
    /// The amount as a number (binary floating point: use [`Fee::amount_text`] for exact
    /// arithmetic).
    pub amount: f64,
    /// The amount exactly as sent, e.g. `"0.034827"`.
    pub amount_text: String,
    /// The currency, e.g. `USD`; `None` when the API sends a bare number (`agentFee`).
    pub currency: Option<String>,
}

impl Fee {
    /// Reads `"0.034827(USD)"`, `"0.034827 USD"`, `"0.125000"`; `None` when there is no
    /// number at the start.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let end = text
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_digit() || *c == '.' || (*i == 0 && matches!(c, '-' | '+')))
            })
            .map_or(text.len(), |(i, _)| i);
        let (number, rest) = text.split_at(end);
        let amount = number.parse::<f64>().ok().filter(|a| a.is_finite())?;
        let currency = rest
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        if !currency.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        Some(Self {
            amount,
            amount_text: number.to_owned(),
            currency: (!currency.is_empty()).then(|| currency.to_owned()),
        })
    }
}

impl FromStr for Fee {
    type Err = common_http::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or_else(|| {
            common_http::Error::invalid_request(format!("`{text}` is not an amount"))
        })
    }
}

impl fmt::Display for Fee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.currency {
            Some(currency) => write!(f, "{}({currency})", self.amount_text),
            None => f.write_str(&self.amount_text),
        }
    }
}

/// Reads a percentage sent as `"100"`, `"80%"`, `"12.5 %"` or a number.
pub fn parse_percent(text: &str) -> Option<f64> {
    text.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// Reads a duration in seconds sent as `"60s"`, `"60"` or `"60 s"`.
pub fn parse_seconds(text: &str) -> Option<f64> {
    text.trim()
        .trim_end_matches(['s', 'S'])
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

impl GroupCallTask {
    /// `groupCallPayFee` parsed: the group call consumption, e.g. 0.034827 USD.
    pub fn group_call_fee(&self) -> Option<Fee> {
        self.group_call_pay_fee.as_deref().and_then(Fee::parse)
    }

    /// `smsPayFee` parsed: the hang-up SMS consumption, e.g. 0 USD.
    pub fn sms_fee(&self) -> Option<Fee> {
        self.sms_pay_fee.as_deref().and_then(Fee::parse)
    }

    /// `taskSumPayFee` parsed: the task's total consumption, e.g. 0.159827 USD.
    pub fn total_fee(&self) -> Option<Fee> {
        self.task_sum_pay_fee.as_deref().and_then(Fee::parse)
    }

    /// `agentFee` parsed: the AI-agent product consumption, e.g. 0.125 (the API sends no
    /// currency with it: it is the account's quoted currency).
    pub fn agent_fee_amount(&self) -> Option<Fee> {
        self.agent_fee.as_deref().and_then(Fee::parse)
    }

    /// `rate` parsed: the call progress in percent (`"100"` -> 100.0).
    pub fn rate_percent(&self) -> Option<f64> {
        self.rate.as_deref().and_then(parse_percent)
    }

    /// `asr` parsed: the answer rate in percent (`"80"` or `"80%"` -> 80.0).
    pub fn asr_percent(&self) -> Option<f64> {
        self.asr.as_deref().and_then(parse_percent)
    }

    /// `acd` parsed: the average call duration in seconds (`"60s"` -> 60.0).
    pub fn acd_seconds(&self) -> Option<f64> {
        self.acd.as_deref().and_then(parse_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_with_and_without_currency() {
        let fee = Fee::parse("0.034827(USD)");
        assert_eq!(fee.as_ref().map(|f| f.amount), Some(0.034827));
        assert_eq!(
            fee.as_ref().map(|f| f.amount_text.as_str()),
            Some("0.034827")
        );
        assert_eq!(
            fee.as_ref().and_then(|f| f.currency.as_deref()),
            Some("USD")
        );
        assert_eq!(fee.map(|f| f.to_string()).as_deref(), Some("0.034827(USD)"));

        let zero = Fee::parse("0(USD)");
        assert_eq!(zero.as_ref().map(|f| f.amount), Some(0.0));
        let bare = Fee::parse("0.125000");
        assert_eq!(bare.as_ref().map(|f| f.amount), Some(0.125));
        assert_eq!(bare.as_ref().and_then(|f| f.currency.clone()), None);
        assert_eq!(
            Fee::parse(" 1.5 EUR ").and_then(|f| f.currency),
            Some("EUR".to_owned())
        );
        for bad in ["", "(USD)", "USD", "abc", "1.2.3(USD)", "1(US$)"] {
            assert_eq!(Fee::parse(bad), None, "{bad}");
        }
        assert!("x".parse::<Fee>().is_err_and(|e| e.is_invalid_request()));
    }

    #[test]
    fn percents_and_seconds() {
        assert_eq!(parse_percent("100"), Some(100.0));
        assert_eq!(parse_percent("80%"), Some(80.0));
        assert_eq!(parse_percent(" 12.5 % "), Some(12.5));
        assert_eq!(parse_percent("n/a"), None);
        assert_eq!(parse_seconds("60s"), Some(60.0));
        assert_eq!(parse_seconds("7"), Some(7.0));
        assert_eq!(parse_seconds(""), None);
    }
}

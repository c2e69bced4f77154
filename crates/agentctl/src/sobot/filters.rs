//! The typed flags of the Sobot requests: every reception-statistics filter of the
//! document's `recordList` request table, and the channel source of a question. Enum values
//! are read case-insensitively (`-`, `_` and spaces ignored), by their documented value or
//! by their name (`inferred-solved` for `2`); anything else is a usage error that lists the
//! documented values.

use std::fmt::Debug;

use sobot_client::{
    AnswerType, AssessStatus, BizType, EmotionType, LikeDislikeStatus, RecordListParams, RobotType,
    ScoreLevel, SolveStatus, SourceEnum, StarLevel, StatisticsSource, ValidTrigger2HumanType,
};

/// A documented enum a flag takes.
pub(crate) trait Choice: Clone + Debug + Send + Sync + 'static {
    /// Every documented value.
    fn all() -> &'static [Self];
    /// The value as sent.
    fn wire(&self) -> String;
}

macro_rules! text_choice {
    ($($t:ty),*) => {$(
        impl Choice for $t {
            fn all() -> &'static [Self] {
                <$t>::ALL
            }
            fn wire(&self) -> String {
                self.as_str().to_owned()
            }
        }
    )*};
}

macro_rules! int_choice {
    ($($t:ty),*) => {$(
        impl Choice for $t {
            fn all() -> &'static [Self] {
                <$t>::ALL
            }
            fn wire(&self) -> String {
                self.as_i64().to_string()
            }
        }
    )*};
}

text_choice!(
    StatisticsSource,
    SourceEnum,
    BizType,
    AnswerType,
    ValidTrigger2HumanType,
    EmotionType,
    ScoreLevel,
    StarLevel,
    AssessStatus,
    RobotType
);
int_choice!(SolveStatus, LikeDislikeStatus);

fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads a documented value of `T` (see the module documentation).
pub(crate) fn choice<T: Choice>(text: &str) -> Result<T, String> {
    let wanted = normalize(text);
    if let Some(found) = T::all()
        .iter()
        .find(|v| normalize(&v.wire()) == wanted || normalize(&format!("{v:?}")) == wanted)
    {
        return Ok(found.clone());
    }
    let values: Vec<String> = T::all().iter().map(described).collect();
    let hint = if wanted == "h5" {
        " (the mobile site is `wap`)"
    } else {
        ""
    };
    Err(format!(
        "`{text}` is not a documented value{hint}; expected one of: {}",
        values.join(", ")
    ))
}

/// A value as listed in an error: a coded value with its name (`2 (inferred-solved)`).
fn described<T: Choice>(value: &T) -> String {
    let wire = value.wire();
    if !wire.chars().all(|c| c.is_ascii_digit()) {
        return wire;
    }
    let mut name = String::new();
    for (i, c) in format!("{value:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('-');
        }
        name.push(c.to_ascii_lowercase());
    }
    if name.chars().any(|c| c.is_ascii_digit()) {
        return wire;
    }
    format!("{wire} ({name})")
}

/// Reads a 1/0 filter: `yes`, `y`, `true`, `1` or `no`, `n`, `false`, `0`.
pub(crate) fn yes_no(text: &str) -> Result<i32, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Ok(1),
        "no" | "n" | "false" | "0" => Ok(0),
        _ => Err(format!(
            "`{text}` is neither yes nor no (also: true/false, 1/0)"
        )),
    }
}

/// The filters of `recordList` (the document's request table; `timeZoneid` is the
/// `--time-zone` of the date range).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RecordFilters {
    /// Robot ids: robotid (repeatable, or comma-separated; see `sobot robots`).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    robot: Vec<String>,
    /// Business types: biz_type, one of TEXT, CALL, WORK_ORDER, AI_AGENT (repeatable, or
    /// comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TYPE", value_parser = choice::<BizType>)]
    biz_type: Vec<BizType>,
    /// Channel types: source, one of PC, wap (mobile site), APP, wxkf, miniApp, "WeChat
    /// Official Account", fb, line, discord, telegram, shopify, "TikTok Shop", Amazon,
    /// Walmart, Zalo, Kakao, Lazada, rednote, unknown (case-insensitive; repeatable, or
    /// comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SOURCE", value_parser = choice::<StatisticsSource>)]
    source: Vec<StatisticsSource>,
    /// Consultation channels: channel_flag_plus (repeatable, or comma-separated; see
    /// `sobot channels`).
    #[arg(long, value_delimiter = ',', value_name = "FLAG")]
    channel: Vec<String>,
    /// Robot session id: cid.
    #[arg(long)]
    cid: Option<String>,
    /// Business line session id: bizid.
    #[arg(long)]
    bizid: Option<String>,
    /// Successfully transferred to a human: transfer2_human (yes or no).
    #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
    transferred: Option<i32>,
    /// Triggered a transfer to a human: trigger2_human (yes or no).
    #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
    triggered: Option<i32>,
    /// Resolution status: solve_status, confirmed-solved (1), inferred-solved (2) or
    /// unsolved (3).
    #[arg(long, value_name = "STATUS", value_parser = choice::<SolveStatus>)]
    solve_status: Option<SolveStatus>,
    /// Answer types: answer_type, 1 (knowledge direct answer), 2 (knowledge content), 3
    /// (knowledge task workflow), 4 (intelligent answer) (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TYPE", value_parser = choice::<AnswerType>)]
    answer_type: Vec<AnswerType>,
    /// How the transfer to a human was triggered: valid_trigger2_human_type, one of
    /// KEY_WORD, REPEAT, PROCESS_NODE_TRANSFER, OTHER, CUSTOM_SCENE, MUCH_UNKNOWN.
    #[arg(long, value_name = "TYPE", value_parser = choice::<ValidTrigger2HumanType>)]
    trigger_type: Option<ValidTrigger2HumanType>,
    /// Expression of satisfaction: emotion_type, POSITIVE or NEGATIVE.
    #[arg(long, value_name = "EMOTION", value_parser = choice::<EmotionType>)]
    emotion: Option<EmotionType>,
    /// Evaluated in the session: satisfaction_status (yes or no).
    #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
    evaluated: Option<i32>,
    /// Score evaluations: score_level, 0 to 10 (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SCORE", value_parser = choice::<ScoreLevel>)]
    score: Vec<ScoreLevel>,
    /// Star evaluations: star_level, 1 to 5 (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "STARS", value_parser = choice::<StarLevel>)]
    stars: Vec<StarLevel>,
    /// Secondary evaluation: assess_status, satisfied (5) or unsatisfied (1).
    #[arg(long, value_name = "ASSESS", value_parser = choice::<AssessStatus>)]
    assess: Option<AssessStatus>,
    /// Session evaluation labels: satisfaction_labels (repeatable, or comma-separated; see
    /// `sobot labels`).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    label: Vec<String>,
    /// Test sessions: test (yes: only test chats, no: only the others).
    #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
    test_sessions: Option<i32>,
    /// Like / dislike status: like_dislike_status, like (1), dislike (2) or
    /// not-evaluated (3).
    #[arg(long, value_name = "STATUS", value_parser = choice::<LikeDislikeStatus>)]
    like_status: Option<LikeDislikeStatus>,
    /// Dislike labels: like_dislike_labels (repeatable, or comma-separated; see
    /// `sobot dislike-labels`).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    dislike_label: Vec<String>,
    /// Valid sessions: robot_valid (yes or no).
    #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
    valid: Option<i32>,
    /// Ended sessions: robot_consult (yes: ended, no: still chatting).
    #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
    ended: Option<i32>,
    /// Audiences: rule_ids (repeatable, or comma-separated; see `sobot audiences`).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    audience: Vec<String>,
    /// Triggered the session guide: is_trigger_session_guide_status (yes or no).
    #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
    session_guide: Option<i32>,
    /// Robot types: robot_types, AI_AGENT or AI_COPILOT (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TYPE", value_parser = choice::<RobotType>)]
    robot_type: Vec<RobotType>,
}

impl RecordFilters {
    /// The request with every filter given.
    pub(crate) fn apply(self, mut p: RecordListParams) -> RecordListParams {
        fn list<T>(values: Vec<T>) -> Option<Vec<T>> {
            (!values.is_empty()).then_some(values)
        }
        if let Some(v) = list(self.robot) {
            p = p.robotid(v);
        }
        if let Some(v) = list(self.biz_type) {
            p = p.biz_type(v);
        }
        if let Some(v) = list(self.source) {
            p = p.source(v);
        }
        if let Some(v) = list(self.channel) {
            p = p.channel_flag_plus(v);
        }
        if let Some(v) = self.cid {
            p = p.cid(v);
        }
        if let Some(v) = self.bizid {
            p = p.bizid(v);
        }
        if let Some(v) = self.transferred {
            p = p.transfer2_human(v);
        }
        if let Some(v) = self.triggered {
            p = p.trigger2_human(v);
        }
        if let Some(v) = self.solve_status {
            p = p.solve_status(v);
        }
        if let Some(v) = list(self.answer_type) {
            p = p.answer_type(v);
        }
        if let Some(v) = self.trigger_type {
            p = p.valid_trigger2_human_type(v);
        }
        if let Some(v) = self.emotion {
            p = p.emotion_type(v);
        }
        if let Some(v) = self.evaluated {
            p = p.satisfaction_status(v);
        }
        if let Some(v) = list(self.score) {
            p = p.score_level(v);
        }
        if let Some(v) = list(self.stars) {
            p = p.star_level(v);
        }
        if let Some(v) = self.assess {
            p = p.assess_status(v);
        }
        if let Some(v) = list(self.label) {
            p = p.satisfaction_labels(v);
        }
        if let Some(v) = self.test_sessions {
            p = p.test(v);
        }
        if let Some(v) = self.like_status {
            p = p.like_dislike_status(v);
        }
        if let Some(v) = list(self.dislike_label) {
            p = p.like_dislike_labels(v);
        }
        if let Some(v) = self.valid {
            p = p.robot_valid(v);
        }
        if let Some(v) = self.ended {
            p = p.robot_consult(v);
        }
        if let Some(v) = list(self.audience) {
            p = p.rule_ids(v);
        }
        if let Some(v) = self.session_guide {
            p = p.is_trigger_session_guide_status(v);
        }
        if let Some(v) = list(self.robot_type) {
            p = p.robot_types(v);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_wire_value_or_name_in_any_case() {
        assert_eq!(choice::<StatisticsSource>("WAP"), Ok(StatisticsSource::Wap));
        assert_eq!(
            choice::<StatisticsSource>("tiktok-shop"),
            Ok(StatisticsSource::TikTokShop)
        );
        assert_eq!(choice::<SourceEnum>("miniapp"), Ok(SourceEnum::MiniApp));
        assert_eq!(choice::<SolveStatus>("2"), Ok(SolveStatus::InferredSolved));
        assert_eq!(
            choice::<SolveStatus>("Inferred_Solved"),
            Ok(SolveStatus::InferredSolved)
        );
        assert_eq!(choice::<ScoreLevel>("10"), Ok(ScoreLevel::Score10));
        let err = choice::<StatisticsSource>("H5").err().unwrap_or_default();
        assert!(err.contains("wap") && err.contains("mobile site"), "{err}");
        assert!(choice::<ScoreLevel>("11").is_err());
        assert_eq!(yes_no("Yes"), Ok(1));
        assert_eq!(yes_no("0"), Ok(0));
        assert!(yes_no("maybe").is_err());
    }
}

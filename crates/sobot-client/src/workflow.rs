//! Building the next question from a previous answer's workflow data, exactly as the
//! document's "Button message interaction in task workflow" and "Task Flow Node Message
//! Interaction" sections say.

use common_http::Error;
use common_http::reexports::serde_json;
use serde::Serialize;

use crate::generated::{
    Answer, AskRequest, InputTypeEnum, MsgType, OpenInterfaceInfo, OpenProcessInfo,
};

/// The `cardStyle` the document asks to send back after a card click.
const CLICKED_CARD_STYLE: &str = "0";

/// Turns `request` into a button click on a workflow enum (`PROCESS_CLICK`): sets
/// `input_type_enum`, `process_info` (the answer's `process_id`, `node_id`,
/// `variable_id` and the chosen `value`), and `question` / `show_question` to `value`.
///
/// Fails with an invalid-request error, before any I/O, when the answer carries no
/// workflow enum data or `value` is not one of its `variable_value_enums`.
pub fn process_click(
    request: AskRequest,
    answer: &Answer,
    value: &str,
) -> Result<AskRequest, Error> {
    let (process_id, node_id) = workflow_ids(answer)?;
    let variable_id = answer
        .variable_id
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::invalid_request("the answer has no workflow variable_id"))?;
    if let Some(values) = &answer.variable_value_enums
        && !values.is_empty()
        && !values.iter().all(String::is_empty)
        && !values.iter().any(|v| v == value)
    {
        return Err(Error::invalid_request(format!(
            "`{value}` is not one of the answer's variable_value_enums"
        )));
    }
    let mut request = request.process_info(OpenProcessInfo::new(
        process_id,
        node_id,
        variable_id,
        value,
    ));
    request.input_type_enum = InputTypeEnum::ProcessClick;
    request.question = value.to_owned();
    request.show_question = value.to_owned();
    request.interface_info = None;
    Ok(request)
}

/// One element of the `question` list sent after a card click.
#[derive(Debug, Serialize)]
struct CardClickItem<'a> {
    #[serde(rename = "processId")]
    process_id: &'a str,
    #[serde(rename = "nodeId")]
    node_id: &'a str,
    #[serde(rename = "variableId")]
    variable_id: Option<&'a str>,
    #[serde(rename = "variableValue")]
    variable_value: Option<&'a str>,
    #[serde(rename = "customCardButtonName")]
    custom_card_button_name: Option<&'a str>,
}

/// What a card click sends: the three fields the document describes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CardClick {
    /// The answer's `interface_info` with `cardStyle` set to `"0"`.
    pub interface_info: OpenInterfaceInfo,
    /// The same object keeping only the clicked card, as a JSON string.
    pub show_question: String,
    /// The JSON list of `{processId, nodeId, variableId, variableValue,
    /// customCardButtonName}` built from the clicked card's `paramInfos`.
    pub question: String,
}

/// Builds the card-click fields for the card at `card_index` of `answer.interface_info`,
/// clicked through the button named `button` (its `customMenus.menuName`).
///
/// Fails with an invalid-request error when the answer has no card data, no workflow ids,
/// no card at `card_index`, or no button named `button` on that card.
pub fn card_click(
    answer: &Answer,
    card_index: usize,
    button: Option<&str>,
) -> Result<CardClick, Error> {
    let (process_id, node_id) = workflow_ids(answer)?;
    let mut info = answer
        .interface_info
        .clone()
        .ok_or_else(|| Error::invalid_request("the answer has no interface_info (card data)"))?;
    info.card_style = CLICKED_CARD_STYLE.to_owned();
    let card = info.custom_cards.get(card_index).cloned().ok_or_else(|| {
        Error::invalid_request(format!(
            "the answer has {} card(s); there is no card {card_index}",
            info.custom_cards.len()
        ))
    })?;
    if let Some(name) = button {
        let known = card
            .custom_menus
            .iter()
            .flatten()
            .any(|m| m.menu_name.as_deref() == Some(name));
        if !known {
            return Err(Error::invalid_request(format!(
                "card {card_index} has no button named `{name}`"
            )));
        }
    }
    let items: Vec<CardClickItem<'_>> = card
        .param_infos
        .iter()
        .flatten()
        .map(|p| CardClickItem {
            process_id,
            node_id,
            variable_id: p.variable_id.as_deref(),
            variable_value: p.param_value.as_deref(),
            custom_card_button_name: button,
        })
        .collect();
    let question = to_json(&items)?;
    let mut shown = info.clone();
    shown.custom_cards = vec![card];
    let show_question = to_json(&shown)?;
    Ok(CardClick {
        interface_info: info,
        show_question,
        question,
    })
}

/// Turns `request` into a card click (`PROCESS_CARD_CLICK`) with [`card_click`]'s fields
/// (message type `TEXT`: the question is JSON).
pub fn process_card_click(
    request: AskRequest,
    answer: &Answer,
    card_index: usize,
    button: Option<&str>,
) -> Result<AskRequest, Error> {
    let click = card_click(answer, card_index, button)?;
    let mut request = request.interface_info(click.interface_info);
    request.input_type_enum = InputTypeEnum::ProcessCardClick;
    request.msg_type = MsgType::Text;
    request.question = click.question;
    request.show_question = click.show_question;
    request.process_info = None;
    Ok(request)
}

fn workflow_ids(answer: &Answer) -> Result<(&str, &str), Error> {
    let process_id = answer
        .process_id
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::invalid_request("the answer has no workflow process_id"))?;
    let node_id = answer
        .node_id
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::invalid_request("the answer has no workflow node_id"))?;
    Ok((process_id, node_id))
}

fn to_json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value)
        .map_err(|e| Error::invalid_request(format!("the click could not be encoded: {e}")))
}

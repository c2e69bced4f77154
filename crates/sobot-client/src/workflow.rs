//! Building the next question from a previous answer's workflow data, exactly as the
//! document's "Button message interaction in task workflow" and "Task Flow Node Message
//! Interaction" sections say.
//!
//! A card click sends the answer's `interface_info` back ("leave other fields
//! unchanged"). [`card_click_raw`] and [`process_card_click_raw`] take it as the server
//! sent it (a [`serde_json::Value`]) and keep every key and value, `null`s and keys this
//! version does not know included; [`card_click`] and [`process_card_click`] start from
//! the typed [`Answer`], which keeps only the documented fields and no explicit `null`s.
//! Either way the request's own `interface_info` field is the typed [`OpenInterfaceInfo`]
//! (documented fields only); `show_question`, a string, carries everything.

use common_http::Error;
use common_http::reexports::serde_json::{self, Map, Value};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::generated::{
    Answer, AskRequest, InputTypeEnum, MsgType, OpenCardParamInfo, OpenInterfaceCardButtonInfo,
    OpenInterfaceCardInfo, OpenInterfaceInfo, OpenProcessInfo,
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
    variable_id: Value,
    #[serde(rename = "variableValue")]
    variable_value: Value,
    #[serde(rename = "customCardButtonName")]
    custom_card_button_name: Option<&'a str>,
}

/// What a card click sends: the three fields the document describes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CardClick {
    /// The answer's `interface_info` with `cardStyle` set to `"0"`, as the typed model
    /// (what [`AskRequest::interface_info`] carries: the documented fields only).
    pub interface_info: OpenInterfaceInfo,
    /// The same object as JSON, with every key and value the server sent (when built by
    /// [`card_click_raw`]); only `cardStyle` is changed, to `"0"`.
    pub interface_info_json: Map<String, Value>,
    /// That object keeping only the clicked card (all of its attributes), as a JSON
    /// string, the documented keys in the document's order.
    pub show_question: String,
    /// The JSON list of `{processId, nodeId, variableId, variableValue,
    /// customCardButtonName}` built from the clicked card's `paramInfos`.
    pub question: String,
}

/// Builds the card-click fields for the card at `card_index` of `answer.interface_info`,
/// clicked through the button named `button` (its `customMenus.menuName`).
///
/// The typed [`Answer`] keeps neither explicit `null`s nor keys this version does not
/// know: to send back everything the server sent, use [`card_click_raw`] with the answer's
/// `interface_info` as received.
///
/// Fails with an invalid-request error when the answer has no card data, no workflow ids,
/// no card at `card_index`, or no button named `button` on that card.
pub fn card_click(
    answer: &Answer,
    card_index: usize,
    button: Option<&str>,
) -> Result<CardClick, Error> {
    workflow_ids(answer)?;
    let info = answer
        .interface_info
        .as_ref()
        .ok_or_else(|| Error::invalid_request("the answer has no interface_info (card data)"))?;
    let info = serde_json::to_value(info).map_err(|e| encode_error(&e))?;
    card_click_raw(answer, &info, card_index, button)
}

/// Like [`card_click`], with the answer's `interface_info` as the server sent it (an
/// object, or JSON text of one): every key and value of it is kept, `null`s and unknown
/// keys included. `interface_info_json` is that object with `cardStyle` set to `"0"`, and
/// `show_question` the same keeping only the clicked card; `answer` gives the workflow ids.
///
/// Fails with an invalid-request error as [`card_click`] does, and when `interface_info`
/// is not an object or its documented fields cannot be read into [`OpenInterfaceInfo`].
pub fn card_click_raw(
    answer: &Answer,
    interface_info: &Value,
    card_index: usize,
    button: Option<&str>,
) -> Result<CardClick, Error> {
    let (process_id, node_id) = workflow_ids(answer)?;
    let mut info = object_of(interface_info)
        .ok_or_else(|| Error::invalid_request("the answer has no interface_info (card data)"))?;
    info.insert("cardStyle".to_owned(), Value::from(CLICKED_CARD_STYLE));
    let cards = info
        .get("customCards")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let card = cards.get(card_index).cloned().ok_or_else(|| {
        Error::invalid_request(format!(
            "the answer has {} card(s); there is no card {card_index}",
            cards.len()
        ))
    })?;
    if let Some(name) = button {
        let known = array_at(&card, "customMenus")
            .any(|menu| menu.get("menuName").and_then(Value::as_str) == Some(name));
        if !known {
            return Err(Error::invalid_request(format!(
                "card {card_index} has no button named `{name}`"
            )));
        }
    }
    let items: Vec<CardClickItem<'_>> = array_at(&card, "paramInfos")
        .map(|p| CardClickItem {
            process_id,
            node_id,
            variable_id: text_of(p.get("variableId")),
            variable_value: text_of(p.get("paramValue")),
            custom_card_button_name: button,
        })
        .collect();
    let question = to_json(&items)?;
    let mut shown = info.clone();
    shown.insert("customCards".to_owned(), Value::Array(vec![card]));
    let show_question = to_json(&Documented(&Value::Object(shown)))?;
    let typed = serde_json::from_value(Value::Object(info.clone())).map_err(|e| {
        Error::invalid_request(format!("the answer's interface_info cannot be read: {e}"))
    })?;
    Ok(CardClick {
        interface_info: typed,
        interface_info_json: info,
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
    Ok(card_click_request(request, click))
}

/// Like [`process_card_click`], with [`card_click_raw`]'s fields: `show_question` keeps
/// everything the server sent in `interface_info`. The request's own `interface_info` is
/// the typed [`OpenInterfaceInfo`], which carries the documented fields only.
pub fn process_card_click_raw(
    request: AskRequest,
    answer: &Answer,
    interface_info: &Value,
    card_index: usize,
    button: Option<&str>,
) -> Result<AskRequest, Error> {
    let click = card_click_raw(answer, interface_info, card_index, button)?;
    Ok(card_click_request(request, click))
}

fn card_click_request(request: AskRequest, click: CardClick) -> AskRequest {
    let mut request = request.interface_info(click.interface_info);
    request.input_type_enum = InputTypeEnum::ProcessCardClick;
    request.msg_type = MsgType::Text;
    request.question = click.question;
    request.show_question = click.show_question;
    request.process_info = None;
    request
}

/// The object `value` is, or holds as JSON text.
fn object_of(value: &Value) -> Option<Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map.clone()),
        Value::String(text) => serde_json::from_str(text).ok(),
        _ => None,
    }
}

/// The elements of the array at `value[key]` (none when it is absent or not an array).
fn array_at<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// A `variableId` / `paramValue` for the `question` list: text as sent, a number or a
/// boolean as its text (the document sends text), `null` when absent.
fn text_of(value: Option<&Value>) -> Value {
    match value {
        None => Value::Null,
        Some(Value::Number(n)) => Value::String(n.to_string()),
        Some(Value::Bool(b)) => Value::String(b.to_string()),
        Some(other) => other.clone(),
    }
}

/// Serialises a JSON value with the documented card keys first, in the document's order,
/// then any other key (in name order), at every depth.
struct Documented<'a>(&'a Value);

impl Documented<'_> {
    /// The documented key order: interface_info's fields, a card's, a parameter's and a
    /// button's (no name is shared between them).
    const ORDER: [&'static [&'static str]; 4] = [
        OpenInterfaceInfo::WIRE_FIELDS,
        OpenInterfaceCardInfo::WIRE_FIELDS,
        OpenCardParamInfo::WIRE_FIELDS,
        OpenInterfaceCardButtonInfo::WIRE_FIELDS,
    ];

    fn rank(key: &str) -> usize {
        Self::ORDER
            .iter()
            .flat_map(|fields| fields.iter())
            .position(|known| *known == key)
            .unwrap_or(usize::MAX)
    }
}

impl Serialize for Documented<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|(a, _), (b, _)| Self::rank(a).cmp(&Self::rank(b)).then(a.cmp(b)));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    out.serialize_entry(key, &Documented(value))?;
                }
                out.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(Documented)),
            other => other.serialize(serializer),
        }
    }
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
    serde_json::to_string(value).map_err(|e| encode_error(&e))
}

fn encode_error(e: &serde_json::Error) -> Error {
    Error::invalid_request(format!("the click could not be encoded: {e}"))
}

//! The Rokid routes: work records, chat logs, documents.

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common_http::datetime::{DateOrDateTime, Timestamp};
use rokid_client::{
    ChatLog, ChatLogPage, ListChatLogsRequest, ListWorkRecordsRequest, RokidResponse, WorkRecord,
    WorkRecordPage,
};
use serde_json::json;
use time::PrimitiveDateTime;

use crate::Shared;
use crate::data::typed;
use crate::quirks::{self, Shape};

const WORK_RECORDS_ROUTE: &str = "/ar/flow/openapi/record/page";
const CHAT_LOGS_ROUTE: &str = "/ar/assistant/openapi/chatLog/page";

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route(WORK_RECORDS_ROUTE, get(work_records))
        .route(CHAT_LOGS_ROUTE, get(chat_logs))
        .route("/files/{kind}/{name}", get(document))
}

fn envelope<T: serde::Serialize + serde::de::DeserializeOwned>(
    code: i32,
    message: &str,
    data: Option<T>,
) -> Response {
    let body: RokidResponse<T> = typed(json!({
        "code": code,
        "message": message,
        "success": code == 0,
    }));
    let mut body = body;
    body.data = data;
    Json(body).into_response()
}

fn error(status: StatusCode, code: i32, message: &str) -> Response {
    let mut response = envelope::<()>(code, message, None);
    *response.status_mut() = status;
    response
}

/// An error answer of a listing: as [`error`], with `"data": {}` in quirks mode.
fn fail(state: &Shared, status: StatusCode, code: i32, message: &str) -> Response {
    if !state.quirks.on() {
        return error(status, code, message);
    }
    let body: RokidResponse<()> = typed(json!({
        "code": code,
        "message": message,
        "success": code == 0,
    }));
    let mut body = serde_json::to_value(body).unwrap_or_default();
    quirks::error_data(&state.quirks, &mut body);
    (status, Json(body)).into_response()
}

/// A listing page: as [`envelope`], bent in quirks mode.
fn listing<T: serde::Serialize + serde::de::DeserializeOwned>(
    state: &Shared,
    route: &str,
    (num, size): (i32, i32),
    data: T,
    shape: &Shape,
) -> Response {
    if !state.quirks.on() {
        return envelope(0, "success", Some(data));
    }
    let mut body: RokidResponse<T> = typed(json!({
        "code": 0,
        "message": "success",
        "success": true,
    }));
    body.data = Some(data);
    let mut body = serde_json::to_value(body).unwrap_or_default();
    let first = usize::try_from(i64::from(num - 1) * i64::from(size)).unwrap_or(0);
    quirks::rokid_page(
        &state.quirks,
        state.config.seed,
        route,
        i64::from(num),
        first,
        &mut body,
        shape,
    );
    Json(body).into_response()
}

fn authorised(state: &Shared, headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {}", state.credentials.rokid_api_key);
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == expected)
}

fn contains(haystack: Option<&str>, needle: Option<&str>) -> bool {
    match needle.map(str::trim).filter(|n| !n.is_empty()) {
        None => true,
        Some(n) => haystack.is_some_and(|h| h.to_lowercase().contains(&n.to_lowercase())),
    }
}

/// A record's time as a wall-clock time of the account's zone (the offset it carries is
/// that zone's; the request's bounds are in it too).
fn time_of(t: Option<&Timestamp>) -> Option<PrimitiveDateTime> {
    t.and_then(Timestamp::local_date_time)
}

/// Whether `t` is within `[start, end]`; a date as the end stands for its whole day.
fn within(
    t: Option<PrimitiveDateTime>,
    start: Option<PrimitiveDateTime>,
    end: Option<PrimitiveDateTime>,
) -> bool {
    match t {
        None => start.is_none() && end.is_none(),
        Some(t) => start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e),
    }
}

fn end_of(bound: Option<&DateOrDateTime>) -> Option<PrimitiveDateTime> {
    bound.map(|b| match b {
        DateOrDateTime::Date(d) => d.with_hms(23, 59, 59).unwrap_or(d.midnight()),
        DateOrDateTime::DateTime(dt) => *dt,
    })
}

// The error is the response to send at once.
#[allow(clippy::result_large_err)]
fn page<T: Clone>(
    state: &Shared,
    items: &[&T],
    num: Option<i32>,
    size: Option<i32>,
) -> Result<(i32, i32, Vec<T>), Response> {
    let num = num.unwrap_or(1);
    let size = size.unwrap_or(10);
    if num < 1 || !(1..=1000).contains(&size) {
        return Err(fail(
            state,
            StatusCode::OK,
            400,
            "pageNum must be >= 1 and pageSize in 1..=1000",
        ));
    }
    let from = usize::try_from(i64::from(num - 1) * i64::from(size)).unwrap_or(usize::MAX);
    let list = items
        .iter()
        .skip(from)
        .take(usize::try_from(size).unwrap_or(0))
        .map(|t| (*t).clone())
        .collect();
    Ok((num, size, list))
}

async fn work_records(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<ListWorkRecordsRequest>, QueryRejection>,
) -> Response {
    if !authorised(&state, &headers) {
        return fail(&state, StatusCode::UNAUTHORIZED, 401, "invalid api key");
    }
    let Ok(Query(q)) = query else {
        return fail(
            &state,
            StatusCode::OK,
            400,
            "invalid parameters (uid is required)",
        );
    };
    if q.uid.trim().is_empty() {
        return fail(&state, StatusCode::OK, 400, "uid is required");
    }
    let matching: Vec<&WorkRecord> = state
        .data
        .work_records
        .iter()
        .filter(|r| r.uid.as_deref() == Some(q.uid.as_str()))
        .filter(|r| contains(r.task_name.as_deref(), q.task_name.as_deref()))
        .filter(|r| within(time_of(r.gmt_created.as_ref()), q.gmt_start, q.gmt_end))
        .collect();
    match page(&state, &matching, q.page_num, q.page_size) {
        Err(response) => response,
        Ok((num, size, list)) => {
            let mut body: WorkRecordPage = typed(json!({
                "pageNum": num, "pageSize": size, "total": matching.len(), "list": []
            }));
            body.list = list.into_iter().map(Into::into).collect();
            listing(
                &state,
                WORK_RECORDS_ROUTE,
                (num, size),
                body,
                &quirks::ROKID_WORK_RECORD,
            )
        }
    }
}

async fn chat_logs(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<ListChatLogsRequest>, QueryRejection>,
) -> Response {
    if !authorised(&state, &headers) {
        return fail(&state, StatusCode::UNAUTHORIZED, 401, "invalid api key");
    }
    let Ok(Query(q)) = query else {
        return fail(&state, StatusCode::OK, 400, "invalid parameters");
    };
    let start = q.start_time.as_ref().map(DateOrDateTime::start);
    let end = end_of(q.end_time.as_ref());
    let matching: Vec<&ChatLog> = state
        .data
        .chat_logs
        .iter()
        .filter(|l| q.log_type.is_none_or(|t| l.log_type == t))
        .filter(|l| q.uid.as_deref().is_none_or(|u| l.uid.as_deref() == Some(u)))
        .filter(|l| {
            contains(l.question_content.as_deref(), q.keywords.as_deref())
                || contains(l.answer_content.as_deref(), q.keywords.as_deref())
        })
        .filter(|l| contains(l.agent_name.as_deref(), q.agent_name.as_deref()))
        .filter(|l| contains(l.model_name.as_deref(), q.model_name.as_deref()))
        .filter(|l| within(time_of(l.gmt_created.as_ref()), start, end))
        .collect();
    match page(&state, &matching, q.page_num, q.page_size) {
        Err(response) => response,
        Ok((num, size, list)) => {
            let mut body: ChatLogPage = typed(json!({
                "pageNum": num, "pageSize": size, "total": matching.len(), "list": []
            }));
            body.list = list.into_iter().map(Into::into).collect();
            listing(
                &state,
                CHAT_LOGS_ROUTE,
                (num, size),
                body,
                &quirks::ROKID_CHAT_LOG,
            )
        }
    }
}

/// The bytes of a document: deterministic from its name, `document_bytes` long.
pub(crate) fn document_bytes(seed: u64, name: &str, len: usize) -> Vec<u8> {
    let mut rng = crate::data::Rng::new(
        name.bytes()
            .fold(seed, |h, b| crate::faults::mix(h ^ u64::from(b))),
    );
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        out.extend_from_slice(&rng.next().to_le_bytes());
    }
    out.truncate(len);
    out
}

async fn document(
    State(state): State<Shared>,
    Path((kind, name)): Path<(String, String)>,
) -> Response {
    if !matches!(kind.as_str(), "report" | "sign" | "video") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let stem = name.split('.').next().unwrap_or_default();
    if !state.data.work_records.iter().any(|r| r.task_id == stem) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let bytes = document_bytes(
        state.config.seed,
        &format!("{kind}/{name}"),
        state.config.document_bytes,
    );
    ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()
}

//! The Itniotech route: signed group call task queries.

use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use itnio_client::{GroupCallTask, ItnioResponse, TaskPage, TaskQueryRequest};
use serde_json::json;

use crate::Shared;
use crate::data::typed;
use crate::quirks;

/// The task query route.
pub(crate) const QUERY_ROUTE: &str = "/voice/group/call/query";

pub(crate) fn routes() -> Router<Shared> {
    Router::new().route(QUERY_ROUTE, post(query))
}

fn answer(code: i32, msg: &str, data: Option<TaskPage>) -> Response {
    let mut body: ItnioResponse<TaskPage> = typed(json!({"code": code, "msg": msg}));
    body.data = data;
    Json(body).into_response()
}

/// An error answer: as [`answer`], with `code` as a string and `"data": {}` in quirks mode.
fn fail(state: &Shared, code: i32, msg: &str) -> Response {
    if !state.quirks.on() {
        return answer(code, msg, None);
    }
    let body: ItnioResponse<TaskPage> = typed(json!({"code": code, "msg": msg}));
    let mut body = serde_json::to_value(body).unwrap_or_default();
    quirks::itnio_error(&state.quirks, &mut body);
    Json(body).into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The server clock, in Unix seconds, with the configured skew.
fn server_now(state: &Shared) -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    now.saturating_add(state.itnio_clock_skew.load(Ordering::SeqCst))
}

async fn query(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<TaskQueryRequest>, JsonRejection>,
) -> Response {
    let creds = &state.credentials;
    if header(&headers, "api-key") != Some(creds.itnio_api_key.as_str()) {
        return fail(&state, -1, "authentication error: unknown Api-Key");
    }
    let Some(timestamp) = header(&headers, "timestamp").and_then(|t| t.parse::<u64>().ok()) else {
        return fail(&state, -1, "authentication error: missing Timestamp");
    };
    let drift = (i64::try_from(timestamp).unwrap_or(i64::MAX) - server_now(&state)).unsigned_abs();
    if drift > state.config.itnio_window_secs {
        return fail(&state, -16, "timestamp expired");
    }
    let expected = itnio_client::sign(&creds.itnio_api_key, &creds.itnio_api_secret, timestamp);
    if header(&headers, "sign") != Some(expected.as_str()) {
        return fail(&state, -1, "authentication error: bad Sign");
    }
    let Ok(Json(request)) = body else {
        return fail(&state, -22, "parameter exception: invalid body");
    };
    if !(1..=100).contains(&request.size) {
        return fail(
            &state,
            -22,
            "parameter exception: size must be within 1..=100",
        );
    }
    if request.current < 1 {
        return fail(&state, -22, "parameter exception: current must be >= 1");
    }
    let p = &request.params;
    let search = p
        .search_condition
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase);
    let matching: Vec<&GroupCallTask> = state
        .data
        .itnio_tasks
        .iter()
        .filter(|t| p.idx_app_id.is_none_or(|a| a == t.app_id))
        .map(|t| &t.task)
        .filter(|t| {
            t.created_time
                .as_ref()
                .and_then(|c| common_http::datetime::parse_datetime(c.raw()))
                .is_some_and(|c| c >= p.str_time && c <= p.end_time)
        })
        .filter(|t| match &p.status_list {
            Some(list) if !list.is_empty() => t.status.is_some_and(|s| list.contains(&s)),
            _ => true,
        })
        .filter(|t| {
            search.as_deref().is_none_or(|s| {
                t.task_name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(s))
                    || t.task_id.to_string() == s
            })
        })
        .collect();
    let total = matching.len();
    let size = usize::try_from(request.size).unwrap_or(10);
    let pages = total.div_ceil(size);
    let from = usize::try_from(request.current - 1)
        .unwrap_or(0)
        .saturating_mul(size);
    let mut page: TaskPage = typed(json!({
        "records": [], "total": total, "size": request.size, "current": request.current,
        "searchCount": true, "pages": pages,
    }));
    page.records = matching
        .into_iter()
        .skip(from)
        .take(size)
        .cloned()
        .map(Into::into)
        .collect();
    if !state.quirks.on() {
        return answer(0, "success", Some(page));
    }
    let mut body: ItnioResponse<TaskPage> = typed(json!({"code": 0, "msg": "success"}));
    body.data = Some(page);
    let mut body = serde_json::to_value(body).unwrap_or_default();
    quirks::itnio_page(
        &state.quirks,
        state.config.seed,
        QUERY_ROUTE,
        i64::from(request.current),
        from,
        &mut body,
    );
    Json(body).into_response()
}

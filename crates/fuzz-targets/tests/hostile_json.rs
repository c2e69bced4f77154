//! Hostile response bodies served over real HTTP on 127.0.0.1 to the real clients: deeply
//! nested JSON, huge numbers where integers are expected, 10 MB strings, invalid UTF-8 and
//! NUL bytes, hostile event streams. Each call ends in a value (lenient acceptance) or a
//! typed error, never a panic, and the response size cap is respected whether or not the
//! server announces a length.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt as _, TryStreamExt as _};
use serde_json::Value;
use sobot_client::server::axum::body::{Body, Bytes};
use sobot_client::server::axum::extract::{Request, State};
use sobot_client::server::axum::http::header;
use sobot_client::server::axum::response::Response;
use sobot_client::server::axum::{self, Router};
use sobot_client::{AskRequest, BizType, InputTypeEnum, MsgType, SourceEnum};
use time::macros::datetime;

const MIB: usize = 1024 * 1024;

/// What the hostile server answers to every request but Sobot's `get_token`.
#[derive(Clone)]
struct Hostile {
    body: Bytes,
    content_type: &'static str,
    /// Sent in 64 KiB chunks without a `Content-Length`.
    chunked: bool,
    requests: Arc<AtomicUsize>,
}

impl Hostile {
    fn json(body: impl Into<Bytes>) -> Self {
        Self {
            body: body.into(),
            content_type: "application/json",
            chunked: false,
            requests: Arc::default(),
        }
    }

    fn sse(body: impl Into<Bytes>) -> Self {
        Self {
            content_type: "text/event-stream",
            ..Self::json(body)
        }
    }

    fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }
}

/// The fixture `<vendor>/<name>`, read from its home: the vendor crate's `tests/fixtures`.
fn fixture(file: &str) -> String {
    let (vendor, name) = file
        .split_once('/')
        .unwrap_or_else(|| panic!("{file}: not `<vendor>/<name>`"));
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../{vendor}-client/tests/fixtures"))
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn answer(State(hostile): State<Hostile>, request: Request) -> Response {
    if request.uri().path().ends_with("/get_token") {
        return Response::new(Body::from(fixture("sobot/get_token.response.json")));
    }
    hostile.requests.fetch_add(1, Ordering::SeqCst);
    let body = if hostile.chunked {
        let chunks: Vec<Result<Bytes, std::io::Error>> = hostile
            .body
            .chunks(64 * 1024)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        Body::from_stream(futures::stream::iter(chunks))
    } else {
        Body::from(hostile.body)
    };
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(hostile.content_type),
    );
    response
}

/// Serves `hostile` on 127.0.0.1:0 and returns its base URL.
async fn serve(hostile: Hostile) -> String {
    let app = Router::new().fallback(answer).with_state(hostile);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn no_retries() -> common_http::RetryPolicy {
    common_http::RetryPolicy::none()
}

fn rokid(base: &str, max_response_bytes: usize) -> rokid_client::RokidClient {
    rokid_client::RokidClient::builder()
        .api_key("rokid-test-key")
        .base_url(base)
        .retry_policy(no_retries())
        .max_response_bytes(max_response_bytes)
        .build()
        .unwrap()
}

fn itnio(base: &str, max_response_bytes: usize) -> itnio_client::ItnioClient {
    itnio_client::ItnioClient::builder()
        .api_key("itnio-test-key")
        .api_secret("itnio-test-secret")
        .base_url(base)
        .retry_policy(no_retries())
        .max_response_bytes(max_response_bytes)
        .build()
        .unwrap()
}

fn sobot(base: &str) -> sobot_client::SobotClient {
    sobot_capped(base, 64 * MIB)
}

fn sobot_capped(base: &str, max_response_bytes: usize) -> sobot_client::SobotClient {
    sobot_client::SobotClient::builder()
        .appid("1")
        .app_key("2")
        .base_url(base)
        .retry_policy(no_retries())
        .max_response_bytes(max_response_bytes)
        .build()
        .unwrap()
}

async fn rokid_page(client: &rokid_client::RokidClient) -> Result<usize, common_http::Error> {
    let page = client
        .list_work_records("E9985178CD6C4207BDB30608FF90B909")
        .gmt_start(datetime!(2026-06-01 00:00:00))
        .gmt_end(datetime!(2026-06-17 23:59:59))
        .send()
        .await?;
    Ok(page.list.len())
}

async fn itnio_page(client: &itnio_client::ItnioClient) -> Result<usize, common_http::Error> {
    let page = client
        .list_group_call_tasks(
            datetime!(2024-06-01 00:00:00),
            datetime!(2024-06-30 23:59:59),
        )
        .send()
        .await?;
    Ok(page.records.len())
}

async fn sobot_labels(client: &sobot_client::SobotClient) -> Result<usize, common_http::Error> {
    Ok(client.list_labels().send().await?.len())
}

/// The three vendors' list calls against one hostile body (each vendor reads its own
/// envelope out of it), with the default response cap.
async fn every_vendor(hostile: Hostile) -> [Result<usize, common_http::Error>; 3] {
    let base = serve(hostile).await;
    [
        rokid_page(&rokid(&base, 64 * MIB)).await,
        itnio_page(&itnio(&base, 64 * MIB)).await,
        sobot_labels(&sobot(&base)).await,
    ]
}

/// A typed decode error whose message and body excerpt stay small.
fn assert_decode_error(result: &Result<usize, common_http::Error>, what: &str) {
    let Err(error) = result else {
        panic!("{what}: decoded to {result:?}");
    };
    assert!(error.is_decode(), "{what}: not a decode error: {error:?}");
    assert!(
        !error.is_retryable(),
        "{what}: a decode error is not retried"
    );
    assert!(
        error.to_string().len() < 4096,
        "{what}: a huge error message"
    );
}

/// Replaces the value at `pointer` of a fixture by raw JSON text (`1e400` has no `Value`).
fn with_raw(file: &str, pointer: &str, raw: &str) -> String {
    let mut document: Value = serde_json::from_str(&fixture(file)).unwrap();
    *document.pointer_mut(pointer).unwrap() = Value::from("\u{1}raw\u{1}");
    document
        .to_string()
        .replacen("\"\\u0001raw\\u0001\"", raw, 1)
}

#[tokio::test]
async fn json_nested_a_hundred_thousand_levels_deep_is_a_decode_error() {
    const DEPTH: usize = 100_000;
    for open in ["[", "{\"a\":"] {
        let close = if open == "[" { "]" } else { "}" };
        let nested = format!("{}1{}", open.repeat(DEPTH), close.repeat(DEPTH));
        let body = format!(
            r#"{{"code":0,"ret_code":"000000","message":"OK","msg":"ok","data":{nested}}}"#
        );
        for (vendor, result) in every_vendor(Hostile::json(body)).await.iter().enumerate() {
            assert_decode_error(result, &format!("vendor {vendor}, {open} nesting"));
        }
    }
}

#[tokio::test]
async fn huge_and_fractional_numbers_where_integers_are_expected() {
    let cases = [
        ("rokid/list_work_records.response.json", "/data/total"),
        ("rokid/list_work_records.response.json", "/data/pageNum"),
        ("itnio/list_group_call_tasks.response.json", "/data/current"),
        ("itnio/list_group_call_tasks.response.json", "/code"),
        ("sobot/get_labels.response.json", "/data/0/create_time"),
    ];
    let numbers = [
        "1e400",
        "-1e400",
        "1180591620717411303424",
        "-0",
        "1.5",
        "1e2",
    ];
    let mut rejected = 0;
    for (file, pointer) in cases {
        for number in numbers {
            let body = with_raw(file, pointer, number);
            let base = serve(Hostile::json(body)).await;
            let result = match &file[..5] {
                "rokid" => rokid_page(&rokid(&base, 64 * MIB)).await,
                "itnio" => itnio_page(&itnio(&base, 64 * MIB)).await,
                _ => sobot_labels(&sobot(&base)).await,
            };
            let what = format!("{file} {pointer} = {number}");
            match &result {
                // Lenient acceptance keeps the records.
                Ok(items) => assert!(*items > 0, "{what}: records lost"),
                // `code` is a lenient number: `1e2` reads as the vendor code 100.
                Err(error) if error.is_api() => assert_eq!(error.vendor_code(), Some("100")),
                Err(_) => {
                    assert_decode_error(&result, &what);
                    rejected += 1;
                }
            }
        }
    }
    // 1e400 and -1e400 are not JSON numbers serde can hold: the body is refused at every
    // path. 2^70 is valid JSON: the tolerant reader keeps it unread (it never passes as an
    // integer) and the records are kept, which the `Ok` arm checks.
    assert!(rejected >= 2 * cases.len(), "{rejected} rejected");
}

/// Walks the work records of a server that always answers `body`, taking at most `limit`.
async fn walk(body: String, limit: usize) -> (usize, usize) {
    let hostile = Hostile::json(body);
    let requests = Arc::clone(&hostile.requests);
    let base = serve(hostile).await;
    let items: Vec<_> = rokid(&base, 64 * MIB)
        .list_work_records("E9985178CD6C4207BDB30608FF90B909")
        .gmt_start(datetime!(2026-06-01 00:00:00))
        .gmt_end(datetime!(2026-06-17 23:59:59))
        .by_item()
        .take(limit)
        .try_collect()
        .await
        .unwrap();
    (items.len(), requests.load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_huge_total_keeps_the_walk_bounded() {
    let file = "rokid/list_work_records.response.json";
    // A count of 2^63 pages: the walk is as long as the caller takes, and never has more
    // than the look-ahead in flight (no page count arithmetic overflows).
    let body = with_raw(file, "/data/total", "9223372036854775807");
    let (items, requests) = walk(body, 25).await;
    assert_eq!(items, 25);
    assert!(
        requests <= 25 + common_http::paginate::DEFAULT_LOOK_AHEAD,
        "{requests} requests for 25 pages"
    );
    // An empty page ends the walk whatever the total promised.
    let body = with_raw(file, "/data/list", "[]");
    let body = body.replacen("\"total\":1", "\"total\":9223372036854775807", 1);
    assert!(body.contains("9223372036854775807"));
    assert_eq!(walk(body, usize::MAX).await, (0, 1));
}

#[tokio::test]
async fn ten_megabyte_strings_are_accepted_under_the_cap_and_refused_over_it() {
    let big = "x".repeat(10 * MIB);
    let body = with_raw(
        "rokid/list_work_records.response.json",
        "/message",
        &format!("\"{big}\""),
    );
    let itnio_body = with_raw(
        "itnio/list_group_call_tasks.response.json",
        "/msg",
        &format!("\"{big}\""),
    );
    let sobot_body = with_raw(
        "sobot/get_labels.response.json",
        "/data/0/name",
        &format!("\"{big}\""),
    );

    for chunked in [false, true] {
        let hostile = |body: &str| {
            let h = Hostile::json(body.to_owned());
            if chunked { h.chunked() } else { h }
        };
        // Under the default 64 MiB cap: accepted as it is.
        let base = serve(hostile(&body)).await;
        assert_eq!(rokid_page(&rokid(&base, 64 * MIB)).await.unwrap(), 1);
        let base = serve(hostile(&itnio_body)).await;
        assert!(itnio_page(&itnio(&base, 64 * MIB)).await.unwrap() > 0);
        let base = serve(hostile(&sobot_body)).await;
        let labels = sobot(&base).list_labels().send().await.unwrap();
        assert_eq!(labels[0].name.as_ref().map(String::len), Some(10 * MIB));

        // Over a 1 MiB cap: refused before it is all held, announced length or not.
        let base = serve(hostile(&body)).await;
        let error = rokid_page(&rokid(&base, MIB)).await.unwrap_err();
        assert!(error.to_string().contains("limit"), "{error}");
        assert!(!error.is_decode() && error.to_string().len() < 1024);
        let base = serve(hostile(&itnio_body)).await;
        let error = itnio_page(&itnio(&base, MIB)).await.unwrap_err();
        assert!(error.to_string().contains("limit"), "{error}");
        let base = serve(hostile(&sobot_body)).await;
        let error = sobot_labels(&sobot_capped(&base, MIB)).await.unwrap_err();
        assert!(error.to_string().contains("limit"), "{error}");
    }
}

#[tokio::test]
async fn invalid_utf8_and_nul_bytes_are_decode_errors_or_kept_intact() {
    let fixture_text = fixture("sobot/get_labels.response.json");
    let hello = |with: &[u8]| -> Vec<u8> {
        let at = fixture_text.find("hello").unwrap();
        let bytes = fixture_text.as_bytes();
        [&bytes[..at], with, &bytes[at + 5..]].concat()
    };
    let hostile_bodies: Vec<(&str, Vec<u8>)> = vec![
        ("invalid UTF-8 in a string", hello(b"hel\xfflo")),
        ("a truncated UTF-8 sequence", hello(b"hel\xe4\xb8lo")),
        ("a raw NUL in a string", hello(b"hel\0lo")),
        (
            "invalid UTF-8 outside strings",
            [b"\xff\xfe".as_slice(), fixture_text.as_bytes()].concat(),
        ),
        (
            "a NUL between tokens",
            fixture_text.replacen(',', ",\0", 1).into_bytes(),
        ),
    ];
    for (what, body) in hostile_bodies {
        let base = serve(Hostile::json(body)).await;
        let result = sobot_labels(&sobot(&base)).await;
        assert_decode_error(&result, what);
        if let Err(error) = result {
            // The excerpt is text (invalid bytes replaced) and bounded.
            let excerpt = error.raw_body().unwrap_or_default();
            assert!(excerpt.len() <= 3 * common_http::MAX_EXCERPT + 3, "{what}");
        }
    }
    // An escaped NUL is valid JSON: kept intact.
    let body = fixture_text.replacen("hello", "hel\\u0000lo", 1);
    let base = serve(Hostile::json(body)).await;
    let labels = sobot(&base).list_labels().send().await.unwrap();
    assert_eq!(labels[0].name.as_deref(), Some("hel\0lo"));
}

fn question() -> AskRequest {
    AskRequest::builder()
        .question("Customer service")
        .show_question("Customer service")
        .input_type_enum(InputTypeEnum::Input)
        .biz_id("29967d81d67f4a708e8bd7d8f6356447")
        .biz_type(BizType::Text)
        .biz_type_id("1000016")
        .robotid("1")
        .msg_type(MsgType::Text)
        .source_enum(SourceEnum::Pc)
        .build()
        .unwrap()
}

/// The items of a streamed answer until its first error, which is returned.
async fn stream_until_error(body: Vec<u8>, chunked: bool) -> (usize, common_http::Error) {
    let hostile = Hostile::sse(body);
    let base = serve(if chunked { hostile.chunked() } else { hostile }).await;
    let mut events = sobot(&base).ask_stream(question()).send().await.unwrap();
    let mut items = 0;
    while let Some(item) = events.next().await {
        match item {
            Ok(_) => items += 1,
            Err(error) => {
                assert!(events.next().await.is_none(), "an item after the error");
                return (items, error);
            }
        }
    }
    panic!("the hostile stream ended without an error after {items} items");
}

#[tokio::test]
async fn hostile_event_streams_end_in_a_typed_error_or_hand_over_what_they_cannot_read() {
    let good = b"data: {\"robot_answer_message_type\":\"MESSAGE\",\"answer\":\"hi\"}\n\n".to_vec();
    let endless_line = [good.as_slice(), b"data: ", &vec![b'x'; 10 * MIB]].concat();
    let (items, error) = stream_until_error(endless_line, true).await;
    assert_eq!(items, 1);
    assert!(error.is_stream(), "{error:?}");

    let invalid_utf8 = [good.as_slice(), b"data: {\"answer\":\"\xff\"}\n\n"].concat();
    let (items, error) = stream_until_error(invalid_utf8, false).await;
    assert_eq!(items, 1);
    assert!(error.is_stream(), "{error:?}");

    // Unreadable `data:` payloads are not fatal: the stream hands them over as
    // `AnswerEvent::Unreadable` (data kept as sent) and goes on to its end.
    let nul = [good.as_slice(), b"data: {\"answer\":\0}\n\n"].concat();
    assert_unreadable_then_end(nul, "{\"answer\":\0}").await;

    let deep = "[".repeat(100_000);
    let nested = format!("data: {deep}\n\n").into_bytes();
    assert_unreadable_then_end([good.as_slice(), &nested].concat(), &deep).await;
}

async fn assert_unreadable_then_end(body: Vec<u8>, data: &str) {
    let base = serve(Hostile::sse(body)).await;
    let mut events = sobot(&base).ask_stream(question()).send().await.unwrap();
    let first = events.next().await.expect("the good event").unwrap();
    assert!(
        matches!(first, sobot_client::AnswerEvent::Message(_)),
        "{first:?}"
    );
    match events.next().await.expect("the unreadable event") {
        Ok(sobot_client::AnswerEvent::Unreadable(event)) => assert_eq!(event.data, data),
        other => panic!("expected an unreadable event, got {other:?}"),
    }
    assert!(
        events.next().await.is_none(),
        "nothing after the last event"
    );
}

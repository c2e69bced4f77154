//! Streamed document downloads against local servers on 127.0.0.1: progress, atomic
//! files, cleanup on failure, and where the API key is (not) sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use rokid_client::{DownloadProgress, RequestOptions, RetryPolicy, RokidClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "sk-download-key";

fn client(base: &str) -> RokidClient {
    RokidClient::builder()
        .api_key(KEY)
        .base_url(base)
        .build()
        .unwrap()
}

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("rokid-download-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn recorder() -> (
    Arc<Mutex<Vec<DownloadProgress>>>,
    impl FnMut(DownloadProgress) + Send + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, move |p| sink.lock().unwrap().push(p))
}

fn big_body() -> Vec<u8> {
    (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(31) % 251) as u8)
        .collect()
}

#[tokio::test]
async fn large_document_is_streamed_to_a_file_with_progress() {
    let server = MockServer::start_async().await;
    let body = big_body();
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/files/report.docx")
                .header("authorization", format!("Bearer {KEY}"));
            then.status(200).body(&body);
        })
        .await;
    let dir = scratch("large");
    let target = dir.join("report.docx");
    let (seen, progress) = recorder();
    let download = client(&server.base_url()).download(server.url("/files/report.docx"));
    assert!(download.carries_api_key(), "same origin as the API");
    let written = download
        .on_progress(progress)
        .to_file(&target)
        .await
        .unwrap();

    mock.assert_async().await;
    assert_eq!(written, body.len() as u64);
    assert!(std::fs::read(&target).unwrap() == body, "content differs");
    assert_eq!(
        entries(&dir),
        vec!["report.docx".to_owned()],
        "no temp file left"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.len() > 1,
        "progress is reported per chunk: {}",
        seen.len()
    );
    assert!(seen.windows(2).all(|w| w[0].downloaded < w[1].downloaded));
    assert!(seen.iter().all(|p| p.total == Some(body.len() as u64)));
    assert_eq!(seen.last().map(|p| p.downloaded), Some(body.len() as u64));
}

#[tokio::test]
async fn a_foreign_host_never_receives_the_api_key() {
    let api = MockServer::start_async().await;
    let cdn = MockServer::start_async().await;
    let with_key = cdn
        .mock_async(|when, then| {
            when.header_exists("authorization");
            then.status(403);
        })
        .await;
    let without_key = cdn
        .mock_async(|when, then| {
            when.method(GET)
                .path("/reports/work-record-001.docx")
                .header_missing("authorization");
            then.status(200).body("docx bytes");
        })
        .await;
    let download = client(&api.base_url()).download(cdn.url("/reports/work-record-001.docx"));
    assert!(
        !download.carries_api_key(),
        "another port is another origin"
    );
    let mut out = Vec::new();
    let written = download.to_writer(&mut out).await.unwrap();
    assert_eq!(written, 10);
    assert_eq!(out, b"docx bytes");
    assert_eq!(without_key.calls_async().await, 1);
    assert_eq!(with_key.calls_async().await, 0);
    assert!(
        !client("https://api.rokid.com")
            .download("https://cdn.rokid.com/reports/work-record-001.docx")
            .carries_api_key()
    );
}

#[tokio::test]
async fn a_server_error_leaves_no_file_and_keeps_an_existing_one() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/broken.docx");
            then.status(500).body("<html>internal error</html>");
        })
        .await;
    let dir = scratch("status");
    let fresh = dir.join("new.docx");
    let err = client(&server.base_url())
        .download(server.url("/broken.docx"))
        .with_options(RequestOptions::new().retry(RetryPolicy::none()))
        .to_file(&fresh)
        .await
        .unwrap_err();
    assert_eq!(err.status_code().map(|s| s.as_u16()), Some(500), "{err:?}");
    assert_eq!(mock.calls_async().await, 1);
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));

    let existing = dir.join("old.docx");
    std::fs::write(&existing, b"previous version").unwrap();
    let err = client(&server.base_url())
        .download(server.url("/broken.docx"))
        .with_options(RequestOptions::new().retry(RetryPolicy::none()))
        .to_file(&existing)
        .await;
    assert!(err.is_err());
    assert_eq!(std::fs::read(&existing).unwrap(), b"previous version");
    assert_eq!(entries(&dir), vec!["old.docx".to_owned()]);
}

/// Serves one response that announces `announced` bytes, sends `sent`, then closes.
async fn truncating_server(announced: usize, sent: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {announced}\r\ncontent-type: application/octet-stream\r\n\r\n"
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(&vec![7u8; sent]).await.unwrap();
        socket.flush().await.unwrap();
        // Dropping the socket closes the connection early.
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_connection_closed_early_leaves_no_file() {
    let base = truncating_server(1_000_000, 64 * 1024).await;
    let dir = scratch("truncated");
    let target = dir.join("video.mp4");
    let (seen, progress) = recorder();
    let err = client(&base)
        .download(format!("{base}/video.mp4"))
        .on_progress(progress)
        .to_file(&target)
        .await
        .unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert!(!target.exists());
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
    let seen = seen.lock().unwrap();
    assert!(seen.iter().all(|p| p.total == Some(1_000_000)));
    assert!(seen.last().is_none_or(|p| p.downloaded < 1_000_000));
}

#[tokio::test]
async fn invalid_urls_are_rejected_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("x");
        })
        .await;
    let dir = scratch("invalid");
    let client = client(&server.base_url());
    for url in ["", "   ", "not a url", "ftp://127.0.0.1/file"] {
        let err = client
            .download(url)
            .to_file(dir.join("f.bin"))
            .await
            .unwrap_err();
        assert!(err.is_invalid_request(), "{url:?}: {err:?}");
    }
    let err = client
        .download(server.url("/x"))
        .to_file(dir.join(".."))
        .await;
    assert!(
        err.is_err_and(|e| e.is_invalid_request()),
        "a path without a file name"
    );
    assert!(entries(&dir).is_empty());
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn a_long_file_name_that_fits_is_downloaded() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/long.docx");
            then.status(200).body("long name");
        })
        .await;
    let dir = scratch("long-name");
    // 255 bytes: the longest name Linux (and most file systems) accept, in ASCII and in
    // three-byte characters.
    for name in [
        format!("{}.docx", "a".repeat(250)),
        format!("{}x.docx", "巡".repeat(83)),
    ] {
        assert_eq!(name.len(), 255);
        let target = dir.join(&name);
        let written = client(&server.base_url())
            .download(server.url("/long.docx"))
            .to_file(&target)
            .await
            .unwrap();
        assert_eq!(written, 9);
        assert_eq!(std::fs::read(&target).unwrap(), b"long name");
        assert_eq!(entries(&dir), vec![name.clone()], "no temp file left");
        std::fs::remove_file(&target).unwrap();
    }
}

/// Everything an error or a `Debug` shows, with its source chain.
fn shown(err: &rokid_client::Error) -> String {
    let mut text = format!("{err} {err:?}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn no_error_shows_the_query_string_of_a_download_url() {
    const SECRET: &str = "S3cr3tSignature";
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/denied.docx");
            then.status(403).body("<Error>AccessDenied</Error>");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/moved.docx");
            then.status(302).header("location", "/denied.docx?again=1");
        })
        .await;
    let dir = scratch("query");
    let client = client("https://api.rokid.example");
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let urls = [
        format!("https://cdn.rokid.example:99999/r.docx?X-Amz-Signature={SECRET}"),
        format!("https://user:{SECRET}@cdn.rokid.example:x/r.docx?s={SECRET}"),
        format!("ftp://cdn.rokid.example/r.docx?Signature={SECRET}"),
        format!("http://127.0.0.1:{closed}/r.docx?Signature={SECRET}"),
        format!("{}?Signature={SECRET}", server.url("/denied.docx")),
        format!("{}?Signature={SECRET}", server.url("/moved.docx")),
    ];
    for url in &urls {
        let download = client
            .download(url)
            .with_options(RequestOptions::new().retry(RetryPolicy::none()));
        let debug = format!("{download:?}");
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(!debug.contains('?'), "{debug}");
        let err = download.to_file(dir.join("r.docx")).await.unwrap_err();
        let text = shown(&err);
        assert!(!text.contains(SECRET), "{url}: {text}");
        assert!(!text.contains("Signature"), "{url}: {text}");
    }
    assert!(entries(&dir).is_empty());
}

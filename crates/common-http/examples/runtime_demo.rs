//! An offline tour of the runtime: `cargo run -p common-http --example runtime_demo`.
//!
//! Starts a tiny HTTP server on 127.0.0.1:0 that misbehaves on purpose, then shows a call
//! that survives two 503s, a paged export streamed item by item with pages fetched ahead,
//! and a server-sent-event stream decoded as it arrives.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common_http::paginate::{Page, Paginator};
use common_http::{
    ApiError, ClientConfig, Envelope, EnvelopeFields, Error, HttpClient, NoAuth, RequestSpec,
    RetryPolicy,
};
use futures::StreamExt as _;
use http::Method;
use serde::Deserialize;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The demo server's envelope: `{"code": 0, "message": "...", "data": ...}`, read code
/// first, the payload only on success.
struct DemoEnvelope<T>(std::marker::PhantomData<T>);

impl<T: serde::de::DeserializeOwned> Envelope for DemoEnvelope<T> {
    type Data = T;

    fn open_fields(fields: &EnvelopeFields<'_>) -> Result<T, Error> {
        if fields.int(&["code"]) != Some(0) {
            let code = fields.text(&["code"]).unwrap_or_default();
            let message = fields.text(&["message"]).unwrap_or_default();
            return Err(ApiError::new(code, message).into());
        }
        fields
            .payload(&["data"])?
            .ok_or_else(|| Error::missing_data(fields.body()))
    }
}

#[derive(Debug, Deserialize)]
struct ItemPage {
    page: u64,
    pages: u64,
    items: Vec<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener));

    let config = ClientConfig::builder()
        .base_url(&base)
        .timeout(Duration::from_secs(5))
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(50)))
        .build()?;
    let client = HttpClient::new(config, Arc::new(NoAuth))?;
    println!("demo server on {base}\n");

    println!("1. A read that meets two 503s is retried with backoff:");
    let started = Instant::now();
    let status: serde_json::Value = client
        .send_json::<DemoEnvelope<serde_json::Value>>(RequestSpec::new(Method::GET, "/flaky"))
        .await?;
    println!("   -> {status} after {:?}\n", started.elapsed());

    println!("2. A paged export, 5 pages of 100 ms each, up to 3 in flight:");
    let started = Instant::now();
    let fetch_client = client.clone();
    let items = Paginator::new(move |page| {
        let client = fetch_client.clone();
        async move {
            let data = client
                .send_json::<DemoEnvelope<ItemPage>>(
                    RequestSpec::new(Method::GET, "/items").query("page", page.to_string()),
                )
                .await?;
            Ok::<_, Error>(Page::new(data.items, data.page).with_pages(Some(data.pages)))
        }
    })
    .look_ahead(3)
    .by_item();
    let items: Vec<String> = items
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    println!(
        "   -> {} items in order ({} .. {}) in {:?} (sequentially: ~500 ms)\n",
        items.len(),
        items.first().map_or("", String::as_str),
        items.last().map_or("", String::as_str),
        started.elapsed()
    );

    println!("3. A server-sent-event stream, printed as it arrives:");
    let mut events = client
        .send_sse(RequestSpec::new(Method::GET, "/chat"))
        .await?;
    print!("   -> ");
    while let Some(event) = events.next().await {
        let event = event?;
        if event.event == "end" {
            break;
        }
        print!("{}", event.data);
        use std::io::Write as _;
        std::io::stdout().flush()?;
    }
    println!("\n\ndone.");
    Ok(())
}

/// A deliberately unreliable HTTP/1.1 server (one request per connection).
async fn serve(listener: TcpListener) {
    let flaky_calls = Arc::new(AtomicUsize::new(0));
    while let Ok((socket, _)) = listener.accept().await {
        tokio::spawn(handle(socket, flaky_calls.clone()));
    }
}

async fn handle(mut socket: TcpStream, flaky_calls: Arc<AtomicUsize>) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&request);
    let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    match path {
        "/flaky" if flaky_calls.fetch_add(1, Ordering::SeqCst) < 2 => {
            respond(&mut socket, "503 Service Unavailable", "busy").await
        }
        "/flaky" => {
            respond(
                &mut socket,
                "200 OK",
                r#"{"code":0,"data":{"status":"ok"}}"#,
            )
            .await
        }
        "/items" => {
            let page: u64 = query
                .strip_prefix("page=")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_millis(100)).await;
            let items: Vec<String> = (0..20)
                .map(|i| format!("\"item-{}\"", (page - 1) * 20 + i))
                .collect();
            let body = format!(
                r#"{{"code":0,"data":{{"page":{page},"pages":5,"items":[{}]}}}}"#,
                items.join(",")
            );
            respond(&mut socket, "200 OK", &body).await
        }
        "/chat" => {
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n")
                .await?;
            for word in ["Streaming ", "answers ", "arrive ", "word ", "by ", "word."] {
                socket
                    .write_all(format!("data: {word}\n\n").as_bytes())
                    .await?;
                tokio::time::sleep(Duration::from_millis(120)).await;
            }
            socket.write_all(b"event: end\ndata: done\n\n").await
        }
        _ => respond(&mut socket, "404 Not Found", "").await,
    }
}

async fn respond(socket: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(response.as_bytes()).await
}

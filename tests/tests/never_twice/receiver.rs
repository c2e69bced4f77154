//! A fake Sobot API receiving the inbound server's callbacks: it counts every request that
//! arrives (by path) and mistreats the first one as told, then answers normally.
//!
//! Plain HTTP/1.1 over a `TcpListener`, written by hand so a fault can happen at any byte:
//! before the response, in the middle of the body, or slowly.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const OK_BODY: &[u8] = br#"{"ret_code":"000000","ret_msg":"success","data":null}"#;

/// What happens to the first request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mistreat {
    /// Nothing: answered normally.
    Nothing,
    /// The connection is closed before any response byte.
    Reset,
    /// This status with a short text body (`Retry-After: 0` on a 429).
    Status(u16),
    /// The headers announce the whole body; half of it is sent, then the connection closes.
    Truncated,
    /// The body is sent a byte at a time, this long apart.
    Slow(Duration),
    /// The answer comes after this long.
    Latency(Duration),
}

/// A running receiver; dropping it stops it.
#[derive(Debug)]
pub(crate) struct Receiver {
    url: String,
    counts: Arc<Mutex<HashMap<String, u64>>>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Starts on `127.0.0.1:0`.
    pub(crate) async fn start(first: Mistreat) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let counts = Arc::new(Mutex::new(HashMap::new()));
        let fresh = Arc::new(AtomicBool::new(true));
        let state = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (counts, fresh) = (state.clone(), fresh.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &counts, &fresh, first).await;
                });
            }
        });
        Self {
            url: format!("http://{addr}"),
            counts,
            task,
        }
    }

    /// Its base URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Requests that arrived on `path`.
    pub(crate) fn count(&self, path: &str) -> u64 {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

/// Serves the requests of one connection until it closes or a fault closes it.
async fn serve(
    mut stream: TcpStream,
    counts: &Mutex<HashMap<String, u64>>,
    fresh: &AtomicBool,
    first: Mistreat,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    loop {
        let Some(path) = read_request(&mut stream, &mut buffer).await? else {
            return Ok(());
        };
        *counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(path)
            .or_insert(0) += 1;
        let mistreat = if fresh.swap(false, Ordering::SeqCst) {
            first
        } else {
            Mistreat::Nothing
        };
        let head = |status: &str, len: usize| {
            format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len}\r\nretry-after: 0\r\n\r\n"
            )
        };
        match mistreat {
            Mistreat::Nothing => {}
            Mistreat::Reset => return Ok(()),
            Mistreat::Status(code) => {
                stream
                    .write_all(format!("{}down", head(&format!("{code} Oops"), 4)).as_bytes())
                    .await?;
                continue;
            }
            Mistreat::Truncated => {
                stream
                    .write_all(head("200 OK", OK_BODY.len()).as_bytes())
                    .await?;
                stream.write_all(&OK_BODY[..OK_BODY.len() / 2]).await?;
                stream.flush().await?;
                return Ok(());
            }
            Mistreat::Slow(pause) => {
                stream
                    .write_all(head("200 OK", OK_BODY.len()).as_bytes())
                    .await?;
                for byte in OK_BODY {
                    stream.write_all(&[*byte]).await?;
                    tokio::time::sleep(pause).await;
                }
                continue;
            }
            Mistreat::Latency(delay) => tokio::time::sleep(delay).await,
        }
        stream
            .write_all(head("200 OK", OK_BODY.len()).as_bytes())
            .await?;
        stream.write_all(OK_BODY).await?;
    }
}

/// Reads one request (head and `Content-Length` body) and returns its path; `None` when
/// the connection closed between requests.
async fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> std::io::Result<Option<String>> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let path = head
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let length: usize = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    buffer.drain(..head_end + length);
    Ok(Some(path))
}

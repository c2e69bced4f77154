//! The streaming answer against a raw HTTP/1.1 server on 127.0.0.1 that sends each event
//! in awkward chunks (split inside UTF-8 characters and between CR and LF) and only after
//! the test confirmed the previous event: events arrive typed, in order, one at a time;
//! `ERROR_END` ends the stream; dropping the stream closes the connection.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use httpmock::MockServer;
use sobot_client::{AnswerEvent, AskRequest, SobotClient, TransferResult};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

const HEAD: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

/// Split points: after the first byte of every multi-byte character, between every CR and
/// LF, and every 7 bytes.
fn awkward_chunks(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut cuts = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        let multibyte_start = *b >= 0xC0;
        let cr_before_lf = *b == b'\r' && bytes.get(i + 1) == Some(&b'\n');
        if multibyte_start || cr_before_lf || (i > 0 && i % 7 == 0) {
            cuts.push(i + 1);
        }
    }
    cuts.dedup();
    let mut chunks = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().filter(|c| *c < bytes.len()) {
        if cut > start {
            chunks.push(bytes[start..cut].to_vec());
            start = cut;
        }
    }
    chunks.push(bytes[start..].to_vec());
    chunks
}

/// Reads the request head and its content-length body.
async fn read_request(socket: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.unwrap();
        if n == 0 {
            return;
        }
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if seen.len() >= end + 4 + length {
                return;
            }
        }
    }
}

struct Server {
    base: String,
    /// How many events the server has started writing (the next one starts only after
    /// the test acknowledged the previous one).
    sent: Arc<AtomicUsize>,
    /// The test says "got it" after each event.
    ack: mpsc::UnboundedSender<()>,
    /// Whether the server saw the client close the connection.
    closed: oneshot::Receiver<bool>,
}

/// Serves one streaming answer: each event in awkward chunks, the next one only after an
/// acknowledgement; then waits for the client to close the connection.
async fn serve(events: Vec<String>, trailing: Option<String>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(AtomicUsize::new(0));
    let (ack, mut acks) = mpsc::unbounded_channel::<()>();
    let (closed_tx, closed) = oneshot::channel();
    let counter = sent.clone();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        socket.set_nodelay(true).unwrap();
        read_request(&mut socket).await;
        socket.write_all(HEAD.as_bytes()).await.unwrap();
        for event in events {
            counter.fetch_add(1, Ordering::SeqCst);
            for chunk in awkward_chunks(event.as_bytes()) {
                let written = socket.write_all(&chunk).await.and(socket.flush().await);
                if written.is_err() {
                    // The client closed the connection.
                    let _ = closed_tx.send(true);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            if acks.recv().await.is_none() {
                break;
            }
        }
        if let Some(extra) = trailing {
            let _ = socket.write_all(extra.as_bytes()).await;
        }
        // The client must close: a read sees EOF (or a reset), never times out.
        let mut buf = [0u8; 64];
        let outcome = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return true,
                    Ok(_) => {}
                }
            }
        })
        .await;
        let _ = closed_tx.send(outcome.unwrap_or(false));
    });
    Server {
        base,
        sent,
        ack,
        closed,
    }
}

async fn client_for(api_base: &str) -> (SobotClient, MockServer) {
    let tokens = MockServer::start_async().await;
    tokens
        .mock_async(|when, then| {
            when.path("/api/get_token");
            then.status(200).body(
                r#"{"item":{"token":"tok","expires_in":"86400"},"ret_code":"000000","ret_msg":"success"}"#,
            );
        })
        .await;
    let client = SobotClient::builder()
        .appid("1")
        .app_key("2")
        .token_base_url(tokens.base_url())
        .api_base_url(api_base)
        .stream_idle_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    (client, tokens)
}

fn question() -> AskRequest {
    common::ask_request("hello", "biz")
}

const INFO: &str = r#"{"robot_answer_type":"PROCESS","robot_answer_message_type":"PROCESS_INFO","answer":"","transfer_result":"NO_ACTION","roundid":"r1","msgid":"m1","ai_agent_cid":"cid-1","biz_id":"biz","robot_name":"Ai-Agent","robot_logo":"","robotid":"1","robot_status":"ENABLE","delay":5,"process_id":"p1","node_id":"n1","variable_id":"v1","variable_value_enums":["yes","no"]}"#;

fn events() -> Vec<String> {
    vec![
        // Bare camelCase, split inside "é" and between CR and LF.
        "data: {\"robotAnswerMessageType\":\"MESSAGE\",\"answer\":\"Hé\",\"msgId\":\"m1\"}\r\n\r\n"
            .to_owned(),
        // The documented envelope with a data list, snake_case, split inside "世界".
        "data: {\"data\":[{\"robot_answer_message_type\":\"MESSAGE\",\"answer\":\"llo 世界\",\"msgid\":\"m1\"}],\"ret_code\":\"000000\",\"ret_msg\":\"success\"}\r\n\r\n"
            .to_owned(),
        format!("data: {INFO}\r\n\r\n"),
        "data: {\"robot_answer_message_type\":\"ERROR\",\"answer\":\"could not parse\"}\r\n\r\n"
            .to_owned(),
        "data: {\"robot_answer_message_type\":\"ERROR_END\",\"answer\":\"chat terminated\",\"msgid\":\"m1\"}\r\n\r\n"
            .to_owned(),
    ]
}

#[tokio::test]
async fn events_arrive_typed_in_order_one_at_a_time_and_error_end_ends_the_stream() {
    let server = serve(
        events(),
        Some("data: {\"robot_answer_message_type\":\"MESSAGE\",\"answer\":\"late\"}\n\n".into()),
    )
    .await;
    let (client, _tokens) = client_for(&server.base).await;
    let mut stream = client.ask_stream(question()).send().await.unwrap();
    let mut received = Vec::new();
    for expected_sent in 1..=5 {
        let event = tokio::time::timeout(Duration::from_secs(3), stream.next())
            .await
            .expect("each event must arrive before the next is sent")
            .unwrap()
            .unwrap();
        assert_eq!(server.sent.load(Ordering::SeqCst), expected_sent);
        received.push(event);
        server.ack.send(()).unwrap();
    }
    // Nothing after ERROR_END, even though the server sent more.
    assert!(stream.next().await.is_none());

    match &received[..] {
        [
            AnswerEvent::Message(a),
            AnswerEvent::Message(b),
            AnswerEvent::Info(info),
            AnswerEvent::Error(err),
            AnswerEvent::End(end),
        ] => {
            assert_eq!(a.text, "Hé");
            assert_eq!(a.msgid.as_deref(), Some("m1"));
            assert_eq!(b.text, "llo 世界");
            assert_eq!(info.delay, 5);
            assert_eq!(info.transfer_result, Some(TransferResult::NoAction));
            assert_eq!(info.process_id.as_deref(), Some("p1"));
            assert_eq!(
                info.variable_value_enums.as_deref(),
                Some(&["yes".to_owned(), "no".to_owned()][..])
            );
            assert_eq!(err.message.as_deref(), Some("could not parse"));
            assert_eq!(end.message.as_deref(), Some("chat terminated"));
        }
        other => panic!("unexpected events {other:?}"),
    }
    let mut collected = sobot_client::CollectedAnswer::default();
    for event in received {
        collected.push(event);
    }
    assert_eq!(collected.final_text(), "Héllo 世界");
    assert!(collected.terminated.is_some());
    assert_eq!(collected.delayed().map(|i| i.msgid.as_str()), Some("m1"));
    assert!(server.closed.await.unwrap());
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let server = serve(events(), None).await;
    let (client, _tokens) = client_for(&server.base).await;
    let mut stream = client.ask_stream(question()).send().await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.text(), Some("Hé"));
    drop(stream);
    // Let the server go on: it must see the connection closed.
    server.ack.send(()).unwrap();
    let _ = server.ack.send(());
    assert!(server.closed.await.unwrap());
}

#[tokio::test]
async fn collect_text_reads_the_whole_answer() {
    let server = serve(events(), None).await;
    let (client, _tokens) = client_for(&server.base).await;
    let ack = server.ack.clone();
    // Acknowledge ahead: collect does not confirm events one by one.
    for _ in 0..5 {
        ack.send(()).unwrap();
    }
    let text = client
        .ask_stream(question())
        .send()
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(text, "Héllo 世界");
}

//! Exports the agent chat logs of a date range as JSON lines.
//!
//! ```text
//! ROKID_API_KEY=... cargo run -p rokid-client --example export_chat_logs -- out.jsonl [agent name]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use futures::TryStreamExt;
use rokid_client::{ChatLogType, RokidClient};
use time::macros::{date, datetime};
use tokio::io::AsyncWriteExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "chat-logs.jsonl".to_owned());
    let client = RokidClient::from_env()?;

    let mut request = client
        .list_chat_logs()
        .log_type(ChatLogType::Chat)
        .start_time(date!(2026 - 06 - 01))
        .end_time(datetime!(2026-06-15 23:59:59))
        .page_size(100);
    if let Some(agent) = args.next() {
        request = request.agent_name(agent);
    }

    let mut file = tokio::io::BufWriter::new(tokio::fs::File::create(&out).await?);
    let mut logs = request.by_item();
    let mut count = 0usize;
    while let Some(log) = logs.try_next().await? {
        let mut line = serde_json::to_vec(&log)?;
        line.push(b'\n');
        file.write_all(&line).await?;
        count += 1;
    }
    file.flush().await?;
    println!("wrote {count} chat logs to {out}");
    Ok(())
}

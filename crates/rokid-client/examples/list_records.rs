//! Lists the AI work records of one user, every page.
//!
//! ```text
//! ROKID_API_KEY=... cargo run -p rokid-client --example list_records -- <uid> [task name]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use futures::TryStreamExt;
use rokid_client::{RokidClient, TaskProgress};
use time::macros::datetime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(uid) = args.next() else {
        eprintln!("usage: list_records <uid> [task name]");
        std::process::exit(2);
    };
    let client = RokidClient::from_env()?;

    let mut request = client
        .list_work_records(uid)
        .page_size(50)
        .gmt_start(datetime!(2026-01-01 00:00:00));
    if let Some(task) = args.next() {
        request = request.task_name(task);
    }
    let mut records = request.by_item();
    let mut count = 0usize;
    while let Some(record) = records.try_next().await? {
        count += 1;
        // A record the server sent in a shape the client could not read is kept raw.
        let record = match record.into_typed() {
            Ok(record) => record,
            Err(raw) => {
                eprintln!("a record kept as sent: {}", raw.json());
                continue;
            }
        };
        let created = record
            .gmt_created
            .as_ref()
            .and_then(|t| t.offset_date_time())
            .map(|t| t.to_string())
            .unwrap_or_else(|| "-".to_owned());
        let progress = match record.task_progress {
            Some(TaskProgress::Completed) => "completed".to_owned(),
            Some(other) => format!("progress {other}"),
            None => "unknown".to_owned(),
        };
        println!(
            "{}  {:<30}  {:<12}  {}  documents: {}",
            record.task_id,
            record.task_name.as_deref().unwrap_or("-"),
            progress,
            created,
            record.documents().len()
        );
    }
    println!("{count} records");
    Ok(())
}

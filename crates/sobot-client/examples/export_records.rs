//! Exports reception records of a date range as JSON lines, walking every page.
//!
//! ```sh
//! SOBOT_APPID=... SOBOT_APP_KEY=... cargo run -p sobot-client --example export_records -- 2026-06-01 2026-06-07
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use futures::TryStreamExt as _;
use sobot_client::{RecordListParams, SobotClient};

fn date(text: &str) -> Result<time::Date, Box<dyn std::error::Error>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, format).map_err(|_| format!("`{text}` is not a YYYY-MM-DD date").into())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(start), Some(end)) = (args.next(), args.next()) else {
        eprintln!("usage: export_records <start YYYY-MM-DD> <end YYYY-MM-DD>");
        std::process::exit(2);
    };
    let client = SobotClient::from_env()?;
    let params = RecordListParams::new(date(&start)?, date(&end)?, 1, 100);
    let mut records = client.list_reception_records(params).by_item();
    let mut count = 0usize;
    while let Some(record) = records.try_next().await? {
        println!("{}", serde_json::to_string(&record)?);
        count += 1;
    }
    eprintln!("{count} records");
    Ok(())
}

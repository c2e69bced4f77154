//! Writes every AI-agent group call task of a month to stdout as JSON lines.
//!
//! ```sh
//! ITNIO_API_KEY=... ITNIO_API_SECRET=... cargo run -p itnio-client --example export_month -- 2024-06 > june.jsonl
//! ```
//! Without an argument the current month (UTC) is exported.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;

use futures::TryStreamExt;
use itnio_client::ItnioClient;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

fn month_from_args() -> Option<(i32, Month)> {
    let Some(arg) = std::env::args().nth(1) else {
        let today = OffsetDateTime::now_utc().date();
        return Some((today.year(), today.month()));
    };
    let (year, month) = arg.trim().split_once('-')?;
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Some((year.parse().ok()?, month))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some((year, month)) = month_from_args() else {
        eprintln!("usage: export_month [YYYY-MM]");
        std::process::exit(2);
    };
    let first = Date::from_calendar_date(year, month, 1)?;
    let last = Date::from_calendar_date(year, month, month.length(year))?;
    let start = PrimitiveDateTime::new(first, Time::MIDNIGHT);
    let end = PrimitiveDateTime::new(last, Time::from_hms(23, 59, 59)?);

    let client = ItnioClient::from_env()?;
    let mut tasks = client.list_group_call_tasks(start, end).size(100).by_item();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut count = 0_u64;
    while let Some(task) = tasks.try_next().await? {
        serde_json::to_writer(&mut out, &task)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    eprintln!("{count} task(s) exported for {year}-{:02}", u8::from(month));
    Ok(())
}

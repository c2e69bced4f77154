//! Lists today's AI-agent group call tasks (one page of up to 100).
//!
//! ```sh
//! ITNIO_API_KEY=... ITNIO_API_SECRET=... cargo run -p itnio-client --example list_today
//! ```
//! `ITNIO_BASE_URL` selects another brand's host; `ITNIO_UTC_OFFSET` (whole hours, e.g.
//! `8`) says which day "today" is (default UTC).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use itnio_client::{Error, ItnioClient};
use time::{OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let hours: i8 = std::env::var("ITNIO_UTC_OFFSET")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let offset = UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC);
    let now = OffsetDateTime::now_utc().to_offset(offset);
    let start = PrimitiveDateTime::new(now.date(), Time::MIDNIGHT);
    let end = PrimitiveDateTime::new(
        now.date(),
        now.time().replace_nanosecond(0).unwrap_or(now.time()),
    );

    let client = ItnioClient::from_env()?;
    let page = client
        .list_group_call_tasks(start, end)
        .size(100)
        .send()
        .await?;
    println!("{} task(s) today ({} page(s))", page.total, page.pages);
    for record in &page.records {
        // A record the server sent in a shape the client could not read is kept raw.
        let Some(task) = record.typed() else {
            eprintln!(
                "a task kept as sent: {}",
                record.raw().map_or("", |r| r.json())
            );
            continue;
        };
        println!(
            "{:>10}  {:<30}  status {:<4}  {}/{} answered  total fee {}",
            task.task_id,
            task.task_name.as_deref().unwrap_or("-"),
            task.status.map(|s| s.to_string()).unwrap_or_default(),
            task.answered_num.unwrap_or(0),
            task.num_cnt.unwrap_or(0),
            task.total_fee()
                .map(|f| f.to_string())
                .unwrap_or_else(|| "-".into()),
        );
    }
    if page.pages > 1 {
        eprintln!("(first page only; see the export_month example for walking every page)");
    }
    Ok(())
}

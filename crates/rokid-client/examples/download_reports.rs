//! Downloads the work documents (report, signature, video) of a user's records.
//!
//! ```text
//! ROKID_API_KEY=... cargo run -p rokid-client --example download_reports -- <uid> [dir]
//! ```
//!
//! Each file is written under a temporary name and renamed when complete, so an
//! interrupted run never leaves a half document behind.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use futures::TryStreamExt;
use rokid_client::RokidClient;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(uid) = args.next() else {
        eprintln!("usage: download_reports <uid> [dir]");
        std::process::exit(2);
    };
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "reports".to_owned()));
    tokio::fs::create_dir_all(&dir).await?;
    let client = RokidClient::from_env()?;

    let mut records = client.list_work_records(uid).page_size(50).by_item();
    while let Some(record) = records.try_next().await? {
        let Some(record) = record.typed() else {
            continue; // kept as sent, with no readable document links
        };
        for doc in record.documents() {
            let target = dir.join(&doc.file_name);
            let name = doc.file_name.clone();
            let bytes = client
                .download(&doc.url)
                .on_progress(move |p| match p.total {
                    Some(total) => eprint!("\r{name}: {} / {total} bytes", p.downloaded),
                    None => eprint!("\r{name}: {} bytes", p.downloaded),
                })
                .to_file(&target)
                .await;
            eprintln!();
            match bytes {
                Ok(bytes) => println!("{} ({bytes} bytes)", target.display()),
                Err(err) => eprintln!("{}: {err}", doc.url),
            }
        }
    }
    Ok(())
}

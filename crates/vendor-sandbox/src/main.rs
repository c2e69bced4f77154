//! `vendor-sandbox`: runs the emulator of the three vendors on an address and prints the
//! base URLs and credentials to use.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use vendor_sandbox::{RouteFault, Sandbox};

/// Offline emulator of the Rokid, Sobot and Itniotech AI-agent APIs.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The seed of the generated data and of fractional faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many records of each kind to generate.
    #[arg(long, default_value_t = 1000)]
    records: usize,
    /// Size of each served Rokid document, in bytes.
    #[arg(long, default_value_t = 65_536)]
    document_bytes: usize,
    /// Sobot token lifetime, in seconds.
    #[arg(long, default_value_t = 86_400)]
    token_lifetime: u64,
    /// Sobot tokens become invalid after this many API calls.
    #[arg(long)]
    token_invalid_after: Option<u64>,
    /// Pause between two streamed MESSAGE chunks, in milliseconds.
    #[arg(long, default_value_t = 50)]
    stream_pace_ms: u64,
    /// Itniotech Timestamp drift allowed, in seconds.
    #[arg(long, default_value_t = 300)]
    itnio_window: u64,
    /// Itniotech server clock skew, in seconds (negative: behind).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    itnio_clock_skew: i64,
    /// A fault, `ROUTE=KIND[@TRIGGER]` (repeatable): KIND is latency:MS, 500|502|503,
    /// 429[:SECS], reset, truncate, slow:MS, cut[:EVENTS]; TRIGGER is always, first:N,
    /// nth:N or a fraction like 0.2; ROUTE is a path or `*`.
    #[arg(long = "fault")]
    faults: Vec<RouteFault>,
}

#[tokio::main]
#[allow(clippy::print_stdout)]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let mut builder = Sandbox::builder()
        .listen(args.listen)
        .seed(args.seed)
        .records(args.records)
        .document_bytes(args.document_bytes)
        .sobot_token_lifetime(Duration::from_secs(args.token_lifetime))
        .stream_pace(Duration::from_millis(args.stream_pace_ms))
        .itnio_window_secs(args.itnio_window)
        .itnio_clock_skew_secs(args.itnio_clock_skew)
        .faults(args.faults);
    if let Some(n) = args.token_invalid_after {
        builder = builder.sobot_token_invalid_after(n);
    }
    let sandbox = builder.start().await?;
    let urls = sandbox.urls();
    let creds = sandbox.credentials();
    println!("vendor-sandbox listening on {}", sandbox.base_url());
    println!();
    println!("ROKID_BASE_URL={}", urls.rokid);
    println!("ROKID_API_KEY={}", creds.rokid_api_key);
    println!("SOBOT_BASE_URL={}", urls.sobot_api);
    println!("SOBOT_TOKEN_URL={}", urls.sobot_token);
    println!("SOBOT_APPID={}", creds.sobot_appid);
    println!("SOBOT_APP_KEY={}", creds.sobot_app_key);
    println!("ITNIO_BASE_URL={}", urls.itnio);
    println!("ITNIO_API_KEY={}", creds.itnio_api_key);
    println!("ITNIO_API_SECRET={}", creds.itnio_api_secret);
    println!();
    println!("Rokid uids: {}", vendor_sandbox::ROKID_UIDS.join(", "));
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}

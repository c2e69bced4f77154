//! `vendor-sandbox`: runs the emulator of the three vendors on an address and prints the
//! base URLs and credentials to use.

use clap::Parser;
use vendor_sandbox::cli::{SandboxArgs, banner};

/// Offline emulator of the Rokid, Sobot and Itniotech AI-agent APIs.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    sandbox: SandboxArgs,
}

#[tokio::main]
#[allow(clippy::print_stdout)]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let sandbox = args.sandbox.builder().start().await?;
    print!("{}", banner(&sandbox));
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}

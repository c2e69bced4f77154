//! `agentctl`: the Rokid, Sobot and Itniotech AI-agent APIs from the command line, an
//! offline sandbox of all three, and a demo that walks through them.
//!
//! Exit codes: 0 success, 1 an API or transport error, 2 a usage or configuration error.

mod cli;
mod config;
mod demo;
mod error;
mod export;
mod itnio;
mod logging;
mod output;
mod progress;
mod rokid;
mod sandbox;
mod sobot;
mod times;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&error::CliError::from(e)),
    };
    let result = runtime.block_on(cli::run(cli));
    // A read of stdin may still be pending on a blocking thread (chat ended by Ctrl-C):
    // do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Reports the error on one stderr line and returns its exit code.
fn fail(error: &error::CliError) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "agentctl: {error}");
    error.exit_code()
}

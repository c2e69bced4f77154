//! `agentctl`: the Rokid, Sobot and Itniotech AI-agent APIs from the command line, an
//! offline sandbox of all three, and a demo that walks through them.
//!
//! Exit codes: 0 success, 1 an API or transport error, 2 a usage or configuration error.

mod cli;
mod config;
mod ctx;
mod demo;
mod doctor;
mod error;
mod export;
mod itnio;
mod logging;
mod output;
mod progress;
mod rokid;
mod sandbox;
mod sobot;
mod sync;
mod table;
mod times;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use config::Vars;
use ctx::Ctx;
use error::CliError;
use output::Format;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&CliError::from(e)),
    };
    let result = runtime.block_on(run(cli));
    // A read of stdin may still be pending on a blocking thread (chat ended by Ctrl-C):
    // do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Runs a parsed command line with the process environment and standard output.
async fn run(cli: Cli) -> Result<(), CliError> {
    let format = Format::resolve(cli.global.format);
    let max_pages = cli.global.max_pages;
    let vars = Vars::from_env();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Demo => Box::pin(demo::run(&mut out)).await,
        Command::Sandbox(args) => sandbox::run(&args, format, &mut out).await,
        // The report is a table unless another format is asked for, even off a terminal.
        Command::Doctor(args) => {
            let format = cli.global.format.unwrap_or(Format::Table);
            Box::pin(doctor::run(args, format, &vars, &mut out)).await
        }
        Command::Sync(args) => Box::pin(sync::run(args, cli.global.format, &vars, &mut out)).await,
        vendor => {
            let mut ctx = Ctx {
                format,
                vars: &vars,
                out: &mut out,
                script: None,
                max_pages,
            };
            cli::run_vendor(vendor, &mut ctx).await
        }
    }
}

/// Reports the error on one stderr line and returns its exit code.
fn fail(error: &CliError) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "agentctl: {error}");
    error.exit_code()
}

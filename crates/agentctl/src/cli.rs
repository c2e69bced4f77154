//! The command line: global flags, the command tree, and the dispatch of vendor
//! commands. The demo parses and runs command lines through this module too, so it does
//! not run the demo itself: `main` dispatches `demo`, `sandbox` and `doctor`.

use clap::{ArgAction, Parser, Subcommand};

use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::Format;
use crate::{doctor, itnio, rokid, sandbox, sobot};

/// Use the Rokid, Sobot and Itniotech AI-agent APIs from the command line.
///
/// Credentials and hosts come from the environment (ROKID_API_KEY, ROKID_BASE_URL;
/// SOBOT_APPID, SOBOT_APP_KEY, SOBOT_REGION, SOBOT_BASE_URL, SOBOT_TOKEN_URL;
/// ITNIO_API_KEY, ITNIO_API_SECRET, ITNIO_BASE_URL); flags override them. Try
/// `agentctl demo` first: it needs nothing.
#[derive(Debug, Parser)]
#[command(name = "agentctl", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags accepted anywhere on the line.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Global {
    /// Output format [default: table on a terminal, json otherwise]. Field names in
    /// json, jsonl and csv are the vendor's own.
    #[arg(long, global = true, value_enum)]
    pub(crate) format: Option<Format>,
    /// More logs on stderr: -v info, -vv debug, -vvv trace.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub(crate) verbose: u8,
    /// With --all, stop with an error (exit 1) after this many pages: a guard against a
    /// listing that never ends [default: no limit].
    #[arg(long, global = true, value_name = "N")]
    pub(crate) max_pages: Option<u64>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Rokid: work records, agent chat logs, work documents.
    Rokid(rokid::RokidArgs),
    /// Sobot: questions (streamed or not), interactive chat, suggestions, reception
    /// statistics, and an example agent for the inbound integration.
    Sobot(sobot::SobotArgs),
    /// Itniotech: AI-agent group call tasks.
    Itnio(itnio::ItnioArgs),
    /// Runs the offline emulator of the three vendors and prints the variables to export.
    Sandbox(sandbox::SandboxCommand),
    /// Walks through every vendor against an in-process sandbox: offline, a few seconds.
    Demo,
    /// Checks the configured credentials with read-only calls (one page of each listing,
    /// the Sobot lookups) and reports how the answers drift from the vendors' documents
    /// [format default: table].
    Doctor(doctor::DoctorArgs),
    /// Keeps the vendors' records in your own database (SQLite by default, or
    /// PostgreSQL), incrementally: `agentctl sync` once, `--every 10m`, `sync status`.
    Sync(crate::sync::SyncArgs),
}

/// Runs a vendor command (the demo runs them too, against its sandbox).
pub(crate) async fn run_vendor(command: Command, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    match command {
        Command::Rokid(args) => rokid::run(args, ctx).await,
        Command::Sobot(args) => Box::pin(sobot::run(args, ctx)).await,
        Command::Itnio(args) => itnio::run(args, ctx).await,
        Command::Sandbox(_) | Command::Demo | Command::Doctor(_) | Command::Sync(_) => {
            Err(CliError::usage(
                "the demo, the sandbox, the doctor and the sync run only from the command line",
            ))
        }
    }
}

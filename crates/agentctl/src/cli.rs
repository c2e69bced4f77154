//! The command line: global flags, the command tree, and dispatch.

use std::io::Write;

use clap::{ArgAction, Parser, Subcommand};

use crate::config::Vars;
use crate::error::CliError;
use crate::output::Format;
use crate::{demo, itnio, rokid, sandbox, sobot};

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
}

/// What a command needs besides its own arguments.
pub(crate) struct Ctx<'a> {
    /// The output format.
    pub(crate) format: Format,
    /// Where credentials and hosts are read from when no flag gives them.
    pub(crate) vars: &'a Vars,
    /// Standard output (or, in the demo, a counting sink).
    pub(crate) out: &'a mut dyn Write,
    /// The lines `sobot chat` reads instead of stdin (the demo's script).
    pub(crate) script: Option<&'a str>,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("format", &self.format)
            .field("vars", &self.vars)
            .field("script", &self.script)
            .finish_non_exhaustive()
    }
}

/// Runs a parsed command line with the process environment and standard output.
pub(crate) async fn run(cli: Cli) -> Result<(), CliError> {
    let format = Format::resolve(cli.global.format);
    let vars = Vars::from_env();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Demo => Box::pin(demo::run(&mut out)).await,
        Command::Sandbox(args) => sandbox::run(&args, format, &mut out).await,
        vendor => {
            let mut ctx = Ctx {
                format,
                vars: &vars,
                out: &mut out,
                script: None,
            };
            run_vendor(vendor, &mut ctx).await
        }
    }
}

/// Runs a vendor command (the demo runs them too, against its sandbox).
pub(crate) async fn run_vendor(command: Command, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    match command {
        Command::Rokid(args) => rokid::run(args, ctx).await,
        Command::Sobot(args) => Box::pin(sobot::run(args, ctx)).await,
        Command::Itnio(args) => itnio::run(args, ctx).await,
        Command::Sandbox(_) | Command::Demo => Err(CliError::usage(
            "the demo and the sandbox run only from the command line",
        )),
    }
}

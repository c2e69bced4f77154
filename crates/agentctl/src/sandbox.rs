//! `agentctl sandbox`: the offline emulator of the three vendors, with the same options
//! as the `vendor-sandbox` binary; prints the variables that point agentctl at it. With
//! `--agent-url URL` it plays Sobot calling your own agent (for example `agentctl sobot
//! serve-agent`), so `agentctl sobot ask` / `chat` talk to that agent fully offline.

use std::io::Write;

use serde::{Serialize, Serializer};
use vendor_sandbox::cli::{SandboxArgs, banner, env_vars};

use crate::error::CliError;
use crate::output::{Format, emit_one};

/// Flags of `agentctl sandbox`.
#[derive(Debug, clap::Args)]
pub(crate) struct SandboxCommand {
    #[command(flatten)]
    args: SandboxArgs,
}

/// Starts the sandbox, prints its settings (the `NAME=value` lines for `table`, one object
/// of variables otherwise) and serves until Ctrl-C.
pub(crate) async fn run(
    command: &SandboxCommand,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let sandbox = command.args.builder().start().await.map_err(|e| {
        CliError::usage(format!(
            "cannot start the sandbox on {}: {e}",
            command.args.listen
        ))
    })?;
    if format == Format::Table {
        write!(out, "{}", banner(&sandbox))?;
        writeln!(out, "Press Ctrl-C to stop.")?;
        out.flush()?;
    } else {
        emit_one(format, out, &InOrder(env_vars(&sandbox)))?;
    }
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// Name-value pairs as one JSON object, in their order (`ROKID_*` first, as printed).
struct InOrder(Vec<(&'static str, String)>);

impl Serialize for InOrder {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
    }
}

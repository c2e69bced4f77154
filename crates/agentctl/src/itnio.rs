//! `agentctl itnio`: AI-agent group call tasks.

use clap::Subcommand;
use itnio_client::TaskStatus;
use time::PrimitiveDateTime;

use crate::config::ItnioConn;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::export::{Paging, listing};
use crate::output::GROUP_CALL_TASK;
use crate::times;

const VENDOR: &str = "itnio";

/// Itniotech commands and connection flags.
#[derive(Debug, clap::Args)]
pub(crate) struct ItnioArgs {
    #[command(flatten)]
    conn: ItnioConn,
    #[command(subcommand)]
    command: ItnioCommand,
}

#[derive(Debug, Subcommand)]
enum ItnioCommand {
    /// AI-agent group call tasks created in a time range.
    Tasks(TasksArgs),
}

#[derive(Debug, clap::Args)]
struct TasksArgs {
    /// Created from (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS).
    #[arg(long, value_parser = times::start, value_name = "TIME")]
    from: PrimitiveDateTime,
    /// Created until (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS; a day means its end).
    #[arg(long, value_parser = times::end, value_name = "TIME")]
    to: PrimitiveDateTime,
    /// Task statuses (0 waiting, 1 calling, 2 finished, 3 submission failed, 4 canceled,
    /// 5 suspended, 6 submitting); several values allowed.
    #[arg(long, num_args = 1.., value_name = "N")]
    status: Vec<i64>,
    /// Application id (`idxAppId`).
    #[arg(long, value_name = "N")]
    app_id: Option<i64>,
    /// Task name or id.
    #[arg(long)]
    search: Option<String>,
    #[command(flatten)]
    paging: Paging,
}

/// Runs an Itniotech command.
pub(crate) async fn run(args: ItnioArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let client = args.conn.client(ctx.vars)?;
    let ItnioCommand::Tasks(a) = args.command;
    let mut query = client
        .list_group_call_tasks(a.from, a.to)
        .current(a.paging.page);
    if let Some(size) = a.paging.size() {
        query = query.size(size);
    }
    if !a.status.is_empty() {
        query = query.status_list(a.status.iter().copied().map(TaskStatus::from));
    }
    if let Some(app) = a.app_id {
        query = query.idx_app_id(app);
    }
    if let Some(search) = a.search {
        query = query.search_condition(search);
    }
    listing(ctx, a.paging.all, query, GROUP_CALL_TASK, "tasks", VENDOR).await
}

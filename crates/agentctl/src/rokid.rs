//! `agentctl rokid`: work records, agent chat logs and work-document downloads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Subcommand, ValueEnum};
use common_http::datetime::DateOrDateTime;
use futures::TryStreamExt;
use rokid_client::{ChatLogType, RokidClient, WorkDocument};
use serde::Serialize;
use time::PrimitiveDateTime;

use crate::config::RokidConn;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::export::{Paging, listing};
use crate::output::{CHAT_LOG, DOCUMENT, Emitter, WORK_RECORD};
use crate::progress::{Progress, Unit};
use crate::times;

const VENDOR: &str = "rokid";

/// Rokid commands and connection flags.
#[derive(Debug, clap::Args)]
pub(crate) struct RokidArgs {
    #[command(flatten)]
    conn: RokidConn,
    #[command(subcommand)]
    command: RokidCommand,
}

#[derive(Debug, Subcommand)]
enum RokidCommand {
    /// Work records of one user.
    Records(RecordsArgs),
    /// Agent chat logs.
    ChatLogs(ChatLogsArgs),
    /// Downloads every work document (report, signature, video) of the matching records
    /// into a directory; files already there are skipped. A document that cannot be
    /// downloaded is reported (`failed: <reason>`) and the others go on; the exit code is
    /// then 1.
    Reports(ReportsArgs),
}

/// Filters of the work-record list.
#[derive(Debug, clap::Args)]
struct RecordFilter {
    /// The user id.
    #[arg(long)]
    uid: String,
    /// Task name (fuzzy match).
    #[arg(long)]
    task_name: Option<String>,
    /// Executed from (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS).
    #[arg(long, value_parser = times::start, value_name = "TIME")]
    from: Option<PrimitiveDateTime>,
    /// Executed until (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS; a day means its end).
    #[arg(long, value_parser = times::end, value_name = "TIME")]
    to: Option<PrimitiveDateTime>,
}

#[derive(Debug, clap::Args)]
struct RecordsArgs {
    #[command(flatten)]
    filter: RecordFilter,
    #[command(flatten)]
    paging: Paging,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogType {
    Chat,
    Recognition,
}

#[derive(Debug, clap::Args)]
struct ChatLogsArgs {
    /// The user id.
    #[arg(long)]
    uid: Option<String>,
    /// Log type.
    #[arg(long = "type", value_enum)]
    log_type: Option<LogType>,
    /// Keywords in the question or answer.
    #[arg(long)]
    keywords: Option<String>,
    /// Agent name.
    #[arg(long)]
    agent_name: Option<String>,
    /// Model name.
    #[arg(long)]
    model_name: Option<String>,
    /// Created from (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS).
    #[arg(long, value_parser = times::day_or_instant, value_name = "TIME")]
    from: Option<DateOrDateTime>,
    /// Created until (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS).
    #[arg(long, value_parser = times::day_or_instant, value_name = "TIME")]
    to: Option<DateOrDateTime>,
    #[command(flatten)]
    paging: Paging,
}

#[derive(Debug, clap::Args)]
struct ReportsArgs {
    #[command(flatten)]
    filter: RecordFilter,
    /// The directory to write the documents to (created if needed).
    #[arg(long)]
    dir: PathBuf,
}

/// Runs a Rokid command.
pub(crate) async fn run(args: RokidArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let client = args.conn.client(ctx.vars)?;
    match args.command {
        RokidCommand::Records(a) => records(&client, a, ctx).await,
        RokidCommand::ChatLogs(a) => chat_logs(&client, a, ctx).await,
        RokidCommand::Reports(a) => reports(&client, a, ctx).await,
    }
}

fn work_records(client: &RokidClient, filter: RecordFilter) -> rokid_client::ListWorkRecords {
    let mut request = client.list_work_records(filter.uid);
    if let Some(name) = filter.task_name {
        request = request.task_name(name);
    }
    if let Some(from) = filter.from {
        request = request.gmt_start(from);
    }
    if let Some(to) = filter.to {
        request = request.gmt_end(to);
    }
    request
}

async fn records(
    client: &RokidClient,
    args: RecordsArgs,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let mut request = work_records(client, args.filter).page_num(args.paging.page);
    if let Some(size) = args.paging.size() {
        request = request.page_size(size);
    }
    listing(
        ctx,
        args.paging.all,
        request,
        WORK_RECORD,
        "work records",
        VENDOR,
    )
    .await
}

async fn chat_logs(
    client: &RokidClient,
    args: ChatLogsArgs,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let mut request = client.list_chat_logs().page_num(args.paging.page);
    if let Some(size) = args.paging.size() {
        request = request.page_size(size);
    }
    if let Some(uid) = args.uid {
        request = request.uid(uid);
    }
    if let Some(t) = args.log_type {
        request = request.log_type(match t {
            LogType::Chat => ChatLogType::Chat,
            LogType::Recognition => ChatLogType::Recognition,
        });
    }
    if let Some(k) = args.keywords {
        request = request.keywords(k);
    }
    if let Some(a) = args.agent_name {
        request = request.agent_name(a);
    }
    if let Some(m) = args.model_name {
        request = request.model_name(m);
    }
    if let Some(from) = args.from {
        request = request.start_time(from);
    }
    if let Some(to) = args.to {
        request = request.end_time(to);
    }
    listing(ctx, args.paging.all, request, CHAT_LOG, "chat logs", VENDOR).await
}

/// One line of the `reports` output.
#[derive(Debug, Serialize)]
struct Fetched<'a> {
    #[serde(rename = "taskId")]
    task_id: &'a str,
    /// The record field the URL came from (`reportUrl`, `signUrl`, `videoUrl`).
    field: &'static str,
    url: &'a str,
    file: String,
    bytes: u64,
    /// `downloaded`, `skipped` when the file was already there, or `failed: <reason>`
    /// (the reason names no query string of the URL).
    status: String,
}

async fn reports(
    client: &RokidClient,
    args: ReportsArgs,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    tokio::fs::create_dir_all(&args.dir).await.map_err(|e| {
        CliError::usage(format!(
            "cannot create the directory {}: {e}",
            args.dir.display()
        ))
    })?;
    let mut records = work_records(client, args.filter)
        .page_size(crate::export::EXPORT_PAGE_SIZE)
        .by_item();
    let mut emitter = Emitter::new(ctx.format, &mut *ctx.out, DOCUMENT);
    let (mut documents, mut failed) = (0_usize, 0_usize);
    while let Some(record) = records.try_next().await.map_err(CliError::api(VENDOR))? {
        let record = match record.into_typed() {
            Ok(record) => record,
            Err(raw) => {
                crate::export::warn_raw(VENDOR, &raw, crate::export::Kept::Skipped);
                continue;
            }
        };
        for doc in record.documents() {
            documents += 1;
            let file = args.dir.join(&doc.file_name).display().to_string();
            // One document failing (gone, refused, a bad URL, a full disk) does not stop
            // the others.
            let (bytes, status) = match fetch(client, &doc, &args.dir).await {
                Ok((bytes, status)) => (bytes, status.to_owned()),
                Err(error) => {
                    failed += 1;
                    let reason = error.to_string();
                    tracing::warn!(
                        vendor = VENDOR,
                        task_id = ?record.task_id,
                        field = doc.kind.field(),
                        file = %file,
                        reason = %reason,
                        "a document could not be downloaded; going on with the others"
                    );
                    (0, format!("failed: {reason}"))
                }
            };
            emitter.item(&Fetched {
                task_id: &record.task_id,
                field: doc.kind.field(),
                url: &doc.url,
                file,
                bytes,
                status,
            })?;
        }
    }
    emitter.finish()?;
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{failed} of {documents} documents could not be downloaded"
        )));
    }
    Ok(())
}

/// Downloads one document unless it is already there. Downloads are written under a
/// temporary name and renamed once complete, so a file that exists is complete.
async fn fetch(
    client: &RokidClient,
    doc: &WorkDocument,
    dir: &Path,
) -> Result<(u64, &'static str), CliError> {
    let target = dir.join(&doc.file_name);
    if let Ok(meta) = tokio::fs::metadata(&target).await
        && meta.is_file()
    {
        return Ok((meta.len(), "skipped"));
    }
    let progress = Progress::new(doc.file_name.clone(), Unit::Bytes);
    let bar = Arc::clone(&progress);
    let bytes = client
        .download(&doc.url)
        .on_progress(move |p| {
            bar.set_total(p.total);
            bar.set(p.downloaded);
        })
        .to_file(&target)
        .await
        .map_err(CliError::api(VENDOR))?;
    progress.finish();
    Ok((bytes, "downloaded"))
}

//! `agentctl sobot`: questions, interactive chat, suggestions, reception statistics and
//! their lookup lists, and an example agent for the inbound integration.

mod agent;
mod answers;
mod chat;

use std::io::IsTerminal;

use clap::Subcommand;
use sobot_client::{
    BizType, Conversation, InputTypeEnum, QuestionRequest, RecordListParams, SobotClient,
    SourceListParams, StatisticsSource,
};
use time::Date;

use crate::config::SobotConn;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::export::{Paging, listing};
use crate::output::{
    AI_ROBOT, AUDIENCE, DISLIKE_LABEL, QA_INFO, RECEPTION_RECORD, SESSION_LABEL, TIMEZONE_INFO,
    emit_list,
};
use crate::times;

use answers::AnswerView;

const VENDOR: &str = "sobot";

/// Sobot commands and connection flags.
#[derive(Debug, clap::Args)]
pub(crate) struct SobotArgs {
    #[command(flatten)]
    conn: SobotConn,
    #[command(subcommand)]
    command: SobotCommand,
}

#[derive(Debug, Subcommand)]
enum SobotCommand {
    #[command(flatten)]
    Api(ApiCommand),
    /// Serves an example agent for Sobot's "Integration With Third-party AI Agents".
    ServeAgent(agent::ServeArgs),
}

/// The commands that call the Sobot API (and so need its credentials).
#[derive(Debug, Subcommand)]
enum ApiCommand {
    /// Asks the bot one question (the session is ended afterwards).
    Ask(AskArgs),
    /// An interactive session: streamed answers, numbered workflow choices and cards
    /// (type the number), /end or Ctrl-C to finish.
    Chat(SessionArgs),
    /// Knowledge-base question suggestions for a text.
    Suggest(SuggestArgs),
    /// Reception records (statistics) of a date range.
    Records(RecordsArgs),
    /// The bots of the account.
    Robots,
    /// The consultation channels of a date range.
    Channels(DateRange),
    /// The time zones the statistics accept.
    Timezones,
    /// The session labels.
    Labels,
    /// The dislike labels.
    DislikeLabels,
    /// The audiences.
    Audiences,
}

/// Which bot, and as which visitor.
#[derive(Debug, Clone, clap::Args)]
struct SessionArgs {
    /// The robot id.
    #[arg(long)]
    robot: String,
    /// The visitor's business id [default: a new one per run].
    #[arg(long)]
    bizid: Option<String>,
}

impl SessionArgs {
    fn conversation(&self, client: &SobotClient) -> Conversation {
        let bizid = self.bizid.clone().unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            format!("agentctl-{}-{nanos:x}", std::process::id())
        });
        client.conversation(self.robot.clone(), bizid)
    }
}

#[derive(Debug, clap::Args)]
struct AskArgs {
    #[command(flatten)]
    session: SessionArgs,
    /// Print the answer as it arrives.
    #[arg(long)]
    stream: bool,
    /// The question.
    question: String,
}

#[derive(Debug, clap::Args)]
struct SuggestArgs {
    #[command(flatten)]
    session: SessionArgs,
    /// The text to find suggestions for.
    text: String,
}

#[derive(Debug, Clone, clap::Args)]
struct DateRange {
    /// First day (YYYY-MM-DD).
    #[arg(long, value_parser = times::day, value_name = "DATE")]
    from: Date,
    /// Last day (YYYY-MM-DD).
    #[arg(long, value_parser = times::day, value_name = "DATE")]
    to: Date,
    /// Time zone id [default: the vendor's, Asia/Shanghai].
    #[arg(long, value_name = "ID")]
    time_zone: Option<String>,
}

#[derive(Debug, clap::Args)]
struct RecordsArgs {
    #[command(flatten)]
    range: DateRange,
    /// Robot ids (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    robot: Vec<String>,
    /// Business types: TEXT, CALL, WORK_ORDER, AI_AGENT (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TYPE")]
    biz_type: Vec<BizType>,
    /// Channel types such as PC, H5, APP (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SOURCE")]
    source: Vec<StatisticsSource>,
    /// Robot session id.
    #[arg(long)]
    cid: Option<String>,
    /// Business line session id.
    #[arg(long)]
    bizid: Option<String>,
    #[command(flatten)]
    paging: Paging,
}

/// Runs a Sobot command.
pub(crate) async fn run(args: SobotArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let command = match args.command {
        SobotCommand::ServeAgent(serve) => return agent::run(&serve, &args.conn, ctx).await,
        SobotCommand::Api(command) => command,
    };
    let client = args.conn.client(ctx.vars)?;
    let api = CliError::api(VENDOR);
    let format = ctx.format;
    match command {
        ApiCommand::Ask(a) => ask(&client, a, ctx).await,
        ApiCommand::Chat(session) => chat(&client, &session, ctx).await,
        ApiCommand::Suggest(a) => suggest(&client, a, ctx).await,
        ApiCommand::Records(a) => records(&client, a, ctx).await,
        ApiCommand::Robots => {
            let list = client.list_robots().send().await.map_err(&api)?;
            Ok(emit_list(format, ctx.out, AI_ROBOT, &list)?)
        }
        ApiCommand::Channels(range) => {
            let mut params = SourceListParams::new(range.from, range.to);
            if let Some(zone) = range.time_zone {
                params = params.time_zoneid(zone);
            }
            let list = client.list_channels(params).send().await.map_err(&api)?;
            Ok(emit_list(format, ctx.out, AI_ROBOT, &list)?)
        }
        ApiCommand::Timezones => {
            let list = client.list_timezones().send().await.map_err(&api)?;
            Ok(emit_list(format, ctx.out, TIMEZONE_INFO, &list)?)
        }
        ApiCommand::Labels => {
            let list = client.list_labels().send().await.map_err(&api)?;
            Ok(emit_list(format, ctx.out, SESSION_LABEL, &list)?)
        }
        ApiCommand::DislikeLabels => {
            let list = client.list_dislike_labels().send().await.map_err(&api)?;
            Ok(emit_list(format, ctx.out, DISLIKE_LABEL, &list)?)
        }
        ApiCommand::Audiences => {
            let list = client.list_audiences().send().await.map_err(&api)?;
            Ok(emit_list(format, ctx.out, AUDIENCE, &list)?)
        }
    }
}

/// The interactive chat, over stdin (or the demo's script).
async fn chat(
    client: &SobotClient,
    session: &SessionArgs,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let mut conversation = session.conversation(client);
    let mut view = AnswerView::new(ctx.format, &mut *ctx.out);
    view.say(&format!("Chatting with robot {}.", session.robot))?;
    match ctx.script {
        Some(script) => chat::run(&mut conversation, &mut view, script.as_bytes(), true).await?,
        None => {
            let typed = std::io::stdin().is_terminal();
            let input = tokio::io::BufReader::new(tokio::io::stdin());
            chat::run(&mut conversation, &mut view, input, !typed).await?;
        }
    }
    Ok(view.finish()?)
}

/// Suggestions need a session: its ids go with the text.
async fn suggest(
    client: &SobotClient,
    args: SuggestArgs,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let api = CliError::api(VENDOR);
    let mut conversation = args.session.conversation(client);
    let base = conversation.request(&args.text).await.map_err(&api)?;
    let mut request = QuestionRequest::builder()
        .question(base.question)
        .show_question(base.show_question)
        .input_type_enum(InputTypeEnum::Input)
        .biz_id(base.biz_id)
        .biz_type(base.biz_type)
        .biz_type_id(base.biz_type_id)
        .robotid(base.robotid)
        .source_enum(base.source_enum)
        .build()
        .map_err(&api)?;
    if let Some(cid) = base.ai_agent_cid {
        request = request.ai_agent_cid(cid);
    }
    let suggestions = client.suggest(request).send().await.map_err(&api)?;
    conversation.end().await.map_err(&api)?;
    Ok(emit_list(
        ctx.format,
        ctx.out,
        QA_INFO,
        &suggestions.qa_contents,
    )?)
}

async fn ask(client: &SobotClient, args: AskArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let api = CliError::api(VENDOR);
    let mut conversation = args.session.conversation(client);
    let mut view = AnswerView::new(ctx.format, &mut *ctx.out);
    if args.stream {
        let stream = conversation
            .ask_stream(&args.question)
            .await
            .map_err(&api)?;
        view.show_stream(stream).await?;
    } else {
        let answers = conversation.ask(&args.question).await.map_err(&api)?;
        view.show_answers(&answers)?;
    }
    conversation.end().await.map_err(&api)?;
    Ok(view.finish()?)
}

async fn records(
    client: &SobotClient,
    args: RecordsArgs,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let size = args.paging.size().unwrap_or(10);
    let mut params = RecordListParams::new(args.range.from, args.range.to, args.paging.page, size);
    if !args.robot.is_empty() {
        params = params.robotid(args.robot);
    }
    if !args.biz_type.is_empty() {
        params = params.biz_type(args.biz_type);
    }
    if !args.source.is_empty() {
        params = params.source(args.source);
    }
    if let Some(cid) = args.cid {
        params = params.cid(cid);
    }
    if let Some(bizid) = args.bizid {
        params = params.bizid(bizid);
    }
    if let Some(zone) = args.range.time_zone {
        params = params.time_zoneid(zone);
    }
    let request = client.list_reception_records(params);
    listing(
        ctx,
        args.paging.all,
        request,
        RECEPTION_RECORD,
        "reception records",
        VENDOR,
    )
    .await
}

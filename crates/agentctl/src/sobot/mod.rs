//! `agentctl sobot`: questions, interactive chat, suggestions, reception statistics and
//! their lookup lists, and an example agent for the inbound integration.

mod agent;
mod answers;
mod chat;
mod filters;

use std::io::IsTerminal;
use std::time::Duration;

use clap::Subcommand;
use futures::TryStreamExt;
use sobot_client::{
    Conversation, InputTypeEnum, Push, PushPolling, QuestionRequest, RecordListParams, SobotClient,
    SourceEnum, SourceListParams,
};
use time::Date;

use crate::config::SobotConn;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::export::{Paging, listing};
use crate::output::{
    AI_ROBOT, AUDIENCE, DISLIKE_LABEL, QA_INFO, RECEPTION_RECORD, SESSION_LABEL, TIMEZONE_INFO,
    emit_list, emit_one,
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
    /// Asks a question whose answer Sobot delivers to a URL of yours
    /// (`answer_with_call_back`); prints the acknowledgement (the message id to poll with
    /// `sobot push`).
    Callback(CallbackArgs),
    /// The message pushed for a message id (`get_push_info`: a node or session timeout, or
    /// a pushed answer); with --delay, polls as after an answer with that delay.
    Push(PushArgs),
    /// Reception records (statistics) of a date range.
    Records(Box<RecordsArgs>),
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
    /// The channel source of the questions: source_enum, one of PC, APP, wap (mobile site),
    /// huJiao, workOrder, uCenter, qiYeWeixin, miniApp, baiDu, touTiao, qihu360,
    /// wolongShenMa, sougou, wxkf, guangDianTong, zhihu, fb, line, discord, telegram,
    /// shopify (case-insensitive).
    #[arg(long, value_name = "SOURCE", default_value = "PC", value_parser = filters::choice::<SourceEnum>)]
    source: SourceEnum,
    #[command(flatten)]
    polling: PollingArgs,
}

/// How a node timeout (an answer with `delay` > 0) is polled.
#[derive(Debug, Clone, clap::Args)]
struct PollingArgs {
    /// What one unit of an answer's `delay` lasts (the document gives no unit: seconds is
    /// assumed), e.g. 1s, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    delay_unit: Duration,
    /// Time between two polls of get_push_info, e.g. 1s, 200ms.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    poll_interval: Duration,
    /// Time polled beyond the delay, e.g. 10s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    poll_grace: Duration,
    /// Do not poll for node timeouts.
    #[arg(long)]
    no_push_polling: bool,
}

impl PollingArgs {
    fn polling(&self) -> PushPolling {
        PushPolling::default()
            .delay_unit(self.delay_unit)
            .interval(self.poll_interval)
            .grace(self.poll_grace)
    }
}

/// A duration: a number with `ms`, `s` or `m` (a bare number is seconds).
fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}`: expected a duration such as 500ms, 2s or 1m"))?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" => number * 60.0,
        _ => return Err(format!("`{text}`: the unit is ms, s or m")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{text}`: {e}"))
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
        client
            .conversation(self.robot.clone(), bizid)
            .source(self.source.clone())
            .push_polling(self.polling.polling())
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

#[derive(Debug, clap::Args)]
struct CallbackArgs {
    #[command(flatten)]
    session: SessionArgs,
    /// Where Sobot delivers the answer: call_back_url.
    #[arg(long, value_name = "URL")]
    url: String,
    /// The question.
    question: String,
}

#[derive(Debug, clap::Args)]
struct PushArgs {
    /// The message id (msgid of an answer with a delay, or of a `sobot callback`).
    #[arg(long)]
    msgid: String,
    /// Poll as after an answer with this `delay` (each push once, until a final one or the
    /// end of the delay and the grace) instead of asking once.
    #[arg(long, value_name = "DELAY")]
    delay: Option<i64>,
    #[command(flatten)]
    polling: PollingArgs,
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
    #[command(flatten)]
    filters: filters::RecordFilters,
    #[command(flatten)]
    paging: Paging,
}

/// Serves the example agent of `serve-agent` in the background, without a shared secret
/// (for the demo's sandbox to forward questions to).
pub(crate) fn example_agent(
    listener: tokio::net::TcpListener,
) -> Result<tokio::task::JoinHandle<()>, CliError> {
    agent::serve_in_background(listener)
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
        ApiCommand::Callback(a) => callback(&client, a, ctx).await,
        ApiCommand::Push(a) => push(&client, a, ctx).await,
        ApiCommand::Records(a) => records(&client, *a, ctx).await,
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
    let pushes = !session.polling.no_push_polling;
    let mut view = AnswerView::new(ctx.format, &mut *ctx.out);
    view.say(&format!("Chatting with robot {}.", session.robot))?;
    match ctx.script {
        Some(script) => {
            chat::run(
                &mut conversation,
                &mut view,
                script.as_bytes(),
                true,
                pushes,
            )
            .await?;
        }
        None => {
            let typed = std::io::stdin().is_terminal();
            let input = tokio::io::BufReader::new(tokio::io::stdin());
            chat::run(&mut conversation, &mut view, input, !typed, pushes).await?;
        }
    }
    Ok(view.finish()?)
}

/// A question without card information (`answer_suggest`, `answer_with_call_back`) with
/// the session's ids, as the conversation would ask it (`msg_type` included: the
/// answer_suggest table requires it).
async fn question_request(
    conversation: &mut Conversation,
    text: &str,
) -> Result<QuestionRequest, sobot_client::Error> {
    let base = conversation.request(text).await?;
    let mut request = QuestionRequest::builder()
        .question(base.question)
        .show_question(base.show_question)
        .input_type_enum(InputTypeEnum::Input)
        .biz_id(base.biz_id)
        .biz_type(base.biz_type)
        .biz_type_id(base.biz_type_id)
        .robotid(base.robotid)
        .source_enum(base.source_enum)
        .build()?
        .msg_type(base.msg_type);
    if let Some(cid) = base.ai_agent_cid {
        request = request.ai_agent_cid(cid);
    }
    if let Some(uid) = base.uid {
        request = request.uid(uid);
    }
    Ok(request)
}

/// Suggestions need a session: its ids go with the text.
async fn suggest(
    client: &SobotClient,
    args: SuggestArgs,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let api = CliError::api(VENDOR);
    let mut conversation = args.session.conversation(client);
    let request = question_request(&mut conversation, &args.text)
        .await
        .map_err(&api)?;
    let suggestions = client.suggest(request).send().await.map_err(&api)?;
    conversation.end().await.map_err(&api)?;
    Ok(emit_list(
        ctx.format,
        ctx.out,
        QA_INFO,
        &suggestions.qa_contents,
    )?)
}

/// `answer_with_call_back`: the session stays open (the answer is still to come).
async fn callback(
    client: &SobotClient,
    args: CallbackArgs,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let api = CliError::api(VENDOR);
    let mut conversation = args.session.conversation(client);
    let request = question_request(&mut conversation, &args.question)
        .await
        .map_err(&api)?
        .call_back_url(args.url);
    let ack = client
        .ask_with_callback(request)
        .send()
        .await
        .map_err(&api)?;
    let ack = match ack {
        serde_json::Value::Object(map) => serde_json::Value::Object(map),
        other => serde_json::json!({ "data": other }),
    };
    Ok(emit_one(ctx.format, ctx.out, &ack)?)
}

/// `get_push_info` once, or polled as after an answer with `--delay`.
async fn push(client: &SobotClient, args: PushArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let api = CliError::api(VENDOR);
    let mut view = AnswerView::new(ctx.format, &mut *ctx.out);
    match args.delay {
        Some(delay) => {
            let mut pushes = client
                .poll_pushes_by_msgid(&args.msgid, delay, args.polling.polling())
                .map_err(&api)?;
            let mut any = false;
            while let Some(push) = pushes.try_next().await.map_err(&api)? {
                view.show_push(&push)?;
                any = true;
            }
            if !any {
                view.say("[nothing was pushed in time]")?;
            }
        }
        None => {
            let info = client
                .fetch_push_info(args.msgid)
                .send()
                .await
                .map_err(&api)?;
            match Push::from_info(&info) {
                Some(push) => view.show_push(&push)?,
                None => view.say("[nothing pushed yet]")?,
            }
        }
    }
    Ok(view.finish()?)
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
    if !args.session.polling.no_push_polling {
        view.follow_pushes(&mut conversation).await?;
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
    let params = RecordListParams::new(args.range.from, args.range.to, args.paging.page, size);
    let mut params = args.filters.apply(params);
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

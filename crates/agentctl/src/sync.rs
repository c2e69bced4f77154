//! `agentctl sync`: keeps the vendors' records in a database (agent-clients-sync), once or
//! every so often; `agentctl sync status` shows what it holds.
//!
//! Settings come from a TOML config file (`--config`, else `./agent-sync.toml` when it
//! exists), and each flag overrides its key. Credentials come from the environment, as for
//! every other command, for the vendors whose streams are synced.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use agent_sync::{
    DEFAULT_LOOK_BACK, DEFAULT_PAGE_SIZE, DEFAULT_WINDOW, Progress, Sources, Store, Stream,
    StreamSummary, SyncOptions, Syncer,
};
use clap::Subcommand;
use serde::Deserialize;
use serde_json::json;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::config::{ItnioConn, RokidConn, SobotConn, Vars};
use crate::error::CliError;
use crate::output::{DYNAMIC, Emitter, Format};

/// The config file read when `--config` is not given, if it exists.
const DEFAULT_CONFIG: &str = "agent-sync.toml";
/// The database written when neither `--db` nor the config names one.
const DEFAULT_DB: &str = "agent-data.db";
/// How far back a first sync starts when neither `--start` nor the config says.
const DEFAULT_START_DAYS: i64 = 30;

/// `agentctl sync`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct SyncArgs {
    #[command(subcommand)]
    command: Option<SyncCommand>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum SyncCommand {
    /// Prints per stream its checkpoint, row counts and last run [format default: table].
    Status(StatusArgs),
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    /// The config file [default: ./agent-sync.toml if it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The database: a SQLite file or a postgres:// URL [default: ./agent-data.db].
    #[arg(long, value_name = "DB")]
    db: Option<String>,
}

/// What to sync; each flag overrides the config file's key of the same name.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The config file (TOML: db, streams, rokid_user_ids, start, look_back, window,
    /// until, page_size, every) [default: ./agent-sync.toml if it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The database: a SQLite file (created if missing) or a postgres:// URL
    /// [default: ./agent-data.db].
    #[arg(long, value_name = "DB")]
    db: Option<String>,
    /// The streams, comma-separated: rokid-work-records, rokid-chat-logs,
    /// sobot-reception-records, itnio-group-call-tasks [default: all four].
    #[arg(long, value_delimiter = ',', value_name = "STREAMS")]
    streams: Option<Vec<String>>,
    /// A Rokid user id whose work records are synced (repeat for several).
    #[arg(long = "rokid-uid", value_name = "UID")]
    rokid_uids: Vec<String>,
    /// Where a stream with no checkpoint starts: yyyy-MM-dd or yyyy-MM-dd HH:mm:ss
    /// [default: 30 days ago].
    #[arg(long, value_name = "DATE")]
    start: Option<String>,
    /// How far before its checkpoint each run reads again (records change after they
    /// are created): 90s, 30m, 12h, 3d [default: 3d].
    #[arg(long, value_name = "DURATION")]
    look_back: Option<String>,
    /// The length of one window, one checkpoint each [default: 1d].
    #[arg(long, value_name = "DURATION")]
    window: Option<String>,
    /// Where the sync stops: yyyy-MM-dd HH:mm:ss [default: now].
    #[arg(long, value_name = "DATETIME")]
    until: Option<String>,
    /// Records per page asked of the vendors [default: 100].
    #[arg(long, value_name = "N")]
    page_size: Option<u32>,
    /// Sync once and exit (the default).
    #[arg(long, conflicts_with = "every")]
    once: bool,
    /// Sync now, then again every DURATION until interrupted (Ctrl-C).
    #[arg(long, value_name = "DURATION")]
    every: Option<String>,
}

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    db: Option<String>,
    streams: Option<Vec<String>>,
    rokid_user_ids: Option<Vec<String>>,
    start: Option<String>,
    look_back: Option<String>,
    window: Option<String>,
    until: Option<String>,
    page_size: Option<u32>,
    every: Option<String>,
}

/// Runs `agentctl sync …`.
pub(crate) async fn run(
    args: SyncArgs,
    format: Option<Format>,
    vars: &Vars,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    // Summaries and status are tables unless another format is asked for.
    let format = format.unwrap_or(Format::Table);
    match args.command {
        Some(SyncCommand::Status(status)) => {
            let file = load_config(status.config.as_deref())?;
            let db = status
                .db
                .or(file.db)
                .unwrap_or_else(|| DEFAULT_DB.to_owned());
            print_status(&db, format, out).await
        }
        None => sync(args.run, format, vars, out).await,
    }
}

async fn sync(
    args: RunArgs,
    format: Format,
    vars: &Vars,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let file = load_config(args.config.as_deref())?;
    let now = now();
    let streams = match args.streams.or(file.streams) {
        Some(names) => names
            .iter()
            .map(|n| n.parse::<Stream>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(sync_error)?,
        None => Stream::ALL.to_vec(),
    };
    let start = match args.start.or(file.start) {
        Some(text) => parse_time(&text, "start")?,
        None => now - Duration::days(DEFAULT_START_DAYS),
    };
    let mut options = SyncOptions::new(start);
    options.streams = streams;
    options.rokid_user_ids = if args.rokid_uids.is_empty() {
        file.rokid_user_ids.unwrap_or_default()
    } else {
        args.rokid_uids
    };
    options.look_back = optional_duration(args.look_back.or(file.look_back), "look-back")?
        .unwrap_or(DEFAULT_LOOK_BACK);
    options.window =
        optional_duration(args.window.or(file.window), "window")?.unwrap_or(DEFAULT_WINDOW);
    options.until = args
        .until
        .or(file.until)
        .map(|t| parse_time(&t, "until"))
        .transpose()?;
    options.page_size = args
        .page_size
        .or(file.page_size)
        .unwrap_or(DEFAULT_PAGE_SIZE);
    let every = if args.once {
        None
    } else {
        optional_duration(args.every.or(file.every), "every")?
    };
    options.validate().map_err(sync_error)?;

    // Every client is built, and the database opened, before the first call: a
    // configuration error (exit 2) stops the run before anything is sent or written.
    let sources = sources(&options.streams, vars)?;
    let db = args.db.or(file.db).unwrap_or_else(|| DEFAULT_DB.to_owned());
    let store = Store::open(&db).await.map_err(sync_error)?;
    let syncer = Syncer::new(store, sources, options)
        .map_err(sync_error)?
        .on_progress(progress_line());

    loop {
        let summaries = syncer.run().await.map_err(sync_error)?;
        print_summaries(&summaries, format, out)?;
        let failed: Vec<String> = summaries
            .iter()
            .filter_map(|s| s.error.as_ref().map(|e| format!("{}: {e}", s.stream)))
            .collect();
        let Some(every) = every else {
            return if failed.is_empty() {
                Ok(())
            } else {
                Err(CliError::Failed(failed.join("; ")))
            };
        };
        for failure in &failed {
            let _ = writeln!(
                std::io::stderr(),
                "agentctl: sync: {failure} (retried next run)"
            );
        }
        let pause = std::time::Duration::try_from(every).unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// The clients of the vendors whose streams are synced, from the environment.
fn sources(streams: &[Stream], vars: &Vars) -> Result<Sources, CliError> {
    let wants = |list: &[Stream]| streams.iter().any(|s| list.contains(s));
    let mut sources = Sources::new();
    if wants(&[Stream::RokidWorkRecords, Stream::RokidChatLogs]) {
        sources = sources.rokid(RokidConn::default().client(vars)?);
    }
    if wants(&[Stream::SobotReceptionRecords]) {
        sources = sources.sobot(SobotConn::default().client(vars)?);
    }
    if wants(&[Stream::ItnioGroupCallTasks]) {
        sources = sources.itnio(ItnioConn::default().client(vars)?);
    }
    Ok(sources)
}

/// Reports on stderr, at most once a second per stream and at each stream's last page:
/// records and pages so far, the rate, and the window being walked.
fn progress_line() -> impl Fn(&Progress) + Send + Sync + 'static {
    let last: Mutex<Option<(Stream, Instant, Instant)>> = Mutex::new(None);
    move |p: &Progress| {
        let Ok(mut last) = last.lock() else {
            return;
        };
        let now = Instant::now();
        let (started, shown) = match *last {
            Some((stream, started, shown)) if stream == p.stream => (started, shown),
            _ => (now, now - std::time::Duration::from_secs(2)),
        };
        if now.duration_since(shown) < std::time::Duration::from_secs(1) {
            *last = Some((p.stream, started, shown));
            return;
        }
        *last = Some((p.stream, started, now));
        let secs = now.duration_since(started).as_secs_f64().max(1e-3);
        #[allow(clippy::cast_precision_loss)]
        let rate = p.records as f64 / secs;
        let _ = writeln!(
            std::io::stderr(),
            "sync: {}: {} records, {} pages, {rate:.0} records/s, at {}",
            p.stream,
            p.records,
            p.pages,
            common_http::datetime::format_datetime(p.window.start)
        );
    }
}

fn print_summaries(
    summaries: &[StreamSummary],
    format: Format,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut emitter = Emitter::new(format, out, DYNAMIC);
    for s in summaries {
        emitter.item(&json!({
            "stream": s.stream.name(),
            "inserted": s.inserted,
            "updated": s.updated,
            "unchanged": s.unchanged,
            "kept_raw": s.kept_raw,
            "pages": s.pages,
            "windows": s.windows,
            "checkpoint": s.checkpoint,
            "seconds": (s.elapsed.as_secs_f64() * 10.0).round() / 10.0,
            "error": s.error,
        }))?;
    }
    emitter.finish()?;
    Ok(())
}

async fn print_status(db: &str, format: Format, out: &mut dyn Write) -> Result<(), CliError> {
    if !db.contains("://") && !Path::new(db).exists() {
        return Err(CliError::usage(format!(
            "{db} does not exist: run `agentctl sync` first (or pass --db)"
        )));
    }
    let store = Store::open(db).await.map_err(sync_error)?;
    let mut emitter = Emitter::new(format, out, DYNAMIC);
    for s in store.status().await.map_err(sync_error)? {
        let (last_run, outcome) = s.last_run.map_or((None, None), |(a, b)| (Some(a), Some(b)));
        emitter.item(&json!({
            "stream": s.stream.name(),
            "table": s.table,
            "rows": s.rows,
            "kept_raw": s.kept_raw,
            "checkpoint": s.checkpoint,
            "last_run": last_run,
            "outcome": outcome,
        }))?;
    }
    emitter.finish()?;
    Ok(())
}

fn load_config(path: Option<&Path>) -> Result<FileConfig, CliError> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from(DEFAULT_CONFIG), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(FileConfig::default());
        }
        Err(e) => {
            return Err(CliError::usage(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    toml::from_str(&text)
        .map_err(|e| CliError::usage(format!("{}: {}", path.display(), e.message())))
}

/// A sync error: configuration ones exit 2, the rest 1.
fn sync_error(error: agent_sync::SyncError) -> CliError {
    match error {
        agent_sync::SyncError::Config(message) => CliError::usage(message),
        other => CliError::Failed(other.to_string()),
    }
}

fn now() -> PrimitiveDateTime {
    let now = OffsetDateTime::now_utc();
    PrimitiveDateTime::new(
        now.date(),
        now.time().replace_nanosecond(0).unwrap_or(now.time()),
    )
}

/// `yyyy-MM-dd` (midnight) or `yyyy-MM-dd HH:mm:ss`.
fn parse_time(text: &str, what: &str) -> Result<PrimitiveDateTime, CliError> {
    let text = text.trim();
    common_http::datetime::parse_datetime(text)
        .or_else(|| common_http::datetime::parse_date(text).map(|d| d.midnight()))
        .ok_or_else(|| {
            CliError::usage(format!(
                "--{what} `{text}`: expected yyyy-MM-dd or yyyy-MM-dd HH:mm:ss"
            ))
        })
}

fn optional_duration(text: Option<String>, what: &str) -> Result<Option<Duration>, CliError> {
    text.map(|t| parse_duration(&t, what)).transpose()
}

/// `90s`, `30m`, `12h`, `3d`, `2w`.
fn parse_duration(text: &str, what: &str) -> Result<Duration, CliError> {
    let text = text.trim();
    let bad = || {
        CliError::usage(format!(
            "--{what} `{text}`: expected a number and a unit (s, m, h, d, w), as in 10m or 3d"
        ))
    };
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let unit = match unit.trim() {
        "s" => Duration::SECOND,
        "m" => Duration::MINUTE,
        "h" => Duration::HOUR,
        "d" => Duration::DAY,
        "w" => Duration::WEEK,
        _ => return Err(bad()),
    };
    unit.checked_mul(i32::try_from(n).map_err(|_| bad())?)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times_in_their_documented_forms() {
        let d = |t: &str| parse_duration(t, "x").ok();
        assert_eq!(d("90s"), Some(Duration::seconds(90)));
        assert_eq!(d("10m"), Some(Duration::minutes(10)));
        assert_eq!(d("3d"), Some(Duration::days(3)));
        assert_eq!(d("2w"), Some(Duration::weeks(2)));
        for bad in ["", "m", "10", "10y", "-3d", "3 days"] {
            assert_eq!(d(bad), None, "{bad}");
        }
        assert_eq!(
            parse_time("2026-01-02", "start").ok(),
            Some(time::macros::datetime!(2026-01-02 00:00:00))
        );
        assert_eq!(
            parse_time("2026-01-02 03:04:05", "start").ok(),
            Some(time::macros::datetime!(2026-01-02 03:04:05))
        );
        assert!(parse_time("yesterday", "start").is_err());
    }

    #[test]
    fn the_config_file_refuses_unknown_keys() {
        let ok: Result<FileConfig, _> =
            toml::from_str("db = \"x.db\"\nstreams = [\"rokid-chat-logs\"]\nevery = \"10m\"\n");
        assert!(ok.is_ok_and(|c| c.db.as_deref() == Some("x.db")));
        let typo: Result<FileConfig, _> = toml::from_str("look_bak = \"3d\"\n");
        assert!(typo.is_err());
    }
}

//! `agentctl doctor`: checks the configured credentials with read-only calls and reports
//! how the vendors' answers drift from their documentation.
//!
//! For each vendor checked it makes one call of each read-only kind — one page of every
//! listing (Rokid work records of one user and chat logs, Sobot reception records and
//! Itniotech tasks of the last 7 days) and the Sobot lookups — then prints the calls and
//! the drift ledger of each client (operation, the vendor's JSON path, kind, count,
//! example). It never sends a write call.
//!
//! Credentials come from the environment only (the vendors' connection flags share
//! names, so they cannot all be given on one line). Exit codes: 0 when every call
//! succeeded (drift or not), 1 when one failed, 2 on a configuration error.

use std::future::Future;
use std::io::Write;

use clap::ValueEnum;
use common_http::tolerant::Record;
use common_http::{DriftLedger, PagedOperation};
use futures::TryStreamExt;
use serde::Serialize;
use sobot_client::{RecordListParams, SourceListParams};
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::config::{ItnioConn, RokidConn, SobotConn, Vars};
use crate::error::CliError;
use crate::output::{Columns, Emitter, Format};

/// The variable that names the Rokid user whose work records are read.
const ROKID_UID_VAR: &str = "ROKID_DOCTOR_UID";

/// How many days back the dated listings look.
const DAYS: i64 = 7;

/// Flags of `agentctl doctor`.
#[derive(Debug, clap::Args)]
pub(crate) struct DoctorArgs {
    /// The vendors to check [default: every vendor whose credential variables are set].
    #[arg(value_enum, value_name = "VENDOR")]
    vendors: Vec<Vendor>,
    /// The Rokid user whose work records are read [default: $ROKID_DOCTOR_UID; without
    /// one, that listing is skipped].
    #[arg(long, value_name = "UID")]
    rokid_uid: Option<String>,
}

/// A vendor to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum Vendor {
    Rokid,
    Sobot,
    Itnio,
}

impl Vendor {
    const ALL: [Vendor; 3] = [Vendor::Rokid, Vendor::Sobot, Vendor::Itnio];

    fn name(self) -> &'static str {
        match self {
            Vendor::Rokid => "rokid",
            Vendor::Sobot => "sobot",
            Vendor::Itnio => "itnio",
        }
    }

    /// The variables its credentials are read from.
    fn credentials(self) -> &'static [&'static str] {
        match self {
            Vendor::Rokid => &["ROKID_API_KEY"],
            Vendor::Sobot => &["SOBOT_APPID", "SOBOT_APP_KEY"],
            Vendor::Itnio => &["ITNIO_API_KEY", "ITNIO_API_SECRET"],
        }
    }
}

/// One call made, and how it went.
#[derive(Debug, Serialize)]
struct CallRow {
    vendor: &'static str,
    call: &'static str,
    /// `ok`, `failed` or `skipped`.
    result: &'static str,
    /// What came back (`10 records`), the error, or why the call was skipped.
    detail: String,
}

/// One line of the drift report.
#[derive(Debug, Serialize)]
struct DriftRow {
    vendor: &'static str,
    operation: String,
    path: String,
    kind: &'static str,
    count: u64,
    example: String,
}

const CALLS: Columns = Columns {
    fields: &["vendor", "call", "result", "detail"],
    extra: &[],
    table: &["vendor", "call", "result", "detail"],
};

const DRIFT: Columns = Columns {
    fields: &["vendor", "operation", "path", "kind", "count", "example"],
    extra: &[],
    table: &["vendor", "operation", "path", "kind", "count", "example"],
};

/// The calls of one run, and the ledgers to report.
#[derive(Debug, Default)]
struct Checks {
    calls: Vec<CallRow>,
    ledgers: Vec<(&'static str, DriftLedger)>,
}

impl Checks {
    /// Makes one call and notes how it went.
    async fn call<F>(&mut self, vendor: Vendor, call: &'static str, run: F)
    where
        F: Future<Output = Result<String, common_http::Error>>,
    {
        let (result, detail) = match run.await {
            Ok(detail) => ("ok", detail),
            Err(error) => {
                let error = CliError::api(vendor.name())(error);
                ("failed", error.to_string())
            }
        };
        self.calls.push(CallRow {
            vendor: vendor.name(),
            call,
            result,
            detail,
        });
    }

    fn skip(&mut self, vendor: Vendor, call: &'static str, why: String) {
        self.calls.push(CallRow {
            vendor: vendor.name(),
            call,
            result: "skipped",
            detail: why,
        });
    }
}

/// Runs `agentctl doctor`, writing the report in `format` to `out` (and, for formats
/// other than `table`, the calls to stderr, so that `out` holds the drift entries alone).
pub(crate) async fn run(
    args: DoctorArgs,
    format: Format,
    vars: &Vars,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let vendors = select(&args.vendors, vars)?;
    // Every client is built before the first call, so a configuration error (exit 2)
    // stops the run before anything is sent.
    let rokid = match vendors.contains(&Vendor::Rokid) {
        true => Some(RokidConn::default().client(vars)?),
        false => None,
    };
    let sobot = match vendors.contains(&Vendor::Sobot) {
        true => Some(SobotConn::default().client(vars)?),
        false => None,
    };
    let itnio = match vendors.contains(&Vendor::Itnio) {
        true => Some(ItnioConn::default().client(vars)?),
        false => None,
    };
    let uid = args
        .rokid_uid
        .filter(|u| !u.trim().is_empty())
        .or_else(|| vars.get(ROKID_UID_VAR).map(str::to_owned));

    let now = OffsetDateTime::now_utc();
    let now = PrimitiveDateTime::new(
        now.date(),
        now.time().replace_nanosecond(0).unwrap_or(now.time()),
    );
    let week_ago = now - Duration::days(DAYS);
    let today = now.date();
    let first_day = today - Duration::days(DAYS - 1);

    let mut checks = Checks::default();
    if let Some(client) = &rokid {
        let vendor = Vendor::Rokid;
        match &uid {
            Some(uid) => {
                let listing = client.list_work_records(uid.clone());
                checks
                    .call(vendor, "list_work_records", first_page(listing))
                    .await;
            }
            None => checks.skip(
                vendor,
                "list_work_records",
                format!("no uid (--rokid-uid, {ROKID_UID_VAR})"),
            ),
        }
        let listing = client.list_chat_logs();
        checks
            .call(vendor, "list_chat_logs", first_page(listing))
            .await;
        checks.ledgers.push((vendor.name(), client.drift().clone()));
    }
    if let Some(client) = &sobot {
        let vendor = Vendor::Sobot;
        let params = RecordListParams::new(first_day, today, 1, 10);
        let listing = client.list_reception_records(params);
        checks
            .call(vendor, "list_reception_records", first_page(listing))
            .await;
        checks
            .call(vendor, "list_robots", listed(client.list_robots().send()))
            .await;
        let channels = client.list_channels(SourceListParams::new(first_day, today));
        checks
            .call(vendor, "list_channels", listed(channels.send()))
            .await;
        checks
            .call(
                vendor,
                "list_timezones",
                listed(client.list_timezones().send()),
            )
            .await;
        checks
            .call(vendor, "list_labels", listed(client.list_labels().send()))
            .await;
        let dislike = client.list_dislike_labels().send();
        checks
            .call(vendor, "list_dislike_labels", listed(dislike))
            .await;
        checks
            .call(
                vendor,
                "list_audiences",
                listed(client.list_audiences().send()),
            )
            .await;
        checks.ledgers.push((vendor.name(), client.drift().clone()));
    }
    if let Some(client) = &itnio {
        let vendor = Vendor::Itnio;
        let listing = client.list_group_call_tasks(week_ago, now);
        checks
            .call(vendor, "list_group_call_tasks", first_page(listing))
            .await;
        checks.ledgers.push((vendor.name(), client.drift().clone()));
    }
    report(&checks, format, out)?;

    let failed: Vec<&CallRow> = checks
        .calls
        .iter()
        .filter(|c| c.result == "failed")
        .collect();
    let mut stderr = std::io::stderr().lock();
    for call in &failed {
        writeln!(stderr, "agentctl: {} failed: {}", call.call, call.detail)?;
    }
    if failed.is_empty() {
        Ok(())
    } else {
        let made = checks
            .calls
            .iter()
            .filter(|c| c.result != "skipped")
            .count();
        Err(CliError::Failed(format!(
            "doctor: {} of {made} calls failed",
            failed.len()
        )))
    }
}

/// The vendors to check: the ones named (each must have its credentials), or else every
/// vendor whose credential variables are set. A vendor with some of its variables set but
/// not all is a configuration error too: it was meant to be configured.
fn select(named: &[Vendor], vars: &Vars) -> Result<Vec<Vendor>, CliError> {
    let missing = |vendor: Vendor| -> Vec<&'static str> {
        vendor
            .credentials()
            .iter()
            .copied()
            .filter(|v| vars.get(v).is_none())
            .collect()
    };
    let mut chosen = Vec::new();
    for vendor in Vendor::ALL {
        let absent = missing(vendor);
        let set = absent.len() < vendor.credentials().len();
        let wanted = if named.is_empty() {
            set
        } else {
            named.contains(&vendor)
        };
        if !wanted {
            continue;
        }
        if !absent.is_empty() {
            return Err(CliError::usage(format!(
                "{}: {} not set (doctor reads credentials from the environment)",
                vendor.name(),
                match absent.as_slice() {
                    [one] => format!("{one} is"),
                    many => format!("{} are", many.join(" and ")),
                }
            )));
        }
        chosen.push(vendor);
    }
    if chosen.is_empty() {
        return Err(CliError::usage(
            "no vendor is configured: set ROKID_API_KEY; SOBOT_APPID and SOBOT_APP_KEY; or \
             ITNIO_API_KEY and ITNIO_API_SECRET (or `agentctl sandbox` to try it offline)",
        ));
    }
    Ok(chosen)
}

/// Reads the first page of a listing (one request) and says what came back.
async fn first_page<O, T>(listing: O) -> Result<String, common_http::Error>
where
    O: PagedOperation<Item = Record<T>>,
{
    let pages = listing.by_page();
    let mut pages = std::pin::pin!(pages);
    let Some(page) = pages.try_next().await? else {
        return Ok("0 records".to_owned());
    };
    let raw = page.items.iter().filter(|r| !r.is_typed()).count();
    let mut detail = records(page.items.len());
    if let Some(total) = page.total {
        detail.push_str(&format!(" of {total}"));
    }
    if raw > 0 {
        detail.push_str(&format!(" ({raw} unreadable)"));
    }
    Ok(detail)
}

/// Says how many entries a lookup returned.
async fn listed<T>(
    call: impl Future<Output = Result<Vec<T>, common_http::Error>>,
) -> Result<String, common_http::Error> {
    call.await.map(|list| records(list.len()))
}

fn records(n: usize) -> String {
    if n == 1 {
        "1 record".to_owned()
    } else {
        format!("{n} records")
    }
}

/// Prints the calls and the drift entries: both on `out` for `table`; otherwise the drift
/// entries alone in the format on `out` (a JSON array for `json`) and the calls on stderr.
fn report(checks: &Checks, format: Format, out: &mut dyn Write) -> Result<(), CliError> {
    let drift: Vec<DriftRow> = checks
        .ledgers
        .iter()
        .flat_map(|(vendor, ledger)| {
            ledger.report().into_iter().map(|e| DriftRow {
                vendor,
                operation: e.operation,
                path: e.path,
                kind: e.kind.as_str(),
                count: e.count,
                example: e.example,
            })
        })
        .collect();
    if format == Format::Table {
        writeln!(out, "Calls (read-only):")?;
        let mut calls = Emitter::new(format, &mut *out, CALLS);
        for call in &checks.calls {
            calls.item(call)?;
        }
        calls.finish()?;
        writeln!(out)?;
        if drift.is_empty() {
            writeln!(
                out,
                "No drift: every answer matched the vendors' documentation."
            )?;
            return Ok(out.flush()?);
        }
        writeln!(
            out,
            "Drift (read tolerantly; paths in the vendor's field names):"
        )?;
    } else {
        let mut stderr = std::io::stderr().lock();
        for call in &checks.calls {
            writeln!(
                stderr,
                "doctor: {} {}: {}, {}",
                call.vendor, call.call, call.result, call.detail
            )?;
        }
    }
    let mut entries = Emitter::new(format, &mut *out, DRIFT);
    for entry in &drift {
        entries.item(entry)?;
    }
    Ok(entries.finish()?)
}

//! Listing commands: one page, or every page (`--all`) streamed record by record as the
//! pages arrive (never buffered, except by the `table` format, which sizes its columns).

use std::io::Write;

use common_http::PagedOperation;
use common_http::paginate::Page;
use common_http::tolerant::{RawRecord, Record};
use futures::{Stream, TryStreamExt};
use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::{Columns, Emitter, Format};
use crate::progress::{Progress, Unit};

/// The page flags every listing command shares.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Paging {
    /// Page number (1-based); with --all, the first page exported.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub(crate) page: i32,
    /// Records per page [default: the vendor's, or 100 with --all].
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) page_size: Option<i32>,
    /// Every page from --page on, streamed as the pages arrive (with a progress bar on a
    /// terminal).
    #[arg(long)]
    pub(crate) all: bool,
}

/// The page size of an export when none is given: the most every vendor allows.
pub(crate) const EXPORT_PAGE_SIZE: i32 = 100;

impl Paging {
    /// The page size to ask for, if any.
    pub(crate) fn size(&self) -> Option<i32> {
        self.page_size
            .or_else(|| self.all.then_some(EXPORT_PAGE_SIZE))
    }
}

/// Prints a listing, any vendor's (`operation` is the prepared listing): with `--all` every
/// page from the requested one, each record written as its page arrives (progress bar
/// labelled `label`); otherwise the requested page alone.
///
/// Every record is written, the ones the client could not read too: exactly as the vendor
/// sent them (see [`Emitter::record`]), each with a warning on stderr. Nothing is lost, so
/// the exit code stays 0.
///
/// Both read the same page stream. Taking only its first page sends exactly one request:
/// the stream asks for the next page only when it is polled again, and it always yields
/// the page it starts at, even an empty one.
pub(crate) async fn listing<O, T>(
    ctx: &mut Ctx<'_>,
    all: bool,
    operation: O,
    columns: Columns,
    label: &str,
    vendor: &'static str,
) -> Result<(), CliError>
where
    O: PagedOperation<Item = Record<T>>,
    T: Serialize,
{
    let pages = operation.by_page();
    let mut emitter = Emitter::new(ctx.format, &mut *ctx.out, columns);
    if all {
        all_pages(pages, &mut emitter, label, vendor, ctx.max_pages).await?;
        return Ok(emitter.finish()?);
    }
    let mut pages = std::pin::pin!(pages);
    let (page, total) = match pages.try_next().await.map_err(CliError::api(vendor))? {
        Some(page) => {
            records(&mut emitter, &page.items, vendor)?;
            (page.page, page.total)
        }
        None => (1, None),
    };
    emitter.finish()?;
    // For `table`, a line saying where the page stands.
    if ctx.format == Format::Table
        && let Some(total) = total
    {
        writeln!(
            ctx.out,
            "page {page}; {total} records in all (--all for every page)"
        )?;
    }
    Ok(())
}

/// Writes every record of every page to `emitter` as each page arrives, with a progress
/// bar labelled `label`; returns how many records were written. With `max_pages`, a walk
/// that would go past that many pages stops with an error instead.
async fn all_pages<T, S, W>(
    pages: S,
    emitter: &mut Emitter<W>,
    label: &str,
    vendor: &'static str,
    max_pages: Option<u64>,
) -> Result<u64, CliError>
where
    T: Serialize,
    S: Stream<Item = Result<Page<Record<T>>, common_http::Error>>,
    W: Write,
{
    let progress = Progress::new(label, Unit::Records);
    let mut pages = std::pin::pin!(pages);
    let mut written = 0u64;
    let mut walked = 0u64;
    while let Some(page) = pages.try_next().await.map_err(CliError::api(vendor))? {
        walked += 1;
        if max_pages.is_some_and(|max| walked > max) {
            progress.finish();
            return Err(CliError::Failed(format!(
                "{vendor}: stopped after {} pages (--max-pages); {written} records written",
                walked - 1
            )));
        }
        progress.set_total(page.total);
        records(emitter, &page.items, vendor)?;
        written += page.items.len() as u64;
        progress.set(written);
    }
    progress.finish();
    Ok(written)
}

/// Writes one page's records; each one the client could not read is written as sent, with
/// a warning.
fn records<T: Serialize, W: Write>(
    emitter: &mut Emitter<W>,
    items: &[Record<T>],
    vendor: &'static str,
) -> Result<(), CliError> {
    for item in items {
        if let Some(raw) = item.raw() {
            warn_raw(vendor, raw, Kept::Written);
        }
        emitter.record(item)?;
    }
    Ok(())
}

/// What became of a record that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kept {
    /// Written to the output exactly as the vendor sent it.
    Written,
    /// Skipped: the command needs the record's fields (`rokid reports`).
    Skipped,
}

/// The longest reason a warning shows, in characters (a record sent as a JSON string is
/// quoted whole in its reason).
const MAX_REASON: usize = 160;

/// Says on stderr (a warning, shown at the default verbosity) that a record of `vendor`
/// could not be read, why, and what became of it.
pub(crate) fn warn_raw(vendor: &str, raw: &RawRecord, kept: Kept) {
    let mut reason: String = raw.reason().chars().take(MAX_REASON).collect();
    if reason.len() < raw.reason().len() {
        reason.push('…');
    }
    let reason = reason.as_str();
    let what = match kept {
        Kept::Written => "it is written exactly as the vendor sent it",
        Kept::Skipped => "it is skipped",
    };
    tracing::warn!(vendor, reason, "a record could not be read; {what}");
}

//! Listing commands: one page, or every page (`--all`) streamed record by record as the
//! pages arrive (never buffered, except by the `table` format, which sizes its columns).

use std::io::Write;

use common_http::PagedOperation;
use common_http::paginate::Page;
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
/// Both read the same page stream. Taking only its first page sends exactly one request:
/// the stream asks for the next page only when it is polled again, and it always yields
/// the page it starts at, even an empty one.
pub(crate) async fn listing<O>(
    ctx: &mut Ctx<'_>,
    all: bool,
    operation: O,
    columns: Columns,
    label: &str,
    vendor: &'static str,
) -> Result<(), CliError>
where
    O: PagedOperation,
    O::Item: Serialize,
{
    let pages = operation.by_page();
    if all {
        let mut emitter = Emitter::new(ctx.format, &mut *ctx.out, columns);
        all_pages(pages, &mut emitter, label, vendor).await?;
        return Ok(emitter.finish()?);
    }
    let mut pages = std::pin::pin!(pages);
    match pages.try_next().await.map_err(CliError::api(vendor))? {
        Some(page) => one_page(
            ctx.format,
            ctx.out,
            columns,
            &page.items,
            page.page,
            page.total,
        ),
        None => one_page::<O::Item>(ctx.format, ctx.out, columns, &[], 1, None),
    }
}

/// Writes every record of every page to `emitter` as each page arrives, with a progress
/// bar labelled `label`; returns how many records were written.
async fn all_pages<T, S, W>(
    pages: S,
    emitter: &mut Emitter<W>,
    label: &str,
    vendor: &'static str,
) -> Result<u64, CliError>
where
    T: Serialize,
    S: Stream<Item = Result<Page<T>, common_http::Error>>,
    W: Write,
{
    let progress = Progress::new(label, Unit::Records);
    let mut pages = std::pin::pin!(pages);
    let mut written = 0u64;
    while let Some(page) = pages.try_next().await.map_err(CliError::api(vendor))? {
        progress.set_total(page.total);
        for item in &page.items {
            emitter.item(item)?;
        }
        written += page.items.len() as u64;
        progress.set(written);
    }
    progress.finish();
    Ok(written)
}

/// Writes one page's records, then (for `table`) a line saying where the page stands.
fn one_page<T: Serialize>(
    format: Format,
    out: &mut dyn Write,
    columns: Columns,
    items: &[T],
    page: u64,
    total: Option<u64>,
) -> Result<(), CliError> {
    crate::output::emit_list(format, &mut *out, columns, items)?;
    if format == Format::Table
        && let Some(total) = total
    {
        writeln!(
            out,
            "page {page}; {total} records in all (--all for every page)"
        )?;
    }
    Ok(())
}

/// Says on stderr that a record could not be read and is written (or skipped, where only a
/// typed record can be used) as the vendor sent it.
pub(crate) fn warn_raw(vendor: &str, raw: &common_http::tolerant::RawRecord) {
    tracing::warn!(
        vendor,
        reason = raw.reason(),
        "a record could not be read; it is kept exactly as the vendor sent it"
    );
}

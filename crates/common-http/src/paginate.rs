//! A vendor-neutral paginator: turn "fetch page *n*" into a [`Stream`] of pages or items.
//!
//! Every vendor describes its pages differently (`pageNum/pageSize/total`,
//! `page_no/page_size/total_count`, `current/size/pages/total`, ...). A vendor crate maps
//! its response onto [`Page`] inside a fetch closure and hands that closure to
//! [`Paginator::new`]; everything else (ordering, bounded look-ahead, stop rules,
//! cancellation) lives here, once.
//!
//! # How a listing is walked
//!
//! * The first page (page 1, or the one set with [`Paginator::start_at`]) is fetched alone.
//! * If a page tells the page count ([`Page::pages`], or [`Page::total`] together with
//!   [`Page::size`]), the following pages are fetched with up to
//!   [`look_ahead`](Paginator::look_ahead) requests in flight at once. They are yielded
//!   strictly in page order, whatever order they complete in, and no page past the last
//!   one is ever requested. Once the count is known only two things end the walk early: an
//!   empty page, or a later page reporting a smaller count.
//! * If the count is unknown, pages are fetched one at a time and the walk stops after
//!   - an empty page,
//!   - a short page (fewer items than [`Page::size`], when the size is known), or
//!   - a page that brings the running item count to [`Page::total`] (when the total is
//!     known but the size is not).
//! * An empty page always ends the walk, even if the reported total promised more items:
//!   vendors miscount, and the walk must never spin on empty pages. An empty page is
//!   yielded by [`Paginator::by_page`] only when it is the first page (so a caller still
//!   sees the metadata of an empty listing); a trailing empty page is just the end marker.
//! * A server that reports no count and keeps returning full pages forever is walked
//!   forever: there is nothing in the protocol to tell such a listing from a very long one.
//!   Callers that need a bound use [`StreamExt::take`].
//!
//! # Errors and cancellation
//!
//! An error from the fetch closure is yielded once, then the stream ends: nothing more is
//! requested and look-ahead requests still in flight are dropped (cancelled). No task is
//! spawned: the in-flight futures are owned and polled by the stream itself, so dropping
//! the stream cancels them, and they make progress only while the stream is polled.
//!
//! # Example
//!
//! ```
//! use std::convert::Infallible;
//!
//! use futures::TryStreamExt;
//! use common_http::paginate::{Page, Paginator};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A fake vendor holding the items 1..=7, three per page, that reports its total.
//! let paginator = Paginator::new(|n: u64| async move {
//!     let items: Vec<u64> = ((n - 1) * 3 + 1..=(n * 3).min(7)).collect();
//!     Ok::<_, Infallible>(Page::new(items, n).with_size(Some(3)).with_total(Some(7)))
//! })
//! .look_ahead(2);
//!
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! let items: Vec<u64> = rt.block_on(paginator.by_item().try_collect())?;
//! assert_eq!(items, [1, 2, 3, 4, 5, 6, 7]);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{FusedStream, FuturesOrdered, Stream, StreamExt};

/// The default number of pages in flight at once once the page count is known.
pub const DEFAULT_LOOK_AHEAD: usize = 4;

/// One page as the vendor described it. Page numbers start at 1.
///
/// Build it with [`Page::new`] and the `with_*` methods (the struct is `#[non_exhaustive]`
/// so that fields can be added later without breaking vendor crates).
///
/// ```
/// use common_http::paginate::Page;
///
/// let page = Page::new(vec!["a", "b"], 3).with_size(Some(2)).with_total(Some(6));
/// assert_eq!(page.page_count(), Some(3));
/// assert!(page.is_last());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page, in the vendor's order.
    pub items: Vec<T>,
    /// The 1-based number of this page.
    pub page: u64,
    /// The page size the server reports, or else the one the request asked for.
    pub size: Option<u64>,
    /// The total number of items in the listing, if known.
    pub total: Option<u64>,
    /// The number of pages in the listing, if the server reports it.
    pub pages: Option<u64>,
}

impl<T> Page<T> {
    /// A page with its items and its 1-based number; size, total and page count unknown.
    ///
    /// ```
    /// use common_http::paginate::Page;
    ///
    /// let page = Page::new(vec![1, 2], 1);
    /// assert_eq!((page.size, page.total, page.pages), (None, None, None));
    /// ```
    #[must_use]
    pub fn new(items: Vec<T>, page: u64) -> Self {
        Self {
            items,
            page,
            size: None,
            total: None,
            pages: None,
        }
    }

    /// Sets the page size (reported by the server, or else the one requested).
    ///
    /// Takes an `Option` so that an optional vendor field can be passed straight through.
    ///
    /// ```
    /// use common_http::paginate::Page;
    ///
    /// assert_eq!(Page::new(vec![1], 1).with_size(Some(10)).size, Some(10));
    /// ```
    #[must_use]
    pub fn with_size(mut self, size: Option<u64>) -> Self {
        self.size = size;
        self
    }

    /// Sets the total item count of the listing.
    ///
    /// ```
    /// use common_http::paginate::Page;
    ///
    /// assert_eq!(Page::new(vec![1], 1).with_total(Some(42)).total, Some(42));
    /// ```
    #[must_use]
    pub fn with_total(mut self, total: Option<u64>) -> Self {
        self.total = total;
        self
    }

    /// Sets the page count of the listing.
    ///
    /// ```
    /// use common_http::paginate::Page;
    ///
    /// assert_eq!(Page::new(vec![1], 1).with_pages(Some(5)).pages, Some(5));
    /// ```
    #[must_use]
    pub fn with_pages(mut self, pages: Option<u64>) -> Self {
        self.pages = pages;
        self
    }

    /// The page count: [`pages`](Self::pages) if reported, else `ceil(total / size)` when
    /// both are known and the size is not zero, else `None`.
    ///
    /// ```
    /// use common_http::paginate::Page;
    ///
    /// let page = Page::new(vec![0; 10], 1).with_size(Some(10)).with_total(Some(21));
    /// assert_eq!(page.page_count(), Some(3));
    /// assert_eq!(page.with_pages(Some(4)).page_count(), Some(4));
    /// assert_eq!(Page::new(vec![0; 10], 1).with_total(Some(21)).page_count(), None);
    /// ```
    #[must_use]
    pub fn page_count(&self) -> Option<u64> {
        self.pages.or_else(|| match (self.total, self.size) {
            (Some(total), Some(size)) if size > 0 => Some(total.div_ceil(size)),
            _ => None,
        })
    }

    /// Whether this page, on its own, says it is the last one: it is empty, or its number
    /// is at least the [page count](Self::page_count), or it is short (fewer items than a
    /// known, non-zero [`size`](Self::size)).
    ///
    /// The "running item count reached the total" rule needs the earlier pages, so only
    /// [`Paginator`] applies it.
    ///
    /// ```
    /// use common_http::paginate::Page;
    ///
    /// assert!(Page::<u8>::new(vec![], 1).is_last());
    /// assert!(Page::new(vec![1, 2], 1).with_size(Some(3)).is_last());
    /// assert!(!Page::new(vec![1, 2, 3], 1).with_size(Some(3)).is_last());
    /// assert!(Page::new(vec![1, 2, 3], 2).with_pages(Some(2)).is_last());
    /// ```
    #[must_use]
    pub fn is_last(&self) -> bool {
        self.items.is_empty()
            || self.page_count().is_some_and(|count| self.page >= count)
            || self.is_short()
    }

    /// Converts the items, keeping the page metadata (handy to turn vendor DTOs into
    /// public types inside a fetch closure).
    ///
    /// ```
    /// use common_http::paginate::Page;
    ///
    /// let page = Page::new(vec![1, 2], 1).with_total(Some(2)).map(|n| n.to_string());
    /// assert_eq!(page.items, ["1", "2"]);
    /// assert_eq!(page.total, Some(2));
    /// ```
    #[must_use]
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            size: self.size,
            total: self.total,
            pages: self.pages,
        }
    }

    /// Fewer items than a known, non-zero page size.
    fn is_short(&self) -> bool {
        self.size
            .is_some_and(|size| size > 0 && (self.items.len() as u64) < size)
    }
}

/// The type-erased "fetch page n" closure.
type FetchFn<T, E> = Arc<dyn Fn(u64) -> BoxFuture<'static, Result<Page<T>, E>> + Send + Sync>;

/// Drives "fetch page n" to the end of a listing. See the [module docs](self) for the rules.
///
/// Cloning is cheap (the fetch closure is shared) and gives a paginator that walks the
/// listing again from its start page.
///
/// ```
/// use futures::TryStreamExt;
/// use common_http::paginate::{Page, Paginator};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // No count reported: walked one page at a time until the short page 3.
/// let paginator = Paginator::new(|n: u64| async move {
///     let len = if n < 3 { 2 } else { 1 };
///     Ok::<_, String>(Page::new(vec![n; len], n).with_size(Some(2)))
/// });
///
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let pages: Vec<Page<u64>> = rt.block_on(paginator.by_page().try_collect())?;
/// let numbers: Vec<u64> = pages.iter().map(|p| p.page).collect();
/// assert_eq!(numbers, [1, 2, 3]);
/// # Ok(())
/// # }
/// ```
pub struct Paginator<T, E> {
    fetch: FetchFn<T, E>,
    start: u64,
    look_ahead: usize,
}

impl<T, E> Clone for Paginator<T, E> {
    fn clone(&self) -> Self {
        Self {
            fetch: Arc::clone(&self.fetch),
            start: self.start,
            look_ahead: self.look_ahead,
        }
    }
}

impl<T, E> fmt::Debug for Paginator<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("start", &self.start)
            .field("look_ahead", &self.look_ahead)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static, E: Send + 'static> Paginator<T, E> {
    /// A paginator over `fetch`, which is called with 1-based page numbers (a vendor that
    /// counts from 0 subtracts 1 inside the closure). Starts at page 1 with a look-ahead
    /// of [`DEFAULT_LOOK_AHEAD`].
    ///
    /// The closure is called once per page requested; the futures it returns are polled by
    /// the stream itself (never spawned), so they need not be `Unpin` but must be `Send`.
    ///
    /// ```
    /// use common_http::paginate::{Page, Paginator};
    ///
    /// let paginator = Paginator::new(|n: u64| async move { Ok::<_, String>(Page::new(vec![n], n)) });
    /// # let _ = paginator;
    /// ```
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn(u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, E>> + Send + 'static,
    {
        Self {
            fetch: Arc::new(move |page| fetch(page).boxed()),
            start: 1,
            look_ahead: DEFAULT_LOOK_AHEAD,
        }
    }

    /// Starts the walk at `page` instead of 1 (0 is treated as 1).
    ///
    /// With a start page above 1 the "running item count reached the total" rule (used
    /// only when the size is unknown) counts just the items walked, so it fires late; the
    /// walk then ends on the following empty or short page instead.
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use common_http::paginate::{Page, Paginator};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let paginator = Paginator::new(|n: u64| async move {
    ///     Ok::<_, String>(Page::new(vec![n], n).with_pages(Some(4)))
    /// })
    /// .start_at(3);
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let items: Vec<u64> = rt.block_on(paginator.by_item().try_collect())?;
    /// assert_eq!(items, [3, 4]);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn start_at(mut self, page: u64) -> Self {
        self.start = page.max(1);
        self
    }

    /// The most pages in flight at once once the page count is known (default
    /// [`DEFAULT_LOOK_AHEAD`]). `1` walks strictly one page at a time; `0` is treated as 1.
    ///
    /// Pages that completed but were not yet yielded count as in flight, so at most `k`
    /// pages are ever buffered. While the count is unknown pages are always fetched one at
    /// a time, since it is not known whether the next page exists.
    ///
    /// ```
    /// use common_http::paginate::{Page, Paginator};
    ///
    /// let sequential = Paginator::new(|n: u64| async move { Ok::<_, String>(Page::new(vec![n], n)) })
    ///     .look_ahead(1);
    /// # let _ = sequential;
    /// ```
    #[must_use]
    pub fn look_ahead(mut self, k: usize) -> Self {
        self.look_ahead = k.max(1);
        self
    }

    /// A stream of the pages, in order. See the [module docs](self) for when it ends.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use common_http::paginate::{Page, Paginator};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let paginator = Paginator::new(|n: u64| async move {
    ///     if n == 2 { Err("boom") } else { Ok(Page::new(vec![n], n)) }
    /// });
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let results: Vec<_> = rt.block_on(paginator.by_page().collect());
    /// assert_eq!(results, [Ok(Page::new(vec![1], 1)), Err("boom")]);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub fn by_page(self) -> PageStream<T, E> {
        PageStream {
            fetch: self.fetch,
            look_ahead: self.look_ahead,
            next_request: Some(self.start),
            next_yield: self.start,
            start: self.start,
            last: None,
            items_seen: 0,
            in_flight: FuturesOrdered::new(),
            done: false,
        }
    }

    /// A stream of the items of every page, flattened in order. An error ends it just as
    /// it ends [`by_page`](Self::by_page).
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use common_http::paginate::{Page, Paginator};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let paginator = Paginator::new(|n: u64| async move {
    ///     Ok::<_, String>(Page::new(vec![n * 10, n * 10 + 1], n).with_total(Some(4)))
    /// });
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let items: Vec<u64> = rt.block_on(paginator.by_item().try_collect())?;
    /// assert_eq!(items, [10, 11, 20, 21]);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub fn by_item(self) -> ItemStream<T, E> {
        ItemStream {
            pages: self.by_page(),
            buffered: Vec::new().into_iter(),
        }
    }
}

/// What to do once a page has arrived.
enum Verdict {
    /// Yield it and go on.
    Yield,
    /// Yield it and end.
    YieldLast,
    /// End without yielding it (a trailing empty page).
    End,
}

/// The stream of pages returned by [`Paginator::by_page`].
///
/// `Send + 'static` (so it can be held across `.await`s and moved into a spawned task) and
/// `Unpin`. Dropping it cancels the fetches in flight.
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<T, E> {
    fetch: FetchFn<T, E>,
    look_ahead: usize,
    /// The next page number to request; `None` once `u64::MAX` was requested.
    next_request: Option<u64>,
    /// The number of the page the next yielded result belongs to.
    next_yield: u64,
    /// The first page of the walk.
    start: u64,
    /// The last page, once a page has told the page count.
    last: Option<u64>,
    /// Items on the pages received so far.
    items_seen: u64,
    /// Requested pages, in page order; completed ones wait here until their turn.
    in_flight: FuturesOrdered<BoxFuture<'static, Result<Page<T>, E>>>,
    /// Set after the last page, an error, or running out of pages.
    done: bool,
}

impl<T, E> fmt::Debug for PageStream<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("look_ahead", &self.look_ahead)
            .field("next_request", &self.next_request)
            .field("next_yield", &self.next_yield)
            .field("last", &self.last)
            .field("items_seen", &self.items_seen)
            .field("in_flight", &self.in_flight.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T, E> PageStream<T, E> {
    /// Requests pages until the look-ahead window is full: up to `look_ahead` pages (never
    /// past the last one) once the count is known, else one page at a time.
    fn fill(&mut self) {
        let window = match self.last {
            Some(_) => self.look_ahead,
            None => 1,
        };
        while self.in_flight.len() < window {
            let Some(page) = self.next_request else {
                return;
            };
            if self.last.is_some_and(|last| page > last) {
                return;
            }
            self.in_flight.push_back((self.fetch)(page));
            self.next_request = page.checked_add(1);
        }
    }

    /// Applies the stop rules to page number `number` (the number requested, not the one
    /// the server echoed, which a confused server may get wrong).
    fn judge(&mut self, number: u64, page: &Page<T>) -> Verdict {
        if page.items.is_empty() {
            return if number == self.start {
                Verdict::YieldLast
            } else {
                Verdict::End
            };
        }
        self.items_seen = self.items_seen.saturating_add(page.items.len() as u64);
        if let Some(count) = page.page_count() {
            // A count that shrinks mid-walk is believed; one that grows is not (the walk
            // stays bounded by what the first counted page said).
            self.last = Some(self.last.map_or(count, |last| last.min(count)));
        }
        let last_page = match self.last {
            Some(last) => number >= last,
            None => page.is_short() || page.total.is_some_and(|total| self.items_seen >= total),
        };
        if last_page {
            Verdict::YieldLast
        } else {
            Verdict::Yield
        }
    }

    /// Ends the stream, dropping (cancelling) whatever is still in flight.
    fn finish(&mut self) {
        self.done = true;
        self.in_flight.clear();
    }
}

impl<T, E> Stream for PageStream<T, E> {
    type Item = Result<Page<T>, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        this.fill();
        let result = match this.in_flight.poll_next_unpin(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => {
                // Nothing left to request (the page number space ran out).
                this.finish();
                return Poll::Ready(None);
            }
            Poll::Ready(Some(result)) => result,
        };
        let number = this.next_yield;
        this.next_yield = number.saturating_add(1);
        match result {
            Err(error) => {
                this.finish();
                Poll::Ready(Some(Err(error)))
            }
            Ok(page) => match this.judge(number, &page) {
                Verdict::Yield => Poll::Ready(Some(Ok(page))),
                Verdict::YieldLast => {
                    this.finish();
                    Poll::Ready(Some(Ok(page)))
                }
                Verdict::End => {
                    this.finish();
                    Poll::Ready(None)
                }
            },
        }
    }
}

impl<T, E> FusedStream for PageStream<T, E> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

/// The stream of items returned by [`Paginator::by_item`].
///
/// `Send + 'static` and `Unpin`, like [`PageStream`]. Dropping it cancels the fetches in
/// flight.
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<T, E> {
    pages: PageStream<T, E>,
    buffered: std::vec::IntoIter<T>,
}

// Nothing is ever pinned structurally: the items are only moved out through `&mut`, and
// `PageStream` is `Unpin` whatever `T` and `E` are.
impl<T, E> Unpin for ItemStream<T, E> {}

impl<T, E> fmt::Debug for ItemStream<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream")
            .field("pages", &self.pages)
            .field("buffered", &self.buffered.len())
            .finish()
    }
}

impl<T, E> Stream for ItemStream<T, E> {
    type Item = Result<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffered.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match this.pages.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => this.buffered = page.items.into_iter(),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.buffered.len(), None)
    }
}

impl<T, E> FusedStream for ItemStream<T, E> {
    fn is_terminated(&self) -> bool {
        self.buffered.len() == 0 && self.pages.is_terminated()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use futures::TryStreamExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// Records what a fake vendor was asked and how many requests ran at once.
    #[derive(Default)]
    struct Probe {
        requested: Mutex<Vec<u64>>,
        completed: Mutex<Vec<u64>>,
        in_flight: AtomicUsize,
        max_in_flight: AtomicUsize,
    }

    impl Probe {
        fn requested(&self) -> Vec<u64> {
            self.requested.lock().unwrap().clone()
        }

        fn completed(&self) -> Vec<u64> {
            self.completed.lock().unwrap().clone()
        }

        fn max_in_flight(&self) -> usize {
            self.max_in_flight.load(Ordering::SeqCst)
        }
    }

    /// Counts a request as in flight from its first poll until it completes or is dropped.
    struct InFlight(Arc<Probe>);

    impl InFlight {
        fn start(probe: &Arc<Probe>, page: u64) -> Self {
            // A broken stop rule fails the test instead of walking forever.
            assert!(page <= 1000, "runaway walk: page {page} requested");
            probe.requested.lock().unwrap().push(page);
            let now = probe.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            probe.max_in_flight.fetch_max(now, Ordering::SeqCst);
            Self(Arc::clone(probe))
        }
    }

    impl Drop for InFlight {
        fn drop(&mut self) {
            self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// A fake vendor: `make(n)` builds page `n` (or an error), returned after `delay(n)`.
    fn vendor(
        probe: &Arc<Probe>,
        delay: impl Fn(u64) -> Duration + Send + Sync + 'static,
        make: impl Fn(u64) -> Result<Page<u64>, String> + Send + Sync + 'static,
    ) -> Paginator<u64, String> {
        let probe = Arc::clone(probe);
        let delay = Arc::new(delay);
        let make = Arc::new(make);
        Paginator::new(move |n| {
            let (probe, delay, make) = (Arc::clone(&probe), Arc::clone(&delay), Arc::clone(&make));
            async move {
                let _guard = InFlight::start(&probe, n);
                tokio::time::sleep(delay(n)).await;
                probe.completed.lock().unwrap().push(n);
                make(n)
            }
        })
    }

    /// Page `n` of a listing of `total` items numbered from 1, `size` per page.
    fn slice(n: u64, size: u64, total: u64) -> Vec<u64> {
        ((n - 1) * size + 1..=(n * size).min(total)).collect()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn numbers(pages: &[Page<u64>]) -> Vec<u64> {
        pages.iter().map(|p| p.page).collect()
    }

    fn assert_send_static<S: Send + 'static>(_: &S) {}

    #[test]
    fn page_count_and_is_last() {
        let page = Page::new(vec![1, 2, 3], 1)
            .with_size(Some(3))
            .with_total(Some(7));
        assert_eq!(page.page_count(), Some(3));
        assert!(!page.is_last());
        assert_eq!(page.clone().with_pages(Some(1)).page_count(), Some(1));
        assert!(page.clone().with_pages(Some(1)).is_last());
        assert_eq!(page.clone().with_size(Some(0)).page_count(), None);
        assert_eq!(page.with_total(Some(0)).page_count(), Some(0));
        assert!(Page::new(vec![1, 2], 4).with_size(Some(3)).is_last());
        assert!(Page::<u64>::new(vec![], 1).with_total(Some(100)).is_last());
        assert!(!Page::new(vec![1], 1).is_last());
    }

    #[test]
    fn look_ahead_zero_is_one_and_start_zero_is_one() {
        let p = Paginator::new(|n| async move { Ok::<_, String>(Page::new(vec![n], n)) })
            .look_ahead(0)
            .start_at(0);
        assert_eq!((p.look_ahead, p.start), (1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn order_kept_when_later_pages_complete_first() {
        let probe = Arc::new(Probe::default());
        // Page n takes (11 - n) * 10 ms: the later the page, the faster it answers.
        let paginator = vendor(
            &probe,
            |n| ms((11 - n) * 10),
            |n| {
                Ok(Page::new(slice(n, 3, 30), n)
                    .with_size(Some(3))
                    .with_total(Some(30)))
            },
        )
        .look_ahead(4);
        let pages: Vec<_> = paginator.by_page().try_collect().await.unwrap();
        assert_eq!(numbers(&pages), (1..=10).collect::<Vec<_>>());
        let items: Vec<u64> = pages.into_iter().flat_map(|p| p.items).collect();
        assert_eq!(items, (1..=30).collect::<Vec<_>>());
        // The pages really did complete out of order.
        let completed = probe.completed();
        assert_ne!(completed, (1..=10).collect::<Vec<_>>(), "{completed:?}");
        assert!(probe.max_in_flight() > 1);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_last_page_by_count() {
        let probe = Arc::new(Probe::default());
        // `pages` says 3 although every page is full: the count wins.
        let paginator = vendor(
            &probe,
            |_| ms(5),
            |n| {
                Ok(Page::new(vec![n; 5], n)
                    .with_size(Some(5))
                    .with_pages(Some(3)))
            },
        );
        let pages: Vec<_> = paginator.by_page().try_collect().await.unwrap();
        assert_eq!(numbers(&pages), [1, 2, 3]);
        assert_eq!(probe.requested(), [1, 2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn no_page_beyond_the_last_is_requested() {
        for (total, look_ahead) in [(10, 4), (10, 10), (11, 8), (1, 4), (0, 4)] {
            let probe = Arc::new(Probe::default());
            let paginator = vendor(
                &probe,
                |n| ms(20 - n),
                move |n| {
                    Ok(Page::new(slice(n, 2, total), n)
                        .with_size(Some(2))
                        .with_total(Some(total)))
                },
            )
            .look_ahead(look_ahead);
            let items: Vec<_> = paginator.by_item().try_collect().await.unwrap();
            assert_eq!(items, (1..=total).collect::<Vec<_>>());
            let mut requested = probe.requested();
            requested.sort_unstable();
            let last = total.div_ceil(2).max(1);
            assert_eq!(
                requested,
                (1..=last).collect::<Vec<_>>(),
                "total {total} k {look_ahead}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_count_may_shrink_the_walk_but_not_grow_it() {
        // Page 1 says 10 pages, page 2 says 3: the walk ends at page 3.
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |_| ms(5),
            |n| {
                let pages = if n == 1 { 10 } else { 3 };
                Ok(Page::new(vec![n], n).with_pages(Some(pages)))
            },
        )
        .look_ahead(1);
        let pages: Vec<_> = paginator.by_page().try_collect().await.unwrap();
        assert_eq!(numbers(&pages), [1, 2, 3]);
        assert_eq!(probe.requested(), [1, 2, 3]);

        // Page 1 says 3 pages, later pages say 10: the walk still ends at page 3.
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |_| ms(5),
            |n| {
                let pages = if n == 1 { 3 } else { 10 };
                Ok(Page::new(vec![n], n).with_pages(Some(pages)))
            },
        );
        let pages: Vec<_> = paginator.by_page().try_collect().await.unwrap();
        assert_eq!(numbers(&pages), [1, 2, 3]);
        let mut requested = probe.requested();
        requested.sort_unstable();
        assert_eq!(requested, [1, 2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_on_empty_page_without_count() {
        let probe = Arc::new(Probe::default());
        // No size, no total: only the empty page 4 ends the walk, and it is not yielded.
        let paginator = vendor(
            &probe,
            |_| ms(1),
            |n| Ok(Page::new(if n < 4 { vec![n, n] } else { vec![] }, n)),
        );
        let pages: Vec<_> = paginator.by_page().try_collect().await.unwrap();
        assert_eq!(numbers(&pages), [1, 2, 3]);
        assert_eq!(probe.requested(), [1, 2, 3, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn empty_first_page_is_yielded_once() {
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |_| ms(1),
            |n| Ok(Page::new(vec![], n).with_size(Some(10)).with_total(Some(0))),
        );
        let pages: Vec<_> = paginator.clone().by_page().try_collect().await.unwrap();
        assert_eq!(
            pages,
            [Page::new(vec![], 1).with_size(Some(10)).with_total(Some(0))]
        );
        let items: Vec<_> = paginator.by_item().try_collect().await.unwrap();
        assert!(items.is_empty());
        assert_eq!(probe.requested(), [1, 1]);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_on_empty_page_even_if_total_says_more() {
        let probe = Arc::new(Probe::default());
        // Claims 1000 items in pages of 10, but runs dry after page 2.
        let paginator = vendor(
            &probe,
            |_| ms(3),
            |n| {
                let items = if n <= 2 { vec![n; 10] } else { vec![] };
                Ok(Page::new(items, n)
                    .with_size(Some(10))
                    .with_total(Some(1000)))
            },
        )
        .look_ahead(3);
        let pages: Vec<_> = paginator.by_page().try_collect().await.unwrap();
        assert_eq!(numbers(&pages), [1, 2]);
        // Page 3 ended it; at most the look-ahead window past page 2 was ever requested.
        let requested = probe.requested();
        assert!(requested.iter().all(|&n| n <= 2 + 3), "{requested:?}");
        assert_eq!(probe.in_flight.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_on_short_page_without_total() {
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |_| ms(1),
            |n| Ok(Page::new(slice(n, 4, 10), n).with_size(Some(4))),
        );
        let pages: Vec<_> = paginator.by_page().try_collect().await.unwrap();
        assert_eq!(numbers(&pages), [1, 2, 3]);
        assert_eq!(pages[2].items, [9, 10]);
        assert_eq!(probe.requested(), [1, 2, 3]);
        assert_eq!(probe.max_in_flight(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_on_total_reached_without_size() {
        let probe = Arc::new(Probe::default());
        // Pages of uneven length, total 9, no size: ends once 9 items were seen.
        let lengths = [4_u64, 2, 3, 5, 5];
        let paginator = vendor(
            &probe,
            |_| ms(1),
            move |n| {
                let before: u64 = lengths[..(n - 1) as usize].iter().sum();
                let items = (before + 1..=before + lengths[(n - 1) as usize]).collect();
                Ok(Page::new(items, n).with_total(Some(9)))
            },
        );
        let items: Vec<_> = paginator.by_item().try_collect().await.unwrap();
        assert_eq!(items, (1..=9).collect::<Vec<_>>());
        assert_eq!(probe.requested(), [1, 2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn error_is_yielded_once_then_ends_without_more_fetches() {
        // Sequential (no count): page 3 fails.
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |_| ms(1),
            |n| {
                if n == 3 {
                    Err(format!("page {n} failed"))
                } else {
                    Ok(Page::new(vec![n], n))
                }
            },
        );
        let results: Vec<_> = paginator.by_page().collect().await;
        assert_eq!(
            results,
            [
                Ok(Page::new(vec![1], 1)),
                Ok(Page::new(vec![2], 2)),
                Err("page 3 failed".to_owned())
            ]
        );
        assert_eq!(probe.requested(), [1, 2, 3]);

        // Look-ahead (count known): page 3 fails while 4 and 5 are in flight.
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |n| ms(if n == 3 { 1 } else { 50 }),
            |n| {
                if n == 3 {
                    Err("boom".to_owned())
                } else {
                    Ok(Page::new(vec![n], n).with_pages(Some(20)))
                }
            },
        )
        .look_ahead(3);
        let mut stream = paginator.by_page();
        assert_eq!(stream.next().await.unwrap().unwrap().page, 1);
        assert_eq!(stream.next().await.unwrap().unwrap().page, 2);
        assert_eq!(stream.next().await.unwrap(), Err("boom".to_owned()));
        let requested_at_error = probe.requested();
        // The look-ahead fetches still in flight were dropped, not left running.
        assert_eq!(probe.in_flight.load(Ordering::SeqCst), 0);
        assert!(stream.is_terminated());
        assert!(stream.next().await.is_none());
        assert!(stream.next().await.is_none());
        tokio::time::sleep(ms(1000)).await;
        assert_eq!(probe.requested(), requested_at_error);
        assert!(
            requested_at_error.iter().all(|&n| n <= 5),
            "{requested_at_error:?}"
        );
        assert!(!probe.completed().contains(&4));
    }

    #[tokio::test(start_paused = true)]
    async fn by_item_error_ends_the_stream() {
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |_| ms(1),
            |n| {
                if n == 2 {
                    Err("no".to_owned())
                } else {
                    Ok(Page::new(vec![n, n], n))
                }
            },
        );
        let results: Vec<_> = paginator.by_item().collect().await;
        assert_eq!(results, [Ok(1), Ok(1), Err("no".to_owned())]);
        assert_eq!(probe.requested(), [1, 2]);
    }

    /// Walks 20 full pages with look-ahead `k`; returns the probe.
    async fn walk_twenty(k: usize) -> Arc<Probe> {
        let probe = Arc::new(Probe::default());
        // Uneven delays so that completions interleave.
        let paginator = vendor(
            &probe,
            |n| ms(10 + (n * 7) % 13),
            |n| {
                Ok(Page::new(slice(n, 5, 100), n)
                    .with_size(Some(5))
                    .with_total(Some(100)))
            },
        )
        .look_ahead(k);
        let items: Vec<_> = paginator.by_item().try_collect().await.unwrap();
        assert_eq!(items, (1..=100).collect::<Vec<_>>());
        probe
    }

    #[tokio::test(start_paused = true)]
    async fn look_ahead_bounds_requests_in_flight() {
        for (k, expected_max) in [(3, 3), (1, 1), (0, 1), (25, 19)] {
            let probe = walk_twenty(k).await;
            assert_eq!(probe.max_in_flight(), expected_max, "k = {k}");
            let mut counts = BTreeMap::new();
            for n in probe.requested() {
                *counts.entry(n).or_insert(0) += 1;
            }
            assert_eq!(counts, (1..=20).map(|n| (n, 1)).collect(), "k = {k}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn by_item_flattens_in_order() {
        let probe = Arc::new(Probe::default());
        // Uneven page lengths, some empty-looking gaps avoided; count known via `pages`.
        let paginator = vendor(
            &probe,
            |n| ms(40 - n * 5),
            |n| {
                let items = (0..n).map(|i| n * 100 + i).collect();
                Ok(Page::new(items, n).with_pages(Some(5)))
            },
        )
        .look_ahead(5);
        let items: Vec<_> = paginator.by_item().try_collect().await.unwrap();
        let expected: Vec<u64> = (1..=5)
            .flat_map(|n| (0..n).map(move |i| n * 100 + i))
            .collect();
        assert_eq!(items, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn start_at_skips_earlier_pages() {
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |_| ms(2),
            |n| {
                Ok(Page::new(slice(n, 3, 20), n)
                    .with_size(Some(3))
                    .with_total(Some(20)))
            },
        )
        .start_at(4)
        .look_ahead(2);
        let pages: Vec<_> = paginator.by_page().try_collect().await.unwrap();
        assert_eq!(numbers(&pages), [4, 5, 6, 7]);
        assert_eq!(pages[0].items, [10, 11, 12]);
        assert_eq!(pages[3].items, [19, 20]);
        let mut requested = probe.requested();
        requested.sort_unstable();
        assert_eq!(requested, [4, 5, 6, 7]);
    }

    #[tokio::test(start_paused = true)]
    async fn start_past_the_last_page_yields_that_page_only() {
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |_| ms(2),
            |n| {
                Ok(Page::new(slice(n, 3, 6), n)
                    .with_size(Some(3))
                    .with_total(Some(6)))
            },
        )
        .start_at(9);
        let pages: Vec<_> = paginator.by_page().try_collect().await.unwrap();
        assert_eq!(numbers(&pages), [9]);
        assert!(pages[0].items.is_empty());
        assert_eq!(probe.requested(), [9]);
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_stream_cancels_fetches_in_flight() {
        let probe = Arc::new(Probe::default());
        let paginator = vendor(
            &probe,
            |n| ms(n * 10),
            |n| Ok(Page::new(vec![n], n).with_pages(Some(50))),
        )
        .look_ahead(4);
        let mut stream = paginator.by_page();
        assert_eq!(stream.next().await.unwrap().unwrap().page, 1);
        assert_eq!(stream.next().await.unwrap().unwrap().page, 2);
        assert!(probe.in_flight.load(Ordering::SeqCst) > 0);
        drop(stream);
        assert_eq!(probe.in_flight.load(Ordering::SeqCst), 0);
        let requested = probe.requested().len();
        tokio::time::sleep(ms(10_000)).await;
        assert_eq!(probe.requested().len(), requested);
        assert!(probe.completed().len() < requested);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn streams_are_send_and_static_and_can_be_spawned() {
        let paginator = Paginator::new(|n: u64| async move {
            tokio::task::yield_now().await;
            Ok::<_, String>(Page::new(vec![n], n).with_pages(Some(6)))
        });
        let pages = paginator.clone().by_page();
        let items = paginator.by_item();
        assert_send_static(&pages);
        assert_send_static(&items);
        let pages = tokio::spawn(async move { pages.try_collect::<Vec<_>>().await });
        let items = tokio::spawn(async move { items.try_collect::<Vec<_>>().await });
        assert_eq!(pages.await.unwrap().unwrap().len(), 6);
        assert_eq!(items.await.unwrap().unwrap(), [1, 2, 3, 4, 5, 6]);
    }

    /// Counts the connections a test server is handling at once.
    #[derive(Default)]
    struct ServerStats {
        open: AtomicUsize,
        max_open: AtomicUsize,
        served: Mutex<Vec<u64>>,
    }

    /// A tiny HTTP/1.1 server on 127.0.0.1 answering `GET /page/N` for a listing of
    /// `total` items, `size` per page, after `delay`. It serves `max_requests` requests
    /// and then stops.
    async fn serve(
        total: u64,
        size: u64,
        delay: Duration,
        max_requests: usize,
    ) -> (
        std::net::SocketAddr,
        Arc<ServerStats>,
        tokio::task::JoinHandle<()>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stats = Arc::new(ServerStats::default());
        let server_stats = Arc::clone(&stats);
        let handle = tokio::spawn(async move {
            let mut handlers = Vec::new();
            for _ in 0..max_requests {
                let Ok((mut socket, _)) = listener.accept().await else {
                    break;
                };
                let stats = Arc::clone(&server_stats);
                let open = stats.open.fetch_add(1, Ordering::SeqCst) + 1;
                stats.max_open.fetch_max(open, Ordering::SeqCst);
                handlers.push(tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0_u8; 512];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        let n = socket.read(&mut buf).await.unwrap();
                        assert!(n > 0, "client closed early");
                        request.extend_from_slice(&buf[..n]);
                    }
                    let request = String::from_utf8(request).unwrap();
                    let path = request.split_whitespace().nth(1).unwrap();
                    let n: u64 = path.strip_prefix("/page/").unwrap().parse().unwrap();
                    stats.served.lock().unwrap().push(n);
                    tokio::time::sleep(delay).await;
                    let items: Vec<String> =
                        slice(n, size, total).iter().map(u64::to_string).collect();
                    let body = format!(
                        r#"{{"page":{n},"size":{size},"total":{total},"items":[{}]}}"#,
                        items.join(",")
                    );
                    // Closed as far as the counter goes before the client can see the answer.
                    stats.open.fetch_sub(1, Ordering::SeqCst);
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    socket.write_all(response.as_bytes()).await.unwrap();
                    socket.shutdown().await.unwrap();
                }));
            }
            for handler in handlers {
                handler.await.unwrap();
            }
        });
        (addr, stats, handle)
    }

    /// The number after `"key":` in a flat JSON object.
    fn json_number(body: &str, key: &str) -> Option<u64> {
        let rest = &body[body.find(&format!("\"{key}\":"))? + key.len() + 3..];
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    }

    /// Fetches one page over a raw TCP connection.
    async fn http_page(addr: std::net::SocketAddr, n: u64) -> std::io::Result<Page<u64>> {
        let mut stream = TcpStream::connect(addr).await?;
        let request =
            format!("GET /page/{n} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        let (head, body) = response
            .split_once("\r\n\r\n")
            .ok_or_else(|| bad("no header end"))?;
        if !head.starts_with("HTTP/1.1 200 ") {
            return Err(bad(head));
        }
        let list = body
            .split_once('[')
            .and_then(|(_, rest)| rest.split_once(']'));
        let (list, _) = list.ok_or_else(|| bad("no items"))?;
        let items = list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| bad("bad item")))
            .collect::<std::io::Result<Vec<u64>>>()?;
        let page = json_number(body, "page").ok_or_else(|| bad("no page"))?;
        Ok(Page::new(items, page)
            .with_size(json_number(body, "size"))
            .with_total(json_number(body, "total")))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn real_http_server_sees_at_most_k_requests_at_once() {
        const K: usize = 3;
        // 47 items, 5 per page: 10 pages, the last one short.
        let (addr, stats, server) = serve(47, 5, ms(30), 10).await;
        let paginator = Paginator::new(move |n| http_page(addr, n)).look_ahead(K);
        let items: Vec<u64> =
            tokio::time::timeout(Duration::from_secs(20), paginator.by_item().try_collect())
                .await
                .unwrap()
                .unwrap();
        assert_eq!(items, (1..=47).collect::<Vec<_>>());
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .unwrap()
            .unwrap();
        let max_open = stats.max_open.load(Ordering::SeqCst);
        assert!(max_open <= K, "server saw {max_open} requests at once");
        assert!(max_open >= 2, "look-ahead never overlapped requests");
        let mut served = stats.served.lock().unwrap().clone();
        served.sort_unstable();
        assert_eq!(served, (1..=10).collect::<Vec<_>>());
    }
}

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
    repeat: Option<RepeatGuards<T, E>>,
}

/// Makes a fresh repeated-page check for each walk.
type RepeatGuards<T, E> = Arc<dyn Fn() -> RepeatGuard<T, E> + Send + Sync>;

/// Tells whether a page (its items and number) repeats the one before it: `Some(error)`
/// ends the walk. It keeps what it needs of the page before.
type RepeatGuard<T, E> = Box<dyn FnMut(&[T], u64) -> Option<E> + Send>;

impl<T, E> Clone for Paginator<T, E> {
    fn clone(&self) -> Self {
        Self {
            fetch: Arc::clone(&self.fetch),
            start: self.start,
            look_ahead: self.look_ahead,
            repeat: self.repeat.clone(),
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
            repeat: None,
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
            repeat: self.repeat.as_ref().map(|make| make()),
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

impl<T: PartialEq + Clone + Send + 'static, E: Send + 'static> Paginator<T, E> {
    /// Ends the walk with `error(page)` when a page, while the page count is unknown,
    /// repeats the page before it item for item: a server that reports no count and
    /// answers the same full page whatever page is asked would otherwise be walked forever.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use common_http::paginate::{Page, Paginator};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // Always the same full page, never a count.
    /// let paginator = Paginator::new(|_| async { Ok::<_, String>(Page::new(vec![1, 2], 1).with_size(Some(2))) })
    ///     .stop_on_repeated_page(|page| format!("page {page} repeats the page before it"));
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let results: Vec<_> = rt.block_on(paginator.by_page().collect());
    /// assert_eq!(results.len(), 2);
    /// assert_eq!(results[1], Err("page 2 repeats the page before it".to_owned()));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn stop_on_repeated_page(
        mut self,
        error: impl Fn(u64) -> E + Send + Sync + 'static,
    ) -> Self {
        let error = Arc::new(error);
        self.repeat = Some(Arc::new(move || {
            let error = Arc::clone(&error);
            let mut previous: Option<Vec<T>> = None;
            Box::new(move |page: &[T], number: u64| {
                if previous.as_deref() == Some(page) {
                    return Some(error(number));
                }
                previous = Some(page.to_vec());
                None
            })
        }));
        self
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
    /// The repeated-page check of this walk, if the paginator has one (used only while
    /// the page count is unknown: a known count bounds the walk).
    repeat: Option<RepeatGuard<T, E>>,
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
            Ok(page) => {
                if this.last.is_none()
                    && let Some(guard) = this.repeat.as_mut()
                    && let Some(error) = guard(&page.items, number)
                {
                    this.finish();
                    return Poll::Ready(Some(Err(error)));
                }
                match this.judge(number, &page) {
                    Verdict::Yield => Poll::Ready(Some(Ok(page))),
                    Verdict::YieldLast => {
                        this.finish();
                        Poll::Ready(Some(Ok(page)))
                    }
                    Verdict::End => {
                        this.finish();
                        Poll::Ready(None)
                    }
                }
            }
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
mod tests;

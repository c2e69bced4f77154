//! One operation shape for every endpoint of every vendor.
//!
//! Each endpoint is exactly one generated type that implements [`Operation`] (and, for a
//! listing, [`PagedOperation`]). The generated type says only what differs between
//! endpoints: its parameters, how they are checked ([`Operation::validate`]), what goes on
//! the wire ([`Operation::describe`]) and how the answer is read ([`Operation::execute`]).
//! The verbs a caller uses are written once, here:
//!
//! - [`Operation::with_options`]: per-request timeout, retry policy, idempotency;
//! - [`Operation::to_spec`]: the validated request, without sending it;
//! - [`Operation::send`]: one call (for a listing: one page);
//! - [`PagedOperation::look_ahead`], [`PagedOperation::by_page`],
//!   [`PagedOperation::by_item`]: every page or every item, in order.
//!
//! Generated types also carry these verbs as inherent methods (one-line forwards), so a
//! caller never has to import a trait; generic code (an exporter over any listing) names
//! the traits instead.
//!
//! Validation runs once per call: [`Operation::send`] validates and then describes; a walk
//! validates the request once before its first page and only describes each page.
//!
//! This is the same idea as async-stripe's `StripeRequest` and google-cloud-rust's request
//! builders: the endpoint is data, the behaviour around it is shared.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::paginate::{DEFAULT_LOOK_AHEAD, ItemStream, Page, PageStream, Paginator};
use crate::{Error, HttpClient, RequestOptions, RequestSpec};

/// What every operation carries besides its parameters: the client it is sent through and
/// the per-call settings.
#[derive(Clone)]
pub struct Call {
    http: HttpClient,
    options: RequestOptions,
    look_ahead: usize,
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("base_url", &self.http.config().base_url().as_str())
            .field("options", &self.options)
            .field("look_ahead", &self.look_ahead)
            .finish()
    }
}

impl Call {
    /// A call through `http` with the client's defaults.
    pub fn new(http: HttpClient) -> Self {
        Self {
            http,
            options: RequestOptions::default(),
            look_ahead: DEFAULT_LOOK_AHEAD,
        }
    }

    /// The client the call is sent through.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The per-call overrides of the client's defaults.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// How many pages a walk fetches at once once the page count is known.
    pub fn look_ahead(&self) -> usize {
        self.look_ahead
    }
}

/// One endpoint, prepared: its parameters and the [`Call`] it goes through. Nothing is sent
/// until [`send`](Operation::send) (or a walk) is polled.
///
/// Implemented by generated code; a caller uses the provided methods.
pub trait Operation: Clone + Send + Sync + Sized + 'static {
    /// What [`send`](Operation::send) returns: the envelope's payload, or a typed stream.
    type Output: Send + 'static;

    /// The client and per-call settings.
    fn call(&self) -> &Call;

    /// The same, to change them.
    fn call_mut(&mut self) -> &mut Call;

    /// Checks the documented constraints of the parameters; no I/O.
    fn validate(&self) -> Result<(), Error>;

    /// The request on the wire (method, path, query, body, idempotency), without checking
    /// the parameters and without the per-call options.
    fn describe(&self) -> Result<RequestSpec, Error>;

    /// Sends `spec` through `http` and reads the answer.
    fn execute(
        http: HttpClient,
        spec: RequestSpec,
    ) -> impl Future<Output = Result<Self::Output, Error>> + Send;

    /// Overrides the client's timeout, retry policy or idempotency for this call.
    #[must_use]
    fn with_options(mut self, options: RequestOptions) -> Self {
        self.call_mut().options = options;
        self
    }

    /// Validates, then describes the request with its per-call options, without sending
    /// it (to inspect or log what would be sent).
    fn to_spec(&self) -> Result<RequestSpec, Error> {
        self.validate()?;
        described(self)
    }

    /// Validates and sends the request. For a listing this is one page.
    fn send(self) -> impl Future<Output = Result<Self::Output, Error>> + Send {
        let checked = self.to_spec();
        let http = self.call().http.clone();
        async move { Self::execute(http, checked?).await }
    }
}

/// [`Operation::describe`] plus the per-call options, without validating.
fn described<O: Operation>(operation: &O) -> Result<RequestSpec, Error> {
    Ok(operation
        .describe()?
        .options(operation.call().options.clone()))
}

/// A listing: an [`Operation`] whose answer is one page of a longer list.
pub trait PagedOperation: Operation {
    /// One record of the listing (`PartialEq` and `Clone` let a walk notice a server that
    /// answers the same page forever).
    type Item: Send + Clone + PartialEq + 'static;

    /// The page the walk starts at (the page set on the request, else 1).
    fn start_page(&self) -> u64;

    /// Points the request at 1-based page `page`.
    fn set_page(&mut self, page: u64) -> Result<(), Error>;

    /// The page size the request asks for, if it sets one.
    fn requested_size(&self) -> Option<u64>;

    /// Reads the vendor's page shape (`pageNum/pageSize/total`, `current/size/pages/total`,
    /// ...) into a [`Page`]. `requested` is [`requested_size`](Self::requested_size).
    fn page_of(output: Self::Output, page: u64, requested: Option<u64>) -> Page<Self::Item>;

    /// How many pages [`by_page`](Self::by_page) and [`by_item`](Self::by_item) fetch at
    /// once once the page count is known (default
    /// [`DEFAULT_LOOK_AHEAD`]; 1 walks one page at a time).
    #[must_use]
    fn look_ahead(mut self, pages: usize) -> Self {
        self.call_mut().look_ahead = pages;
        self
    }

    /// Every page from the requested one, in order (see [`crate::paginate`] for when the
    /// walk ends). An invalid request yields exactly one error and sends nothing.
    fn by_page(self) -> PageStream<Self::Item, Error> {
        paginator(self).by_page()
    }

    /// Every record of every page from the requested one, in order. An invalid request
    /// yields exactly one error and sends nothing.
    fn by_item(self) -> ItemStream<Self::Item, Error> {
        paginator(self).by_item()
    }
}

/// The walk over `operation`'s pages: validated once, then each page described and sent.
fn paginator<O: PagedOperation>(operation: O) -> Paginator<O::Item, Error> {
    let start = operation.start_page();
    let look_ahead = operation.call().look_ahead;
    // An invalid request fails the first page and sends nothing; the error is not `Clone`,
    // so it is handed over once.
    let invalid = operation
        .validate()
        .err()
        .map(|error| Arc::new(Mutex::new(Some(error))));
    Paginator::new(move |page: u64| {
        let invalid = invalid.clone();
        let mut operation = operation.clone();
        async move {
            if let Some(invalid) = invalid {
                let error = invalid.lock().ok().and_then(|mut slot| slot.take());
                return Err(error.unwrap_or_else(|| Error::invalid_request("invalid request")));
            }
            operation.set_page(page)?;
            let requested = operation.requested_size();
            let spec = described(&operation)?;
            let output = O::execute(operation.call().http.clone(), spec).await?;
            Ok(O::page_of(output, page, requested))
        }
    })
    .start_at(start)
    .look_ahead(look_ahead)
    .stop_on_repeated_page(Error::repeated_page)
}

/// The page count of a vendor field that may be missing or negative: a count the vendor
/// does not know is often sent as 0, so beside items, 0 means unknown.
///
/// Generated `page_of` implementations use it for `size`, `total` and `pages`.
pub fn page_count(value: Option<i64>, items_empty: bool) -> Option<u64> {
    value
        .and_then(|v| u64::try_from(v).ok())
        .filter(|n| *n > 0 || items_empty)
}

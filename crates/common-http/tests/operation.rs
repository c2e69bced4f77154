//! The verbs every operation gets from `Operation` / `PagedOperation`: validation once per
//! call, per-call options carried to the wire, and walks that page through `set_page`.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common_http::paginate::Page;
use common_http::{
    Call, ClientConfig, Error, HttpClient, NoAuth, Operation, PagedOperation, RequestOptions,
    RequestSpec,
};
use futures::TryStreamExt;
use http::Method;

/// A listing of the numbers 1..=7, three per page, that never touches the network: its
/// `execute` reads the page number back from the described query.
#[derive(Debug, Clone)]
struct Numbers {
    call: Call,
    page: u64,
    size: i64,
    validations: Arc<AtomicUsize>,
    executions: Arc<AtomicUsize>,
}

impl Numbers {
    fn new(size: i64) -> Self {
        let config = ClientConfig::builder()
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        Self {
            call: Call::new(HttpClient::new(config, Arc::new(NoAuth)).unwrap()),
            page: 1,
            size,
            validations: Arc::default(),
            executions: Arc::default(),
        }
    }
}

/// What `execute` returns: the page number it was asked for and the items.
#[derive(Debug)]
struct Output {
    page: u64,
    items: Vec<u64>,
}

impl Operation for Numbers {
    type Output = Output;

    fn call(&self) -> &Call {
        &self.call
    }

    fn call_mut(&mut self) -> &mut Call {
        &mut self.call
    }

    fn validate(&self) -> Result<(), Error> {
        self.validations.fetch_add(1, Ordering::SeqCst);
        if self.size < 1 {
            return Err(Error::invalid_request("`size` must be at least 1"));
        }
        Ok(())
    }

    fn describe(&self) -> Result<RequestSpec, Error> {
        Ok(RequestSpec::new(Method::GET, "/numbers")
            .query("page", self.page.to_string())
            .query("size", self.size.to_string())
            .idempotent(true))
    }

    async fn execute(_http: HttpClient, spec: RequestSpec) -> Result<Output, Error> {
        let page: u64 = spec.query_pairs()[0].1.parse().unwrap();
        let size: u64 = spec.query_pairs()[1].1.parse().unwrap();
        let items = ((page - 1) * size + 1..=(page * size).min(7)).collect();
        Ok(Output { page, items })
    }
}

impl PagedOperation for Numbers {
    type Item = u64;

    fn start_page(&self) -> u64 {
        self.page
    }

    fn set_page(&mut self, page: u64) -> Result<(), Error> {
        self.executions.fetch_add(1, Ordering::SeqCst);
        self.page = page;
        Ok(())
    }

    fn requested_size(&self) -> Option<u64> {
        u64::try_from(self.size).ok()
    }

    fn page_of(output: Output, page: u64, requested: Option<u64>) -> Page<u64> {
        assert_eq!(output.page, page, "the described page is the walked one");
        if requested == Some(REPEATING) {
            // A server that ignores the page asked for and reports no count.
            return Page::new(vec![1, 2], page).with_size(Some(2));
        }
        Page::new(output.items, page)
            .with_size(requested)
            .with_total(Some(7))
    }
}

/// The page size that makes [`Numbers`] answer the same full page forever.
const REPEATING: u64 = 99;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_walk_validates_once_and_pages_through_set_page() {
    let numbers = Numbers::new(3);
    let (validations, pages) = (numbers.validations.clone(), numbers.executions.clone());
    let items: Vec<u64> = runtime()
        .block_on(numbers.look_ahead(2).by_item().try_collect())
        .unwrap();
    assert_eq!(items, [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(
        pages.load(Ordering::SeqCst),
        3,
        "three pages were described"
    );
    assert_eq!(
        validations.load(Ordering::SeqCst),
        1,
        "validated once per walk"
    );
}

#[test]
fn an_invalid_walk_yields_one_error_and_sends_nothing() {
    let numbers = Numbers::new(0);
    let pages = numbers.executions.clone();
    let results: Vec<Result<Page<u64>, Error>> =
        runtime().block_on(futures::StreamExt::collect(numbers.by_page()));
    assert_eq!(results.len(), 1);
    assert!(results[0].as_ref().is_err_and(Error::is_invalid_request));
    assert_eq!(pages.load(Ordering::SeqCst), 0, "no page was described");
}

#[test]
fn send_validates_once_and_carries_the_options() {
    let numbers = Numbers::new(3);
    let validations = numbers.validations.clone();
    let numbers = numbers.with_options(RequestOptions::new().timeout(Duration::from_secs(2)));
    let spec = numbers.to_spec().unwrap();
    assert_eq!(spec.request_options().timeout, Some(Duration::from_secs(2)));
    assert_eq!(spec.encoded_query(), "page=1&size=3");
    validations.store(0, Ordering::SeqCst);
    let output = runtime().block_on(numbers.send()).unwrap();
    assert_eq!(output.items, [1, 2, 3]);
    assert_eq!(
        validations.load(Ordering::SeqCst),
        1,
        "validated once per send"
    );
}

#[test]
fn an_invalid_send_fails_before_anything_is_described() {
    let error = runtime().block_on(Numbers::new(0).send()).err();
    assert!(error.is_some_and(|e| e.is_invalid_request()));
}

#[test]
fn vendor_counts_of_zero_mean_unknown_beside_items() {
    use common_http::operation::page_count;
    assert_eq!(page_count(Some(0), false), None);
    assert_eq!(page_count(Some(0), true), Some(0));
    assert_eq!(page_count(Some(-1), true), None);
    assert_eq!(page_count(Some(12), false), Some(12));
    assert_eq!(page_count(None, true), None);
}

#[test]
fn a_server_answering_the_same_page_forever_stops_the_walk() {
    use futures::StreamExt;

    let numbers = Numbers::new(REPEATING as i64);
    let pages: Vec<Result<Page<u64>, Error>> =
        runtime().block_on(numbers.by_page().take(10).collect());
    assert_eq!(pages.len(), 2, "the first page, then the error");
    assert!(pages[0].is_ok());
    assert!(pages[1].as_ref().is_err_and(Error::is_repeated_page));
}

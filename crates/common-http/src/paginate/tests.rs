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
                let items: Vec<String> = slice(n, size, total).iter().map(u64::to_string).collect();
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
    let request = format!("GET /page/{n} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
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

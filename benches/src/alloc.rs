//! A counting global allocator: how many allocations the measured thread makes.
//!
//! Only allocations made on a thread that opted in with [`Counting`] are counted, so the
//! in-process server (running on its own threads) does not pollute a client's figure.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Allocations (and reallocations) made by counting threads since start.
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

/// The system allocator, counting `alloc`/`realloc` calls of opted-in threads.
#[derive(Debug)]
pub(crate) struct CountingAllocator;

fn record() {
    // `try_with`: the thread-local may already be gone while a thread shuts down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` unchanged; counting touches only a
// const-initialised thread-local `Cell` and an atomic, neither of which allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record();
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Counts this thread's allocations while alive.
#[derive(Debug)]
pub(crate) struct Counting {
    start: u64,
}

impl Counting {
    /// Starts counting on the current thread.
    pub(crate) fn start() -> Self {
        COUNTING.with(|c| c.set(true));
        Self {
            start: ALLOCATIONS.load(Ordering::Relaxed),
        }
    }

    /// Allocations made by counting threads since [`Counting::start`].
    pub(crate) fn allocations(&self) -> u64 {
        ALLOCATIONS.load(Ordering::Relaxed) - self.start
    }
}

impl Drop for Counting {
    fn drop(&mut self) {
        COUNTING.with(|c| c.set(false));
    }
}

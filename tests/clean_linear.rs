//! Issue 14, class 5: decoding and cleaning cost grows linearly with the input, on
//! adversarial inputs (each rule's trigger repeated, millions of tiny lines, one huge
//! line), and peak memory stays within a small multiple of the input's size.
//!
//! Measured with a counting global allocator, not a clock: the bytes allocated are a
//! deterministic proxy for the work of the copying rules (the quadratic lead-prefix
//! rule copied the rest of the paragraph after each prefix: n²/2 bytes), and the peak
//! of live bytes is the memory bound. No timing, so no flakiness on a loaded machine.
//! Time itself is counted in instructions by `benches/linear.sh` (callgrind, the same
//! generators at N and 2N).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
            if new_size >= layout.size() {
                let live =
                    LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The counters are process-wide: one measurement at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// (bytes allocated, peak live bytes above the start) for decoding and cleaning `input`.
fn cost(cleaner: &news_ingest::clean::Cleaner, input: &[u8]) -> (usize, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let before = ALLOCATED.load(Ordering::Relaxed);
    if let Ok(text) = news_ingest::decode::decode(input) {
        let doc = cleaner.clean(&text);
        std::hint::black_box(&doc);
    }
    let allocated = ALLOCATED.load(Ordering::Relaxed) - before;
    (allocated, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

#[path = "../benches/common/adversarial.rs"]
mod adversarial;
use adversarial::generators;

#[test]
fn cleaning_work_grows_linearly_and_memory_stays_bounded() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let cleaner =
        news_ingest::clean::Cleaner::from_config(&news_ingest::config::Config::embedded().clean).unwrap();
    let small = 256 * 1024;
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, make) in generators() {
        let (a, b) = (make(small), make(2 * small));
        // Warm up: the regex engines' caches are allocated on first use and reused
        // after; that fixed cost is not what this test bounds.
        cost(&cleaner, &make(4096));
        let (alloc_a, peak_a) = cost(&cleaner, &a);
        let (alloc_b, peak_b) = cost(&cleaner, &b);
        let growth = alloc_b as f64 / alloc_a.max(1) as f64;
        let peak_ratio = (peak_a as f64 / a.len() as f64).max(peak_b as f64 / b.len() as f64);
        report.push(format!(
            "{name:<20} 2x input -> {growth:.2}x bytes allocated, peak {peak_ratio:.1}x input"
        ));
        if growth > 2.5 {
            failures.push(format!("{name}: allocation grew {growth:.2}x for 2x input"));
        }
        if peak_ratio > PEAK_BOUND {
            failures.push(format!("{name}: peak memory {peak_ratio:.1}x the input (bound {PEAK_BOUND}x)"));
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}\n{}", failures.join("\n"), report.join("\n"));
}

/// Peak live heap while cleaning, as a multiple of the input's size. Measured at
/// 9.3x for a file of 4-byte lines: the decoded text (1x), the body as one `String`
/// per paragraph (24 bytes + 3 a line: 6.75x) and, while the second cleaning round
/// runs, the body joined as its input (1.25x). 8.2x for a line of ">>" list markers
/// (the marker rule's word list); every other generator stays under 7.1x. Before the
/// streaming line pass, the 4-byte lines peaked at 36.5x.
const PEAK_BOUND: f64 = 10.0;

//! The unit tests' allocator: the system one, counting per thread the bytes
//! allocated and the peak of the bytes live, so a test can tell
//! deterministically how much memory a piece of work takes and how that
//! grows with its input (quadratic work that rebuilds strings shows in the
//! bytes allocated; holding a whole file's rows shows in the peak).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Meter;

thread_local! {
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn count(delta: i64) {
    // `try_with`: a thread being torn down has no counters left.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
    if delta > 0 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + delta as u64));
    }
}

unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as i64);
            count(-(layout.size() as i64));
        }
        p
    }
}

#[global_allocator]
static METER: Meter = Meter;

/// What `f` cost on this thread: (bytes allocated in all, peak bytes live
/// above what was live before).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, u64, u64) {
    let before_total = ALLOCATED.with(Cell::get);
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let total = ALLOCATED.with(Cell::get) - before_total;
    let peak = (PEAK.with(Cell::get) - base).max(0) as u64;
    (out, total, peak)
}

//! Test-only: the system allocator, counting the allocations made on the calling thread while
//! a count is running, so a test can say "this path allocates nothing per packet" and mean it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// `None` while no count runs on this thread.
    static COUNT: Cell<Option<u64>> = const { Cell::new(None) };
}

// SAFETY: every call is passed to `System` unchanged; the count is a thread-local `Cell` with
// a const initialiser, which never allocates (so it cannot recurse).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn bump() {
    // `try_with`: during thread teardown the slot may be gone; nothing to count then.
    let _ = COUNT.try_with(|c| c.set(c.get().map(|n| n + 1)));
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations (and reallocations) `f` makes on this thread.
pub fn allocations<T>(f: impl FnOnce() -> T) -> (T, u64) {
    COUNT.with(|c| c.set(Some(0)));
    let out = f();
    let n = COUNT.with(|c| c.replace(None)).unwrap_or(0);
    (out, n)
}

#[test]
fn counts_what_the_closure_allocates_and_nothing_else() {
    let (_, n) = allocations(|| {
        let v: Vec<u8> = Vec::with_capacity(10);
        let mut w = v;
        w.extend_from_slice(&[1; 100]);
        w
    });
    assert_eq!(n, 2, "one allocation, one growth");
    assert_eq!(allocations(|| 1 + 1).1, 0);
}

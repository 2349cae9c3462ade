//! A global allocator that counts heap allocations and the bytes they ask for, so that the
//! instruction-count run can report allocations per request for every server (they all run
//! in this binary). It forwards to the system allocator; counting costs two relaxed atomic
//! additions per allocation, the same in every server.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// The system allocator, counted.
pub struct Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn count(size: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    BYTES.fetch_add(size as u64, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    /// A reallocation counts as an allocation of the new size, as dhat counts it: it may
    /// move the block, and growing buffers is allocation work on the request path.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// The counts since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocations {
    /// Calls to `alloc`, `alloc_zeroed` and `realloc`.
    pub allocations: u64,
    /// Bytes those calls asked for.
    pub bytes: u64,
}

impl Allocations {
    /// The counts so far.
    pub fn now() -> Self {
        Self {
            allocations: ALLOCATIONS.load(Ordering::Relaxed),
            bytes: BYTES.load(Ordering::Relaxed),
        }
    }
}

/// Exits the process, after printing its allocation counts as JSON on stdout, when stdin
/// closes: the driver's clean stop, after which callgrind writes its profile. A thread of its
/// own, so that it works the same for every server and runtime (and in both bench binaries,
/// which include this file).
pub fn exit_when_stdin_closes() {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let counts = serde_json::to_string(&Allocations::now()).unwrap_or_default();
        println!("{counts}");
        std::process::exit(0);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_allocations_and_their_bytes() {
        // The test harness runs tests on several threads, so other allocations may interleave:
        // only lower bounds hold.
        let before = Allocations::now();
        let mut buffer: Vec<u8> = Vec::with_capacity(1000);
        buffer.reserve_exact(3000);
        std::hint::black_box(&buffer);
        let after = Allocations::now();
        assert!(after.allocations >= before.allocations + 2);
        assert!(after.bytes >= before.bytes + 4000);
    }
}

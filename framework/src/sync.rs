//! Locking the few mutexes a request uses.

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex whose critical sections cannot panic halfway (they push, move or take a
/// value), so a poisoned lock holds consistent data and is used as it is.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

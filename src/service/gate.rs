//! A bounded queue for heavy work (parsing uploaded files): a few run at
//! once, a few more wait their turn, and anyone past that is told at once to
//! come back later (503 with `Retry-After`) instead of stacking up memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::AppError;

pub struct WorkGate {
    slots: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
}

/// Uploads parsed at once per instance, and how many may queue behind them.
pub const UPLOAD_SLOTS: usize = 2;
pub const UPLOAD_QUEUE: usize = 4;
pub const UPLOAD_MAX_WAIT: Duration = Duration::from_secs(15);

impl WorkGate {
    pub fn new(slots: usize, max_waiting: usize, max_wait: Duration) -> WorkGate {
        WorkGate {
            slots: Semaphore::new(slots),
            waiting: AtomicUsize::new(0),
            max_waiting,
            max_wait,
        }
    }

    pub fn for_uploads() -> WorkGate {
        WorkGate::new(UPLOAD_SLOTS, UPLOAD_QUEUE, UPLOAD_MAX_WAIT)
    }

    /// A turn: at once when a slot is free, after a bounded wait in a
    /// bounded queue otherwise, or `Busy` (503, `Retry-After`).
    pub async fn enter(&self) -> Result<SemaphorePermit<'_>, AppError> {
        if let Ok(p) = self.slots.try_acquire() {
            return Ok(p);
        }
        let busy = || AppError::Busy {
            retry_after: self.max_wait.as_secs().max(1),
        };
        // Counted while waiting, and uncounted however the wait ends (a
        // client that hangs up drops this future mid-wait).
        let _place = Waiting::join(&self.waiting, self.max_waiting).ok_or_else(busy)?;
        let turn = tokio::time::timeout(self.max_wait, self.slots.acquire()).await;
        match turn {
            Ok(Ok(p)) => Ok(p),
            _ => Err(busy()),
        }
    }
}

/// A place in the queue; leaving it (by drop) frees it.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn join(count: &'a AtomicUsize, max: usize) -> Option<Waiting<'a>> {
        let place = Waiting(count);
        (count.fetch_add(1, Ordering::SeqCst) < max).then_some(place)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_the_slots_and_the_queue_callers_are_told_to_come_back() {
        let gate = WorkGate::new(1, 1, Duration::from_millis(50));
        let first = gate.enter().await.expect("a free slot");
        // One may wait; it times out while the slot is held.
        let waiter = gate.enter();
        let (waited, refused) = tokio::join!(waiter, async {
            tokio::task::yield_now().await;
            gate.enter().await
        });
        assert!(matches!(refused, Err(AppError::Busy { .. })));
        assert!(matches!(waited, Err(AppError::Busy { .. })));
        drop(first);
        assert!(gate.enter().await.is_ok(), "a freed slot is taken at once");
    }

    #[tokio::test]
    async fn a_caller_that_gives_up_while_waiting_frees_its_place_in_the_queue() {
        let gate = WorkGate::new(1, 1, Duration::from_secs(60));
        let _held = gate.enter().await.expect("a free slot");
        // The waiter is dropped mid-wait, as when a client hangs up.
        let gave_up = tokio::time::timeout(Duration::from_millis(20), gate.enter()).await;
        assert!(gave_up.is_err());
        // Its place is free again: the next caller may wait (and times out
        // waiting, rather than being refused at once as "queue full").
        let next = tokio::time::timeout(Duration::from_millis(20), gate.enter()).await;
        assert!(next.is_err(), "the next caller got a place in the queue");
    }
}

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
        let busy = AppError::Busy {
            retry_after: self.max_wait.as_secs().max(1),
        };
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy);
        }
        let turn = tokio::time::timeout(self.max_wait, self.slots.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        match turn {
            Ok(Ok(p)) => Ok(p),
            _ => Err(busy),
        }
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
}

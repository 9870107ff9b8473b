//! Database threads fed from one queue: an async caller hands its closure to
//! the next free thread and awaits the answer.
//!
//! This replaced "take a permit from an async gate, then `web::block`": a
//! permit handed to a waiting request sat idle until that request's worker
//! thread got round to polling it again, and under the opening-minute load
//! that took tens of milliseconds, so 16 permits let a few hundred reads a
//! second through while the connections idled (reloads waited seconds).
//! Here a thread that finishes a job takes the next one at once; the async
//! side only waits for its own answer.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send>;

/// Up to `max` threads named `name`, started as work arrives and kept while
/// the last handle lives (they end when it is dropped).
pub struct Workers {
    jobs: mpsc::Sender<Job>,
    shared: Arc<Shared>,
    name: &'static str,
}

struct Shared {
    queue: Mutex<mpsc::Receiver<Job>>,
    idle: AtomicUsize,
    started: AtomicUsize,
    max: usize,
}

impl Workers {
    pub fn new(name: &'static str, max: usize) -> Workers {
        let (jobs, queue) = mpsc::channel();
        Workers {
            jobs,
            shared: Arc::new(Shared {
                queue: Mutex::new(queue),
                idle: AtomicUsize::new(0),
                started: AtomicUsize::new(0),
                max: max.max(1),
            }),
            name,
        }
    }

    /// Runs `f` on the next free thread. `f` gets what is left of `wait`
    /// (for taking a pooled connection); a job still queued when `wait` has
    /// passed is answered with 503 without running, and a job whose caller
    /// went away (a client that hung up) is skipped.
    pub async fn run<T, F>(&self, wait: Duration, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(Duration) -> Result<T, AppError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let queued = Instant::now();
        let job: Job = Box::new(move || {
            if reply.is_closed() {
                return;
            }
            let Some(left) = wait.checked_sub(queued.elapsed()) else {
                let _ = reply.send(Err(AppError::Unavailable(format!(
                    "no database connection became free within {} ms",
                    wait.as_millis()
                ))));
                return;
            };
            let out = catch_unwind(AssertUnwindSafe(|| f(left.max(Duration::from_millis(10)))))
                .unwrap_or_else(|_| Err(AppError::Internal("a database job panicked".into())));
            let _ = reply.send(out);
        });
        self.jobs.send(job).map_err(|_| stopped())?;
        self.grow();
        answer.await.map_err(|_| stopped())?
    }

    /// Starts one more thread when none is idle and the cap allows.
    fn grow(&self) {
        let s = &self.shared;
        if s.idle.load(Ordering::Acquire) > 0 {
            return;
        }
        let started = s.started.fetch_add(1, Ordering::AcqRel);
        if started >= s.max {
            s.started.fetch_sub(1, Ordering::AcqRel);
            return;
        }
        let shared = self.shared.clone();
        let spawned = std::thread::Builder::new()
            .name(self.name.into())
            .spawn(move || serve(&shared));
        if let Err(e) = spawned {
            s.started.fetch_sub(1, Ordering::AcqRel);
            tracing::error!(error = %e, "cannot start a database thread");
        }
    }
}

fn serve(s: &Shared) {
    loop {
        s.idle.fetch_add(1, Ordering::AcqRel);
        let next = s.queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
        s.idle.fetch_sub(1, Ordering::AcqRel);
        match next {
            Ok(job) => job(),
            // Every handle is gone: the database was dropped.
            Err(_) => break,
        }
    }
    s.started.fetch_sub(1, Ordering::AcqRel);
}

fn stopped() -> AppError {
    AppError::Unavailable("the database threads have stopped".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_at_most_max_threads_and_all_get_their_answer() {
        let workers = Arc::new(Workers::new("test-db", 3));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut calls = Vec::new();
        for i in 0..30 {
            let (w, running, most) = (workers.clone(), running.clone(), most.clone());
            calls.push(tokio::spawn(async move {
                w.run(Duration::from_secs(10), move |_| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(i)
                })
                .await
            }));
        }
        let mut got = Vec::new();
        for c in calls {
            got.push(c.await.unwrap().unwrap());
        }
        got.sort_unstable();
        assert_eq!(got, (0..30).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!((1..=3).contains(&most), "{most} jobs ran at once");
    }

    #[tokio::test]
    async fn a_job_queued_past_its_wait_is_refused_without_running_and_a_panic_is_an_error() {
        let workers = Workers::new("test-db", 1);
        let ran = Arc::new(AtomicUsize::new(0));
        let slow = workers.run(Duration::from_secs(10), |_| {
            std::thread::sleep(Duration::from_millis(200));
            Ok(())
        });
        let r = ran.clone();
        let late = workers.run(Duration::from_millis(50), move |_| {
            r.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        let (slow, late) = tokio::join!(slow, late);
        assert!(slow.is_ok());
        assert!(matches!(late, Err(AppError::Unavailable(_))), "{late:?}");
        assert_eq!(ran.load(Ordering::SeqCst), 0);

        let panicked: Result<(), AppError> = workers
            .run(Duration::from_secs(1), |_| panic!("boom"))
            .await;
        assert!(matches!(panicked, Err(AppError::Internal(_))));
        // The thread survived the panic and takes the next job.
        assert_eq!(
            workers
                .run(Duration::from_secs(1), |_| Ok(7))
                .await
                .unwrap(),
            7
        );
    }
}

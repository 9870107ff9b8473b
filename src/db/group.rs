//! Group commit for every write on SQLite. Write requests (registrations,
//! starts, submits, closes, …) that arrive together run one after another on
//! the single writer connection inside ONE transaction, each under its own
//! savepoint: a request that fails is rolled back alone, the others commit
//! together, and each caller gets its answer only after that commit. Small
//! transactions each write their pages to the WAL; a batch writes a shared
//! page once.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;

use diesel::r2d2::Pool;
use tokio::sync::{oneshot, Semaphore};

use super::{DbConn, Manager, WriteHealth};
use crate::error::AppError;

/// At most this many requests share one transaction. The group-commit
/// writer and the answer writer take turns at the connection, one batch
/// each: at 256, registrations and starts of an opening minute queued
/// behind each other for seconds (BENCHMARKS.md, #13).
const MAX_BATCH: usize = 1024;

/// Gives the caller its result once the batch's commit is known.
type Deliver = Box<dyn FnOnce(Option<&str>) + Send>;
/// How one request went: committed with the batch, refused on its own
/// (rolled back alone), or refused because the database failed it.
enum Outcome {
    Done,
    Refused,
    Fault(String),
}

/// Runs one request on the connection; says how it went.
type Job = Box<dyn FnOnce(&mut DbConn) -> (Outcome, Deliver) + Send>;

#[derive(Clone)]
pub struct GroupWriter {
    jobs: mpsc::Sender<Job>,
}

impl GroupWriter {
    /// Starts the writer thread. It takes its turn at `gate` for each batch,
    /// like every other user of the writer connection.
    pub fn start(
        pool: Pool<Manager>,
        gate: std::sync::Arc<Semaphore>,
        health: std::sync::Arc<WriteHealth>,
        wait: std::time::Duration,
        runtime: tokio::runtime::Handle,
    ) -> Result<GroupWriter, AppError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || run(pool, gate, health, wait, runtime, queue))
            .map_err(|e| AppError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(GroupWriter { jobs })
    }

    /// Runs `f` in the next batch; resolves after the batch commits.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let (reply, done) = oneshot::channel::<Result<T, AppError>>();
        let job: Job = Box::new(move |conn: &mut DbConn| {
            let result = catch_unwind(AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|_| Err(AppError::Internal("a write request panicked".into())));
            let outcome = match &result {
                Ok(_) => Outcome::Done,
                Err(AppError::Unavailable(why)) => Outcome::Fault(why.clone()),
                Err(_) => Outcome::Refused,
            };
            let deliver: Deliver = Box::new(move |commit_error: Option<&str>| {
                let out = match (result, commit_error) {
                    (Ok(v), None) => Ok(v),
                    // The batch was rolled back: nothing of this request was
                    // stored, whatever it said; the client may try again.
                    (_, Some(e)) => Err(AppError::Unavailable(format!("commit failed: {e}"))),
                    (Err(e), None) => Err(e),
                };
                let _ = reply.send(out);
            });
            (outcome, deliver)
        });
        self.jobs
            .send(job)
            .map_err(|_| AppError::Unavailable("the writer thread has stopped".into()))?;
        // A dropped reply means the batch never ran (no writer connection).
        done.await.map_err(|_| {
            AppError::Unavailable("no database connection for writing; nothing was stored".into())
        })?
    }
}

fn run(
    pool: Pool<Manager>,
    gate: std::sync::Arc<Semaphore>,
    health: std::sync::Arc<WriteHealth>,
    wait: std::time::Duration,
    runtime: tokio::runtime::Handle,
    queue: mpsc::Receiver<Job>,
) {
    use diesel::result::Error as DieselError;
    use diesel::Connection;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let Ok(_permit) = runtime.block_on(gate.acquire()) else {
            return;
        };
        let mut conn = match pool.get_timeout(wait) {
            Ok(c) => c,
            Err(e) => {
                // Dropping the jobs drops their reply senders: callers get 503.
                tracing::error!(error = %e, jobs = batch.len(), "no writer connection");
                health.failed(&e.to_string());
                continue;
            }
        };
        let mut deliveries: Vec<Deliver> = Vec::with_capacity(batch.len());
        let mut fault: Option<String> = None;
        // One transaction; each job in a savepoint of its own (diesel nests
        // transactions as savepoints), rolled back alone when it fails.
        let outcome = conn.transaction::<(), DieselError, _>(|c| {
            for job in batch.drain(..) {
                let mut slot: Option<Deliver> = None;
                let r = c.transaction::<(), DieselError, _>(|c| {
                    let (outcome, deliver) = job(c);
                    slot = Some(deliver);
                    match outcome {
                        Outcome::Done => Ok(()),
                        Outcome::Refused => Err(DieselError::RollbackTransaction),
                        Outcome::Fault(why) => {
                            fault = Some(why);
                            Err(DieselError::RollbackTransaction)
                        }
                    }
                });
                if let Some(d) = slot {
                    deliveries.push(d);
                }
                match r {
                    Ok(()) | Err(DieselError::RollbackTransaction) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        });
        let commit_error = outcome.err().map(|e| {
            tracing::error!(error = %e, jobs = deliveries.len(), "write batch failed");
            // Checked (and dropped if dead) before the pool lends it again.
            conn.failed();
            e.to_string()
        });
        match (&commit_error, &fault) {
            (Some(why), _) => health.failed(why),
            (None, Some(why)) => {
                health.failed(why);
                conn.failed();
            }
            (None, None) => {
                health.succeeded();
                conn.answered();
            }
        }
        for d in deliveries {
            d(commit_error.as_deref());
        }
    }
}

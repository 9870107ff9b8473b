//! Group commit for answer saves, the hottest write: requests that arrive
//! together are stored in one transaction by one writer thread, and each is
//! acknowledged only after that transaction commits. On SQLite this turns
//! thousands of tiny transactions a second into a few large ones on the
//! single writer connection; on PostgreSQL it saves a commit per answer.

use std::sync::mpsc;
use std::thread;

use chrono::NaiveDateTime;
use tokio::sync::oneshot;

use crate::db::attempts::{save_answers, still_open, NewAnswer};
use crate::db::Db;
use crate::domain::kinds::Given;
use crate::error::AppError;

/// At most this many saves go into one transaction.
const MAX_BATCH: usize = 2048;

struct Job {
    attempt_id: String,
    position: i32,
    given: Given,
    at: NaiveDateTime,
    reply: oneshot::Sender<Result<(), AppError>>,
}

/// A handle on the writer thread. Cheap to clone.
#[derive(Clone)]
pub struct AnswerWriter {
    jobs: mpsc::Sender<Job>,
}

impl AnswerWriter {
    /// Starts the writer thread; call from within the server's runtime.
    pub fn start(db: Db) -> AnswerWriter {
        let (jobs, queue) = mpsc::channel::<Job>();
        let runtime = tokio::runtime::Handle::current();
        thread::Builder::new()
            .name("answer-writer".into())
            .spawn(move || run(db, runtime, queue))
            .map(|_| ())
            .unwrap_or_else(
                |e| tracing::error!(error = %e, "cannot start the answer writer thread"),
            );
        AnswerWriter { jobs }
    }

    /// Stores one answer; resolves once it is committed (or refused because
    /// the attempt was finished meanwhile).
    pub async fn save(
        &self,
        attempt_id: String,
        position: i32,
        given: Given,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        let (reply, done) = oneshot::channel();
        self.jobs
            .send(Job {
                attempt_id,
                position,
                given,
                at,
                reply,
            })
            .map_err(|_| AppError::Unavailable("the answer writer has stopped".into()))?;
        done.await
            .map_err(|_| AppError::Unavailable("the answer writer has stopped".into()))?
    }
}

fn run(db: Db, runtime: tokio::runtime::Handle, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // A batch is one transaction of idempotent upserts: when the
        // database fails it (a dropped connection, a restart), it is tried
        // once more on a fresh connection (the failed one is dropped by the
        // pool), and only then answered with 503. Nothing is acknowledged
        // before its commit.
        let mut result = store_batch(&db, &runtime, &batch);
        if let Err(AppError::Unavailable(why)) = &result {
            tracing::warn!(reason = %why, jobs = batch.len(), "answer batch failed; retrying once");
            result = store_batch(&db, &runtime, &batch);
        }
        match result {
            Ok(saved) => {
                for (job, ok) in batch.into_iter().zip(saved) {
                    let _ = job.reply.send(if ok {
                        Ok(())
                    } else {
                        Err(AppError::AttemptClosed)
                    });
                }
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = batch.len(), "answer batch failed");
                for job in batch {
                    let _ = job.reply.send(Err(AppError::Unavailable(format!(
                        "answer batch failed: {e}"
                    ))));
                }
            }
        }
    }
}

/// Stores one batch in one transaction; says which attempts were still open.
fn store_batch(
    db: &Db,
    runtime: &tokio::runtime::Handle,
    batch: &[Job],
) -> Result<Vec<bool>, AppError> {
    let ids: Vec<&str> = batch.iter().map(|j| j.attempt_id.as_str()).collect();
    db.write_in_turn(runtime, |c| {
        // Inside the transaction: attempts finished meanwhile take no more answers.
        let open = still_open(c, &ids)?;
        let saved: Vec<bool> = batch.iter().map(|j| open.contains(&j.attempt_id)).collect();
        let answers: Vec<NewAnswer<'_>> = batch
            .iter()
            .zip(&saved)
            .filter(|(_, ok)| **ok)
            .map(|(j, _)| NewAnswer {
                attempt_id: &j.attempt_id,
                position: j.position,
                given: &j.given,
                at: j.at,
            })
            .collect();
        save_answers(c, &answers)?;
        Ok(saved)
    })
}

//! What an answer save must check about its attempt (owner, deadline, grace,
//! the paper), kept in memory per instance so the hottest request needs no
//! database read. Entries are added when an attempt is started or loaded and
//! dropped when it finishes here; an attempt finished by another instance is
//! still caught, because the answer writer re-checks the status in its
//! transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::domain::bank::Kind;
use crate::domain::paper::PaperItem;

pub struct OpenAttempt {
    pub participant_id: String,
    pub deadline: NaiveDateTime,
    pub grace_seconds: i32,
    /// The paper with each question's kind.
    pub items: Vec<(PaperItem, Kind)>,
}

#[derive(Default)]
pub struct OpenAttempts {
    map: Mutex<HashMap<String, Arc<OpenAttempt>>>,
}

impl OpenAttempts {
    pub fn get(&self, id: &str) -> Option<Arc<OpenAttempt>> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    pub fn insert(&self, id: String, a: OpenAttempt) -> Arc<OpenAttempt> {
        let a = Arc::new(a);
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, a.clone());
        a
    }

    pub fn remove(&self, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// Forgets attempts whose time (plus grace) ended before `now`.
    pub fn prune(&self, now: NaiveDateTime) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, a| {
                a.deadline + chrono::Duration::seconds(a.grace_seconds as i64 + 60) > now
            });
    }
}

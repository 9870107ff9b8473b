//! An in-memory cache of bank versions. Versions are immutable, so a loaded
//! version never goes stale: drawing and scoring papers need no database read
//! for the questions themselves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::db::banks::{questions_of, QuestionRow};
use crate::db::DbConn;
use crate::domain::bank::Question;
use crate::domain::paper::PoolQuestion;
use crate::error::AppError;

pub struct CachedVersion {
    pub id: String,
    /// Questions in version order (index = position − 1).
    pub questions: Vec<Question>,
    pub pool: Vec<PoolQuestion>,
}

#[derive(Default)]
pub struct VersionCache {
    map: Mutex<HashMap<String, Arc<CachedVersion>>>,
}

impl VersionCache {
    pub fn get(&self, conn: &mut DbConn, version_id: &str) -> Result<Arc<CachedVersion>, AppError> {
        if let Some(v) = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(version_id)
        {
            return Ok(v.clone());
        }
        let rows = questions_of(conn, version_id)?;
        if rows.is_empty() {
            return Err(AppError::NotFound);
        }
        let questions: Vec<Question> = rows
            .iter()
            .map(QuestionRow::to_question)
            .collect::<Result<_, _>>()?;
        let pool = questions
            .iter()
            .map(|q| PoolQuestion {
                topic: q.topic.clone(),
                difficulty: q.difficulty,
                kind: q.kind,
                options: q.options.len(),
                correct: q.correct.clone(),
                points: q.points,
                typed: q.typed.clone(),
            })
            .collect();
        let v = Arc::new(CachedVersion {
            id: version_id.to_string(),
            questions,
            pool,
        });
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(version_id.to_string(), v.clone());
        Ok(v)
    }
}

//! Boards from memory. Everyone refreshes the board in the opening minute
//! and at the close; building one reads the database (a page of results,
//! the people ahead of it, the unit figures) and serializes it. Each
//! instance keeps the boards it was asked for, with their JSON, and:
//!
//! - serves a copy younger than [`FRESH`] as is;
//! - serves a copy younger than [`MAX_STALE`] as is and has one task build
//!   the next (the readers do not wait for it);
//! - otherwise (no copy, or too old) builds it once while every concurrent
//!   reader of that key waits for that one build (no stampede);
//! - never serves a copy past the moment, on the application's clock, when
//!   its content must change by itself (a round's end: the board becomes
//!   final), nor after this instance closed, reopened or re-ranked the
//!   round (those drop the contest's copies).
//!
//! So a board is never more than [`MAX_STALE`] old while a round is open,
//! and exact once it is frozen. Other instances learn of a close within
//! [`MAX_STALE`] too: each instance keeps its own copies, no cache server.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::error::AppError;
use crate::service::rankings::{Board, Live, Metric, UnitBoard};

/// A copy younger than this is served without a rebuild.
pub const FRESH: Duration = Duration::from_secs(1);
/// A copy older than this is never served.
pub const MAX_STALE: Duration = Duration::from_secs(2);
/// Keys kept per kind of board, and bytes (twice the JSON: the value and
/// its JSON) kept per kind; past either, new keys are built for each
/// request, so a flood of odd offsets or 500-row pages cannot grow memory.
pub const MAX_KEYS: usize = 2_048;
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Which board: a page of the person board, a unit board, the live counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BoardKey {
    People {
        slug: String,
        round: i32,
        unit: Option<String>,
        limit: i64,
        offset: i64,
    },
    Units {
        slug: String,
        round: i32,
        parent: Option<String>,
        metric: Metric,
    },
    Live {
        slug: String,
        round: i32,
    },
}

impl BoardKey {
    fn slug(&self) -> &str {
        match self {
            BoardKey::People { slug, .. }
            | BoardKey::Units { slug, .. }
            | BoardKey::Live { slug, .. } => slug,
        }
    }
}

/// A board as built: the value (for the pages), its JSON (for the API),
/// and the moment on the application's clock from which it is wrong by
/// itself (a round's end, an opening), if any.
#[derive(Debug)]
pub struct Built<V> {
    pub value: V,
    pub json: Bytes,
    pub valid_until: Option<NaiveDateTime>,
}

impl<V: Serialize> Built<V> {
    pub fn new(value: V, valid_until: Option<NaiveDateTime>) -> Result<Self, AppError> {
        let json = serde_json::to_vec(&value)
            .map_err(|e| AppError::Internal(format!("cannot serialize a board: {e}")))?;
        Ok(Built {
            value,
            json: Bytes::from(json),
            valid_until,
        })
    }
}

struct Copy<V> {
    built: Arc<Built<V>>,
    /// When its build began.
    at: Instant,
}

struct Slot<V> {
    current: Mutex<Option<Copy<V>>>,
    /// Held by whoever builds this key's next copy.
    building: Arc<tokio::sync::Mutex<()>>,
    /// The cache's count of bytes kept, which this slot's copy is part of.
    bytes: Arc<AtomicUsize>,
}

impl<V> Drop for Slot<V> {
    /// A slot dropped from the map may still get a copy from a rebuild that
    /// was under way: what it holds is given back when its last user goes.
    fn drop(&mut self) {
        let current = self.current.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = current.take() {
            self.bytes.fetch_sub(weight(&old.built), Ordering::Relaxed);
        }
    }
}

/// What a copy counts against [`MAX_BYTES`].
fn weight<V>(built: &Built<V>) -> usize {
    2 * built.json.len()
}

impl<V> Slot<V> {
    fn current(&self) -> std::sync::MutexGuard<'_, Option<Copy<V>>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The copy, if it may be served at `now`, with its age.
    fn usable(&self, now: NaiveDateTime) -> Option<(Arc<Built<V>>, Duration)> {
        self.current()
            .as_ref()
            .filter(|c| c.built.valid_until.is_none_or(|until| now < until))
            .map(|c| (c.built.clone(), c.at.elapsed()))
            .filter(|(_, age)| *age < MAX_STALE)
    }

    /// Keeps a copy whose build began at `started` (its age counts from
    /// then: what it read may be that old).
    fn store(&self, built: Arc<Built<V>>, started: Instant) {
        self.bytes.fetch_add(weight(&built), Ordering::Relaxed);
        let old = self.current().replace(Copy { built, at: started });
        if let Some(old) = old {
            self.bytes.fetch_sub(weight(&old.built), Ordering::Relaxed);
        }
    }

    /// Gives back what this slot's copy counted (the slot is dropped).
    fn release(&self) {
        let old = self.current().take();
        if let Some(old) = old {
            self.bytes.fetch_sub(weight(&old.built), Ordering::Relaxed);
        }
    }
}

/// One kind of board's copies on this instance.
pub struct Cache<V> {
    slots: Mutex<HashMap<BoardKey, Arc<Slot<V>>>>,
    bytes: Arc<AtomicUsize>,
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Cache {
            slots: Mutex::new(HashMap::new()),
            bytes: Arc::default(),
        }
    }
}

impl<V: Send + Sync + 'static> Cache<V> {
    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<BoardKey, Arc<Slot<V>>>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key's slot; None when the cache is full of live keys.
    fn slot(&self, key: &BoardKey) -> Option<Arc<Slot<V>>> {
        let mut slots = self.slots();
        if let Some(s) = slots.get(key) {
            return Some(s.clone());
        }
        let full = |slots: &HashMap<BoardKey, Arc<Slot<V>>>| {
            slots.len() >= MAX_KEYS || self.bytes.load(Ordering::Relaxed) >= MAX_BYTES
        };
        if full(&slots) {
            slots.retain(|_, s| {
                let live = s
                    .current()
                    .as_ref()
                    .is_some_and(|c| c.at.elapsed() < MAX_STALE);
                if !live {
                    s.release();
                }
                live
            });
            if full(&slots) {
                return None;
            }
        }
        let slot = Arc::new(Slot {
            current: Mutex::new(None),
            building: Arc::default(),
            bytes: self.bytes.clone(),
        });
        slots.insert(key.clone(), slot.clone());
        Some(slot)
    }

    /// The board for `key` as the module says: a fresh copy, a recent copy
    /// while one task builds the next, or the one build every reader waits for.
    /// `now` is the application's clock.
    pub async fn get<F, Fut>(
        &self,
        key: BoardKey,
        now: NaiveDateTime,
        build: F,
    ) -> Result<Arc<Built<V>>, AppError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Built<V>, AppError>> + Send + 'static,
    {
        let Some(slot) = self.slot(&key) else {
            return build().await.map(Arc::new);
        };
        if let Some((copy, age)) = slot.usable(now) {
            if age < FRESH {
                return Ok(copy);
            }
            // Recent enough: serve it; one task builds the next.
            if let Ok(turn) = slot.building.clone().try_lock_owned() {
                let slot = slot.clone();
                tokio::spawn(async move {
                    let started = Instant::now();
                    match build().await {
                        Ok(built) => slot.store(Arc::new(built), started),
                        Err(e) => tracing::warn!(error = %e, "a board could not be rebuilt"),
                    }
                    drop(turn);
                });
            }
            return Ok(copy);
        }
        // None to serve: one build, which the other readers wait for.
        let _turn = slot.building.lock().await;
        if let Some((copy, age)) = slot.usable(now) {
            if age < FRESH {
                return Ok(copy);
            }
        }
        let started = Instant::now();
        let built = Arc::new(build().await?);
        slot.store(built.clone(), started);
        Ok(built)
    }

    /// Drops every copy of a contest's boards (after a close, a reopening,
    /// a re-ranking on this instance).
    pub fn forget(&self, slug: &str) {
        self.slots().retain(|k, s| {
            let keep = k.slug() != slug;
            if !keep {
                s.release();
            }
            keep
        });
    }

    /// Bytes the copies count against [`MAX_BYTES`].
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// The board caches of an instance.
#[derive(Default)]
pub struct Boards {
    pub people: Cache<Board>,
    pub units: Cache<UnitBoard>,
    pub live: Cache<Live>,
}

impl Boards {
    /// Drops every copy of a contest's boards.
    pub fn forget(&self, slug: &str) {
        self.people.forget(slug);
        self.units.forget(slug);
        self.live.forget(slug);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(n: i32) -> BoardKey {
        BoardKey::Live {
            slug: "hoi-thi".into(),
            round: n,
        }
    }

    fn at(h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 26)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap_or_default()
    }

    /// How long a test build takes: long enough that a reader who waited
    /// for one cannot be mistaken for one who did not, on a busy machine.
    const BUILD_MS: u64 = 200;

    async fn get(
        cache: &Cache<usize>,
        builds: &Arc<AtomicUsize>,
        now: NaiveDateTime,
        until: Option<NaiveDateTime>,
    ) -> usize {
        let builds = builds.clone();
        cache
            .get(key(1), now, move || async move {
                tokio::time::sleep(Duration::from_millis(BUILD_MS)).await;
                let n = builds.fetch_add(1, Ordering::SeqCst) + 1;
                Built::new(n, until)
            })
            .await
            .map(|b| b.value)
            .unwrap_or(0)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_wait_for_one_build_and_fresh_copies_are_served() {
        let cache = Arc::new(Cache::<usize>::default());
        let builds = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..50)
            .map(|_| {
                let (cache, builds) = (cache.clone(), builds.clone());
                tokio::spawn(async move { get(&cache, &builds, at(8), None).await })
            })
            .collect();
        for r in readers {
            assert_eq!(r.await.unwrap(), 1, "everyone got the one build");
        }
        assert_eq!(builds.load(Ordering::SeqCst), 1, "no stampede");
        assert_eq!(get(&cache, &builds, at(8), None).await, 1, "fresh: served");
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_recent_copy_is_served_while_one_task_builds_the_next() {
        let cache = Cache::<usize>::default();
        let builds = Arc::new(AtomicUsize::new(0));
        assert_eq!(get(&cache, &builds, at(8), None).await, 1);
        tokio::time::sleep(FRESH + Duration::from_millis(100)).await;
        // Past FRESH: the old copy at once, and a single rebuild behind it.
        let t = Instant::now();
        assert_eq!(get(&cache, &builds, at(8), None).await, 1);
        assert_eq!(get(&cache, &builds, at(8), None).await, 1);
        assert!(
            t.elapsed() < Duration::from_millis(BUILD_MS * 3 / 4),
            "no one waited"
        );
        tokio::time::sleep(Duration::from_millis(BUILD_MS * 2)).await;
        assert_eq!(builds.load(Ordering::SeqCst), 2, "one rebuild");
        assert_eq!(get(&cache, &builds, at(8), None).await, 2, "the new copy");
    }

    #[tokio::test]
    async fn a_copy_is_never_served_past_max_stale_its_valid_until_or_a_forget() {
        let cache = Cache::<usize>::default();
        let builds = Arc::new(AtomicUsize::new(0));
        assert_eq!(get(&cache, &builds, at(8), Some(at(9))).await, 1);
        assert_eq!(get(&cache, &builds, at(8), Some(at(9))).await, 1);
        assert_eq!(
            get(&cache, &builds, at(9), None).await,
            2,
            "the round ended on the application's clock: built again"
        );
        cache.forget("khac");
        assert_eq!(
            get(&cache, &builds, at(9), None).await,
            2,
            "another contest"
        );
        cache.forget("hoi-thi");
        assert_eq!(get(&cache, &builds, at(9), None).await, 3, "dropped");
        tokio::time::sleep(MAX_STALE + Duration::from_millis(50)).await;
        assert_eq!(
            get(&cache, &builds, at(9), None).await,
            4,
            "too old: the reader waits for a new one"
        );
    }

    #[tokio::test]
    async fn a_failed_build_is_not_kept_and_a_full_cache_builds_per_request() {
        let cache = Cache::<usize>::default();
        let failed = cache
            .get(key(1), at(8), || async { Err(AppError::NotFound) })
            .await;
        assert!(matches!(failed, Err(AppError::NotFound)));
        for n in 0..MAX_KEYS as i32 {
            let _ = cache
                .get(key(n), at(8), || async { Built::new(0, None) })
                .await;
        }
        let builds = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let b = builds.clone();
            let _ = cache
                .get(key(-1), at(8), move || async move {
                    b.fetch_add(1, Ordering::SeqCst);
                    Built::new(0, None)
                })
                .await;
        }
        assert_eq!(
            builds.load(Ordering::SeqCst),
            2,
            "not kept: the cache is full"
        );
        assert!(cache.slots().len() <= MAX_KEYS);
    }

    #[tokio::test]
    async fn big_boards_count_against_the_byte_budget_and_a_forget_gives_it_back() {
        let cache = Cache::<String>::default();
        let page = "x".repeat(1024 * 1024);
        let per_copy = 2 * (1024 * 1024 + 2);
        let mut kept = 0;
        for n in 0..100 {
            let page = page.clone();
            let _ = cache
                .get(key(n), at(8), move || async move { Built::new(page, None) })
                .await;
            if cache
                .slots()
                .get(&key(n))
                .is_some_and(|s| s.current().is_some())
            {
                kept += 1;
            }
            // At every step, whatever the clock did (a copy older than
            // MAX_STALE may be dropped to make room on a slow machine):
            // 100 copies of 2 MB never add up past the budget.
            assert!(
                cache.bytes() < MAX_BYTES + per_copy,
                "{} bytes kept after {} boards",
                cache.bytes(),
                n + 1
            );
        }
        assert!(kept >= MAX_BYTES / per_copy, "kept {kept}");
        cache.forget("hoi-thi");
        assert_eq!(cache.bytes(), 0);
        assert!(cache.slots().is_empty());
    }
}

//! Ranking rules (DESIGN §2): each person's best attempt, ordered by
//! score desc → |prediction − actual| asc → duration asc → submitted at asc
//! → attempts used asc. "Actual" is known only when the round closes, so the
//! board before that ranks without it. People equal on every key share a rank.

use std::cmp::Ordering;

use chrono::NaiveDateTime;

use crate::domain::contest::PredictionTarget;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub participant_id: String,
    pub score: i32,
    pub max_score: i32,
    pub prediction: Option<i64>,
    pub duration_ms: i64,
    pub finished_at: NaiveDateTime,
    pub attempts_used: i32,
}

/// The prediction's distance from the actual value; no prediction is the farthest.
fn distance(prediction: Option<i64>, actual: Option<i64>) -> i64 {
    match (prediction, actual) {
        (_, None) => 0,
        (Some(p), Some(a)) => (p - a).abs(),
        (None, Some(_)) => i64::MAX,
    }
}

/// The largest page of a board.
pub const MAX_PAGE: i64 = 500;
/// How far down a board may be paged (far beyond any contest's size).
pub const MAX_OFFSET: i64 = 10_000_000;

/// A board's page: `limit` rows (default 100) from `offset` (default 0),
/// or why not, naming the limits.
pub fn page(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64), crate::domain::Invalid> {
    let limit = limit.unwrap_or(100);
    let offset = offset.unwrap_or(0);
    if (1..=MAX_PAGE).contains(&limit) && (0..=MAX_OFFSET).contains(&offset) {
        Ok((limit, offset))
    } else {
        Err(crate::domain::Invalid::new(
            format!(
                "Phân trang không hợp lệ: limit từ 1 đến {MAX_PAGE}, offset từ 0 đến {MAX_OFFSET}."
            ),
            format!("Invalid paging: limit 1 to {MAX_PAGE}, offset 0 to {MAX_OFFSET}."),
        ))
    }
}

pub fn compare(a: &Entry, b: &Entry, actual: Option<i64>) -> Ordering {
    b.score
        .cmp(&a.score)
        .then_with(|| distance(a.prediction, actual).cmp(&distance(b.prediction, actual)))
        .then_with(|| a.duration_ms.cmp(&b.duration_ms))
        .then_with(|| a.finished_at.cmp(&b.finished_at))
        .then_with(|| a.attempts_used.cmp(&b.attempts_used))
}

/// The value predictions are measured against.
pub fn actual(entries: &[Entry], target: PredictionTarget) -> i64 {
    match target {
        PredictionTarget::Perfect => entries
            .iter()
            .filter(|e| e.max_score > 0 && e.score == e.max_score)
            .count() as i64,
        PredictionTarget::Participants => entries.len() as i64,
    }
}

/// Sorts the entries and returns each one's rank (1-based, ties share).
pub fn rank(entries: &mut [Entry], actual: Option<i64>) -> Vec<i64> {
    entries.sort_by(|a, b| compare(a, b, actual));
    competition_ranks(entries, |a, b| compare(a, b, actual) == Ordering::Equal)
}

/// A person's result in a round, as the board compares them: the score,
/// then the time taken, then when it was finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub score: i32,
    pub duration_ms: i64,
    pub finished_at: NaiveDateTime,
}

impl Standing {
    /// Whether `self` ranks strictly before `other` (higher score, then
    /// faster, then earlier); the one rule for which of two results counts.
    pub fn beats(&self, other: &Standing) -> bool {
        (-self.score, self.duration_ms, self.finished_at)
            < (-other.score, other.duration_ms, other.finished_at)
    }
}

/// Competition ranking ("1, 2, 2, 4") of items already in order: an item
/// tied with the one before it shares its rank, any other is ranked by its
/// place.
pub fn competition_ranks<T>(sorted: &[T], tied: impl Fn(&T, &T) -> bool) -> Vec<i64> {
    page_ranks(sorted, tied, 0, 1)
}

/// The same for one page of a longer ranking: the page starts after
/// `offset` items and its first item has rank `first` (lower than
/// `offset + 1` when it ties with items on the pages before).
pub fn page_ranks<T>(
    sorted: &[T],
    tied: impl Fn(&T, &T) -> bool,
    offset: i64,
    first: i64,
) -> Vec<i64> {
    let mut ranks: Vec<i64> = Vec::with_capacity(sorted.len());
    for (i, item) in sorted.iter().enumerate() {
        let rank = match (i, ranks.last()) {
            (0, _) => first,
            (_, Some(prev)) if tied(&sorted[i - 1], item) => *prev,
            _ => offset + i as i64 + 1,
        };
        ranks.push(rank);
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_have_defaults_and_limits() {
        assert_eq!(page(None, None), Ok((100, 0)));
        assert_eq!(
            page(Some(MAX_PAGE), Some(MAX_OFFSET)),
            Ok((MAX_PAGE, MAX_OFFSET))
        );
        for (l, o) in [
            (0, 0),
            (MAX_PAGE + 1, 0),
            (1, -1),
            (1, MAX_OFFSET + 1),
            (i64::MIN, i64::MAX),
        ] {
            assert!(page(Some(l), Some(o)).is_err(), "{l} {o}");
        }
    }

    fn t(s: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(10, 0, s)
            .unwrap()
    }

    fn e(
        id: &str,
        score: i32,
        prediction: Option<i64>,
        duration_ms: i64,
        at: u32,
        used: i32,
    ) -> Entry {
        Entry {
            participant_id: id.into(),
            score,
            max_score: 20,
            prediction,
            duration_ms,
            finished_at: t(at),
            attempts_used: used,
        }
    }

    fn ids(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.participant_id.as_str()).collect()
    }

    /// Ties at every level: score, prediction distance, duration, time, attempts.
    fn round() -> Vec<Entry> {
        vec![
            e("attempts-2", 20, Some(3), 1000, 5, 2),
            e("low-score", 19, Some(2), 100, 1, 1),
            e("far-guess", 20, Some(12), 100, 1, 1),
            e("no-guess", 20, None, 100, 1, 1),
            e("slower", 20, Some(3), 2000, 1, 1),
            e("later", 20, Some(3), 1000, 9, 1),
            e("attempts-1", 20, Some(3), 1000, 5, 1),
            e("twin-a", 18, Some(1), 500, 3, 1),
            e("twin-b", 18, Some(1), 500, 3, 1),
        ]
    }

    #[test]
    fn the_final_order_applies_every_tie_break_in_turn() {
        let mut r = round();
        let actual = actual(&r, PredictionTarget::Perfect);
        assert_eq!(actual, 6, "six people have 20/20");
        let ranks = rank(&mut r, Some(actual));
        assert_eq!(
            ids(&r),
            [
                "attempts-1",
                "attempts-2",
                "later",
                "slower",
                "far-guess",
                "no-guess",
                "low-score",
                "twin-a",
                "twin-b"
            ]
        );
        assert_eq!(
            ranks,
            [1, 2, 3, 4, 5, 6, 7, 8, 8],
            "people equal on every key share a rank"
        );
    }

    #[test]
    fn before_close_the_prediction_does_not_count() {
        let mut r = round();
        rank(&mut r, None);
        assert_eq!(
            &ids(&r)[..4],
            ["far-guess", "no-guess", "attempts-1", "attempts-2"],
            "shortest duration first among 20s"
        );
    }

    #[test]
    fn the_actual_value_can_be_the_number_of_participants() {
        assert_eq!(actual(&round(), PredictionTarget::Participants), 9);
    }

    #[test]
    fn competition_ranking_shares_ties_and_skips_after_them() {
        let scores = [9, 7, 7, 5, 5, 5, 1];
        assert_eq!(
            competition_ranks(&scores, |a, b| a == b),
            [1, 2, 2, 4, 4, 4, 7]
        );
        // The second page (offset 3) starts in a tie with the page before.
        assert_eq!(page_ranks(&scores[3..], |a, b| a == b, 3, 3), [3, 3, 3, 7]);
        assert!(competition_ranks::<i32>(&[], |a, b| a == b).is_empty());
    }

    #[test]
    fn a_better_standing_has_more_points_then_less_time_then_an_earlier_finish() {
        let s = |score, duration_ms, at| Standing {
            score,
            duration_ms,
            finished_at: t(at),
        };
        assert!(s(8, 900, 5).beats(&s(7, 100, 1)));
        assert!(s(8, 100, 5).beats(&s(8, 900, 1)));
        assert!(s(8, 100, 1).beats(&s(8, 100, 5)));
        assert!(!s(8, 100, 1).beats(&s(8, 100, 1)), "a tie does not beat");
    }
}

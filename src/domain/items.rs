//! Item analysis for organizers fixing their banks: per question, how often
//! it was drawn, its facility (share answered right), its discrimination
//! (share right in the top 27 % of attempts by score minus in the bottom
//! 27 %), and how often each option was chosen.

use std::collections::BTreeMap;

use serde::Serialize;

/// One answered question of one finished attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The question's index in the bank version.
    pub question: u32,
    /// Original option indexes chosen (after undoing the shuffle).
    pub chosen: Vec<usize>,
    pub right: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptItems {
    pub score: i32,
    pub items: Vec<Answered>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemStats {
    pub question: u32,
    pub drawn: usize,
    pub facility: f64,
    pub discrimination: Option<f64>,
    /// Times each original option was chosen.
    pub option_counts: Vec<usize>,
    /// Too hard (< 0.2), too easy (> 0.95) or negatively discriminating.
    pub flagged: bool,
}

/// Computes the statistics; `options` gives each question's option count.
pub fn analyse(attempts: &[AttemptItems], options: impl Fn(u32) -> usize) -> Vec<ItemStats> {
    let mut order: Vec<usize> = (0..attempts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(attempts[i].score));
    let group = ((attempts.len() as f64) * 0.27).round() as usize;
    let upper: Vec<usize> = order.iter().take(group).copied().collect();
    let lower: Vec<usize> = order.iter().rev().take(group).copied().collect();

    let mut by_q: BTreeMap<u32, (usize, usize, Vec<usize>)> = BTreeMap::new();
    for a in attempts {
        for it in &a.items {
            let e = by_q
                .entry(it.question)
                .or_insert_with(|| (0, 0, vec![0; options(it.question)]));
            e.0 += 1;
            if it.right {
                e.1 += 1;
            }
            for &o in &it.chosen {
                if let Some(c) = e.2.get_mut(o) {
                    *c += 1;
                }
            }
        }
    }
    let share_right = |group: &[usize], q: u32| -> Option<f64> {
        let answered: Vec<bool> = group
            .iter()
            .filter_map(|&i| {
                attempts[i]
                    .items
                    .iter()
                    .find(|it| it.question == q)
                    .map(|it| it.right)
            })
            .collect();
        (!answered.is_empty())
            .then(|| answered.iter().filter(|r| **r).count() as f64 / answered.len() as f64)
    };
    by_q.into_iter()
        .map(|(q, (drawn, right, option_counts))| {
            let facility = right as f64 / drawn as f64;
            let discrimination = match (share_right(&upper, q), share_right(&lower, q)) {
                (Some(u), Some(l)) if group > 0 => Some(u - l),
                _ => None,
            };
            ItemStats {
                question: q,
                drawn,
                facility,
                discrimination,
                option_counts,
                flagged: !(0.2..=0.95).contains(&facility)
                    || discrimination.is_some_and(|d| d < 0.0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(score: i32, items: &[(u32, usize, bool)]) -> AttemptItems {
        AttemptItems {
            score,
            items: items
                .iter()
                .map(|&(q, o, r)| Answered {
                    question: q,
                    chosen: vec![o],
                    right: r,
                })
                .collect(),
        }
    }

    #[test]
    fn numbers_on_a_small_fixed_round_match_hand_computation() {
        // 10 attempts → groups of round(2.7) = 3. Question 0 is right for the
        // top 4 scorers only; question 1 is right for the bottom 3 only.
        let attempts: Vec<AttemptItems> = (0..10)
            .map(|i| {
                let score = 10 - i;
                a(
                    score,
                    &[
                        (0, if i < 4 { 1 } else { 2 }, i < 4),
                        (1, if i >= 7 { 0 } else { 3 }, i >= 7),
                    ],
                )
            })
            .collect();
        let stats = analyse(&attempts, |_| 4);
        let q0 = &stats[0];
        assert_eq!(q0.drawn, 10);
        assert!((q0.facility - 0.4).abs() < 1e-12);
        assert_eq!(
            q0.discrimination,
            Some(1.0),
            "top 3 all right, bottom 3 all wrong"
        );
        assert_eq!(q0.option_counts, [0, 4, 6, 0]);
        assert!(!q0.flagged);
        let q1 = &stats[1];
        assert!((q1.facility - 0.3).abs() < 1e-12);
        assert_eq!(q1.discrimination, Some(-1.0));
        assert!(q1.flagged, "negative discrimination");
    }

    #[test]
    fn too_easy_and_too_hard_questions_are_flagged() {
        let easy: Vec<AttemptItems> = (0..20).map(|i| a(i, &[(5, 0, true)])).collect();
        assert!(analyse(&easy, |_| 2)[0].flagged, "facility 1.0 > 0.95");
        let hard: Vec<AttemptItems> = (0..20).map(|i| a(i, &[(5, 1, i == 0)])).collect();
        assert!(analyse(&hard, |_| 2)[0].flagged, "facility 0.05 < 0.2");
    }
}

//! Papers: the blueprint (N questions per topic × difficulty), the seeded
//! draw with per-attempt option shuffling, server-side scoring, and the
//! timing rules. All pure and deterministic: the same seed and bank version
//! give the same paper, so any paper can be audited later.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, NaiveDateTime};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::domain::bank::{Difficulty, Kind};
use crate::domain::kinds::{self, Given};
use crate::error::Problem;

pub const MAX_PAPER_QUESTIONS: u32 = 200;

/// One blueprint cell: draw `count` questions of `topic` at `difficulty`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cell {
    pub topic: String,
    pub difficulty: Difficulty,
    pub count: u32,
}

/// What the draw and the scoring need to know about each question of a
/// version, indexed by its position in the version (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolQuestion {
    pub topic: String,
    pub difficulty: Difficulty,
    pub kind: Kind,
    pub options: usize,
    pub correct: Vec<usize>,
    pub points: u32,
    /// The key of a typed question (None for choice kinds).
    pub typed: Option<kinds::TypedKey>,
}

/// Checks a blueprint against what the bank version holds; every problem names its cell.
pub fn validate_blueprint(cells: &[Cell], pool: &[PoolQuestion]) -> Result<(), Vec<Problem>> {
    let mut available: HashMap<(&str, Difficulty), u32> = HashMap::new();
    // Survey questions are not drawn: every first paper of a round has them.
    for q in pool.iter().filter(|q| q.kind != Kind::Survey) {
        *available
            .entry((q.topic.as_str(), q.difficulty))
            .or_default() += 1;
    }
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, c) in cells.iter().enumerate() {
        let name = format!("{} × {}", c.topic, c.difficulty.label_vi());
        let name_en = format!("{} × {}", c.topic, c.difficulty.as_str());
        if !seen.insert((c.topic.clone(), c.difficulty)) {
            problems.push(Problem::new(
                i + 1,
                "blueprint",
                format!("Ô {name} bị lặp."),
                format!("Cell {name_en} appears twice."),
            ));
        }
        let have = available
            .get(&(c.topic.as_str(), c.difficulty))
            .copied()
            .unwrap_or(0);
        if c.count == 0 {
            problems.push(Problem::new(
                i + 1,
                "blueprint",
                format!("Ô {name}: số câu phải lớn hơn 0."),
                format!("Cell {name_en}: the count must be above 0."),
            ));
        } else if c.count > have {
            problems.push(Problem::new(
                i + 1,
                "blueprint",
                format!(
                    "Ô {name}: cần {} câu nhưng ngân hàng chỉ có {have}.",
                    c.count
                ),
                format!(
                    "Cell {name_en}: asks for {} questions but the bank has {have}.",
                    c.count
                ),
            ));
        }
    }
    let total: u32 = cells.iter().map(|c| c.count).sum();
    if cells.is_empty() || total == 0 || total > MAX_PAPER_QUESTIONS {
        problems.push(Problem::new(
            0,
            "blueprint",
            format!("Đề thi phải có từ 1 đến {MAX_PAPER_QUESTIONS} câu (đang là {total})."),
            format!("A paper has 1 to {MAX_PAPER_QUESTIONS} questions ({total} asked)."),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// One question of a paper: the question's index in the version, and the
/// order its options are shown in (`order[k]` is the original option shown
/// under key `LETTERS[k]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperItem {
    pub q: u32,
    pub o: Vec<u8>,
}

pub type Paper = Vec<PaperItem>;

/// A uniform integer below `n` from the raw ChaCha stream (rejection
/// sampling written here, so papers stay reproducible whatever `rand` does).
fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return (v % n) as usize;
        }
    }
}

fn shuffle<T>(rng: &mut ChaCha8Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = below(rng, i + 1);
        items.swap(i, j);
    }
}

/// Draws a paper. Assumes a validated blueprint (a short cell draws what exists).
pub fn draw(seed: u64, pool: &[PoolQuestion], cells: &[Cell]) -> Paper {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut chosen: Vec<u32> = Vec::new();
    for c in cells {
        let mut candidates: Vec<u32> = pool
            .iter()
            .enumerate()
            .filter(|(_, q)| {
                q.topic == c.topic && q.difficulty == c.difficulty && q.kind != Kind::Survey
            })
            .map(|(i, _)| i as u32)
            .collect();
        let take = (c.count as usize).min(candidates.len());
        for i in 0..take {
            let j = i + below(&mut rng, candidates.len() - i);
            candidates.swap(i, j);
        }
        chosen.extend_from_slice(&candidates[..take]);
    }
    shuffle(&mut rng, &mut chosen);
    chosen
        .into_iter()
        .map(|q| {
            let question = &pool[q as usize];
            let mut o: Vec<u8> = (0..question.options as u8).collect();
            if question.kind != Kind::TrueFalse {
                shuffle(&mut rng, &mut o);
            }
            PaperItem { q, o }
        })
        .collect()
}

/// A paper with the version's survey questions after the drawn ones, in
/// the bank's order, their options in the bank's order (a person's first
/// attempt in a round: the only one whose survey answers count).
pub fn with_surveys(mut paper: Paper, pool: &[PoolQuestion]) -> Paper {
    paper.extend(
        pool.iter()
            .enumerate()
            .filter(|(_, q)| q.kind == Kind::Survey)
            .map(|(i, q)| PaperItem {
                q: i as u32,
                o: (0..q.options as u8).collect(),
            }),
    );
    paper
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Score {
    pub score: i32,
    pub max_score: i32,
    pub correct: i32,
    pub total: i32,
}

/// Where an attempt stands: being answered, handed in, or closed by the
/// server at its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AttemptStatus {
    Open,
    Submitted,
    Expired,
}

crate::domain::text_enum!(AttemptStatus, "Trạng thái bài thi", "attempt status", {
    Open => "open",
    Submitted => "submitted",
    Expired => "expired",
});

/// Scores a paper: a question scores its points only when its answer is
/// right by its kind's rule (`kinds::grade`). `answers` maps 1-based
/// positions to what was saved.
pub fn score(paper: &Paper, pool: &[PoolQuestion], answers: &HashMap<i32, Given>) -> Score {
    let mut s = Score {
        score: 0,
        max_score: 0,
        correct: 0,
        total: 0,
    };
    for (i, item) in paper.iter().enumerate() {
        let Some(q) = pool.get(item.q as usize) else {
            continue;
        };
        // Surveys are not scored: not in the total either.
        if q.kind == Kind::Survey {
            continue;
        }
        s.total += 1;
        s.max_score += q.points as i32;
        let right = answers
            .get(&(i as i32 + 1))
            .is_some_and(|given| kinds::grade(item, q, given));
        if right {
            s.score += q.points as i32;
            s.correct += 1;
        }
    }
    s
}

/// The deadline fixed at start: start + duration, capped by the round's close.
pub fn deadline(start: NaiveDateTime, minutes: i32, close: Option<NaiveDateTime>) -> NaiveDateTime {
    let by_duration = start + Duration::minutes(minutes as i64);
    match close {
        Some(c) if c < by_duration => c,
        _ => by_duration,
    }
}

/// Answers and submissions are accepted until the deadline plus the grace window.
pub fn accepts(now: NaiveDateTime, deadline: NaiveDateTime, grace_seconds: i32) -> bool {
    now <= deadline + Duration::seconds(grace_seconds as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kinds::choice;

    fn pool() -> Vec<PoolQuestion> {
        let mut p = Vec::new();
        for topic in ["a", "b"] {
            for d in Difficulty::ALL {
                for i in 0..5 {
                    p.push(PoolQuestion {
                        topic: topic.into(),
                        difficulty: d,
                        kind: if i == 4 {
                            Kind::TrueFalse
                        } else if i == 3 {
                            Kind::Multiple
                        } else {
                            Kind::Single
                        },
                        options: if i == 4 { 2 } else { 4 },
                        correct: if i == 3 { vec![0, 2] } else { vec![1] },
                        points: 1 + (i as u32 % 2),
                        typed: None,
                    });
                }
            }
        }
        p
    }

    fn blueprint() -> Vec<Cell> {
        vec![
            Cell {
                topic: "a".into(),
                difficulty: Difficulty::Easy,
                count: 3,
            },
            Cell {
                topic: "b".into(),
                difficulty: Difficulty::Hard,
                count: 2,
            },
            Cell {
                topic: "a".into(),
                difficulty: Difficulty::Medium,
                count: 5,
            },
        ]
    }

    #[test]
    fn the_same_seed_gives_the_same_paper_and_another_seed_another() {
        let p = pool();
        assert_eq!(draw(42, &p, &blueprint()), draw(42, &p, &blueprint()));
        assert_ne!(draw(42, &p, &blueprint()), draw(43, &p, &blueprint()));
    }

    // The paper seed 7 gives with this pool and blueprint, recorded once.
    const PINNED_QUESTIONS: [u32; 10] = [6, 8, 5, 2, 26, 0, 28, 3, 7, 9];
    const PINNED_FIRST_ORDER: [u8; 4] = [3, 2, 0, 1];

    #[test]
    fn the_draw_is_stable_across_releases() {
        // Pinned: changing the draw would make stored seeds audit to other papers.
        let paper = draw(7, &pool(), &blueprint());
        let qs: Vec<u32> = paper.iter().map(|i| i.q).collect();
        assert_eq!(qs, PINNED_QUESTIONS);
        assert_eq!(paper[0].o, PINNED_FIRST_ORDER);
    }

    #[test]
    fn blueprint_counts_are_respected_without_repeats() {
        let p = pool();
        for seed in 0..50 {
            let paper = draw(seed, &p, &blueprint());
            let mut count: HashMap<(String, Difficulty), u32> = HashMap::new();
            for item in &paper {
                let q = &p[item.q as usize];
                *count.entry((q.topic.clone(), q.difficulty)).or_default() += 1;
            }
            for c in blueprint() {
                assert_eq!(count[&(c.topic.clone(), c.difficulty)], c.count);
            }
            let distinct: BTreeSet<u32> = paper.iter().map(|i| i.q).collect();
            assert_eq!(distinct.len(), paper.len());
        }
    }

    #[test]
    fn options_are_shuffled_except_true_false() {
        let p = pool();
        let mut moved = false;
        for seed in 0..20 {
            for item in draw(seed, &p, &blueprint()) {
                let mut sorted = item.o.clone();
                sorted.sort();
                assert_eq!(
                    sorted,
                    (0..p[item.q as usize].options as u8).collect::<Vec<_>>()
                );
                if p[item.q as usize].kind == Kind::TrueFalse {
                    assert_eq!(item.o, [0, 1]);
                } else if item.o != sorted {
                    moved = true;
                }
            }
        }
        assert!(moved);
    }

    #[test]
    fn scoring_maps_shuffled_keys_back_to_the_right_options() {
        let p = pool();
        let paper = draw(9, &p, &blueprint());
        let all_right: HashMap<i32, Given> = paper
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let keys = choice::right_keys(item, &p[item.q as usize]);
                (i as i32 + 1, Given::Choices(keys))
            })
            .collect();
        let s = score(&paper, &p, &all_right);
        assert_eq!(s.correct, 10);
        assert_eq!(s.score, s.max_score);
        // The original key "B" is right for single questions, but after shuffling
        // the participant must pick wherever option 1 moved to.
        let naive: HashMap<i32, Given> = (1..=10)
            .map(|i| (i, Given::Choices(vec!["B".to_string()])))
            .collect();
        assert!(score(&paper, &p, &naive).correct < 10);
        // Multiple answers: one right key of two scores nothing.
        let multi = paper
            .iter()
            .position(|i| p[i.q as usize].kind == Kind::Multiple)
            .expect("a multiple question");
        let mut partial = all_right.clone();
        if let Some(Given::Choices(keys)) = partial.get_mut(&(multi as i32 + 1)) {
            keys.pop();
        }
        assert_eq!(score(&paper, &p, &partial).correct, 9);
        assert_eq!(score(&paper, &p, &HashMap::new()).score, 0);
    }

    #[test]
    fn a_blueprint_cell_asking_too_much_is_named() {
        let mut bp = blueprint();
        bp[1].count = 9;
        bp.push(Cell {
            topic: "zzz".into(),
            difficulty: Difficulty::Easy,
            count: 1,
        });
        let errs = validate_blueprint(&bp, &pool()).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(
            errs[0].message.contains("b × Khó") && errs[0].message.contains("chỉ có 5"),
            "{}",
            errs[0].message
        );
        assert!(errs[1].message_en.contains("zzz"));
        assert!(validate_blueprint(&blueprint(), &pool()).is_ok());
        assert!(validate_blueprint(&[], &pool()).is_err());
    }

    #[test]
    fn choices_are_checked_against_the_question() {
        let item = PaperItem {
            q: 0,
            o: vec![2, 0, 1, 3],
        };
        let read = |keys: &[&str], kind| {
            let given = Given::Choices(keys.iter().map(|k| k.to_string()).collect());
            kinds::read(given, &item, kind)
        };
        assert_eq!(
            read(&["b", "A"], Kind::Multiple).unwrap(),
            Given::Choices(vec!["A".into(), "B".into()])
        );
        assert!(read(&["E"], Kind::Single).is_err());
        assert!(read(&["A", "B"], Kind::Single).is_err());
        assert_eq!(read(&[], Kind::Single).unwrap(), Given::Choices(vec![]));
        // Text for a choice question is refused.
        assert!(kinds::read(Given::Text("A".into()), &item, Kind::Single).is_err());
    }

    #[test]
    fn the_deadline_is_capped_by_the_round_close_and_grace_applies() {
        let t = |h: u32, m: u32, s: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(h, m, s)
                .unwrap()
        };
        assert_eq!(deadline(t(10, 0, 0), 15, Some(t(12, 0, 0))), t(10, 15, 0));
        assert_eq!(deadline(t(11, 50, 0), 15, Some(t(12, 0, 0))), t(12, 0, 0));
        assert!(accepts(t(10, 15, 10), t(10, 15, 0), 10));
        assert!(!accepts(t(10, 15, 11), t(10, 15, 0), 10));
    }

    #[test]
    fn an_answer_is_right_when_its_keys_are_exactly_the_right_ones_in_any_order() {
        let q = PoolQuestion {
            topic: "a".into(),
            difficulty: Difficulty::Easy,
            kind: Kind::Multiple,
            options: 4,
            correct: vec![0, 2],
            points: 1,
            typed: None,
        };
        // Shown in the order 2, 0, 3, 1: the right ones appear as A and B.
        let item = PaperItem {
            q: 0,
            o: vec![2, 0, 3, 1],
        };
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(choice::right_keys(&item, &q), ["A", "B"]);
        assert!(choice::grade(&item, &q, &keys(&["B", "A"])));
        assert!(!choice::grade(&item, &q, &keys(&["A"])));
        assert!(!choice::grade(&item, &q, &keys(&["A", "B", "C"])));
        assert!(!choice::grade(&item, &q, &[]));
    }

    #[test]
    fn typed_answers_score_by_their_kind_and_never_as_keys() {
        use crate::domain::kinds::{numeric, short, TypedKey};
        let typed = |kind, key| PoolQuestion {
            topic: "a".into(),
            difficulty: Difficulty::Easy,
            kind,
            options: 0,
            correct: vec![],
            points: 2,
            typed: Some(key),
        };
        let pool = vec![
            typed(
                Kind::Short,
                TypedKey::Short(short::Key {
                    accepted: vec!["Hồ Chí Minh".into()],
                    matching: short::Matching::Fold,
                }),
            ),
            typed(
                Kind::Numeric,
                TypedKey::Numeric(numeric::Key {
                    value: "1931".into(),
                    tolerance: "0".into(),
                }),
            ),
        ];
        let cells = [Cell {
            topic: "a".into(),
            difficulty: Difficulty::Easy,
            count: 2,
        }];
        let paper = draw(3, &pool, &cells);
        assert!(
            paper.iter().all(|i| i.o.is_empty()),
            "no options to shuffle"
        );
        let at = |q: u32| paper.iter().position(|i| i.q == q).unwrap() as i32 + 1;
        let mut answers = HashMap::new();
        answers.insert(at(0), Given::Text("ho chi minh".into()));
        answers.insert(at(1), Given::Text("1931".into()));
        let s = score(&paper, &pool, &answers);
        assert_eq!((s.score, s.max_score, s.correct), (4, 4, 2));
        answers.insert(at(1), Given::Text("1930".into()));
        answers.insert(at(0), Given::Choices(vec!["A".into()]));
        assert_eq!(score(&paper, &pool, &answers).correct, 0);
    }
}

//! Prizes of a round: tiers and optional per-category quotas set by the
//! organizer, winners proposed in ranking order, and the canonical form of a
//! published list with its SHA-256 (so a published result can be checked).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::contest::Category;
use crate::error::Problem;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tier {
    pub name: String,
    pub count: u32,
}

/// The organizer's plan. `quotas` caps how many prizes (all tiers together)
/// one participant category may take, e.g. `thanh_nien = 2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Plan {
    pub tiers: Vec<Tier>,
    #[serde(default)]
    pub quotas: BTreeMap<Category, u32>,
}

const MAX_PRIZES: u32 = 10_000;

impl Plan {
    /// Reads the plan form: one tier per line as `name: count`, and quotas as
    /// `category: count` lines (category codes as in registration).
    pub fn parse(tiers: &str, quotas: &str) -> Result<Plan, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut plan = Plan::default();
        let lines = |text: &str| -> Vec<(usize, String, String)> {
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| match l.rsplit_once(':') {
                    Some((a, b)) => (i + 1, a.trim().to_string(), b.trim().to_string()),
                    None => (i + 1, l.trim().to_string(), String::new()),
                })
                .collect()
        };
        for (line, name, count) in lines(tiers) {
            match count.parse::<u32>() {
                Ok(n) if (1..=MAX_PRIZES).contains(&n) && !name.is_empty() => {
                    plan.tiers.push(Tier { name, count: n })
                }
                _ => problems.push(Problem::new(
                    line,
                    "tiers",
                    format!("Dòng {line}: ghi \"Tên giải: số lượng\" (số lượng 1–{MAX_PRIZES})."),
                    format!("Line {line}: write \"Prize name: count\" (count 1–{MAX_PRIZES})."),
                )),
            }
        }
        for (line, category, count) in lines(quotas) {
            match (count.parse::<u32>(), Category::try_from(category)) {
                (Ok(n), Ok(category)) => {
                    plan.quotas.insert(category, n);
                }
                _ => {
                    let codes = Category::ALL.map(Category::as_str).join(", ");
                    problems.push(Problem::new(
                        line,
                        "quotas",
                        format!("Dòng {line}: ghi \"mã đối tượng: số lượng\"; mã hợp lệ: {codes}."),
                        format!("Line {line}: write \"category: count\"; categories: {codes}."),
                    ))
                }
            }
        }
        if plan.tiers.is_empty() && problems.is_empty() {
            problems.push(Problem::new(
                0,
                "tiers",
                "Cần ít nhất một hạng giải.",
                "At least one prize tier is needed.",
            ));
        }
        if problems.is_empty() {
            Ok(plan)
        } else {
            Err(problems)
        }
    }

    pub fn tiers_text(&self) -> String {
        self.tiers
            .iter()
            .map(|t| format!("{}: {}", t.name, t.count))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn quotas_text(&self) -> String {
        self.quotas
            .iter()
            .map(|(c, n)| format!("{}: {n}", c.as_str()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A ranked, counted result of the round (disqualified people and duplicates
/// already left out by the caller).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub participant_id: String,
    /// The person: the participant, or the group a "same person" decision made.
    pub person: String,
    pub category: Category,
    pub rank: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    pub participant_id: String,
    /// 0 = the highest tier.
    pub tier: usize,
    pub tier_name: String,
    pub rank: i64,
}

/// Walks the ranking in order, filling tiers from the top; skips anyone who
/// already holds a prize in this contest (`already_won`), anyone whose
/// category has used its quota, and a person met twice.
pub fn allocate(
    candidates: &[Candidate],
    plan: &Plan,
    already_won: &HashSet<String>,
) -> Vec<Award> {
    let mut out = Vec::new();
    let mut used: HashMap<Category, u32> = HashMap::new();
    let mut persons: HashSet<&str> = HashSet::new();
    let mut tier = 0;
    let mut filled = 0;
    for c in candidates {
        while tier < plan.tiers.len() && filled >= plan.tiers[tier].count {
            tier += 1;
            filled = 0;
        }
        if tier >= plan.tiers.len() {
            break;
        }
        if already_won.contains(&c.person) || persons.contains(c.person.as_str()) {
            continue;
        }
        if let Some(quota) = plan.quotas.get(&c.category) {
            if used.get(&c.category).copied().unwrap_or(0) >= *quota {
                continue;
            }
        }
        *used.entry(c.category).or_default() += 1;
        persons.insert(c.person.as_str());
        out.push(Award {
            participant_id: c.participant_id.clone(),
            tier,
            tier_name: plan.tiers[tier].name.clone(),
            rank: c.rank,
        });
        filled += 1;
    }
    out
}

/// One published row, as the canonical list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedRow {
    pub tier_name: String,
    pub rank: i64,
    pub name: String,
    pub masked_phone: String,
    pub unit_code: String,
    pub score: i32,
    pub duration_ms: i64,
}

/// The canonical text of a published list: a header naming the contest and
/// round, then one tab-separated line per winner in order. Anyone holding the
/// list can recompute its SHA-256.
pub fn canonical(contest_slug: &str, round: i32, rows: &[PublishedRow]) -> String {
    let mut s = format!("hoithi-prizes v1\t{contest_slug}\t{round}\n");
    for r in rows {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            r.tier_name, r.rank, r.name, r.masked_phone, r.unit_code, r.score, r.duration_ms
        ));
    }
    s
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(id: &str, category: &str, rank: i64) -> Candidate {
        Candidate {
            participant_id: id.into(),
            person: id.into(),
            category: Category::try_from(category.to_string()).unwrap(),
            rank,
        }
    }

    fn plan(tiers: &[(&str, u32)], quotas: &[(&str, u32)]) -> Plan {
        Plan {
            tiers: tiers
                .iter()
                .map(|(n, c)| Tier {
                    name: n.to_string(),
                    count: *c,
                })
                .collect(),
            quotas: quotas
                .iter()
                .map(|(k, v)| (Category::try_from(k.to_string()).unwrap(), *v))
                .collect(),
        }
    }

    #[test]
    fn tiers_fill_in_ranking_order_with_quotas_and_one_prize_per_person() {
        let cands = vec![
            cand("a", "doan_vien", 1),
            cand("b", "thanh_nien", 2),
            cand("c", "thanh_nien", 3),
            cand("d", "doan_vien", 4),
            Candidate {
                person: "a".into(),
                ..cand("a2", "doan_vien", 5)
            },
            cand("e", "thanh_nien", 6),
            cand("f", "doan_vien", 7),
            cand("g", "doan_vien", 8),
        ];
        let p = plan(&[("Nhất", 1), ("Nhì", 2), ("Ba", 3)], &[("thanh_nien", 1)]);
        // "f" already won in an earlier round of this contest.
        let won: HashSet<String> = ["f".to_string()].into();
        let got: Vec<(String, String)> = allocate(&cands, &p, &won)
            .into_iter()
            .map(|a| (a.participant_id, a.tier_name))
            .collect();
        let want: Vec<(String, String)> = [("a", "Nhất"), ("b", "Nhì"), ("d", "Nhì"), ("g", "Ba")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        // c and e: thanh niên quota used by b; a2: same person as a; f: already won.
        assert_eq!(got, want);
    }

    #[test]
    fn the_plan_form_is_read_and_checked() {
        let p = Plan::parse("Giải Nhất: 1\nGiải Nhì: 2\n\n", "thanh_nien: 3").unwrap();
        assert_eq!(
            p,
            plan(&[("Giải Nhất", 1), ("Giải Nhì", 2)], &[("thanh_nien", 3)])
        );
        assert_eq!(Plan::parse(&p.tiers_text(), &p.quotas_text()).unwrap(), p);
        let errs = Plan::parse("Nhất\nNhì: 0", "ma_la: 2").unwrap_err();
        assert_eq!(errs.len(), 3);
        assert!(Plan::parse("", "").is_err());
    }

    #[test]
    fn the_hash_changes_when_any_row_changes() {
        let row = PublishedRow {
            tier_name: "Nhất".into(),
            rank: 1,
            name: "Nguyễn Văn An".into(),
            masked_phone: "09xx xxx 123".into(),
            unit_code: "CD-1".into(),
            score: 20,
            duration_ms: 61_000,
        };
        let base = sha256_hex(&canonical("dvc", 1, std::slice::from_ref(&row)));
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            sha256_hex(&canonical("dvc", 1, std::slice::from_ref(&row)))
        );
        let variants = [
            PublishedRow {
                tier_name: "Nhì".into(),
                ..row.clone()
            },
            PublishedRow {
                rank: 2,
                ..row.clone()
            },
            PublishedRow {
                name: "Nguyễn Văn Ân".into(),
                ..row.clone()
            },
            PublishedRow {
                masked_phone: "09xx xxx 124".into(),
                ..row.clone()
            },
            PublishedRow {
                unit_code: "CD-2".into(),
                ..row.clone()
            },
            PublishedRow {
                score: 19,
                ..row.clone()
            },
            PublishedRow {
                duration_ms: 61_001,
                ..row.clone()
            },
        ];
        for v in variants {
            assert_ne!(base, sha256_hex(&canonical("dvc", 1, &[v])));
        }
        assert_ne!(
            base,
            sha256_hex(&canonical("dvc", 2, std::slice::from_ref(&row)))
        );
    }
}

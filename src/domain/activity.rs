//! Branch activity records and the yearly "3 chủ động" evaluation: which
//! kinds of record count under which criterion, with how many points, up to
//! which cap, and which level a total reaches. Every province sets its own
//! scheme, so it is data the admin edits, with a sensible default.

use serde::{Deserialize, Serialize};

use crate::domain::contest::Category;
use crate::error::Problem;

/// One counted best result, as a unit's CONTEST record sees it.
#[derive(Debug, Clone)]
pub struct ResultFact<'a> {
    pub category: Category,
    pub score: i32,
    pub phone: &'a str,
    pub invited_by: Option<&'a str>,
}

/// The numbers of one unit's CONTEST record for a round.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RoundFigures {
    pub participants: i32,
    pub member_participants: i32,
    pub rate: Option<f64>,
    pub average_score: Option<f64>,
    pub winners: i32,
    pub invited_youth: i32,
}

/// Figures of a unit from its own participants' counted results, its member
/// count at the round's open and its prize winners. A youth counts as
/// invited (1+1) when registered as thanh niên with a member's phone
/// (someone registered in the contest as đoàn viên) as "invited by".
pub fn round_figures(
    results: &[ResultFact<'_>],
    members: Option<i64>,
    winners: i32,
    member_phones: &std::collections::HashSet<String>,
) -> RoundFigures {
    let participants = results.len() as i32;
    let member_participants = results.iter().filter(|r| r.category.is_member()).count() as i32;
    let invited_youth = results
        .iter()
        .filter(|r| r.category == Category::ThanhNien)
        .filter(|r| {
            r.invited_by
                .is_some_and(|p| p != r.phone && member_phones.contains(p))
        })
        .count() as i32;
    let total: i64 = results.iter().map(|r| r.score as i64).sum();
    RoundFigures {
        participants,
        member_participants,
        rate: members
            .filter(|m| *m > 0)
            .map(|m| member_participants as f64 / m as f64),
        average_score: (participants > 0).then(|| total as f64 / participants as f64),
        winners,
        invited_youth,
    }
}

/// Kinds of activity record.
pub const KINDS: &[(&str, &str)] = &[
    ("CONTEST", "Hội thi trực tuyến"),
    ("SINH_HOAT", "Sinh hoạt chi đoàn"),
    ("NGAY_DOAN_VIEN", "Ngày đoàn viên"),
    ("CONG_TRINH", "Công trình thanh niên"),
    ("KET_NAP", "Kết nạp đoàn viên"),
    ("TAP_HUAN", "Tập huấn"),
    ("KHAC", "Hoạt động khác"),
];

pub fn kind_label(kind: &str) -> &str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or(kind)
}

pub fn is_kind(kind: &str) -> bool {
    KINDS.iter().any(|(k, _)| *k == kind)
}

/// The three "chủ động" criteria.
pub const CRITERIA: [&str; 3] = [
    "Chủ động nắm bắt tình hình đoàn viên, thanh niên",
    "Chủ động đề xuất, xây dựng chương trình và tổ chức hoạt động",
    "Chủ động tham mưu, phối hợp",
];

/// How one kind counts: under criterion 1–3 (0 = not counted), points per
/// record, at most `cap` points a year from this kind (0 = no cap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindRule {
    pub kind: String,
    pub criterion: u8,
    pub points: u32,
    pub cap: u32,
}

/// A level reached when the year's total is at least `min_total` and every
/// criterion has at least `min_each` points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Level {
    pub name: String,
    pub min_total: u32,
    pub min_each: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scheme {
    pub rules: Vec<KindRule>,
    /// Highest level first.
    pub levels: Vec<Level>,
}

impl Default for Scheme {
    fn default() -> Scheme {
        let rule = |kind: &str, criterion, points, cap| KindRule {
            kind: kind.into(),
            criterion,
            points,
            cap,
        };
        let level = |name: &str, min_total, min_each| Level {
            name: name.into(),
            min_total,
            min_each,
        };
        Scheme {
            rules: vec![
                rule("SINH_HOAT", 1, 2, 24),
                rule("KET_NAP", 1, 5, 20),
                rule("CONTEST", 2, 5, 20),
                rule("NGAY_DOAN_VIEN", 2, 3, 12),
                rule("CONG_TRINH", 2, 10, 20),
                rule("TAP_HUAN", 3, 3, 12),
                rule("KHAC", 3, 2, 10),
            ],
            levels: vec![
                level("Hoàn thành xuất sắc", 60, 15),
                level("Hoàn thành tốt", 40, 10),
                level("Hoàn thành", 20, 5),
            ],
        }
    }
}

/// Below every level.
pub const NOT_REACHED: &str = "Chưa hoàn thành";

impl Scheme {
    pub fn rule(&self, kind: &str) -> Option<&KindRule> {
        self.rules.iter().find(|r| r.kind == kind)
    }

    /// Checks an edited scheme; every problem is listed.
    pub fn check(&self) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            if !is_kind(&r.kind) {
                problems.push(Problem::new(
                    i + 1,
                    "kind",
                    format!("Loại hoạt động không hợp lệ: {}.", r.kind),
                    format!("Unknown activity kind: {}.", r.kind),
                ));
            }
            if r.criterion > 3 {
                problems.push(Problem::new(
                    i + 1,
                    "criterion",
                    "Tiêu chí phải là 1, 2, 3 hoặc 0 (không tính).",
                    "The criterion must be 1, 2, 3 or 0 (not counted).",
                ));
            }
            if r.points > 1000 || r.cap > 100_000 {
                problems.push(Problem::new(
                    i + 1,
                    "points",
                    "Điểm hoặc mức trần quá lớn.",
                    "Points or cap out of range.",
                ));
            }
        }
        if self.levels.is_empty() {
            problems.push(Problem::new(
                0,
                "levels",
                "Cần ít nhất một mức xếp loại.",
                "At least one level is needed.",
            ));
        }
        for (i, w) in self.levels.windows(2).enumerate() {
            if w[1].min_total > w[0].min_total {
                problems.push(Problem::new(
                    i + 2,
                    "levels",
                    "Các mức xếp loại phải xếp từ cao xuống thấp.",
                    "Levels must go from the highest down.",
                ));
            }
        }
        for (i, l) in self.levels.iter().enumerate() {
            if l.name.trim().is_empty() {
                problems.push(Problem::new(
                    i + 1,
                    "levels",
                    "Mức xếp loại cần có tên.",
                    "A level needs a name.",
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The year's totals for a unit's records (their kinds, in any order).
    pub fn evaluate<'a>(&self, kinds: impl IntoIterator<Item = &'a str>) -> Yearly {
        let mut per_kind: Vec<(u32, u32)> = vec![(0, 0); self.rules.len()];
        let mut uncounted = 0;
        for kind in kinds {
            match self.rules.iter().position(|r| r.kind == kind) {
                Some(i) if self.rules[i].criterion > 0 => {
                    per_kind[i].0 += 1;
                    per_kind[i].1 += self.rules[i].points;
                }
                _ => uncounted += 1,
            }
        }
        let mut criteria = [CriterionTotal::default(); 3];
        for (rule, (count, raw)) in self.rules.iter().zip(&per_kind) {
            if rule.criterion == 0 {
                continue;
            }
            let points = if rule.cap > 0 {
                (*raw).min(rule.cap)
            } else {
                *raw
            };
            let c = &mut criteria[rule.criterion as usize - 1];
            c.records += count;
            c.points += points;
        }
        let total = criteria.iter().map(|c| c.points).sum();
        let level = self
            .levels
            .iter()
            .find(|l| total >= l.min_total && criteria.iter().all(|c| c.points >= l.min_each))
            .map(|l| l.name.clone())
            .unwrap_or_else(|| NOT_REACHED.to_string());
        Yearly {
            criteria,
            total,
            level,
            uncounted,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CriterionTotal {
    pub records: u32,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Yearly {
    pub criteria: [CriterionTotal; 3],
    pub total: u32,
    pub level: String,
    /// Records of kinds the scheme does not count.
    pub uncounted: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_figures_count_members_rate_average_and_1_plus_1() {
        let members: std::collections::HashSet<String> =
            ["0901000001".to_string(), "0901000002".to_string()].into();
        let facts = [
            ResultFact {
                category: Category::DoanVien,
                score: 10,
                phone: "0901000001",
                invited_by: None,
            },
            ResultFact {
                category: Category::DoanVien,
                score: 6,
                phone: "0901000002",
                invited_by: None,
            },
            // invited by a member: counts
            ResultFact {
                category: Category::ThanhNien,
                score: 8,
                phone: "0902000001",
                invited_by: Some("0901000001"),
            },
            // invited by someone who is not a member: does not
            ResultFact {
                category: Category::ThanhNien,
                score: 4,
                phone: "0902000002",
                invited_by: Some("0999999999"),
            },
            // a member invited by a member is not new youth
            ResultFact {
                category: Category::Hssv,
                score: 2,
                phone: "0902000003",
                invited_by: Some("0901000002"),
            },
        ];
        let f = round_figures(&facts, Some(8), 1, &members);
        assert_eq!(f.participants, 5);
        assert_eq!(f.member_participants, 2);
        assert_eq!(f.rate, Some(0.25));
        assert_eq!(f.average_score, Some(6.0));
        assert_eq!(f.winners, 1);
        assert_eq!(f.invited_youth, 1);
        let none = round_figures(&[], None, 0, &members);
        assert_eq!(none, RoundFigures::default());
    }

    #[test]
    fn the_default_scheme_is_valid_and_every_kind_has_a_rule() {
        let s = Scheme::default();
        assert!(s.check().is_ok());
        for (k, _) in KINDS {
            assert!(s.rule(k).is_some(), "{k}");
        }
    }

    #[test]
    fn a_custom_scheme_caps_points_and_reaches_the_expected_level() {
        let s = Scheme {
            rules: vec![
                KindRule {
                    kind: "SINH_HOAT".into(),
                    criterion: 1,
                    points: 4,
                    cap: 8,
                },
                KindRule {
                    kind: "CONTEST".into(),
                    criterion: 2,
                    points: 10,
                    cap: 0,
                },
                KindRule {
                    kind: "TAP_HUAN".into(),
                    criterion: 3,
                    points: 5,
                    cap: 5,
                },
                KindRule {
                    kind: "KHAC".into(),
                    criterion: 0,
                    points: 9,
                    cap: 0,
                },
            ],
            levels: vec![
                Level {
                    name: "Xuất sắc".into(),
                    min_total: 40,
                    min_each: 8,
                },
                Level {
                    name: "Tốt".into(),
                    min_total: 30,
                    min_each: 5,
                },
                Level {
                    name: "Đạt".into(),
                    min_total: 10,
                    min_each: 0,
                },
            ],
        };
        assert!(s.check().is_ok());
        // 3 meetings (12 → cap 8), 2 contests (20), 2 trainings (10 → cap 5), 1 other (not counted).
        let kinds = [
            "SINH_HOAT",
            "SINH_HOAT",
            "SINH_HOAT",
            "CONTEST",
            "CONTEST",
            "TAP_HUAN",
            "TAP_HUAN",
            "KHAC",
        ];
        let y = s.evaluate(kinds);
        assert_eq!(
            y.criteria[0],
            CriterionTotal {
                records: 3,
                points: 8
            }
        );
        assert_eq!(
            y.criteria[1],
            CriterionTotal {
                records: 2,
                points: 20
            }
        );
        assert_eq!(
            y.criteria[2],
            CriterionTotal {
                records: 2,
                points: 5
            }
        );
        assert_eq!(y.total, 33);
        assert_eq!(y.uncounted, 1);
        // 33 ≥ 30 and every criterion ≥ 5, but not 40: "Tốt".
        assert_eq!(y.level, "Tốt");
        // One more contest: 43 ≥ 40 but criterion 3 has 5 < 8, still "Tốt".
        let more = kinds.iter().copied().chain(["CONTEST"]);
        assert_eq!(s.evaluate(more).level, "Tốt");
        assert_eq!(s.evaluate(["KHAC"]).level, NOT_REACHED);
    }

    #[test]
    fn a_broken_scheme_lists_its_problems() {
        let s = Scheme {
            rules: vec![KindRule {
                kind: "BOGUS".into(),
                criterion: 4,
                points: 1,
                cap: 0,
            }],
            levels: vec![
                Level {
                    name: "A".into(),
                    min_total: 10,
                    min_each: 0,
                },
                Level {
                    name: "".into(),
                    min_total: 20,
                    min_each: 0,
                },
            ],
        };
        assert_eq!(s.check().unwrap_err().len(), 4);
    }
}

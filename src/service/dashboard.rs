//! A round's results dashboard: live counts, charts, boards and winners, for
//! organizers (full), assigned viewers and share links (masked).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;

use crate::db::contests as contest_store;
use crate::db::{attempts, results};
use crate::domain::vn_time::to_vn;
use crate::error::AppError;
use crate::service::access::{reader_access, Access, Reader};
use crate::service::prizes::{self, Prizes};
use crate::service::rankings::{self, Board, BoardQuery, Live, Metric, UnitBoard, UnitQuery};
use crate::service::state::AppState;
use crate::service::surveys::{self, SurveyResults};

/// One bar: its label, its length and the text written beside it.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

pub struct Dashboard {
    pub contest_title: String,
    pub slug: String,
    pub access: Access,
    pub rounds: Vec<i32>,
    pub round: i32,
    pub live: Live,
    pub per_day: Vec<Bar>,
    pub rates: Vec<Bar>,
    pub histogram: Vec<Bar>,
    pub board: Board,
    pub units: UnitBoard,
    pub prizes: Prizes,
    /// The survey questions' answers per unit (none when the bank has none).
    pub surveys: SurveyResults,
}

/// Distinct people starting an attempt on each day (Vietnam time), with
/// every day between the first and the last shown (zeros included).
pub fn per_day(starts: &[(String, chrono::NaiveDateTime)]) -> Vec<Bar> {
    let mut days: BTreeMap<NaiveDate, HashSet<&str>> = BTreeMap::new();
    for (p, at) in starts {
        days.entry(to_vn(*at).date_naive()).or_default().insert(p);
    }
    let (Some(first), Some(last)) = (days.keys().next().copied(), days.keys().last().copied())
    else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| {
            let n = days.get(&d).map(HashSet::len).unwrap_or(0);
            Bar {
                label: d.format("%d/%m").to_string(),
                value: n as f64,
                shown: n.to_string(),
            }
        })
        .collect()
}

/// How many people reached each score, 0 to the maximum.
pub fn histogram(scores: &[(i32, i32)]) -> Vec<Bar> {
    let max = scores
        .iter()
        .map(|(_, m)| *m)
        .max()
        .unwrap_or(0)
        .clamp(0, 200);
    let mut counts = vec![0usize; max as usize + 1];
    for (s, _) in scores {
        if let Some(c) = counts.get_mut((*s).clamp(0, max) as usize) {
            *c += 1;
        }
    }
    if scores.is_empty() {
        return Vec::new();
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(score, n)| Bar {
            label: score.to_string(),
            value: n as f64,
            shown: n.to_string(),
        })
        .collect()
}

/// Participation rate per unit, highest first (units without a member count last).
pub fn rate_bars(units: &UnitBoard) -> Vec<Bar> {
    let mut list: Vec<&rankings::UnitEntry> = units.entries.iter().collect();
    list.sort_by(|a, b| {
        b.rate
            .unwrap_or(-1.0)
            .total_cmp(&a.rate.unwrap_or(-1.0))
            .then_with(|| a.unit_name.cmp(&b.unit_name))
    });
    list.into_iter()
        .map(|u| Bar {
            label: u.unit_name.clone(),
            value: u.rate.unwrap_or(0.0) * 100.0,
            shown: match u.rate {
                Some(r) => format!(
                    "{} ({}/{})",
                    crate::domain::numbers::percent(r),
                    u.member_participants,
                    u.members
                ),
                None => format!("— ({} người)", u.participants),
            },
        })
        .collect()
}

pub async fn dashboard(
    state: &AppState,
    reader: Reader,
    slug: String,
    round: Option<i32>,
) -> Result<Dashboard, AppError> {
    let s2 = slug.clone();
    let survey_reader = reader.clone();
    let (title, access, rounds) = state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &s2)?;
            let access = reader_access(c, &reader, &contest)?;
            let rounds: Vec<i32> = contest_store::rounds_of(c, &contest.id)?
                .iter()
                .map(|r| r.number)
                .collect();
            Ok((contest.title, access, rounds))
        })
        .await?;
    let round = round.unwrap_or_else(|| rounds.first().copied().unwrap_or(1));
    if !rounds.contains(&round) {
        return Err(AppError::NotFound);
    }
    let board = rankings::leaderboard_cached(
        state,
        slug.clone(),
        round,
        BoardQuery {
            limit: Some(20),
            ..BoardQuery::default()
        },
    )
    .await?
    .value
    .clone();
    let units = rankings::unit_board_cached(
        state,
        slug.clone(),
        round,
        UnitQuery {
            parent: None,
            metric: Some(Metric::Rate),
        },
    )
    .await?
    .value
    .clone();
    let live = rankings::live(state, slug.clone(), round)
        .await?
        .value
        .clone();
    // The dashboard shows the published list (masked) to everyone who may
    // read it; organizers prepare prizes on their own page.
    let prizes = prizes::published(state, slug.clone(), round).await?;
    let surveys = surveys::results(state, survey_reader, slug.clone(), round, None).await?;
    let s3 = slug.clone();
    let (starts, scores) = state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &s3)?;
            let r = rankings::round_of(c, &contest, round)?;
            let starts = attempts::starts(c, &r.id)?;
            let scores: Vec<(i32, i32)> = results::for_unit_stats(c, &r.id)?
                .into_iter()
                .map(|r| (r.score, r.max_score))
                .collect();
            Ok((starts, scores))
        })
        .await?;
    Ok(Dashboard {
        contest_title: title,
        slug,
        access,
        rounds,
        round,
        live,
        per_day: per_day(&starts),
        rates: rate_bars(&units),
        histogram: histogram(&scores),
        board,
        units,
        prizes,
        surveys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn per_day_counts_people_once_a_day_in_vietnam_time_and_fills_gaps() {
        let starts = vec![
            ("a".to_string(), at(1, 1)),
            ("a".to_string(), at(1, 2)),
            ("b".to_string(), at(1, 3)),
            // 18:00 UTC on the 1st is the 2nd in Vietnam
            ("c".to_string(), at(1, 18)),
            ("a".to_string(), at(4, 1)),
        ];
        let bars = per_day(&starts);
        let got: Vec<(String, f64)> = bars.iter().map(|b| (b.label.clone(), b.value)).collect();
        assert_eq!(
            got,
            vec![
                ("01/03".into(), 2.0),
                ("02/03".into(), 1.0),
                ("03/03".into(), 0.0),
                ("04/03".into(), 1.0)
            ]
        );
    }

    #[test]
    fn the_histogram_has_one_bar_per_possible_score() {
        let bars = histogram(&[(3, 5), (5, 5), (5, 5), (0, 5)]);
        assert_eq!(bars.len(), 6);
        let values: Vec<f64> = bars.iter().map(|b| b.value).collect();
        assert_eq!(values, vec![1.0, 0.0, 0.0, 1.0, 0.0, 2.0]);
        assert!(histogram(&[]).is_empty());
    }
}

//! A round's survey answers counted per unit of the tree (issue #26): the
//! first attempt of each person in the round counts; blank answers do not.
//! Organizers see the free texts; viewers and share links see counts only.

use std::collections::HashMap;

use serde::Serialize;

use crate::db::contests as contest_store;
use crate::db::{attempts, participants, units};
use crate::domain::bank::{Kind, LETTERS};
use crate::domain::kinds;
use crate::domain::kinds::survey::{tally, Response};
use crate::error::AppError;
use crate::service::access::{reader_access, Access, Reader};
use crate::service::rankings::round_of;
use crate::service::state::AppState;

/// One unit's row: its respondents and how many chose each option.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyUnit {
    pub code: String,
    pub name: String,
    pub respondents: usize,
    /// Empty when `hidden`.
    pub counts: Vec<usize>,
    /// For viewers and share links, a unit with fewer than
    /// [`MIN_SHOWN`] respondents shows no counts: with the public board's
    /// names they would tell one person's answers.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

/// The fewest respondents whose counts a viewer or share link sees.
pub const MIN_SHOWN: usize = 5;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyQuestion {
    pub id: String,
    pub stem: String,
    pub multiple: bool,
    /// The options ("A. Zalo" …); none for a free-text question.
    pub options: Vec<String>,
    pub respondents: usize,
    pub counts: Vec<usize>,
    /// Free texts as typed (organizers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub texts: Option<Vec<String>>,
    /// One row per unit directly below the chosen one.
    pub units: Vec<SurveyUnit>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyResults {
    pub round: i32,
    /// The unit whose units below are rows.
    pub unit: String,
    pub unit_name: String,
    /// People of the unit's subtree whose first attempt in the round is finished.
    pub papers: usize,
    pub questions: Vec<SurveyQuestion>,
}

/// Survey results of round `number`, rows by the units directly below
/// `unit` (default: the contest's unit).
pub async fn results(
    state: &AppState,
    reader: Reader,
    slug: String,
    number: i32,
    unit: Option<String>,
) -> Result<SurveyResults, AppError> {
    let st = state.clone();
    state
        .db
        .read(move |c| {
            let contest = contest_store::by_slug(c, &slug)?;
            let access = reader_access(c, &reader, &contest)?;
            let round = round_of(c, &contest, number)?;
            let top = units::by_id(c, &contest.unit_id)?;
            let root = match unit {
                Some(code) => {
                    let u = units::by_code(c, &code)?;
                    if !u.path.starts_with(&top.path) {
                        return Err(AppError::NotFound);
                    }
                    u
                }
                None => top,
            };
            let below: Vec<units::Unit> = units::subtree(c, &root.path)?
                .into_iter()
                .filter(|u| u.parent_id.as_deref() == Some(root.id.as_str()))
                .collect();
            let paths: HashMap<String, String> = units::subtree(c, &root.path)?
                .into_iter()
                .map(|u| (u.id, u.path))
                .collect();
            let unit_of: HashMap<String, String> = participants::units_of(c, &contest.id)?
                .into_iter()
                .collect();
            // Each person's first attempt of the round, finished.
            let firsts: Vec<attempts::Attempt> = attempts::finished_in_round(c, &round.id)?
                .into_iter()
                .filter(|a| a.number == 1)
                .collect();
            let mut given = Vec::new();
            let mut version = None;
            let mut papers = 0;
            for a in &firsts {
                // Only people of the chosen unit's subtree are counted.
                let Some(path) = unit_of.get(&a.participant_id).and_then(|u| paths.get(u)) else {
                    continue;
                };
                papers += 1;
                let group = below.iter().position(|b| path.starts_with(&b.path));
                let answers = attempts::answers_of(c, &a.id)?;
                let v = st.versions.get(c, &a.bank_version_id)?;
                for (i, item) in a.paper()?.iter().enumerate() {
                    let q = v.questions.get(item.q as usize);
                    if q.is_some_and(|q| q.kind == Kind::Survey) {
                        if let Some(g) = answers.get(&(i as i32 + 1)) {
                            given.push((item.q, group, g.clone()));
                        }
                    }
                }
                version.get_or_insert(v);
            }
            let version = match version {
                Some(v) => v,
                None => st.versions.get(c, &contest.bank_version_id)?,
            };
            let questions = version
                .questions
                .iter()
                .enumerate()
                .filter(|(_, q)| q.kind == Kind::Survey)
                .map(|(i, q)| {
                    let responses: Vec<Response> = given
                        .iter()
                        .filter(|(qi, _, _)| *qi as usize == i)
                        .map(|(_, group, g)| Response {
                            group: *group,
                            given: g,
                        })
                        .collect();
                    let t = tally(q.options.len(), below.len(), &responses);
                    SurveyQuestion {
                        id: q.id.clone(),
                        stem: q.stem.clone(),
                        multiple: kinds::form(q.kind, q.typed.as_ref(), q.options.len()).multiple,
                        options: q
                            .options
                            .iter()
                            .enumerate()
                            .map(|(k, o)| format!("{}. {o}", LETTERS[k]))
                            .collect(),
                        respondents: t.respondents,
                        counts: t.counts,
                        texts: (access == Access::Full && q.options.is_empty()).then_some(t.texts),
                        units: below
                            .iter()
                            .zip(t.groups)
                            .map(|(u, (respondents, counts))| {
                                let hidden = access != Access::Full
                                    && respondents > 0
                                    && respondents < MIN_SHOWN;
                                SurveyUnit {
                                    code: u.code.clone(),
                                    name: u.name.clone(),
                                    respondents,
                                    counts: if hidden { Vec::new() } else { counts },
                                    hidden,
                                }
                            })
                            .collect(),
                    }
                })
                .collect();
            Ok(SurveyResults {
                round: number,
                unit: root.code,
                unit_name: root.name,
                papers,
                questions,
            })
        })
        .await
}

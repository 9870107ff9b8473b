//! A round's survey answers counted per unit of the tree (issue #26): the
//! first attempt of each person in the round counts; blank answers do not.
//! Organizers see the free texts; viewers and share links see counts only.

use std::collections::HashMap;

use serde::Serialize;

use crate::db::contests as contest_store;
use crate::db::{attempts, participants, units};
use crate::domain::bank::{Kind, LETTERS};
use crate::domain::kinds::survey::{tally, Response};
use crate::domain::kinds::{self, Given};
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

/// Free texts listed per question (all of them are in `survey.csv`).
pub const MAX_TEXTS: usize = 200;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyQuestion {
    pub id: String,
    pub stem: String,
    pub multiple: bool,
    /// The options ("A. Zalo" …); none for a free-text question.
    pub options: Vec<String>,
    pub respondents: usize,
    pub counts: Vec<usize>,
    /// Free texts as typed, the first [`MAX_TEXTS`] (organizers only; the
    /// export has them all).
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
    results_with(state, reader, slug, number, unit, MAX_TEXTS).await
}

/// [`results`] listing at most `max_texts` free texts per question (the
/// export lists them all).
pub async fn results_with(
    state: &AppState,
    reader: Reader,
    slug: String,
    number: i32,
    unit: Option<String>,
    max_texts: usize,
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
            let version = st.versions.get(c, &contest.bank_version_id)?;
            let surveys: Vec<usize> = version
                .questions
                .iter()
                .enumerate()
                .filter(|(_, q)| q.kind == Kind::Survey)
                .map(|(i, _)| i)
                .collect();
            if surveys.is_empty() {
                return Ok(SurveyResults {
                    round: number,
                    unit: root.code,
                    unit_name: root.name,
                    papers: 0,
                    questions: Vec::new(),
                });
            }
            let subtree = units::subtree(c, &root.path)?;
            let below: Vec<&units::Unit> = subtree
                .iter()
                .filter(|u| u.parent_id.as_deref() == Some(root.id.as_str()))
                .collect();
            // Each unit of the subtree → its row (the unit below the root
            // it belongs to; None for the root itself).
            let group_of: HashMap<&str, Option<usize>> = subtree
                .iter()
                .map(|u| {
                    let g = below.iter().position(|b| u.path.starts_with(&b.path));
                    (u.id.as_str(), g)
                })
                .collect();
            let unit_of: HashMap<String, String> = participants::units_of(c, &contest.id)?
                .into_iter()
                .collect();
            // The row of a participant of the subtree (outside it: not counted).
            let group = |participant: &str| {
                unit_of
                    .get(participant)
                    .and_then(|u| group_of.get(u.as_str()).copied())
            };
            // Papers of the contest's bank version only: survey answers are
            // read by their place among that version's surveys.
            let papers = attempts::first_finished(c, &round.id, &version.id)?
                .iter()
                .filter(|p| group(p).is_some())
                .count();
            let mut by_question: Vec<Vec<(Option<usize>, Given)>> = vec![Vec::new(); surveys.len()];
            for (participant, k, given) in attempts::survey_answers(c, &round.id, &version.id)? {
                if let (Some(g), Some(list)) = (group(&participant), by_question.get_mut(k)) {
                    list.push((g, given));
                }
            }
            let questions = surveys
                .iter()
                .zip(&by_question)
                .map(|(&i, answers)| {
                    let q = &version.questions[i];
                    let responses: Vec<Response> = answers
                        .iter()
                        .map(|(group, given)| Response {
                            group: *group,
                            given,
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
                        // A viewer who could subtract the shown units from the
                        // whole would read a hidden one: no whole then.
                        counts: if access != Access::Full
                            && t.groups.iter().any(|(n, _)| *n > 0 && *n < MIN_SHOWN)
                        {
                            Vec::new()
                        } else {
                            t.counts.clone()
                        },
                        texts: (access == Access::Full && q.options.is_empty())
                            .then(|| t.texts.iter().take(max_texts).cloned().collect()),
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

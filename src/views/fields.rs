//! Errors beside the fields they belong to: each wrong field gets a red
//! outline (`aria-invalid`), the message under it (`#field-err`, named by
//! the field's `aria-describedby`), and the first wrong one gets the focus.

use maud::{html, Markup};

use crate::error::Problem;

pub struct Fields<'a> {
    problems: &'a [Problem],
    first_wrong: Option<&'a str>,
}

impl<'a> Fields<'a> {
    /// `order`: the form's fields as they appear on the page.
    pub fn new(problems: &'a [Problem], order: &[&'a str]) -> Self {
        let first_wrong = order
            .iter()
            .find(|f| problems.iter().any(|p| p.field == **f))
            .copied();
        Fields {
            problems,
            first_wrong,
        }
    }

    pub fn problem(&self, field: &str) -> Option<&'a Problem> {
        self.problems.iter().find(|p| p.field == field)
    }

    /// `aria-invalid="true"` on a wrong field.
    pub fn invalid(&self, field: &str) -> Option<&'static str> {
        self.problem(field).map(|_| "true")
    }

    /// `aria-describedby` naming the field's message.
    pub fn described(&self, field: &str) -> Option<String> {
        self.problem(field).map(|_| format!("{field}-err"))
    }

    /// Is this the first wrong field (it gets `autofocus`)?
    pub fn focus(&self, field: &str) -> bool {
        self.first_wrong == Some(field)
    }

    /// The message under a wrong field.
    pub fn error(&self, field: &str) -> Markup {
        html! {
            @if let Some(p) = self.problem(field) {
                p.err id={ (field) "-err" } { (p.message) }
            }
        }
    }

    /// Problems that belong to no field of `order` (shown at the top).
    pub fn others(&self, order: &[&str]) -> Vec<Problem> {
        self.problems
            .iter()
            .filter(|p| !order.contains(&p.field.as_str()))
            .cloned()
            .collect()
    }
}

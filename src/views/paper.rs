//! How a question looks to a participant: the same component serves the
//! bank preview and the contest paper, so organizers see what players see.

use maud::{html, Markup};

/// One option as shown: its key (A, B, …) and text.
pub struct ShownOption<'a> {
    pub key: &'a str,
    pub text: &'a str,
}

/// A question card. `multiple` renders checkboxes, otherwise radio buttons.
/// `name` is the form field; `checked` the keys already chosen; `disabled`
/// for previews.
pub fn question_card(
    position: usize,
    stem: &str,
    options: &[ShownOption],
    multiple: bool,
    name: &str,
    checked: &[String],
    disabled: bool,
) -> Markup {
    let input_type = if multiple { "checkbox" } else { "radio" };
    html! {
        fieldset.q id={ "q" (position) } {
            legend { span.qn { "Câu " (position) } " " (stem) }
            @if multiple { p.mut { "Chọn tất cả các đáp án đúng." } }
            @for o in options {
                label.opt {
                    input type=(input_type) name=(name) value=(o.key) checked[checked.iter().any(|c| c == o.key)] disabled[disabled];
                    span.key { (o.key) "." } " " span { (o.text) }
                }
            }
        }
    }
}

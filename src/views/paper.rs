//! How a question looks to a participant: the same component serves the
//! bank preview and the contest paper, so organizers see what players see.
//! One arm per kind family (`domain::kinds`): options to choose, or a field
//! to type in.

use maud::{html, Markup};

use crate::domain::bank::{Kind, Question};
use crate::domain::kinds::{self, Given, MAX_TEXT_CHARS};

/// One option as shown: its key (A, B, …) and text.
pub struct ShownOption<'a> {
    pub key: &'a str,
    pub text: &'a str,
}

/// How a question is answered on the paper.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub kind: Kind,
    /// Checkboxes (several answers, or a survey of several choices).
    pub multiple: bool,
    /// A text field instead of options.
    pub typed: bool,
}

impl Shape {
    /// How a bank question is answered (`kinds::form`).
    pub fn of(q: &Question) -> Shape {
        let f = kinds::form(q.kind, q.typed.as_ref(), q.options.len());
        Shape {
            kind: q.kind,
            multiple: f.multiple,
            typed: f.typed,
        }
    }
}

/// The form field a question's answer is sent in: `q<n>` for chosen keys
/// (one field per checked box), `t<n>` for typed text.
pub fn field_name(typed: bool, position: usize) -> String {
    if typed {
        format!("t{position}")
    } else {
        format!("q{position}")
    }
}

/// A question card. Choice kinds render radio buttons (checkboxes for
/// several answers), typed kinds a text field (a number keyboard for
/// numbers). `name` is the form field; `given` what is already saved (or,
/// in a preview, the key); `disabled` for previews.
pub fn question_card(
    position: usize,
    stem: &str,
    options: &[ShownOption],
    shape: Shape,
    name: &str,
    given: Option<&Given>,
    disabled: bool,
) -> Markup {
    let kind = shape.kind;
    let input_type = if shape.multiple { "checkbox" } else { "radio" };
    let keys = given.map(Given::keys).unwrap_or(&[]);
    let id = format!("a{position}");
    html! {
        fieldset.q.survey[kind == Kind::Survey] id={ "q" (position) } {
            legend { span.qn { "Câu " (position) } " " (stem) }
            @if kind == Kind::Survey { p.mut { strong { "Khảo sát — không tính điểm" } } }
            @match shape.typed {
                true => {
                    label.typed for=(id) {
                        @if kind == Kind::Numeric { "Nhập một số" span.en { " (ví dụ 1931 hoặc 3,5)" } }
                        @else { "Nhập câu trả lời" span.en { " (tối đa " (MAX_TEXT_CHARS) " ký tự)" } }
                    }
                    input.typed #(id) type="text" name=(name) value=(given.and_then(Given::text).unwrap_or(""))
                        maxlength=(MAX_TEXT_CHARS) autocomplete="off" autocapitalize="off" spellcheck="false"
                        inputmode=(if kind == Kind::Numeric { "decimal" } else { "text" })
                        disabled[disabled];
                }
                false => {
                    @if kind == Kind::Multiple { p.mut { "Chọn tất cả các đáp án đúng." } }
                    @if kind == Kind::Survey && shape.multiple { p.mut { "Chọn được nhiều." } }
                    @for o in options {
                        label.opt {
                            input type=(input_type) name=(name) value=(o.key) checked[keys.iter().any(|c| c == o.key)] disabled[disabled];
                            // The text as a bare node: a paper is 1 KB lighter.
                            span.key { (o.key) "." } " " (o.text)
                        }
                    }
                }
            }
        }
    }
}

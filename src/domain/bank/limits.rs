//! What one parse of an uploaded bank may cost: a time budget that also
//! ends when the requester hangs up, a cap on the problems kept, and a cap
//! on one text field while it is being read.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Problem;

/// How long one upload may be parsed and checked (wall clock on its
/// blocking thread, which is CPU time unless the box is overloaded).
pub const PARSE_DEADLINE: Duration = Duration::from_secs(10);

/// Problems kept and shown; past them only their number.
pub const MAX_PROBLEMS: usize = 200;

/// The longest stem, option or explanation a parser builds: past it the
/// text is an error at its line, never a multi-megabyte string.
pub const MAX_FIELD_CHARS: usize = 10_000;

/// Checks between two looks at the clock (one look costs ~25 ns).
const TICKS_PER_CHECK: u32 = 256;

/// The time a parse may take and whether anyone still waits for it.
/// Parsers call [`Budget::tick`] once per line, row, cell or XML event.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    cancelled: Arc<AtomicBool>,
    deadline: Option<Instant>,
    ticks: Cell<u32>,
}

/// Cancels its budget when dropped: held by the request's future, so a
/// client that hangs up (actix drops the future) stops the parse.
#[derive(Debug)]
pub struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Budget {
    /// No deadline, not cancelled (tests, and files the operator gives the CLI
    /// use [`Budget::within`] anyway).
    pub fn unlimited() -> Budget {
        Budget::default()
    }

    /// Ends `limit` from now.
    pub fn within(limit: Duration) -> Budget {
        Budget::default().restarted(limit)
    }

    /// The same cancellation, with a deadline `limit` from now (set when
    /// the parse starts, not when it was queued).
    pub fn restarted(&self, limit: Duration) -> Budget {
        Budget {
            cancelled: self.cancelled.clone(),
            deadline: Instant::now().checked_add(limit),
            ticks: Cell::new(0),
        }
    }

    /// Ends at `at` (a deadline in the past ends it at once).
    pub fn until(at: Instant) -> Budget {
        Budget {
            deadline: Some(at),
            ..Budget::default()
        }
    }

    /// A guard that cancels this budget (and its clones) when dropped.
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.cancelled.clone())
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Err when cancelled or past the deadline.
    pub fn check(&self) -> Result<(), Vec<Problem>> {
        let late = self.deadline.is_some_and(|d| Instant::now() >= d);
        if late || self.cancelled.load(Ordering::Relaxed) {
            Err(vec![too_complex()])
        } else {
            Ok(())
        }
    }

    /// [`Budget::check`], done for real every few hundred calls: cheap
    /// enough for every line.
    pub fn tick(&self) -> Result<(), Vec<Problem>> {
        let n = self.ticks.get().wrapping_add(1);
        self.ticks.set(n);
        if n % TICKS_PER_CHECK == 1 {
            self.check()
        } else {
            Ok(())
        }
    }
}

/// The problem of a parse stopped by its budget.
pub fn too_complex() -> Problem {
    let secs = PARSE_DEADLINE.as_secs();
    Problem::new(
        1,
        "file",
        format!("Tệp quá phức tạp để xử lý (quá thời gian cho phép {secs} giây). Hãy chia tệp thành nhiều tệp nhỏ hơn."),
        format!("The file is too complex to process (over the allowed time of {secs} s). Split it into smaller files."),
    )
}

/// Is this a problem of a parse stopped by its budget?
pub fn is_too_complex(p: &Problem) -> bool {
    p.field == "file" && p.message_en.starts_with("The file is too complex")
}

/// The problems of a file as they are found: the first [`MAX_PROBLEMS`]
/// kept, the rest only counted.
#[derive(Debug, Default)]
pub struct Problems {
    kept: Vec<Problem>,
    more: usize,
}

impl Problems {
    pub fn new() -> Problems {
        Problems::default()
    }

    pub fn push(&mut self, p: Problem) {
        if self.kept.len() < MAX_PROBLEMS {
            self.kept.push(p);
        } else {
            self.more += 1;
        }
    }

    pub fn extend(&mut self, ps: impl IntoIterator<Item = Problem>) {
        for p in ps {
            self.push(p);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Problems found, kept or not.
    pub fn len(&self) -> usize {
        self.kept.len() + self.more
    }

    /// Orders the kept problems by line.
    pub fn sort_by_row(&mut self) {
        self.kept.sort_by_key(|p| p.row);
    }

    /// The kept problems, then "và N lỗi khác" when some were not kept.
    pub fn into_vec(mut self) -> Vec<Problem> {
        if self.more > 0 {
            let row = self.kept.last().map_or(0, |p| p.row);
            self.kept.push(more_problems(row, self.more));
        }
        self.kept
    }
}

/// The field of the "và N lỗi khác" line.
pub const MORE_FIELD: &str = "more";

fn more_problems(row: usize, n: usize) -> Problem {
    Problem::new(
        row,
        MORE_FIELD,
        format!("… và {n} lỗi khác (chỉ hiện {MAX_PROBLEMS} lỗi đầu tiên; hãy sửa các lỗi trên rồi nhập lại)."),
        format!("… and {n} more problems (only the first {MAX_PROBLEMS} are shown; fix those above and import again)."),
    )
}

/// A list of problems capped to [`MAX_PROBLEMS`] and the "và N lỗi khác"
/// line (a list already capped is left as it is).
pub fn capped(problems: Vec<Problem>) -> Vec<Problem> {
    if problems.iter().any(|p| p.field == MORE_FIELD) {
        return problems;
    }
    let mut out = Problems::new();
    out.extend(problems);
    out.into_vec()
}

/// A text field being read line by line (a stem, option or explanation
/// continued on the next lines): appended in place, and refused once
/// longer than [`MAX_FIELD_CHARS`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Field {
    pub text: String,
    chars: usize,
}

impl Field {
    pub fn new(text: &str) -> Field {
        let mut f = Field::default();
        f.append("", text);
        f
    }

    /// Appends `sep` and `more` (no separator when the field is empty);
    /// false, appending nothing, when that would pass the cap.
    pub fn append(&mut self, sep: &str, more: &str) -> bool {
        let sep = if self.text.is_empty() { "" } else { sep };
        let added = sep.chars().count() + more.chars().count();
        if self.chars + added > MAX_FIELD_CHARS {
            return false;
        }
        self.text.push_str(sep);
        self.text.push_str(more);
        self.chars += added;
        true
    }

    /// Replaces the text (an explanation's first line).
    pub fn set(&mut self, text: &str) -> bool {
        *self = Field::default();
        self.append("", text)
    }
}

/// The problem of a field past [`MAX_FIELD_CHARS`].
pub fn field_too_long(line: usize, field: &str) -> Problem {
    Problem::new(
        line,
        field,
        format!("Nội dung dài quá {MAX_FIELD_CHARS} ký tự (có thể thiếu dòng \"Câu …:\" hoặc \"A.\" ở trước đó)."),
        format!("The text is longer than {MAX_FIELD_CHARS} characters (a \"Câu …:\" or \"A.\" line may be missing before it)."),
    )
}

/// Line numbers of byte offsets asked for roughly in order: each call
/// counts the newlines between the last offset and this one (either way),
/// so offsets in document order cost one pass over the text in all —
/// counting from the start for each offset was quadratic.
#[derive(Debug)]
pub struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
    /// Bytes looked at so far (what the tests measure).
    pub scanned: usize,
}

impl<'a> LineCounter<'a> {
    pub fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text: text.as_bytes(),
            pos: 0,
            line: 1,
            scanned: 0,
        }
    }

    /// The 1-based line of byte `offset`.
    pub fn line_of(&mut self, offset: usize) -> usize {
        let to = offset.min(self.text.len());
        let newlines = |s: &[u8]| s.iter().filter(|b| **b == b'\n').count();
        if to >= self.pos {
            self.line += newlines(&self.text[self.pos..to]);
            self.scanned += to - self.pos;
        } else {
            self.line -= newlines(&self.text[to..self.pos]);
            self.scanned += self.pos - to;
        }
        self.pos = to;
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_budget_or_one_past_its_deadline_stops() {
        let b = Budget::unlimited();
        assert!(b.check().is_ok() && b.tick().is_ok());
        let guard = b.cancel_on_drop();
        assert!(b.check().is_ok());
        drop(guard);
        let errs = b.check().unwrap_err();
        assert!(is_too_complex(&errs[0]), "{errs:?}");
        assert!(errs[0].message.contains("Tệp quá phức tạp"));
        let past = Budget::until(Instant::now() - Duration::from_millis(1));
        assert!(past.tick().is_err(), "the first tick looks at the clock");
        assert!(Budget::within(Duration::from_secs(60)).check().is_ok());
        let restarted = b.restarted(Duration::from_secs(60));
        assert!(restarted.check().is_err(), "the cancellation is shared");
    }

    #[test]
    fn problems_past_the_cap_are_counted_not_kept() {
        let mut ps = Problems::new();
        for i in 0..(MAX_PROBLEMS + 37) {
            ps.push(Problem::new(i + 1, "stem", "x", "x"));
        }
        assert_eq!(ps.len(), MAX_PROBLEMS + 37);
        let v = ps.into_vec();
        assert_eq!(v.len(), MAX_PROBLEMS + 1);
        let last = &v[MAX_PROBLEMS];
        assert_eq!(last.field, MORE_FIELD);
        assert!(last.message.contains("và 37 lỗi khác"), "{}", last.message);
        assert!(last.message_en.contains("and 37 more problems"));
        assert_eq!(capped(v.clone()), v, "capping twice changes nothing");
        let few = vec![Problem::new(1, "a", "x", "x")];
        assert_eq!(capped(few.clone()), few);
    }

    #[test]
    fn line_numbers_in_document_order_cost_one_pass() {
        let text = "a\nb\n\nc\nd".repeat(1_000);
        let mut lines = LineCounter::new(&text);
        let naive = |o: usize| text[..o].matches('\n').count() + 1;
        for o in (0..text.len()).step_by(7) {
            assert_eq!(lines.line_of(o), naive(o), "at {o}");
        }
        assert!(
            lines.scanned <= text.len(),
            "{} bytes scanned",
            lines.scanned
        );
        // Backwards too (an answer key written before the options).
        assert_eq!(lines.line_of(10), naive(10));
        assert_eq!(lines.line_of(3), naive(3));
    }

    #[test]
    fn a_field_grows_in_place_up_to_its_cap() {
        let mut f = Field::new("Câu");
        assert!(f.append(" ", "hỏi"));
        assert_eq!(f.text, "Câu hỏi");
        assert!(!f.append(" ", &"x".repeat(MAX_FIELD_CHARS)));
        assert_eq!(f.text, "Câu hỏi", "nothing appended past the cap");
        let mut empty = Field::default();
        assert!(empty.append("\n", "a"));
        assert_eq!(empty.text, "a", "no separator before the first text");
    }
}

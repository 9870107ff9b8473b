//! Text hygiene for Vietnamese input: NFC normalization, whitespace cleanup,
//! and a diacritic-insensitive folding for search and duplicate detection.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// NFC-normalizes, drops control characters (NUL and the like, which no
/// text needs and PostgreSQL refuses), trims, and collapses runs of
/// whitespace to one space.
pub fn clean(s: &str) -> String {
    let nfc: String = s
        .nfc()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Like [`clean`], but keeps the lines: each line cleaned, runs of blank
/// lines collapsed to one (a paragraph break), none at the ends.
pub fn clean_lines(s: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in s.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        let line = clean(line);
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// A contest code from its title: "Hội thi tìm hiểu Dịch vụ công 2023" →
/// "hoi-thi-tim-hieu-dich-vu-cong-2023" (a–z, 0–9 and '-', at most 64
/// characters, cut at a word).
pub fn slugify(title: &str) -> String {
    let folded = fold(title);
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_string();
    if slug.len() > 64 {
        let cut = slug[..=64].rfind('-').unwrap_or(64);
        slug.truncate(cut);
    }
    slug
}

/// A block of a plain text with paragraphs and lists, as pages render it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Lines of one paragraph (shown with line breaks).
    Paragraph(Vec<String>),
    /// Items of a list; `ordered` when they were numbered ("1.", "2)").
    List { ordered: bool, items: Vec<String> },
}

/// The item text of a list line, and whether it is numbered.
fn list_item(line: &str) -> Option<(bool, &str)> {
    for mark in ["- ", "* ", "+ ", "• ", "– "] {
        if let Some(rest) = line.strip_prefix(mark) {
            return Some((false, rest.trim()));
        }
    }
    let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        for mark in [". ", ") "] {
            if let Some(item) = rest.strip_prefix(mark) {
                return Some((true, item.trim()));
            }
        }
    }
    None
}

/// Splits a text into paragraphs (separated by blank lines) and lists
/// (lines starting with "-", "*", "+", "•" or "1.", "2)").
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for chunk in clean_lines(text).split("\n\n") {
        let mut para: Vec<String> = Vec::new();
        for line in chunk.lines() {
            match list_item(line) {
                Some((ordered, item)) => {
                    if !para.is_empty() {
                        out.push(Block::Paragraph(std::mem::take(&mut para)));
                    }
                    match out.last_mut() {
                        Some(Block::List { ordered: o, items }) if *o == ordered => {
                            items.push(item.to_string())
                        }
                        _ => out.push(Block::List {
                            ordered,
                            items: vec![item.to_string()],
                        }),
                    }
                }
                None => {
                    // A line after a list item continues the paragraph that follows.
                    para.push(line.to_string());
                }
            }
        }
        if !para.is_empty() {
            out.push(Block::Paragraph(para));
        }
        // A blank line ends a list too.
        out.push(Block::Paragraph(Vec::new()));
    }
    out.retain(|b| !matches!(b, Block::Paragraph(p) if p.is_empty()));
    out
}

/// Folds case, diacritics and spacing: "  Đoàn  Thanh niên " → "doan thanh nien".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Percent-encodes a value for a query string.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A size limit as people say it: "200 KB", "11 MB" (whole units; a size
/// under 1 KB in bytes). The same words in Vietnamese and English.
pub fn size_in_words(bytes: u64) -> (String, String) {
    let words = if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / 1024 / 1024)
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} byte")
    };
    (words.clone(), words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_in_words(200 * 1024).0, "200 KB");
        assert_eq!(size_in_words(11 * 1024 * 1024).0, "11 MB");
        assert_eq!(size_in_words(4096).1, "4 KB");
        assert_eq!(size_in_words(10).0, "10 byte");
    }

    #[test]
    fn a_title_suggests_its_contest_code() {
        assert_eq!(
            slugify("Hội thi tìm hiểu Dịch vụ công trực tuyến năm 2023"),
            "hoi-thi-tim-hieu-dich-vu-cong-truc-tuyen-nam-2023"
        );
        assert_eq!(
            slugify("  Đường đến Điện Biên — 70 năm! "),
            "duong-den-dien-bien-70-nam"
        );
        assert_eq!(slugify("!!!"), "");
        let long = slugify(&"Thanh niên tình nguyện ".repeat(10));
        assert!(long.len() <= 64 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn rules_text_keeps_paragraphs_and_lists() {
        let text = "Thể lệ hội thi\r\n\r\n\r\nĐối tượng:\n- Đoàn viên\n- Thanh niên\n\n1. Mỗi vòng 2 lượt\n2) Tính lượt cao nhất\nGiải thưởng trao sau.\u{0}";
        assert_eq!(
            blocks(text),
            vec![
                Block::Paragraph(vec!["Thể lệ hội thi".into()]),
                Block::Paragraph(vec!["Đối tượng:".into()]),
                Block::List {
                    ordered: false,
                    items: vec!["Đoàn viên".into(), "Thanh niên".into()]
                },
                Block::List {
                    ordered: true,
                    items: vec!["Mỗi vòng 2 lượt".into(), "Tính lượt cao nhất".into()]
                },
                Block::Paragraph(vec!["Giải thưởng trao sau.".into()]),
            ]
        );
        assert_eq!(clean_lines(" a  b \n\n\n\n c \n\n"), "a b\n\nc");
        assert!(blocks(" \n \n").is_empty());
    }

    #[test]
    fn decomposed_input_is_stored_composed() {
        let decomposed = "Đoa\u{300}n"; // "Đoàn" with a combining grave accent
        assert_eq!(clean(decomposed), "Đoàn");
        assert_eq!(clean(decomposed).chars().count(), 4);
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(clean("Chi\u{0}đoàn\u{1b} 1\u{7f}"), "Chiđoàn 1");
    }

    #[test]
    fn whitespace_is_trimmed_and_collapsed() {
        assert_eq!(clean("  Chi   đoàn\tthôn 1 \n"), "Chi đoàn thôn 1");
    }

    #[test]
    fn folding_ignores_case_diacritics_and_d_stroke() {
        assert_eq!(fold("Dịch  vụ CÔNG"), "dich vu cong");
        assert_eq!(fold("Đoàn Thanh niên"), "doan thanh nien");
        assert_eq!(fold("Nguyễn Thị Ánh"), fold("nguyen thi anh"));
    }

    #[test]
    fn urlencode_keeps_paths_and_escapes_the_rest() {
        assert_eq!(
            urlencode("/c/dvc-2023?x=1&y=Đ"),
            "/c/dvc-2023%3Fx%3D1%26y%3D%C4%90"
        );
    }
}

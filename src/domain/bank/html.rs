//! Question text exported as HTML (Moodle's `[html]` GIFT and XML): turned
//! into the plain text the paper shows — tags removed, paragraphs and line
//! breaks kept as line breaks, entities decoded, scripts and styles dropped.
//! The result is text, never HTML: pages escape it like any other text.

/// Tags after which the text goes on on a new line.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "table",
    "blockquote",
    "pre",
    "hr",
];

/// Does `s` look like HTML (a tag or an entity)?
pub fn looks_like_html(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    BLOCK_TAGS
        .iter()
        .chain(
            [
                "span", "b", "strong", "i", "em", "u", "sub", "sup", "a", "img", "font",
            ]
            .iter(),
        )
        .any(|t| {
            lower.contains(&format!("<{t}>"))
                || lower.contains(&format!("<{t} "))
                || lower.contains(&format!("</{t}>"))
        })
        || lower.contains("&nbsp;")
        || lower.contains("&amp;")
}

/// The plain text of an HTML fragment.
pub fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        rest = &rest[lt..];
        if let Some(body) = rest.strip_prefix("<!--") {
            rest = body.find("-->").map(|e| &body[e + 3..]).unwrap_or("");
            continue;
        }
        // The name first: "a <= b" or "<3" is not a tag, and is passed
        // over without looking for a '>' (which made many of them quadratic).
        let closing = rest[1..].starts_with('/');
        let name: String = rest[1..]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            out.push('<');
            rest = &rest[1..];
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // A lone '<' is text ("a < b").
            out.push_str(&decode_entities(rest));
            rest = "";
            break;
        };
        rest = &rest[gt + 1..];
        if (name == "script" || name == "style") && !closing {
            let close = format!("</{name}");
            rest = match find_ascii_ci(rest, &close) {
                Some(e) => rest[e..]
                    .find('>')
                    .map(|g| &rest[e + g + 1..])
                    .unwrap_or(""),
                None => "",
            };
            continue;
        }
        if BLOCK_TAGS.contains(&name.as_str()) {
            out.push('\n');
        }
    }
    out.push_str(&decode_entities(rest));
    tidy(&out)
}

/// Where `needle` (ASCII, lowercase) first occurs in `hay`, ignoring ASCII
/// case, without copying `hay` (a lowercased copy per `<script>` was
/// quadratic).
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n))
}

/// Trims each line, collapses runs of spaces and of blank lines.
fn tidy(s: &str) -> String {
    let lines: Vec<String> = s
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

/// Decodes named (the common ones and Latin letters with accents) and
/// numeric character references; an unknown one stays as it was.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|e| e + 1);
        let decoded = match end {
            Some(e) if rest[e..].starts_with(';') => entity(&rest[1..e]).map(|c| (c, e + 1)),
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        // Control characters never come back from an entity.
        return char::from_u32(code).filter(|c| !c.is_control() || *c == '\n' || *c == '\t');
    }
    let c = match name {
        "nbsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "deg" => '°',
        "times" => '×',
        "divide" => '÷',
        "le" => '≤',
        "ge" => '≥',
        "ne" => '≠',
        "plusmn" => '±',
        "frac12" => '½',
        "copy" => '©',
        "reg" => '®',
        "middot" => '·',
        "bull" => '•',
        "euro" => '€',
        _ => return accented(name),
    };
    Some(c)
}

/// `&agrave;`, `&Ecirc;`, `&ccedil;`…: a base letter and an accent name.
fn accented(name: &str) -> Option<char> {
    let mut chars = name.chars();
    let base = chars.next()?;
    let accent: String = chars.collect();
    let mark = match accent.as_str() {
        "grave" => '\u{300}',
        "acute" => '\u{301}',
        "circ" => '\u{302}',
        "tilde" => '\u{303}',
        "uml" => '\u{308}',
        "ring" => '\u{30A}',
        "cedil" => '\u{327}',
        _ => return None,
    };
    if !"aeiouyAEIOUYcCnN".contains(base) {
        return None;
    }
    use unicode_normalization::UnicodeNormalization;
    let composed: String = [base, mark].iter().collect::<String>().nfc().collect();
    let mut it = composed.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moodle_html_becomes_the_text_a_phone_shows() {
        assert_eq!(
            to_text("<p dir=\"ltr\" style=\"text-align: left;\">Cổng <strong>Dịch vụ công</strong>&nbsp;quốc gia</p><p>có địa chỉ nào?<br></p>"),
            "Cổng Dịch vụ công quốc gia\ncó địa chỉ nào?"
        );
        assert_eq!(to_text("H<sub>2</sub>O &amp; CO<sup>2</sup>"), "H2O & CO2");
        assert_eq!(to_text("a &lt; b &#8211; c &#x2264; d"), "a < b – c ≤ d");
        assert_eq!(to_text("Tr&agrave; Vinh, &Ecirc;-đê"), "Trà Vinh, Ê-đê");
        assert_eq!(to_text("x <= 3 và 2 < 5"), "x <= 3 và 2 < 5");
    }

    #[test]
    fn scripts_styles_comments_and_unknown_entities_leave_nothing_harmful() {
        assert_eq!(
            to_text("<script>alert(1)</script><style>p{}</style><!-- ghi chú -->Câu <b onclick=\"x()\">hỏi</b>"),
            "Câu hỏi"
        );
        assert_eq!(
            to_text("&unknown; &#0; &#xD800; &"),
            "&unknown; &#0; &#xD800; &"
        );
        assert_eq!(to_text("<img src=x onerror=alert(1)>"), "");
        assert_eq!(to_text("mở <script>không đóng"), "mở");
    }

    #[test]
    fn many_scripts_or_lone_brackets_cost_linear_work() {
        // A lowercased copy of the rest of the text per <script> made
        // twice the scripts allocate ~4× the bytes.
        let cost = |n: usize| {
            let html = "<SCRIPT>x</script>a".repeat(n);
            let (text, allocated, _) = crate::domain::alloc_meter::measure(|| to_text(&html));
            assert_eq!(text.len(), n, "one 'a' per script kept");
            allocated
        };
        let (one, two) = (cost(2_000), cost(4_000));
        assert!(two * 10 < one * 26, "{one} then {two} bytes allocated");
        assert_eq!(to_text("a <= b < c<p>d"), "a <= b < c\nd");
    }

    #[test]
    fn html_is_recognized_and_plain_text_is_not() {
        assert!(looks_like_html("<p>Câu hỏi</p>"));
        assert!(looks_like_html("Câu&nbsp;hỏi"));
        assert!(!looks_like_html("2 < 3 và 5 > 4"));
        assert!(!looks_like_html("Dịch vụ công"));
    }
}

//! Word (.docx) question banks: the document's paragraphs with each run's
//! formatting (underline, bold, red, highlight), tabs and line breaks, read
//! from `word/document.xml` after the zip checks every upload gets. Nothing
//! in the file is executed; pictures are noted so their questions can be
//! reported.

use std::cell::Cell;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::rc::Rc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader as XmlReader;

use super::exam::{line_too_long, Marks, Para, Reader, Understood, MAX_LINE_CHARS};
use super::Budget;
use crate::error::Problem;

/// The most text a document may hold once unzipped.
const MAX_DOCUMENT_BYTES: u64 = 48 * 1024 * 1024;

fn unreadable(why: impl std::fmt::Display) -> Vec<Problem> {
    vec![Problem::new(
        1,
        "file",
        format!("Không đọc được tệp Word (.docx): {why}. Hãy lưu lại bằng Word dạng .docx (không phải .doc cũ)."),
        format!("Cannot read the Word (.docx) file: {why}. Save it again as .docx (not the old .doc)."),
    )]
}

/// Is a `w:val` that turns a property on (absent, or not "0"/"false"/"none")?
fn on(e: &BytesStart<'_>) -> bool {
    match attr(e, b"val") {
        None => true,
        Some(v) => !matches!(v.as_str(), "0" | "false" | "none"),
    }
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// A colour a person calls red: strong red, little green and blue.
fn is_red(hex: &str) -> bool {
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    matches!((channel(0), channel(2), channel(4)), (Some(r), Some(g), Some(b)) if r >= 0xC0 && g <= 0x50 && b <= 0x50)
}

/// The character an XML reference stands for (`&#233;`, `&amp;`…; the five
/// predefined names only), `None` for any other.
pub(super) fn reference(r: &quick_xml::events::BytesRef<'_>) -> Result<Option<char>, String> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Ok(Some(c));
    }
    Ok(match r.decode().map_err(|e| e.to_string())?.as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    })
}

/// The paragraphs of a .docx file, numbered from 1.
pub fn paragraphs(bytes: &[u8]) -> Result<Vec<Para>, Vec<Problem>> {
    let mut paras = Vec::new();
    each_paragraph(bytes, &Budget::unlimited(), |p| {
        paras.push(p);
        Ok(())
    })?;
    Ok(paras)
}

/// A .docx file in the exam convention, read one paragraph at a time.
pub fn parse(bytes: &[u8], budget: &Budget) -> Result<Understood, Vec<Problem>> {
    let mut reader = Reader::new(budget);
    each_paragraph(bytes, budget, |p| reader.feed(&p))?;
    reader.finish()
}

/// Gives each paragraph of a .docx file to `f` as soon as it is read,
/// streaming `word/document.xml` out of the zip: no copy of the document
/// is kept, and a paragraph longer than [`MAX_LINE_CHARS`] is refused.
pub fn each_paragraph(
    bytes: &[u8],
    budget: &Budget,
    f: impl FnMut(Para) -> Result<(), Vec<Problem>>,
) -> Result<(), Vec<Problem>> {
    use crate::domain::archive::{check_zip, ZipRefusal, BANK_ZIP_LIMITS};
    check_zip(bytes, &BANK_ZIP_LIMITS).map_err(|e| match e {
        ZipRefusal::Unreadable(why) => unreadable(why),
        refusal => {
            let (vi, en) = refusal.messages();
            vec![Problem::new(1, "file", vi, en)]
        }
    })?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let document = zip
        .by_name("word/document.xml")
        .map_err(|_| unreadable("không có word/document.xml"))?
        .take(MAX_DOCUMENT_BYTES);
    let tripped = Rc::new(Cell::new(false));
    let capped = TextCap {
        inner: document,
        since_tag: 0,
        tripped: tripped.clone(),
    };
    read_document(BufReader::new(capped), budget, &tripped, f)
}

/// The most bytes of text between two tags: a paragraph's worth of
/// 4-byte characters. The XML reader buffers a whole text node before it
/// hands it over, so a longer one is refused while the bytes stream in.
const MAX_TEXT_NODE_BYTES: usize = 4 * MAX_LINE_CHARS;

/// Reads through, failing (and saying so in `tripped`) once more than
/// [`MAX_TEXT_NODE_BYTES`] come without a '<'.
struct TextCap<R> {
    inner: R,
    since_tag: usize,
    tripped: Rc<Cell<bool>>,
}

impl<R: Read> Read for TextCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'<' {
                self.since_tag = 0;
            } else {
                self.since_tag += 1;
            }
            if self.since_tag > MAX_TEXT_NODE_BYTES {
                self.tripped.set(true);
                return Err(std::io::Error::other("text run too long"));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
fn parse_document(xml: &[u8]) -> Result<Vec<Para>, Vec<Problem>> {
    let mut paras = Vec::new();
    read_document(xml, &Budget::unlimited(), &Cell::new(false), |p| {
        paras.push(p);
        Ok(())
    })?;
    Ok(paras)
}

/// `text_cap`: set by the reader below when a text node was too long.
fn read_document<R: BufRead>(
    xml: R,
    budget: &Budget,
    text_cap: &Cell<bool>,
    mut f: impl FnMut(Para) -> Result<(), Vec<Problem>>,
) -> Result<(), Vec<Problem>> {
    let mut reader = XmlReader::from_reader(xml);
    let mut buf = Vec::new();
    let count = Cell::new(0);
    let mut current = Para::default();
    let mut marks = Marks::default();
    let (mut in_run_props, mut in_text) = (false, false);
    let mut new_para = |current: &mut Para| {
        let mut done = std::mem::take(current);
        count.set(count.get() + 1);
        done.line = count.get();
        f(done)
    };
    loop {
        budget.tick()?;
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            if text_cap.get() {
                line_too_long(count.get() + 1)
            } else {
                unreadable(e)
            }
        })?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    b"r" if !empty => marks = Marks::default(),
                    b"rPr" if !empty => in_run_props = true,
                    b"u" if in_run_props => marks.underline = on(e),
                    b"b" if in_run_props => marks.bold = on(e),
                    b"color" if in_run_props => {
                        marks.red = attr(e, b"val").is_some_and(|v| is_red(&v))
                    }
                    b"highlight" if in_run_props => marks.highlight = on(e),
                    b"shd" if in_run_props => {
                        marks.highlight =
                            attr(e, b"fill").is_some_and(|f| f != "auto" && f != "FFFFFF")
                    }
                    b"t" if !empty => in_text = true,
                    b"tab" if !in_run_props => current.chars.push(('\t', marks)),
                    b"br" | b"cr" => new_para(&mut current)?,
                    b"drawing" | b"pict" | b"object" => current.has_image = true,
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"p" => new_para(&mut current)?,
                b"rPr" => in_run_props = false,
                b"t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text => {
                let text = t.decode().map_err(unreadable)?;
                // Counted before it is kept: a 47 MB run costs its count.
                if current.chars.len() + text.chars().count() > MAX_LINE_CHARS {
                    return Err(line_too_long(count.get() + 1));
                }
                current.chars.extend(text.chars().map(|c| (c, marks)));
            }
            Event::GeneralRef(r) if in_text => {
                let c = reference(r).map_err(unreadable)?;
                if let Some(c) = c.filter(|c| !c.is_control()) {
                    current.chars.push((c, marks));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if current.chars.len() > MAX_LINE_CHARS {
            return Err(line_too_long(count.get() + 1));
        }
        buf.clear();
    }
    if !current.chars.is_empty() {
        new_para(&mut current)?;
    }
    Ok(())
}

/// A minimal .docx holding `body` (the inside of `<w:body>`), for tests.
pub fn docx_of(body: &str) -> Vec<u8> {
    use std::io::Write;
    let mut out = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default();
        let files = [
            ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".to_string()),
            ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>".to_string()),
            ("word/document.xml", format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>")),
        ];
        for (name, text) in files {
            if zip.start_file(name, opts).is_err() || zip.write_all(text.as_bytes()).is_err() {
                return Vec::new();
            }
        }
        if zip.finish().is_err() {
            return Vec::new();
        }
    }
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, props: &str) -> String {
        format!("<w:r><w:rPr>{props}</w:rPr><w:t xml:space=\"preserve\">{text}</w:t></w:r>")
    }

    #[test]
    fn runs_keep_their_formatting_tabs_and_breaks() {
        let body =
            format!(
            "<w:p>{}</w:p><w:p>{}<w:r><w:tab/></w:r>{}{}</w:p><w:p>{}<w:r><w:br/></w:r>{}</w:p>",
            run("Câu 1: Q &amp; A?", ""),
            run("A. Huế", ""),
            run("B. ", "<w:b/>"),
            run("Hà Nội", "<w:u w:val=\"single\"/><w:color w:val=\"FF0000\"/>"),
            run("dòng một", ""),
            run("dòng hai", "<w:highlight w:val=\"yellow\"/>"),
        );
        let paras =
            parse_document(format!("<w:document><w:body>{body}</w:body></w:document>").as_bytes())
                .unwrap();
        let text: Vec<String> = paras
            .iter()
            .map(|p| p.chars.iter().map(|c| c.0).collect())
            .collect();
        assert_eq!(
            text,
            ["Câu 1: Q & A?", "A. Huế\tB. Hà Nội", "dòng một", "dòng hai"]
        );
        let hanoi = paras[1]
            .chars
            .iter()
            .find(|c| c.0 == 'H' && c.1.underline)
            .unwrap();
        assert!(hanoi.1.red && !hanoi.1.bold);
        assert!(paras[1].chars.iter().any(|c| c.0 == 'B' && c.1.bold));
        assert!(paras[3].chars[0].1.highlight);
        assert_eq!(paras[3].line, 4);
    }

    #[test]
    fn a_docx_file_is_read_after_its_zip_is_checked() {
        let file = docx_of(
            "<w:p><w:r><w:t>Câu 1: Hỏi?</w:t></w:r></w:p><w:p><w:r><w:drawing/></w:r></w:p>",
        );
        let paras = paragraphs(&file).unwrap();
        assert_eq!(paras.len(), 2);
        assert!(paras[1].has_image);
        assert!(paragraphs(b"PK\x03\x04 broken").is_err());
        assert!(paragraphs(b"not a zip").unwrap_err()[0].row == 1);
    }

    /// Letters that do not compress much (a zip of them passes the ratio check).
    pub(crate) fn noise(n: usize) -> String {
        let mut x: u32 = 12345;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (b'a' + ((x >> 16) % 26) as u8) as char
            })
            .collect()
    }

    #[test]
    fn one_huge_text_run_is_refused_without_being_split_into_characters() {
        let run_len = 2_000_000;
        let file = docx_of(&format!(
            "<w:p><w:r><w:t>Câu 1: Hỏi?</w:t></w:r></w:p><w:p><w:r><w:t>{}</w:t></w:r></w:p>",
            noise(run_len)
        ));
        let (errs, _, peak) = crate::domain::alloc_meter::measure(|| {
            parse(&file, &Budget::unlimited()).map(|_| ()).unwrap_err()
        });
        assert_eq!(
            (errs[0].row, errs[0].field.as_str()),
            (2, "file"),
            "{errs:?}"
        );
        assert!(errs[0].message.contains("dài quá"), "{errs:?}");
        // Split into (char, marks) pairs the run took 8 bytes a character
        // (16 while its vector grew); buffered whole by the XML reader, 1–2;
        // cut off while it streams in, a fraction.
        assert!(
            peak < run_len as u64 / 2,
            "peak {peak} bytes for a {run_len}-character run"
        );
    }

    #[test]
    fn a_document_is_read_one_paragraph_at_a_time_within_a_budget() {
        let file = docx_of(
            "<w:p><w:r><w:t>Câu 1: Hỏi?</w:t></w:r></w:p><w:p><w:r><w:t>*A. x</w:t></w:r></w:p><w:p><w:r><w:t>B. y</w:t></w:r></w:p>",
        );
        let u = parse(&file, &Budget::unlimited()).unwrap();
        assert_eq!(u.bank.questions[0].answer, ["A"]);
        let gone = Budget::unlimited();
        drop(gone.cancel_on_drop());
        let errs = parse(&file, &gone).unwrap_err();
        assert!(errs[0].message.starts_with("Tệp quá phức tạp"), "{errs:?}");
    }

    #[test]
    fn red_is_what_a_person_calls_red() {
        assert!(is_red("FF0000") && is_red("C00000") && is_red("E31B23"));
        assert!(!is_red("000000") && !is_red("0070C0") && !is_red("FFC000") && !is_red("x"));
    }
}

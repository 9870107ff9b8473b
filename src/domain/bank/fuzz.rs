//! Property test: every bank parser, fed arbitrary bytes or a valid example
//! with bytes flipped, inserted or cut, returns a bank or a list of problems,
//! never a panic (a panic in an upload would take its worker thread down).

use proptest::prelude::*;

use super::{parse, table, BankDefaults, Format};

const FORMATS: [Format; 8] = [
    Format::Toml,
    Format::Xlsx,
    Format::Csv,
    Format::Gift,
    Format::Aiken,
    Format::Docx,
    Format::Text,
    Format::MoodleXml,
];

fn examples() -> Vec<(Format, Vec<u8>)> {
    vec![
        (
            Format::Toml,
            include_bytes!("../../../question_banks/dich-vu-cong-truc-tuyen-2023.toml").to_vec(),
        ),
        (Format::Xlsx, table::template_xlsx().expect("template")),
        (Format::Csv, table::tests::CSV.as_bytes().to_vec()),
        (
            Format::Gift,
            super::gift::tests::EXAMPLE.as_bytes().to_vec(),
        ),
        (
            Format::Aiken,
            super::aiken::tests::EXAMPLE.as_bytes().to_vec(),
        ),
        (
            Format::Docx,
            super::docx::docx_of(
                "<w:p><w:r><w:t>Câu 1: Hỏi?</w:t></w:r></w:p><w:p><w:r><w:t>*A. Một</w:t></w:r><w:r><w:tab/></w:r><w:r><w:rPr><w:u/></w:rPr><w:t>B. Hai</w:t></w:r></w:p>",
            ),
        ),
        (
            Format::MoodleXml,
            // Without its essay (an unsupported type, refused by default).
            format!(
                "{}</quiz>\n",
                super::moodle_xml::tests::EXAMPLE
                    .split("  <question type=\"essay\">")
                    .next()
                    .unwrap_or_default()
            )
            .into_bytes(),
        ),
        (
            Format::Text,
            "Phần I. Chung\nCâu 1: Hỏi?\nA. Một\t*B. Hai\nLời giải: vì thế.\nBẢNG ĐÁP ÁN\n1-B\n"
                .as_bytes()
                .to_vec(),
        ),
    ]
}

fn defaults() -> BankDefaults {
    BankDefaults {
        slug: None,
        title: None,
        file_name: "tep.bin".into(),
        ..Default::default()
    }
}

/// Applies `edits` (position, kind, byte) to a copy of `bytes`.
fn mutate(bytes: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for &(at, kind, byte) in edits {
        if out.is_empty() {
            out.push(byte);
            continue;
        }
        let at = at % out.len();
        match kind % 4 {
            0 => out[at] = byte,
            1 => out.insert(at, byte),
            2 => {
                out.remove(at);
            }
            _ => out.truncate(at),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_any_parser(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for format in FORMATS {
            let _ = parse(format, &bytes, &defaults());
        }
        let _ = Format::detect("x", &bytes);
    }

    #[test]
    fn mutated_examples_never_panic_their_parser(
        which in 0usize..5,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12),
    ) {
        let (format, bytes) = examples().swap_remove(which);
        let _ = parse(format, &mutate(&bytes, &edits), &defaults());
    }
}

#[test]
fn the_unmutated_examples_parse() {
    for (format, bytes) in examples() {
        assert!(
            parse(format, &bytes, &defaults()).is_ok(),
            "{format:?} example"
        );
    }
}

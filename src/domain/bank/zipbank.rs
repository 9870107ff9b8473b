//! A bank sent as a zip: exactly one bank file (any format hoithi reads)
//! and the pictures its questions show, in any folders. The archive checks
//! of `domain::archive` come first (with the bank limits), so what is read
//! here was measured there.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use unicode_normalization::UnicodeNormalization;

use super::Format;
use crate::domain::archive::{check_zip, BANK_ZIP_LIMITS};
use crate::domain::images::MAX_PICTURE_UPLOAD_BYTES;
use crate::error::Problem;

/// The extensions of the pictures a zip bank may hold.
pub const PICTURE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp"];

/// The extensions of bank files (the file must also be recognized by
/// [`Format::detect`]: a `.txt` read-me is not a bank).
pub const BANK_EXTENSIONS: &[&str] =
    &["toml", "xlsx", "csv", "txt", "gift", "aiken", "docx", "xml"];

/// A bank file and its pictures, from one zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipBank {
    /// The bank file's path in the zip (forward slashes), e.g. `de-thi/bank.toml`.
    pub file_name: String,
    pub bank: Vec<u8>,
    /// Pictures by their path in the zip (forward slashes, NFC), as stored
    /// there: not decoded yet.
    pub images: BTreeMap<String, Vec<u8>>,
}

impl ZipBank {
    /// The picture a bank names by `path`, as written in the bank:
    /// relative to the bank file's folder or to the zip's root, with `./`,
    /// `../` (within the zip) or backslashes, ignoring case and Unicode
    /// normalization; a bare file name found in one folder only is found
    /// too. `None` if nothing matches.
    pub fn image(&self, path: &str) -> Option<&[u8]> {
        let written = path.trim();
        let folder = self
            .file_name
            .rsplit_once('/')
            .map(|(dir, _)| dir)
            .unwrap_or("");
        let mut wanted = Vec::new();
        for form in [Some(written.to_string()), percent_decoded(written)]
            .into_iter()
            .flatten()
        {
            if !folder.is_empty() {
                wanted.extend(resolve(&format!("{folder}/{form}")));
            }
            wanted.extend(resolve(&form));
        }
        for w in &wanted {
            if let Some(bytes) = self.images.get(w) {
                return Some(bytes);
            }
        }
        let folded: Vec<String> = wanted.iter().map(|w| fold(w)).collect();
        if let Some((_, bytes)) = self.images.iter().find(|(k, _)| folded.contains(&fold(k))) {
            return Some(bytes);
        }
        // A bare file name: the one picture of that name, wherever it is.
        let bare = wanted.iter().find(|w| !w.contains('/'))?;
        let bare = fold(bare);
        let mut same_name = self
            .images
            .iter()
            .filter(|(k, _)| fold(k.rsplit('/').next().unwrap_or(k)) == bare);
        match (same_name.next(), same_name.next()) {
            (Some((_, bytes)), None) => Some(bytes),
            _ => None,
        }
    }
}

/// Opens a zip bank: checks the archive, then finds its one bank file and
/// its pictures. Every problem found is returned, not only the first.
pub fn open(bytes: &[u8]) -> Result<ZipBank, Vec<Problem>> {
    let problem = |field: &str, vi: String, en: String| Problem::new(0, field, vi, en);
    if let Err(refused) = check_zip(bytes, &BANK_ZIP_LIMITS) {
        let (vi, en) = refused.messages();
        return Err(vec![problem("file", vi, en)]);
    }
    let unreadable = |e: &dyn std::fmt::Display| {
        vec![problem(
            "file",
            format!("Tệp nén (zip) hỏng hoặc không đọc được: {e}"),
            format!("Not a readable zip archive: {e}"),
        )]
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut problems = Vec::new();
    let mut banks: Vec<(String, Vec<u8>)> = Vec::new();
    let mut images = BTreeMap::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| unreadable(&e))?;
        if entry.is_dir() {
            continue;
        }
        let raw = entry.name().to_string();
        let path = match entry_path(&raw) {
            Ok(p) => p,
            Err((vi, en)) => {
                problems.push(problem(&shorten(&raw), vi, en));
                continue;
            }
        };
        if is_junk(&path) {
            continue;
        }
        let ext = extension(&path);
        let is_picture = PICTURE_EXTENSIONS.contains(&ext.as_str());
        if !is_picture && !BANK_EXTENSIONS.contains(&ext.as_str()) {
            continue;
        }
        if let Some(first) = seen.insert(fold(&path), path.clone()) {
            problems.push(problem(
                &shorten(&path),
                format!("Tệp zip có hai tệp cùng đường dẫn: \"{first}\" và \"{path}\"."),
                format!("The zip holds two files with the same path: \"{first}\" and \"{path}\"."),
            ));
            continue;
        }
        if is_picture && entry.size() > MAX_PICTURE_UPLOAD_BYTES as u64 {
            let mb = MAX_PICTURE_UPLOAD_BYTES / 1024 / 1024;
            let size = entry.size() as f64 / 1024.0 / 1024.0;
            problems.push(problem(
                &shorten(&path),
                format!("Ảnh \"{path}\" quá lớn ({size:.1} MB; tối đa {mb} MB mỗi ảnh)."),
                format!(
                    "The picture \"{path}\" is too large ({size:.1} MB; at most {mb} MB each)."
                ),
            ));
            continue;
        }
        // Bounded: check_zip inflated every entry within the limits.
        let mut data = Vec::new();
        (&mut entry)
            .take(BANK_ZIP_LIMITS.max_entry_bytes + 1)
            .read_to_end(&mut data)
            .map_err(|e| unreadable(&format!("{path}: {e}")))?;
        if is_picture {
            images.insert(path, data);
        } else if Format::detect(&path, &data).is_some() {
            banks.push((path, data));
        }
    }
    let listed = BANK_EXTENSIONS
        .iter()
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(", ");
    match banks.len() {
        0 => problems.push(problem(
            "file",
            format!("Tệp zip không chứa tệp ngân hàng câu hỏi nào ({listed})."),
            format!("The zip holds no question bank file ({listed})."),
        )),
        1 => {}
        n => {
            let names = banks
                .iter()
                .map(|(p, _)| format!("\"{p}\""))
                .collect::<Vec<_>>()
                .join(", ");
            problems.push(problem(
                "file",
                format!("Tệp zip chứa {n} tệp ngân hàng câu hỏi ({names}); chỉ được có một."),
                format!("The zip holds {n} question bank files ({names}); it must hold one."),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let Some((file_name, bank)) = banks.pop() else {
        return Err(problems);
    };
    Ok(ZipBank {
        file_name,
        bank,
        images,
    })
}

/// An entry's name as a relative path with forward slashes, `.` and empty
/// parts dropped, in NFC; refused (Vietnamese, English) when absolute or
/// going up with `..`.
fn entry_path(raw: &str) -> Result<String, (String, String)> {
    let shown = shorten(raw);
    let slashed = raw.replace('\\', "/");
    let absolute = slashed.starts_with('/')
        || slashed.as_bytes().get(1) == Some(&b':')
        || slashed.chars().any(char::is_control);
    if absolute {
        return Err((
            format!("Tệp zip chứa đường dẫn tuyệt đối hoặc không hợp lệ: \"{shown}\"."),
            format!("The zip holds an absolute or invalid path: \"{shown}\"."),
        ));
    }
    let mut parts = Vec::new();
    for part in slashed.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err((
                    format!("Tệp zip chứa đường dẫn đi ra ngoài thư mục (\"..\"): \"{shown}\"."),
                    format!("The zip holds a path going up (\"..\"): \"{shown}\"."),
                ))
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/").nfc().collect())
}

/// A path as written in a bank, resolved to a zip path: `.` dropped, `..`
/// going up (`None` past the root), backslashes as slashes, NFC.
fn resolve(written: &str) -> Option<String> {
    let slashed = written.replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for part in slashed.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/").nfc().collect())
}

/// `%20` and the like decoded, when the path has any and decodes to UTF-8.
fn percent_decoded(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The form two paths are compared in: NFC, lowercase.
fn fold(path: &str) -> String {
    path.nfc().flat_map(char::to_lowercase).collect()
}

fn extension(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default()
}

/// What archivers add and nobody means: macOS resource forks and folder
/// files, Windows thumbnails, hidden files.
fn is_junk(path: &str) -> bool {
    path.split('/')
        .any(|p| p == "__MACOSX" || p.starts_with('.'))
        || path.rsplit('/').next().is_some_and(|n| {
            n.eq_ignore_ascii_case("thumbs.db") || n.eq_ignore_ascii_case("desktop.ini")
        })
}

/// Entry names come from the file: short and printable in messages.
fn shorten(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const BANK: &[u8] =
        b"[[questions]]\nstem = \"Huy hieu Doan?\"\nimage = \"images/huy-hieu.png\"\n";

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for (name, data) in entries {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    fn messages(problems: &[Problem]) -> String {
        problems
            .iter()
            .map(|p| format!("{} | {}", p.message, p.message_en))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_bank_and_its_pictures_open_and_the_pictures_are_found_as_a_bank_writes_them() {
        let z = zip_of(&[
            ("ngan-hang.toml", BANK),
            ("images/huy-hieu.png", b"png-1"),
            ("images\\Co Dang.JPG", b"jpg-2"),
            ("anh/sub/ban-do.webp", b"webp-3"),
            (
                "README.txt",
                "Ngân hàng câu hỏi của Đoàn xã, kèm ảnh.".as_bytes(),
            ),
            ("__MACOSX/._ngan-hang.toml", b"junk"),
            (".DS_Store", b"junk"),
        ]);
        let zb = open(&z).unwrap();
        assert_eq!(zb.file_name, "ngan-hang.toml");
        assert_eq!(zb.bank, BANK);
        assert_eq!(
            zb.images.keys().collect::<Vec<_>>(),
            [
                "anh/sub/ban-do.webp",
                "images/Co Dang.JPG",
                "images/huy-hieu.png"
            ]
        );
        for written in [
            "images/huy-hieu.png",
            "./images/huy-hieu.png",
            "images/HUY-HIEU.PNG",
            "images\\huy-hieu.png",
            " images//huy-hieu.png ",
            "anh/../images/huy-hieu.png",
            "huy-hieu.png",
        ] {
            assert_eq!(zb.image(written), Some(&b"png-1"[..]), "{written}");
        }
        assert_eq!(zb.image("images/co dang.jpg"), Some(&b"jpg-2"[..]));
        assert_eq!(zb.image("images/Co%20Dang.JPG"), Some(&b"jpg-2"[..]));
        assert_eq!(zb.image("anh/sub/ban-do.webp"), Some(&b"webp-3"[..]));
        for missing in ["images/khong-co.png", "../huy-hieu.png", "", "images"] {
            assert_eq!(zb.image(missing), None, "{missing}");
        }
    }

    #[test]
    fn a_bank_in_a_folder_finds_its_pictures_relative_to_it() {
        let z = zip_of(&[
            ("de-thi/cau-hoi.toml", BANK),
            ("de-thi/images/huy-hieu.png", b"here"),
        ]);
        let zb = open(&z).unwrap();
        assert_eq!(zb.file_name, "de-thi/cau-hoi.toml");
        assert_eq!(zb.image("images/huy-hieu.png"), Some(&b"here"[..]));
        assert_eq!(zb.image("de-thi/images/huy-hieu.png"), Some(&b"here"[..]));
    }

    #[test]
    fn names_in_nfd_from_a_mac_are_found_by_names_in_nfc() {
        let nfd: String = "ảnh/huy-hiệu.png".nfd().collect();
        let z = zip_of(&[("bank.toml", BANK), (nfd.as_str(), b"mac")]);
        let zb = open(&z).unwrap();
        assert_eq!(zb.image("ảnh/huy-hiệu.png"), Some(&b"mac"[..]));
        assert_eq!(zb.image("ẢNH/HUY-HIỆU.PNG"), Some(&b"mac"[..]));
    }

    #[test]
    fn no_bank_file_or_two_are_problems_naming_them() {
        let none = open(&zip_of(&[("images/a.png", b"x")])).unwrap_err();
        assert!(
            messages(&none).contains("không chứa tệp ngân hàng"),
            "{none:?}"
        );
        let two = open(&zip_of(&[("a.toml", BANK), ("b/c.toml", BANK)])).unwrap_err();
        let text = messages(&two);
        assert!(
            text.contains("2 tệp ngân hàng") && text.contains("\"b/c.toml\""),
            "{text}"
        );
        assert!(text.contains("\"a.toml\""), "{text}");
    }

    #[test]
    fn an_unreadable_zip_and_a_bomb_are_problems() {
        let e = open(b"PK\x03\x04 not a zip").unwrap_err();
        assert!(messages(&e).contains("hỏng hoặc không đọc được"), "{e:?}");
        let e = open(b"").unwrap_err();
        assert_eq!(e.len(), 1);
        // 4 MB of zeros: refused by the ratio check of domain::archive first.
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file("bank.toml", opts).unwrap();
            w.write_all(&vec![b' '; 4 * 1024 * 1024]).unwrap();
            w.finish().unwrap();
        }
        let e = open(&out.into_inner()).unwrap_err();
        assert!(messages(&e).contains("bom nén"), "{e:?}");
    }

    #[test]
    fn a_picture_over_5_mb_is_a_problem_and_the_others_are_still_reported() {
        let mut state = 1u32;
        let big: Vec<u8> = (0..MAX_PICTURE_UPLOAD_BYTES + 1)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            })
            .collect();
        let e = open(&zip_of(&[("images/anh-lon.jpg", &big)])).unwrap_err();
        let text = messages(&e);
        assert!(text.contains("\"images/anh-lon.jpg\" quá lớn"), "{text}");
        assert!(text.contains("tối đa 5 MB"), "{text}");
        assert!(text.contains("không chứa tệp ngân hàng"), "{text}");
        assert_eq!(e[0].field, "images/anh-lon.jpg");
    }

    #[test]
    fn absolute_paths_and_paths_going_up_are_refused() {
        for bad in [
            "/etc/huy-hieu.png",
            "../huy-hieu.png",
            "images/../../x.png",
            "C:\\anh\\x.png",
        ] {
            let e = open(&zip_of(&[("bank.toml", BANK), (bad, b"x")])).unwrap_err();
            let text = messages(&e);
            assert!(text.contains("đường dẫn"), "{bad}: {text}");
        }
        let e = open(&zip_of(&[
            ("bank.toml", BANK),
            ("images/a.png", b"1"),
            ("Images/A.PNG", b"2"),
        ]))
        .unwrap_err();
        assert!(messages(&e).contains("cùng đường dẫn"), "{e:?}");
    }

    #[test]
    fn every_bank_format_is_recognized_inside_the_zip() {
        for (name, data) in [
            ("b.csv", &b"stem,a,b,answer\nX?,1,2,A\n"[..]),
            ("b.gift", &b"::Q1:: Hai cong hai? {=4 ~3}"[..]),
            ("b.xml", &b"<quiz></quiz>"[..]),
            ("b.xlsx", &b"PK\x03\x04"[..]),
        ] {
            let zb = open(&zip_of(&[(name, data), ("a.png", b"1")])).unwrap();
            assert_eq!(zb.file_name, name);
        }
    }
}

//! The Vietnamese administrative heading that starts a document to be
//! signed and filed (results, winners, unit statistics): on the left the
//! unit above and the issuing unit, on the right "ĐOÀN TNCS HỒ CHÍ MINH"
//! and "<place>, ngày … tháng … năm …", then the title.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// The unit above the issuing one, upper case (none for a root unit).
    pub upper: Option<String>,
    /// The issuing (organizing) unit, upper case.
    pub unit: String,
    /// "Tân Phú, ngày 05 tháng 02 năm 2026".
    pub date_line: String,
    /// The document's title, upper case ("KẾT QUẢ VÒNG 1").
    pub title: String,
    /// What it is about (the contest's title).
    pub subtitle: String,
}

pub const PARTY_LINE: &str = "ĐOÀN TNCS HỒ CHÍ MINH";

impl Heading {
    pub fn new(
        upper: Option<&str>,
        unit: &str,
        date: NaiveDate,
        title: &str,
        subtitle: &str,
    ) -> Heading {
        Heading {
            upper: upper.map(|u| u.to_uppercase()),
            unit: unit.to_uppercase(),
            date_line: date_line(&place_of(unit), date),
            title: title.to_uppercase(),
            subtitle: subtitle.to_string(),
        }
    }
}

/// The names of union bodies, stripped from the front of a unit's name
/// (longest first, repeatedly: "BCH Đoàn TNCS Hồ Chí Minh …").
const BODIES: &[&str] = &[
    "ban chấp hành đoàn",
    "ban thường vụ đoàn",
    "đoàn tncs hồ chí minh",
    "đoàn thanh niên",
    "bch đoàn",
    "btv đoàn",
    "tỉnh đoàn",
    "thành đoàn",
    "huyện đoàn",
    "quận đoàn",
    "thị đoàn",
    "chi đoàn",
    "đoàn cơ sở",
    "đoàn",
];

/// Administrative levels, one of which is stripped after the body.
const LEVELS: &[&str] = &[
    "thành phố",
    "thị trấn",
    "thị xã",
    "xã",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "tp.",
];

/// `rest` without a leading word group of `list` (a whole-word match).
fn strip<'a>(rest: &'a str, list: &[&str]) -> Option<&'a str> {
    let lower = rest.to_lowercase();
    let p = list.iter().find(|p| {
        lower.starts_with(*p)
            && lower[p.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace())
    })?;
    // Lower-casing keeps these words' byte lengths (no ẞ/İ in them).
    rest.get(p.len()..).map(str::trim_start)
}

/// The place a unit's documents are dated at: its name without the kind of
/// body and level ("Đoàn xã Tân Phú" → "Tân Phú"); "……" when nothing is left
/// (the signer writes it by hand).
pub fn place_of(unit_name: &str) -> String {
    let mut rest = unit_name.trim();
    while let Some(r) = strip(rest, BODIES) {
        rest = r;
    }
    if let Some(r) = strip(rest, LEVELS) {
        rest = r;
    }
    if rest.is_empty() {
        "……".to_string()
    } else {
        rest.to_string()
    }
}

/// "Tân Phú, ngày 05 tháng 02 năm 2026": days below 10 and the months
/// January and February take a leading zero, as official documents write
/// them (so no one can add a digit by hand).
pub fn date_line(place: &str, date: NaiveDate) -> String {
    let month = if date.month() <= 2 {
        format!("{:02}", date.month())
    } else {
        date.month().to_string()
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        date.day(),
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_is_the_unit_name_without_its_kind_and_level() {
        assert_eq!(place_of("Đoàn xã Tân Phú"), "Tân Phú");
        assert_eq!(place_of("Huyện đoàn Châu Thành"), "Châu Thành");
        assert_eq!(place_of("BCH Đoàn phường Bến Nghé"), "Bến Nghé");
        assert_eq!(place_of("Đoàn TNCS Hồ Chí Minh thị trấn Phú Mỹ"), "Phú Mỹ");
        assert_eq!(place_of("Thành đoàn Hà Nội"), "Hà Nội");
        assert_eq!(place_of("Đoàn trường THPT Lê Lợi"), "trường THPT Lê Lợi");
        assert_eq!(
            place_of("Xã Đoàn Kết"),
            "Đoàn Kết",
            "a place may be called Đoàn Kết"
        );
        assert_eq!(place_of("Đoàn"), "……");
        assert_eq!(place_of("  "), "……");
    }

    #[test]
    fn dates_are_written_with_the_leading_zeros_of_official_documents() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            date_line("Tân Phú", d(2026, 2, 5)),
            "Tân Phú, ngày 05 tháng 02 năm 2026"
        );
        assert_eq!(
            date_line("Tân Phú", d(2026, 11, 30)),
            "Tân Phú, ngày 30 tháng 11 năm 2026"
        );
        assert_eq!(
            date_line("Tân Phú", d(2026, 3, 9)),
            "Tân Phú, ngày 09 tháng 3 năm 2026"
        );
    }

    #[test]
    fn a_heading_is_upper_case_where_documents_are() {
        let h = Heading::new(
            Some("Huyện đoàn Châu Thành"),
            "Đoàn xã Tân Phú",
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            "Danh sách đoạt giải vòng 1",
            "Hội thi tìm hiểu Dịch vụ công trực tuyến năm 2023",
        );
        assert_eq!(h.upper.as_deref(), Some("HUYỆN ĐOÀN CHÂU THÀNH"));
        assert_eq!(h.unit, "ĐOÀN XÃ TÂN PHÚ");
        assert_eq!(h.title, "DANH SÁCH ĐOẠT GIẢI VÒNG 1");
        assert_eq!(h.date_line, "Tân Phú, ngày 30 tháng 11 năm 2026");
    }
}

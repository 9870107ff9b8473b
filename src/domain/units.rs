//! The unit tree: codes, materialized paths, scope checks, and the CSV
//! import (`code,name,level,parent_code,members`) validated as a whole
//! before anything is written.

use std::collections::HashMap;

use crate::domain::text::clean;
use crate::error::Problem;

pub const MAX_DEPTH: i32 = 16;
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_IMPORT_ROWS: usize = 50_000;

/// The materialized path of a unit whose parent has `parent_path`.
pub fn child_path(parent_path: Option<&str>, id: &str) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// The half-open range `[lo, hi)` of paths in the subtree rooted at `path`
/// (the root included). `'0'` is the character right after `'/'`.
pub fn subtree_range(path: &str) -> (String, String) {
    let mut hi = path.strip_suffix('/').unwrap_or(path).to_string();
    hi.push('0');
    (path.to_string(), hi)
}

/// Is the unit at `path` inside the subtree rooted at `scope`?
pub fn is_within(path: &str, scope: &str) -> bool {
    path.starts_with(scope)
}

/// Checks a unit code: 1–32 characters of letters, digits, '.', '-' or '_'.
pub fn check_code(raw: &str) -> Result<String, (String, String)> {
    let code = raw.trim().to_string();
    // `import` is the address of the CSV import (`/api/v1/units/import`).
    let ok = !code.is_empty()
        && !code.eq_ignore_ascii_case("import")
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c));
    if ok {
        Ok(code)
    } else {
        Err((
            format!(
                "Mã đơn vị {raw:?} không hợp lệ: 1–32 ký tự gồm chữ không dấu, số, '.', '-', '_' (không dùng \"import\")."
            ),
            format!("Invalid unit code {raw:?}: 1–32 characters of A–Z, 0–9, '.', '-', '_' (not \"import\")."),
        ))
    }
}

/// Checks and cleans a required text field of at most `max` characters.
pub fn check_text(
    raw: &str,
    max: usize,
    what_vi: &str,
    what_en: &str,
) -> Result<String, (String, String)> {
    let v = clean(raw);
    if v.is_empty() {
        Err((
            format!("Thiếu {what_vi}."),
            format!("The {what_en} is missing."),
        ))
    } else if v.chars().count() > max {
        Err((
            format!("{what_vi} dài quá {max} ký tự."),
            format!("The {what_en} is longer than {max} characters."),
        ))
    } else {
        Ok(v)
    }
}

pub fn check_members(raw: &str) -> Result<Option<i32>, (String, String)> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(n) if n < 0 => Err((
            format!("Số đoàn viên không được âm ({n})."),
            format!("The member count cannot be negative ({n})."),
        )),
        Ok(n) if n > 10_000_000 => Err((
            format!("Số đoàn viên quá lớn ({n})."),
            format!("The member count is too large ({n})."),
        )),
        Ok(n) => Ok(Some(n as i32)),
        Err(_) => Err((
            format!("Số đoàn viên phải là số nguyên, không phải {t:?}."),
            format!("The member count must be a whole number, not {t:?}."),
        )),
    }
}

/// One data row of the CSV, already checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvUnit {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub members: Option<i32>,
}

/// A unit already in the database, as the import planner needs it.
#[derive(Debug, Clone)]
pub struct ExistingUnit {
    pub id: String,
    pub code: String,
    pub parent_code: Option<String>,
    pub path: String,
    pub depth: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedUnit {
    pub row: usize,
    pub id: String,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<String>,
    pub path: String,
    pub depth: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedUpdate {
    pub row: usize,
    pub id: String,
    pub code: String,
    pub name: String,
    pub level: String,
    pub path: String,
}

/// What an import will do, in an order that is safe to apply (parents first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportPlan {
    pub creates: Vec<PlannedUnit>,
    pub updates: Vec<PlannedUpdate>,
    /// (unit id, member count) snapshots to record.
    pub members: Vec<(String, i32)>,
}

impl ImportPlan {
    /// One problem for each unit the import would touch outside `scope`.
    pub fn outside_scope(&self, scope: &str) -> Vec<Problem> {
        let touched = self.creates.iter().map(|c| (c.row, &c.code, &c.path));
        let touched = touched.chain(self.updates.iter().map(|u| (u.row, &u.code, &u.path)));
        let mut problems: Vec<Problem> = touched
            .filter(|(_, _, path)| !is_within(path, scope))
            .map(|(row, code, _)| {
                Problem::new(
                    row,
                    "parent_code",
                    format!("Đơn vị {code} nằm ngoài phạm vi đơn vị bạn quản lý."),
                    format!("Unit {code} is outside the subtree you manage."),
                )
            })
            .collect();
        problems.sort_by_key(|p| p.row);
        problems
    }
}

const HEADERS: [(&str, &str); 5] = [
    ("code", "ma"),
    ("name", "ten"),
    ("level", "cap"),
    ("parent_code", "ma_cap_tren"),
    ("members", "so_doan_vien"),
];

fn problem(row: usize, field: &str, (vi, en): (String, String)) -> Problem {
    Problem::new(row, field, vi, en)
}

/// Parses the CSV bytes (UTF-8, optional BOM, comma or semicolon separated).
/// Rows are numbered as a spreadsheet shows them: the header is row 1.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<CsvUnit>, Vec<Problem>> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(vec![Problem::new(
            0,
            "file",
            format!(
                "Tệp quá lớn (tối đa {} MB).",
                MAX_IMPORT_BYTES / 1024 / 1024
            ),
            format!(
                "The file is too large (at most {} MB).",
                MAX_IMPORT_BYTES / 1024 / 1024
            ),
        )]);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') && !first_line.contains(&b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);

    let mut problems = Vec::new();
    let header = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![Problem::new(
                1,
                "header",
                format!("Không đọc được dòng tiêu đề: {e}"),
                format!("Cannot read the header row: {e}"),
            )])
        }
    };
    let names: Vec<String> = header
        .iter()
        .map(|h| clean(&String::from_utf8_lossy(h)).to_lowercase())
        .collect();
    let mut index = [usize::MAX; 5];
    for (i, (en, vi)) in HEADERS.iter().enumerate() {
        match names.iter().position(|n| n == en || n == vi) {
            Some(p) => index[i] = p,
            None if *en == "members" || *en == "parent_code" => {}
            None => problems.push(Problem::new(
                1,
                en,
                format!("Thiếu cột \"{en}\" ở dòng tiêu đề (cần: code,name,level,parent_code,members)."),
                format!("The header has no \"{en}\" column (expected code,name,level,parent_code,members)."),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut rows = Vec::new();
    for record in reader.byte_records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map(|p| p.line() as usize).unwrap_or(0);
                problems.push(Problem::new(
                    row,
                    "file",
                    format!("Dòng CSV hỏng: {e}"),
                    format!("Malformed CSV: {e}"),
                ));
                break;
            }
        };
        let row = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if rows.len() >= MAX_IMPORT_ROWS {
            problems.push(Problem::new(
                row,
                "file",
                format!("Tệp có quá {MAX_IMPORT_ROWS} đơn vị."),
                format!("The file has more than {MAX_IMPORT_ROWS} units."),
            ));
            break;
        }
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // blank line
        }
        let mut fields: [String; 5] = Default::default();
        let mut row_ok = true;
        for (i, (en, _)) in HEADERS.iter().enumerate() {
            let raw = record.get(index[i]).unwrap_or_default();
            match std::str::from_utf8(raw) {
                Ok(s) => fields[i] = s.to_string(),
                Err(_) => {
                    row_ok = false;
                    problems.push(Problem::new(
                        row,
                        en,
                        "Văn bản không phải UTF-8; hãy lưu tệp dạng CSV UTF-8.",
                        "The text is not UTF-8; save the file as CSV UTF-8.",
                    ));
                }
            }
        }
        if !row_ok {
            continue;
        }
        let code = check_code(&fields[0]).map_err(|m| problems.push(problem(row, "code", m)));
        let name = check_text(&fields[1], 200, "tên đơn vị", "unit name")
            .map_err(|m| problems.push(problem(row, "name", m)));
        let level = check_text(&fields[2], 60, "cấp đơn vị", "level")
            .map_err(|m| problems.push(problem(row, "level", m)));
        let parent_code = match fields[3].trim() {
            "" => Ok(None),
            p => check_code(p)
                .map(Some)
                .map_err(|m| problems.push(problem(row, "parent_code", m))),
        };
        let members =
            check_members(&fields[4]).map_err(|m| problems.push(problem(row, "members", m)));
        if let (Ok(code), Ok(name), Ok(level), Ok(parent_code), Ok(members)) =
            (code, name, level, parent_code, members)
        {
            rows.push(CsvUnit {
                row,
                code,
                name,
                level,
                parent_code,
                members,
            });
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(Problem::new(
            0,
            "file",
            "Tệp không có đơn vị nào.",
            "The file has no units.",
        ));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Turns checked rows into a plan against the existing tree, or lists every
/// problem: duplicate codes, unknown parents, cycles, too deep, a parent
/// change for an existing unit. `new_id` makes ids for new units.
pub fn plan_import(
    rows: &[CsvUnit],
    existing: &[ExistingUnit],
    mut new_id: impl FnMut() -> String,
) -> Result<ImportPlan, Vec<Problem>> {
    let mut problems = Vec::new();
    let existing_by_code: HashMap<&str, &ExistingUnit> =
        existing.iter().map(|e| (e.code.as_str(), e)).collect();
    let mut by_code: HashMap<&str, &CsvUnit> = HashMap::new();
    for r in rows {
        if let Some(first) = by_code.get(r.code.as_str()) {
            problems.push(Problem::new(
                r.row,
                "code",
                format!("Mã {} bị trùng với dòng {}.", r.code, first.row),
                format!("Code {} duplicates row {}.", r.code, first.row),
            ));
            continue;
        }
        by_code.insert(&r.code, r);
    }
    for r in rows {
        if let Some(p) = &r.parent_code {
            if p == &r.code {
                problems.push(Problem::new(
                    r.row,
                    "parent_code",
                    "Đơn vị không thể là cấp trên của chính nó.",
                    "A unit cannot be its own parent.",
                ));
            } else if !by_code.contains_key(p.as_str())
                && !existing_by_code.contains_key(p.as_str())
            {
                problems.push(Problem::new(
                    r.row,
                    "parent_code",
                    format!("Không có đơn vị cấp trên mã {p} (trong tệp hoặc trong hệ thống)."),
                    format!("Unknown parent code {p} (neither in the file nor in the system)."),
                ));
            }
        }
        if let Some(e) = existing_by_code.get(r.code.as_str()) {
            if e.parent_code != r.parent_code {
                problems.push(Problem::new(
                    r.row,
                    "parent_code",
                    format!(
                        "Đơn vị {} đã có, với cấp trên {}; muốn chuyển đơn vị hãy sửa trên trang đơn vị.",
                        r.code,
                        e.parent_code.as_deref().unwrap_or("(không có)")
                    ),
                    format!(
                        "Unit {} exists with parent {}; move units on the unit page instead.",
                        r.code,
                        e.parent_code.as_deref().unwrap_or("(none)")
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(problems);
    }

    // Resolve each file unit's path, parents first, detecting cycles.
    #[derive(Clone, PartialEq)]
    enum State {
        Visiting,
        Done(String, String, i32), // id, path, depth
    }
    let mut state: HashMap<&str, State> = HashMap::new();
    let mut plan = ImportPlan::default();
    let mut cyclic: Vec<usize> = Vec::new();
    for r in rows {
        // Walk up the file-internal chain to find the first resolved ancestor.
        let mut chain: Vec<&CsvUnit> = Vec::new();
        let mut cur = Some(r);
        let mut base: Option<(Option<String>, String, i32)> = None; // (parent id, parent path, parent depth)
        while let Some(u) = cur {
            match state.get(u.code.as_str()) {
                Some(State::Done(id, path, depth)) => {
                    base = Some((Some(id.clone()), path.clone(), *depth));
                    break;
                }
                Some(State::Visiting) => {
                    // In this chain: a cycle. Elsewhere: an ancestor already found cyclic.
                    if let Some(start) = chain.iter().position(|c| c.code == u.code) {
                        cyclic.extend(chain[start..].iter().map(|c| c.row));
                    }
                    break;
                }
                None => {}
            }
            state.insert(&u.code, State::Visiting);
            chain.push(u);
            if let Some(e) = existing_by_code.get(u.code.as_str()) {
                // An existing unit anchors the chain at its stored place.
                chain.pop();
                state.insert(&u.code, State::Done(e.id.clone(), e.path.clone(), e.depth));
                plan.updates.push(PlannedUpdate {
                    row: u.row,
                    id: e.id.clone(),
                    code: u.code.clone(),
                    name: u.name.clone(),
                    level: u.level.clone(),
                    path: e.path.clone(),
                });
                if let Some(m) = u.members {
                    plan.members.push((e.id.clone(), m));
                }
                base = Some((Some(e.id.clone()), e.path.clone(), e.depth));
                break;
            }
            match &u.parent_code {
                None => {
                    base = Some((None, "/".to_string(), -1));
                    break;
                }
                Some(p) => match by_code.get(p.as_str()) {
                    Some(parent_row) => cur = Some(parent_row),
                    None => {
                        let e = existing_by_code[p.as_str()];
                        base = Some((Some(e.id.clone()), e.path.clone(), e.depth));
                        break;
                    }
                },
            }
        }
        let Some((mut parent_id, mut parent_path, mut parent_depth)) = base else {
            continue;
        };
        // Materialize the chain from the top down.
        for u in chain.into_iter().rev() {
            let id = new_id();
            let path = format!("{parent_path}{id}/");
            let depth = parent_depth + 1;
            if depth >= MAX_DEPTH {
                problems.push(Problem::new(
                    u.row,
                    "parent_code",
                    format!("Cây đơn vị sâu quá {MAX_DEPTH} cấp."),
                    format!("The unit tree is deeper than {MAX_DEPTH} levels."),
                ));
            }
            if let Some(m) = u.members {
                plan.members.push((id.clone(), m));
            }
            plan.creates.push(PlannedUnit {
                row: u.row,
                id: id.clone(),
                code: u.code.clone(),
                name: u.name.clone(),
                level: u.level.clone(),
                parent_id: parent_id.clone(),
                path: path.clone(),
                depth,
            });
            state.insert(&u.code, State::Done(id.clone(), path.clone(), depth));
            parent_id = Some(id);
            parent_path = path;
            parent_depth = depth;
        }
    }
    cyclic.sort_unstable();
    cyclic.dedup();
    for row in cyclic {
        problems.push(Problem::new(
            row,
            "parent_code",
            "Quan hệ cấp trên tạo thành vòng lặp.",
            "The parent links form a cycle.",
        ));
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("u{n}")
        }
    }

    fn rows(csv: &str) -> Vec<CsvUnit> {
        parse_csv(csv.as_bytes()).expect("valid csv")
    }

    fn rows_of(problems: &[Problem]) -> Vec<usize> {
        problems.iter().map(|p| p.row).collect()
    }

    #[test]
    fn codes_are_short_plain_and_not_the_import_address() {
        assert_eq!(
            check_code(" xa-tan_phu.1 ").ok().as_deref(),
            Some("xa-tan_phu.1")
        );
        for bad in ["", "Tân Phú", "a/b", "import", "IMPORT", &"x".repeat(33)] {
            assert!(check_code(bad).is_err(), "{bad:?}");
        }
        assert!(check_code("import2").is_ok());
    }

    #[test]
    fn subtree_ranges_contain_descendants_and_nothing_else() {
        let root = child_path(None, "a");
        let child = child_path(Some(&root), "b");
        let (lo, hi) = subtree_range(&root);
        assert_eq!(root, "/a/");
        assert!(lo.as_str() <= child.as_str() && child.as_str() < hi.as_str());
        assert!(
            !(lo.as_str() <= "/ab/" && "/ab/" < hi.as_str()),
            "a sibling whose id extends ours is outside"
        );
        assert!(is_within(&child, &root));
        assert!(!is_within(&root, &child));
    }

    #[test]
    fn a_tree_in_any_row_order_is_planned_parents_first() {
        let csv = "code,name,level,parent_code,members\n\
                   CD1,Chi đoàn 1,Chi đoàn,XA,25\n\
                   XA,Đoàn xã Tân Phú,Đoàn cơ sở,TINH,\n\
                   TINH,Tỉnh đoàn,Tỉnh đoàn,,\n";
        let plan = plan_import(&rows(csv), &[], ids()).unwrap();
        let codes: Vec<_> = plan.creates.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["TINH", "XA", "CD1"]);
        let cd1 = &plan.creates[2];
        assert_eq!(cd1.depth, 2);
        assert_eq!(cd1.path, format!("{}{}/", plan.creates[1].path, cd1.id));
        assert_eq!(plan.members, vec![(cd1.id.clone(), 25)]);
    }

    #[test]
    fn semicolons_bom_and_vietnamese_headers_are_accepted() {
        let csv = "\u{feff}ma;ten;cap;ma_cap_tren;so_doan_vien\nX;Đoàn xã;Đoàn cơ sở;;10\n";
        let r = rows(csv);
        assert_eq!(r[0].members, Some(10));
        assert_eq!(r[0].row, 2);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_row_number() {
        let csv = "code,name,level,parent_code,members\n\
                   A,Đơn vị A,Xã,,5\n\
                   B,,Chi đoàn,A,3\n\
                   C,Đơn vị C,Chi đoàn,A,-4\n\
                   D,Đơn vị D,Chi đoàn,A,ba\n";
        let problems = parse_csv(csv.as_bytes()).unwrap_err();
        assert_eq!(rows_of(&problems), [3, 4, 5]);
        assert_eq!(problems[0].field, "name");
        assert_eq!(problems[1].field, "members");
    }

    #[test]
    fn duplicates_unknown_parents_and_cycles_are_all_listed() {
        let csv = "code,name,level,parent_code,members\n\
                   A,A,Xã,,\n\
                   A,A again,Xã,,\n\
                   B,B,Chi đoàn,NOPE,\n\
                   C,C,Chi đoàn,D,\n\
                   D,D,Chi đoàn,C,\n";
        let problems = plan_import(&rows(csv), &[], ids()).unwrap_err();
        assert_eq!(rows_of(&problems), [3, 4]);
        let problems = plan_import(
            &rows(&csv.replace("A,A again,Xã,,\n", "").replace("NOPE", "A")),
            &[],
            ids(),
        )
        .unwrap_err();
        assert_eq!(rows_of(&problems), [4, 5], "{problems:?}");
        assert!(problems[0].message_en.contains("cycle"));
    }

    #[test]
    fn a_self_parent_is_refused() {
        let problems =
            plan_import(&rows("code,name,level,parent_code\nA,A,Xã,A\n"), &[], ids()).unwrap_err();
        assert_eq!(rows_of(&problems), [2]);
    }

    #[test]
    fn existing_units_anchor_new_children_and_are_updated_in_place() {
        let existing = vec![ExistingUnit {
            id: "x".into(),
            code: "XA".into(),
            parent_code: None,
            path: "/x/".into(),
            depth: 0,
        }];
        let csv = "code,name,level,parent_code,members\nCD,Chi đoàn,Chi đoàn,XA,7\nXA,Đoàn xã mới,Đoàn cơ sở,,40\n";
        let plan = plan_import(&rows(csv), &existing, ids()).unwrap();
        assert_eq!(plan.creates.len(), 1);
        assert_eq!(plan.creates[0].path, "/x/u1/");
        assert_eq!(plan.updates.len(), 1);
        assert_eq!(plan.updates[0].name, "Đoàn xã mới");
        assert_eq!(plan.members.len(), 2);
        assert!(plan.outside_scope("/x/").is_empty());
        assert_eq!(
            plan.outside_scope("/x/u1/")
                .iter()
                .map(|p| p.row)
                .collect::<Vec<_>>(),
            [3]
        );
        let moved = "code,name,level,parent_code,members\nXA,Đoàn xã,Đoàn cơ sở,CD,\nCD,Chi đoàn,Chi đoàn,,\n";
        assert!(
            plan_import(&rows(moved), &existing, ids()).is_err(),
            "moving an existing unit by import is refused"
        );
    }

    #[test]
    fn invalid_utf8_and_missing_headers_are_reported() {
        let mut bytes = b"code,name,level,parent_code,members\nA,".to_vec();
        bytes.extend_from_slice(&[0xC4, 0x20]);
        bytes.extend_from_slice(b",Xa,,\n");
        let problems = parse_csv(&bytes).unwrap_err();
        assert_eq!(problems[0].row, 2);
        assert_eq!(problems[0].field, "name");
        let problems = parse_csv(b"id,title\n1,2\n").unwrap_err();
        assert_eq!(problems.len(), 3);
    }
}

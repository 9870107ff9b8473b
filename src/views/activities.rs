//! A unit's activity ledger and yearly "3 chủ động" record (print-friendly),
//! and the admin's scheme editor.

use maud::{html, Markup};

use super::{flash, layout, Flash};
use crate::auth::Staff;
use crate::domain::activity::{kind_label, Scheme, CRITERIA, KINDS};
use crate::domain::numbers;
use crate::service::activities::{Entry, YearPage};

fn record_form(action: &str, e: Option<&Entry>, submit: &str) -> Markup {
    html! {
        form.record method="post" action=(action) {
            label { "Loại hoạt động "
                select name="kind" required {
                    @for (k, l) in KINDS.iter().filter(|(k, _)| *k != "CONTEST") {
                        option value=(k) selected[e.is_some_and(|e| e.kind == *k)] { (l) }
                    }
                }
            }
            label { "Ngày " input type="date" name="date" required value=(e.map(|e| e.date.format("%Y-%m-%d").to_string()).unwrap_or_default()); }
            label { "Tên hoạt động " input name="title" required maxlength="300" value=(e.map(|e| e.title.clone()).unwrap_or_default()); }
            label { "Số người tham gia " input type="number" min="0" name="participants" value=(e.map(|e| e.participants).unwrap_or(0)); }
            label { "Trong đó đoàn viên " input type="number" min="0" name="member_participants" value=(e.map(|e| e.member_participants).unwrap_or(0)); }
            label { "Ghi chú " textarea name="notes" rows="2" { (e.map(|e| e.notes.clone()).unwrap_or_default()) } }
            label { "Đường dẫn minh chứng " input type="url" name="evidence_url" placeholder="https://…" value=(e.map(|e| e.evidence_url.clone()).unwrap_or_default()); }
            button type="submit" { (submit) }
        }
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(numbers::percent).unwrap_or_else(|| "—".into())
}

pub fn page(staff: &Staff, p: &YearPage, message: Option<Flash>) -> Markup {
    let code = &p.unit.code;
    let base = format!("/admin/units/{code}/activities");
    let api = format!("/api/v1/units/{code}/export/activities");
    layout(
        &format!("Hoạt động · {}", p.unit.name),
        Some(staff),
        html! {
            h1 { (p.unit.name) span.en { "Sổ hoạt động và đánh giá \"3 chủ động\" năm " (p.year) } }
            (flash(message, &[]))
            p.noprint {
                a href={ (base) "?year=" (p.year - 1) } { "← " (p.year - 1) } " · "
                strong { (p.year) } " · "
                a href={ (base) "?year=" (p.year + 1) } { (p.year + 1) " →" } " · "
                button.link type="button" data-print { "In / lưu PDF" } " · "
                "Xuất: " a href={ (api) ".csv?year=" (p.year) } { "CSV" } " · " a href={ (api) ".xlsx?year=" (p.year) } { "XLSX" }
                " · cả đơn vị cấp dưới: " a href={ (api) ".xlsx?subtree=true&year=" (p.year) } { "XLSX" }
            }
            section.card {
                h2 { "Đánh giá \"3 chủ động\"" }
                table {
                    thead { tr { th { "Tiêu chí" } th { "Số hoạt động" } th { "Điểm" } } }
                    tbody {
                        @for (i, name) in CRITERIA.iter().enumerate() {
                            tr { td { (i + 1) ". " (name) } td { (p.yearly.criteria[i].records) } td { (p.yearly.criteria[i].points) } }
                        }
                        tr { th { "Tổng" } td {} th { (p.yearly.total) } }
                    }
                }
                p.level { "Mức đạt: " strong { (p.yearly.level) } }
                @if p.yearly.uncounted > 0 { p.mut { (p.yearly.uncounted) " hoạt động thuộc loại không được tính điểm." } }
            }
            @if !p.children.is_empty() {
                section.card {
                    h2 { "Đơn vị trực thuộc (cộng dồn cả cấp dưới)" }
                    table {
                        thead { tr { th { "Đơn vị" } th { "Số hoạt động" } th { "Lượt dự thi" } th { "Thanh niên 1+1" } th { "Điểm" } th { "Mức đạt" } } }
                        tbody {
                            @for c in &p.children {
                                tr {
                                    td { a href={ "/admin/units/" (c.unit_code) "/activities?year=" (p.year) } { (c.unit_name) } }
                                    td { (c.records) } td { (c.contest_participants) } td { (c.invited_youth) } td { (c.yearly.total) } td { (c.yearly.level) }
                                }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { "Các hoạt động của đơn vị" }
                table.ledger {
                    thead { tr { th { "Ngày" } th { "Loại" } th { "Hoạt động" } th { "Tham gia" } th { "Đoàn viên" } th { "Tỉ lệ" } th { "Điểm TB" } th { "Đạt giải" } th { "1+1" } th.noprint { "" } } }
                    tbody {
                        @for e in &p.entries {
                            tr {
                                td { (e.date.format("%d/%m/%Y")) } td { (kind_label(&e.kind)) }
                                td { (e.title)
                                    @if !e.co_organizers.is_empty() { br; small.mut { "Phối hợp: " (e.co_organizers) } }
                                    @if !e.notes.is_empty() { br; small.mut { (e.notes) } }
                                    @if !e.evidence_url.is_empty() { br; a href=(e.evidence_url) rel="noopener nofollow" { "Minh chứng" } }
                                }
                                td { (e.participants) } td { (e.member_participants) } td { (pct(e.rate)) }
                                td { @if let Some(a) = e.average_score { (numbers::decimal(a, 2)) } @else { "—" } }
                                td { (e.winners) } td { (e.invited_youth) }
                                td.noprint {
                                    @if e.manual {
                                        details {
                                            summary { "Sửa" }
                                            (record_form(&format!("/admin/activities/{}", e.id), Some(e), "Lưu"))
                                            form method="post" action={ "/admin/activities/" (e.id) "/delete" } {
                                                button.danger type="submit" { "Xoá hoạt động này" }
                                            }
                                        }
                                    } @else { small.mut { "tự động" } }
                                }
                            }
                        }
                    }
                }
            }
            section.card.noprint {
                h2 { "Thêm hoạt động" }
                (record_form(&base, None, "Thêm"))
            }
            @if !p.changes.is_empty() {
                section.card.noprint {
                    h2 { "Nhật ký thay đổi" }
                    (super::results::audit_table(&p.changes))
                }
            }
        },
    )
}

pub fn scheme_page(staff: &Staff, s: &Scheme, message: Option<Flash>) -> Markup {
    let editable = staff.is_admin();
    layout(
        "Cách tính 3 chủ động",
        Some(staff),
        html! {
            h1 { "Cách tính \"3 chủ động\"" }
            (flash(message, &[]))
            form method="post" action="/admin/activity-scheme" {
                table {
                    thead { tr { th { "Loại hoạt động" } th { "Tiêu chí (0 = không tính)" } th { "Điểm mỗi hoạt động" } th { "Tối đa trong năm (0 = không giới hạn)" } } }
                    tbody {
                        @for (k, l) in KINDS {
                            @let r = s.rule(k);
                            tr {
                                td { (l) }
                                td { input type="number" min="0" max="3" name={ "crit_" (k) } value=(r.map(|r| r.criterion).unwrap_or(0)) disabled[!editable]; }
                                td { input type="number" min="0" name={ "points_" (k) } value=(r.map(|r| r.points).unwrap_or(0)) disabled[!editable]; }
                                td { input type="number" min="0" name={ "cap_" (k) } value=(r.map(|r| r.cap).unwrap_or(0)) disabled[!editable]; }
                            }
                        }
                    }
                }
                h2 { "Mức xếp loại (từ cao xuống thấp)" }
                table {
                    thead { tr { th { "Tên mức" } th { "Tổng điểm tối thiểu" } th { "Mỗi tiêu chí tối thiểu" } } }
                    tbody {
                        @for i in 0..(s.levels.len() + 1).max(4) {
                            @let l = s.levels.get(i);
                            tr {
                                td { input name={ "level_name_" (i) } value=(l.map(|l| l.name.clone()).unwrap_or_default()) disabled[!editable]; }
                                td { input type="number" min="0" name={ "level_total_" (i) } value=(l.map(|l| l.min_total.to_string()).unwrap_or_default()) disabled[!editable]; }
                                td { input type="number" min="0" name={ "level_each_" (i) } value=(l.map(|l| l.min_each.to_string()).unwrap_or_default()) disabled[!editable]; }
                            }
                        }
                    }
                }
                @if editable { button type="submit" { "Lưu cách tính" } } @else { p.mut { "Chỉ quản trị viên sửa được cách tính." } }
            }
        },
    )
}

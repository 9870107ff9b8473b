use maud::{html, Markup};

use super::{flash, layout, Flash};
use crate::auth::Staff;
use crate::db::units::UnitView;
use crate::error::Problem;
use crate::service::backup::Summary;

/// The scheduled backups, for admins: where, how often, the last one.
fn backup_card(b: &Summary) -> Markup {
    html! {
        div.card #backups {
            strong { "Sao lưu tự động" } " / scheduled backups: "
            "mỗi " (b.every_minutes) " phút vào " code { (b.dir) } ", giữ " (b.keep) " bản gần nhất."
            br;
            @match &b.last {
                Some((at, file, bytes)) => {
                    "Bản gần nhất / last: " (at) " — " code { (file) } " (" (format_size(*bytes)) ")"
                }
                None => { "Chưa có bản sao lưu nào / no backup yet." }
            }
            @if let Some((at, e)) = &b.last_error {
                br;
                span.bad { "Lần sao lưu lúc " (at) " bị lỗi / the backup failed: " (e) }
            }
        }
    }
}

/// "12,3 MB": a size in the units people read, with a decimal comma.
fn format_size(bytes: u64) -> String {
    let mb = bytes as f64 / 1_000_000.0;
    if mb >= 1.0 {
        format!("{} MB", crate::domain::numbers::decimal(mb, 1))
    } else {
        format!("{} kB", bytes.div_ceil(1000))
    }
}

pub fn page(
    staff: &Staff,
    units: &[UnitView],
    message: Option<Flash>,
    problems: &[Problem],
    backups: Option<&Summary>,
) -> Markup {
    let min_depth = units.iter().map(|u| u.depth).min().unwrap_or(0);
    layout(
        "Đơn vị",
        Some(staff),
        html! {
            h1 { "Cây đơn vị" }
            (flash(message, problems))
            @if let Some(b) = backups {
                (backup_card(b))
            }
            datalist #unit-codes {
                @for u in units { option value=(u.code) { (u.name) } }
            }
            @if staff.require_writer().is_ok() {
                details.card {
                    summary { "Nhập cây đơn vị từ tệp CSV" }
                    p.mut {
                        "Cột: " code { "code,name,level,parent_code,members" }
                        " (mã, tên, cấp, mã đơn vị cấp trên, số đoàn viên). UTF-8, phân cách bằng dấu phẩy hoặc chấm phẩy. "
                        "Nếu có dòng sai, không dòng nào được nhập."
                    }
                    form method="post" action="/admin/units/import" enctype="multipart/form-data" {
                        label for="file" { "Tệp CSV" }
                        input #file type="file" name="file" accept=".csv,text/csv" required;
                        p { button type="submit" { "Nhập" } }
                    }
                }
                details.card {
                    summary { "Thêm đơn vị" }
                    form method="post" action="/admin/units" {
                        div.row {
                            div { label for="code" { "Mã" } input #code name="code" required maxlength="32"; }
                            div { label for="name" { "Tên đơn vị" } input #name name="name" required maxlength="200"; }
                        }
                        div.row {
                            div { label for="level" { "Cấp" } input #level name="level" required placeholder="Chi đoàn" maxlength="60"; }
                            div {
                                label for="parent_code" { "Mã đơn vị cấp trên" }
                                input #parent_code name="parent_code" list="unit-codes" value=[staff.scope.as_ref().map(|s| s.unit_code.as_str())];
                            }
                            div { label for="members" { "Số đoàn viên" } input #members name="members" inputmode="numeric"; }
                        }
                        p { button type="submit" { "Thêm" } }
                    }
                }
            }
            table {
                thead { tr { th { "Mã" } th { "Tên" } th { "Cấp" } th { "Đoàn viên" } } }
                tbody {
                    @for u in units {
                        tr {
                            td { code { (u.code) } }
                            td style={ "padding-left:" ((u.depth - min_depth) as f32 * 1.2 + 0.5) "rem" } {
                                (u.name)
                                @if staff.can_manage(&u.path) {
                                    " " a.noprint href={ "/admin/units/" (u.code) "/activities" } { "Hoạt động" }
                                    details.noprint {
                                        summary { "Sửa" }
                                        form method="post" action={ "/admin/units/" (u.code) } {
                                            label { "Tên" } input name="name" value=(u.name) required;
                                            label { "Cấp" } input name="level" value=(u.level) required;
                                            label { "Mã đơn vị cấp trên" } input name="parent_code" list="unit-codes" value=[u.parent_code.as_deref()];
                                            label { "Số đoàn viên (hôm nay)" } input name="members" inputmode="numeric" value=[u.members];
                                            p { button type="submit" { "Lưu" } }
                                        }
                                        form method="post" action={ "/admin/units/" (u.code) "/logo" } enctype="multipart/form-data" {
                                            label for={ "logo-" (u.code) } { "Biểu trưng (PNG hoặc JPEG, tối đa 200 KB; hiện trên trang hội thi và áp phích)" }
                                            img.emblem src={ "/u/" (u.code) "/logo" } alt="" width="40" height="40" loading="lazy";
                                            input id={ "logo-" (u.code) } type="file" name="file" accept="image/png,image/jpeg" required;
                                            button.secondary type="submit" { "Tải biểu trưng lên" }
                                        }
                                        form method="post" action={ "/admin/units/" (u.code) "/logo/delete" } {
                                            button.link type="submit" { "Dùng biểu trưng mặc định" }
                                        }
                                    }
                                }
                            }
                            td { (u.level) }
                            td {
                                @if let Some(m) = u.members { (m) }
                                @if let Some(d) = u.members_as_of { span.en { (d.format("%d/%m/%Y")) } }
                            }
                        }
                    }
                }
            }
            @if units.is_empty() { p.mut { "Chưa có đơn vị nào." } }
        },
    )
}

/// A unit list with a search box typed without diacritics (the script
/// shows the box; without it the list is a plain select), indented by
/// depth. `empty`: the label of the "no unit" choice, when one is allowed.
pub fn picker(
    id: &str,
    units: &[UnitView],
    selected: &str,
    empty: &str,
    required: bool,
    fields: &super::fields::Fields<'_>,
) -> Markup {
    let min_depth = units.iter().map(|u| u.depth).min().unwrap_or(0);
    html! {
        input type="search" id={ (id) "-filter" } data-filter-for=(id) aria-label="Tìm đơn vị"
            placeholder="Gõ để tìm đơn vị, không cần dấu" hidden;
        select id=(id) name=(id) required[required] aria-invalid=[fields.invalid(id)]
            aria-describedby=[fields.described(id)] autofocus[fields.focus(id)] {
            option value="" { (empty) }
            @for u in units {
                option value=(u.code) data-f=(crate::domain::text::fold(&u.name)) selected[u.code == selected] {
                    (maud::PreEscaped("&nbsp;&nbsp;".repeat((u.depth - min_depth).max(0) as usize)))
                    (u.name) " (" (u.code) ")"
                }
            }
        }
        (fields.error(id))
    }
}

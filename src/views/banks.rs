use maud::{html, Markup};

use super::paper::{question_card, ShownOption};
use super::{flash, layout, Flash};
use crate::auth::Staff;
use crate::db::banks::BankListItem;
use crate::domain::bank::{Difficulty, TopicSummary, LETTERS};
use crate::domain::text::urlencode;
use crate::error::Problem;
use crate::service::banks::{Browse, BrowseQuery, Choice, Preview, PAGE_SIZE};

fn upload_form() -> Markup {
    html! {
        form.card method="post" action="/admin/banks/preview" enctype="multipart/form-data" {
            h2 { "Tải lên ngân hàng câu hỏi" }
            p.mut {
                "Định dạng: Word (.docx, \"Câu 1:\", \"A.\"… với đáp án gạch chân, in đậm, tô đỏ, đánh dấu * hoặc bảng đáp án), Excel (.xlsx), CSV, GIFT hoặc Aiken (Moodle), TOML. "
                a href="/api/v1/banks/template.xlsx" { "Tải tệp Excel mẫu" } ". "
                "Bạn sẽ xem trước trước khi xác nhận; nếu có lỗi, không câu nào được nhập."
            }
            label for="file" { "Tệp câu hỏi" }
            input #file type="file" name="file" required accept=".docx,.xlsx,.csv,.txt,.gift,.aiken,.toml";
            div.row {
                div { label for="slug" { "Mã ngân hàng (tuỳ chọn)" } input #slug name="slug" placeholder="dich-vu-cong-2023" maxlength="64"; }
                div { label for="title" { "Tên ngân hàng (tuỳ chọn)" } input #title name="title" maxlength="200"; }
            }
            p { button type="submit" { "Xem trước" } }
        }
        form.card #paste method="post" action="/admin/banks/preview" enctype="multipart/form-data" {
            h2 { "Hoặc dán câu hỏi" }
            p.mut {
                "Mỗi câu bắt đầu bằng \"Câu 1:\" (hoặc \"1.\"), các phương án \"A.\", \"B.\"… (nhiều phương án trên một dòng thì cách nhau bằng phím Tab). "
                "Đánh dấu đáp án đúng bằng dấu * trước chữ cái (\"*C.\"), dòng \"Đáp án: C\" sau câu, hoặc \"BẢNG ĐÁP ÁN\" ở cuối (\"1-C 2-A…\"). "
                "\"Lời giải:\" sau câu là phần giải thích; \"Phần I. …\" hay \"Chủ đề: …\" đặt chủ đề cho các câu sau."
            }
            input type="hidden" name="format" value="text";
            label for="pasted" { "Câu hỏi" }
            textarea #pasted name="file" rows="10" required placeholder="Câu 1: Cổng Dịch vụ công quốc gia có địa chỉ nào?\nA. vneid.gov.vn\t*B. dichvucong.gov.vn\nC. chinhphu.vn\tD. baochinhphu.vn" {}
            div.row {
                div { label for="paste-slug" { "Mã ngân hàng" } input #paste-slug name="slug" placeholder="luat-thanh-nien" maxlength="64"; }
                div { label for="paste-title" { "Tên ngân hàng" } input #paste-title name="title" maxlength="200"; }
            }
            p { button type="submit" { "Xem trước" } }
        }
    }
}

pub fn list_page(
    staff: &Staff,
    banks: &[BankListItem],
    message: Option<Flash>,
    problems: &[Problem],
) -> Markup {
    layout(
        "Ngân hàng câu hỏi",
        Some(staff),
        html! {
            h1 { "Ngân hàng câu hỏi" }
            (flash(message, problems))
            @if staff.require_writer().is_ok() { (upload_form()) }
            table {
                thead { tr { th { "Ngân hàng" } th { "Phiên bản" } th { "Số câu" } th { "Đơn vị" } th { "Chia sẻ" } } }
                tbody {
                    @for b in banks {
                        tr {
                            td { a href={ "/admin/banks/" (b.slug) } { (b.title) } span.en { (b.slug) } }
                            td { (b.latest_version) " (" (b.versions) ")" }
                            td { (b.question_count) }
                            td { (b.unit_code.as_deref().unwrap_or("—")) }
                            td.sharing {
                                @if !b.access.sees_keys() {
                                    "Chia sẻ từ cấp trên (không kèm đáp án)"
                                } @else if b.shared {
                                    "Đang chia sẻ cho đơn vị cấp dưới"
                                } @else {
                                    "Không chia sẻ"
                                }
                            }
                        }
                    }
                }
            }
            @if banks.is_empty() { p.mut { "Chưa có ngân hàng câu hỏi nào." } }
        },
    )
}

fn summary_table(summary: &[TopicSummary]) -> Markup {
    let total = |f: fn(&TopicSummary) -> usize| summary.iter().map(f).sum::<usize>();
    html! {
        table {
            thead { tr { th { "Chủ đề" } th { "Dễ" } th { "Trung bình" } th { "Khó" } th { "Tổng" } } }
            tbody {
                @for t in summary {
                    tr { td { (t.name) span.en { (t.topic) } } td { (t.easy) } td { (t.medium) } td { (t.hard) } td { strong { (t.total) } } }
                }
                tr { th { "Tổng" } th { (total(|t| t.easy)) } th { (total(|t| t.medium)) } th { (total(|t| t.hard)) } th { (total(|t| t.total)) } }
            }
        }
    }
}

pub fn preview_page(staff: &Staff, p: &Preview) -> Markup {
    layout(
        "Xem trước ngân hàng",
        Some(staff),
        html! {
            h1 { "Xem trước trước khi lưu" }
            .card {
                p { strong { (p.bank.title) } " · " code { (p.bank.slug) } " · " (p.bank.questions.len()) " câu hỏi · tệp " (p.file_name) }
                @if let Some(v) = p.existing_version {
                    p.flash.ok { "Nội dung giống hệt phiên bản " (v) "; lưu sẽ không tạo phiên bản mới." }
                }
                @if !p.notes.is_empty() {
                    h3 { "Những điều đã đoán khi đọc tệp" }
                    ul #notes { @for n in &p.notes { li { (n) } } }
                }
                (summary_table(&p.summary))
                (commit_form(&p.upload_id))
            }
            h2 { "Tất cả câu hỏi, như thí sinh thấy" span.en { "đáp án đúng được đánh dấu cho ban tổ chức" } }
            div #questions {
                @for (i, q) in p.bank.questions.iter().enumerate() {
                    @let opts: Vec<ShownOption> = q.options.iter().enumerate().map(|(k, o)| ShownOption { key: LETTERS[k], text: o }).collect();
                    @let right = crate::domain::kinds::Given::Choices(q.answer_letters().iter().map(|l| l.to_string()).collect());
                    div.card.preview-q data-id=(q.id) {
                        (question_card(i + 1, &q.stem, &opts, super::paper::Shape::of(q), &format!("p{i}"), Some(&right), true))
                        p.right { "✓ Đáp án đúng: " strong.answer { (crate::domain::kinds::describe(q.kind, &q.correct, q.typed.as_ref())) } }
                        p.mut { code { (q.id) } " · " (q.topic) " · " (q.difficulty.label_vi()) " · " (q.points) " điểm" }
                        @if !q.explanation.is_empty() { p { em { "Giải thích: " } (q.explanation) } }
                    }
                }
            }
            (commit_form(&p.upload_id))
        },
    )
}

fn commit_form(upload_id: &str) -> Markup {
    html! {
        form.commit method="post" action="/admin/banks/commit" {
            input type="hidden" name="upload_id" value=(upload_id);
            button type="submit" { "Lưu ngân hàng" } " "
            a href="/admin/banks" { "Huỷ" }
        }
    }
}

/// What each column may hold, as the mapping form offers it.
const MAPPED_FIELDS: [(&str, &str, bool); 14] = [
    ("stem", "Nội dung câu hỏi", true),
    ("option_a", "Phương án A", true),
    ("option_b", "Phương án B", true),
    ("option_c", "Phương án C", false),
    ("option_d", "Phương án D", false),
    ("option_e", "Phương án E", false),
    ("option_f", "Phương án F", false),
    ("answer", "Đáp án đúng", true),
    ("topic", "Chủ đề", false),
    ("difficulty", "Mức độ", false),
    ("points", "Điểm", false),
    ("explanation", "Giải thích", false),
    ("id", "Mã câu hỏi", false),
    ("source", "Nguồn", false),
];

/// A file that needs a choice before its preview: which column holds
/// what, or whether to skip questions of unsupported types.
pub fn choice_page(staff: &Staff, c: &Choice) -> Markup {
    let action = format!("/admin/banks/uploads/{}/choose", c.upload_id);
    layout(
        "Chọn cách đọc tệp",
        Some(staff),
        html! {
            h1 { "Cần thêm một lựa chọn" span.en { (c.file_name) } }
            div.flash.bad role="alert" {
                "Chưa đọc được tệp. Tệp đã được giữ lại: chọn bên dưới rồi xem trước lại, không cần tải lên lần nữa."
                (super::error::problem_list(&c.problems))
            }
            @if !c.columns.is_empty() {
                form.card #columns method="post" action=(action) {
                    h2 { "Cột nào chứa gì?" }
                    p.mut { "Dòng đầu của bảng được dùng làm tiêu đề. Chọn cột cho từng mục (bắt buộc: nội dung, phương án A, B và đáp án đúng). Lựa chọn được nhớ cho lần tải lên sau của ngân hàng này." }
                    table {
                        thead { tr { th { "Cột" } th { "Tiêu đề" } th { "Ví dụ (dòng đầu tiên)" } } }
                        tbody {
                            @for col in &c.columns {
                                tr { td { (col.letter) } td { (col.header) } td.mut { (col.sample) } }
                            }
                        }
                    }
                    div.row {
                        @for (key, label, required) in MAPPED_FIELDS {
                            @let chosen = match &c.chosen {
                                Some(m) => m.column_of(key),
                                None => c.columns.iter().find(|col| col.guess == Some(key)).map(|col| col.index),
                            };
                            div {
                                label for={ "col_" (key) } { (label) @if required { " *" } }
                                select id={ "col_" (key) } name={ "col_" (key) } required[required] {
                                    option value="" { "— không có —" }
                                    @for col in &c.columns {
                                        option value=(col.letter) selected[chosen == Some(col.index)] {
                                            (col.letter) @if !col.header.is_empty() { " · " (col.header) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    p { button type="submit" { "Đọc lại với các cột này" } " " a href="/admin/banks" { "Huỷ" } }
                }
            }
            @if c.can_skip {
                form.card #skip method="post" action=(action) {
                    h2 { "Bỏ qua các câu chưa hỗ trợ?" }
                    p.mut { "Các câu hỏi loại chưa hỗ trợ (tự luận, điền từ, ghép đôi…) được liệt kê ở trên. Bạn có thể bỏ qua chúng và nhập các câu còn lại; trang xem trước sẽ liệt kê những câu đã bỏ qua." }
                    input type="hidden" name="skip_unsupported" value="on";
                    p { button type="submit" { "Bỏ qua và xem trước" } " " a href="/admin/banks" { "Huỷ" } }
                }
            }
        },
    )
}

fn browse_link(slug: &str, q: &BrowseQuery, page: i64) -> String {
    let mut url = format!("/admin/banks/{slug}?page={page}");
    if let Some(v) = q.v {
        url.push_str(&format!("&v={v}"));
    }
    for (k, val) in [
        ("q", &q.q),
        ("topic", &q.topic),
        ("difficulty", &q.difficulty),
    ] {
        if let Some(val) = val.as_ref().filter(|s| !s.is_empty()) {
            url.push_str(&format!("&{k}={}", urlencode(val)));
        }
    }
    url
}

/// The first 12 characters of a content hash (what people compare).
fn short_hash(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The owner's button that shares the bank with the units below, or stops.
fn sharing_form(b: &Browse) -> Markup {
    html! {
        form.sharing method="post" action={ "/admin/banks/" (b.slug) "/sharing" } {
            @if b.shared {
                p.mut { "Đang chia sẻ cho các đơn vị cấp dưới: họ xem câu hỏi (không kèm đáp án, giải thích) và tạo hội thi trên ngân hàng này." }
                input type="hidden" name="shared" value="false";
                button.secondary type="submit" { "Thôi chia sẻ" }
            } @else {
                p.mut { "Chỉ đơn vị sở hữu và cấp trên của đơn vị đó thấy ngân hàng này. Chia sẻ để các đơn vị cấp dưới tạo hội thi trên ngân hàng (không kèm đáp án, giải thích, tệp xuất)." }
                input type="hidden" name="shared" value="true";
                button.secondary type="submit" { "Chia sẻ cho đơn vị cấp dưới" }
            }
        }
    }
}

pub fn browse_page(staff: &Staff, b: &Browse, q: &BrowseQuery, message: Option<Flash>) -> Markup {
    let keys = b.access.sees_keys();
    let page = q.page.unwrap_or(1).max(1);
    let pages = ((b.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let v = &b.version;
    layout(
        &v.title,
        Some(staff),
        html! {
            h1 { (v.title) span.en { (b.slug) " · phiên bản " (v.number) } }
            (flash(message, &[]))
            .card {
                @if keys {
                    p {
                        (v.question_count) " câu hỏi · mã nội dung " code { (short_hash(&v.content_hash)) } " · "
                        "Xuất: " a href={ "/api/v1/banks/" (b.slug) "/versions/" (v.number) "/export?format=toml" } { "TOML" } " · "
                        a href={ "/api/v1/banks/" (b.slug) "/versions/" (v.number) "/export?format=xlsx" } { "Excel" }
                    }
                } @else {
                    p { (v.question_count) " câu hỏi" }
                    p.flash.ok #shared-from-above {
                        "Ngân hàng được chia sẻ từ cấp trên"
                        @if let Some(code) = &b.owner_code { " (" (code) ")" }
                        ": bạn xem được câu hỏi và tạo hội thi trên ngân hàng này; đáp án, giải thích và tệp xuất chỉ đơn vị sở hữu xem được. Máy chủ vẫn chấm điểm như thường."
                    }
                }
                (summary_table(&b.summary))
                @if keys { (sharing_form(b)) }
            }
            details.card {
                summary { "Lịch sử phiên bản (" (b.versions.len()) ")" }
                table {
                    thead { tr { th { "Phiên bản" } th { "Ngày nhập" } th { "Số câu" } th { "Tệp" } @if keys { th { "Mã nội dung" } } } }
                    tbody {
                        @for ver in &b.versions {
                            tr {
                                td { a href={ "/admin/banks/" (b.slug) "?v=" (ver.number) } { (ver.number) } }
                                td { (crate::domain::vn_time::fmt_date_time(ver.created_at)) }
                                td { (ver.question_count) }
                                td { (ver.source_name) " (" (ver.format) ")" }
                                @if keys { td { code { (short_hash(&ver.content_hash)) } } }
                            }
                        }
                    }
                }
            }
            form.card method="get" action={ "/admin/banks/" (b.slug) } {
                input type="hidden" name="v" value=(v.number);
                div.row {
                    div { label for="q" { "Tìm (không cần dấu)" } input #q name="q" value=[q.q.as_deref()] placeholder="dich vu cong"; }
                    div {
                        label for="topic" { "Chủ đề" }
                        select #topic name="topic" {
                            option value="" { "Tất cả" }
                            @for t in &b.topics { option value=(t.code) selected[q.topic.as_deref() == Some(t.code.as_str())] { (t.name) } }
                        }
                    }
                    div {
                        label for="difficulty" { "Mức độ" }
                        select #difficulty name="difficulty" {
                            option value="" { "Tất cả" }
                            @for d in Difficulty::ALL { option value=(d.as_str()) selected[q.difficulty.as_deref() == Some(d.as_str())] { (d.label_vi()) } }
                        }
                    }
                }
                p { button type="submit" { "Lọc" } }
            }
            p.mut { (b.total) " câu phù hợp" }
            @for (position, qn) in &b.questions {
                .card {
                    p { strong { (position) ". " } (qn.stem) }
                    p.mut { code { (qn.id) } " · " (qn.topic) " · " (qn.difficulty.label_vi()) " · " (qn.points) " điểm · " (qn.kind.label_vi()) }
                    ol type="A" {
                        @for (k, o) in qn.options.iter().enumerate() {
                            @let right = keys && qn.correct.contains(&k);
                            li.right[right] { (o) @if right { " ✓" } }
                        }
                    }
                    @if keys && qn.typed.is_some() { p { em { "Đáp án: " } (crate::domain::kinds::describe(qn.kind, &qn.correct, qn.typed.as_ref())) } }
                    @if keys && !qn.explanation.is_empty() { p { em { "Giải thích: " } (qn.explanation) } }
                    @if keys && !qn.source.is_empty() { p.mut { "Nguồn: " (qn.source) } }
                }
            }
            div.pager {
                @if page > 1 { a href=(browse_link(&b.slug, q, page - 1)) { "← Trang trước" } }
                span { "Trang " (page) "/" (pages) }
                @if page < pages { a href=(browse_link(&b.slug, q, page + 1)) { "Trang sau →" } }
            }
        },
    )
}

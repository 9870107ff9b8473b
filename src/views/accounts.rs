//! Staff accounts in the web pages: the list in one's reach, a new
//! account, a password reset (a one-time password shown once), and
//! changing one's own password.

use maud::{html, Markup};

use super::fields::Fields;
use super::{flash, layout, Flash};
use crate::auth::Staff;
use crate::db::units::UnitView;
use crate::domain::accounts::{Role, Username, MIN_PASSWORD_CHARS};
use crate::domain::vn_time::fmt_vn;
use crate::error::Problem;
use crate::service::accounts::AccountRow;

/// What the new-account form holds (kept when it is refused).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub unit_code: String,
}

pub const ACCOUNT_FIELDS: [&str; 4] = ["username", "display_name", "role", "unit_code"];

/// A one-time password just made, shown once.
pub struct Shown<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub reset: bool,
}

pub fn shown_card(s: &Shown<'_>) -> Markup {
    html! {
        div.card.flash.ok role="status" #one-time {
            p {
                @if s.reset { "Đã đặt lại mật khẩu của " } @else { "Đã tạo tài khoản " }
                strong { (s.username) } "."
            }
            p { "Mật khẩu dùng một lần: " code.big #one-time-password { (s.password) } }
            p.mut {
                "Mật khẩu này chỉ hiện một lần: hãy chép và gửi riêng cho người dùng. "
                "Ở lần đăng nhập đầu tiên, họ phải đặt mật khẩu mới."
            }
        }
    }
}

/// The accounts page; `unlocked`: the account whose sign-in locks were
/// just cleared, said at the top.
pub fn page(
    staff: &Staff,
    rows: &[AccountRow],
    units: &[UnitView],
    form: &AccountForm,
    problems: &[Problem],
    shown: Option<Shown<'_>>,
    unlocked: Option<&Username>,
) -> Markup {
    let fields = Fields::new(problems, &ACCOUNT_FIELDS);
    let others = fields.others(&ACCOUNT_FIELDS);
    let bad = (!problems.is_empty()).then(|| {
        Flash::Bad(
            "Chưa tạo được tài khoản: hãy sửa các ô được đánh dấu.".into(),
            String::new(),
        )
    });
    let is_admin = staff.role == Role::Admin;
    layout(
        "Tài khoản",
        Some(staff),
        html! {
            h1 { "Tài khoản" }
            @if let Some(s) = &shown { (shown_card(s)) }
            @if let Some(u) = unlocked {
                p.flash.ok role="status" #unlocked {
                    "Đã mở khóa đăng nhập của " strong { (u.as_str()) }
                    ": mọi lần nhập sai trước đây được xóa. / Sign-in locks cleared."
                }
            }
            (flash(bad, &others))
            details.card open[!problems.is_empty() || rows.len() <= 1] {
                summary { "Tạo tài khoản" }
                p.mut {
                    @if is_admin {
                        "Tạo tài khoản ban tổ chức cho bất kỳ đơn vị nào, hoặc tài khoản chỉ xem cho cơ quan phối hợp. "
                    } @else {
                        "Tạo tài khoản cho đơn vị của bạn và các đơn vị cấp dưới. "
                    }
                    "Mật khẩu được tạo ngẫu nhiên và hiện một lần; người dùng đổi nó ở lần đăng nhập đầu."
                }
                form method="post" action="/admin/accounts" {
                    div.row {
                        div {
                            label for="username" { "Tên đăng nhập" }
                            input #username name="username" required maxlength="64" autocomplete="off"
                                placeholder="btc-xa-an-binh" value=(form.username)
                                aria-invalid=[fields.invalid("username")] aria-describedby=[fields.described("username")] autofocus[fields.focus("username")];
                            (fields.error("username"))
                        }
                        div {
                            label for="display_name" { "Tên hiển thị" }
                            input #display_name name="display_name" maxlength="200" placeholder="Ban Tổ chức Đoàn xã An Bình" value=(form.display_name)
                                aria-invalid=[fields.invalid("display_name")] aria-describedby=[fields.described("display_name")] autofocus[fields.focus("display_name")];
                            (fields.error("display_name"))
                        }
                    }
                    label for="role" { "Vai trò" }
                    select #role name="role" aria-invalid=[fields.invalid("role")] aria-describedby=[fields.described("role")] autofocus[fields.focus("role")] {
                        @for r in [Role::Organizer, Role::Viewer] {
                            option value=(r.as_str()) selected[form.role == r.as_str()] { (r.label_vi()) }
                        }
                    }
                    (fields.error("role"))
                    label for="unit_code" { "Đơn vị" }
                    (super::units::picker("unit_code", units, &form.unit_code,
                        if is_admin { "— Không gắn đơn vị (chỉ cho tài khoản chỉ xem) —" } else { "— Chọn đơn vị —" },
                        !is_admin, &fields))
                    p { button type="submit" { "Tạo tài khoản" } }
                }
            }
            @if rows.is_empty() {
                p.mut { "Chưa có tài khoản nào trong đơn vị của bạn." }
            } @else {
                table {
                    thead { tr { th { "Tên đăng nhập" } th { "Tên hiển thị" } th { "Vai trò" } th { "Đơn vị" } th { "" } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td {
                                    code { (r.username) }
                                    @if r.one_time { br; span.mut { "chưa đổi mật khẩu một lần" } }
                                    @if let Some(until) = r.locked_until {
                                        br; span.bad { "tạm khóa đăng nhập đến " (fmt_vn(until)) }
                                    }
                                }
                                td { (r.display_name) }
                                td { (r.role.label_vi()) }
                                td { @if let Some((code, name)) = &r.unit { (name) " (" (code) ")" } @else { "—" } }
                                td {
                                    @if r.resettable {
                                        form method="post" action={ "/admin/accounts/" (r.username) "/reset" } {
                                            label.opt {
                                                input type="checkbox" name="confirm" value="yes" required;
                                                span { "Mật khẩu cũ hết hiệu lực và mọi phiên đăng nhập kết thúc" }
                                            }
                                            button.secondary type="submit" { "Đặt lại mật khẩu" }
                                        }
                                    }
                                    @if is_admin && r.locked_until.is_some() {
                                        form method="post" action={ "/admin/accounts/" (r.username) "/unlock" } {
                                            label.opt {
                                                input type="checkbox" name="confirm" value="yes" required;
                                                span { "Xóa mọi lần nhập sai mật khẩu (kể cả khóa do người khác đoán mật khẩu)" }
                                            }
                                            button.secondary type="submit" { "Mở khóa đăng nhập" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub const PASSWORD_FIELDS: [&str; 3] = ["current_password", "new_password", "repeat_password"];

/// Changing one's own password; `forced`: signed in with a one-time one.
pub fn password_page(staff: &Staff, problems: &[Problem], done: bool) -> Markup {
    let fields = Fields::new(problems, &PASSWORD_FIELDS);
    let others = fields.others(&PASSWORD_FIELDS);
    let bad =
        (!others.is_empty()).then(|| Flash::Bad("Chưa đổi được mật khẩu.".into(), String::new()));
    layout(
        "Đổi mật khẩu",
        Some(staff),
        html! {
            h1 { "Đổi mật khẩu" }
            @if done {
                p.flash.ok role="status" { "Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã kết thúc." }
            }
            @if staff.must_change_password {
                p.flash.bad role="alert" {
                    "Bạn đang dùng mật khẩu một lần do người khác đặt. Hãy đặt mật khẩu mới của riêng bạn để tiếp tục."
                }
            }
            (flash(bad, &others))
            form.card method="post" action="/admin/password" {
                p.mut { "Tài khoản: " code { (staff.username) } " · " (staff.display_name) }
                label for="current_password" {
                    @if staff.must_change_password { "Mật khẩu một lần" } @else { "Mật khẩu hiện tại" }
                }
                input #current_password name="current_password" type="password" required autocomplete="current-password"
                    aria-invalid=[fields.invalid("current_password")] aria-describedby=[fields.described("current_password")] autofocus[fields.focus("current_password")];
                (fields.error("current_password"))
                label for="new_password" { "Mật khẩu mới (ít nhất " (MIN_PASSWORD_CHARS) " ký tự)" }
                input #new_password name="new_password" type="password" required autocomplete="new-password" minlength=(MIN_PASSWORD_CHARS)
                    aria-invalid=[fields.invalid("new_password")] aria-describedby=[fields.described("new_password")] autofocus[fields.focus("new_password")];
                (fields.error("new_password"))
                label for="repeat_password" { "Nhập lại mật khẩu mới" }
                input #repeat_password name="repeat_password" type="password" required autocomplete="new-password"
                    aria-invalid=[fields.invalid("repeat_password")] aria-describedby=[fields.described("repeat_password")] autofocus[fields.focus("repeat_password")];
                (fields.error("repeat_password"))
                p { button type="submit" { "Đổi mật khẩu" } }
            }
        },
    )
}

//! Staff accounts: roles and the rules for usernames and passwords.

use serde::{Deserialize, Serialize};

use super::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, everywhere.
    Admin,
    /// Manages one unit's subtree.
    Organizer,
    /// Co-organizing office: read-only, scoped to the contests it is added to.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Organizer => "organizer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Result<Role, Invalid> {
        match s.trim() {
            "admin" => Ok(Role::Admin),
            "organizer" => Ok(Role::Organizer),
            "viewer" => Ok(Role::Viewer),
            other => Err(Invalid::new(
                format!("Vai trò không hợp lệ: {other:?} (chọn admin, organizer hoặc viewer)."),
                format!("Unknown role {other:?}: expected admin, organizer or viewer."),
            )),
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị hệ thống",
            Role::Organizer => "Ban tổ chức",
            Role::Viewer => "Đơn vị phối hợp (chỉ xem)",
        }
    }
}

/// A username as typed, normalized the one way it is compared and stored:
/// without the spaces around it, in lower case. Sign-in, adding and removing
/// viewers all take this type, so none can look an account up otherwise.
/// Any text becomes a `Username` (an unknown one is simply not found); a new
/// account's name must also pass [`Username::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(from = "String", into = "String")]
#[schema(value_type = String)]
pub struct Username(String);

impl From<String> for Username {
    fn from(raw: String) -> Self {
        Username(raw.trim().to_lowercase())
    }
}

impl From<&str> for Username {
    fn from(raw: &str) -> Self {
        Username(raw.trim().to_lowercase())
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Username {
    /// A new account's name: 3–64 characters of a–z, 0–9, '.', '_' and '-'.
    pub fn parse(raw: &str) -> Result<Username, Invalid> {
        let u = Username::from(raw);
        let ok_chars =
            u.0.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
        if (3..=64).contains(&u.0.len()) && ok_chars {
            Ok(u)
        } else {
            Err(Invalid::new(
                "Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới.",
                "A username has 3–64 characters: a–z, 0–9, '.', '-' or '_'.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn check_password(pw: &str) -> Result<(), Invalid> {
    let n = pw.chars().count();
    if !(MIN_PASSWORD_CHARS..=256).contains(&n) {
        return Err(Invalid::new(
            format!("Mật khẩu phải dài từ {MIN_PASSWORD_CHARS} đến 256 ký tự."),
            format!("A password has {MIN_PASSWORD_CHARS} to 256 characters."),
        ));
    }
    Ok(())
}

/// An organizer must belong to a unit; admins and viewers may not be tied to one.
pub fn check_role_unit(role: Role, has_unit: bool) -> Result<(), Invalid> {
    match (role, has_unit) {
        (Role::Organizer, false) => Err(Invalid::new(
            "Tài khoản ban tổ chức phải gắn với một đơn vị (--unit MÃ).",
            "An organizer account needs a unit (--unit CODE).",
        )),
        _ => Ok(()),
    }
}

/// A readable random password for accounts created without one.
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Where an account sits: its role and, when it has one, its unit's path.
#[derive(Debug, Clone, Copy)]
pub struct Seat<'a> {
    pub role: Role,
    pub unit_path: Option<&'a str>,
}

/// May `actor` create an account at `new`? Admins create organizer and
/// viewer accounts for any unit (a viewer may have none); organizers create
/// them for a unit in their own subtree. Admin accounts are made with the
/// CLI only.
pub fn may_create(actor: Seat<'_>, new: Seat<'_>) -> Result<(), Invalid> {
    if new.role == Role::Admin {
        return Err(Invalid::new(
            "Tài khoản quản trị chỉ được tạo bằng lệnh hoithi create-user.",
            "Admin accounts are created with the hoithi create-user command only.",
        ));
    }
    match actor.role {
        Role::Admin => Ok(()),
        Role::Organizer => match (actor.unit_path, new.unit_path) {
            (Some(own), Some(unit)) if super::units::is_within(unit, own) => Ok(()),
            (_, None) => Err(Invalid::new(
                "Hãy chọn đơn vị của tài khoản mới (trong đơn vị của bạn).",
                "Choose the new account's unit (within yours).",
            )),
            _ => Err(Invalid::new(
                "Bạn chỉ tạo được tài khoản cho đơn vị của mình và các đơn vị cấp dưới.",
                "You can create accounts only for your unit and the units below it.",
            )),
        },
        Role::Viewer => Err(Invalid::new(
            "Tài khoản chỉ xem không tạo được tài khoản khác.",
            "A read-only account cannot create accounts.",
        )),
    }
}

/// May `actor` reset the password of `target` (never its own: that is a
/// change, with the current password)? An admin resets any other account;
/// an organizer resets viewers in its subtree and organizers strictly below
/// its unit (the organizer above), never an admin or a peer.
pub fn may_reset(actor: Seat<'_>, target: Seat<'_>) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Organizer => match (actor.unit_path, target.role, target.unit_path) {
            (Some(own), Role::Viewer, Some(unit)) => super::units::is_within(unit, own),
            (Some(own), Role::Organizer, Some(unit)) => {
                unit != own && super::units::is_within(unit, own)
            }
            _ => false,
        },
        Role::Viewer => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(role: Role, unit_path: Option<&str>) -> Seat<'_> {
        Seat { role, unit_path }
    }

    #[test]
    fn organizers_create_accounts_only_in_their_subtree() {
        let admin = seat(Role::Admin, None);
        let org = seat(Role::Organizer, Some("/q/"));
        assert!(may_create(admin, seat(Role::Viewer, None)).is_ok());
        assert!(may_create(admin, seat(Role::Organizer, Some("/x/"))).is_ok());
        assert!(may_create(admin, seat(Role::Admin, None)).is_err());
        assert!(may_create(org, seat(Role::Organizer, Some("/q/p/"))).is_ok());
        assert!(may_create(org, seat(Role::Viewer, Some("/q/"))).is_ok());
        assert!(may_create(org, seat(Role::Viewer, None)).is_err());
        assert!(may_create(org, seat(Role::Viewer, Some("/x/"))).is_err());
        assert!(may_create(org, seat(Role::Admin, Some("/q/"))).is_err());
        assert!(may_create(
            seat(Role::Viewer, Some("/q/")),
            seat(Role::Viewer, Some("/q/"))
        )
        .is_err());
    }

    #[test]
    fn only_the_account_above_resets_a_password() {
        let admin = seat(Role::Admin, None);
        let org = seat(Role::Organizer, Some("/q/"));
        assert!(may_reset(admin, seat(Role::Organizer, Some("/q/"))));
        assert!(may_reset(admin, seat(Role::Admin, None)));
        assert!(may_reset(org, seat(Role::Organizer, Some("/q/p/"))));
        assert!(may_reset(org, seat(Role::Viewer, Some("/q/"))));
        assert!(
            !may_reset(org, seat(Role::Organizer, Some("/q/"))),
            "a peer"
        );
        assert!(!may_reset(org, seat(Role::Organizer, Some("/x/"))));
        assert!(!may_reset(org, seat(Role::Viewer, None)));
        assert!(!may_reset(org, seat(Role::Admin, None)));
        assert!(!may_reset(
            seat(Role::Viewer, Some("/q/")),
            seat(Role::Viewer, Some("/q/p/"))
        ));
    }

    #[test]
    fn roles_round_trip_and_unknown_roles_fail() {
        for r in [Role::Admin, Role::Organizer, Role::Viewer] {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn usernames_are_lowercased_and_restricted() {
        assert_eq!(Username::parse(" BTC.Xa-1 ").unwrap().as_str(), "btc.xa-1");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("người dùng").is_err());
        assert!(Username::parse("a'; DROP TABLE accounts;--").is_err());
        // Typed names are compared one way wherever they come from.
        let typed: Username = serde_json::from_str("\" Ubnd-TanPhu \"").unwrap();
        assert_eq!(typed, Username::from("ubnd-tanphu"));
        assert_eq!(serde_json::to_string(&typed).unwrap(), "\"ubnd-tanphu\"");
    }

    #[test]
    fn short_passwords_and_unitless_organizers_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough password").is_ok());
        assert!(check_role_unit(Role::Organizer, false).is_err());
        assert!(check_role_unit(Role::Viewer, false).is_ok());
    }

    #[test]
    fn generated_passwords_are_long_enough_and_differ() {
        let a = generate_password();
        assert!(check_password(&a).is_ok());
        assert_ne!(a, generate_password());
    }
}

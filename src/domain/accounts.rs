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

/// The one way a typed username is compared and stored: without the spaces
/// around it, in lower case (sign-in, adding and removing viewers alike).
pub fn normalize_username(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Usernames: 3–64 characters of a–z, 0–9, '.', '_' and '-', stored lower-case.
pub fn parse_username(raw: &str) -> Result<String, Invalid> {
    let u = normalize_username(raw);
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if (3..=64).contains(&u.len()) && ok_chars {
        Ok(u)
    } else {
        Err(Invalid::new(
            "Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới.",
            "A username has 3–64 characters: a–z, 0–9, '.', '-' or '_'.",
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_roles_fail() {
        for r in [Role::Admin, Role::Organizer, Role::Viewer] {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn usernames_are_lowercased_and_restricted() {
        assert_eq!(parse_username(" BTC.Xa-1 ").unwrap(), "btc.xa-1");
        assert!(parse_username("ab").is_err());
        assert!(parse_username("người dùng").is_err());
        assert!(parse_username("a'; DROP TABLE accounts;--").is_err());
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

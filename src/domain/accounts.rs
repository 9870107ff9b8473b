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

//! Who may see what of a question bank. Answer keys stay with their owners:
//! a bank belongs to its unit's subtree-or-above (the organizers who manage
//! that unit) and to the admins; the units strictly below it may use it only
//! when the owner shares it, and then without its keys.

use serde::Serialize;

use crate::domain::accounts::Role;
use crate::domain::units::is_within;

/// What a staff member may do with one bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BankAccess {
    /// Nothing: not listed, every read refused.
    Hidden,
    /// Shared from above: listed (marked so), its questions readable without
    /// answers, explanations or sources, contests may be built on it (the
    /// server grades them); no export, no new version, no sharing.
    WithoutAnswers,
    /// The owner's: everything, keys and export included.
    Full,
}

impl BankAccess {
    pub fn can_read(self) -> bool {
        self != BankAccess::Hidden
    }

    pub fn sees_keys(self) -> bool {
        self == BankAccess::Full
    }
}

/// The access of a staff member with `role`, scoped to the unit at `scope`
/// (a materialized path), to a bank owned by the unit at `owner` (None: a
/// bank with no unit, the admins') that is `shared` or not.
pub fn bank_access(
    role: Role,
    scope: Option<&str>,
    owner: Option<&str>,
    shared: bool,
) -> BankAccess {
    match role {
        Role::Admin => BankAccess::Full,
        Role::Viewer => BankAccess::Hidden,
        Role::Organizer => {
            let Some(scope) = scope else {
                return BankAccess::Hidden;
            };
            // Below the owner: inside its subtree but not the owning unit
            // itself. Every unit is below the admins' banks.
            let below = |o: &str| is_within(scope, o) && scope != o;
            match owner {
                // The owning unit or one above it manages it.
                Some(o) if is_within(o, scope) => BankAccess::Full,
                Some(o) if shared && below(o) => BankAccess::WithoutAnswers,
                None if shared => BankAccess::WithoutAnswers,
                _ => BankAccess::Hidden,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BankAccess::{Full, Hidden, WithoutAnswers};

    const PROVINCE: &str = "/t/";
    const COMMUNE: &str = "/t/a/";
    const BRANCH: &str = "/t/a/1/";
    const SIBLING: &str = "/t/b/";
    const OTHER_ROOT: &str = "/x/";

    fn organizer(scope: &str, owner: Option<&str>, shared: bool) -> BankAccess {
        bank_access(Role::Organizer, Some(scope), owner, shared)
    }

    #[test]
    fn the_owner_and_the_units_above_it_see_everything_shared_or_not() {
        for shared in [false, true] {
            assert_eq!(organizer(COMMUNE, Some(COMMUNE), shared), Full);
            assert_eq!(organizer(PROVINCE, Some(COMMUNE), shared), Full);
        }
    }

    #[test]
    fn units_below_see_a_bank_only_when_shared_and_then_without_keys() {
        assert_eq!(organizer(BRANCH, Some(COMMUNE), false), Hidden);
        assert_eq!(organizer(BRANCH, Some(COMMUNE), true), WithoutAnswers);
        assert_eq!(organizer(COMMUNE, Some(PROVINCE), true), WithoutAnswers);
        assert!(!WithoutAnswers.sees_keys() && WithoutAnswers.can_read());
    }

    #[test]
    fn siblings_and_other_trees_see_nothing_even_when_shared() {
        for shared in [false, true] {
            assert_eq!(organizer(SIBLING, Some(COMMUNE), shared), Hidden);
            assert_eq!(organizer(OTHER_ROOT, Some(COMMUNE), shared), Hidden);
        }
        // A path that merely starts like the owner's is not below it.
        assert_eq!(organizer("/t/ab/", Some(COMMUNE), true), Hidden);
    }

    #[test]
    fn banks_without_a_unit_are_the_admins_and_shared_only_when_they_say() {
        assert_eq!(bank_access(Role::Admin, None, None, false), Full);
        assert_eq!(organizer(PROVINCE, None, false), Hidden);
        assert_eq!(organizer(BRANCH, None, true), WithoutAnswers);
        assert_eq!(
            bank_access(Role::Organizer, None, None, true),
            Hidden,
            "an organizer without a unit is below nothing"
        );
    }

    #[test]
    fn admins_see_everything_and_viewers_nothing() {
        for (owner, shared) in [(Some(COMMUNE), false), (None, true), (None, false)] {
            assert_eq!(bank_access(Role::Admin, None, owner, shared), Full);
            assert_eq!(
                bank_access(Role::Viewer, Some(COMMUNE), owner, shared),
                Hidden
            );
        }
    }
}

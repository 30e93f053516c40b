//! Which numbers ring a business, and who may change that. A number routes real calls (and, once
//! the agent sync runs, points a workspace number at an agent), so only a platform admin adds or
//! removes one; the business's own users may rename them.

use super::catalog::Role;

/// What replacing a business's number list with `wanted` adds and removes.
#[derive(Debug, PartialEq, Eq)]
pub struct NumberChanges<'a> {
    /// In `wanted`, not held now; in the order given.
    pub added: Vec<&'a str>,
    /// Held now, not in `wanted`.
    pub removed: Vec<&'a str>,
}

impl<'a> NumberChanges<'a> {
    pub fn between(current: &'a [String], wanted: &'a [String]) -> Self {
        Self {
            added: wanted
                .iter()
                .filter(|w| !current.contains(w))
                .map(String::as_str)
                .collect(),
            removed: current
                .iter()
                .filter(|c| !wanted.contains(c))
                .map(String::as_str)
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// Whether `role` may add numbers to a business or take them away.
pub fn may_reassign_numbers(role: Role) -> bool {
    role == Role::PlatformAdmin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn changes_name_what_is_added_and_removed() {
        let current = owned(&["+14155550001", "+14155550002"]);
        let wanted = owned(&["+14155550002", "+14155550003"]);
        let c = NumberChanges::between(&current, &wanted);
        assert_eq!(c.added, vec!["+14155550003"]);
        assert_eq!(c.removed, vec!["+14155550001"]);
        assert!(NumberChanges::between(&current, &current).is_empty());
    }

    #[test]
    fn only_a_platform_admin_reassigns_numbers() {
        assert!(may_reassign_numbers(Role::PlatformAdmin));
        assert!(!may_reassign_numbers(Role::BusinessOwner));
        assert!(!may_reassign_numbers(Role::BusinessMember));
    }
}

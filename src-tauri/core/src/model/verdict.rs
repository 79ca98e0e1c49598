//! The words a check answers in: a verdict per scope and the user's role in a base.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Granted,
    Denied,
    /// The user's role alone forbids it, whatever the token's scopes.
    BlockedByRole,
    /// No safe request proves it, or there was nothing to try it on.
    Unverifiable,
    NotChecked,
    /// The request failed for another reason; the report says which.
    Error,
    /// A table's or field's permissions refused it (403 `INVALID_PERMISSIONS`): neither
    /// the scope nor the role is the cause, and whether the token has the scope is not
    /// shown. The reason is Airtable's message.
    Restricted,
    /// Not probed here: the token holds the scope (another base proved it), reaches this
    /// base, and the user's role here allows it. A table's or field's restriction, or a
    /// spent monthly quota, is not ruled out. Never for a scope the intent names on a
    /// base it names, nor on a base the user named to probe: those are always asked.
    Implied,
}

impl Verdict {
    /// The verdict as the JSON contract names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Denied => "denied",
            Self::BlockedByRole => "blocked_by_role",
            Self::Unverifiable => "unverifiable",
            Self::NotChecked => "not_checked",
            Self::Error => "error",
            Self::Restricted => "restricted",
            Self::Implied => "implied",
        }
    }
}

/// The user's role in a base, weakest first, as `permissionLevel` names it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum PermissionLevel {
    None,
    Read,
    Comment,
    Edit,
    Create,
}

impl PermissionLevel {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "none" => Self::None,
            "read" => Self::Read,
            "comment" => Self::Comment,
            "edit" => Self::Edit,
            "create" => Self::Create,
            _ => return None,
        })
    }

    /// Whether this role alone forbids what needs `least`. `none` rules out nothing: a
    /// base listed with it is an enterprise admin's, reached without being a collaborator
    /// (`airtable-api.md`), and the role does not say what that access allows.
    pub fn rules_out(self, least: PermissionLevel) -> bool {
        self != Self::None && self < least
    }

    /// The role in a sentence: `none` says what it most likely means.
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => "none (admin access?)",
            other => other.name(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Read => "read",
            Self::Comment => "comment",
            Self::Edit => "edit",
            Self::Create => "create",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Verdict::{self, *};

    #[test]
    fn each_verdict_is_named_as_the_json_names_it() {
        let every: [Verdict; 8] = [
            Granted,
            Denied,
            BlockedByRole,
            Unverifiable,
            NotChecked,
            Error,
            Restricted,
            Implied,
        ];
        for v in every {
            assert_eq!(serde_json::to_value(v).unwrap(), v.name());
        }
    }
}

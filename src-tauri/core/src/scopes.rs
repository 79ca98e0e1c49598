//! The catalog of Airtable token scopes, grouped as Airtable's token page groups them,
//! each with the one line a user needs to choose it.

use serde::Serialize;

/// Where a user makes, edits, regenerates and deletes tokens.
pub const TOKENS_PAGE: &str = "https://airtable.com/create/tokens";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ScopeGroup {
    Basic,
    EnterpriseMember,
    EnterpriseAdmin,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ScopeInfo {
    pub name: &'static str,
    pub group: ScopeGroup,
    pub meaning: &'static str,
    /// The word a reach cell shows for a scope that acts on one base (`records✎` is
    /// write); none for the rest, which no base check tries.
    pub short: Option<&'static str>,
}

const fn scope(name: &'static str, group: ScopeGroup, meaning: &'static str) -> ScopeInfo {
    ScopeInfo {
        name,
        group,
        meaning,
        short: None,
    }
}

/// A scope that acts on one base, with its cell word.
const fn on_base(
    name: &'static str,
    group: ScopeGroup,
    short: &'static str,
    meaning: &'static str,
) -> ScopeInfo {
    ScopeInfo {
        name,
        group,
        meaning,
        short: Some(short),
    }
}

use ScopeGroup::{Basic, EnterpriseAdmin, EnterpriseMember};

pub const CATALOG: &[ScopeInfo] = &[
    on_base(
        "data.records:read",
        Basic,
        "records",
        "See the data in records",
    ),
    on_base(
        "data.records:write",
        Basic,
        "records✎",
        "Create, edit and delete records",
    ),
    on_base(
        "data.recordComments:read",
        Basic,
        "comments",
        "See comments in records",
    ),
    on_base(
        "data.recordComments:write",
        Basic,
        "comments✎",
        "Create, edit and delete record comments",
    ),
    on_base(
        "schema.bases:read",
        Basic,
        "schema",
        "See the structure of a base: tables, fields, views",
    ),
    on_base(
        "schema.bases:write",
        Basic,
        "schema✎",
        "Edit the structure of a base",
    ),
    on_base(
        "webhook:manage",
        Basic,
        "webhooks",
        "View, create and delete webhooks for a base",
    ),
    on_base(
        "block:manage",
        Basic,
        "extensions",
        "Manage extensions (blocks) with the blocks CLI",
    ),
    scope(
        "user.email:read",
        Basic,
        "See the email address of the token's user",
    ),
    on_base(
        "workspacesAndBases:read",
        Basic,
        "workspace",
        "See workspaces, bases and their collaborators",
    ),
    scope(
        "enterprise.groups:read",
        EnterpriseMember,
        "See user groups",
    ),
    scope(
        "workspacesAndBases:write",
        EnterpriseMember,
        "Create and change workspaces and bases",
    ),
    on_base(
        "workspacesAndBases.shares:manage",
        EnterpriseMember,
        "shares",
        "Manage share links",
    ),
    scope(
        "enterprise.scim.usersAndGroups:manage",
        EnterpriseAdmin,
        "Manage users and groups through SCIM",
    ),
    scope(
        "enterprise.auditLogs:read",
        EnterpriseAdmin,
        "Read audit log events",
    ),
    scope(
        "enterprise.changeEvents:read",
        EnterpriseAdmin,
        "Read change events",
    ),
    scope(
        "enterprise.exports:manage",
        EnterpriseAdmin,
        "Manage eDiscovery exports",
    ),
    scope(
        "enterprise.account:read",
        EnterpriseAdmin,
        "See the enterprise account",
    ),
    scope(
        "enterprise.account:write",
        EnterpriseAdmin,
        "Change the enterprise account",
    ),
    scope(
        "enterprise.user:read",
        EnterpriseAdmin,
        "See enterprise users",
    ),
    scope(
        "enterprise.user:write",
        EnterpriseAdmin,
        "Change enterprise users",
    ),
    scope(
        "enterprise.groups:manage",
        EnterpriseAdmin,
        "Manage user groups",
    ),
    scope(
        "workspacesAndBases:manage",
        EnterpriseAdmin,
        "Manage every workspace and base",
    ),
    scope(
        "hyperDB.records:read",
        EnterpriseAdmin,
        "See HyperDB records",
    ),
    scope(
        "hyperDB.records:write",
        EnterpriseAdmin,
        "Change HyperDB records",
    ),
    // Airtable's changelog, 2025-08-05: offered with the enterprise admin scopes.
    scope(
        "data.records:manage",
        EnterpriseAdmin,
        "Permanently delete records",
    ),
];

pub fn is_known(name: &str) -> bool {
    CATALOG.iter().any(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_has_every_documented_scope_once() {
        assert_eq!(CATALOG.len(), 26);
        let mut names: Vec<_> = CATALOG.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOG.len());
        assert!(is_known("webhook:manage"));
        assert!(is_known("data.records:manage"));
        assert!(!is_known("data.records:delete"));
    }
}

//! Which scopes act on one base, which request proves each, and the least role that
//! may use it: the table every probe and estimate reads.

use crate::model::verdict::PermissionLevel;

/// How a scope is tried on one base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// `GET /v0/meta/bases/{base}/tables`.
    Schema,
    /// `GET /v0/{base}/{table}?maxRecords=1`.
    FirstRecord,
    /// `GET /v0/{base}/{table}/{record}/comments?pageSize=1`.
    FirstComment,
    /// `GET /v0/bases/{base}/webhooks`.
    Webhooks,
    /// `GET /v0/meta/bases/{base}/views`.
    Views,
    /// `GET /v0/meta/bases/{base}/shares`: answers on Enterprise plans only.
    Shares,
    /// `POST /v0/{base}/{table}` without a body: 422 proves it, 403 refuses it.
    CreateRecordsWithoutBody,
    /// `PATCH /v0/meta/bases/{base}/tables/{table}` without a body.
    UpdateTableWithoutBody,
    /// Nothing safe proves it.
    None,
}

impl Probe {
    /// Whether the request names a table (and so a 403 may mean the table is missing).
    pub fn needs_table(self) -> bool {
        matches!(
            self,
            Probe::FirstRecord
                | Probe::FirstComment
                | Probe::CreateRecordsWithoutBody
                | Probe::UpdateTableWithoutBody
        )
    }
}

pub struct BaseScope {
    pub scope: &'static str,
    pub probe: Probe,
    /// The least role that may use the scope on a base.
    pub least_role: PermissionLevel,
    /// What breaks without it, for explanations.
    pub needed_for: &'static str,
    /// What a token that has it but should not can do, when that is worse than its name.
    pub risk: Option<&'static str>,
}

/// The scopes that act on one base, in the order a check tries them (the schema gives
/// a table, the first record gives a record for comments).
pub const BASE_SCOPES: &[BaseScope] = &[
    BaseScope {
        scope: "schema.bases:read",
        probe: Probe::Schema,
        least_role: PermissionLevel::Read,
        needed_for: "reading the base's tables and fields",
        risk: None,
    },
    BaseScope {
        scope: "data.records:read",
        probe: Probe::FirstRecord,
        least_role: PermissionLevel::Read,
        needed_for: "reading records",
        risk: None,
    },
    BaseScope {
        scope: "data.recordComments:read",
        probe: Probe::FirstComment,
        least_role: PermissionLevel::Read,
        needed_for: "reading record comments",
        risk: None,
    },
    BaseScope {
        scope: "data.records:write",
        probe: Probe::CreateRecordsWithoutBody,
        least_role: PermissionLevel::Edit,
        needed_for: "creating, editing or deleting records",
        risk: None,
    },
    BaseScope {
        scope: "data.recordComments:write",
        probe: Probe::None,
        least_role: PermissionLevel::Comment,
        needed_for: "writing record comments",
        risk: None,
    },
    BaseScope {
        scope: "schema.bases:write",
        probe: Probe::UpdateTableWithoutBody,
        least_role: PermissionLevel::Create,
        needed_for: "changing tables and fields",
        risk: None,
    },
    // Listing webhooks needs only the read role (Airtable's list-webhooks page); making
    // or deleting one needs creator, but no probe does that.
    BaseScope {
        scope: "webhook:manage",
        probe: Probe::Webhooks,
        least_role: PermissionLevel::Read,
        needed_for: "managing webhooks",
        risk: Some(
            "it can list the base's webhooks and fetch their payloads, i.e. read every change to the base's records",
        ),
    },
    BaseScope {
        scope: "block:manage",
        probe: Probe::None,
        least_role: PermissionLevel::Create,
        needed_for: "managing extensions",
        risk: None,
    },
    BaseScope {
        scope: "workspacesAndBases:read",
        probe: Probe::Views,
        least_role: PermissionLevel::Read,
        needed_for: "reading workspace and base details",
        risk: None,
    },
    // Reading a base's shares needs the editor role, and the route exists on Enterprise
    // plans only (`airtable-api.md`, "Probes added since").
    BaseScope {
        scope: "workspacesAndBases.shares:manage",
        probe: Probe::Shares,
        least_role: PermissionLevel::Edit,
        needed_for: "managing the base's shared views and links",
        risk: Some("it can list, create and remove the base's public share links"),
    },
];

pub fn base_scope(scope: &str) -> Option<&'static BaseScope> {
    BASE_SCOPES.iter().find(|s| s.scope == scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cells show a word for exactly the scopes a base check tries, each its own.
    #[test]
    fn the_scopes_with_a_cell_word_are_those_a_base_check_tries() {
        let mut with_word: Vec<_> = crate::scopes::CATALOG
            .iter()
            .filter(|s| s.short.is_some())
            .map(|s| s.name)
            .collect();
        let mut on_a_base: Vec<_> = BASE_SCOPES.iter().map(|s| s.scope).collect();
        with_word.sort();
        on_a_base.sort();
        assert_eq!(with_word, on_a_base);
        let mut words: Vec<_> = crate::scopes::CATALOG
            .iter()
            .filter_map(|s| s.short)
            .collect();
        words.sort();
        words.dedup();
        assert_eq!(words.len(), on_a_base.len());
    }
}

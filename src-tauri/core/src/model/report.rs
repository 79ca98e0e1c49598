//! A check's result for one token at one moment, and the short entry the inventory keeps
//! of each check. This is also the shape `patvault check --json` prints.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::verdict::{PermissionLevel, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Valid, and it reaches exactly what it is meant to.
    Ok,
    Drift,
    /// Airtable does not accept the token.
    Invalid,
    /// The check could not tell.
    Error,
}

impl CheckStatus {
    /// As `--json` spells it.
    pub fn name(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Drift => "drift",
            CheckStatus::Invalid => "invalid",
            CheckStatus::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CheckUser {
    pub id: String,
    /// Only when the token has `user.email:read`.
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BaseReach {
    pub id: String,
    /// None when the token cannot list bases and the base was probed directly.
    pub name: Option<String>,
    /// The user's role; None when the token cannot list bases.
    pub permission_level: Option<PermissionLevel>,
    /// Whether any request worked on it.
    pub reachable: bool,
    pub intended: bool,
    pub scopes: BTreeMap<String, Verdict>,
    /// Why a verdict is what it is, by scope, where a reason helps (`error`,
    /// `unverifiable`, `restricted`, a denial known without asking); also `base` for a
    /// base not listed and `role` for a role PAT Vault does not recognise.
    pub reasons: BTreeMap<String, String>,
    /// Requests this token's check sent to this base, retries included.
    #[serde(default)]
    pub requests: u32,
    /// What the intent names here that Airtable does not have: the base, or its table.
    #[serde(default)]
    pub not_found: Option<NotFound>,
    /// The base's workspace has spent its monthly API calls: its data probes were not
    /// answered (or, once that was known, not sent).
    #[serde(default)]
    pub quota_exhausted: bool,
    /// The intent's table was refused with a 403 while the base's schema could not be
    /// read: Airtable answers a missing table and a missing scope alike, so the table may
    /// be gone, or a scope missing. The verdicts it touched are `unverifiable`.
    #[serde(default)]
    pub table_in_doubt: bool,
}

impl BaseReach {
    /// A base as known before any request: not yet reached, no verdict.
    pub fn new(
        id: &str,
        name: Option<String>,
        permission_level: Option<PermissionLevel>,
        intended: bool,
    ) -> Self {
        BaseReach {
            id: id.to_owned(),
            name,
            permission_level,
            reachable: false,
            intended,
            scopes: BTreeMap::new(),
            reasons: BTreeMap::new(),
            requests: 0,
            not_found: None,
            quota_exhausted: false,
            table_in_doubt: false,
        }
    }
}

/// Something named in the intent that Airtable answered was not there (404, or a table
/// missing from the base's schema): renamed or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum NotFound {
    Base,
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Meant to work but does not: something will break.
    MissingScope,
    MissingBase,
    /// The token holds the scope, but on this intended base the user's role (or a table's
    /// or field's permissions) refuses it: it will break there.
    BlockedOnBase,
    /// Works but was not meant to: over-privileged.
    ExcessScope,
    ExcessBase,
    /// The intent names a base or table Airtable does not have (renamed or deleted).
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The token's scopes.
    Scope,
    /// The bases granted to the token (or the base no longer exists).
    BaseGrant,
    /// The user's own role in the base.
    Role,
    /// A table's or field's permissions in the base, whatever the token and the role.
    TablePermissions,
    /// The intent itself: it names something that is not there.
    Intent,
}

/// One difference between intent and reach, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Finding {
    pub kind: FindingKind,
    pub scope: Option<String>,
    pub base: Option<String>,
    pub cause: Cause,
    /// One line: what is wrong and why.
    pub explanation: String,
    /// What to change in Airtable (or in the intent).
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
pub struct Drift {
    /// Intended scopes the token does not hold (its verdict is `denied`).
    pub missing_scopes: Vec<String>,
    /// Intended scopes the token was not shown to lack that are refused on some intended
    /// bases, by the user's role, a table's or field's permissions, or (held, yet refused)
    /// Airtable: scope → those bases. Never in `missing_scopes`.
    #[serde(default)]
    pub blocked_on_bases: BTreeMap<String, Vec<String>>,
    pub excess_scopes: Vec<String>,
    pub missing_bases: Vec<String>,
    /// None when it cannot be known: a token that cannot list bases may reach more.
    pub excess_bases: Option<Vec<String>>,
    /// What the check could not know, in words.
    pub unknown: Vec<String>,
    pub findings: Vec<Finding>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.missing_scopes.is_empty()
            && self.blocked_on_bases.is_empty()
            && self.excess_scopes.is_empty()
            && self.missing_bases.is_empty()
            && self.excess_bases.as_ref().is_none_or(Vec::is_empty)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CheckReport {
    pub checked_at: DateTime<Utc>,
    /// A light check asks only who the token is and which bases it lists.
    pub light: bool,
    pub status: CheckStatus,
    pub user: Option<CheckUser>,
    /// Whether the token may list bases; None when the check stopped before.
    pub can_list_bases: Option<bool>,
    /// Every scope in the catalog, for the token as a whole.
    pub scopes: BTreeMap<String, Verdict>,
    pub bases: Vec<BaseReach>,
    pub drift: Drift,
    /// Why the status is `invalid` or `error`.
    pub error: Option<String>,
    /// Requests sent for this token, retries included.
    pub requests: u32,
    /// How the token's reach differs from its previous check, when it does: a token's
    /// scopes and bases can be edited in place at airtable.com/create/tokens.
    #[serde(default)]
    pub changed_since_last: Option<ReachChange>,
}

impl CheckReport {
    /// A check just begun: every scope in the catalog not checked, nothing known yet.
    pub fn started(light: bool) -> Self {
        CheckReport {
            checked_at: Utc::now(),
            light,
            status: CheckStatus::Ok,
            user: None,
            can_list_bases: None,
            scopes: crate::scopes::CATALOG
                .iter()
                .map(|s| (s.name.to_owned(), Verdict::NotChecked))
                .collect(),
            bases: Vec::new(),
            drift: Drift::default(),
            error: None,
            requests: 0,
            changed_since_last: None,
        }
    }
}

/// What a token's checks have shown of its reach, each part as of the latest check that
/// knew it: a light check knows no base scope, a failed one nothing, so each check is
/// compared with this rather than with the check just before it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
pub struct KnownReach {
    pub user: Option<Known<String>>,
    /// Each scope shown held (`true`) or lacking (`false`).
    pub scopes: BTreeMap<String, Known<bool>>,
    /// The bases the token listed, with the user's role (`None`: one PAT Vault does not
    /// recognise).
    pub bases: Option<Known<BTreeMap<String, Option<PermissionLevel>>>>,
}

/// A fact and the check that last showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Known<T> {
    pub value: T,
    pub at: DateTime<Utc>,
}

impl KnownReach {
    /// What `report` showed, added to what was known: a verdict that is neither
    /// `granted` nor `denied` proves nothing, and bases are known only from the list.
    pub fn learn(&mut self, report: &CheckReport) {
        let at = report.checked_at;
        let Some(user) = &report.user else {
            return;
        };
        self.user = Some(Known {
            value: user.id.clone(),
            at,
        });
        for (scope, verdict) in &report.scopes {
            let held = match verdict {
                Verdict::Granted => true,
                Verdict::Denied => false,
                _ => continue,
            };
            self.scopes.insert(scope.clone(), Known { value: held, at });
        }
        if report.can_list_bases == Some(true) {
            let listed = report
                .bases
                .iter()
                .filter(|b| b.reachable)
                .map(|b| (b.id.clone(), b.permission_level))
                .collect();
            self.bases = Some(Known { value: listed, at });
        }
    }

    /// What a report alone shows.
    pub fn of(report: &CheckReport) -> Self {
        let mut known = KnownReach::default();
        known.learn(report);
        known
    }
}

/// What changed in a token's reach between two checks, as far as both could tell.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
pub struct ReachChange {
    /// When the oldest fact it was compared with was shown: the change happened since.
    pub since: DateTime<Utc>,
    pub scopes_gained: Vec<String>,
    pub scopes_lost: Vec<String>,
    pub bases_gained: Vec<String>,
    pub bases_lost: Vec<String>,
    pub roles_changed: Vec<RoleChange>,
    /// The token acts as another user than before: its secret was replaced by another
    /// user's token.
    pub user_changed: Option<UserChange>,
    /// Something that worked no longer does: whatever uses the token may break.
    pub shrank: bool,
    /// The token reaches more than before: more for a leak to expose.
    pub grew: bool,
    /// The change in words, a line per kind, as the CLI, the app and notifications say it.
    pub summary: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RoleChange {
    pub base: String,
    pub from: Option<PermissionLevel>,
    pub to: Option<PermissionLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct UserChange {
    pub from: String,
    pub to: String,
}

/// What the inventory keeps of each check, the last 20 per token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CheckEntry {
    pub checked_at: DateTime<Utc>,
    pub light: bool,
    pub status: CheckStatus,
    pub reachable_bases: u32,
    /// What will break: missing scopes and bases, and scopes blocked on some bases.
    pub missing: u32,
    pub excess: u32,
    pub error: Option<String>,
}

impl CheckEntry {
    pub fn of(report: &CheckReport) -> Self {
        let d = &report.drift;
        CheckEntry {
            checked_at: report.checked_at,
            light: report.light,
            status: report.status,
            reachable_bases: report.bases.iter().filter(|b| b.reachable).count() as u32,
            missing: (d.missing_scopes.len() + d.blocked_on_bases.len() + d.missing_bases.len())
                as u32,
            excess: (d.excess_scopes.len() + d.excess_bases.as_ref().map_or(0, Vec::len)) as u32,
            error: report.error.clone(),
        }
    }
}

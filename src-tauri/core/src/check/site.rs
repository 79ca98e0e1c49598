//! What the probes on one base share: where they run, what earlier answers told the
//! later ones, and the scopes a base has already shown missing for every base.

use std::collections::BTreeMap;

use parking_lot::Mutex;

use super::catalog::BaseScope;
use crate::airtable::client::Caller;
use crate::model::verdict::PermissionLevel;

/// What every probe on one base shares.
pub(super) struct Site<'a> {
    pub caller: &'a Caller<'a>,
    pub base: &'a str,
    pub level: Option<PermissionLevel>,
    /// Whether the token lists bases (so the base's schema may be read).
    pub listing: bool,
    pub intended_table: Option<&'a str>,
    /// The base is one the token is meant for, or one the user named to probe.
    pub named: bool,
    pub denials: &'a Denials,
}

/// What earlier requests on a base told the later ones.
pub(super) struct Found {
    pub table: Option<String>,
    /// The schema showed that `table` exists: a 403 on it is then about permission.
    pub table_confirmed: bool,
    pub no_table_why: &'static str,
    /// The intent's table is not in the base: renamed or deleted.
    pub table_gone: Option<String>,
    /// The base itself answered 404: nothing more is worth asking of it.
    pub base_gone: bool,
    pub record: Option<String>,
    pub records_readable: bool,
    /// Scopes refused where the role is not known (see `scope::refused`).
    pub role_doubts: Vec<&'static BaseScope>,
}

/// Scopes found missing from the token, each with the base that showed it. A scope is
/// the token's for every base, so once a base where nothing else can refuse it (listed,
/// so granted, with the creator role, the table known to exist) answers 403, every other
/// base would answer the same: no request is sent for it there, except on an intended
/// or named base (see `scope::send`).
#[derive(Default)]
pub(super) struct Denials(Mutex<BTreeMap<&'static str, String>>);

impl Denials {
    pub fn shown_by(&self, scope: &str) -> Option<String> {
        self.0.lock().get(scope).cloned()
    }

    pub(super) fn learn(&self, scope: &'static str, base: &str) {
        self.0
            .lock()
            .entry(scope)
            .or_insert_with(|| base.to_owned());
    }
}

//! Proving each scope once per token. A token's scopes are token-wide, and the base list
//! names every base it reaches with the user's role there (`airtable-api.md`, "Monthly
//! API quota"): once the intended bases (and those the user picked) are probed, a scope
//! no base has shown held or missing is tried on one other base the token reaches (the
//! one whose role allows the most open scopes, a creator's among equals, where a refusal
//! proves a scope missing), and on a second only when the first could not tell. Every
//! cell no probe answered, on any base, then takes its verdict from what is known and the
//! role there.

use std::collections::BTreeMap;

use super::base::probe_base;
use super::catalog::{BASE_SCOPES, BaseScope, Probe};
use super::site::Denials;
use super::targets::Target;
use crate::airtable::client::Caller;
use crate::model::report::BaseReach;
use crate::model::verdict::{PermissionLevel, Verdict};

/// Other bases a scope is tried on before it is left unknown. A refused shares probe
/// cannot be told from a plan without Enterprise, which another base of the account most
/// likely shares: it is tried once (and not at all when a probed base refused it).
pub(super) fn most_tries(s: &BaseScope) -> u8 {
    if s.probe == Probe::Shares { 1 } else { 2 }
}

/// Whether a probed base's refusal already said what another base would.
fn refused_alike(s: &BaseScope, probed: &[BaseReach]) -> bool {
    s.probe == Probe::Shares
        && probed
            .iter()
            .any(|b| b.scopes.get(s.scope) == Some(&Verdict::Unverifiable))
}

/// Probes witnesses among `left` for the scopes `probed` did not settle, then gives every
/// cell no probe answered its verdict, on the probed bases and the others alike.
pub(super) async fn prove_the_rest(
    caller: &Caller<'_>,
    probed: Vec<BaseReach>,
    mut left: Vec<Target>,
    denials: &Denials,
    listing: bool,
) -> Vec<BaseReach> {
    let mut witnessed: Vec<BaseReach> = Vec::new();
    let mut tries: BTreeMap<&'static str, u8> = BTreeMap::new();
    loop {
        let known = Shown::of(probed.iter().chain(&witnessed), denials, false);
        let open: Vec<&'static BaseScope> = BASE_SCOPES
            .iter()
            .filter(|s| !matches!(s.probe, Probe::None | Probe::Schema))
            .filter(|s| tries.get(s.scope).copied().unwrap_or(0) < most_tries(s))
            .filter(|s| !refused_alike(s, &probed))
            .filter(|s| !known.held.contains_key(s.scope) && !known.missing.contains_key(s.scope))
            // Comments are read from a record, which a token without records cannot read.
            .filter(|s| {
                s.probe != Probe::FirstComment || !known.missing.contains_key("data.records:read")
            })
            .collect();
        let Some(i) = best_witness(&left, &open) else {
            break;
        };
        let target = left.remove(i);
        let level = target.reach.permission_level;
        let wanted: Vec<&'static BaseScope> =
            open.into_iter().filter(|s| may_try(level, s)).collect();
        for s in &wanted {
            *tries.entry(s.scope).or_default() += 1;
        }
        witnessed.push(probe_base(caller, target, denials, &wanted).await);
    }
    let known = Shown::of(probed.iter().chain(&witnessed), denials, listing);
    let mut out: Vec<BaseReach> = probed;
    out.extend(witnessed);
    out.extend(left.into_iter().map(|t| t.reach));
    for reach in &mut out {
        known.imply(reach);
    }
    out
}

/// Whether the role leaves the scope possible on a base (`none` and unknown roles do).
pub(super) fn may_try(level: Option<PermissionLevel>, s: &BaseScope) -> bool {
    !level.is_some_and(|l| l.rules_out(s.least_role))
}

/// How much a role lets a base prove: a higher role rules fewer scopes out, and a
/// creator's refusal proves a scope missing; an admin's (`none`) or an unknown role's
/// proves nothing.
pub(super) fn proving_rank(level: Option<PermissionLevel>) -> u8 {
    match level {
        Some(PermissionLevel::None) | None => 0,
        Some(l) => l as u8 + 1,
    }
}

/// The intended base asked every scope in a full check: the highest role, then the
/// first by id (so the estimate, which knows the bases by id, picks the same one).
pub(super) fn lead<'a>(intended: impl Iterator<Item = &'a Target>) -> Option<String> {
    intended
        .map(|t| &t.reach)
        .filter(|b| b.reachable)
        .max_by_key(|b| (proving_rank(b.permission_level), std::cmp::Reverse(&b.id)))
        .map(|b| b.id.clone())
}

/// The base that may settle the most open scopes; among equals, the highest known role,
/// then the first Airtable lists (the order the report keeps for the estimate).
fn best_witness(left: &[Target], open: &[&BaseScope]) -> Option<usize> {
    left.iter()
        .enumerate()
        .map(|(i, t)| {
            let level = t.reach.permission_level;
            let settles = open.iter().filter(|s| may_try(level, s)).count();
            (settles, proving_rank(level), std::cmp::Reverse(i))
        })
        .filter(|(settles, ..)| *settles > 0)
        .max()
        .map(|(.., std::cmp::Reverse(i))| i)
}

/// What the probed bases showed: each scope held or missing, with a base that showed it.
struct Shown {
    held: BTreeMap<&'static str, String>,
    missing: BTreeMap<&'static str, String>,
}

impl Shown {
    /// From the bases' verdicts: a `granted` shows a scope held; only a denial learned on
    /// a creator's base shows it missing (see `scope::Denials`). `listing`: the base list
    /// itself shows `schema.bases:read`.
    fn of<'a>(
        bases: impl Iterator<Item = &'a BaseReach>,
        denials: &Denials,
        listing: bool,
    ) -> Self {
        let mut known = Shown {
            held: BTreeMap::new(),
            missing: BTreeMap::new(),
        };
        if listing {
            known
                .held
                .insert("schema.bases:read", "the base list".to_owned());
        }
        for base in bases {
            for s in BASE_SCOPES {
                if base.scopes.get(s.scope) == Some(&Verdict::Granted) {
                    known.held.entry(s.scope).or_insert_with(|| base.id.clone());
                }
            }
        }
        for s in BASE_SCOPES {
            if let Some(base) = denials.shown_by(s.scope) {
                known.missing.entry(s.scope).or_insert(base);
            }
        }
        known
    }

    /// Fills in every scope no probe answered on this base, from what is known and the
    /// role.
    /// An admin's role (`none`) or one PAT Vault does not recognise says nothing of what
    /// it allows: nothing is implied there.
    fn imply(&self, reach: &mut BaseReach) {
        if !reach.reachable {
            return;
        }
        for s in BASE_SCOPES {
            if reach
                .scopes
                .get(s.scope)
                .is_some_and(|v| *v != Verdict::NotChecked)
            {
                continue;
            }
            let level = reach.permission_level;
            let (verdict, why) = if s.probe == Probe::None {
                (
                    Verdict::Unverifiable,
                    "no request can prove it without changing data".to_owned(),
                )
            } else if let Some(l) = level.filter(|l| l.rules_out(s.least_role)) {
                (
                    Verdict::BlockedByRole,
                    format!(
                        "the user's role is {}; this needs {} or more",
                        l.name(),
                        s.least_role.name()
                    ),
                )
            } else if let Some(shown) = self.missing.get(s.scope) {
                (
                    Verdict::Denied,
                    format!("the token lacks the scope, as {shown} showed; not probed here"),
                )
            } else if level.is_none_or(|l| l == PermissionLevel::None) {
                (
                    Verdict::NotChecked,
                    "not probed here, and the user's role here does not say what it allows"
                        .to_owned(),
                )
            } else if let Some(shown) = self.held.get(s.scope) {
                (
                    Verdict::Implied,
                    format!(
                        "the token holds it ({shown} showed it) and the role here allows it; not probed here, so a table or field restriction or a spent monthly quota is not ruled out"
                    ),
                )
            } else {
                (
                    Verdict::NotChecked,
                    "not probed here, and no base showed whether the token holds it".to_owned(),
                )
            };
            reach.scopes.insert(s.scope.into(), verdict);
            reach.reasons.insert(s.scope.into(), why);
        }
    }
}

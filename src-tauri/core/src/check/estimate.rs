//! How long a check will take, said before it starts. The rate limits, not the network,
//! set the pace of a full check of many bases, so the estimate counts requests per base
//! and per user from what the last check found (or, for a token never checked, from its
//! intent) and divides by the pacer's rates.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catalog::{BASE_SCOPES, BaseScope, Probe};
use super::probe::Depth;
use crate::airtable::pacer::{BASE_PERIOD, USER_PERIOD};
use crate::model::record::TokenRecord;
use crate::model::report::BaseReach;
use crate::model::verdict::{PermissionLevel, Verdict};

/// Bases Airtable lists per page.
const LIST_PAGE: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct CheckEstimate {
    pub requests: u32,
    /// What the rate limits alone require, in seconds, rounded up.
    pub seconds: u32,
    /// Tokens never checked that name no base: only their identity and listing are
    /// counted, so the check may take longer.
    pub unknown_tokens: u32,
}

/// What the daily check costs in requests, light and full, for a vault's tokens. The
/// monthly figures are 30 days of it: what a Free workspace's 1,000 calls a month must
/// cover, beside every other integration's.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct DailyCost {
    pub light_per_day: u32,
    pub light_per_month: u32,
    pub full_per_day: u32,
    pub full_per_month: u32,
}

pub fn daily_cost(tokens: &[TokenRecord]) -> DailyCost {
    let light = estimate(tokens, Depth::Light).requests;
    let full = estimate(tokens, Depth::Full).requests;
    DailyCost {
        light_per_day: light,
        light_per_month: light * 30,
        full_per_day: full,
        full_per_month: full * 30,
    }
}

/// The requests a check of `tokens` as deep as `depth` needs, and the time they take at
/// the rate limits when every token runs at once. A full check is counted as if each
/// probe settles its scope: an inconclusive answer adds a probe on another base.
pub fn estimate(tokens: &[TokenRecord], depth: Depth) -> CheckEstimate {
    let mut per_base: BTreeMap<&str, u32> = BTreeMap::new();
    let mut per_user: BTreeMap<String, u32> = BTreeMap::new();
    let mut unknown_tokens = 0;
    for token in tokens {
        let last = token.last_report.as_ref();
        let listed = last.is_some_and(|r| r.can_list_bases == Some(true));
        let mut bases: BTreeMap<&str, Seen> = BTreeMap::new();
        for reach in last.iter().flat_map(|r| &r.bases) {
            if reach.reachable || reach.intended {
                bases.insert(&reach.id, Seen::of(reach, listed));
            }
        }
        for intended in &token.intent.bases {
            bases.entry(&intended.id).or_default().intended = true;
        }
        if last.is_none() && bases.is_empty() {
            unknown_tokens += 1;
        }
        let pages = (bases.len() as u32).div_ceil(LIST_PAGE).max(1);
        let mut requests = 1 + pages;
        let lacks: Vec<&str> = last
            .iter()
            .flat_map(|r| &r.scopes)
            .filter(|(_, v)| **v == Verdict::Denied)
            .map(|(s, _)| s.as_str())
            .collect();
        for (base, probes) in probes_of(&bases, depth, &lacks) {
            *per_base.entry(base).or_default() += probes;
            requests += probes;
        }
        // Unknown users are counted apart: the worst case is one user for all of them.
        let user = last
            .and_then(|r| r.user.as_ref())
            .map_or_else(|| format!("unknown {}", token.id), |u| u.id.clone());
        *per_user.entry(user).or_default() += requests;
    }
    let busiest_base = per_base.values().max().copied().unwrap_or(0);
    let busiest_user = per_user.values().max().copied().unwrap_or(0);
    let seconds = (BASE_PERIOD * busiest_base)
        .max(USER_PERIOD * busiest_user)
        .as_secs_f64()
        .ceil() as u32;
    CheckEstimate {
        requests: per_user.values().sum(),
        seconds,
        unknown_tokens,
    }
}

/// What an earlier check showed of a base.
#[derive(Default)]
struct Seen {
    /// The user's role there; None when not known.
    level: Option<PermissionLevel>,
    intended: bool,
    /// Out of the token's reach (not in the base list it gave): nothing is sent there.
    unreached: bool,
    /// A creator's base that refused comments on a record it had just read: the record is
    /// read again before the refusal counts (see `scope`).
    reread: bool,
    /// Probes not sent there for want of a table or a record.
    skips: Vec<Probe>,
}

impl Seen {
    fn of(reach: &BaseReach, listed: bool) -> Self {
        let said = |scope: &str| reach.scopes.get(scope).copied();
        Seen {
            level: reach.permission_level,
            intended: false,
            unreached: listed && !reach.reachable,
            reread: reach.permission_level == Some(PermissionLevel::Create)
                && said("data.records:read") == Some(Verdict::Granted)
                && said("data.recordComments:read") == Some(Verdict::Denied)
                && reach.requests > 0,
            skips: match (said("schema.bases:read"), said("data.records:read")) {
                (Some(Verdict::Granted), Some(Verdict::Unverifiable)) => vec![
                    Probe::FirstRecord,
                    Probe::FirstComment,
                    Probe::CreateRecordsWithoutBody,
                    Probe::UpdateTableWithoutBody,
                ],
                (_, Some(Verdict::Granted))
                    if said("data.recordComments:read") == Some(Verdict::Unverifiable) =>
                {
                    vec![Probe::FirstComment]
                }
                _ => Vec::new(),
            },
        }
    }

    /// Requests sent here for `scopes`.
    fn probes(&self, scopes: &[&BaseScope]) -> u32 {
        let sent: Vec<&BaseScope> = scopes
            .iter()
            .filter(|s| !self.skips.contains(&s.probe))
            .copied()
            .collect();
        probes_on(self.level, &sent)
    }
}

/// The probes one token's check sends, per base. `lacks`: the scopes the last check found
/// the token without, which only a creator's refusal settles (see `scope::Denials`).
fn probes_of<'a>(
    bases: &BTreeMap<&'a str, Seen>,
    depth: Depth,
    lacks: &[&str],
) -> Vec<(&'a str, u32)> {
    let every: Vec<&BaseScope> = BASE_SCOPES.iter().collect();
    let mut out: Vec<(&str, u32)> = bases
        .iter()
        .filter(|(_, seen)| !seen.unreached)
        .filter(|(_, seen)| match depth {
            Depth::Light => false,
            Depth::Deep => true,
            Depth::Full | Depth::Intended => seen.intended,
        })
        .map(|(base, seen)| (*base, seen.probes(&every) + u32::from(seen.reread)))
        .collect();
    if depth != Depth::Full {
        return out;
    }
    // The scopes no intended base settles, each tried once on the other base whose role
    // allows the most of them (see `witness`): one the role rules out, or one the token
    // lacks where no intended base is a creator's.
    let lacking = |s: &BaseScope| lacks.contains(&s.scope);
    let settled_by_intent = |s: &BaseScope| {
        bases.values().any(|seen| {
            seen.intended
                && !seen.unreached
                && !seen.level.is_some_and(|l| l.rules_out(s.least_role))
                && !seen.skips.contains(&s.probe)
                && (!lacking(s) || seen.level == Some(PermissionLevel::Create))
        })
    };
    let open: Vec<&BaseScope> = BASE_SCOPES
        .iter()
        .filter(|s| !matches!(s.probe, Probe::None | Probe::Schema) && !settled_by_intent(s))
        .collect();
    let witness = bases
        .iter()
        .filter(|(_, seen)| !seen.intended && !seen.unreached)
        .map(|(base, seen)| (seen.probes(&open), seen.level.map_or(0, |l| l as u8), *base))
        .filter(|(probes, ..)| *probes > 0)
        .max();
    if let Some((probes, rank, base)) = witness {
        let wants = |probe| open.iter().any(|s| s.probe == probe);
        // The schema names a table, the first record a record for comments.
        let schema = u32::from(open.iter().any(|s| s.probe.needs_table()));
        let record = u32::from(wants(Probe::FirstComment) && !wants(Probe::FirstRecord));
        let creator = rank == PermissionLevel::Create as u8;
        let lacks_comments = lacks.contains(&"data.recordComments:read");
        let reread = u32::from(wants(Probe::FirstComment) && lacks_comments && creator);
        out.push((base, probes + schema + record + reread));
    }
    out
}

/// Requests a check sends on one base for `scopes`: each that has a safe probe, except
/// those the user's role forbids (known from an earlier check).
fn probes_on(level: Option<PermissionLevel>, scopes: &[&BaseScope]) -> u32 {
    scopes
        .iter()
        .filter(|s| s.probe != Probe::None)
        .filter(|s| !level.is_some_and(|l| l.rules_out(s.least_role)))
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::record::{BaseIntent, TokenIntent};
    use crate::model::report::{BaseReach, CheckReport, CheckUser};

    fn token(
        intended: &[&str],
        user: Option<&str>,
        reached: &[(&str, PermissionLevel)],
    ) -> TokenRecord {
        let mut intent = TokenIntent::named("t", chrono::NaiveDate::MIN);
        intent.bases = intended
            .iter()
            .map(|id| BaseIntent {
                id: (*id).into(),
                label: None,
                table: None,
            })
            .collect();
        let last_report = user.map(|u| CheckReport {
            light: true,
            user: Some(CheckUser {
                id: u.into(),
                email: None,
            }),
            can_list_bases: Some(true),
            bases: reached
                .iter()
                .map(|(id, level)| BaseReach {
                    reachable: true,
                    ..BaseReach::new(id, None, Some(*level), false)
                })
                .collect(),
            ..CheckReport::started(true)
        });
        TokenRecord {
            id: uuid::Uuid::new_v4(),
            token_id: None,
            created_at: chrono::Utc::now(),
            intent,
            last_report,
            checks: Vec::new(),
            known_reach: None,
            rotations: Vec::new(),
            updates_pending: Vec::new(),
            old_secret_kept: false,
            found_in: Vec::new(),
        }
    }

    #[test]
    fn a_base_shared_by_many_tokens_sets_the_pace() {
        let bases: Vec<String> = (0..40).map(|i| format!("app{i:014}")).collect();
        let reached: Vec<(&str, PermissionLevel)> = bases
            .iter()
            .map(|b| (b.as_str(), PermissionLevel::Create))
            .collect();
        let tokens: Vec<TokenRecord> = (0..10)
            .map(|i| token(&[], Some(if i < 5 { "usrA" } else { "usrB" }), &reached))
            .collect();
        let deep = estimate(&tokens, Depth::Deep);
        // 10 tokens × (whoami + 1 page + 40 bases × 8 probes).
        assert_eq!(deep.requests, 10 * (2 + 40 * 8));
        // Each base gets 80 requests at 210 ms: 16.8 s; each user 1610 at 21.05 ms: 33.9 s.
        assert_eq!(deep.seconds, 34);
        assert_eq!(deep.unknown_tokens, 0);
        // Meant for no base, each token proves its scopes once, on one creator's base:
        // the schema names a table, then 7 probes.
        let full = estimate(&tokens, Depth::Full);
        assert_eq!(full.requests, 10 * (2 + 8));
        let light = estimate(&tokens, Depth::Light);
        assert_eq!(light.requests, 20);
        assert_eq!(light.seconds, 1);
        assert_eq!(
            daily_cost(&tokens),
            DailyCost {
                light_per_day: 20,
                light_per_month: 600,
                full_per_day: 100,
                full_per_month: 3000,
            }
        );
    }

    #[test]
    fn a_read_only_role_skips_the_writes_and_unknown_tokens_are_counted() {
        let read_only = token(
            &[],
            Some("usrA"),
            &[("appAAAAAAAAAAAAAA", PermissionLevel::Read)],
        );
        // schema, first record, first comment, webhooks, views.
        assert_eq!(estimate(&[read_only], Depth::Deep).requests, 2 + 5);
        let never_checked = token(&["appAAAAAAAAAAAAAA", "appBBBBBBBBBBBBBB"], None, &[]);
        let blank = token(&[], None, &[]);
        let e = estimate(&[never_checked, blank], Depth::Full);
        assert_eq!(e.requests, (2 + 2 * 8) + 2);
        assert_eq!(e.unknown_tokens, 1);
    }

    #[test]
    fn a_full_check_probes_the_intended_bases_and_proves_the_rest_once() {
        let reached: Vec<(String, PermissionLevel)> = (0..500)
            .map(|i| {
                let level = if i % 3 == 0 {
                    PermissionLevel::Read
                } else {
                    PermissionLevel::Create
                };
                (format!("app{i:014}"), level)
            })
            .collect();
        let reached: Vec<(&str, PermissionLevel)> =
            reached.iter().map(|(b, l)| (b.as_str(), *l)).collect();
        // Ten intended bases, all read-only for the user: the writes and the shares are
        // proven once elsewhere, on a creator's base (its schema names a table).
        let intended: Vec<&str> = (0..10).map(|i| reached[i * 3].0).collect();
        let token = token(&intended, Some("usrA"), &reached);
        let full = estimate(std::slice::from_ref(&token), Depth::Full);
        assert_eq!(full.requests, 1 + 1 + 10 * 5 + (3 + 1));
        let deep = estimate(&[token], Depth::Deep);
        assert_eq!(deep.requests, 1 + 1 + 167 * 5 + 333 * 8);
    }
}

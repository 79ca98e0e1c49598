//! How long a check will take, said before it starts. The rate limits, not the network,
//! set the pace of a full check of many bases, so the estimate counts requests per base
//! and per user from what the last check found (or, for a token never checked, from its
//! intent) and divides by the pacer's rates.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catalog::{BASE_SCOPES, Probe};
use crate::airtable::pacer::{BASE_PERIOD, USER_PERIOD};
use crate::model::record::TokenRecord;
use crate::model::verdict::PermissionLevel;

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
    let light = estimate(tokens, true).requests;
    let full = estimate(tokens, false).requests;
    DailyCost {
        light_per_day: light,
        light_per_month: light * 30,
        full_per_day: full,
        full_per_month: full * 30,
    }
}

/// The requests a full (or light) check of `tokens` needs, and the time they take at
/// the rate limits when every token runs at once.
pub fn estimate(tokens: &[TokenRecord], light: bool) -> CheckEstimate {
    let mut per_base: BTreeMap<&str, u32> = BTreeMap::new();
    let mut per_user: BTreeMap<String, u32> = BTreeMap::new();
    let mut unknown_tokens = 0;
    for token in tokens {
        let last = token.last_report.as_ref();
        let mut bases: BTreeMap<&str, Option<PermissionLevel>> = BTreeMap::new();
        for reach in last.iter().flat_map(|r| &r.bases) {
            if reach.reachable || reach.intended {
                bases.insert(&reach.id, reach.permission_level);
            }
        }
        for intended in &token.intent.bases {
            bases.entry(&intended.id).or_insert(None);
        }
        if last.is_none() && bases.is_empty() {
            unknown_tokens += 1;
        }
        let pages = (bases.len() as u32).div_ceil(LIST_PAGE).max(1);
        let mut requests = 1 + pages;
        if !light {
            for (base, level) in bases {
                let probes = probes_on(level);
                *per_base.entry(base).or_default() += probes;
                requests += probes;
            }
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

/// Requests a full check sends on one base: every scope that has a safe probe, except
/// those the user's role forbids (known from an earlier check).
fn probes_on(level: Option<PermissionLevel>) -> u32 {
    BASE_SCOPES
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
        let full = estimate(&tokens, false);
        // 10 tokens × (whoami + 1 page + 40 bases × 8 probes).
        assert_eq!(full.requests, 10 * (2 + 40 * 8));
        // Each base gets 80 requests at 210 ms: 16.8 s; each user 1610 at 21.05 ms: 33.9 s.
        assert_eq!(full.seconds, 34);
        assert_eq!(full.unknown_tokens, 0);
        let light = estimate(&tokens, true);
        assert_eq!(light.requests, 20);
        assert_eq!(light.seconds, 1);
        assert_eq!(
            daily_cost(&tokens),
            DailyCost {
                light_per_day: 20,
                light_per_month: 600,
                full_per_day: 3220,
                full_per_month: 96_600,
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
        assert_eq!(estimate(&[read_only], false).requests, 2 + 5);
        let never_checked = token(&["appAAAAAAAAAAAAAA", "appBBBBBBBBBBBBBB"], None, &[]);
        let blank = token(&[], None, &[]);
        let e = estimate(&[never_checked, blank], false);
        assert_eq!(e.requests, (2 + 2 * 8) + 2);
        assert_eq!(e.unknown_tokens, 1);
    }
}

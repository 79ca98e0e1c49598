//! How long a check will take, said before it starts. The rate limits, not the network,
//! set the pace of a full check of many bases, so the estimate counts requests per base
//! and per user from what the last check found (or, for a token never checked, from its
//! intent) and divides by the pacer's rates.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catalog::{BASE_SCOPES, BaseScope, Probe};
use super::probe::Depth;
use super::witness::{may_try, most_tries, proving_rank};
use crate::airtable::pacer::{BASE_PERIOD, USER_PERIOD};
use crate::model::record::TokenRecord;
use crate::model::report::{BaseReach, CheckReport, CheckStatus};
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
    let light = estimate(tokens, Depth::Light, &[]).requests;
    let full = estimate(tokens, Depth::Full, &[]).requests;
    DailyCost {
        light_per_day: light,
        light_per_month: light * 30,
        full_per_day: full,
        full_per_month: full * 30,
    }
}

/// The requests a check of `tokens` as deep as `depth` needs, and the time they take at
/// the rate limits when every token runs at once. A full check is counted as if each
/// probe settles what the last check says it would: an answer that cannot tell (a
/// restriction, an error, a refusal where the last check showed none) adds a try on
/// another base. `also` names the bases a check probes in full besides the intended ones
/// (`check --base`, or picked in the app).
pub fn estimate(tokens: &[TokenRecord], depth: Depth, also: &[String]) -> CheckEstimate {
    let mut per_base: BTreeMap<&str, u32> = BTreeMap::new();
    let mut per_user: BTreeMap<String, u32> = BTreeMap::new();
    let mut unknown_tokens = 0;
    for token in tokens {
        let last = token.last_report.as_ref();
        if last.is_some_and(|r| r.status == CheckStatus::Invalid) {
            // Revoked or regenerated away: whoami answers 401 again, and nothing follows.
            *per_user.entry(format!("unknown {}", token.id)).or_default() += 1;
            continue;
        }
        let listed = last.is_some_and(|r| r.can_list_bases == Some(true));
        let mut bases: BTreeMap<&str, Seen> = BTreeMap::new();
        for (listed_at, reach) in last.iter().flat_map(|r| &r.bases).enumerate() {
            if reach.reachable || reach.intended {
                let seen = Seen {
                    listed_at,
                    ..Seen::of(reach, listed)
                };
                bases.insert(&reach.id, seen);
            }
        }
        for intended in &token.intent.bases {
            let seen = bases.entry(&intended.id).or_default();
            seen.intended = true;
            seen.table_named = intended.table.is_some();
        }
        if last.is_none() && bases.is_empty() {
            unknown_tokens += 1;
        }
        let light = depth == Depth::Light;
        for id in also.iter().filter(|_| !light) {
            // A base the token lists but its last list did not hold is not reached: the
            // check says so and sends nothing there. One never probed is counted as if it
            // had a table: one without spares its data probes.
            if let Some(seen) = bases.get_mut(id.as_str()) {
                seen.picked = true;
            } else if !listed {
                let seen = Seen {
                    picked: true,
                    ..Seen::default()
                };
                bases.insert(id, seen);
            }
        }
        let pages = last
            .and_then(pages_read)
            .unwrap_or_else(|| (bases.len() as u32).div_ceil(LIST_PAGE).max(1));
        let mut requests = 1 + pages;
        let shown = Token {
            listing: last.is_none_or(|r| r.can_list_bases != Some(false)),
            lacks: last
                .iter()
                .flat_map(|r| &r.scopes)
                .filter(|(_, v)| **v == Verdict::Denied)
                .map(|(s, _)| s.as_str())
                .collect(),
        };
        let meant: Vec<&BaseScope> = BASE_SCOPES
            .iter()
            .filter(|s| token.intent.scopes.iter().any(|i| i == s.scope))
            .collect();
        for (base, probes) in probes_of(&bases, depth, &shown, &meant) {
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

/// The pages of the base list a check read: its requests less whoami's and those sent to
/// bases. Airtable's pages hold 1,000 bases, but the count, not the page size, is what
/// the next check will send.
fn pages_read(report: &CheckReport) -> Option<u32> {
    let to_bases: u32 = report.bases.iter().map(|b| b.requests).sum();
    (report.can_list_bases == Some(true) && report.error.is_none())
        .then(|| report.requests.saturating_sub(1 + to_bases))
        .filter(|pages| *pages > 0)
}

/// What an earlier check showed of a base.
#[derive(Default)]
struct Seen {
    /// The user's role there; None when not known.
    level: Option<PermissionLevel>,
    intended: bool,
    /// Picked to probe in full (`check --base`, or in the app).
    picked: bool,
    /// Out of the token's reach (not in the base list it gave): nothing is sent there.
    unreached: bool,
    /// Probes not sent there for want of a table or a record.
    skips: Vec<Probe>,
    /// The intent names a table there: a token that cannot read the schema needs one.
    table_named: bool,
    /// Its place in the last report, which keeps Airtable's order.
    listed_at: usize,
}

impl Seen {
    fn of(reach: &BaseReach, listed: bool) -> Self {
        let said = |scope: &str| reach.scopes.get(scope).copied();
        Seen {
            level: reach.permission_level,
            intended: false,
            picked: false,
            unreached: listed && !reach.reachable,
            table_named: false,
            listed_at: 0,
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

    /// Probed in its own right, whatever other bases show.
    fn probed(&self) -> bool {
        self.intended || self.picked
    }

    /// Whether a probe of `s` here is sent, as `base::probe_base` and `scope` decide.
    fn sends(&self, s: &BaseScope, token: &Token) -> bool {
        s.probe != Probe::None
            && !self.level.is_some_and(|l| l.rules_out(s.least_role))
            && !self.skips.contains(&s.probe)
            && (s.probe != Probe::Schema || token.listing)
            && (!s.probe.needs_table() || token.listing || self.table_named)
            // Comments need a record, which only a records read can give.
            && (s.probe != Probe::FirstComment || !token.lacks("data.records:read"))
    }

    /// Requests sent here when asked `wanted`: a data scope brings the schema along (it
    /// names the table), comments the first record (it names the record); a creator's
    /// refusal of comments reads that record again before it counts.
    fn requests(&self, wanted: &[&BaseScope], token: &Token) -> u32 {
        let tried: Vec<&BaseScope> = wanted
            .iter()
            .filter(|s| !self.level.is_some_and(|l| l.rules_out(s.least_role)))
            .copied()
            .collect();
        let has = |probe| tried.iter().any(|s| s.probe == probe);
        let sent = tried.iter().filter(|s| self.sends(s, token)).count() as u32;
        let schema =
            token.listing && tried.iter().any(|s| s.probe.needs_table()) && !has(Probe::Schema);
        let comments = has(Probe::FirstComment) && self.sends(scope_of(Probe::FirstComment), token);
        // The first record is read for comments even when none can then be asked.
        let record = has(Probe::FirstComment)
            && !has(Probe::FirstRecord)
            && self.sends(scope_of(Probe::FirstRecord), token);
        let reread = comments
            && token.listing
            && self.level == Some(PermissionLevel::Create)
            && token.lacks("data.recordComments:read");
        sent + u32::from(schema) + u32::from(record) + u32::from(reread)
    }
}

/// What the last check showed of a token as a whole.
struct Token<'a> {
    listing: bool,
    /// The scopes its last check found the token without (`denied` token-wide): asked
    /// where a refusal cannot prove it (below a creator), each is tried on another base.
    lacks: Vec<&'a str>,
}

impl Token<'_> {
    fn lacks(&self, scope: &str) -> bool {
        self.lacks.contains(&scope)
    }
}

fn scope_of(probe: Probe) -> &'static BaseScope {
    BASE_SCOPES
        .iter()
        .find(|s| s.probe == probe)
        .expect("every probe proves a scope")
}

/// The probes one token's check sends, per base: `meant`, the scopes its intent names.
fn probes_of<'a>(
    bases: &BTreeMap<&'a str, Seen>,
    depth: Depth,
    token: &Token,
    meant: &[&BaseScope],
) -> Vec<(&'a str, u32)> {
    let every: Vec<&BaseScope> = BASE_SCOPES.iter().collect();
    let reached = bases.iter().filter(|(_, seen)| !seen.unreached);
    if depth != Depth::Full {
        return reached
            .filter(|(_, seen)| match depth {
                Depth::Light => false,
                Depth::Deep => true,
                _ => seen.probed(),
            })
            .map(|(base, seen)| (*base, seen.requests(&every, token)))
            .collect();
    }
    // As `probe::check_token`: the intended scopes on each intended base, every scope on
    // the lead, on each picked base (and on each, for a token that cannot list bases).
    let lead = reached
        .clone()
        .filter(|(_, seen)| seen.intended)
        .max_by_key(|(base, seen)| (proving_rank(seen.level), std::cmp::Reverse(**base)))
        .map(|(base, _)| *base);
    let wanted = |base: &str, seen: &Seen| -> &[&BaseScope] {
        if !token.listing || seen.picked || Some(base) == lead {
            &every
        } else {
            meant
        }
    };
    let mut out: Vec<(&str, u32)> = reached
        .clone()
        .filter(|(_, seen)| seen.probed())
        .map(|(base, seen)| (*base, seen.requests(wanted(base, seen), token)))
        .collect();
    // The scopes no probed base settles are tried on other bases, the one whose role
    // allows the most of them first, as `witness` does: a scope the token holds is
    // settled by the first try; one it lacks only by a creator's refusal, else it is
    // tried once more.
    let settles = |s: &BaseScope, seen: &Seen| {
        seen.sends(s, token)
            && (!token.lacks(s.scope) || seen.level == Some(PermissionLevel::Create))
    };
    let mut settled: Vec<&str> = reached
        .clone()
        .filter(|(_, seen)| seen.probed())
        .flat_map(|(base, seen)| {
            wanted(base, seen)
                .iter()
                .filter(|s| settles(s, seen))
                .map(|s| s.scope)
        })
        .collect();
    let mut left: Vec<(&str, &Seen)> = reached
        .filter(|(_, seen)| !seen.probed())
        .map(|(base, seen)| (*base, seen))
        .collect();
    let mut tries: BTreeMap<&str, u8> = BTreeMap::new();
    loop {
        let open: Vec<&BaseScope> = BASE_SCOPES
            .iter()
            .filter(|s| !matches!(s.probe, Probe::None | Probe::Schema))
            .filter(|s| !settled.contains(&s.scope))
            .filter(|s| tries.get(s.scope).copied().unwrap_or(0) < most_tries(s))
            .filter(|s| s.probe != Probe::FirstComment || !token.lacks("data.records:read"))
            .collect();
        let best = left
            .iter()
            .enumerate()
            .map(|(i, (_, seen))| {
                let may = open.iter().filter(|s| may_try(seen.level, s)).count();
                (
                    may,
                    proving_rank(seen.level),
                    std::cmp::Reverse(seen.listed_at),
                    i,
                )
            })
            .filter(|(may, ..)| *may > 0)
            .max();
        let Some((.., i)) = best else {
            break;
        };
        let (base, seen) = left.remove(i);
        let tried: Vec<&BaseScope> = open
            .into_iter()
            .filter(|s| may_try(seen.level, s))
            .collect();
        for s in &tried {
            *tries.entry(s.scope).or_default() += 1;
            if settles(s, seen) {
                settled.push(s.scope);
            }
        }
        out.push((base, seen.requests(&tried, token)));
    }
    out
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
        intent.bases = intended.iter().map(|id| BaseIntent::id(*id)).collect();
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
            dismissed_places: Vec::new(),
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
        let deep = estimate(&tokens, Depth::Deep, &[]);
        // 10 tokens × (whoami + 1 page + 40 bases × 8 probes).
        assert_eq!(deep.requests, 10 * (2 + 40 * 8));
        // Each base gets 80 requests at 210 ms: 16.8 s; each user 1610 at 21.05 ms: 33.9 s.
        assert_eq!(deep.seconds, 34);
        assert_eq!(deep.unknown_tokens, 0);
        // Meant for no base, each token proves its scopes once, on one creator's base:
        // the schema names a table, then 7 probes.
        let full = estimate(&tokens, Depth::Full, &[]);
        assert_eq!(full.requests, 10 * (2 + 8));
        let light = estimate(&tokens, Depth::Light, &[]);
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
        assert_eq!(estimate(&[read_only], Depth::Deep, &[]).requests, 2 + 5);
        let never_checked = token(&["appAAAAAAAAAAAAAA", "appBBBBBBBBBBBBBB"], None, &[]);
        let blank = token(&[], None, &[]);
        let e = estimate(&[never_checked, blank], Depth::Full, &[]);
        // Its intent names no scope: one intended base is asked every scope, the other
        // nothing more.
        assert_eq!(e.requests, (2 + 8) + 2);
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
        // Ten intended bases, all read-only for the user, meant for reading records: each
        // is asked that (its schema names the table), the first every scope its role
        // allows; the writes and the shares are proven once elsewhere, on a creator's
        // base (its schema names a table).
        let intended: Vec<&str> = (0..10).map(|i| reached[i * 3].0).collect();
        let mut token = token(&intended, Some("usrA"), &reached);
        token.intent.scopes = vec!["data.records:read".into()];
        let full = estimate(std::slice::from_ref(&token), Depth::Full, &[]);
        assert_eq!(full.requests, 1 + 1 + 5 + 9 * 2 + (3 + 1));
        let deep = estimate(&[token], Depth::Deep, &[]);
        assert_eq!(deep.requests, 1 + 1 + 167 * 5 + 333 * 8);
    }
}

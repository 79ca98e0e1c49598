//! Who the tokens act as, and what breaks when one of them leaves. A token acts as the
//! Airtable user who made it, and stops working when that user is deactivated or loses
//! access (`airtable-api.md`, "Tokens"): every place that uses it stops with it. Answered
//! from the last checks, without a request.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::check::consumers::judge;
use crate::model::record::TokenRecord;
use crate::model::report::{CheckUser, ReachChange};
use crate::model::verdict::PermissionLevel;

/// Every owner, and what the vault as a whole should know about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Owners {
    pub owners: Vec<Owner>,
    /// Tokens whose user no check has named: never checked, or refused by Airtable.
    pub unknown: Vec<String>,
    /// Across owners: one person holding most of the tokens.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Owner {
    pub user: CheckUser,
    /// The tokens that act as this user.
    pub tokens: Vec<String>,
    /// The places that use those tokens: each stops working if the user leaves.
    pub consumers: Vec<String>,
    /// The bases those places depend on.
    pub bases: Vec<String>,
    /// What changed for this user that its places need, and places that will fail.
    pub warnings: Vec<String>,
    /// What to do before the user leaves.
    pub if_they_leave: String,
}

/// The owners of `records`, most tokens first.
pub fn owners(records: &[TokenRecord]) -> Owners {
    let mut by_user: BTreeMap<String, Owner> = BTreeMap::new();
    let mut unknown = Vec::new();
    for record in records {
        let Some(user) = record.user() else {
            unknown.push(record.intent.name.clone());
            continue;
        };
        let owner = by_user.entry(user.id.clone()).or_insert_with(|| Owner {
            user: user.clone(),
            tokens: Vec::new(),
            consumers: Vec::new(),
            bases: Vec::new(),
            warnings: Vec::new(),
            if_they_leave: String::new(),
        });
        if owner.user.email.is_none() {
            owner.user.email = user.email.clone();
        }
        let name = &record.intent.name;
        owner.tokens.push(name.clone());
        let intended: Vec<&str> = record.intent.bases.iter().map(|b| b.id.as_str()).collect();
        for place in &record.intent.used_by {
            owner.consumers.push(format!("{} (“{name}”)", place.label));
            let bases = if place.bases.is_empty() {
                intended.clone()
            } else {
                place.bases.iter().map(String::as_str).collect()
            };
            for base in bases {
                let base = base_name(record, base);
                if !owner.bases.contains(&base) {
                    owner.bases.push(base);
                }
            }
        }
        let report = record.last_report.as_ref();
        if let Some(change) = report.and_then(|r| r.changed_since_last.as_ref()) {
            owner.warnings.extend(lost(record, change));
        }
        for failing in judge(record).failing() {
            owner
                .warnings
                .push(format!("“{failing}” (“{name}”) will fail"));
        }
    }
    let total = records.len() - unknown.len();
    let mut owners: Vec<Owner> = by_user.into_values().collect();
    owners.sort_by(|a, b| {
        b.tokens
            .len()
            .cmp(&a.tokens.len())
            .then(a.user.id.cmp(&b.user.id))
    });
    let mut warnings = Vec::new();
    // A vault of one person's tokens is not a concentration to warn about.
    let many_owners = owners.len() > 1;
    for owner in &mut owners {
        owner.if_they_leave = leaving(owner);
        if many_owners && total >= 3 && owner.tokens.len() * 2 > total {
            warnings.push(format!(
                "{} owns {} of the {total} tokens whose owner is known: if they leave, all of those stop working at once",
                who(&owner.user),
                owner.tokens.len()
            ));
        }
    }
    Owners {
        owners,
        unknown,
        warnings,
    }
}

fn who(user: &CheckUser) -> String {
    user.email.clone().unwrap_or_else(|| user.id.clone())
}

fn base_name(record: &TokenRecord, id: &str) -> String {
    let named = record
        .last_report
        .iter()
        .flat_map(|r| &r.bases)
        .find(|b| b.id == id)
        .and_then(|b| b.name.clone());
    named.map_or_else(|| id.to_owned(), |n| format!("{n} ({id})"))
}

/// What the user lost since the check before that a place of `record` needs: a base, or
/// a role lowered on one.
fn lost(record: &TokenRecord, change: &ReachChange) -> Vec<String> {
    let needed = |base: &str| {
        record.intent.used_by.iter().any(|p| {
            if p.bases.is_empty() {
                record.intent.bases.iter().any(|b| b.id == base)
            } else {
                p.bases.iter().any(|b| b == base)
            }
        })
    };
    let since = change.since.format("%Y-%m-%d");
    let name = &record.intent.name;
    let mut out: Vec<String> = change
        .bases_lost
        .iter()
        .filter(|b| needed(b))
        .map(|b| {
            format!(
                "lost {} since {since}, which the places of “{name}” need",
                base_name(record, b)
            )
        })
        .collect();
    // A step down is a role that rules out the old one; `none` (an admin's access) rules
    // out nothing and is ruled out by nothing.
    let lowered = |from: Option<PermissionLevel>, to: Option<PermissionLevel>| {
        to.zip(from).is_some_and(|(t, f)| t.rules_out(f))
    };
    out.extend(
        change
            .roles_changed
            .iter()
            .filter(|r| needed(&r.base) && lowered(r.from, r.to))
            .map(|r| {
                format!(
                    "was lowered from {} to {} on {} since {since}, a base the places of “{name}” work on",
                    r.from.map_or("", PermissionLevel::describe),
                    r.to.map_or("", PermissionLevel::describe),
                    base_name(record, &r.base)
                )
            }),
    );
    out
}

/// Airtable's way out: a token stops when its owner leaves, so each moves to someone who
/// stays, or to a service account on Enterprise.
fn leaving(owner: &Owner) -> String {
    let stops = match owner.consumers.len() {
        0 => format!(
            "{} {} stop working",
            owner.tokens.len(),
            plural(owner.tokens.len(), "token", "tokens")
        ),
        n => format!(
            "{} {} and the {n} {} that use them stop working",
            owner.tokens.len(),
            plural(owner.tokens.len(), "token", "tokens"),
            plural(n, "place", "places")
        ),
    };
    format!(
        "If {} leaves or loses access, {stops}. Before then, have someone who stays create a token for each (or, on Enterprise Scale, a service account) and rotate it in: patvault rotate NAME.",
        who(&owner.user)
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckStatus;
    use crate::model::consumer::Consumer;
    use crate::model::record::{BaseIntent, TokenIntent};
    use crate::model::report::{CheckReport, KnownReach, RoleChange};

    fn token(name: &str, user: Option<&str>, base: &str, places: &[&str]) -> TokenRecord {
        let mut intent = TokenIntent::named(name, chrono::NaiveDate::MIN);
        intent.bases = vec![BaseIntent::id(base)];
        intent.used_by = places.iter().map(|p| Consumer::custom(*p)).collect();
        let mut record = TokenRecord::new(intent, None, chrono::Utc::now());
        if let Some(user) = user {
            record.last_report = Some(CheckReport {
                user: Some(CheckUser {
                    id: user.into(),
                    email: Some(format!("{user}@example.com")),
                }),
                ..CheckReport::started(true)
            });
        }
        record
    }

    #[test]
    fn owners_are_counted_warned_about_and_told_what_leaving_breaks() {
        let a = "appAAAAAAAAAAAAAA";
        let mut lowered = token("sync", Some("maya"), a, &["Zapier zap", "cron"]);
        lowered.last_report.as_mut().unwrap().changed_since_last = Some(ReachChange {
            since: chrono::Utc::now(),
            roles_changed: vec![RoleChange {
                base: a.into(),
                from: Some(PermissionLevel::Create),
                to: Some(PermissionLevel::Read),
            }],
            ..ReachChange::default()
        });
        let records = [
            lowered,
            token("backup", Some("maya"), a, &["NAS"]),
            token("report", Some("jonas"), "appBBBBBBBBBBBBBB", &[]),
            token("new", None, a, &[]),
        ];
        let o = owners(&records);
        assert_eq!(o.unknown, ["new"]);
        assert_eq!(o.owners[0].user.id, "maya");
        assert_eq!(o.owners[0].tokens, ["sync", "backup"]);
        assert_eq!(
            o.owners[0].consumers,
            ["Zapier zap (“sync”)", "cron (“sync”)", "NAS (“backup”)"]
        );
        assert_eq!(o.owners[0].bases, [a]);
        assert_eq!(o.owners[0].warnings.len(), 1, "{:?}", o.owners[0].warnings);
        assert!(
            o.owners[0].warnings[0]
                .starts_with("was lowered from create to read on appAAAAAAAAAAAAAA")
        );
        // A check that failed (Airtable down) names no user: the check before does.
        let mut down = token("report", Some("jonas"), "appBBBBBBBBBBBBBB", &[]);
        down.known_reach = Some(KnownReach::of(down.last_report.as_ref().unwrap()));
        down.last_report = Some(CheckReport {
            status: CheckStatus::Error,
            ..CheckReport::started(true)
        });
        assert_eq!(owners(&[down]).owners[0].user.id, "jonas");
        // One person's vault is not a concentration.
        let alone = owners(&records[..2]);
        assert!(alone.warnings.is_empty(), "{:?}", alone.warnings);
        assert!(o.owners[0].if_they_leave.starts_with("If maya@example.com leaves or loses access, 2 tokens and the 3 places that use them stop working."));
        assert_eq!(
            o.warnings,
            [
                "maya@example.com owns 2 of the 3 tokens whose owner is known: if they leave, all of those stop working at once"
            ]
        );
        assert!(o.owners[1].warnings.is_empty());
    }
}

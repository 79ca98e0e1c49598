//! Checking one token: who it is, which bases it lists, then on each base at most one
//! read-only or body-less request per scope, never one whose answer is already known.
//! Nothing here can change data, and no more than one record is ever read.

use std::collections::BTreeMap;

use chrono::Utc;
use futures_util::future::join_all;
use reqwest::Method;

use super::drift::conclude;
use super::report::{BaseReach, CheckReport, CheckStatus, CheckUser};
use super::verdict::{BASE_SCOPES, BaseScope, PermissionLevel, Probe, Verdict};
use crate::airtable::client::{Caller, Request};
use crate::airtable::models::{CommentPage, RecordPage, Schema, WebhookList};
use crate::airtable::{ApiError, models};
use crate::scopes;
use crate::vault::record::{BaseIntent, TokenIntent};

/// Checks one token; `light` stops after identity and bases.
pub async fn check_token(caller: &Caller<'_>, intent: &TokenIntent, light: bool) -> CheckReport {
    let mut report = CheckReport {
        checked_at: Utc::now(),
        light,
        status: CheckStatus::Ok,
        user: None,
        can_list_bases: None,
        scopes: scopes::CATALOG
            .iter()
            .map(|s| (s.name.to_owned(), Verdict::NotChecked))
            .collect(),
        bases: Vec::new(),
        drift: Default::default(),
        error: None,
        requests: 0,
    };
    let who = match caller.whoami().await {
        Ok(who) => who,
        Err(e) => {
            report.status = match e {
                ApiError::Unauthorized => CheckStatus::Invalid,
                _ => CheckStatus::Error,
            };
            report.error = Some(e.to_string());
            report.requests = caller.sent();
            return report;
        }
    };
    let verdict = |yes: bool| {
        if yes {
            Verdict::Granted
        } else {
            Verdict::Denied
        }
    };
    report
        .scopes
        .insert("user.email:read".into(), verdict(who.email.is_some()));
    report.user = Some(CheckUser {
        id: who.id,
        email: who.email,
    });
    let listed = match caller.list_bases().await {
        Ok(listed) => Some(listed),
        Err(ApiError::Forbidden(_)) => None,
        Err(e) => {
            report.status = CheckStatus::Error;
            report.error = Some(format!("listing its bases failed: {e}"));
            report.requests = caller.sent();
            return report;
        }
    };
    report.can_list_bases = Some(listed.is_some());
    report
        .scopes
        .insert("schema.bases:read".into(), verdict(listed.is_some()));
    let targets = targets(listed, &intent.bases);
    report.bases = if light {
        targets.into_iter().map(Target::unprobed).collect()
    } else {
        join_all(targets.into_iter().map(|t| probe_base(caller, t))).await
    };
    report.requests = caller.sent();
    conclude(&mut report, intent);
    report
}

/// A base to look at, and what is known of it before any request.
struct Target {
    reach: BaseReach,
    /// A table to try, named in the intent.
    table: Option<String>,
    /// Whether the token lists bases (and so may read their schema).
    listing: bool,
}

fn targets(listed: Option<Vec<models::ListedBase>>, intended: &[BaseIntent]) -> Vec<Target> {
    let table_of = |id: &str| {
        intended
            .iter()
            .find(|b| b.id == id)
            .and_then(|b| b.table.clone())
    };
    let reach = |id: &str, name, level: Option<PermissionLevel>| BaseReach {
        id: id.to_owned(),
        name,
        reachable: level.is_some_and(|l| l > PermissionLevel::None),
        permission_level: level,
        intended: intended.iter().any(|b| b.id == id),
        scopes: BTreeMap::new(),
        reasons: BTreeMap::new(),
    };
    let Some(listed) = listed else {
        // Without the list, the intended bases are all there is to try.
        return intended
            .iter()
            .map(|b| Target {
                reach: reach(&b.id, None, None),
                table: b.table.clone(),
                listing: false,
            })
            .collect();
    };
    let mut targets: Vec<Target> = listed
        .into_iter()
        .map(|b| Target {
            reach: reach(
                &b.id,
                Some(b.name),
                Some(PermissionLevel::parse(&b.permission_level).unwrap_or(PermissionLevel::None)),
            ),
            table: table_of(&b.id),
            listing: true,
        })
        .collect();
    for b in intended {
        if !targets.iter().any(|t| t.reach.id == b.id) {
            // Intended but not listed: the token cannot reach it, so nothing to try.
            let mut unreached = reach(&b.id, None, None);
            unreached
                .reasons
                .insert("base".into(), "not among the bases the token lists".into());
            targets.push(Target {
                reach: unreached,
                table: None,
                listing: true,
            });
        }
    }
    targets
}

impl Target {
    fn unprobed(mut self) -> BaseReach {
        for s in BASE_SCOPES {
            self.reach
                .scopes
                .insert(s.scope.into(), Verdict::NotChecked);
        }
        self.reach
    }
}

/// What earlier requests on a base told the later ones.
struct Found {
    table: Option<String>,
    no_table_why: &'static str,
    record: Option<String>,
    records_readable: bool,
}

/// One scope's verdict on one base, with the reason when there is one.
struct Outcome {
    verdict: Verdict,
    why: Option<String>,
    /// The body of a successful read, for the requests that depend on it.
    body: Option<Vec<u8>>,
}

impl Outcome {
    fn new(verdict: Verdict, why: impl Into<Option<String>>) -> Self {
        Outcome {
            verdict,
            why: why.into(),
            body: None,
        }
    }
}

/// When a probe can run: the schema names a table, the first record gives a record for
/// comments; whatever needs neither goes first, all of a stage at once.
fn stage(probe: Probe) -> u8 {
    match probe {
        Probe::Schema | Probe::Webhooks | Probe::BlockInstallations | Probe::None => 0,
        Probe::FirstRecord | Probe::CreateRecordsWithoutBody | Probe::UpdateTableWithoutBody => 1,
        Probe::FirstComment => 2,
    }
}

/// Tries every base scope on one base, a stage at a time.
async fn probe_base(caller: &Caller<'_>, target: Target) -> BaseReach {
    let Target {
        mut reach,
        table: intended_table,
        listing,
    } = target;
    if listing && !reach.reachable {
        return reach;
    }
    let mut found = Found {
        table: intended_table.clone(),
        no_table_why: "no table is known: name one in the token's intent for this base",
        record: None,
        records_readable: false,
    };
    for current in 0..=2 {
        let scopes: Vec<&BaseScope> = BASE_SCOPES
            .iter()
            .filter(|s| stage(s.probe) == current)
            .collect();
        let outcomes = join_all(
            scopes
                .iter()
                .map(|s| probe_scope(caller, &reach, listing, s, &found)),
        )
        .await;
        for (s, outcome) in scopes.into_iter().zip(outcomes) {
            if let (Some(body), Verdict::Granted) = (&outcome.body, outcome.verdict) {
                learn(&mut found, s.probe, body, intended_table.as_deref());
            }
            reach.scopes.insert(s.scope.into(), outcome.verdict);
            if let Some(why) = outcome.why {
                reach.reasons.insert(s.scope.into(), why);
            }
        }
    }
    if !listing {
        reach.reachable = reach.scopes.values().any(|v| *v == Verdict::Granted);
    }
    reach
}

/// Takes the table and the record that later probes need from a successful read.
fn learn(found: &mut Found, probe: Probe, body: &[u8], intended_table: Option<&str>) {
    match probe {
        Probe::Schema => {
            if let Ok(schema) = serde_json::from_slice::<Schema>(body) {
                let chosen = intended_table
                    .and_then(|t| schema.tables.iter().find(|x| x.id == t || x.name == t))
                    .or(schema.tables.first());
                found.table = chosen.map(|t| t.id.clone());
                if schema.tables.is_empty() {
                    found.no_table_why = "the base has no tables";
                }
            }
        }
        Probe::FirstRecord => {
            found.records_readable = true;
            if let Ok(page) = serde_json::from_slice::<RecordPage>(body) {
                found.record = page.records.first().map(|r| r.id.clone());
            }
        }
        _ => {}
    }
}

async fn probe_scope(
    caller: &Caller<'_>,
    reach: &BaseReach,
    listing: bool,
    s: &BaseScope,
    found: &Found,
) -> Outcome {
    let base = reach.id.as_str();
    let level = reach.permission_level;
    if s.probe == Probe::Schema && !listing {
        return Outcome::new(
            Verdict::Denied,
            "the token cannot list bases, which needs the same scope".to_owned(),
        );
    }
    if s.probe == Probe::None {
        return Outcome::new(
            Verdict::Unverifiable,
            "no request can prove it without changing data".to_owned(),
        );
    }
    if let Some(level) = level.filter(|l| *l < s.least_role) {
        return Outcome::new(
            Verdict::BlockedByRole,
            format!(
                "the user's role is {}; this needs {} or more",
                level.name(),
                s.least_role.name()
            ),
        );
    }
    let table = found.table.as_deref();
    let path: Vec<&str> = match (s.probe, table, found.record.as_deref()) {
        (Probe::Schema, ..) => vec!["v0", "meta", "bases", base, "tables"],
        (Probe::Webhooks, ..) => vec!["v0", "bases", base, "webhooks"],
        (Probe::BlockInstallations, ..) => vec!["v0", "meta", "bases", base, "blockInstallations"],
        (Probe::FirstRecord | Probe::CreateRecordsWithoutBody, Some(t), _) => vec!["v0", base, t],
        (Probe::UpdateTableWithoutBody, Some(t), _) => {
            vec!["v0", "meta", "bases", base, "tables", t]
        }
        (Probe::FirstComment, Some(t), Some(r)) => vec!["v0", base, t, r, "comments"],
        (Probe::FirstComment, Some(_), None) => {
            let why = if found.records_readable {
                "the table has no record to read comments from"
            } else {
                "no record could be read to look for comments"
            };
            return Outcome::new(Verdict::Unverifiable, why.to_owned());
        }
        _ => return Outcome::new(Verdict::Unverifiable, found.no_table_why.to_owned()),
    };
    let (method, query): (Method, &[(&str, &str)]) = match s.probe {
        Probe::FirstRecord => (Method::GET, &[("maxRecords", "1")]),
        Probe::FirstComment => (Method::GET, &[("pageSize", "1")]),
        Probe::CreateRecordsWithoutBody => (Method::POST, &[]),
        Probe::UpdateTableWithoutBody => (Method::PATCH, &[]),
        _ => (Method::GET, &[]),
    };
    let request = Request {
        method,
        path: &path,
        query,
        base: Some(base),
    };
    let writes = matches!(
        s.probe,
        Probe::CreateRecordsWithoutBody | Probe::UpdateTableWithoutBody
    );
    match (caller.send(request).await, writes) {
        (Ok(body), false) => match well_formed(s.probe, &body) {
            Ok(()) => Outcome {
                verdict: Verdict::Granted,
                why: None,
                body: Some(body),
            },
            Err(e) => Outcome::new(Verdict::Error, ApiError::garbage(&body, &e).to_string()),
        },
        (Err(ApiError::Invalid), true) => Outcome::new(Verdict::Granted, None),
        (Ok(_), true) => Outcome::new(
            Verdict::Unverifiable,
            "Airtable accepted a request without a body, which it should refuse".to_owned(),
        ),
        (Err(ApiError::Forbidden(why)), _) => {
            let why = level
                .is_none()
                .then(|| format!("{why}: the scope, the base grant or the user's role"));
            Outcome::new(Verdict::Denied, why)
        }
        (Err(ApiError::Invalid), false) => Outcome::new(
            Verdict::Unverifiable,
            "Airtable found the read request invalid".to_owned(),
        ),
        (Err(e), _) => Outcome::new(Verdict::Error, e.to_string()),
    }
}

/// Whether a read's answer has the documented shape.
fn well_formed(probe: Probe, body: &[u8]) -> Result<(), serde_json::Error> {
    match probe {
        Probe::Schema => serde_json::from_slice::<Schema>(body).map(drop),
        Probe::FirstRecord => serde_json::from_slice::<RecordPage>(body).map(drop),
        Probe::FirstComment => serde_json::from_slice::<CommentPage>(body).map(drop),
        Probe::Webhooks => serde_json::from_slice::<WebhookList>(body).map(drop),
        _ => serde_json::from_slice::<models::BlockInstallations>(body).map(drop),
    }
}

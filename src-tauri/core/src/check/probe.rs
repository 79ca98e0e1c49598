//! Checking one token: who it is, which bases it lists, then on each base at most one
//! read-only or body-less request per scope, never one whose answer is already known.
//! Nothing here can change data, and no more than one record is ever read.

use std::collections::BTreeMap;

use chrono::Utc;
use futures_util::future::join_all;
use parking_lot::Mutex;
use reqwest::Method;

use super::catalog::{BASE_SCOPES, BaseScope, Probe};
use super::drift::conclude;
use crate::airtable::client::{Caller, Request};
use crate::airtable::models::{CommentPage, RecordPage, Schema, WebhookList};
use crate::airtable::{ApiError, models};
use crate::model::record::{BaseIntent, TokenIntent};
use crate::model::report::{BaseReach, CheckReport, CheckStatus, CheckUser, NotFound};
use crate::model::verdict::{PermissionLevel, Verdict};
use crate::scopes;

/// How far a check goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Who the token is and which bases it lists.
    Light,
    /// Every base it reaches or is meant to, asked about each scope.
    Full,
    /// As full, but only on the intended bases: the add form's check of the bases the
    /// user chose, which spends nothing on the others.
    Intended,
}

/// Checks one token as deep as `depth` says.
pub async fn check_token(caller: &Caller<'_>, intent: &TokenIntent, depth: Depth) -> CheckReport {
    let light = depth == Depth::Light;
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
    // A token whose user its last check named worked then: its bases are asked beside
    // whoami, one round trip sooner, on that user's budget. Any other waits for whoami:
    // a revoked or mistyped token then costs one request, and an unknown token's second
    // request does not hold every user to one shared budget (see the pacer).
    let (who, listed) = if caller.knows_user() {
        let (who, listed) = tokio::join!(caller.whoami(), caller.list_bases());
        (who, Some(listed))
    } else {
        (caller.whoami().await, None)
    };
    let who = match who {
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
    let listed = match listed {
        Some(listed) => listed,
        None => caller.list_bases().await,
    };
    let listed = match listed {
        Ok(listed) => Some(listed),
        Err(ApiError::NoPermission) => None,
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
        let denials = Denials::default();
        let (probed, left): (Vec<Target>, Vec<Target>) = targets
            .into_iter()
            .partition(|t| depth == Depth::Full || t.reach.intended);
        let mut bases = join_all(probed.into_iter().map(|t| probe_base(caller, t, &denials))).await;
        bases.extend(left.into_iter().map(Target::unprobed));
        bases
    };
    for base in &mut report.bases {
        base.requests = caller.sent_to(&base.id);
    }
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
        requests: 0,
        not_found: None,
        quota_exhausted: false,
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
        .map(|b| {
            let level = PermissionLevel::parse(&b.permission_level);
            let mut reach = reach(&b.id, Some(b.name), level);
            if level.is_none() {
                // A role Airtable may add one day: the base is listed, so it is reached;
                // every probe is sent and none is ruled out by role.
                reach.reachable = true;
                reach.reasons.insert(
                    "role".into(),
                    format!(
                        "Airtable gave the role “{}”, which PAT Vault does not recognise: every probe was sent",
                        b.permission_level
                    ),
                );
            }
            Target {
                reach,
                table: table_of(&b.id),
                listing: true,
            }
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

/// Scopes found missing from the token, each with the base that showed it. A scope is
/// the token's for every base, so once a base where nothing else can refuse it (listed,
/// so granted, with the creator role) answers 403, every other base would answer the
/// same: no request is sent for it there.
#[derive(Default)]
struct Denials(Mutex<BTreeMap<&'static str, String>>);

impl Denials {
    fn shown_by(&self, scope: &str) -> Option<String> {
        self.0.lock().get(scope).cloned()
    }

    fn learn(&self, scope: &'static str, base: &str) {
        self.0
            .lock()
            .entry(scope)
            .or_insert_with(|| base.to_owned());
    }
}

/// What earlier requests on a base told the later ones.
struct Found {
    table: Option<String>,
    no_table_why: &'static str,
    /// The intent's table is not in the base: renamed or deleted.
    table_gone: Option<String>,
    /// The base itself answered 404: nothing more is worth asking of it.
    base_gone: bool,
    record: Option<String>,
    records_readable: bool,
}

/// One scope's verdict on one base, with the reason when there is one.
struct Outcome {
    verdict: Verdict,
    why: Option<String>,
    /// The body of a successful read, for the requests that depend on it.
    body: Option<Vec<u8>>,
    not_found: Option<NotFound>,
    /// The monthly quota refused it, now or earlier in this check.
    quota: bool,
}

impl Outcome {
    fn new(verdict: Verdict, why: impl Into<Option<String>>) -> Self {
        Outcome {
            verdict,
            why: why.into(),
            body: None,
            not_found: None,
            quota: false,
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
async fn probe_base(caller: &Caller<'_>, target: Target, denials: &Denials) -> BaseReach {
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
        table_gone: None,
        base_gone: false,
        record: None,
        records_readable: false,
    };
    for current in 0..=2 {
        let scopes: Vec<&BaseScope> = BASE_SCOPES
            .iter()
            .filter(|s| stage(s.probe) == current)
            .collect();
        let outcomes = join_all(scopes.iter().map(|s| {
            probe_scope(
                caller,
                &reach,
                listing,
                s,
                &found,
                intended_table.as_deref(),
                denials,
            )
        }))
        .await;
        for (s, outcome) in scopes.into_iter().zip(outcomes) {
            if let (Some(body), Verdict::Granted) = (&outcome.body, outcome.verdict) {
                learn(&mut found, s.probe, body, intended_table.as_deref());
            }
            // A base that is gone takes its tables with it.
            if let Some(gone) = outcome.not_found
                && reach.not_found != Some(NotFound::Base)
            {
                reach.not_found = Some(gone);
            }
            match outcome.not_found {
                Some(NotFound::Table) => found.table_gone = intended_table.clone(),
                Some(NotFound::Base) => found.base_gone = true,
                None => {}
            }
            reach.quota_exhausted |= outcome.quota;
            reach.scopes.insert(s.scope.into(), outcome.verdict);
            if let Some(why) = outcome.why {
                reach.reasons.insert(s.scope.into(), why);
            }
        }
    }
    if found.table_gone.is_some() && reach.not_found.is_none() {
        reach.not_found = Some(NotFound::Table);
    }
    if !listing {
        // Looking for a table, or refusing by its permissions, means the base was reached.
        reach.reachable = reach.not_found == Some(NotFound::Table)
            || reach
                .scopes
                .values()
                .any(|v| matches!(v, Verdict::Granted | Verdict::Restricted));
    }
    reach
}

/// Takes the table and the record that later probes need from a successful read.
fn learn(found: &mut Found, probe: Probe, body: &[u8], intended_table: Option<&str>) {
    match probe {
        Probe::Schema => {
            if let Ok(schema) = serde_json::from_slice::<Schema>(body) {
                let has = |t: &str| schema.tables.iter().find(|x| x.id == t || x.name == t);
                let chosen = match intended_table {
                    Some(t) => {
                        if has(t).is_none() {
                            // The schema already answers what a request to it would.
                            found.table_gone = Some(t.to_owned());
                        }
                        has(t)
                    }
                    None => schema.tables.first(),
                };
                found.table = chosen.map(|t| t.id.clone());
                if schema.tables.is_empty() && intended_table.is_none() {
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

/// Whether a probe goes to a data route, which a spent monthly quota closes (the
/// metadata routes under `/v0/meta` stay open).
fn is_data(probe: Probe) -> bool {
    matches!(
        probe,
        Probe::FirstRecord
            | Probe::FirstComment
            | Probe::CreateRecordsWithoutBody
            | Probe::Webhooks
    )
}

const BASE_GONE: &str = "the base named in the intent was not found: it was renamed or deleted";

fn gone_why(table: &str) -> String {
    format!(
        "the table “{table}” named in the intent was not found in the base: it was renamed or deleted"
    )
}

async fn probe_scope(
    caller: &Caller<'_>,
    reach: &BaseReach,
    listing: bool,
    s: &BaseScope,
    found: &Found,
    intended_table: Option<&str>,
    denials: &Denials,
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
    let quota_spent = || {
        (is_data(s.probe) && caller.quota_spent(base)).then(|| Outcome {
            quota: true,
            ..Outcome::new(Verdict::Error, ApiError::QuotaExhausted.to_string())
        })
    };
    let needs_table = !matches!(
        s.probe,
        Probe::Schema | Probe::Webhooks | Probe::BlockInstallations
    );
    if found.base_gone {
        return Outcome::new(Verdict::Error, BASE_GONE.to_owned());
    }
    if needs_table && let Some(gone) = &found.table_gone {
        return Outcome::new(Verdict::Error, gone_why(gone));
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
            if let Some(spent) = quota_spent() {
                return spent;
            }
            let why = if found.records_readable {
                "the table has no record to read comments from"
            } else {
                "no record could be read to look for comments"
            };
            return Outcome::new(Verdict::Unverifiable, why.to_owned());
        }
        _ => {
            if let Some(spent) = quota_spent() {
                return spent;
            }
            return Outcome::new(Verdict::Unverifiable, found.no_table_why.to_owned());
        }
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
    let known = || denials.shown_by(s.scope).is_some();
    let Some(answer) = caller.send_unless(request, &known).await else {
        let shown_by = denials.shown_by(s.scope).unwrap_or_default();
        return Outcome::new(
            Verdict::Denied,
            format!(
                "the token lacks the scope: {shown_by}, where the user is a creator, refused it, so no request was sent here"
            ),
        );
    };
    // Only a base where the token is granted and the role is the highest can show that
    // the scope itself is missing.
    let shows_scope = listing && level == Some(PermissionLevel::Create);
    match (answer, writes) {
        (Ok(body), false) => match well_formed(s.probe, &body) {
            Ok(()) => Outcome {
                verdict: Verdict::Granted,
                why: None,
                body: Some(body),
                not_found: None,
                quota: false,
            },
            Err(e) => Outcome::new(Verdict::Error, ApiError::garbage(&body, &e).to_string()),
        },
        (Err(ApiError::Invalid(_)), true) => Outcome::new(Verdict::Granted, None),
        (Ok(_), true) | (Err(ApiError::Unexpected { status: 400, .. }), true) => Outcome::new(
            Verdict::Unverifiable,
            "Airtable did not refuse a request without a body as it should, so nothing can be concluded".to_owned(),
        ),
        (Err(ApiError::NoPermission), _) => {
            if shows_scope {
                denials.learn(s.scope, base);
            }
            let why = level
                .is_none()
                .then(|| format!("{}: the scope, the base grant or the user's role", ApiError::NoPermission));
            Outcome::new(Verdict::Denied, why)
        }
        (Err(ApiError::Restricted(message)), _) => Outcome::new(Verdict::Restricted, message),
        (Err(ApiError::NotFound(message)), _) => {
            let said = message.map_or(String::new(), |m| format!(": {m}"));
            let (gone, what) = match intended_table {
                Some(t) if needs_table => (Some(NotFound::Table), gone_why(t)),
                _ if !needs_table && !listing => (Some(NotFound::Base), BASE_GONE.to_owned()),
                _ => (None, "Airtable found no such table or base".to_owned()),
            };
            Outcome {
                not_found: gone,
                ..Outcome::new(Verdict::Error, format!("{what} (404{said})"))
            }
        }
        (Err(e @ ApiError::QuotaExhausted), _) => Outcome {
            quota: true,
            ..Outcome::new(Verdict::Error, e.to_string())
        },
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

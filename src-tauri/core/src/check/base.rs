//! Checking one base: each scope tried a stage at a time, since the schema names a
//! table and the first record gives a record for comments; what each answer teaches is
//! kept for the later stages.

use futures_util::future::join_all;

use super::catalog::{BASE_SCOPES, BaseScope, Probe};
use super::scope::{Outcome, probe_scope};
use super::site::{Denials, Found, Site};
use super::targets::Target;
use crate::airtable::client::Caller;
use crate::airtable::models::{RecordPage, Schema};
use crate::model::report::{BaseReach, NotFound};
use crate::model::verdict::{PermissionLevel, Verdict};

/// When a probe can run: the schema names a table, the first record gives a record for
/// comments and shows the table exists (so a 403 on a write to it is about permission);
/// whatever needs neither goes first, all of a stage at once.
fn stage(probe: Probe) -> u8 {
    match probe {
        Probe::Schema | Probe::Webhooks | Probe::Views | Probe::Shares | Probe::None => 0,
        Probe::FirstRecord => 1,
        Probe::FirstComment | Probe::CreateRecordsWithoutBody | Probe::UpdateTableWithoutBody => 2,
    }
}

/// Tries the `wanted` scopes on one base, a stage at a time; the others are left
/// unverdicted for `witness` to imply. A data scope wanted brings the schema along (it
/// names the table), and comments bring the first record (it names the record).
pub(super) async fn probe_base(
    caller: &Caller<'_>,
    target: Target,
    denials: &Denials,
    wanted: &[&'static BaseScope],
) -> BaseReach {
    let Target {
        mut reach,
        table: intended_table,
        listing,
        named,
    } = target;
    if listing && !reach.reachable {
        return reach;
    }
    let mut found = Found {
        table: intended_table.clone(),
        table_confirmed: false,
        no_table_why: "no table is known: name one in the token's intent for this base",
        table_gone: None,
        base_gone: false,
        record: None,
        records_readable: false,
        role_doubts: Vec::new(),
    };
    let base = reach.id.clone();
    let site = Site {
        caller,
        base: &base,
        level: reach.permission_level,
        listing,
        intended_table: intended_table.as_deref(),
        named,
        denials,
    };
    // What the role rules out is known without a request, and needs no table or record.
    let tried: Vec<&BaseScope> = wanted
        .iter()
        .filter(|s| !site.level.is_some_and(|l| l.rules_out(s.least_role)))
        .copied()
        .collect();
    let needs_schema = listing && tried.iter().any(|s| s.probe.needs_table());
    let needs_record = tried.iter().any(|s| s.probe == Probe::FirstComment);
    let asked = |s: &BaseScope| {
        wanted.iter().any(|w| w.scope == s.scope)
            || (needs_schema && s.probe == Probe::Schema)
            || (needs_record && s.probe == Probe::FirstRecord)
    };
    for current in 0..=2 {
        let scopes: Vec<&'static BaseScope> = BASE_SCOPES
            .iter()
            .filter(|s| stage(s.probe) == current && asked(s))
            .collect();
        let outcomes = join_all(scopes.iter().map(|s| probe_scope(&site, s, &found))).await;
        for (s, outcome) in scopes.into_iter().zip(outcomes) {
            take(&mut reach, &mut found, s, outcome, site.intended_table);
        }
    }
    settle_role_doubts(&mut reach, &found);
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

/// A base that answered a read is granted to the token and at least readable by the user:
/// a refusal there of a scope the read role allows can only be the scope's.
fn settle_role_doubts(reach: &mut BaseReach, found: &Found) {
    if !reach.scopes.values().any(|v| *v == Verdict::Granted) {
        return;
    }
    for s in found
        .role_doubts
        .iter()
        .filter(|s| s.least_role == PermissionLevel::Read)
    {
        reach.scopes.insert(s.scope.into(), Verdict::Denied);
        reach.reasons.insert(
            s.scope.into(),
            "the token lacks the scope: this base answered other reads, so neither the base grant nor the role refused it".into(),
        );
    }
}

/// Puts one scope's outcome on the base, and keeps what later probes need from it.
fn take(
    reach: &mut BaseReach,
    found: &mut Found,
    s: &'static BaseScope,
    outcome: Outcome,
    intended_table: Option<&str>,
) {
    if let (Some(body), Verdict::Granted) = (&outcome.body, outcome.verdict) {
        learn(found, s.probe, body, intended_table);
    }
    // A base that is gone takes its tables with it.
    if let Some(gone) = outcome.not_found
        && reach.not_found != Some(NotFound::Base)
    {
        reach.not_found = Some(gone);
    }
    match outcome.not_found {
        Some(NotFound::Table) => found.table_gone = intended_table.map(str::to_owned),
        Some(NotFound::Base) => found.base_gone = true,
        None => {}
    }
    reach.quota_exhausted |= outcome.quota;
    reach.table_in_doubt |= outcome.table_in_doubt;
    if outcome.role_in_doubt {
        found.role_doubts.push(s);
    }
    reach.scopes.insert(s.scope.into(), outcome.verdict);
    if let Some(why) = outcome.why {
        reach.reasons.insert(s.scope.into(), why);
    }
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
                found.table_confirmed = chosen.is_some();
                if schema.tables.is_empty() && intended_table.is_none() {
                    found.no_table_why = "the base has no tables";
                }
            }
        }
        Probe::FirstRecord => {
            found.records_readable = true;
            found.table_confirmed = true;
            if let Ok(page) = serde_json::from_slice::<RecordPage>(body) {
                found.record = page.records.first().map(|r| r.id.clone());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found() -> Found {
        Found {
            table: Some("Deals".into()),
            table_confirmed: false,
            no_table_why: "",
            table_gone: None,
            base_gone: false,
            record: None,
            records_readable: false,
            role_doubts: Vec::new(),
        }
    }

    const SCHEMA: &[u8] =
        br#"{"tables":[{"id":"tblDeals","name":"Deals"},{"id":"tblPeople","name":"People"}]}"#;

    #[test]
    fn the_schema_confirms_the_intents_table_by_name_or_id_or_shows_it_gone() {
        let mut f = found();
        learn(&mut f, Probe::Schema, SCHEMA, Some("Deals"));
        assert_eq!(
            (
                f.table.as_deref(),
                f.table_confirmed,
                f.table_gone.as_deref()
            ),
            (Some("tblDeals"), true, None)
        );
        let mut f = found();
        learn(&mut f, Probe::Schema, SCHEMA, Some("tblPeople"));
        assert_eq!(f.table.as_deref(), Some("tblPeople"));
        let mut f = found();
        learn(&mut f, Probe::Schema, SCHEMA, Some("Invoices"));
        assert_eq!(
            (
                f.table.as_deref(),
                f.table_confirmed,
                f.table_gone.as_deref()
            ),
            (None, false, Some("Invoices"))
        );
    }

    #[test]
    fn without_an_intended_table_the_first_one_is_tried_and_an_empty_base_says_so() {
        let mut f = found();
        learn(&mut f, Probe::Schema, SCHEMA, None);
        assert_eq!(
            (f.table.as_deref(), f.table_confirmed),
            (Some("tblDeals"), true)
        );
        let mut f = found();
        learn(&mut f, Probe::Schema, br#"{"tables":[]}"#, None);
        assert_eq!((f.table, f.no_table_why), (None, "the base has no tables"));
    }

    #[test]
    fn the_first_record_is_kept_for_the_comments_and_shows_the_table_exists() {
        let mut f = found();
        learn(
            &mut f,
            Probe::FirstRecord,
            br#"{"records":[{"id":"recA"}]}"#,
            None,
        );
        assert!(f.records_readable && f.table_confirmed);
        assert_eq!(f.record.as_deref(), Some("recA"));
        let mut f = found();
        learn(&mut f, Probe::FirstRecord, br#"{"records":[]}"#, None);
        assert!(f.records_readable && f.record.is_none());
    }

    fn reach(scopes: &[(&str, Verdict)]) -> BaseReach {
        BaseReach {
            reachable: true,
            scopes: scopes.iter().map(|(s, v)| ((*s).to_owned(), *v)).collect(),
            ..BaseReach::new("appA", None, None, true)
        }
    }

    #[test]
    fn a_base_that_answered_a_read_settles_the_doubts_the_read_role_cannot_explain() {
        let scope = |name| crate::check::catalog::base_scope(name).unwrap();
        let mut f = found();
        f.role_doubts = vec![scope("webhook:manage"), scope("data.records:write")];
        let doubtful = [
            ("webhook:manage", Verdict::Unverifiable),
            ("data.records:write", Verdict::Unverifiable),
        ];
        let mut unanswered = reach(&doubtful);
        settle_role_doubts(&mut unanswered, &f);
        assert_eq!(unanswered.scopes["webhook:manage"], Verdict::Unverifiable);
        let mut read = reach(&[
            doubtful[0],
            doubtful[1],
            ("data.records:read", Verdict::Granted),
        ]);
        settle_role_doubts(&mut read, &f);
        assert_eq!(read.scopes["webhook:manage"], Verdict::Denied);
        assert!(read.reasons["webhook:manage"].contains("lacks the scope"));
        // Writing needs more than reading: the role may still be the cause.
        assert_eq!(read.scopes["data.records:write"], Verdict::Unverifiable);
    }
}

//! The drift's steps on reports built by hand: which verdict wins for the token, what is
//! missing, blocked, excess or unknown, and that nothing contradicts the scopes.

use std::collections::BTreeMap;

use super::{conclude, token_verdict};
use crate::model::record::{BaseIntent, TokenIntent};
use crate::model::report::{BaseReach, Cause, CheckReport, CheckStatus, CheckUser, FindingKind};
use crate::model::verdict::{PermissionLevel, Verdict};

use PermissionLevel::{Create, Read};
use Verdict::{BlockedByRole, Denied, Error, Granted, Restricted, Unverifiable};

fn base(
    id: &str,
    level: Option<PermissionLevel>,
    intended: bool,
    scopes: &[(&str, Verdict)],
) -> BaseReach {
    BaseReach {
        id: id.into(),
        name: level.map(|_| id.to_owned()),
        permission_level: level,
        reachable: level.is_some(),
        intended,
        scopes: scopes.iter().map(|(s, v)| ((*s).to_owned(), *v)).collect(),
        reasons: BTreeMap::new(),
        requests: 0,
        not_found: None,
        quota_exhausted: false,
        table_in_doubt: false,
    }
}

fn report(bases: Vec<BaseReach>) -> CheckReport {
    CheckReport {
        checked_at: chrono::Utc::now(),
        light: false,
        status: CheckStatus::Ok,
        user: Some(CheckUser {
            id: "usrAlice".into(),
            email: Some("alice@example.com".into()),
        }),
        can_list_bases: Some(true),
        scopes: crate::scopes::CATALOG
            .iter()
            .map(|s| (s.name.to_owned(), Verdict::NotChecked))
            .chain([
                ("schema.bases:read".to_owned(), Granted),
                ("user.email:read".to_owned(), Granted),
            ])
            .collect(),
        bases,
        drift: Default::default(),
        error: None,
        requests: 0,
        changed_since_last: None,
    }
}

fn intent(scopes: &[&str], bases: &[&str]) -> TokenIntent {
    TokenIntent {
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        bases: bases.iter().map(|b| BaseIntent::id(*b)).collect(),
        ..TokenIntent::named("t", chrono::NaiveDate::MIN)
    }
}

const WRITE: &str = "data.records:write";
const READ: &str = "data.records:read";

#[test]
fn the_token_verdict_takes_granted_first_and_ignores_bases_out_of_reach() {
    let verdict = |verdicts: &[Verdict]| {
        let bases: Vec<BaseReach> = verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| base(&format!("app{i}"), Some(Create), false, &[(WRITE, *v)]))
            .collect();
        token_verdict(WRITE, &bases)
    };
    assert_eq!(verdict(&[Denied, Granted, Error]), Granted);
    assert_eq!(verdict(&[Denied, Error, Restricted]), Error);
    assert_eq!(verdict(&[Denied, Restricted]), Restricted);
    assert_eq!(verdict(&[Denied, Unverifiable]), Denied);
    assert_eq!(verdict(&[BlockedByRole, BlockedByRole]), BlockedByRole);
    // A base the role rules out beside one that could not tell: not the role's doing.
    assert_eq!(verdict(&[BlockedByRole, Unverifiable]), Unverifiable);
    let mut gone = base("appGone", None, true, &[(WRITE, Denied)]);
    gone.reachable = false;
    assert_eq!(token_verdict(WRITE, &[gone]), Unverifiable);
}

#[test]
fn a_scope_the_token_lacks_is_missing_and_nothing_else() {
    let mut r = report(vec![base("appA", Some(Create), true, &[(WRITE, Denied)])]);
    conclude(&mut r, &intent(&[WRITE], &["appA"]));
    assert_eq!(r.scopes[WRITE], Denied);
    assert_eq!(r.drift.missing_scopes, [WRITE]);
    assert!(r.drift.blocked_on_bases.is_empty());
    let f = &r.drift.findings[0];
    assert_eq!((f.kind, f.cause), (FindingKind::MissingScope, Cause::Scope));
    assert_eq!(r.status, CheckStatus::Drift);
}

#[test]
fn a_role_that_forbids_it_everywhere_blocks_it_on_the_intended_bases_never_missing() {
    let mut r = report(vec![
        base("appA", Some(Read), true, &[(WRITE, BlockedByRole)]),
        base("appB", Some(Read), false, &[(WRITE, BlockedByRole)]),
    ]);
    conclude(&mut r, &intent(&[WRITE], &["appA"]));
    assert_eq!(r.scopes[WRITE], BlockedByRole);
    assert!(r.drift.missing_scopes.is_empty());
    assert_eq!(r.drift.blocked_on_bases[WRITE], ["appA"]);
    let f = r
        .drift
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::BlockedOnBase)
        .unwrap();
    assert_eq!(f.cause, Cause::Role);
    assert!(
        f.explanation.contains("role there is read, it needs edit"),
        "{}",
        f.explanation
    );
    assert_eq!(r.status, CheckStatus::Drift);
}

#[test]
fn a_held_scope_refused_by_a_restriction_or_by_airtable_is_blocked_there() {
    let mut restricted = base("appA", Some(Create), true, &[(WRITE, Restricted)]);
    restricted.reasons.insert(
        WRITE.into(),
        "You are not permitted to create records in table Deals".into(),
    );
    let mut r = report(vec![
        restricted,
        base("appB", Some(Create), true, &[(WRITE, Denied)]),
        base("appC", Some(Create), true, &[(WRITE, Granted)]),
    ]);
    conclude(&mut r, &intent(&[WRITE], &["appA", "appB", "appC"]));
    assert_eq!(r.scopes[WRITE], Granted);
    assert_eq!(r.drift.blocked_on_bases[WRITE], ["appA", "appB"]);
    let blocked: Vec<_> = r
        .drift
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::BlockedOnBase)
        .collect();
    let causes: Vec<Cause> = blocked.iter().map(|f| f.cause).collect();
    assert_eq!(causes, [Cause::TablePermissions, Cause::BaseGrant]);
    assert!(blocked[0].explanation.contains("table Deals"));
    assert!(blocked[1].explanation.contains("worked on another base"));
}

#[test]
fn a_scope_in_doubt_is_unknown_with_its_reason_and_its_base_not_missing() {
    let mut doubtful = base("appA", None, true, &[(READ, Unverifiable)]);
    doubtful.table_in_doubt = true;
    doubtful.reasons.insert(
        READ.into(),
        "the table “Invoices” may not exist, or the token lacks data.records:read".into(),
    );
    let mut r = report(vec![doubtful]);
    r.can_list_bases = Some(false);
    r.scopes.insert("schema.bases:read".into(), Denied);
    conclude(&mut r, &intent(&[READ], &["appA"]));
    assert!(r.drift.missing_scopes.is_empty() && r.drift.missing_bases.is_empty());
    assert!(
        r.drift.unknown.iter().any(
            |u| u.starts_with("data.records:read: on appA, the table “Invoices” may not exist")
        ),
        "{:?}",
        r.drift.unknown
    );
    assert!(
        r.drift
            .unknown
            .iter()
            .any(|u| u.starts_with("whether the token reaches appA"))
    );
    // Once a held scope the read role allows is refused there too, the base is out of reach.
    r.bases[0]
        .scopes
        .insert("webhook:manage".into(), Unverifiable);
    r.bases
        .push(base("appB", None, false, &[("webhook:manage", Granted)]));
    r.bases[1].reachable = true;
    conclude(&mut r, &intent(&[READ], &["appA"]));
    assert_eq!(r.drift.missing_bases, ["appA"]);
}

#[test]
fn an_admin_base_is_reached_and_named_for_what_it_likely_is() {
    let mut r = report(vec![base(
        "appAdmin",
        Some(PermissionLevel::None),
        false,
        &[(READ, Granted)],
    )]);
    conclude(&mut r, &intent(&[READ], &[]));
    assert_eq!(
        r.drift.excess_bases.as_deref(),
        Some(&["appAdmin".to_owned()][..])
    );
    let f = r
        .drift
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::ExcessBase)
        .unwrap();
    assert!(
        f.explanation.contains("(none (admin access?))"),
        "{}",
        f.explanation
    );
}

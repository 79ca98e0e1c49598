//! The live check against the fake Airtable: every verdict, drift both ways, a read-only
//! role, a revoked token, a token that cannot list bases, pagination and light checks.

use crate::support::{check, check_one, intent, on, quick};
use fake_airtable::FakeAirtable;
use fake_airtable::world::{self, id, office};
use patvault_core::check::Depth;
use patvault_core::model::report::{Cause, CheckReport, FindingKind};
use patvault_core::model::verdict::PermissionLevel;
use patvault_core::model::{CheckStatus, Verdict};

use Verdict::{BlockedByRole, Denied, Granted, Unverifiable};

fn verdicts(report: &CheckReport, base: &str, scopes: &[&str]) -> Vec<Verdict> {
    scopes.iter().map(|s| on(report, base).scopes[*s]).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verdict_appears_where_airtable_allows_it() {
    let fake = FakeAirtable::start(office()).unwrap();
    let everything = world::EVERY_BASIC_SCOPE;
    let report = check_one(&fake, 1, intent(everything, &["CRM", "Ops", "Empty"])).await;
    assert_eq!(
        report.user.as_ref().unwrap().email.as_deref(),
        Some("alice@example.com")
    );
    let scopes = [
        "schema.bases:read",
        "data.records:read",
        "data.recordComments:read",
        "data.records:write",
        "data.recordComments:write",
        "schema.bases:write",
        "webhook:manage",
        "workspacesAndBases:read",
    ];
    // Alice creates CRM: everything with a safe probe is granted.
    assert_eq!(
        verdicts(&report, "CRM", &scopes),
        [
            Granted,
            Granted,
            Granted,
            Granted,
            Unverifiable,
            Granted,
            Granted,
            Granted
        ]
    );
    // She only reads Ops: whatever writes is her role's doing, and no request is sent for
    // it; listing webhooks needs only read, so the token can follow every change there.
    assert_eq!(
        verdicts(&report, "Ops", &scopes),
        [
            Granted,
            Granted,
            Granted,
            BlockedByRole,
            Unverifiable,
            BlockedByRole,
            Granted,
            Granted
        ]
    );
    assert_eq!(on(&report, "Ops").permission_level.unwrap().name(), "read");
    // Empty has no tables: nothing to read or write, said so.
    let empty = on(&report, "Empty");
    assert_eq!(
        verdicts(&report, "Empty", &scopes),
        [
            Granted,
            Unverifiable,
            Unverifiable,
            Unverifiable,
            Unverifiable,
            Unverifiable,
            Granted,
            Granted
        ]
    );
    assert!(
        empty.reasons["data.records:read"].contains("no tables"),
        "{:?}",
        empty.reasons
    );
    assert_eq!(report.scopes["data.records:write"], Granted);
    assert_eq!(report.scopes["user.email:read"], Granted);
    assert_eq!(report.scopes["enterprise.auditLogs:read"], Unverifiable);
    // Sharing by API is for Enterprise plans: a refusal on CRM may be the plan, so it is
    // not a denial.
    assert_eq!(
        on(&report, "CRM").scopes["workspacesAndBases.shares:manage"],
        Unverifiable
    );
    assert!(on(&report, "CRM").reasons["workspacesAndBases.shares:manage"].contains("Enterprise"));
    assert_eq!(
        on(&report, "Ops").scopes["workspacesAndBases.shares:manage"],
        BlockedByRole
    );
    // Meant to write on every base, but Alice only reads Ops: that will break there, by
    // role; the token holds both scopes, so neither is missing.
    assert_eq!(report.status, CheckStatus::Drift);
    assert!(report.drift.missing_scopes.is_empty(), "{:?}", report.drift);
    let ops = id("app", "Ops");
    assert_eq!(
        report.drift.blocked_on_bases,
        [
            ("data.records:write".to_owned(), vec![ops.clone()]),
            ("schema.bases:write".to_owned(), vec![ops.clone()]),
        ]
        .into()
    );
    assert!(
        report
            .drift
            .findings
            .iter()
            .all(|f| f.kind == FindingKind::BlockedOnBase
                && f.cause == Cause::Role
                && f.base.as_deref() == Some(ops.as_str())
                && f.explanation.contains("role there is read, it needs"))
    );
    assert_eq!(report.drift.excess_bases.as_deref(), Some(&[][..]));
    let stats = fake.stats();
    assert_eq!(stats.bodies, 0, "a probe sent a body");
    assert_eq!(stats.mutations, 0, "a probe changed something");
    assert_eq!(stats.rate_limited, 0);
    // Ops: schema, records, comments, webhooks, views; the role rules out the rest.
    assert_eq!(stats.per_base[&id("app", "Ops")].requests, 5);
    assert_eq!(on(&report, "Ops").requests, 5);
    assert_eq!(report.requests as u64, stats.requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_names_what_will_break_and_what_is_too_much() {
    let fake = FakeAirtable::start(office()).unwrap();
    // Token 2 reads CRM and Ops; it is meant to write CRM and read HR.
    let report = check_one(
        &fake,
        2,
        intent(&["data.records:read", "data.records:write"], &["CRM", "HR"]),
    )
    .await;
    assert_eq!(report.status, CheckStatus::Drift);
    let d = &report.drift;
    assert_eq!(d.missing_scopes, ["data.records:write"]);
    assert_eq!(d.excess_scopes, ["schema.bases:read"]);
    assert_eq!(d.missing_bases, [id("app", "HR")]);
    assert_eq!(d.excess_bases.as_deref(), Some(&[id("app", "Ops")][..]));
    assert_eq!(report.scopes["user.email:read"], Denied);
    assert_eq!(report.user.as_ref().unwrap().email, None);
    let missing = d
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::MissingScope)
        .unwrap();
    assert_eq!(missing.cause, Cause::Scope);
    assert!(
        missing.fix.contains("add the scope data.records:write"),
        "{}",
        missing.fix
    );
    let base = d
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::MissingBase)
        .unwrap();
    assert_eq!(base.cause, Cause::BaseGrant);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_user_is_blocked_by_role_not_by_scope() {
    let fake = FakeAirtable::start(office()).unwrap();
    let report = check_one(
        &fake,
        5,
        intent(&["data.records:read", "data.records:write"], &["CRM"]),
    )
    .await;
    assert_eq!(report.scopes["data.records:write"], BlockedByRole);
    assert_eq!(report.scopes["data.records:read"], Granted);
    // Whether the token holds it cannot be shown: not missing, blocked where it is meant.
    assert!(report.drift.missing_scopes.is_empty());
    assert_eq!(
        report.drift.blocked_on_bases,
        [("data.records:write".to_owned(), vec![id("app", "CRM")])].into()
    );
    assert_eq!(report.status, CheckStatus::Drift);
    let finding = &report.drift.findings[0];
    assert_eq!(finding.kind, FindingKind::BlockedOnBase);
    assert_eq!(finding.cause, Cause::Role);
    assert!(
        finding.explanation.contains("bob@example.com"),
        "{}",
        finding.explanation
    );
    // Only what works counts as excess: a scope the role blocks is not over-privilege.
    assert!(
        !report
            .drift
            .excess_scopes
            .contains(&"schema.bases:write".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_invalid_after_one_request() {
    let fake = FakeAirtable::start(office()).unwrap();
    let report = check_one(&fake, 3, intent(&[], &["CRM"])).await;
    assert_eq!(report.status, CheckStatus::Invalid);
    assert!(report.error.as_deref().unwrap().contains("revoked"));
    assert_eq!(fake.stats().requests, 1);
    let unknown = check(&fake, vec![(99, intent(&[], &[]))], Depth::Full, quick()).await;
    assert_eq!(unknown[0].status, CheckStatus::Invalid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_cannot_list_bases_is_probed_on_its_intended_bases() {
    let fake = FakeAirtable::start(office()).unwrap();
    let report = check_one(
        &fake,
        4,
        intent(&["data.records:read"], &["CRM/Contacts", "HR/People"]),
    )
    .await;
    assert_eq!(report.can_list_bases, Some(false));
    assert_eq!(report.scopes["schema.bases:read"], Denied);
    let crm = on(&report, "CRM");
    assert!(crm.reachable);
    assert_eq!(crm.permission_level, None);
    assert_eq!(crm.scopes["data.records:read"], Granted);
    assert_eq!(crm.scopes["webhook:manage"], Granted);
    // The token lacks it, but without the base list the role is not known, and a read
    // collaborator is refused alike: not a denial.
    assert_eq!(crm.scopes["data.records:write"], Unverifiable);
    assert!(crm.reasons["data.records:write"].contains("role here is below edit"));
    assert!(!on(&report, "HR").reachable);
    // What it reaches beyond its intent cannot be known, and is not guessed.
    assert_eq!(report.drift.excess_bases, None);
    assert!(
        report
            .drift
            .unknown
            .iter()
            .any(|u| u.contains("cannot list bases"))
    );
    assert_eq!(report.drift.missing_bases, [id("app", "HR")]);
    assert_eq!(report.drift.excess_scopes, ["webhook:manage"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_bases_is_followed() {
    let mut scenario = office();
    let alice = id("usr", "Alice");
    for n in 0..7 {
        scenario.bases.push(world::base(
            &format!("Extra{n}"),
            vec![world::table("T", 1, 0)],
            &[(&alice, fake_airtable::scenario::Level::Read)],
        ));
    }
    scenario.tokens[0].all_bases = true;
    scenario.settings.page_size = 3;
    let fake = FakeAirtable::start(scenario).unwrap();
    let [report] = check(&fake, vec![(1, intent(&[], &[]))], Depth::Light, quick())
        .await
        .try_into()
        .unwrap();
    // 4 office bases and 7 extra over 4 pages; a light check asks nothing else.
    assert_eq!(report.bases.len(), 11);
    assert!(report.bases.iter().all(|b| b.reachable));
    let stats = fake.stats();
    assert_eq!(stats.per_route["list_bases"], 4);
    assert_eq!(stats.requests, 5);
    assert_eq!(report.scopes["data.records:read"], Verdict::NotChecked);
    assert_eq!(report.drift.excess_bases.as_ref().unwrap().len(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_the_token_lacks_is_asked_once_not_on_every_base() {
    let mut scenario = office();
    let alice = id("usr", "Alice");
    for n in 0..12 {
        scenario.bases.push(world::base(
            &format!("Own{n}"),
            vec![world::table("T", 1, 0)],
            &[(&alice, fake_airtable::scenario::Level::Create)],
        ));
    }
    // Token 2 reads records and schemas, and is now granted every base.
    scenario.tokens[1].all_bases = true;
    let fake = FakeAirtable::start(scenario).unwrap();
    // A deep check asks every base; the denial a creator's base shows spares the rest.
    let [report] = check(&fake, vec![(2, intent(&[], &[]))], Depth::Deep, quick())
        .await
        .try_into()
        .unwrap();
    let owned: Vec<_> = report
        .bases
        .iter()
        .filter(|b| b.permission_level == Some(PermissionLevel::Create) && b.reachable)
        .filter(|b| b.id != id("app", "Empty"))
        .collect();
    assert_eq!(owned.len(), 13);
    for base in &owned {
        for scope in ["data.records:write", "schema.bases:write", "webhook:manage"] {
            assert_eq!(base.scopes[scope], Denied, "{scope} on {}", base.id);
        }
    }
    // A scope is the token's for every base: once a base where the user creates refused
    // it, the others are not asked.
    let skipped = owned
        .iter()
        .filter(|b| {
            b.reasons
                .get("data.records:write")
                .is_some_and(|r| r.contains("no request was sent"))
        })
        .count();
    assert!(skipped > 0, "{report:#?}");
    let stats = fake.stats();
    assert!(
        stats.per_route["create_records"] * 2 < owned.len() as u64,
        "{stats:#?}"
    );
    assert_eq!(report.requests as u64, stats.requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_add_forms_check_proves_scopes_on_the_chosen_bases_alone() {
    use patvault_core::airtable::{ApiRoot, Client};
    use patvault_core::ops::adopt::{look_up, scopes_on};
    use patvault_core::secret::Secret;
    let fake = FakeAirtable::start(office()).unwrap();
    let client = Client::new(ApiRoot::parse(&fake.url()).unwrap(), quick()).unwrap();
    let secret = Secret::new(world::pat(1));
    let light = look_up(&client, &secret).await.unwrap();
    let names: Vec<Option<&str>> = light.bases.iter().map(|b| b.name.as_deref()).collect();
    assert_eq!(names, [Some("CRM"), Some("Ops"), Some("Empty")]);
    assert!(light.bases[0].permission_level.is_some());
    let light_requests = fake.stats().requests;
    assert_eq!(light_requests, 2, "who it is and its bases, nothing more");

    let crm = intent(&[], &["CRM"]).bases;
    let (scopes, report) = scopes_on(&client, &secret, crm).await.unwrap();
    assert!(
        scopes.contains(&"data.records:write".to_owned()),
        "{scopes:?}"
    );
    assert!(
        scopes.contains(&"schema.bases:read".to_owned()),
        "{scopes:?}"
    );
    let probed: Vec<(&str, u32)> = report
        .bases
        .iter()
        .map(|b| (b.name.as_deref().unwrap(), b.requests))
        .collect();
    assert!(probed[0].1 > 0, "CRM is probed: {probed:?}");
    assert_eq!(
        &probed[1..],
        [("Ops", 0), ("Empty", 0)],
        "the bases not chosen cost nothing"
    );

    let before = fake.stats().requests;
    let refused = look_up(&client, &Secret::new("keyAAAAAAAAAAAAAA")).await;
    assert!(refused.unwrap_err().0.contains("legacy Airtable API key"));
    assert_eq!(
        fake.stats().requests,
        before,
        "a refused secret sends nothing"
    );
}

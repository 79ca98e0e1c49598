//! The check against Airtable's answers as `airtable-api.md` records them today: a
//! missing table answered like a missing scope, field restrictions, records deleted
//! between probes, 413, per-second 429s in the `errors` form, admin bases listed `none`,
//! the views and shares probes; and, for every report, scopes, per-base verdicts and
//! drift that never contradict each other.

use std::collections::BTreeMap;

use crate::support::{assert_consistent, check, check_one, intent, on, quick};
use fake_airtable::scenario::{Level, MissingTable};
use fake_airtable::world::{self, id, real_world};
use fake_airtable::{FakeAirtable, Fault, FaultKind, Route, Scenario};
use patvault_core::check::Depth;
use patvault_core::model::report::{CheckReport, FindingKind, NotFound};
use patvault_core::model::verdict::PermissionLevel;
use patvault_core::model::{CheckStatus, Verdict};
use serde_json::json;

use Verdict::{Denied, Granted, Unverifiable};

fn replay(route: Route, times: Option<u32>, status: u16, body: serde_json::Value) -> Fault {
    Fault {
        route,
        base: None,
        times,
        kind: FaultKind::Answer {
            status,
            body: Some(body),
            raw: None,
        },
    }
}

/// Alice, without `schema.bases:read`, reads Sales's records through a table her intent
/// names; `answer` is how the fake answers a table that does not exist.
async fn missing_table(answer: MissingTable) -> CheckReport {
    let mut scenario = real_world();
    scenario.settings.missing_table = answer;
    let fake = FakeAirtable::start(scenario).unwrap();
    let report = check_one(
        &fake,
        13,
        intent(&["data.records:read"], &["Sales/Invoices"]),
    )
    .await;
    assert_consistent(&report);
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_table_answered_403_is_never_a_missing_scope() {
    for answer in [MissingTable::Forbidden, MissingTable::NotAuthorized] {
        let report = missing_table(answer).await;
        let sales = on(&report, "Sales");
        assert_eq!(
            sales.scopes["data.records:read"], Unverifiable,
            "{answer:?}"
        );
        let why = &sales.reasons["data.records:read"];
        assert!(
            why.contains(
                "the table “Invoices” may not exist, or the token lacks data.records:read"
            ),
            "{why}"
        );
        assert!(why.contains("Check the table's name") && why.contains("add data.records:read"));
        assert!(sales.table_in_doubt);
        assert!(report.drift.missing_scopes.is_empty(), "{:?}", report.drift);
        // Nothing worked there, but the table explains that as well as the base.
        assert!(report.drift.missing_bases.is_empty(), "{:?}", report.drift);
        assert!(
            report
                .drift
                .unknown
                .iter()
                .any(|u| u.contains("may not exist")),
            "{:?}",
            report.drift.unknown
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_table_answered_404_is_gone_or_renamed() {
    let report = missing_table(MissingTable::NotFound).await;
    let sales = on(&report, "Sales");
    assert_eq!(sales.not_found, Some(NotFound::Table));
    assert!(sales.reachable);
    assert!(
        report
            .drift
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::NotFound && f.explanation.contains("“Invoices”"))
    );
    assert!(report.drift.missing_scopes.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_schema_a_missing_table_is_gone_and_costs_no_probe() {
    let fake = FakeAirtable::start(real_world()).unwrap();
    let report = check_one(
        &fake,
        12,
        intent(&["data.records:read"], &["Sales/Invoices"]),
    )
    .await;
    assert_consistent(&report);
    assert_eq!(on(&report, "Sales").not_found, Some(NotFound::Table));
    assert_eq!(fake.stats().per_route.get("list_records"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_with_a_role_pat_vault_does_not_know_proves_no_scope_missing() {
    // Alice's reader lacks data.records:write. Sales's schema fails, so its intended
    // table cannot be confirmed; Odd (creator, schema fine) proves the scope missing.
    let fake = FakeAirtable::start(real_world()).unwrap();
    fake.set_faults(vec![Fault {
        route: Route::BaseSchema,
        base: Some(id("app", "Sales")),
        times: None,
        kind: FaultKind::ServerError,
    }]);
    fake.update(|s| {
        let reader = s
            .tokens
            .iter_mut()
            .find(|t| t.token == world::pat(16))
            .unwrap();
        reader.bases.push(id("app", "Sales"));
    });
    let report = check_one(
        &fake,
        16,
        intent(
            &["data.records:read", "data.records:write"],
            &["Sales/Invoices", "Odd"],
        ),
    )
    .await;
    assert_consistent(&report);
    let sales = on(&report, "Sales");
    // Odd's role is one PAT Vault does not know, so it proves nothing: no denial is
    // learned, and Sales's answers stay in doubt.
    assert_eq!(
        sales.scopes["data.records:write"], Unverifiable,
        "{sales:#?}"
    );
    assert_eq!(report.scopes["data.records:write"], Unverifiable);
    assert!(report.drift.missing_scopes.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denial_learned_on_a_creators_base_answers_a_doubtful_table() {
    let mut scenario = real_world();
    let alice = id("usr", "Alice");
    scenario.bases.push(world::base(
        "Own",
        vec![world::table("T", 1, 0)],
        &[(&alice, Level::Create)],
    ));
    scenario.tokens.push(world::token(
        17,
        "Alice",
        &["data.records:read", "schema.bases:read"],
        &["Sales", "Own"],
    ));
    let fake = FakeAirtable::start(scenario).unwrap();
    fake.set_faults(vec![Fault {
        route: Route::BaseSchema,
        base: Some(id("app", "Sales")),
        times: None,
        kind: FaultKind::ServerError,
    }]);
    let report = check_one(
        &fake,
        17,
        intent(
            &["data.records:read", "data.records:write"],
            &["Sales/Invoices", "Own"],
        ),
    )
    .await;
    assert_consistent(&report);
    // Own, where Alice creates, shows the token lacks data.records:write: a 403 on the
    // doubtful table is that, not the table.
    assert_eq!(report.scopes["data.records:write"], Denied);
    assert_eq!(on(&report, "Sales").scopes["data.records:write"], Denied);
    assert!(
        report
            .drift
            .missing_scopes
            .contains(&"data.records:write".to_owned())
    );
    // Reading records fails on the doubtful table but works on Own: held, not missing.
    assert_eq!(report.scopes["data.records:read"], Granted);
    assert_eq!(
        on(&report, "Sales").scopes["data.records:read"],
        Unverifiable
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_restriction_is_a_restriction_not_a_missing_scope() {
    let fake = FakeAirtable::start(real_world()).unwrap();
    let said = "You are not permitted to perform this operation because the field \"Amount\" (fldAmount0000000) has been configured to limit who can perform this operation";
    fake.set_faults(vec![replay(
        Route::CreateRecords,
        None,
        403,
        json!({"error": {"type": "INVALID_PERMISSIONS", "message": said}}),
    )]);
    let report = check_one(
        &fake,
        11,
        intent(
            &["data.records:read", "data.records:write"],
            &["Sales/Contacts"],
        ),
    )
    .await;
    assert_consistent(&report);
    let sales = on(&report, "Sales");
    assert_eq!(sales.scopes["data.records:write"], Verdict::Restricted);
    assert_eq!(sales.reasons["data.records:write"], said);
    assert!(
        report
            .drift
            .findings
            .iter()
            .all(|f| f.scope.as_deref() != Some("data.records:write")
                || f.cause == patvault_core::model::report::Cause::TablePermissions)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_deleted_between_probes_is_replaced_once_then_could_not_verify() {
    let gone = json!({"records": [{"id": "recGone000000000", "createdTime": "2026-01-05T09:30:00.000Z", "fields": {}}]});
    // A newer capture answered a missing record with 403: on a base where a 403 would
    // teach that the token lacks the scope, the record is looked for again first.
    let refused = replay(
        Route::ListComments,
        Some(1),
        403,
        json!({"error": {"type": "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"}}),
    );
    let cases = [
        (1, None, Granted, 2),
        (2, None, Unverifiable, 1),
        (1, Some(refused), Granted, 2),
    ];
    for (times, comments, expected, comment_requests) in cases {
        let fake = FakeAirtable::start(real_world()).unwrap();
        // Sales alone, so that no other base is read to prove comments once.
        fake.update(|s| {
            let token = s
                .tokens
                .iter_mut()
                .find(|t| t.token == world::pat(14))
                .unwrap();
            token.bases.retain(|b| *b == id("app", "Sales"));
        });
        // The first record read (and, the second time, the one read again) is deleted
        // before its comments are asked for.
        let mut faults: Vec<Fault> = comments.into_iter().collect();
        faults.push(replay(Route::ListRecords, Some(times), 200, gone.clone()));
        fake.set_faults(faults);
        let report = check_one(
            &fake,
            14,
            intent(&["data.recordComments:read"], &["Sales/Deals"]),
        )
        .await;
        assert_consistent(&report);
        let sales = on(&report, "Sales");
        let case = format!("{times} {comment_requests}");
        assert_eq!(
            sales.scopes["data.recordComments:read"], expected,
            "{case}: {sales:#?}"
        );
        if expected == Unverifiable {
            // Read again, the first record is the one that was not found.
            let why = &sales.reasons["data.recordComments:read"];
            assert!(why.contains("could not verify"), "{why}");
        }
        let stats = fake.stats();
        assert_eq!(stats.per_route["list_records"], 2, "{case}");
        assert_eq!(stats.per_route["list_comments"], comment_requests, "{case}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_authorized_on_a_table_that_exists_proves_nothing() {
    let fake = FakeAirtable::start(real_world()).unwrap();
    fake.set_faults(vec![replay(
        Route::CreateRecords,
        None,
        403,
        json!({"error": {"type": "NOT_AUTHORIZED", "message": "You are not authorized to perform this operation"}}),
    )]);
    // Alice creates Sales and Spent; her token holds data.records:write.
    let report = check_one(
        &fake,
        14,
        intent(&["data.records:write"], &["Sales/Contacts"]),
    )
    .await;
    assert_consistent(&report);
    let sales = on(&report, "Sales");
    assert_eq!(sales.scopes["data.records:write"], Unverifiable);
    assert!(sales.reasons["data.records:write"].contains("NOT_AUTHORIZED"));
    assert_ne!(report.scopes["data.records:write"], Denied);
    assert!(report.drift.missing_scopes.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_413_is_an_error_never_retried() {
    let fake = FakeAirtable::start(real_world()).unwrap();
    fake.set_faults(vec![Fault {
        route: Route::ListWebhooks,
        base: None,
        times: None,
        kind: FaultKind::Answer {
            status: 413,
            body: None,
            raw: None,
        },
    }]);
    let report = check_one(&fake, 10, intent(&[], &["Sales"])).await;
    let sales = on(&report, "Sales");
    assert_eq!(sales.scopes["webhook:manage"], Verdict::Error);
    assert!(sales.reasons["webhook:manage"].contains("too large (413)"));
    assert_eq!(fake.stats().per_route["list_webhooks"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_second_429_in_the_errors_form_is_waited_out_never_a_spent_quota() {
    let fake = FakeAirtable::start(real_world()).unwrap();
    fake.set_faults(vec![replay(
        Route::ListWebhooks,
        Some(1),
        429,
        json!({"errors": [{"error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later"}]}),
    )]);
    let report = check_one(&fake, 10, intent(&["webhook:manage"], &["Sales"])).await;
    assert_eq!(on(&report, "Sales").scopes["webhook:manage"], Granted);
    assert!(!on(&report, "Sales").quota_exhausted);
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(fake.stats().per_route["list_webhooks"], 2);
}

/// Dana is an enterprise admin, not a collaborator, of Vault (Enterprise): listed `none`.
/// She edits Sales (Enterprise too) and reads Odd. Tokens 20 and 21 are hers, alike.
fn with_admin() -> Scenario {
    let mut scenario = real_world();
    let dana = id("usr", "Dana");
    scenario.users.push(world::user("Dana"));
    let mut vault = world::base("Vault", vec![world::table("Keys", 1, 0)], &[]);
    vault.admins.insert(dana.clone(), Level::Create);
    vault.enterprise = true;
    scenario.bases.push(vault);
    for base in scenario.bases.iter_mut() {
        match base.name.as_str() {
            "Sales" => {
                base.roles.insert(dana.clone(), Level::Edit);
                base.enterprise = true;
            }
            "Odd" => {
                base.roles.insert(dana.clone(), Level::Read);
            }
            _ => {}
        }
    }
    for n in [20, 21] {
        let mut token = world::token(
            n,
            "Dana",
            &[
                "data.records:read",
                "data.records:write",
                "schema.bases:read",
                "workspacesAndBases:read",
                "workspacesAndBases.shares:manage",
            ],
            &[],
        );
        token.all_bases = true;
        scenario.tokens.push(token);
    }
    scenario
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_base_listed_none_is_probed_and_reached() {
    let fake = FakeAirtable::start(with_admin()).unwrap();
    let scopes = [
        "data.records:read",
        "data.records:write",
        "schema.bases:read",
        "workspacesAndBases:read",
        "workspacesAndBases.shares:manage",
    ];
    let [meant, unmeant] = check(
        &fake,
        vec![
            (20, intent(&scopes, &["Vault", "Sales"])),
            (21, intent(&scopes, &["Sales"])),
        ],
        Depth::Deep,
        quick(),
    )
    .await
    .try_into()
    .unwrap();
    for report in [&meant, &unmeant] {
        assert_consistent(report);
        let vault = on(report, "Vault");
        assert_eq!(vault.permission_level, Some(PermissionLevel::None));
        assert!(vault.reachable);
        assert_eq!(vault.scopes["data.records:read"], Granted);
        assert_eq!(vault.scopes["workspacesAndBases:read"], Granted);
        // Enterprise, editor on Sales and admin on Vault: shares answer on both.
        assert_eq!(vault.scopes["workspacesAndBases.shares:manage"], Granted);
        assert_eq!(
            on(report, "Sales").scopes["workspacesAndBases.shares:manage"],
            Granted
        );
        assert!(vault.reasons["role"].contains("admin"));
    }
    assert!(meant.drift.missing_bases.is_empty());
    assert!(meant.drift.missing_scopes.is_empty(), "{:#?}", meant.drift);
    // Writing works on Vault; on Sales only creators may create Deals (its first table).
    assert_eq!(meant.scopes["data.records:write"], Granted);
    assert_eq!(
        meant.drift.blocked_on_bases,
        [("data.records:write".to_owned(), vec![id("app", "Sales")])].into()
    );
    assert_eq!(meant.status, CheckStatus::Drift);
    let excess = unmeant
        .drift
        .findings
        .iter()
        .find(|f| {
            f.kind == FindingKind::ExcessBase && f.base.as_deref() == Some(&id("app", "Vault"))
        })
        .unwrap();
    assert!(
        excess.explanation.contains("none (admin access?)"),
        "{}",
        excess.explanation
    );
    let stats = fake.stats();
    assert_eq!((stats.bodies, stats.mutations), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_agrees_with_the_scopes_on_every_token_and_intent() {
    let intents: Vec<(&[&str], &[&str])> = vec![
        (world::EVERY_BASIC_SCOPE, &["Sales", "Spent", "Odd"]),
        (
            &["data.records:write", "schema.bases:write"],
            &["Sales/Deals"],
        ),
        (
            &["data.records:read", "webhook:manage"],
            &["Sales/Gone", "Odd"],
        ),
        (&[], &[]),
    ];
    let fake = FakeAirtable::start(with_admin()).unwrap();
    let mut jobs = Vec::new();
    for n in [10, 11, 12, 13, 14, 15, 16, 20, 21] {
        for (scopes, bases) in &intents {
            jobs.push((n, intent(scopes, bases)));
        }
    }
    let mut seen = BTreeMap::new();
    for report in check(&fake, jobs, Depth::Full, quick()).await {
        assert_consistent(&report);
        for f in &report.drift.findings {
            *seen.entry(format!("{:?}", f.kind)).or_insert(0) += 1;
        }
    }
    // The scenarios reach every kind of finding, so the agreement was tested on each.
    for kind in [
        "MissingScope",
        "BlockedOnBase",
        "ExcessScope",
        "ExcessBase",
        "MissingBase",
        "NotFound",
    ] {
        assert!(seen.contains_key(kind), "no {kind} in {seen:?}");
    }
    let stats = fake.stats();
    assert_eq!((stats.bodies, stats.mutations), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_counts_a_webhook_payload_call_as_a_change_the_check_never_makes() {
    use patvault_core::airtable::client::Request;
    use patvault_core::airtable::{ApiRoot, Client};
    use patvault_core::secret::Secret;
    let fake = FakeAirtable::start(real_world()).unwrap();
    let report = check_one(&fake, 10, intent(&["webhook:manage"], &["Sales"])).await;
    assert_eq!(report.scopes["webhook:manage"], Granted);
    assert_eq!(fake.stats().mutations, 0);
    // Listing a webhook's payloads extends its life: the fake counts it, so the zero
    // above is a measurement. (A second client has a pacer of its own: the fake's rate
    // windows start afresh for it.)
    fake.reset_traffic();
    let client = Client::new(ApiRoot::parse(&fake.url()).unwrap(), quick()).unwrap();
    let secret = Secret::new(world::pat(10));
    let sales = id("app", "Sales");
    client
        .caller(&secret, None)
        .send(Request {
            method: reqwest::Method::GET,
            path: &[
                "v0",
                "bases",
                &sales,
                "webhooks",
                "achHook0000000000",
                "payloads",
            ],
            query: &[],
            base: Some(&sales),
        })
        .await
        .unwrap();
    assert_eq!(fake.stats().mutations, 1);
}

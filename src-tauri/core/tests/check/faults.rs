//! The check when Airtable misbehaves: every injected fault ends as an error with its
//! reason on the base or token it hit, never a hang or a crash; 502 and 503 are retried;
//! a 429 pauses that base and user; tokens of one user share its rate budget.

use std::time::{Duration, Instant};

use crate::support::{check, intent, quick};
use fake_airtable::scenario::Level;
use fake_airtable::world::{self, id, office};
use fake_airtable::{FakeAirtable, Fault, FaultKind, Route};
use patvault_core::check::Depth;
use patvault_core::model::{CheckStatus, Verdict};

fn fault(route: Route, kind: FaultKind, times: Option<u32>) -> Fault {
    Fault {
        route,
        base: None,
        times,
        kind,
    }
}

fn crm_intent() -> patvault_core::model::record::TokenIntent {
    intent(world::EVERY_BASIC_SCOPE, &["CRM", "Ops", "Empty"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_on_one_route_becomes_that_scopes_error_with_its_reason() {
    let cases = [
        (
            Route::BaseSchema,
            FaultKind::HtmlPage,
            "schema.bases:read",
            "HTML page",
        ),
        (
            Route::ListRecords,
            FaultKind::TruncatedJson,
            "data.records:read",
            "cut off",
        ),
        (
            Route::ListWebhooks,
            FaultKind::ServerError,
            "webhook:manage",
            "internal error (500)",
        ),
        (
            Route::ListViews,
            FaultKind::Hang,
            "workspacesAndBases:read",
            "did not answer within",
        ),
        (
            Route::ListComments,
            FaultKind::Unavailable {
                retry_after_secs: None,
            },
            "data.recordComments:read",
            "unavailable (503)",
        ),
        (
            Route::CreateRecords,
            FaultKind::BadGateway,
            "data.records:write",
            "unavailable (502)",
        ),
    ];
    for (route, kind, scope, reason) in cases {
        let fake = FakeAirtable::start(office()).unwrap();
        let mut f = fault(route, kind, None);
        f.base = Some(id("app", "CRM"));
        fake.set_faults(vec![f]);
        let started = Instant::now();
        let report = check(&fake, vec![(1, crm_intent())], Depth::Full, quick())
            .await
            .remove(0);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{route:?} took too long"
        );
        let crm = report
            .bases
            .iter()
            .find(|b| b.id == id("app", "CRM"))
            .unwrap();
        assert_eq!(crm.scopes[scope], Verdict::Error, "{route:?}: {crm:#?}");
        assert!(
            crm.reasons[scope].contains(reason),
            "{route:?}: {}",
            crm.reasons[scope]
        );
        // The same scope still works elsewhere, so the token as a whole is not in doubt…
        assert_ne!(report.status, CheckStatus::Ok, "{route:?}");
        // …and the failure is named in the report's error.
        assert!(
            report.error.as_deref().unwrap_or_default().contains(scope),
            "{route:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_on_identity_or_listing_fails_the_token_with_the_reason() {
    let cases = [
        (Route::Whoami, FaultKind::ServerError, "internal error"),
        (Route::Whoami, FaultKind::HtmlPage, "HTML page"),
        (Route::Whoami, FaultKind::Hang, "did not answer within 2"),
        (Route::ListBases, FaultKind::TruncatedJson, "cut off"),
        (
            Route::ListBases,
            FaultKind::Unavailable {
                retry_after_secs: Some(0),
            },
            "after 4 attempts",
        ),
    ];
    for (route, kind, reason) in cases {
        let fake = FakeAirtable::start(office()).unwrap();
        fake.set_faults(vec![fault(route, kind, None)]);
        let report = check(&fake, vec![(1, crm_intent())], Depth::Full, quick())
            .await
            .remove(0);
        assert_eq!(report.status, CheckStatus::Error, "{route:?}");
        let error = report.error.unwrap();
        assert!(error.contains(reason), "{route:?}: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_502_and_503_are_retried_honouring_retry_after() {
    let fake = FakeAirtable::start(office()).unwrap();
    fake.set_faults(vec![
        fault(
            Route::ListBases,
            FaultKind::Unavailable {
                retry_after_secs: Some(1),
            },
            Some(1),
        ),
        fault(Route::ListViews, FaultKind::BadGateway, Some(2)),
    ]);
    let started = Instant::now();
    let report = check(
        &fake,
        vec![(1, intent(world::EVERY_BASIC_SCOPE, &["CRM", "Empty"]))],
        Depth::Full,
        quick(),
    )
    .await
    .remove(0);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
    assert_eq!(report.status, CheckStatus::Drift, "{:?}", report.error);
    assert_eq!(report.error, None);
    assert_eq!(report.scopes["workspacesAndBases:read"], Verdict::Granted);
    assert_eq!(fake.stats().per_route["list_bases"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tokens_of_one_user_share_its_budget_and_meet_no_429() {
    let mut scenario = office();
    let alice = id("usr", "Alice");
    for n in 0..24 {
        scenario.bases.push(world::base(
            &format!("Many{n}"),
            vec![world::table("T", 1, 1)],
            &[(&alice, Level::Create)],
        ));
    }
    scenario.tokens[0].all_bases = true;
    scenario.tokens[1].all_bases = true;
    scenario.tokens[1].scopes = world::EVERY_BASIC_SCOPE
        .iter()
        .map(|s| s.to_string())
        .collect();
    let fake = FakeAirtable::start(scenario).unwrap();
    let reports = check(
        &fake,
        vec![(1, intent(&[], &[])), (2, intent(&[], &[]))],
        Depth::Deep,
        quick(),
    )
    .await;
    let stats = fake.stats();
    assert_eq!(stats.rate_limited, 0, "{stats:#?}");
    let alice_stats = &stats.per_user[&alice];
    // 2 tokens × 28 bases × 7 probes, and more: well past one second of budget.
    assert!(alice_stats.requests > 300, "{}", alice_stats.requests);
    assert!(
        alice_stats.peak_per_second <= 50,
        "{}",
        alice_stats.peak_per_second
    );
    assert!(stats.per_base.values().all(|b| b.peak_per_second <= 5));
    assert!(reports.iter().all(|r| r.error.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_that_base_then_the_check_completes() {
    let mut scenario = office();
    // Stricter than Airtable, so that the client's pacing meets a 429.
    scenario.settings.base_rate = 2;
    scenario.settings.penalty_ms = 300;
    let fake = FakeAirtable::start(scenario).unwrap();
    let report = check(
        &fake,
        vec![(1, intent(&[], &["CRM"]))],
        Depth::Full,
        quick(),
    )
    .await
    .remove(0);
    let stats = fake.stats();
    assert!(stats.rate_limited >= 1, "{stats:#?}");
    // Each 429 costs a pause longer than the penalty, so most requests get through.
    assert!(stats.rate_limited * 2 <= stats.requests, "{stats:#?}");
    assert_eq!(report.error, None, "{:?}", report.error);
    assert_eq!(report.scopes["data.records:read"], Verdict::Granted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_check_returns_at_once_while_requests_hang() {
    let fake = FakeAirtable::start(office()).unwrap();
    fake.set_faults(vec![fault(Route::Whoami, FaultKind::Hang, None)]);
    let client = patvault_core::airtable::Client::new(
        patvault_core::airtable::ApiRoot::parse(&fake.url()).unwrap(),
        patvault_core::airtable::ClientOptions {
            timeout: Duration::from_secs(30),
            ..quick()
        },
    )
    .unwrap();
    // Token 3 is revoked: its 401 would come back before the hang.
    let jobs = [1, 2, 5]
        .into_iter()
        .map(|n| patvault_core::check::CheckJob {
            id: uuid::Uuid::from_u128(n.into()),
            intent: crm_intent(),
            secret: Ok(patvault_core::secret::Secret::new(
                fake_airtable::world::pat(n),
            )),
            user_hint: None,
            also: Vec::new(),
        })
        .collect();
    let cancel = tokio_util::sync::CancellationToken::new();
    let canceller = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        canceller.cancel();
    });
    let started = Instant::now();
    let mut reports = 0;
    let finished =
        patvault_core::check::check_many(&client, jobs, Depth::Full, &cancel, |_, _| reports += 1)
            .await;
    assert!(!finished);
    assert_eq!(reports, 0);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_past_the_size_cap_is_an_error_not_a_memory_hog() {
    let fake = FakeAirtable::start(office()).unwrap();
    let huge = format!(
        "{{\"records\": [], \"padding\": \"{}\"}}",
        "x".repeat(9 << 20)
    );
    fake.set_faults(vec![Fault {
        route: Route::ListRecords,
        base: Some(id("app", "CRM")),
        times: None,
        kind: FaultKind::Answer {
            status: 200,
            body: None,
            raw: Some(huge),
        },
    }]);
    let report = check(&fake, vec![(1, crm_intent())], Depth::Full, quick())
        .await
        .remove(0);
    let crm = report
        .bases
        .iter()
        .find(|b| b.id == id("app", "CRM"))
        .unwrap();
    assert_eq!(crm.scopes["data.records:read"], Verdict::Error);
    assert!(
        crm.reasons["data.records:read"].contains("larger than 8 MiB"),
        "{}",
        crm.reasons["data.records:read"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_whose_user_is_known_is_asked_its_bases_beside_whoami() {
    // Whoami fails. A token never checked stopped there; one whose user an earlier check
    // named had its bases asked at the same time.
    for (user, lists) in [(None, 0), (Some(id("usr", "Alice")), 1)] {
        let fake = FakeAirtable::start(office()).unwrap();
        fake.set_faults(vec![fault(Route::Whoami, FaultKind::ServerError, None)]);
        let client = patvault_core::airtable::Client::new(
            patvault_core::airtable::ApiRoot::parse(&fake.url()).unwrap(),
            quick(),
        )
        .unwrap();
        let secret = patvault_core::secret::Secret::new(world::pat(1));
        let report = patvault_core::check::check_secret(
            &client,
            &crm_intent(),
            &secret,
            user.clone(),
            patvault_core::check::Depth::Light,
        )
        .await;
        assert_eq!(report.status, CheckStatus::Error, "{user:?}");
        let stats = fake.stats();
        assert_eq!(
            stats.per_route.get("list_bases").copied(),
            (lists > 0).then_some(lists),
            "{user:?}"
        );
        assert_eq!(report.requests, 1 + lists as u32, "{user:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_answer_became_known_gives_up_its_turn() {
    use patvault_core::airtable::client::Request;
    use patvault_core::airtable::{ApiRoot, Client};
    use std::sync::atomic::{AtomicBool, Ordering};
    // Twelve requests to one base wait for its turns, 210 ms apart. The first answer
    // makes the others' known: they leave the queue, and a thirteenth goes at the next
    // turn instead of after eleven turns spent on nothing (2.3 s).
    let fake = FakeAirtable::start(office()).unwrap();
    let client = Client::new(ApiRoot::parse(&fake.url()).unwrap(), quick()).unwrap();
    let secret = patvault_core::secret::Secret::new(world::pat(1));
    let caller = client.caller(&secret, Some(id("usr", "Alice")));
    let crm = id("app", "CRM");
    let path = ["v0", "meta", "bases", crm.as_str(), "tables"];
    let request = || Request {
        method: reqwest::Method::GET,
        path: &path,
        query: &[],
        base: Some(&crm),
    };
    let answered = AtomicBool::new(false);
    let known = || answered.load(Ordering::SeqCst);
    let asked = (0..12).map(|_| async {
        let answer = caller.send_unless(request(), &known).await;
        if answer.is_some() {
            answered.store(true, Ordering::SeqCst);
            caller.news();
            let asked_at = Instant::now();
            caller.send(request()).await.unwrap();
            Some(asked_at.elapsed())
        } else {
            None
        }
    });
    let waits: Vec<Duration> = futures_util::future::join_all(asked)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(waits.len(), 1, "one of the twelve went");
    assert_eq!(fake.stats().requests, 2);
    assert!(
        waits[0] < Duration::from_secs(1),
        "the thirteenth waited {:?} behind turns spent on nothing",
        waits[0]
    );
}

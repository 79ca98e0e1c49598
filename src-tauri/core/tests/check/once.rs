//! The default full check: every scope on the intended bases, each other scope proved
//! or refuted once for the token, every other base's verdicts implied from the role;
//! its requests within the bound, and its cells true against a deep check of the same
//! account.

use crate::support::{assert_consistent, check, intent, on, quick};
use fake_airtable::FakeAirtable;
use fake_airtable::Scenario;
use fake_airtable::scenario::Level;
use fake_airtable::world::{self, id};
use patvault_core::check::Depth;
use patvault_core::model::Verdict;
use patvault_core::model::report::CheckReport;

use Verdict::{BlockedByRole, Denied, Granted, Implied};

/// Alice creates Own00..Own19 and Bare (a table without records), reads Seen0..Seen9,
/// each with a table, and is an admin who may only read on Vault (listed `none`).
/// Token 1 holds every basic scope, token 2 only reads, token 3 reads records and their
/// comments; all on every base.
fn large() -> Scenario {
    let alice = id("usr", "Alice");
    let mut bases = Vec::new();
    for n in 0..20 {
        bases.push(world::base(
            &format!("Own{n:02}"),
            vec![world::table("T", 2, 1)],
            &[(&alice, Level::Create)],
        ));
    }
    for n in 0..10 {
        bases.push(world::base(
            &format!("Seen{n}"),
            vec![world::table("T", 2, 1)],
            &[(&alice, Level::Read)],
        ));
    }
    bases.push(world::base(
        "Bare",
        vec![world::table("T", 0, 0)],
        &[(&alice, Level::Create)],
    ));
    let mut vault = world::base("Vault", vec![world::table("T", 1, 0)], &[]);
    vault.admins.insert(alice.clone(), Level::Read);
    bases.push(vault);
    let commenting = [
        "data.records:read",
        "data.recordComments:read",
        "schema.bases:read",
    ];
    let tokens = [
        world::token(1, "Alice", world::EVERY_BASIC_SCOPE, &[]),
        world::token(2, "Alice", &["data.records:read", "schema.bases:read"], &[]),
        world::token(3, "Alice", &commenting, &[]),
    ]
    .map(|mut t| {
        t.all_bases = true;
        t
    });
    Scenario {
        users: vec![world::user("Alice")],
        bases,
        tokens: tokens.to_vec(),
        ..Scenario::default()
    }
}

/// The scopes every intent here names.
const MEANT: &[&str] = &["data.records:read"];

async fn one(fake: &FakeAirtable, token: u32, bases: &[&str], depth: Depth) -> CheckReport {
    fake.reset_traffic();
    let [report] = check(fake, vec![(token, intent(MEANT, bases))], depth, quick())
        .await
        .try_into()
        .unwrap();
    assert_consistent(&report);
    report
}

/// Every cell of a full check is true against a deep one: for an intended scope on an
/// intended base the same; elsewhere `implied` stands where a probe answers granted, a
/// restriction, or finds nothing to try it on; `denied` only for a scope the token
/// lacks; any other verdict is the deep one.
fn agrees(full: &CheckReport, deep: &CheckReport) {
    use Verdict::{Restricted, Unverifiable};
    assert_eq!(full.scopes, deep.scopes, "the token's scopes");
    for base in &full.bases {
        let probed = deep.bases.iter().find(|b| b.id == base.id).unwrap();
        for (scope, verdict) in &base.scopes {
            let truth = probed.scopes[scope];
            let case = format!("{scope} on {}: {verdict:?}, deep {truth:?}", base.id);
            if base.intended && MEANT.contains(&scope.as_str()) {
                assert_eq!(*verdict, truth, "{case}");
                continue;
            }
            match verdict {
                Implied => assert!(
                    matches!(truth, Granted | Restricted | Unverifiable),
                    "{case}"
                ),
                Denied => {
                    assert_eq!(full.scopes[scope], Denied, "{case}");
                    assert!(matches!(truth, Denied | Unverifiable), "{case}");
                }
                Verdict::NotChecked => {}
                v => assert_eq!(*v, truth, "{case}"),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intended_creators_base_settles_every_scope_and_the_rest_is_implied() {
    let fake = FakeAirtable::start(large()).unwrap();
    let full = one(&fake, 1, &["Own00", "Seen0"], Depth::Full).await;
    // whoami, the list, every scope on Own00 (8 probes), records on Seen0 (its schema
    // names the table): nothing on the 30 others.
    assert_eq!(fake.stats().requests, 2 + 8 + 2);
    assert_eq!(full.requests, 12);
    // Seen0's other scopes are off the intent: implied from Own00 and the role.
    assert_eq!(on(&full, "Seen0").scopes["data.records:read"], Granted);
    assert_eq!(on(&full, "Seen0").scopes["webhook:manage"], Implied);
    assert_eq!(
        on(&full, "Seen0").scopes["data.records:write"],
        BlockedByRole
    );
    assert_eq!(on(&full, "Own05").scopes["data.records:write"], Implied);
    assert!(on(&full, "Own05").reasons["data.records:write"].contains("not probed here"));
    assert_eq!(
        on(&full, "Seen5").scopes["data.records:write"],
        BlockedByRole
    );
    assert_eq!(on(&full, "Seen5").scopes["data.records:read"], Implied);
    assert_eq!(on(&full, "Own05").requests, 0);
    // Still reached, still excess.
    assert!(on(&full, "Own05").reachable);
    assert_eq!(full.drift.excess_bases.as_ref().unwrap().len(), 30);
    // An admin's access says nothing of what it allows: nothing is implied there.
    let vault = on(&full, "Vault");
    assert_eq!(vault.scopes["data.records:write"], Verdict::NotChecked);
    assert!(vault.reasons["data.records:write"].contains("does not say what it allows"));
    let deep = one(&fake, 1, &["Own00", "Seen0"], Depth::Deep).await;
    agrees(&full, &deep);
    // Bare has no record to try comments on; the admin's Vault rules nothing out.
    assert_eq!(fake.stats().requests, 2 + 20 * 8 + 7 + 10 * 5 + 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_the_intended_bases_cannot_settle_is_tried_once_elsewhere() {
    let fake = FakeAirtable::start(large()).unwrap();
    // Meant only for Seen0, which Alice reads: the writes and the shares are tried on
    // one creator's base (after its schema names a table).
    let full = one(&fake, 1, &["Seen0"], Depth::Full).await;
    let stats = fake.stats();
    assert_eq!(stats.requests, 2 + 5 + (1 + 3), "{stats:#?}");
    assert_eq!(full.scopes["data.records:write"], Granted);
    let witnessed: Vec<&str> = full
        .bases
        .iter()
        .filter(|b| b.requests > 0 && !b.intended)
        .map(|b| b.id.as_str())
        .collect();
    assert_eq!(witnessed.len(), 1, "{witnessed:?}");
    let deep = one(&fake, 1, &["Seen0"], Depth::Deep).await;
    agrees(&full, &deep);
    // The reader lacks them, and comments, webhooks and views, which Seen0 refused; only
    // a creator's refusal shows a scope missing for every base, so one creator's base is
    // asked them all: its schema and first record name what to try, and its refusal of
    // comments reads that record again first.
    let reader = one(&fake, 2, &["Seen0"], Depth::Full).await;
    assert_eq!(fake.stats().requests, 2 + 5 + (2 + 6 + 1));
    assert_eq!(reader.scopes["data.records:write"], Denied);
    assert_eq!(on(&reader, "Own07").scopes["data.records:write"], Denied);
    assert_eq!(on(&reader, "Own07").scopes["data.records:read"], Implied);
    let deep = one(&fake, 2, &["Seen0"], Depth::Deep).await;
    agrees(&reader, &deep);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_meant_for_no_base_proves_its_scopes_within_the_bound() {
    let fake = FakeAirtable::start(large()).unwrap();
    let full = one(&fake, 1, &[], Depth::Full).await;
    // Within the bound (whoami, one page, at most 2 per provable scope, nothing
    // intended): one creator's base settles them all.
    assert_eq!(fake.stats().requests, 2 + 8);
    let deep = one(&fake, 1, &[], Depth::Deep).await;
    agrees(&full, &deep);
    assert!(full.bases.iter().all(|b| b.reachable));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_estimate_is_what_the_next_check_sends() {
    use patvault_core::check::estimate::estimate;
    use patvault_core::model::record::TokenRecord;
    let fake = FakeAirtable::start(large()).unwrap();
    let shapes: [(u32, &[&str]); 7] = [
        (1, &["Own00", "Seen0"]),
        (1, &["Seen0"]),
        (1, &[]),
        (2, &["Seen0", "Seen1"]),
        (2, &["Own03"]),
        (2, &[]),
        (3, &["Bare"]),
    ];
    for (n, (token, bases)) in shapes.into_iter().enumerate() {
        // What the estimate knows comes from the last check: a full one here.
        let first = one(&fake, token, bases, Depth::Full).await;
        let mut record = TokenRecord::new(
            intent(&["data.records:read"], bases),
            None,
            first.checked_at,
        );
        record.add_check(&first);
        // A deep check of every shape would take a minute: two of them make the point.
        let depths: &[Depth] = if n < 2 {
            &[Depth::Light, Depth::Full, Depth::Deep]
        } else {
            &[Depth::Light, Depth::Full]
        };
        for &depth in depths {
            let expected = estimate(std::slice::from_ref(&record), depth, &[]).requests;
            let next = one(&fake, token, bases, depth).await;
            let case = format!("token {token} on {bases:?}, {depth:?}");
            if depth == Depth::Deep {
                // A scope a creator's base shows missing is not asked of bases whose
                // request has not left yet: how many that spares depends on timing.
                assert!(
                    next.requests <= expected,
                    "{case}: {} > {expected}",
                    next.requests
                );
            } else {
                assert_eq!(next.requests, expected, "{case}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_an_intended_base_cannot_show_are_proven_on_a_record_elsewhere() {
    let fake = FakeAirtable::start(large()).unwrap();
    // Bare's table has no record: its comments cannot be tried there.
    let full = one(&fake, 3, &["Bare"], Depth::Full).await;
    assert_eq!(full.scopes["data.recordComments:read"], Granted);
    assert_eq!(
        on(&full, "Own04").scopes["data.recordComments:read"],
        Implied
    );
    let deep = one(&fake, 3, &["Bare"], Depth::Deep).await;
    agrees(&full, &deep);
}

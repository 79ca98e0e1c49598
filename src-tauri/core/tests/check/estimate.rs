//! The estimate against what the check then sends, on every account the benchmark
//! measures: exact from a full check's report to the next full check, with bases named to
//! probe or without; from a light check's, which shows no scope, within the tries a scope
//! the token lacks adds.

use chrono::NaiveDate;
use fake_airtable::FakeAirtable;
use fake_airtable::accounts::{self, Account, VaultToken};
use patvault_core::airtable::{ApiRoot, Client};
use patvault_core::check::estimate::estimate;
use patvault_core::check::{CheckJob, Depth, check_many};
use patvault_core::model::Verdict;
use patvault_core::model::record::{BaseIntent, TokenIntent, TokenRecord};
use patvault_core::secret::Secret;
use tokio_util::sync::CancellationToken;

use crate::support::{assert_consistent, quick};

/// Checks every token of the account as deep as `depth` says, probing the bases `also`
/// names in full, each record taking its report.
async fn check_all(
    client: &Client,
    tokens: &[VaultToken],
    records: &mut [TokenRecord],
    depth: Depth,
    also: &[String],
) {
    let jobs = tokens
        .iter()
        .zip(records.iter())
        .map(|(token, record)| CheckJob {
            id: record.id,
            intent: record.intent.clone(),
            secret: Ok(Secret::new(token.secret.clone())),
            user_hint: None,
            also: also.to_vec(),
        })
        .collect();
    let mut reports = Vec::new();
    check_many(client, jobs, depth, &CancellationToken::new(), |id, r| {
        reports.push((id, r))
    })
    .await;
    for (id, report) in reports {
        assert_consistent(&report);
        let record = records.iter_mut().find(|r| r.id == id).unwrap();
        record.add_check(&report);
    }
}

async fn holds(account: Account) {
    let Account {
        name,
        scenario,
        tokens,
    } = account;
    let fake = FakeAirtable::start(scenario).unwrap();
    let client = Client::new(ApiRoot::parse(&fake.url()).unwrap(), quick()).unwrap();
    let mut records: Vec<TokenRecord> = tokens
        .iter()
        .map(|token| {
            let intent = TokenIntent {
                scopes: token.meant.clone(),
                bases: token
                    .intended
                    .iter()
                    .map(|id| BaseIntent::id(id.clone()))
                    .collect(),
                ..TokenIntent::named("t", NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
            };
            TokenRecord::new(intent, None, chrono::Utc::now())
        })
        .collect();
    check_all(&client, &tokens, &mut records, Depth::Light, &[]).await;
    for round in [
        "after a light check",
        "after a full check",
        "with bases named",
    ] {
        let also = if round == "with bases named" {
            named_bases(&records)
        } else {
            Vec::new()
        };
        let expected: Vec<u32> = records
            .iter()
            .map(|r| estimate(std::slice::from_ref(r), Depth::Full, &also).requests)
            .collect();
        let whole = estimate(&records, Depth::Full, &also).requests;
        fake.reset_traffic();
        check_all(&client, &tokens, &mut records, Depth::Full, &also).await;
        for (record, expected) in records.iter().zip(&expected) {
            let report = record.last_report.as_ref().unwrap();
            let case = format!("{name}, {round}, {:?}", record.intent.scopes);
            if round != "after a light check" {
                assert_eq!(report.requests, *expected, "{case}");
                continue;
            }
            // A light check shows no scope: the estimate cannot know which the token
            // lacks. Each may take another base's try (comments a re-read too), or spare
            // the probe that needed what it would have read (comments need a record).
            let lacking = report
                .scopes
                .values()
                .filter(|v| !matches!(v, Verdict::Granted | Verdict::NotChecked))
                .count() as u32;
            assert!(
                (expected.saturating_sub(lacking)..=expected + 2 * lacking + 1)
                    .contains(&report.requests),
                "{case}: {} sent, {expected} estimated",
                report.requests
            );
        }
        if round != "after a light check" {
            assert_eq!(fake.stats().requests, u64::from(whole), "{name}: in all");
        }
        if round == "with bases named" {
            let asked = |r: &TokenRecord| {
                let bases = &r.last_report.as_ref().unwrap().bases;
                bases.iter().any(|b| also.contains(&b.id) && b.requests > 0)
            };
            assert!(records.iter().any(asked), "{name}: no named base was asked");
            for record in &records {
                let bases = &record.last_report.as_ref().unwrap().bases;
                let probed = bases.iter().filter(|b| also.contains(&b.id) && b.reachable);
                // Asked in full, intended or not: a named base never takes a verdict
                // from another.
                for base in probed {
                    assert!(
                        !base.scopes.values().any(|v| *v == Verdict::Implied),
                        "{name}: {} was named, yet implied",
                        base.id
                    );
                }
                let unlisted = bases.iter().find(|b| b.id == NOT_LISTED);
                if record.last_report.as_ref().unwrap().can_list_bases == Some(true) {
                    assert!(unlisted.is_some_and(|b| !b.reachable && b.requests == 0));
                }
            }
        }
    }
}

/// A base no account has: named, it shows as not reached, and costs nothing.
const NOT_LISTED: &str = "appNotListed00000";

/// The bases a user might name to probe: of each token, the first reached base it is not
/// meant for and the last by id it is meant for (asked only the intended scopes unless
/// it leads); and one no token lists.
fn named_bases(records: &[TokenRecord]) -> Vec<String> {
    let mut named: Vec<String> = records
        .iter()
        .filter_map(|r| r.last_report.as_ref())
        .flat_map(|report| {
            let reached = report.bases.iter().filter(|b| b.reachable);
            let unintended = reached.clone().find(|b| !b.intended);
            let intended = reached.filter(|b| b.intended).max_by_key(|b| &b.id);
            unintended.into_iter().chain(intended).map(|b| b.id.clone())
        })
        .collect();
    named.push(NOT_LISTED.into());
    named.sort();
    named.dedup();
    named
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_one_user_with_twenty_bases() {
    holds(accounts::one_user_twenty_bases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_two_users_sharing_twenty_bases() {
    holds(accounts::two_users_sharing_twenty_bases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_two_users_with_fifteen_bases_each() {
    holds(accounts::two_users_on_fifteen_bases_each()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_one_base_of_ten_tokens() {
    holds(accounts::one_base_ten_tokens()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_five_tokens_over_two_pages_of_bases() {
    holds(accounts::one_user_five_tokens_on_every_base()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_five_unlike_tokens_meant_for_the_same_bases() {
    holds(accounts::one_user_five_tokens_on_the_same_ten()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_three_unequal_users_and_a_revoked_token() {
    holds(accounts::three_unequal_users()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_five_hundred_bases() {
    holds(accounts::five_hundred_bases()).await;
}

//! The estimate against what the check then sends, on every account the benchmark
//! measures: exact from a full check's report to the next full check; from a light
//! check's, which shows no scope, within the tries a scope the token lacks adds.

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

/// Checks every token of the account as deep as `depth` says, each record taking its
/// report.
async fn check_all(
    client: &Client,
    tokens: &[VaultToken],
    records: &mut [TokenRecord],
    depth: Depth,
) {
    let jobs = tokens
        .iter()
        .zip(records.iter())
        .map(|(token, record)| CheckJob {
            id: record.id,
            intent: record.intent.clone(),
            secret: Ok(Secret::new(token.secret.clone())),
            user_hint: None,
            also: Vec::new(),
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
                    .map(|id| BaseIntent {
                        id: id.clone(),
                        label: None,
                        table: None,
                    })
                    .collect(),
                ..TokenIntent::named("t", NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
            };
            TokenRecord::new(intent, None, chrono::Utc::now())
        })
        .collect();
    check_all(&client, &tokens, &mut records, Depth::Light).await;
    for round in ["after a light check", "after a full check"] {
        let expected: Vec<u32> = records
            .iter()
            .map(|r| estimate(std::slice::from_ref(r), Depth::Full).requests)
            .collect();
        let whole = estimate(&records, Depth::Full).requests;
        fake.reset_traffic();
        check_all(&client, &tokens, &mut records, Depth::Full).await;
        for (record, expected) in records.iter().zip(&expected) {
            let report = record.last_report.as_ref().unwrap();
            let case = format!("{name}, {round}, {:?}", record.intent.scopes);
            if round == "after a full check" {
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
        if round == "after a full check" {
            assert_eq!(fake.stats().requests, u64::from(whole), "{name}: in all");
        }
    }
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

//! What the check tests share: intents in a line, quick client options, and a check
//! of numbered scenario tokens.

use std::time::Duration;

use chrono::NaiveDate;
use fake_airtable::FakeAirtable;
use fake_airtable::world::{id, pat};
use patvault_core::airtable::{ApiRoot, Client, ClientOptions};
use patvault_core::check::{CheckJob, check_many};
use patvault_core::model::CheckReport;
use patvault_core::model::record::{BaseIntent, TokenIntent};
use patvault_core::model::report::BaseReach;
use patvault_core::secret::Secret;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub fn intent(scopes: &[&str], bases: &[&str]) -> TokenIntent {
    TokenIntent {
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        bases: bases
            .iter()
            .map(|b| match b.split_once('/') {
                Some((base, table)) => BaseIntent {
                    id: id("app", base),
                    label: None,
                    table: Some(table.into()),
                },
                None => BaseIntent {
                    id: id("app", b),
                    label: None,
                    table: None,
                },
            })
            .collect(),
        ..TokenIntent::named("t", NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
    }
}

pub fn quick() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(2),
        rate_limit_pause: Duration::from_millis(400),
        retry_delay: Duration::from_millis(50),
        ..ClientOptions::default()
    }
}

/// Checks tokens (by number in the scenario) with their intents; reports in job order.
pub async fn check(
    fake: &FakeAirtable,
    tokens: Vec<(u32, TokenIntent)>,
    light: bool,
    options: ClientOptions,
) -> Vec<CheckReport> {
    let client = Client::new(ApiRoot::parse(&fake.url()).unwrap(), options).unwrap();
    let jobs: Vec<CheckJob> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, (n, intent))| CheckJob {
            // A job per entry: one token may be checked against several intents.
            id: Uuid::from_u128(i as u128),
            intent,
            secret: Ok(Secret::new(pat(n))),
            user_hint: None,
        })
        .collect();
    let order: Vec<Uuid> = jobs.iter().map(|j| j.id).collect();
    let mut reports = Vec::new();
    let finished = check_many(&client, jobs, light, &CancellationToken::new(), |id, r| {
        reports.push((id, r))
    })
    .await;
    assert!(finished);
    order
        .iter()
        .map(|id| reports.iter().find(|(i, _)| i == id).unwrap().1.clone())
        .collect()
}

/// A full check of one scenario token against `intent`, with quick options.
pub async fn check_one(fake: &FakeAirtable, token: u32, intent: TokenIntent) -> CheckReport {
    let [report] = check(fake, vec![(token, intent)], false, quick())
        .await
        .try_into()
        .unwrap();
    report
}

/// The report's verdicts on the scenario base named `base`.
pub fn on<'a>(report: &'a CheckReport, base: &str) -> &'a BaseReach {
    let base = id("app", base);
    report
        .bases
        .iter()
        .find(|b| b.id == base)
        .unwrap_or_else(|| panic!("{base} not in {report:#?}"))
}

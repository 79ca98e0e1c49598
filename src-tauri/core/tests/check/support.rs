//! What the check tests share: intents in a line, quick client options, and a check
//! of numbered scenario tokens.

use std::time::Duration;

use chrono::NaiveDate;
use fake_airtable::FakeAirtable;
use fake_airtable::world::{id, pat};
use patvault_core::airtable::{ApiRoot, Client, ClientOptions};
use patvault_core::check::{CheckJob, Depth, check_many};
use patvault_core::model::CheckReport;
use patvault_core::model::Verdict;
use patvault_core::model::record::{BaseIntent, TokenIntent};
use patvault_core::model::report::{BaseReach, FindingKind};
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
    depth: Depth,
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
            also: Vec::new(),
        })
        .collect();
    let order: Vec<Uuid> = jobs.iter().map(|j| j.id).collect();
    let mut reports = Vec::new();
    let finished = check_many(&client, jobs, depth, &CancellationToken::new(), |id, r| {
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
    let [report] = check(fake, vec![(token, intent)], Depth::Full, quick())
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

/// Scopes, per-base verdicts and drift agree: a missing scope is one the token lacks; a
/// blocked one is not, and every base it is blocked on refuses it by role or restriction
/// (or, the scope held, by Airtable); excess is granted; each finding is in its list.
pub fn assert_consistent(report: &CheckReport) {
    let d = &report.drift;
    for scope in &d.missing_scopes {
        assert_eq!(
            report.scopes[scope],
            Verdict::Denied,
            "{scope} missing but not denied: {d:#?}"
        );
        assert!(!d.blocked_on_bases.contains_key(scope), "{scope}: {d:#?}");
    }
    for (scope, bases) in &d.blocked_on_bases {
        let held = report.scopes[scope];
        assert_ne!(held, Verdict::Denied, "{scope} blocked but denied: {d:#?}");
        for base in bases {
            let here = report.bases.iter().find(|b| &b.id == base).unwrap();
            assert!(here.intended, "{base} is not intended");
            let verdict = here.scopes[scope];
            assert!(
                matches!(verdict, Verdict::BlockedByRole | Verdict::Restricted)
                    || (verdict == Verdict::Denied && held == Verdict::Granted),
                "{scope} on {base}: {verdict:?}"
            );
        }
    }
    for scope in &d.excess_scopes {
        assert_eq!(report.scopes[scope], Verdict::Granted, "{scope}");
    }
    for f in &d.findings {
        match f.kind {
            FindingKind::BlockedOnBase => assert!(
                d.blocked_on_bases[f.scope.as_ref().unwrap()].contains(f.base.as_ref().unwrap())
            ),
            FindingKind::MissingScope => {
                assert!(d.missing_scopes.contains(f.scope.as_ref().unwrap()))
            }
            _ => {}
        }
    }
}

//! From the verdicts on each base to the token as a whole, and from there to the drift
//! against intent (`judge`): what will break (missing, or blocked on some bases) and
//! what is over-privileged (excess), each with its cause and the change to make in
//! Airtable.

mod judge;
#[cfg(test)]
mod tests;

use super::catalog::{BASE_SCOPES, base_scope};
use crate::model::record::TokenIntent;
use crate::model::report::{BaseReach, CheckReport, CheckStatus};
use crate::model::verdict::Verdict;
use judge::{base_label, drift};

/// Fills in the token-wide verdicts, the drift and the status of a report whose bases
/// have been looked at.
pub fn conclude(report: &mut CheckReport, intent: &TokenIntent) {
    token_verdicts(report);
    report.drift = drift(report, intent);
    status_and_error(report, intent);
}

/// Each base scope's verdict for the whole token, from its verdicts on the bases.
fn token_verdicts(report: &mut CheckReport) {
    for (scope, verdict) in report.scopes.iter_mut() {
        if matches!(scope.as_str(), "user.email:read" | "schema.bases:read") {
            continue;
        }
        *verdict = match base_scope(scope) {
            Some(_) if report.light => Verdict::NotChecked,
            Some(_) => token_verdict(scope, &report.bases),
            None => Verdict::Unverifiable,
        };
    }
}

/// The status, and the failures in words: a spent quota first, then any other failure.
fn status_and_error(report: &mut CheckReport, intent: &TokenIntent) {
    let problems = problems(report);
    let spent: Vec<String> = report
        .bases
        .iter()
        .filter(|b| b.quota_exhausted)
        .map(|b| base_label(report, intent, &b.id))
        .collect();
    // A spent quota outranks drift: until the month ends the base's data cannot be
    // checked, and the user's own integrations fail on it too.
    report.status = if !spent.is_empty() {
        CheckStatus::Error
    } else if !report.drift.is_empty() {
        CheckStatus::Drift
    } else if !problems.is_empty() {
        CheckStatus::Error
    } else {
        CheckStatus::Ok
    };
    let mut error = Vec::new();
    if !spent.is_empty() {
        error.push(format!(
            "the monthly Airtable API quota is used up for the workspace of {}: its data \
             cannot be read, by this check or by any integration, until the month ends. \
             Wait for the next month, or move the base to a plan with more API calls",
            spent.join(", ")
        ));
    }
    let others: Vec<&String> = problems
        .iter()
        .filter(|p| !p.contains(QUOTA_WORDS))
        .collect();
    if !others.is_empty() {
        error.push(format!(
            "some requests failed: {}",
            others
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if !error.is_empty() {
        report.error = Some(error.join(". "));
    }
}

/// How a quota failure's reason begins, so it is said once for the token, not per scope.
const QUOTA_WORDS: &str = "monthly Airtable API quota";

/// A scope for the whole token: granted somewhere wins; denied needs a denial on every
/// reachable base where the role allowed it; a role that forbids it everywhere is the
/// role's doing.
fn token_verdict(scope: &str, bases: &[BaseReach]) -> Verdict {
    let seen: Vec<Verdict> = bases
        .iter()
        .filter(|b| b.reachable)
        .filter_map(|b| b.scopes.get(scope).copied())
        .collect();
    let any = |v: Verdict| seen.contains(&v);
    if any(Verdict::Granted) {
        Verdict::Granted
    } else if any(Verdict::Error) {
        Verdict::Error
    } else if any(Verdict::Restricted) {
        Verdict::Restricted
    } else if any(Verdict::Denied) {
        Verdict::Denied
    } else if any(Verdict::BlockedByRole) && !any(Verdict::Unverifiable) {
        Verdict::BlockedByRole
    } else {
        Verdict::Unverifiable
    }
}

/// Every request that failed for a reason other than permission, in words.
fn problems(report: &CheckReport) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for base in &report.bases {
        for s in BASE_SCOPES {
            if base.scopes.get(s.scope) == Some(&Verdict::Error) {
                let why = base.reasons.get(s.scope).cloned().unwrap_or_default();
                let line = format!("{} on {}: {why}", s.scope, base.id);
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
    }
    out
}

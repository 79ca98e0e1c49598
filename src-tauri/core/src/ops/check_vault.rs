//! A check of tokens in the vault, as the CLI and the app run it: their secrets come
//! from the keychain (off the async threads), each report is compared with what the
//! token's earlier checks showed, kept in the inventory as it arrives and then handed to
//! the caller.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use tokio_util::sync::CancellationToken;

use crate::airtable::Client;
use crate::check::change::reach_change;
use crate::check::{CheckJob, Depth, check_many};
use crate::model::record::TokenRecord;
use crate::model::report::CheckReport;
use crate::vault::Vault;
use crate::vault::VaultError;

/// Checks `tokens`; `on_report` sees each token's record (as it was when the check
/// started) with its report and whether keeping it worked. Returns false when cancelled.
/// Needs a multi-threaded runtime.
pub async fn check_in_vault(
    vault: Arc<Vault>,
    client: &Client,
    tokens: Vec<TokenRecord>,
    depth: Depth,
    also: &[String],
    cancel: &CancellationToken,
    mut on_report: impl FnMut(&TokenRecord, &CheckReport, Result<(), VaultError>),
) -> bool {
    let mut jobs = Vec::new();
    for token in &tokens {
        let (vault, id) = (vault.clone(), token.id);
        let secret = tokio::task::spawn_blocking(move || vault.secret(id))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        jobs.push(CheckJob {
            id: token.id,
            intent: token.intent.clone(),
            secret,
            also: also.to_vec(),
            user_hint: token
                .last_report
                .as_ref()
                .and_then(|r| r.user.as_ref())
                .map(|u| u.id.clone()),
        });
        if cancel.is_cancelled() {
            return false;
        }
    }
    check_many(client, jobs, depth, cancel, |id, mut report| {
        let token = tokens.iter().find(|t| t.id == id).expect("a job per token");
        report.changed_since_last = token
            .known_reach()
            .and_then(|known| reach_change(&known, &report));
        // A short locked write of the inventory; the runtime has other threads meanwhile.
        let saved = tokio::task::block_in_place(|| vault.record_check(id, &report));
        on_report(token, &report, saved);
    })
    .await
}

/// The tokens the daily check looks at `now`: those not checked for 23 hours or more.
/// Hourly looks then check each token about once a day without drifting later.
pub fn due_for_daily_check(tokens: Vec<TokenRecord>, now: DateTime<Utc>) -> Vec<TokenRecord> {
    tokens
        .into_iter()
        .filter(|t| {
            t.checks
                .last()
                .is_none_or(|c| now - c.checked_at >= TimeDelta::hours(23))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::record::TokenIntent;
    use crate::model::{CheckEntry, CheckStatus};

    fn token(name: &str, checked_hours_ago: Option<i64>, now: DateTime<Utc>) -> TokenRecord {
        TokenRecord {
            id: uuid::Uuid::new_v4(),
            token_id: None,
            created_at: now,
            intent: TokenIntent::named(name, now.date_naive()),
            last_report: None,
            checks: checked_hours_ago
                .map(|h| CheckEntry {
                    checked_at: now - TimeDelta::hours(h),
                    light: false,
                    status: CheckStatus::Ok,
                    reachable_bases: 1,
                    missing: 0,
                    excess: 0,
                    error: None,
                })
                .into_iter()
                .collect(),
            known_reach: None,
            rotations: Vec::new(),
            updates_pending: Vec::new(),
            old_secret_kept: false,
            found_in: Vec::new(),
            dismissed_places: Vec::new(),
        }
    }

    #[test]
    fn the_daily_check_takes_tokens_unchecked_for_a_day_or_never_checked() {
        let now = Utc::now();
        let tokens = vec![
            token("never", None, now),
            token("an hour ago", Some(1), now),
            token("22 hours ago", Some(22), now),
            token("23 hours ago", Some(23), now),
            token("last week", Some(24 * 7), now),
        ];
        let names: Vec<String> = due_for_daily_check(tokens, now)
            .into_iter()
            .map(|t| t.intent.name)
            .collect();
        assert_eq!(names, ["never", "23 hours ago", "last week"]);
    }
}

//! Checking many tokens at once: all concurrently (the client's pacer keeps them under
//! the rate limits together), each report handed over as soon as it is ready, the whole
//! run cancellable.

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::probe::{Depth, check_token};
use crate::airtable::Client;
use crate::model::record::TokenIntent;
use crate::model::report::{CheckReport, CheckStatus};
use crate::secret::Secret;

pub struct CheckJob {
    pub id: Uuid,
    pub intent: TokenIntent,
    /// The secret, or why the keychain would not give it.
    pub secret: Result<Secret, String>,
    /// The token's user from its last check, so whoami spends the right budget.
    pub user_hint: Option<String>,
    /// Bases to probe in full beside the intended ones (`check --base`, or picked in the
    /// app): their verdicts are asked, not implied, and they stay unintended.
    pub also: Vec<String>,
}

/// A check of one secret that is not (or not yet) the vault's: a rotation's new secret,
/// or a token about to be added.
pub async fn check_secret(
    client: &Client,
    intent: &TokenIntent,
    secret: &Secret,
    user_hint: Option<String>,
    depth: Depth,
) -> CheckReport {
    check_token(&client.caller(secret, user_hint), intent, depth, &[]).await
}

/// Checks every job, calling `on_report` as each finishes; returns false when cancelled
/// before the end.
pub async fn check_many(
    client: &Client,
    jobs: Vec<CheckJob>,
    depth: Depth,
    cancel: &CancellationToken,
    mut on_report: impl FnMut(Uuid, CheckReport),
) -> bool {
    let mut running: FuturesUnordered<_> = jobs
        .into_iter()
        .map(|job| async move {
            let report = match &job.secret {
                Ok(secret) => {
                    let caller = client.caller(secret, job.user_hint.clone());
                    check_token(&caller, &job.intent, depth, &job.also).await
                }
                Err(why) => unreadable(why, depth == Depth::Light),
            };
            (job.id, report)
        })
        .collect();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return false,
            next = running.next() => match next {
                Some((id, report)) => on_report(id, report),
                None => return true,
            },
        }
    }
}

fn unreadable(why: &str, light: bool) -> CheckReport {
    CheckReport {
        status: CheckStatus::Error,
        scopes: Default::default(),
        error: Some(format!("its secret could not be read: {why}")),
        ..CheckReport::started(light)
    }
}

//! A new token's intent from its reach: a full check of the secret alone, before it is
//! in the vault, made into the intent it would have if it were meant to do what it can.

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::airtable::Client;
use crate::check::adopt::{AdoptError, adopt_reach, judged_against};
use crate::check::{CheckJob, check_many};
use crate::model::CheckReport;
use crate::model::record::TokenIntent;
use crate::secret::Secret;

/// Checks `secret` (a full check: every base it lists, every scope a request proves)
/// and gives `intent` with the scopes and bases it was found to reach, and the report
/// judged against that intent.
pub async fn intent_from_reach(
    client: &Client,
    intent: TokenIntent,
    secret: &Secret,
) -> Result<(TokenIntent, CheckReport), AdoptError> {
    let job = CheckJob {
        id: Uuid::new_v4(),
        intent: intent.clone(),
        secret: Ok(secret.clone()),
        user_hint: None,
    };
    let mut report = None;
    check_many(
        client,
        vec![job],
        false,
        &CancellationToken::new(),
        |_, r| report = Some(r),
    )
    .await;
    let report = report.expect("one job, one report");
    let adopted = adopt_reach(&intent, &report)?;
    let report = judged_against(&report, &adopted);
    Ok((adopted, report))
}

//! A check of tokens in the vault, as the CLI and the app run it: their secrets come
//! from the keychain (off the async threads), each report is kept in the inventory as it
//! arrives and then handed to the caller.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::report::CheckReport;
use super::run::{CheckJob, check_many};
use crate::airtable::Client;
use crate::error::VaultError;
use crate::vault::Vault;
use crate::vault::record::TokenRecord;

/// Checks `tokens`; `on_report` sees each token's record (as it was when the check
/// started) with its report and whether keeping it worked. Returns false when cancelled.
/// Needs a multi-threaded runtime.
pub async fn check_in_vault(
    vault: Arc<Vault>,
    client: &Client,
    tokens: Vec<TokenRecord>,
    light: bool,
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
    check_many(client, jobs, light, cancel, |id, report| {
        let token = tokens.iter().find(|t| t.id == id).expect("a job per token");
        // A short locked write of the inventory; the runtime has other threads meanwhile.
        let saved = tokio::task::block_in_place(|| vault.record_check(id, &report));
        on_report(token, &report, saved);
    })
    .await
}

//! `patvault rotate NAME [--force]`: the new secret comes on standard input. It is checked
//! live first (the same user as before? does it still reach what is intended?) and
//! refused otherwise unless `--force`; then swapped in (see `vault::rotate`); then the old
//! secret is checked: revoked, or still alive and to be deleted in Airtable. `--finish`
//! ends a rotation interrupted before that last step.

use std::collections::BTreeSet;

use tokio_util::sync::CancellationToken;

use super::check::runtime;
use crate::airtable::{ApiError, ApiRoot, Client, ClientOptions};
use crate::check::{CheckJob, CheckReport, CheckStatus, check_many};
use crate::error::VaultError;
use crate::secret::Secret;
use crate::vault::record::TokenRecord;
use crate::vault::{UnusualShape, Vault, today};

const TOKENS_PAGE: &str = "https://airtable.com/create/tokens";

/// The new secret's check, beside the user the old secret belonged to (when known).
struct Checked {
    old_user: Option<String>,
    report: CheckReport,
}

pub fn rotate(
    vault: Vault,
    record: TokenRecord,
    new: Option<Secret>,
    force: bool,
) -> Result<i32, VaultError> {
    let root = ApiRoot::from_env().map_err(VaultError::Invalid)?;
    runtime()?.block_on(async {
        let client = Client::new(root, ClientOptions::from_env())
            .map_err(|e| VaultError::Invalid(e.to_string()))?;
        if let Some(new) = new {
            let checked = check_new(&vault, &client, &record, &new).await?;
            if checked.old_user.is_none() {
                println!(
                    "The old secret's user is unknown (never checked, and it no longer answers): \
                     whether the new one is the same user's was not tested."
                );
            }
            if let Some(refusal) = refusal(&record, &checked, force) {
                eprintln!("patvault: {refusal}. Nothing was changed; --force swaps anyway.");
                return Ok(1);
            }
            let saved = vault.rotate(record.id, &new, UnusualShape::Accept, today())?;
            super::warn(saved.warning);
            if let Err(e) = vault.record_check(record.id, &checked.report) {
                eprintln!("patvault: the new secret's check was not kept: {e}");
            }
            println!(
                "Rotated “{}”: the new secret is in the keychain, last rotated today.",
                record.intent.name
            );
        }
        check_old(&vault, &client, &record).await?;
        if !record.intent.used_by.is_empty() {
            println!("Now update it where it is used:");
            for place in &record.intent.used_by {
                println!("  [ ] {place}");
            }
        }
        Ok(0)
    })
}

/// The old secret's user, from the last check or asked now.
async fn old_user(vault: &Vault, client: &Client, record: &TokenRecord) -> Option<String> {
    if let Some(user) = record.last_report.as_ref().and_then(|r| r.user.as_ref()) {
        return Some(user.id.clone());
    }
    let old = vault.secret(record.id).ok()?;
    client.caller(&old, None).whoami().await.ok().map(|w| w.id)
}

async fn check_new(
    vault: &Vault,
    client: &Client,
    record: &TokenRecord,
    new: &Secret,
) -> Result<Checked, VaultError> {
    let before = old_user(vault, client, record).await;
    let job = CheckJob {
        id: record.id,
        intent: record.intent.clone(),
        secret: Ok(new.clone()),
        user_hint: before.clone(),
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
    match report.status {
        CheckStatus::Invalid => Err(VaultError::Invalid(format!(
            "Airtable does not accept the new secret ({}); nothing was changed",
            report.error.as_deref().unwrap_or("401")
        ))),
        CheckStatus::Error if report.user.is_none() => Err(VaultError::Invalid(format!(
            "the new secret could not be checked ({}); nothing was changed",
            report.error.as_deref().unwrap_or("unknown error")
        ))),
        _ => {
            print_diff(record, &report);
            Ok(Checked {
                old_user: before,
                report,
            })
        }
    }
}

fn reached(report: &CheckReport) -> BTreeSet<String> {
    report
        .bases
        .iter()
        .filter(|b| b.reachable)
        .map(|b| b.name.clone().unwrap_or_else(|| b.id.clone()))
        .collect()
}

fn print_diff(record: &TokenRecord, new: &CheckReport) {
    let user = new.user.as_ref().map_or("unknown".into(), |u| {
        u.email.clone().unwrap_or_else(|| u.id.clone())
    });
    println!("New secret: user {user}, status {}.", new.status.name());
    if let Some(old) = record.last_report.as_ref() {
        let (before, after) = (reached(old), reached(new));
        for gone in before.difference(&after) {
            println!("  - no longer reaches {gone}");
        }
        for added in after.difference(&before) {
            println!("  + now reaches {added}");
        }
    }
    for f in new.drift.findings.iter() {
        println!("  {}", f.explanation);
    }
}

/// Why the swap should not happen, unless forced.
fn refusal(record: &TokenRecord, checked: &Checked, force: bool) -> Option<String> {
    let (before, report) = (&checked.old_user, &checked.report);
    let after = report.user.as_ref().map(|u| u.id.clone());
    let mut why = Vec::new();
    if before.is_some() && after != *before {
        why.push(format!(
            "the new secret belongs to another user ({} instead of {})",
            after.as_deref().unwrap_or("unknown"),
            before.as_deref().unwrap_or("unknown")
        ));
    }
    let d = &report.drift;
    let lost: Vec<&String> = d.missing_scopes.iter().chain(&d.missing_bases).collect();
    if !lost.is_empty() {
        why.push(format!(
            "it does not reach all that “{}” is meant to: {}",
            record.intent.name,
            lost.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    (!why.is_empty() && !force).then(|| why.join("; "))
}

/// Asks Airtable about the old secret, says what it found, then forgets the secret.
async fn check_old(vault: &Vault, client: &Client, record: &TokenRecord) -> Result<(), VaultError> {
    let old = vault.previous_secret(record.id)?;
    match client.caller(&old, None).whoami().await {
        Err(ApiError::Unauthorized) => println!("The old secret is revoked: Airtable refuses it."),
        Ok(_) => println!(
            "WARNING: the old token still works. Delete it in Airtable ({TOKENS_PAGE}) once nothing uses it."
        ),
        Err(e) => println!(
            "The old secret could not be checked ({e}): make sure it is deleted in Airtable ({TOKENS_PAGE})."
        ),
    }
    vault.forget_previous(record.id)
}

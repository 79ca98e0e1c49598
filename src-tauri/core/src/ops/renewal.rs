//! The live half of a rotation, shared by the app and the CLI: the new secret is checked
//! before anything changes (the same user? the intended reach?), and the old one after
//! the swap (revoked, or still alive). `swap` puts a checked secret in, through
//! `Vault::rotate`, and keeps its check.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::airtable::{ApiError, Client};
use crate::check::{Depth, check_secret};
use crate::error::{ErrorKind, UserError};
use crate::model::record::TokenRecord;
use crate::model::{CheckReport, CheckStatus};
use crate::scopes::TOKENS_PAGE;
use crate::secret::Secret;
use crate::vault::{Saved, UnusualShape, Vault, VaultError, today};

#[derive(Debug, thiserror::Error)]
pub enum RenewalError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Airtable refuses the new secret.
    #[error("Airtable does not accept the new secret ({0}); nothing was changed")]
    NewSecretRefused(String),
    /// Airtable could not say anything of the new secret.
    #[error("the new secret could not be checked ({0}); nothing was changed")]
    NewSecretUnchecked(String),
    /// The new secret's check found reasons not to swap, and the user did not insist.
    #[error("{}. Nothing was changed.", .0.join("; "))]
    Refused(Vec<String>),
}

impl UserError for RenewalError {
    fn kind(&self) -> ErrorKind {
        match self {
            RenewalError::Vault(e) => e.kind(),
            RenewalError::NewSecretRefused(_) => ErrorKind::NewSecretRefused,
            RenewalError::NewSecretUnchecked(_) => ErrorKind::AirtableUnavailable,
            RenewalError::Refused(_) => ErrorKind::RotationRefused,
        }
    }
}

/// What the new secret can do, against what the old one could.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct NewSecretCheck {
    /// The old secret's user id, from its last check or asked now; None if unknown.
    pub old_user: Option<String>,
    pub report: CheckReport,
    /// Bases the old secret reached at its last check and the new one does not.
    pub lost_bases: Vec<String>,
    /// Bases the new secret reaches and the old one did not.
    pub gained_bases: Vec<String>,
    /// Why the swap should not happen unless the user insists; empty when it may.
    pub refusals: Vec<String>,
}

/// What Airtable says of the old secret once the new one is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OldSecret {
    /// Airtable refuses it: nothing can use it any more.
    Revoked,
    /// It still works: it should be deleted in Airtable once nothing uses it.
    StillWorks,
    /// Airtable could not be asked.
    Unknown { error: String },
}

impl OldSecret {
    pub fn describe(&self) -> String {
        match self {
            OldSecret::Revoked => "The old secret is revoked: Airtable refuses it.".into(),
            OldSecret::StillWorks => format!(
                "The old token still works. Delete it in Airtable ({TOKENS_PAGE}) once nothing uses it."
            ),
            OldSecret::Unknown { error } => format!(
                "The old secret could not be checked ({error}): make sure it is deleted in Airtable ({TOKENS_PAGE})."
            ),
        }
    }
}

/// Checks `new` as the next secret of `record`. An error means nothing can be said of
/// it (refused by Airtable, or Airtable unreachable): the rotation must not go on.
pub async fn check_new_secret(
    vault: &Vault,
    client: &Client,
    record: &TokenRecord,
    new: &Secret,
) -> Result<NewSecretCheck, RenewalError> {
    // Refused before a request is spent: the swap would refuse it anyway.
    if record.old_secret_kept {
        return Err(VaultError::RotationUnfinished(record.intent.name.clone()).into());
    }
    let old_user = old_user(vault, client, record).await;
    let report = check_secret(client, &record.intent, new, old_user.clone(), Depth::Full).await;
    match report.status {
        CheckStatus::Invalid => {
            return Err(RenewalError::NewSecretRefused(
                report.error.unwrap_or_else(|| "401".into()),
            ));
        }
        CheckStatus::Error if report.user.is_none() => {
            return Err(RenewalError::NewSecretUnchecked(
                report.error.unwrap_or_else(|| "unknown error".into()),
            ));
        }
        _ => {}
    }
    let (before, after) = (
        record.last_report.as_ref().map(reached).unwrap_or_default(),
        reached(&report),
    );
    let refusals = refusals(record, old_user.as_deref(), &report);
    Ok(NewSecretCheck {
        old_user,
        lost_bases: before.difference(&after).cloned().collect(),
        gained_bases: after.difference(&before).cloned().collect(),
        refusals,
        report,
    })
}

/// What a swap did: the secret is in; keeping its check may have failed, which loses
/// nothing but the check.
pub struct Swapped {
    pub saved: Saved,
    pub check_not_kept: Option<VaultError>,
}

/// Puts `new`, checked as `checked`, in as the secret of token `id`, and keeps its
/// check. Refused when the check found a reason, unless `force`.
pub fn swap(
    vault: &Vault,
    id: uuid::Uuid,
    new: &Secret,
    checked: &NewSecretCheck,
    force: bool,
) -> Result<Swapped, RenewalError> {
    if !checked.refusals.is_empty() && !force {
        return Err(RenewalError::Refused(checked.refusals.clone()));
    }
    let saved = vault.rotate(id, new, UnusualShape::Accept, today())?;
    Ok(Swapped {
        saved,
        check_not_kept: vault.record_check(id, &checked.report).err(),
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

fn reached(report: &CheckReport) -> BTreeSet<String> {
    report
        .bases
        .iter()
        .filter(|b| b.reachable)
        .map(|b| b.name.clone().unwrap_or_else(|| b.id.clone()))
        .collect()
}

fn refusals(record: &TokenRecord, before: Option<&str>, report: &CheckReport) -> Vec<String> {
    let after = report.user.as_ref().map(|u| u.id.as_str());
    let mut why = Vec::new();
    if before.is_some() && after != before {
        why.push(format!(
            "the new secret belongs to another user ({} instead of {})",
            after.unwrap_or("unknown"),
            before.unwrap_or("unknown")
        ));
    }
    let d = &report.drift;
    let lost: Vec<&str> = d
        .missing_scopes
        .iter()
        .chain(&d.missing_bases)
        .map(String::as_str)
        .collect();
    if !lost.is_empty() {
        why.push(format!(
            "it does not reach all that “{}” is meant to: {}",
            record.intent.name,
            lost.join(", ")
        ));
    }
    why
}

/// Asks Airtable about the old secret kept during the rotation of token `id`. A revoked
/// secret is forgotten at once; one still alive (or not answered for) is kept so the
/// user can check again, until `Vault::forget_previous`.
pub async fn check_old_secret(
    vault: &Vault,
    client: &Client,
    id: uuid::Uuid,
) -> Result<OldSecret, VaultError> {
    let old = vault.previous_secret(id)?;
    let state = match client.caller(&old, None).whoami().await {
        Err(ApiError::Unauthorized) => OldSecret::Revoked,
        Ok(_) => OldSecret::StillWorks,
        Err(e) => OldSecret::Unknown {
            error: e.to_string(),
        },
    };
    if state == OldSecret::Revoked {
        vault.forget_previous(id)?;
    }
    Ok(state)
}

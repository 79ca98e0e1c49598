//! Intent from reach: a new token's, from a full check of its secret before it is in
//! the vault; a kept token's, from its last check, all at once or one finding at a time.
//! A kept token's last report is judged again against its new intent, so its page
//! shows no drift that the new intent has settled.

use uuid::Uuid;

use crate::airtable::Client;
use crate::check::adopt::{AdoptError, adopt_finding, adopt_reach, judged_against};
use crate::check::check_secret;
use crate::error::{ErrorKind, UserError};
use crate::model::CheckReport;
use crate::model::record::TokenIntent;
use crate::model::record::TokenRecord;
use crate::secret::Secret;
use crate::vault::{Vault, VaultError};

/// Checks `secret` (a full check: every base it lists, every scope a request proves)
/// and gives `intent` with the scopes and bases it was found to reach, and the report
/// judged against that intent.
pub async fn intent_from_reach(
    client: &Client,
    intent: TokenIntent,
    secret: &Secret,
) -> Result<(TokenIntent, CheckReport), AdoptError> {
    let report = check_secret(client, &intent, secret, None).await;
    let adopted = adopt_reach(&intent, &report)?;
    let report = judged_against(&report, &adopted);
    Ok((adopted, report))
}

#[derive(Debug, thiserror::Error)]
pub enum AdoptInVaultError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Adopt(#[from] AdoptError),
    #[error("that finding is no longer in the token's last check: reopen the token")]
    FindingGone,
}

impl UserError for AdoptInVaultError {
    fn kind(&self) -> ErrorKind {
        match self {
            AdoptInVaultError::Vault(e) => e.kind(),
            AdoptInVaultError::Adopt(e) => e.kind(),
            AdoptInVaultError::FindingGone => ErrorKind::NotFound,
        }
    }
}

/// Which part of the last check to make the intent.
pub enum Adopt<'a> {
    /// Everything it found.
    All,
    /// The finding with this kind, scope and base.
    Finding(&'a crate::model::report::Finding),
}

/// Makes the last check's reach (or one of its findings) token `id`'s intent.
pub fn adopt_in_vault(
    vault: &Vault,
    id: Uuid,
    what: Adopt,
) -> Result<TokenRecord, AdoptInVaultError> {
    let record = vault.get(id)?;
    let report = record.last_report.clone().ok_or(AdoptError::NeverChecked)?;
    let intent = match what {
        Adopt::All => adopt_reach(&record.intent, &report)?,
        Adopt::Finding(asked) => {
            let finding = report
                .drift
                .findings
                .iter()
                .find(|f| f.kind == asked.kind && f.scope == asked.scope && f.base == asked.base)
                .ok_or(AdoptInVaultError::FindingGone)?;
            adopt_finding(&record.intent, &report, finding)
        }
    };
    Ok(vault.edit_and(id, intent, |token| {
        token.last_report = Some(judged_against(&report, &token.intent));
    })?)
}

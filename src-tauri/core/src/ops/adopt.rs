//! Intent from reach: a new token's, from a full check of its secret before it is in
//! the vault; a kept token's, from its last check, all at once or one finding at a time.
//! A kept token's last report is judged again against its new intent, so its page
//! shows no drift that the new intent has settled.

use uuid::Uuid;

use crate::airtable::Client;
use crate::check::adopt::{AdoptError, adopt_finding, adopt_reach, judged_against};
use crate::check::{Depth, check_secret};
use crate::error::{ErrorKind, UserError};
use crate::model::CheckReport;
use crate::model::record::TokenIntent;
use crate::model::record::TokenRecord;
use crate::model::record::{BaseIntent, InvalidIntent};
use crate::secret::Secret;
use crate::secret::Shape;
use crate::vault::today;
use crate::vault::{Vault, VaultError};

/// Checks `secret` (a full check: every base it lists, every scope a request proves)
/// and gives `intent` with the scopes and bases it was found to reach, and the report
/// judged against that intent.
pub async fn intent_from_reach(
    client: &Client,
    intent: TokenIntent,
    secret: &Secret,
) -> Result<(TokenIntent, CheckReport), AdoptError> {
    let report = check_secret(client, &intent, secret, None, Depth::Full).await;
    let adopted = adopt_reach(&intent, &report)?;
    let report = judged_against(&report, &adopted);
    Ok((adopted, report))
}

/// A pasted secret, checked lightly for the add form: who it is and the bases it lists,
/// with their names and roles. A secret the vault would refuse sends nothing.
pub async fn look_up(client: &Client, secret: &Secret) -> Result<CheckReport, InvalidIntent> {
    if let Shape::Refused(why) = secret.shape() {
        return Err(InvalidIntent(why));
    }
    let intent = TokenIntent::named("new token", today());
    Ok(check_secret(client, &intent, secret, None, Depth::Light).await)
}

/// The scopes that work on the bases the user chose for a new secret: a full check of
/// those bases alone, so the others cost nothing.
pub async fn scopes_on(
    client: &Client,
    secret: &Secret,
    bases: Vec<BaseIntent>,
) -> Result<(Vec<String>, CheckReport), AdoptError> {
    let intent = TokenIntent {
        bases,
        ..TokenIntent::named("new token", today())
    };
    let report = check_secret(client, &intent, secret, None, Depth::Intended).await;
    let scopes = adopt_reach(&intent, &report)?.scopes;
    Ok((scopes, report))
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

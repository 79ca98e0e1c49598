//! Swapping in a rotated secret without ever leaving a token half-rotated. The old
//! secret moves to an entry of its own (`ID.previous`) until the old token has been
//! checked; the new one takes the token's entry; the record then takes the new token ID,
//! the rotation date and a history line. A failure at any step puts the old state back:
//! either nothing changed, or everything did. The places the token is used are then
//! kept as a checklist until each has the new secret.

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::keychain::KeychainError;
use super::{Saved, UnusualShape, Vault, check_shape, find_mut};
use crate::model::record::{RotationEntry, TokenRecord};
use crate::secret::Secret;
use crate::vault::VaultError;

/// The keychain account that holds a token's old secret during its rotation.
pub fn previous_account(id: Uuid) -> String {
    format!("{id}.previous")
}

impl Vault {
    /// Rotates token `id` to `new`, rotated on `on`.
    pub fn rotate(
        &self,
        id: Uuid,
        new: &Secret,
        unusual: UnusualShape,
        on: NaiveDate,
    ) -> Result<Saved, VaultError> {
        let _writing = self.writing();
        let (token_id, warning) = check_shape(new, unusual)?;
        let record = self.get(id)?;
        let account = id.to_string();
        let previous = previous_account(id);
        // The old secret of an earlier rotation is never overwritten.
        let earlier = match self.keychain.read(&previous) {
            Ok(_) => true,
            Err(KeychainError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if earlier || record.old_secret_kept {
            return Err(VaultError::RotationUnfinished(record.intent.name));
        }
        let old = self.keychain.read(&account)?;
        // Each store that outlives its wait is settled on the keychain's worker when it
        // ends: the token is left as it was, with its one entry.
        let late = previous.clone();
        self.keychain
            .store_then(&previous, &old, move |k, stored| {
                if stored.is_ok() {
                    let _ = k.delete(&late);
                }
            })?;
        let (late_account, late_previous, late_old) =
            (account.clone(), previous.clone(), old.clone());
        let swapped = self.keychain.store_then(&account, new, move |k, stored| {
            if stored.is_ok() {
                let _ = k.store(&late_account, &late_old);
            }
            let _ = k.delete(&late_previous);
        });
        if let Err(e) = swapped {
            if !matches!(e, KeychainError::OutcomeUnknown(_)) {
                let _ = self.keychain.delete(&previous);
            }
            return Err(e.into());
        }
        let written = self.inventory.update(|tokens| {
            let token = find_mut(tokens, id)?;
            token.rotations.push(RotationEntry {
                at: Utc::now(),
                from: token.token_id.clone(),
                to: token_id.clone(),
            });
            token.token_id = token_id.clone();
            token.intent.last_rotated = on;
            token.updates_pending = token
                .intent
                .used_by
                .iter()
                .map(|c| c.label.clone())
                .collect();
            token.old_secret_kept = true;
            Ok(token.clone())
        });
        match written {
            Ok(record) => Ok(Saved { record, warning }),
            Err(e) => {
                // Back to the old state. Should the keychain refuse that too, the old
                // secret stays under its own entry and `doctor` names it.
                if self.keychain.store(&account, &old).is_ok() {
                    let _ = self.keychain.delete(&previous);
                }
                Err(e)
            }
        }
    }

    /// The old secret of a token being rotated.
    pub fn previous_secret(&self, id: Uuid) -> Result<Secret, VaultError> {
        self.keychain
            .read(&previous_account(id))
            .map_err(|e| match e {
                KeychainError::NotFound => VaultError::OldSecretGone,
                e => e.into(),
            })
    }

    /// Ticks `place` off the places still to be given the new secret.
    pub fn tick_update(&self, id: Uuid, place: &str) -> Result<TokenRecord, VaultError> {
        self.inventory.update(|tokens| {
            let token = find_mut(tokens, id)?;
            token.updates_pending.retain(|p| p != place);
            Ok(token.clone())
        })
    }

    /// Deletes the old secret once the old token has been checked.
    pub fn forget_previous(&self, id: Uuid) -> Result<(), VaultError> {
        let _writing = self.writing();
        self.keychain.delete(&previous_account(id))?;
        self.inventory.update(|tokens| {
            find_mut(tokens, id)?.old_secret_kept = false;
            Ok(())
        })
    }
}

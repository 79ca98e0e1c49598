//! The vault keeps the keychain and the inventory consistent: the secret is written
//! before its record and taken back when the record cannot be written; removal goes
//! the other way. Reading the list touches only the inventory, never the keychain.

mod error;
pub mod file_store;
pub mod identity;
pub mod inventory;
mod journal;
pub mod keychain;
mod kind;
pub mod moving;
pub mod open;
mod ordered;
mod orphans;
mod rotate;
pub mod store;

use chrono::{Local, NaiveDate, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use uuid::Uuid;

pub use error::VaultError;

use crate::config::KEYCHAIN_TIMEOUT;
use crate::error::{ErrorReport, UserError};
use crate::model::CheckReport;
use crate::model::consumer::Consumer;
use crate::model::record::{TokenIntent, TokenRecord, same_name};
use crate::secret::{Secret, Shape};
use inventory::Inventory;
use keychain::{Keychain, KeychainError};
use ordered::Ordered;

pub struct Vault {
    inventory: Inventory,
    keychain: Ordered,
    /// How many writes of two steps (keychain and inventory) are under way.
    writing: AtomicUsize,
    /// Whether this process has settled the journal's notes yet (`journal`).
    recovered: std::sync::atomic::AtomicBool,
}

/// Held while a write of two steps, or work made of such writes (an import), is under way
/// (`Vault::is_writing`).
pub struct Writing<'a>(&'a AtomicUsize);

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether a secret whose shape is unusual (not a PAT, not refused) may be saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnusualShape {
    Refuse,
    Accept,
}

/// What `add` and `set_secret` return: the record, and the shape warning the user
/// accepted, if any.
#[derive(Debug, Clone)]
pub struct Saved {
    pub record: TokenRecord,
    pub warning: Option<String>,
}

/// How the keychain and the inventory agree: the vault's part of what `doctor` and the
/// app's banner report.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct VaultHealth {
    pub data_dir: String,
    pub keychain_service: String,
    pub keychain: Option<ErrorReport>,
    pub inventory: Option<ErrorReport>,
    /// Keychain entries of this vault that no record points to.
    pub orphan_secrets: Vec<String>,
    /// Records whose secret is missing from the keychain.
    pub tokens_without_secret: Vec<String>,
    /// Tokens whose old secret is still kept from a rotation that did not finish.
    pub unfinished_rotations: Vec<String>,
}

impl VaultHealth {
    pub fn is_healthy(&self) -> bool {
        self.keychain.is_none()
            && self.inventory.is_none()
            && self.orphan_secrets.is_empty()
            && self.tokens_without_secret.is_empty()
            && self.unfinished_rotations.is_empty()
    }
}

pub fn today() -> NaiveDate {
    Local::now().date_naive()
}

impl Vault {
    pub fn new(inventory: Inventory, keychain: Arc<dyn Keychain>) -> Self {
        Self::with_keychain_timeout(inventory, keychain, KEYCHAIN_TIMEOUT)
    }

    pub fn with_keychain_timeout(
        inventory: Inventory,
        keychain: Arc<dyn Keychain>,
        timeout: std::time::Duration,
    ) -> Self {
        Vault {
            inventory,
            keychain: Ordered::new(keychain, timeout),
            writing: AtomicUsize::new(0),
            recovered: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn writing(&self) -> Writing<'_> {
        self.writing.fetch_add(1, Ordering::SeqCst);
        Writing(&self.writing)
    }

    /// Whether a write of two steps is under way: a process that would end now (the
    /// app starting afresh in the tray) waits, so neither step is left without the other.
    pub fn is_writing(&self) -> bool {
        self.writing.load(Ordering::SeqCst) > 0
    }

    /// Waits until every keychain call made so far has ended and been settled.
    pub fn settle_keychain(&self) {
        self.keychain.settle();
    }

    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// The settings kept beside the inventory: the one place they are read from.
    pub fn settings(&self) -> Result<crate::settings::Settings, crate::settings::SettingsError> {
        crate::settings::load(self.inventory.dir())
    }

    pub fn save_settings(
        &self,
        settings: &crate::settings::Settings,
    ) -> Result<(), crate::settings::SettingsError> {
        crate::settings::save(self.inventory.dir(), settings)
    }

    /// Where the secrets are, in the user's words: "the keychain", "the encrypted-file store".
    pub fn store_name(&self) -> &'static str {
        self.keychain.kind().described()
    }

    pub fn list(&self) -> Result<Vec<TokenRecord>, VaultError> {
        let mut tokens = self.inventory.load()?;
        tokens.sort_by_key(|t| t.intent.name.to_lowercase());
        Ok(tokens)
    }

    pub fn get(&self, id: Uuid) -> Result<TokenRecord, VaultError> {
        self.inventory
            .load()?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(VaultError::TokenGone)
    }

    pub fn find(&self, name: &str) -> Result<TokenRecord, VaultError> {
        self.inventory
            .load()?
            .into_iter()
            .find(|t| same_name(&t.intent.name, name))
            .ok_or_else(|| VaultError::NotFound(name.to_owned()))
    }

    pub fn add(
        &self,
        intent: TokenIntent,
        secret: &Secret,
        unusual: UnusualShape,
    ) -> Result<Saved, VaultError> {
        let _writing = self.writing();
        self.recover_once();
        let intent = intent.normalized(today())?;
        let (token_id, warning) = check_shape(secret, unusual)?;
        // Checked before touching the keychain, and again under the inventory's lock.
        refuse_clash(&self.inventory.load()?, &intent.name, None)?;
        let record = TokenRecord::new(intent, token_id, Utc::now());
        let account = record.id.to_string();
        let noted = self.note(journal::Step::Add { id: record.id })?;
        // Should the store outlive its wait, no record was written: take it back then.
        let late = account.clone();
        let stored = self
            .keychain
            .store_then(&account, secret, move |k, stored| {
                if stored.is_ok() {
                    let _ = k.delete(&late);
                }
            });
        if let Err(e) = stored {
            // A store still running is settled by the keychain's worker, or, should this
            // process end first, from the note by the next writer.
            if !matches!(e, KeychainError::OutcomeUnknown(_)) {
                noted.done();
            }
            return Err(e.into());
        }
        let written = self.inventory.update(|tokens| {
            refuse_clash(tokens, &record.intent.name, None)?;
            tokens.push(record.clone());
            Ok(())
        });
        if let Err(e) = written {
            // The record never landed: take the secret back so nothing is left behind.
            // Should that fail too, the note has the next writer try again.
            if self.keychain.delete(&account).is_ok() {
                noted.done();
            }
            return Err(e);
        }
        noted.done();
        Ok(Saved { record, warning })
    }

    pub fn edit(&self, id: Uuid, intent: TokenIntent) -> Result<TokenRecord, VaultError> {
        self.edit_and(id, intent, |_| {})
    }

    /// Edits the intent, then lets `then` bring the rest of the record in line (such as
    /// the last report, judged against the new intent), in the same write.
    pub fn edit_and(
        &self,
        id: Uuid,
        intent: TokenIntent,
        then: impl FnOnce(&mut TokenRecord),
    ) -> Result<TokenRecord, VaultError> {
        let intent = intent.normalized(today())?;
        self.inventory.update(|tokens| {
            refuse_clash(tokens, &intent.name, Some(id))?;
            let token = find_mut(tokens, id)?;
            // A place a scan brought (inferred, or since confirmed) that the owner
            // removed stays removed: the next scan would bring it again. One the owner
            // names again is theirs.
            let from_scan = |c: &Consumer| {
                c.inferred
                    || c.path
                        .as_ref()
                        .is_some_and(|p| token.found_in.iter().any(|f| &f.path == p))
            };
            let removed: Vec<String> = token
                .intent
                .used_by
                .iter()
                .filter(|c| from_scan(c) && !intent.used_by.iter().any(|n| n.label == c.label))
                .map(|c| c.label.clone())
                .collect();
            token.dismissed_places.extend(removed);
            token
                .dismissed_places
                .retain(|d| !intent.used_by.iter().any(|n| &n.label == d));
            token.intent = intent;
            then(token);
            Ok(token.clone())
        })
    }

    /// Replaces the secret and its token ID. If the record cannot be updated, the
    /// previous secret goes back into the keychain.
    pub fn set_secret(
        &self,
        id: Uuid,
        secret: &Secret,
        unusual: UnusualShape,
    ) -> Result<Saved, VaultError> {
        let _writing = self.writing();
        self.recover_once();
        let (token_id, warning) = check_shape(secret, unusual)?;
        self.get(id)?;
        let account = id.to_string();
        let previous = match self.keychain.read(&account) {
            Ok(s) => Some(s),
            Err(KeychainError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        let noted = self.note(journal::Step::SetSecret {
            id,
            token_id: token_id.clone(),
        })?;
        // Should the store outlive its wait, the record still names the old secret: put
        // that one back then.
        let (late, old) = (account.clone(), previous.clone());
        let stored = self
            .keychain
            .store_then(&account, secret, move |k, stored| {
                if stored.is_ok() {
                    let _ = match &old {
                        Some(old) => k.store(&late, old),
                        None => k.delete(&late),
                    };
                }
            });
        if let Err(e) = stored {
            if !matches!(e, KeychainError::OutcomeUnknown(_)) {
                noted.done();
            }
            return Err(e.into());
        }
        let written = self.inventory.update(|tokens| {
            let token = find_mut(tokens, id)?;
            token.token_id = token_id;
            Ok(token.clone())
        });
        match written {
            Ok(record) => {
                noted.done();
                Ok(Saved { record, warning })
            }
            Err(e) => {
                // Put back; should that fail too, the note has the next writer finish it.
                let back = match previous {
                    Some(old) => self.keychain.store(&account, &old),
                    None => self.keychain.delete(&account),
                };
                if back.is_ok() {
                    noted.done();
                }
                Err(e)
            }
        }
    }

    /// Keeps a check's result with its token. A token removed while it was being
    /// checked is no error: there is nothing left to record.
    pub fn record_check(&self, id: Uuid, report: &CheckReport) -> Result<(), VaultError> {
        let recorded = self.inventory.update(|tokens| {
            find_mut(tokens, id)?.add_check(report);
            Ok(())
        });
        match recorded {
            Err(VaultError::TokenGone) => Ok(()),
            other => other,
        }
    }

    pub fn secret(&self, id: Uuid) -> Result<Secret, VaultError> {
        self.get(id)?;
        Ok(self.keychain.read(&id.to_string())?)
    }

    /// Removes the record, then the old secret of a rotation if one is kept, then the
    /// secret; if a secret cannot be removed, the record is put back so the token stays
    /// whole and nothing is left behind without it.
    pub fn remove(&self, id: Uuid) -> Result<TokenRecord, VaultError> {
        let _writing = self.writing();
        self.recover_once();
        let noted = self.note(journal::Step::Remove { id })?;
        let removed = self.inventory.update(|tokens| {
            let index = tokens
                .iter()
                .position(|t| t.id == id)
                .ok_or(VaultError::TokenGone)?;
            Ok(tokens.remove(index))
        });
        let removed = match removed {
            Ok(removed) => removed,
            Err(e) => {
                noted.done();
                return Err(e);
            }
        };
        // Should the deletes outlive their wait and then fail, the record comes back, so
        // no secret is left without its token.
        let dir = self.inventory.dir().to_path_buf();
        let back = removed.clone();
        let deleted = self.keychain.delete_all_then(
            vec![rotate::previous_account(id), id.to_string()],
            move |_, deleted| {
                if deleted.is_err() {
                    let _ = Inventory::new(dir).update(|tokens| {
                        tokens.push(back);
                        Ok(())
                    });
                }
            },
        );
        if let Err(e) = deleted {
            if matches!(e, KeychainError::OutcomeUnknown(_)) {
                return Err(e.into());
            }
            let restored = self.inventory.update(|tokens| {
                tokens.push(removed.clone());
                Ok(())
            });
            noted.done();
            restored?;
            return Err(e.into());
        }
        noted.done();
        Ok(removed)
    }

    /// Asks the keychain which entries exist, without reading any secret, and compares
    /// them with the inventory.
    pub fn health(&self) -> VaultHealth {
        let records = self.inventory.load();
        let accounts = self.keychain.accounts();
        let mut health = VaultHealth {
            data_dir: self.inventory.dir().display().to_string(),
            keychain_service: self.keychain.service().to_owned(),
            keychain: accounts.as_ref().err().map(UserError::report),
            inventory: records.as_ref().err().map(UserError::report),
            orphan_secrets: Vec::new(),
            tokens_without_secret: Vec::new(),
            unfinished_rotations: Vec::new(),
        };
        if let (Ok(records), Ok(accounts)) = (records, accounts) {
            let previous = |r: &TokenRecord| rotate::previous_account(r.id);
            health.orphan_secrets = accounts
                .iter()
                .filter(|a| {
                    !records
                        .iter()
                        .any(|r| r.id.to_string() == **a || previous(r) == **a)
                })
                .cloned()
                .collect();
            health.unfinished_rotations = records
                .iter()
                .filter(|r| accounts.contains(&previous(r)))
                .map(|r| r.intent.name.clone())
                .collect();
            health.tokens_without_secret = records
                .iter()
                .filter(|r| !accounts.contains(&r.id.to_string()))
                .map(|r| r.intent.name.clone())
                .collect();
        }
        health
    }
}

fn find_mut(tokens: &mut [TokenRecord], id: Uuid) -> Result<&mut TokenRecord, VaultError> {
    tokens
        .iter_mut()
        .find(|t| t.id == id)
        .ok_or(VaultError::TokenGone)
}

/// Names are unique ignoring case; `except` is the token being renamed.
fn refuse_clash(
    tokens: &[TokenRecord],
    name: &str,
    except: Option<Uuid>,
) -> Result<(), VaultError> {
    match tokens
        .iter()
        .find(|t| Some(t.id) != except && same_name(&t.intent.name, name))
    {
        Some(other) => Err(VaultError::NameTaken(other.intent.name.clone())),
        None => Ok(()),
    }
}

fn check_shape(
    secret: &Secret,
    unusual: UnusualShape,
) -> Result<(Option<String>, Option<String>), VaultError> {
    match secret.shape() {
        Shape::Pat { token_id } => Ok((Some(token_id), None)),
        Shape::Refused(why) => Err(VaultError::Invalid(why)),
        Shape::Unusual(why) if unusual == UnusualShape::Refuse => {
            Err(VaultError::UnusualShape(why))
        }
        Shape::Unusual(why) => Ok((secret.token_id(), Some(why))),
    }
}

#[cfg(test)]
mod tests;

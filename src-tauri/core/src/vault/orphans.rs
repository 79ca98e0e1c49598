//! Keychain entries of this vault that no record points to: left by a write killed
//! between its two steps, or by a record lost with its inventory. `doctor` and the app's
//! banner name them; on the owner's word each is made a token again (its token ID is in
//! the secret, its name given or derived) or deleted. Neither ever happens by itself.

use chrono::Utc;
use uuid::Uuid;

use super::{UnusualShape, Vault, VaultError, check_shape, refuse_clash, today};
use crate::model::record::{TokenIntent, TokenRecord, same_name};

impl Vault {
    /// The orphan entry `account`, or why it is not one. While this process writes a
    /// token (the caller's own write counted), an entry may be one only for the moment
    /// between its two steps.
    fn orphan(&self, account: &str) -> Result<(), VaultError> {
        if self.writing.load(std::sync::atomic::Ordering::SeqCst) > 1 {
            return Err(VaultError::Invalid(
                "a token is being written: try again when that is done".into(),
            ));
        }
        if self.health().orphan_secrets.iter().any(|a| a == account) {
            Ok(())
        } else {
            Err(VaultError::Invalid(format!(
                "the keychain entry “{account}” is not one without a token (see `patvault doctor`)"
            )))
        }
    }

    /// Makes the orphan entry `account` a token again, under the record id it was made
    /// for, named `name` or `Recovered <token ID>`; no scopes or bases yet (adopt them
    /// from a check).
    pub fn restore_orphan(
        &self,
        account: &str,
        name: Option<String>,
    ) -> Result<TokenRecord, VaultError> {
        let _writing = self.writing();
        self.orphan(account)?;
        let id = Uuid::parse_str(account).map_err(|_| {
            VaultError::Invalid(format!(
                "the keychain entry “{account}” is not a token's (an old secret kept by a rotation, or not PAT Vault's): delete it instead"
            ))
        })?;
        let secret = self.keychain.read(account)?;
        let (token_id, _) = check_shape(&secret, UnusualShape::Accept)?;
        drop(secret);
        let records = self.inventory.load()?;
        let name = name.unwrap_or_else(|| {
            let base = format!(
                "Recovered {}",
                token_id.clone().unwrap_or_else(|| account[..8].to_owned())
            );
            (1..)
                .map(|i| {
                    if i == 1 {
                        base.clone()
                    } else {
                        format!("{base} {i}")
                    }
                })
                .find(|n| !records.iter().any(|r| same_name(&r.intent.name, n)))
                .expect("some name is free")
        });
        let intent = TokenIntent::named(name, today()).normalized(today())?;
        let mut record = TokenRecord::new(intent, token_id, Utc::now());
        record.id = id;
        self.inventory.update(|tokens| {
            refuse_clash(tokens, &record.intent.name, None)?;
            if tokens.iter().any(|t| t.id == id) {
                return Err(VaultError::Invalid(format!(
                    "the keychain entry “{account}” has its token already"
                )));
            }
            tokens.push(record.clone());
            Ok(())
        })?;
        Ok(record)
    }

    /// Deletes the orphan entry `account` from the keychain.
    pub fn delete_orphan(&self, account: &str) -> Result<(), VaultError> {
        let _writing = self.writing();
        self.orphan(account)?;
        Ok(self.keychain.delete(account)?)
    }
}

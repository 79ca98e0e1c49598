//! Opens the vault a `Config` names, in the store it chose (`store`): the OS keychain, or
//! the encrypted files whose key is found (`identity`) before the first secret is read.

use std::path::Path;
use std::sync::Arc;

use super::file_store::{self, FileStore};
use super::identity::{self, SecretString};
use super::keychain::{Keychain, OsKeychain};
use super::store::{self, StoreKind};
use super::{Inventory, Vault, VaultError};
use crate::config::Config;

/// Asks for the passphrase of a protected key; None when no one can answer.
pub type AskPassphrase = Arc<dyn Fn() -> Option<SecretString> + Send + Sync>;

/// The vault, where a protected key's passphrase cannot be asked.
pub fn open_vault(config: &Config) -> Result<Vault, VaultError> {
    open_vault_asking(config, Arc::new(|| None))
}

/// The vault; a protected key's passphrase is asked through `ask` when first needed.
pub fn open_vault_asking(config: &Config, ask: AskPassphrase) -> Result<Vault, VaultError> {
    let dir = config.data_dir.clone().ok_or(VaultError::NoDataFolder)?;
    let kind = store::chosen(config, &dir)?.0;
    let recipients = store::load(&dir)?.recipients;
    let keychain = keychain_for(config, &dir, kind, &recipients, ask)?;
    Ok(Vault::with_keychain_timeout(
        Inventory::new(dir),
        keychain,
        config.keychain_timeout,
    ))
}

/// The store `kind` of the vault in `dir`; the file store encrypts to `recipients`.
pub fn keychain_for(
    config: &Config,
    dir: &Path,
    kind: StoreKind,
    recipients: &[String],
    ask: AskPassphrase,
) -> Result<Arc<dyn Keychain>, VaultError> {
    Ok(match kind {
        StoreKind::Os => Arc::new(OsKeychain::new(config.keychain_service.clone())),
        StoreKind::File => {
            let config = config.clone();
            let load_key = Box::new(move || {
                let source =
                    identity::find(&config)?.ok_or_else(|| identity::none_found(&config))?;
                identity::load(&source, &*ask)
            });
            // Messages name the store by its folder, as they name a keychain by its service.
            let label = file_store::folder(dir).display().to_string();
            Arc::new(FileStore::new(label, dir, recipients, load_key)?)
        }
    })
}

//! Opens the vault a `Config` names, in the store it chose (`store`): the OS keychain, or
//! the encrypted files whose key is found (`identity`) before the first secret is read.
//! The vault stays in that store only while the vault's choice does: once another
//! process has moved the secrets, every call here is refused rather than made to the
//! store the vault no longer reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use age::x25519;

use super::file_store::{self, FileStore};
use super::identity::{self, SecretString};
use super::keychain::{Keychain, KeychainError, OsKeychain};
use super::store::{self, StoreKind};
use super::{Inventory, Vault, VaultError};
use crate::config::Config;
use crate::secret::Secret;

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
    let keychain = StillChosen {
        inner: keychain_for(config, &dir, kind, &recipients, ask, None)?,
        kind,
        config: config.clone(),
        dir: dir.clone(),
    };
    Ok(Vault::with_keychain_timeout(
        Inventory::new(dir),
        Arc::new(keychain),
        config.keychain_timeout,
    ))
}

/// The store `kind` of the vault in `dir`; the file store encrypts to `recipients`, and
/// starts with `key` when the caller has it unlocked already.
pub fn keychain_for(
    config: &Config,
    dir: &Path,
    kind: StoreKind,
    recipients: &[String],
    ask: AskPassphrase,
    key: Option<x25519::Identity>,
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
            Arc::new(FileStore::new(label, dir, recipients, load_key, key)?)
        }
    })
}

/// The store a vault was opened in, for as long as the vault's choice names it.
struct StillChosen {
    inner: Arc<dyn Keychain>,
    kind: StoreKind,
    config: Config,
    dir: PathBuf,
}

impl StillChosen {
    fn check(&self) -> Result<(), KeychainError> {
        match store::chosen(&self.config, &self.dir) {
            Ok((kind, _)) if kind == self.kind => Ok(()),
            Ok((kind, _)) => Err(KeychainError::StoreMoved(kind.name())),
            Err(e) => Err(KeychainError::Failed(e.to_string())),
        }
    }
}

impl Keychain for StillChosen {
    fn service(&self) -> &str {
        self.inner.service()
    }

    fn kind(&self) -> StoreKind {
        self.kind
    }

    fn store(&self, account: &str, secret: &Secret) -> Result<(), KeychainError> {
        self.check()?;
        self.inner.store(account, secret)
    }

    fn read(&self, account: &str) -> Result<Secret, KeychainError> {
        self.check()?;
        self.inner.read(account)
    }

    fn delete(&self, account: &str) -> Result<(), KeychainError> {
        self.check()?;
        self.inner.delete(account)
    }

    fn accounts(&self) -> Result<Vec<String>, KeychainError> {
        self.check()?;
        self.inner.accounts()
    }

    fn unlock(&self) -> Result<(), KeychainError> {
        self.check()?;
        self.inner.unlock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::store::{NewKey, StoreChoice};

    #[test]
    fn a_vault_opened_before_its_secrets_moved_refuses_the_old_store() {
        let (home, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let config = Config {
            data_dir: Some(data.path().to_path_buf()),
            config_home: Some(home.path().to_path_buf()),
            ..Config::defaults(None, None)
        };
        let file = StoreKind::File;
        store::choose(
            &config,
            data.path(),
            file,
            0,
            Some(NewKey::Unprotected),
            &|| None,
        )
        .unwrap();
        let vault = open_vault(&config).unwrap();
        assert!(vault.health().keychain.is_none());
        let moved = StoreChoice {
            store: StoreKind::Os,
            ..store::load(data.path()).unwrap()
        };
        store::save(data.path(), &moved).unwrap();
        let refused = vault.health().keychain.expect("refused");
        assert!(
            refused.message.contains("moved to the os store"),
            "{}",
            refused.message
        );
    }
}

//! Opens the vault a `Config` names, in the OS keychain, as the app and the CLI both do.

use std::sync::Arc;

use super::keychain::OsKeychain;
use super::{Inventory, Vault, VaultError};
use crate::config::Config;

pub fn open_vault(config: &Config) -> Result<Vault, VaultError> {
    let dir = config.data_dir.clone().ok_or(VaultError::NoDataFolder)?;
    Ok(Vault::with_keychain_timeout(
        Inventory::new(dir),
        Arc::new(OsKeychain::new(config.keychain_service.clone())),
        config.keychain_timeout,
    ))
}

//! Opens the vault of this user, as the app and the CLI both do.

use std::sync::Arc;
use std::time::Duration;

use super::keychain::OsKeychain;
use super::location::{data_dir, keychain_service};
use super::{Inventory, KEYCHAIN_TIMEOUT, Vault};
use crate::error::VaultError;

pub fn open_vault() -> Result<Vault, VaultError> {
    let timeout = std::env::var("PATVAULT_KEYCHAIN_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(KEYCHAIN_TIMEOUT);
    Ok(Vault::with_keychain_timeout(
        Inventory::new(data_dir()?),
        Arc::new(OsKeychain::new(keychain_service())),
        timeout,
    ))
}

//! Opens the vault of this user, as the app and the CLI both do.

use std::sync::Arc;
use std::time::Duration;

use super::keychain::OsKeychain;
use super::location::{data_dir, keychain_service};
use super::{Inventory, Vault};
use crate::error::VaultError;

/// Long enough for a person to answer an unlock prompt, short enough that a keychain
/// that never answers is reported rather than waited on forever.
const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(30);

pub fn open_vault() -> Result<Vault, VaultError> {
    let timeout = std::env::var("PATVAULT_KEYCHAIN_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(KEYCHAIN_TIMEOUT);
    Ok(Vault::new(
        Inventory::new(data_dir()?),
        Arc::new(OsKeychain::new(keychain_service(), timeout)),
    ))
}

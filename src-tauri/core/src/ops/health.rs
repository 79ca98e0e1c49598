//! What `doctor` and the app's banner report: how the vault's keychain and inventory
//! agree, and where checks would send the tokens.

use serde::Serialize;

use super::client::api_root;
use crate::config::Config;
use crate::vault::{Vault, VaultHealth};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Health {
    #[serde(flatten)]
    pub vault: VaultHealth,
    /// Where checks send the tokens: Airtable's API, or the root `PATVAULT_AIRTABLE_URL`
    /// names (or why that one is unusable).
    pub api_root: String,
    /// Whether `api_root` is anything but Airtable's own: worth saying every time.
    pub custom_api_root: bool,
}

impl Health {
    pub fn is_healthy(&self) -> bool {
        self.vault.is_healthy()
    }
}

pub fn health(vault: &Vault, config: &Config) -> Health {
    let (api_root, custom_api_root) = match api_root(config) {
        Ok(root) => (root.as_str().to_owned(), !root.is_airtable()),
        Err(why) => (why, true),
    };
    Health {
        vault: vault.health(),
        api_root,
        custom_api_root,
    }
}

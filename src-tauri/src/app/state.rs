//! What the app holds while it runs: the vault and the clipboard.

use std::sync::Arc;

use super::clipboard::ClipboardKeeper;
use crate::error::ErrorReport;
use crate::vault::Vault;
use crate::vault::open::open_vault;

pub struct AppState {
    vault: Result<Arc<Vault>, ErrorReport>,
    pub clipboard: ClipboardKeeper,
}

impl AppState {
    pub fn open() -> Self {
        AppState {
            vault: open_vault().map(Arc::new).map_err(ErrorReport::from),
            clipboard: ClipboardKeeper::default(),
        }
    }

    pub fn vault(&self) -> Result<Arc<Vault>, ErrorReport> {
        self.vault.clone()
    }
}

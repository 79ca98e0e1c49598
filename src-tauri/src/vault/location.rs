//! Where this vault lives: its data folder and its keychain service name. Debug and
//! test builds use names of their own so they never see a real vault.

use std::path::PathBuf;

use crate::error::VaultError;

pub const APP_ID: &str = if cfg!(debug_assertions) {
    "dev.patvault.debug"
} else {
    "dev.patvault"
};

/// `PATVAULT_DATA_DIR`, else the platform's data folder (XDG on Linux) + the app id.
pub fn data_dir() -> Result<PathBuf, VaultError> {
    if let Some(dir) = std::env::var_os("PATVAULT_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir().map(|d| d.join(APP_ID)).ok_or_else(|| {
        VaultError::Invalid(
            "no data folder is known for this user: set PATVAULT_DATA_DIR to a folder".into(),
        )
    })
}

/// Where the web view keeps its own storage (WebKit's local storage and caches): the
/// user's cache folder, apart from the vault so that nothing of the web view's ever lies
/// beside the inventory.
pub fn webview_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join(APP_ID).join("webview"))
}

/// `PATVAULT_KEYCHAIN_SERVICE`, else the app id. Tests and the demo set their own so
/// they share no entries with anything else.
pub fn keychain_service() -> String {
    std::env::var("PATVAULT_KEYCHAIN_SERVICE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| APP_ID.to_owned())
}

//! The list grouped by owner, and what breaks if one leaves: from the last checks alone.

use tauri::State;

use super::blocking::{Reply, blocking};
use super::state::AppState;
use patvault_core::ops::owners::{Owners, owners};
use patvault_core::vault::VaultError;

#[tauri::command]
#[specta::specta]
pub async fn vault_owners(state: State<'_, AppState>) -> Reply<Owners> {
    blocking(state.vault()?, |v| Ok::<_, VaultError>(owners(&v.list()?))).await
}

//! *This token leaked…* on a token's page: what it exposes and the steps, from the vault
//! alone (no API call, no secret read).

use tauri::State;
use uuid::Uuid;

use super::blocking::{Reply, blocking};
use super::state::AppState;
use patvault_core::ops::leak::{Leak, of_token};
use patvault_core::vault::VaultError;

#[tauri::command]
#[specta::specta]
pub async fn leak_report(state: State<'_, AppState>, id: Uuid) -> Reply<Leak> {
    let home = state.config().home_dir.clone();
    blocking(state.vault()?, move |v| {
        Ok::<_, VaultError>(of_token(&v.get(id)?, home.as_deref()))
    })
    .await
}

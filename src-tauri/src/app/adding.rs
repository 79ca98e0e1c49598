//! The add form's checks of a pasted secret, before anything is saved: a light one on
//! paste (who it is, which bases it lists), then a full one of the bases the user chose,
//! whose working scopes the form ticks.

use tauri::State;

use super::blocking::Reply;
use super::state::AppState;
use patvault_core::error::ErrorReport;
use patvault_core::model::CheckReport;
use patvault_core::model::record::BaseIntent;
use patvault_core::ops::adopt::{look_up, scopes_on};
use patvault_core::secret::Secret;
use serde::Serialize;

/// Who the pasted secret is and which bases it lists, with their names and roles.
#[tauri::command]
#[specta::specta]
pub async fn look_up_secret(state: State<'_, AppState>, secret: String) -> Reply<CheckReport> {
    let secret = Secret::new(secret);
    let client = state.client()?;
    look_up(&client, &secret).await.map_err(ErrorReport::from)
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ScopesFound {
    /// The scopes that work on the chosen bases, to be ticked.
    pub scopes: Vec<String>,
    pub report: CheckReport,
}

/// A full check of the pasted secret on `bases` alone.
#[tauri::command]
#[specta::specta]
pub async fn scopes_of_secret(
    state: State<'_, AppState>,
    secret: String,
    bases: Vec<BaseIntent>,
) -> Reply<ScopesFound> {
    let secret = Secret::new(secret);
    let client = state.client()?;
    let (scopes, report) = scopes_on(&client, &secret, bases)
        .await
        .map_err(ErrorReport::from)?;
    Ok(ScopesFound { scopes, report })
}

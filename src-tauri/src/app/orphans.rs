//! The keychain entries no token points to, resolved as the banner asks: made tokens
//! again, or deleted. Only the entries the banner showed, and only while the vault's
//! health still names them, are touched.

use serde::Serialize;
use tauri::State;

use super::blocking::{Reply, blocking};
use super::error::AppError;
use super::state::AppState;
use patvault_core::vault::VaultError;

/// What became of the entries: each one that could not be resolved, with why.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct OrphansResolved {
    pub done: u32,
    pub not_done: Vec<String>,
}

/// Makes each of `accounts` (entries the banner showed without a token) a token again,
/// where it can be.
#[tauri::command]
#[specta::specta]
pub async fn restore_orphans(
    state: State<'_, AppState>,
    accounts: Vec<String>,
) -> Reply<OrphansResolved> {
    blocking(state.vault()?, move |v| {
        Ok::<_, AppError>(each_orphan(&accounts, |account| {
            v.restore_orphan(account, None).map(drop)
        }))
    })
    .await
}

/// Deletes each of `accounts` (entries the banner showed without a token).
#[tauri::command]
#[specta::specta]
pub async fn delete_orphans(
    state: State<'_, AppState>,
    accounts: Vec<String>,
) -> Reply<OrphansResolved> {
    blocking(state.vault()?, move |v| {
        Ok::<_, AppError>(each_orphan(&accounts, |account| v.delete_orphan(account)))
    })
    .await
}

/// Each account acted on; the vault refuses one that is not an orphan (any more).
fn each_orphan(
    accounts: &[String],
    mut act: impl FnMut(&str) -> Result<(), VaultError>,
) -> OrphansResolved {
    let mut resolved = OrphansResolved {
        done: 0,
        not_done: Vec::new(),
    };
    for account in accounts {
        match act(account) {
            Ok(()) => resolved.done += 1,
            Err(e) => resolved.not_done.push(format!("{account}: {e}")),
        }
    }
    resolved
}

//! Undoing what PAT Vault did to a file, as the window asks: the changes it can undo
//! (kept in the vault, secrets by reference), undoing or forgetting one, and deleting the
//! backups earlier versions left beside files. Only paths the vault itself knows are
//! acted on: an undo record's, or a backup the scan finds now.

use tauri::State;

use super::blocking::{Reply, blocking};
use super::error::AppError;
use super::state::AppState;
use patvault_core::ops::backups::delete_backups as delete_found;
use patvault_core::ops::scanning::{ScanReport, settle, usual_sources};
use patvault_core::ops::undo::{UndoShown, Undone, forget, undo, undo_records};
use patvault_core::scan::{Scanned, scan};

/// The changes to files that can be undone, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn list_undo_records(state: State<'_, AppState>) -> Reply<Vec<UndoShown>> {
    blocking(state.vault()?, |v| Ok::<_, AppError>(undo_records(v))).await
}

/// Puts back the file at `path` as it was before PAT Vault last changed it.
#[tauri::command]
#[specta::specta]
pub async fn undo_change(state: State<'_, AppState>, path: String) -> Reply<Undone> {
    blocking(state.vault()?, move |v| {
        Ok::<_, AppError>(undo(v, std::path::Path::new(&path))?)
    })
    .await
}

/// Forgets the undo records of the file at `path`.
#[tauri::command]
#[specta::specta]
pub async fn forget_undo(state: State<'_, AppState>, path: String) -> Reply<u32> {
    blocking(state.vault()?, move |v| {
        let n = forget(v, std::path::Path::new(&path))?;
        Ok::<_, AppError>(u32::try_from(n).unwrap_or(u32::MAX))
    })
    .await
}

/// Overwrites and deletes the backups among `paths` that a scan of the usual places finds
/// now; gives the scan after, without them.
#[tauri::command]
#[specta::specta]
pub async fn delete_backups(state: State<'_, AppState>, paths: Vec<String>) -> Reply<ScanReport> {
    let config = state.config().clone();
    blocking(state.vault()?, move |v| {
        let sources = usual_sources(v, &config, None)?;
        let mut report = settle(v, &scan(&sources, &|_| {}), config.home_dir.as_deref())?;
        report
            .found
            .retain(|c| !c.backup || paths.contains(&c.path));
        let (deleted, failed) = delete_found(&report);
        let gone = Scanned {
            read: deleted,
            ..Scanned::default()
        };
        settle(v, &gone, config.home_dir.as_deref())?;
        if let Some((_, e)) = failed.into_iter().next() {
            return Err(AppError::File(e));
        }
        let after = scan(&sources, &|_| {});
        Ok::<_, AppError>(settle(v, &after, config.home_dir.as_deref())?)
    })
    .await
}

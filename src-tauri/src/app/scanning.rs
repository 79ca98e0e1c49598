//! Where tokens are used, as the window asks: a scan of the usual places (progress told
//! by an event), importing what the vault lacks, and a migrate shown before it is made.
//! The migrate's plan waits here between the preview and the user's yes, so the file is
//! written only as it was shown, and only if it has not changed meanwhile.

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::blocking::{Reply, blocking};
use super::error::AppError;
use super::state::AppState;
use patvault_core::ops::import::{Candidate, Imported, Renamed, candidates, import_all};
use patvault_core::ops::migrate::{Plan, plan};
use patvault_core::ops::scan::match_copies;
use patvault_core::ops::scanning::{ScanReport, settle, usual_sources};
use patvault_core::scan::scan;

/// How far a scan has come.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
pub struct ScanProgress {
    pub files_read: u32,
}

fn progress(app: &AppHandle) -> impl Fn(usize) + Sync + '_ {
    move |n| {
        if n % 100 == 0 {
            let files_read = u32::try_from(n).unwrap_or(u32::MAX);
            let _ = ScanProgress { files_read }.emit(app);
        }
    }
}

/// Scans the usual places, the crontab and the "used by" paths; keeps what it finds on
/// the records.
#[tauri::command]
#[specta::specta]
pub async fn scan_copies(app: AppHandle, state: State<'_, AppState>) -> Reply<ScanReport> {
    let config = state.config().clone();
    blocking(state.vault()?, move |v| {
        let sources = usual_sources(v, &config, None)?;
        let scanned = scan(&sources, &progress(&app));
        Ok::<_, AppError>(settle(v, &scanned, config.home_dir.as_deref())?)
    })
    .await
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ImportShown {
    pub imported: Vec<Imported>,
    /// The scan after the import, the new tokens matched.
    pub report: ScanReport,
}

/// The plaintext tokens a scan of the usual places finds that the vault lacks, each with
/// the name it would be imported under: to be renamed before `import_copies`.
#[tauri::command]
#[specta::specta]
pub async fn import_candidates(state: State<'_, AppState>) -> Reply<Vec<Candidate>> {
    let config = state.config().clone();
    blocking(state.vault()?, move |v| {
        let scanned = scan(&usual_sources(v, &config, None)?, &|_| {});
        let records = v.list()?;
        let (copies, _) = match_copies(scanned.hits, &records);
        let taken: Vec<String> = records.into_iter().map(|r| r.intent.name).collect();
        Ok::<_, AppError>(candidates(&copies, &taken))
    })
    .await
}

/// Scans as `scan_copies` does, then imports each plaintext token the vault lacks, its
/// intent from a full check, under the name `renamed` gives it or the one suggested. No
/// file changes.
#[tauri::command]
#[specta::specta]
pub async fn import_copies(
    app: AppHandle,
    state: State<'_, AppState>,
    renamed: Vec<Renamed>,
) -> Reply<ImportShown> {
    let config = state.config().clone();
    let vault = state.vault()?;
    let read_config = config.clone();
    let (sources, scanned, copies) = blocking(vault.clone(), move |v| {
        let sources = usual_sources(v, &read_config, None)?;
        let scanned = scan(&sources, &progress(&app));
        let (copies, _) = match_copies(scanned.hits.clone(), &v.list()?);
        Ok::<_, AppError>((sources, scanned, copies))
    })
    .await?;
    let client = state.client()?;
    // The whole import counts as a write: the app does not start afresh between tokens.
    let writing = vault.writing();
    let imported = import_all(&vault, &client, &sources, &copies, &renamed)
        .await
        .map_err(AppError::from)?;
    drop(writing);
    let report = blocking(vault, move |v| {
        Ok::<_, AppError>(settle(v, &scanned, config.home_dir.as_deref())?)
    })
    .await?;
    Ok(ImportShown { imported, report })
}

/// The migrate shown to the user, waiting for a yes.
#[derive(Default)]
pub struct MigrateDraft(Mutex<Option<Plan>>);

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MigratePreview {
    pub path: String,
    /// What will change, one line each.
    pub changes: Vec<String>,
    /// Plaintext tokens that will stay, and why.
    pub left: Vec<String>,
}

/// What migrating the file at `path` would change; nothing is written yet.
#[tauri::command]
#[specta::specta]
pub async fn preview_migrate(
    state: State<'_, AppState>,
    draft: State<'_, MigrateDraft>,
    path: String,
) -> Reply<MigratePreview> {
    let program = patvault_core::program::command_line(&state.config().program)?
        .to_string_lossy()
        .into_owned();
    let planned = blocking(state.vault()?, move |v| {
        let records = v.list()?;
        // Only a file a scan found a token in: the window names it, and a page that is
        // not ours could name any file.
        if !records
            .iter()
            .flat_map(|r| &r.found_in)
            .any(|p| p.path == path)
        {
            return Err(AppError::Stale(
                "PAT Vault changes only a file a scan found a token in: scan again",
            ));
        }
        Ok::<_, AppError>(plan(std::path::Path::new(&path), &records, &program)?)
    })
    .await?;
    let preview = MigratePreview {
        path: planned.path().display().to_string(),
        changes: planned.changes.clone(),
        left: planned.left.clone(),
    };
    *draft.0.lock() = Some(planned);
    Ok(preview)
}

/// Writes the migrate last shown for `path`, the old text kept in the vault to undo it.
/// Off the main thread: the file is read again, and may be anything by now.
#[tauri::command]
#[specta::specta]
pub async fn confirm_migrate(
    state: State<'_, AppState>,
    draft: State<'_, MigrateDraft>,
    path: String,
) -> Reply<()> {
    let planned = draft
        .0
        .lock()
        .take_if(|p| p.path().display().to_string() == path)
        .ok_or(AppError::Stale(
            "no change to this file is waiting: show it again",
        ))?;
    blocking(state.vault()?, move |v| {
        planned.apply(v, chrono::Utc::now()).map_err(AppError::from)
    })
    .await
}

/// Forgets the migrate shown.
#[tauri::command]
#[specta::specta]
pub fn cancel_migrate(draft: State<'_, MigrateDraft>) {
    *draft.0.lock() = None;
}

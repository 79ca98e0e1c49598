//! "Start at login": the autostart plugin writes the login entry, then its `Exec=` is set
//! to the program `patvault_core::program` chooses, quoted: the `patvault` command line
//! beside the app, which becomes the app when a display is there (so the entries earlier
//! versions wrote, when both were one program, stay current). While the setting is on,
//! each start points the entry again at the program running now (the AppImage itself for
//! an AppImage, never its temporary mount), so an entry that an earlier copy wrote (a
//! build folder, a moved AppImage) does not outlive the copy the user installed; a copy
//! in a temporary or shared folder is never written there.

use tauri::{AppHandle, Manager};
use tauri_plugin_autostart::ManagerExt;

use super::autostart;
use super::error::AppError;
use super::state::AppState;
use patvault_core::program::UnsafeProgram;

/// Writes the login entry when `on`, removes it when not.
pub fn apply(app: &AppHandle, on: bool) -> Result<(), AppError> {
    if on && let Err(e) = program(app) {
        return Err(AppError::Autostart(format!(
            "starting at login was not set up: {e}"
        )));
    }
    let autostart = app.autolaunch();
    let applied = if on {
        autostart.enable()
    } else {
        autostart.disable()
    };
    applied.map_err(|e| {
        AppError::Autostart(format!(
            "starting at login could not be set up ({e}); nothing was saved"
        ))
    })?;
    #[cfg(target_os = "linux")]
    if on {
        point_exec(app)?;
    }
    Ok(())
}

/// At start, with "start at login" on: the entry runs this program, or is written again.
pub fn follow_program(app: &AppHandle) {
    let Ok(vault) = app.state::<AppState>().vault() else {
        return;
    };
    if !vault.settings().unwrap_or_default().start_at_login || runs_this_program(app) {
        return;
    }
    match apply(app, true) {
        Ok(()) => log::info!("the login entry now starts this copy of PAT Vault"),
        Err(e) => log::warn!("{e}"),
    }
}

#[cfg(target_os = "linux")]
fn runs_this_program(app: &AppHandle) -> bool {
    let program = match program(app) {
        Ok(program) => program,
        Err(e) => {
            log::warn!("the login entry is left as it is: {e}");
            return true;
        }
    };
    let Some(path) = entry_path(app) else {
        return true;
    };
    std::fs::read_to_string(path).is_ok_and(|entry| autostart::runs(&entry, &program))
}

#[cfg(not(target_os = "linux"))]
fn runs_this_program(_app: &AppHandle) -> bool {
    true
}

/// Points the entry the plugin just wrote at the program, quoted.
#[cfg(target_os = "linux")]
fn point_exec(app: &AppHandle) -> Result<(), AppError> {
    let failed = |e: std::io::Error| {
        AppError::Autostart(format!("the login entry could not be finished ({e})"))
    };
    let program = program(app)?;
    let Some(path) = entry_path(app) else {
        return Ok(());
    };
    let entry = std::fs::read_to_string(&path).map_err(failed)?;
    std::fs::write(&path, autostart::with_exec(&entry, &program)).map_err(failed)
}

#[cfg(target_os = "linux")]
fn entry_path(app: &AppHandle) -> Option<std::path::PathBuf> {
    dirs::home_dir().map(|home| autostart::entry_path(&home, &app.package_info().name))
}

/// What `Exec=` runs: the AppImage when running from one, else the command line beside
/// this app, by a path only its owner can change (`patvault_core::program`).
fn program(app: &AppHandle) -> Result<String, UnsafeProgram> {
    let state = app.state::<AppState>();
    Ok(
        patvault_core::program::command_line(&state.config().program)?
            .display()
            .to_string(),
    )
}

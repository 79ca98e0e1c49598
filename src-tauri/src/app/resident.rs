//! The app in the tray: whether closing the window leaves it there (the user wants it,
//! and the desktop shows the tray), and that it stays as light as a fresh tray-only
//! start there: once its window is
//! closed, the process becomes a new tray-only PAT Vault (`exec(2)`: the same process
//! id, a fresh image), so no WebKit process, and none of the memory the pages touched,
//! stays resident. It waits until nothing would be lost: no check running, no copied
//! secret still to be wiped, no token being written (an import, an add, a rotation), and
//! no window opened again meanwhile. Reminders and the
//! daily check carry on in the new image from what is on disk (`reminders.json`, the
//! last checks), so none is repeated or skipped.

use std::time::Duration;

use tauri::{AppHandle, Manager};

use super::state::AppState;
use super::tray::has_tray;
use super::window::MAIN;

/// How often to look whether the app is idle enough to start afresh.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Whether closing the last window should leave the app running in the tray: the user
/// wants it, and there is a tray to come back from.
pub fn keeps_running(app: &AppHandle) -> bool {
    let Ok(vault) = app.state::<AppState>().vault() else {
        return false;
    };
    if !has_tray(app) || !tray_shown() {
        return false;
    }
    vault.settings().unwrap_or_default().close_to_tray
}

/// Whether the desktop shows tray icons. Without a StatusNotifierItem host (GNOME
/// without its AppIndicator extension) the icon is invisible: an app kept only there
/// could not be reached, so closing the window ends it instead.
#[cfg(target_os = "linux")]
fn tray_shown() -> bool {
    let asked = zbus::blocking::Connection::session().and_then(|bus| {
        zbus::blocking::fdo::DBusProxy::new(&bus)?
            .name_has_owner("org.kde.StatusNotifierWatcher".try_into()?)
            .map_err(zbus::Error::from)
    });
    asked.unwrap_or(false)
}

#[cfg(not(target_os = "linux"))]
fn tray_shown() -> bool {
    true
}

/// After the last window closed with the app kept in the tray.
pub fn settle_in_tray(app: &AppHandle) {
    if !cfg!(unix) {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            if app.get_webview_window(MAIN).is_some() {
                return;
            }
            if idle(&app) {
                break;
            }
            tokio::time::sleep(IDLE_POLL).await;
        }
        let on_main = app.clone();
        let _ = app.run_on_main_thread(move || start_afresh(&on_main));
    });
}

/// Nothing would be lost by ending this image now.
fn idle(app: &AppHandle) -> bool {
    let state = app.state::<AppState>();
    let writing = state.vault().is_ok_and(|v| v.is_writing());
    !state.check_running() && !state.clipboard.holds_secret() && !writing
}

#[cfg(unix)]
fn start_afresh(app: &AppHandle) {
    use patvault_core::program::{MINIMIZED, run_instead};
    if app.get_webview_window(MAIN).is_some() {
        return;
    }
    // Work may have started between the look and this turn of the main thread.
    if !idle(app) {
        return settle_in_tray(app);
    }
    // On Linux the running image itself, not whatever file is at its path now: after an
    // upgrade that path holds another program, or nothing.
    let exe = if cfg!(target_os = "linux") {
        std::path::PathBuf::from("/proc/self/exe")
    } else {
        match std::env::current_exe() {
            Ok(exe) => exe,
            Err(e) => return log::warn!("staying as it is in the tray: {e}"),
        }
    };
    log::info!("the window closed: starting afresh in the tray only");
    end_helpers();
    // The new image takes the single-instance name: let it go first, synchronously.
    tauri_plugin_single_instance::destroy(app);
    let mut command = std::process::Command::new(exe);
    command.arg(MINIMIZED);
    let error = run_instead(command);
    log::warn!("could not start afresh in the tray ({error}); the app quits instead");
    app.exit(0);
}

#[cfg(not(unix))]
fn start_afresh(_app: &AppHandle) {}

/// Ends the processes this one started (WebKit's web and network processes) and reaps
/// them: the new image would not know them, and they would linger as zombies.
#[cfg(target_os = "linux")]
fn end_helpers() {
    let me = std::process::id().to_string();
    let children: Vec<libc::pid_t> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .filter(|pid| {
            // `stat` is `pid (comm) state ppid …`; comm may hold spaces, so read after `)`.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let after = &stat[stat.rfind(')')? + 1..];
                    after.split_whitespace().nth(1).map(|ppid| ppid == me)
                })
                .unwrap_or(false)
        })
        .collect();
    for pid in &children {
        // SAFETY: kill and waitpid take plain numbers and touch no memory of ours.
        unsafe { libc::kill(*pid, libc::SIGTERM) };
    }
    let deadline = std::time::Instant::now() + HELPERS_END;
    for pid in children {
        loop {
            // SAFETY: as above; a null status pointer is allowed.
            let reaped = unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
            if reaped != 0 {
                break;
            }
            if std::time::Instant::now() > deadline {
                // SAFETY: as above.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn end_helpers() {}

/// How long the helpers get to end on their own before they are killed.
#[cfg(target_os = "linux")]
const HELPERS_END: Duration = Duration::from_secs(2);

//! The desktop app: adapts the core to Tauri commands, the tray, the window's comings
//! and goings, and notifications. No vault logic lives here.

mod adding;
mod adopting;
mod autostart;
mod bindings;
mod blocking;
mod checking;
mod clipboard;
mod commands;
mod error;
mod graphics;
mod leaking;
mod logging;
mod login;
mod notifications;
mod orphans;
mod owning;
mod reminders;
mod resident;
mod rotating;
mod scanning;
mod startup;
mod state;
mod tray;
mod undoing;
mod window;

pub use bindings::specta_builder;
use patvault_core::config::Config;
use patvault_core::program::MINIMIZED;
use tauri::{Manager, RunEvent, WindowEvent};

/// Runs the app with `config`; `minimized` (as at login) starts it in the tray only.
/// Call it from `main` before any thread starts: it may set a variable of its own.
pub fn run(config: Config, minimized: bool) {
    // SAFETY: `main` calls this before any thread starts.
    unsafe { graphics::tell_webkit_and_gtk() };
    let builder = specta_builder();
    let instance = instance_id(&config);
    let app = tauri::Builder::default()
        // First, so a second start hands over before anything else starts.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance)
                .callback(|app, args, _cwd| {
                    // A start at login while the app already runs changes nothing.
                    if !args.iter().any(|a| a == MINIMIZED) {
                        window::show_main(app, None);
                    }
                })
                .build(),
        )
        .plugin(logging::plugin(&config))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg(MINIMIZED)
                .build(),
        )
        .invoke_handler(builder.invoke_handler())
        .manage(state::AppState::open(config))
        .manage(tray::TrayShown::default())
        .manage(rotating::RotationDraft::default())
        .manage(scanning::MigrateDraft::default())
        .setup(move |app| {
            builder.mount_events(app);
            // The window first: its web process then starts while the tray registers.
            if !minimized {
                window::show_main(app.handle(), None);
            }
            // Without a tray the app still works; it just ends when its window closes.
            if let Err(e) = tray::start(app.handle()) {
                log::warn!("no tray icon: {e}");
            }
            login::follow_program(app.handle());
            reminders::start(app.handle());
            quit_on_signal(app.handle());
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("PAT Vault could not start");
    app.run(|app, event| match event {
        RunEvent::WindowEvent {
            event: WindowEvent::Destroyed,
            ..
        } => app.state::<rotating::RotationDraft>().forget(),
        // The last window closed (no exit code): stay in the tray if the user wants so.
        RunEvent::ExitRequested {
            code: None, api, ..
        } if resident::keeps_running(app) => {
            api.prevent_exit();
            resident::settle_in_tray(app);
        }
        // Quit from the tray, the last window closed, or a signal: no secret outlives us
        // on the clipboard.
        RunEvent::Exit => app.state::<state::AppState>().clipboard.wipe_now(),
        _ => {}
    });
}

/// SIGTERM, SIGINT and SIGHUP end the app the orderly way, through `RunEvent::Exit`.
fn quit_on_signal(app: &tauri::AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let kinds = [
                SignalKind::terminate(),
                SignalKind::interrupt(),
                SignalKind::hangup(),
            ];
            let Ok(mut signals) = kinds.into_iter().map(signal).collect::<Result<Vec<_>, _>>()
            else {
                return log::warn!("signals cannot be caught; the clipboard is wiped on quit only");
            };
            let [term, int, hup] = &mut signals[..] else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
            }
            app.exit(0);
        });
    }
}

/// One running app per vault: its D-Bus name carries a digest of the vault's folder, so
/// a test's or a demo's vault never hands over to the user's own app.
fn instance_id(config: &Config) -> String {
    let folder = config
        .data_dir
        .as_ref()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    // FNV-1a: stable across builds, unlike the standard hasher.
    let digest = folder.bytes().fold(0xcbf29ce484222325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });
    format!("dev.patvault.vault_{digest:016x}")
}

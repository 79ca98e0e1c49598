//! The desktop app: adapts the core to Tauri commands and notifications. No vault logic
//! lives here.

mod bindings;
mod checking;
mod clipboard;
mod commands;
mod reminders;
mod rotating;
mod state;

pub use bindings::specta_builder;

pub fn run() {
    let builder = specta_builder();
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(builder.invoke_handler())
        .manage(state::AppState::open())
        .manage(rotating::RotationDraft::default())
        .setup(|app| {
            reminders::start(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the PAT Vault window could not start");
}

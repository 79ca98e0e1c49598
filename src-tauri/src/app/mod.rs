//! The desktop app: adapts the core to Tauri commands. No vault logic lives here.

mod bindings;
mod checking;
mod clipboard;
mod commands;
mod state;

pub use bindings::specta_builder;

pub fn run() {
    let builder = specta_builder();
    tauri::Builder::default()
        .invoke_handler(builder.invoke_handler())
        .manage(state::AppState::open())
        .run(tauri::generate_context!())
        .expect("the PAT Vault window could not start");
}

//! PAT Vault's desktop app over `patvault_core`: `app` adapts the core to the window, the
//! tray and notifications. The command line is a crate of its own (`src-tauri/cli`),
//! which links nothing of this.

pub mod app;

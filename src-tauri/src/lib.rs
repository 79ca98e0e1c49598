//! PAT Vault: named Airtable personal access tokens, secrets in the OS keychain and
//! everything else in an inventory file. `vault`, `secret`, `scopes` and `rotation` are
//! the core and never import tauri; `app` adapts the core to the desktop window and
//! `cli` to the command line.

pub mod airtable;
pub mod app;
pub mod check;
pub mod cli;
pub mod error;
pub mod hardening;
pub mod rotation;
pub mod scopes;
pub mod secret;
pub mod settings;
pub mod vault;

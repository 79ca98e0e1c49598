//! The app's log: warnings and what the app itself reports, to stderr and to
//! `patvault.log` in the vault's folder (private to its owner). Nothing logged carries a
//! secret: the app's own messages never do, and other crates are heard from at warning
//! level only, where none writes what a command was called with.

use log::LevelFilter;
use patvault_core::config::Config;
use patvault_core::files::ensure_private_dir;
use tauri::Wry;
use tauri::plugin::TauriPlugin;
use tauri_plugin_log::{RotationStrategy, Target, TargetKind};

pub const FILE_NAME: &str = "patvault";
/// Enough for months of warnings; one older file is kept beside it.
const MAX_BYTES: u128 = 1 << 20;

pub fn plugin(config: &Config) -> TauriPlugin<Wry> {
    let mut targets = vec![Target::new(TargetKind::Stderr)];
    // The log lives beside the inventory only once that folder is known to be private.
    match config.data_dir.as_ref().map(|d| (d, ensure_private_dir(d))) {
        Some((dir, Ok(()))) => targets.push(Target::new(TargetKind::Folder {
            path: dir.clone(),
            file_name: Some(FILE_NAME.into()),
        })),
        Some((_, Err(e))) => eprintln!("PAT Vault: no log file: {e}"),
        None => {}
    }
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets(targets)
        .level(LevelFilter::Warn)
        .level_for("patvault", LevelFilter::Info)
        .level_for("patvault_core", LevelFilter::Info)
        .max_file_size(MAX_BYTES)
        .rotation_strategy(RotationStrategy::KeepOne)
        .build()
}

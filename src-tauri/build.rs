// The app's own commands are declared here so that each needs an explicit permission
// in `capabilities/`: the window gets only what it uses.
fn main() {
    let commands = &[
        "list_tokens",
        "consumer_kinds",
        "leak_report",
        "vault_owners",
        "vault_health",
        "add_token",
        "edit_token",
        "replace_secret",
        "copy_secret",
        "remove_token",
        "get_settings",
        "save_settings",
        "estimate_check",
        "daily_check_cost",
        "check_tokens",
        "cancel_check",
        "snooze_reminders",
        "open_tokens_page",
        "check_new_secret_of",
        "cancel_rotation",
        "confirm_rotation",
        "check_old_secret_of",
        "forget_old_secret",
        "tick_update",
        "export_calendar",
        "adopt_reach",
        "scan_copies",
        "import_candidates",
        "import_copies",
        "preview_migrate",
        "confirm_migrate",
        "cancel_migrate",
        "list_undo_records",
        "undo_change",
        "forget_undo",
        "delete_backups",
        "restore_orphans",
        "delete_orphans",
        "look_up_secret",
        "scopes_of_secret",
        "list_painted",
    ];
    let attributes = tauri_build::Attributes::new()
        .config_path("tauri.conf.json")
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    tauri_build::try_build(attributes).expect("tauri build script");
}

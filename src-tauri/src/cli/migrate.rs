//! `patvault migrate PATH [--yes]`: shows how the file's plaintext tokens would give way
//! to the vault, asks (unless --yes), and writes it with a backup beside the file.

use std::path::Path;

use super::error::CliError;
use super::tokens::confirm;
use patvault_core::ops::migrate::plan;
use patvault_core::vault::Vault;

pub fn migrate(vault: &Vault, path: &Path, yes: bool) -> Result<(), CliError> {
    let records = vault.list()?;
    let plan = plan(path, &records, &program()?)?;
    eprintln!("In {}:", path.display());
    for change in &plan.changes {
        eprintln!("  - {change}");
    }
    for left in &plan.left {
        eprintln!("  ! {left}");
    }
    let asked = || {
        confirm(
            "Write this change (a backup is kept beside the file)?",
            "migrate changes the file: run it at a terminal to be asked, or pass --yes".into(),
        )
    };
    if !yes && !asked()? {
        eprintln!("Nothing changed.");
        return Ok(());
    }
    let backup = plan.apply(chrono::Utc::now())?;
    eprintln!(
        "Changed {}. The old text is in {}: it still holds the plaintext secret, so delete it once the server starts through the vault.",
        path.display(),
        backup.display()
    );
    Ok(())
}

/// PAT Vault's own path, for the entries to run: a client may start servers with a
/// `PATH` that does not hold it.
pub fn program() -> Result<String, CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::Input(format!("cannot tell where patvault is: {e}")))?;
    Ok(exe.to_string_lossy().into_owned())
}

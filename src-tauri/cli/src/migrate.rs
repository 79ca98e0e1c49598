//! `patvault migrate PATH [--yes]`: shows how the file's plaintext tokens would give way
//! to the vault, asks (unless --yes), and writes it, the old text kept in the vault
//! (its secrets by reference) so `migrate --undo PATH` can put it back; `--forget PATH`
//! lets that go.

use std::path::{Path, PathBuf};

use super::error::CliError;
use super::tokens::confirm;
use patvault_core::config::Config;
use patvault_core::ops::migrate::plan;
use patvault_core::ops::undo::{forget, undo};
use patvault_core::program::Whereabouts;
use patvault_core::vault::Vault;
use patvault_core::wire::shell_word;

pub fn migrate(
    vault: &Vault,
    config: &Config,
    path: &Path,
    yes: bool,
    chosen: Option<PathBuf>,
) -> Result<(), CliError> {
    let records = vault.list()?;
    let plan = plan(path, &records, &program(config, chosen)?)?;
    eprintln!("In {}:", path.display());
    for change in &plan.changes {
        eprintln!("  - {change}");
    }
    for left in &plan.left {
        eprintln!("  ! {left}");
    }
    let asked = || {
        confirm(
            "Write this change?",
            "migrate changes the file: run it at a terminal to be asked, or pass --yes".into(),
        )
    };
    if !yes && !asked()? {
        eprintln!("Nothing changed.");
        return Ok(());
    }
    plan.apply(vault, chrono::Utc::now())?;
    let quoted = shell_word(&path.display().to_string());
    eprintln!(
        "Changed {}. No copy of its old text was left beside it: the vault keeps it, without the secret, and `patvault migrate --undo {quoted}` puts it back.\n\
         The secret sat in this file in plaintext (and maybe in a backup, a sync folder or git history): consider rotating it (`patvault rotate NAME`).",
        path.display(),
    );
    Ok(())
}

/// `migrate --undo PATH`: the file as it was before PAT Vault last changed it.
pub fn undo_change(vault: &Vault, path: &Path) -> Result<(), CliError> {
    let undone = undo(vault, path)?;
    eprintln!(
        "Put back {} as it was on {}.",
        undone.path,
        undone.made.format("%Y-%m-%d %H:%M UTC")
    );
    if !undone.rotated.is_empty() {
        eprintln!(
            "{} rotated since: the file holds its current secret, not the old one.",
            undone.rotated.join(", ")
        );
    }
    Ok(())
}

/// `migrate --forget PATH`: the undo records of the file let go.
pub fn forget_undo(vault: &Vault, path: &Path) -> Result<(), CliError> {
    let n = forget(vault, path)?;
    eprintln!(
        "Forgot {n} undo record{} of {}: the change can no longer be undone.",
        if n == 1 { "" } else { "s" },
        path.display()
    );
    Ok(())
}

/// PAT Vault's own path, for the entries to run (a client may start servers with a
/// `PATH` that does not hold it): `--program` when given, else one only its owner can
/// change (`patvault_core::program`).
pub fn program(config: &Config, chosen: Option<PathBuf>) -> Result<String, CliError> {
    let at = Whereabouts {
        chosen: chosen.or_else(|| config.program.chosen.clone()),
        ..config.program.clone()
    };
    Ok(patvault_core::program::program(&at)?
        .to_string_lossy()
        .into_owned())
}

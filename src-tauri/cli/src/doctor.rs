//! `patvault doctor [--json] [--restore-orphans | --delete-orphans [--yes]]`: whether the
//! keychain and the inventory agree, and where checks would send the tokens; on request,
//! the keychain entries no token points to are made tokens again or deleted first.
//! Exit status 0 when healthy, 2 when not.

use super::error::CliError;
use super::out::print_out;
use super::output::{self, terminal_safe};
use super::tokens::confirm;
use patvault_core::config::Config;
use patvault_core::ops::health::health;
use patvault_core::ops::undo::undo_records;
use patvault_core::vault::Vault;
use patvault_core::wire::shell_word;

/// What to do with the keychain entries no token points to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Orphans {
    Report,
    Restore,
    Delete { yes: bool },
}

pub fn doctor(
    vault: &Vault,
    config: &Config,
    json: bool,
    orphans: Orphans,
) -> Result<i32, CliError> {
    // Writes a killed process left half-made are settled first: what is left is real.
    vault.recover();
    if orphans != Orphans::Report {
        resolve(vault, orphans)?;
    }
    let mut health = health(vault, config);
    health.undo_records = undo_records(vault);
    print_out(if json {
        output::json(&health) + "\n"
    } else {
        output::health(&health)
    });
    Ok(if health.is_healthy() { 0 } else { 2 })
}

fn resolve(vault: &Vault, orphans: Orphans) -> Result<(), CliError> {
    let health = vault.health();
    if let Some(e) = health.keychain.as_ref().or(health.inventory.as_ref()) {
        return Err(CliError::Input(format!(
            "the entries without a token cannot be told: {}",
            e.message
        )));
    }
    let accounts: Vec<String> = health
        .orphan_secrets
        .iter()
        .map(|a| terminal_safe(a))
        .collect();
    if accounts.is_empty() {
        eprintln!("No secret in {} is without a token.", vault.store_name());
        return Ok(());
    }
    if let Orphans::Delete { yes } = orphans {
        let asked = || {
            confirm(
                &format!(
                    "Delete {} secret{} in {} without a token ({})? They are gone for good.",
                    accounts.len(),
                    if accounts.len() == 1 { "" } else { "s" },
                    vault.store_name(),
                    accounts.join(", ")
                ),
                "deleting secrets without a token needs a yes: run it at a terminal to be asked, or pass --yes".into(),
            )
        };
        if !yes && !asked()? {
            eprintln!("Nothing deleted.");
            return Ok(());
        }
    }
    for (account, shown) in health.orphan_secrets.iter().zip(&accounts) {
        let done = match orphans {
            Orphans::Restore => vault.restore_orphan(account, None).map(|r| {
                let name = shell_word(&r.intent.name);
                format!(
                    "Restored {shown} as “{}”: give it its scopes and bases (`patvault check {name}` then `patvault edit {name} --adopt-reach`), or rename it.",
                    r.intent.name
                )
            }),
            _ => vault
                .delete_orphan(account)
                .map(|()| format!("Deleted the secret {shown}.")),
        };
        match done {
            Ok(said) => eprintln!("{said}"),
            Err(e) => eprintln!("patvault: {shown}: {}", terminal_safe(&e.to_string())),
        }
    }
    Ok(())
}

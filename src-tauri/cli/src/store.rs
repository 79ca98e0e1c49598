//! `patvault store show|use`: where this vault keeps its secrets, and choosing that. A
//! protected key's passphrase is asked at the terminal (`/dev/tty`), never read from
//! standard input, which carries secrets and commands' data.

use std::sync::Arc;

use super::error::CliError;
use super::out::print_out;
use super::output::json;
use patvault_core::config::Config;
use patvault_core::vault::Vault;
use patvault_core::vault::identity::SecretString;
use patvault_core::vault::open::AskPassphrase;
use patvault_core::vault::store::{self, NewKey, StoreKind, StoreReport};

/// Asks for a protected key's passphrase at the terminal; None without one.
pub fn ask_passphrase() -> AskPassphrase {
    Arc::new(|| {
        let typed = rpassword::prompt_password("Passphrase of PAT Vault's key: ").ok()?;
        Some(SecretString::from(zeroize::Zeroizing::new(typed).as_str()))
    })
}

pub fn show(config: &Config, as_json: bool) -> Result<i32, CliError> {
    let dir = config
        .data_dir
        .clone()
        .ok_or(patvault_core::vault::VaultError::NoDataFolder)?;
    let report = store::report(config, &dir).map_err(patvault_core::vault::VaultError::from)?;
    print_out(if as_json {
        json(&report) + "\n"
    } else {
        text(&report)
    });
    Ok(0)
}

pub fn text(report: &StoreReport) -> String {
    let by = match report.chosen_by {
        store::ChosenBy::Environment => "chosen for this process by PATVAULT_STORE",
        store::ChosenBy::Vault => "chosen for this vault with `patvault store use`",
        store::ChosenBy::Default => "the default: no store was chosen",
    };
    let mut out = format!(
        "store: {} ({by})\nwhere: {}\n",
        report.store.name(),
        report.location
    );
    if let Some(key) = &report.key {
        out.push_str(&format!("key: {}\n", key.describe()));
    }
    if let Some(warning) = &report.warning {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

pub fn choose(
    vault: &Vault,
    config: &Config,
    kind: &str,
    passphrase: bool,
    unprotected: bool,
) -> Result<(), CliError> {
    let kind = StoreKind::parse(kind)
        .ok_or_else(|| CliError::Input(format!("no store is called “{kind}”: os or file")))?;
    let new_key = if passphrase {
        Some(NewKey::Passphrase(&new_passphrase))
    } else if unprotected {
        Some(NewKey::Unprotected)
    } else {
        None
    };
    let dir = vault.inventory().dir();
    let tokens = vault.list()?.len();
    store::choose(config, dir, kind, tokens, new_key, &*ask_passphrase())?;
    let report = store::report(config, dir).map_err(patvault_core::vault::VaultError::from)?;
    print_out(format!(
        "This vault now keeps its secrets here.\n{}",
        text(&report)
    ));
    Ok(())
}

/// A new passphrase, typed twice at the terminal; why there is none.
fn new_passphrase() -> Result<SecretString, String> {
    let asked =
        |prompt: &str| {
            rpassword::prompt_password(prompt).map(zeroize::Zeroizing::new).map_err(|e| {
            format!(
                "a passphrase is asked at a terminal, and none answered ({e}); without one, \
                 use a systemd credential, PATVAULT_IDENTITY_FILE, or --unprotected-identity"
            )
        })
        };
    let first = asked("New passphrase for PAT Vault's key: ")?;
    let again = asked("The same passphrase again: ")?;
    if first.is_empty() {
        return Err("an empty passphrase protects nothing; nothing was changed".into());
    }
    if *first != *again {
        return Err("the two passphrases differ; nothing was changed".into());
    }
    Ok(SecretString::from(first.as_str()))
}

//! `patvault store show|use|move`: where this vault keeps its secrets, choosing that, and
//! moving them. A
//! protected key's passphrase is asked at the terminal (`/dev/tty`), never read from
//! standard input, which carries secrets and commands' data.

use std::sync::Arc;

use super::error::CliError;
use super::out::print_out;
use super::output::json;
use patvault_core::config::Config;
use patvault_core::vault::Vault;
use patvault_core::vault::identity::SecretString;
use patvault_core::vault::moving::{self, Moved};
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
    if let Some(key) = &report.key_described {
        out.push_str(&format!("key: {key}\n"));
    }
    if let Some(warning) = &report.warning {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

pub fn move_to(
    config: &Config,
    to: StoreKind,
    passphrase: bool,
    unprotected: bool,
) -> Result<(), CliError> {
    let new_key = new_key(passphrase, unprotected);
    let moved = moving::start(config, to, new_key, ask_passphrase(), &mut progress)?;
    print_out(said(&moved));
    Ok(())
}

/// Finishes a move cut short, if there is one: what `doctor` does first.
pub fn finish_move(config: &Config) -> Result<(), CliError> {
    let Some(dir) = &config.data_dir else {
        return Ok(());
    };
    if moving::unfinished(dir)?.is_none() {
        return Ok(());
    }
    let moved = moving::finish(config, ask_passphrase(), &mut progress)?;
    eprint!("A move cut short is finished. {}", said(&moved));
    Ok(())
}

fn progress(done: usize, of: usize) {
    eprintln!("in the new store and read back: {done} of {of}");
}

fn said(moved: &Moved) -> String {
    format!(
        "The vault's secrets are in the {} store now: {} entr{} copied, {} deleted from the {} store.\n",
        moved.to.name(),
        moved.copied,
        if moved.copied == 1 { "y" } else { "ies" },
        moved.deleted,
        moved.from.name()
    )
}

fn new_key(passphrase: bool, unprotected: bool) -> Option<NewKey<'static>> {
    if passphrase {
        Some(NewKey::Passphrase(&new_passphrase))
    } else if unprotected {
        Some(NewKey::Unprotected)
    } else {
        None
    }
}

pub fn choose(
    vault: &Vault,
    config: &Config,
    kind: StoreKind,
    passphrase: bool,
    unprotected: bool,
) -> Result<(), CliError> {
    let new_key = new_key(passphrase, unprotected);
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

//! Where a vault keeps its secrets: the OS keychain (the default), or age-encrypted files
//! in the vault's own folder for machines without one (a server, cron, a container).
//! Chosen once per vault in `store.json` beside the inventory, so the app, cron and MCP
//! children agree, and overridden for one process by `PATVAULT_STORE`. PAT Vault never
//! chooses for the user: a keychain that does not answer never falls through to files,
//! and there is no plaintext store.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{ErrorKind, UserError};
use crate::files::{FileError, NotRead, ensure_private_dir, read_regular, write_atomic};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager.
    #[default]
    Os,
    /// One age-encrypted file per token in the vault's `secrets` folder.
    File,
}

impl StoreKind {
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Os => "os",
            StoreKind::File => "file",
        }
    }

    pub fn parse(name: &str) -> Option<StoreKind> {
        match name.trim() {
            "os" => Some(StoreKind::Os),
            "file" => Some(StoreKind::File),
            _ => None,
        }
    }
}

/// The vault's own choice, as `store.json` keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreChoice {
    pub store: StoreKind,
    /// The file store's public keys (`age1…`): a secret is encrypted to each. Public:
    /// adding a token needs no key to be unlocked.
    pub recipients: Vec<String>,
}

/// Who made the choice this process runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ChosenBy {
    /// `PATVAULT_STORE`, for this process only.
    Environment,
    /// `patvault store use` (or a move), kept in the vault.
    Vault,
    /// Nothing chose: the OS keychain.
    Default,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("PATVAULT_STORE is “{0}”: it takes os (the OS keychain) or file (age-encrypted files)")]
    UnknownStore(String),
    #[error(
        "the vault's store choice {} cannot be read ({reason}): fix or remove it (without it \
         the OS keychain is used), or choose again with `patvault store use os|file`",
        path.display()
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error(transparent)]
    File(#[from] FileError),
}

impl UserError for StoreError {
    fn kind(&self) -> ErrorKind {
        match self {
            StoreError::UnknownStore(_) => ErrorKind::InvalidInput,
            StoreError::Unreadable { .. } => ErrorKind::SettingsUnreadable,
            StoreError::File(e) => e.kind(),
        }
    }
}

const FILE: &str = "store.json";

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// The vault's choice; the default (the OS keychain) when it never chose.
pub fn load(dir: &Path) -> Result<StoreChoice, StoreError> {
    let path = path(dir);
    let unreadable = |reason: String| StoreError::Unreadable {
        path: path.clone(),
        reason,
    };
    match read_regular(&path, 64 << 10) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string())),
        Err(NotRead::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(StoreChoice::default())
        }
        Err(e) => Err(unreadable(e.to_string())),
    }
}

pub fn save(dir: &Path, choice: &StoreChoice) -> Result<(), StoreError> {
    ensure_private_dir(dir)?;
    let mut text = serde_json::to_string_pretty(choice).unwrap_or_default();
    text.push('\n');
    Ok(write_atomic(&path(dir), text.as_bytes())?)
}

/// The store this process uses, and who chose it.
pub fn chosen(config: &Config, dir: &Path) -> Result<(StoreKind, ChosenBy), StoreError> {
    if let Some(name) = &config.store {
        let kind = StoreKind::parse(name).ok_or_else(|| StoreError::UnknownStore(name.clone()))?;
        return Ok((kind, ChosenBy::Environment));
    }
    if !path(dir).exists() {
        return Ok((StoreKind::Os, ChosenBy::Default));
    }
    Ok((load(dir)?.store, ChosenBy::Vault))
}

/// What `store show`, `doctor` and the app say about the store in use.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct StoreReport {
    pub store: StoreKind,
    pub chosen_by: ChosenBy,
    /// The keychain service, or the folder of the encrypted files.
    pub location: String,
    /// Where the file store's key comes from; None for the OS keychain, or when no key
    /// is found.
    pub key: Option<super::identity::IdentitySource>,
    /// What the user should know: no key, or a key kept unprotected.
    pub warning: Option<String>,
}

pub fn report(config: &Config, dir: &Path) -> Result<StoreReport, StoreError> {
    use super::identity::{self, IdentitySource};
    let (store, chosen_by) = chosen(config, dir)?;
    if store == StoreKind::Os {
        return Ok(StoreReport {
            store,
            chosen_by,
            location: format!("the OS keychain, service {}", config.keychain_service),
            key: None,
            warning: None,
        });
    }
    let key = identity::find(config);
    let warning = match &key {
        None => Some(identity::none_found(config).to_string()),
        Some(IdentitySource::Unprotected(path)) => Some(format!(
            "the key is kept unprotected in {}: anyone who can read that file can read every \
             secret; prefer a systemd credential, PATVAULT_IDENTITY_FILE on a secret mount, \
             or a passphrase",
            path.display()
        )),
        Some(_) => None,
    };
    Ok(StoreReport {
        store,
        chosen_by,
        location: super::file_store::folder(dir).display().to_string(),
        key,
        warning,
    })
}

/// A key to make for the file store when none is found.
pub enum NewKey {
    Passphrase(super::identity::SecretString),
    Unprotected,
}

/// Chooses `kind` for the vault in `dir`, which holds `tokens` tokens. The file store
/// takes the first key found, or makes `new_key`; without either it is refused with
/// every place a key may come from.
pub fn choose(
    config: &Config,
    dir: &Path,
    kind: StoreKind,
    tokens: usize,
    new_key: Option<NewKey>,
    ask: &dyn Fn() -> Option<super::identity::SecretString>,
) -> Result<(), super::VaultError> {
    use super::identity;
    let mut choice = load(dir)?;
    if kind != choice.store && tokens > 0 {
        return Err(super::VaultError::Invalid(format!(
            "the vault holds {tokens} token{} whose secrets are in the {} store: choosing \
             the {} store now would leave them behind; nothing was changed",
            if tokens == 1 { "" } else { "s" },
            choice.store.name(),
            kind.name()
        )));
    }
    if kind == StoreKind::File {
        let recipient = match (identity::find(config), new_key) {
            (Some(source), _) => identity::load(&source, ask, config)?.to_public(),
            (None, Some(NewKey::Passphrase(p))) => identity::create(config, Some(p))?,
            (None, Some(NewKey::Unprotected)) => identity::create(config, None)?,
            (None, None) => return Err(identity::none_found(config).into()),
        };
        choice.recipients = vec![recipient.to_string()];
    }
    choice.store = kind;
    Ok(save(dir, &choice)?)
}

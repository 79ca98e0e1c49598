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

pub use super::kind::StoreKind;

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
        "the vault's store choice {} cannot be read ({reason}): fix it, or remove it to use \
         the OS keychain; nothing was changed",
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
    let mut text = serde_json::to_string_pretty(choice).expect("a store choice is plain data");
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
    /// The store in a sentence: "the keychain".
    pub described: &'static str,
    pub chosen_by: ChosenBy,
    /// The keychain service, or the folder of the encrypted files.
    pub location: String,
    /// Where the file store's key comes from; None for the OS keychain, or when no key
    /// is found.
    pub key: Option<super::identity::IdentitySource>,
    /// That key's place, in words.
    pub key_described: Option<String>,
    /// What the user should know: no key, or a key kept unprotected.
    pub warning: Option<String>,
}

impl StoreReport {
    /// Whether secrets can be read at all: the file store needs its key.
    pub fn has_key(&self) -> bool {
        self.store == StoreKind::Os || self.key.is_some()
    }
}

pub fn report(config: &Config, dir: &Path) -> Result<StoreReport, StoreError> {
    use super::identity::{self, IdentitySource};
    let (store, chosen_by) = chosen(config, dir)?;
    if store == StoreKind::Os {
        return Ok(StoreReport {
            store,
            described: store.described(),
            chosen_by,
            location: format!("the OS keychain, service {}", config.keychain_service),
            key: None,
            key_described: None,
            warning: None,
        });
    }
    let (key, warning) = match identity::find(config) {
        Err(e) => (None, Some(e.to_string())),
        Ok(None) => (None, Some(identity::none_found(config).to_string())),
        Ok(Some(source)) => {
            let unprotected = match &source {
                IdentitySource::Unprotected(path) => Some(format!(
                    "the key is kept unprotected in {}: anyone who can read that file can read \
                     every secret; prefer a systemd credential, PATVAULT_IDENTITY_FILE on a \
                     secret mount, or a passphrase",
                    path.display()
                )),
                _ => None,
            };
            let said: Vec<String> = [unprotected, identity::exposed(&source)]
                .into_iter()
                .flatten()
                .collect();
            (Some(source), (!said.is_empty()).then(|| said.join("; ")))
        }
    };
    Ok(StoreReport {
        store,
        described: store.described(),
        chosen_by,
        location: super::file_store::folder(dir).display().to_string(),
        key_described: key.as_ref().map(IdentitySource::describe),
        key,
        warning,
    })
}

/// A key to make for the file store when none is found.
pub enum NewKey<'a> {
    /// Behind a passphrase, asked (twice, by the shell) only once the choice may go ahead;
    /// the error says why none was given.
    Passphrase(&'a dyn Fn() -> Result<super::identity::SecretString, String>),
    Unprotected,
}

/// Chooses `kind` for the vault in `dir`, which holds `tokens` tokens. The file store
/// takes the key found, or makes `new_key` when there is none; asking for a new key
/// where one is found, or a key the vault's secrets were not encrypted to, is refused.
pub fn choose(
    config: &Config,
    dir: &Path,
    kind: StoreKind,
    tokens: usize,
    new_key: Option<NewKey>,
    ask: &dyn Fn() -> Option<super::identity::SecretString>,
) -> Result<(), super::VaultError> {
    use super::VaultError::Invalid;
    let mut choice = load(dir)?;
    if kind != choice.store && tokens > 0 {
        return Err(Invalid(format!(
            "the vault holds {tokens} token{} whose secrets are in the {} store: choosing \
             the {} store now would leave them behind; nothing was changed. Move them there \
             with `patvault store move --to {}`",
            if tokens == 1 { "" } else { "s" },
            choice.store.name(),
            kind.name(),
            kind.name()
        )));
    }
    if kind == StoreKind::File {
        let recipient = file_key(config, new_key, ask)?.to_public().to_string();
        if tokens > 0 && choice.store == StoreKind::File && !choice.recipients.contains(&recipient)
        {
            return Err(Invalid(format!(
                "the vault's {tokens} secrets were encrypted to another key than the one found \
                 ({recipient}): give the store the key they were made with; nothing was changed"
            )));
        }
        // The key found alone: a key someone else added to the list goes.
        choice.recipients = vec![recipient];
    }
    choice.store = kind;
    Ok(save(dir, &choice)?)
}

/// The file store's key, unlocked: the key found, or `new_key` made when none is.
/// Asking for a new key where one is found is refused, so no key is ignored.
pub fn file_key(
    config: &Config,
    new_key: Option<NewKey>,
    ask: &dyn Fn() -> Option<super::identity::SecretString>,
) -> Result<age::x25519::Identity, super::VaultError> {
    use super::VaultError::Invalid;
    use super::identity;
    let key = match (identity::find(config)?, new_key) {
        (Some(source), Some(_)) => {
            return Err(Invalid(format!(
                "a key is already there ({}): it is used as it is, so leave out \
                 --passphrase and --unprotected-identity; nothing was changed",
                source.describe()
            )));
        }
        (Some(source), None) => identity::load(&source, ask)?,
        (None, Some(NewKey::Passphrase(asked))) => {
            identity::create(config, Some(asked().map_err(Invalid)?))?
        }
        (None, Some(NewKey::Unprotected)) => identity::create(config, None)?,
        (None, None) => return Err(identity::none_found(config).into()),
    };
    Ok(key)
}

//! The errors a user can meet, each with a kind the UI branches on and a message that
//! says what to do next. No message ever contains a secret.

use serde::Serialize;
use std::path::PathBuf;

use crate::vault::keychain::KeychainError;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no token is named “{0}”")]
    NotFound(String),
    #[error(
        "this token is no longer in the vault (it may have been removed elsewhere): reopen the list"
    )]
    TokenGone,
    #[error("a token named “{0}” already exists: pick another name")]
    NameTaken(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} Save it anyway if you are sure.")]
    UnusualShape(String),
    #[error("{0}")]
    Keychain(#[from] KeychainError),
    #[error(
        "the inventory {} cannot be read ({reason}); it was left untouched. {}",
        path.display(),
        backup_hint(backup)
    )]
    InventoryCorrupt {
        path: PathBuf,
        backup: Option<PathBuf>,
        reason: String,
    },
    #[error(
        "the inventory {} was written by a newer PAT Vault (format {found}); update PAT Vault to open it",
        path.display()
    )]
    InventoryTooNew { path: PathBuf, found: u32 },
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Clipboard(String),
    #[error(
        "an earlier rotation of “{0}” still keeps its old secret: finish it first \
         (`patvault rotate NAME --finish`, or the old secret's follow-up on the token's page)"
    )]
    RotationUnfinished(String),
    #[error("the vault's folder {} is not safe to use: {why}", path.display())]
    UnsafeFolder { path: PathBuf, why: String },
    #[error(
        "another PAT Vault process holds the vault (the lock {} was not free within {} s): \
         let it finish or close it, then try again",
        path.display(), waited.as_secs()
    )]
    VaultBusy {
        path: PathBuf,
        waited: std::time::Duration,
    },
}

fn backup_hint(backup: &Option<PathBuf>) -> String {
    match backup {
        Some(b) => format!(
            "The previous version is {}: fix the file or copy the backup over it",
            b.display()
        ),
        None => "There is no backup of it: fix the file by hand or move it away".into(),
    }
}

/// What the UI can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    NotFound,
    NameTaken,
    InvalidInput,
    UnusualShape,
    KeychainUnavailable,
    KeychainLocked,
    KeychainTimedOut,
    SecretMissing,
    KeychainFailed,
    InventoryCorrupt,
    InventoryTooNew,
    Io,
    Clipboard,
    /// A rotation cannot start while the last one still keeps its old secret.
    RotationUnfinished,
    /// The data folder is a link, or another user's.
    UnsafeFolder,
    /// Another process held the vault's lock past the deadline.
    VaultBusy,
    /// Another check is still running.
    CheckRunning,
    /// The check cannot start: `PATVAULT_AIRTABLE_URL` or the HTTP client is unusable.
    CheckSetup,
}

/// An error as it crosses to the web view or to `--json` output.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ErrorReport {
    pub kind: ErrorKind,
    pub message: String,
}

impl VaultError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            VaultError::NotFound(_) | VaultError::TokenGone => ErrorKind::NotFound,
            VaultError::NameTaken(_) => ErrorKind::NameTaken,
            VaultError::Invalid(_) => ErrorKind::InvalidInput,
            VaultError::UnusualShape(_) => ErrorKind::UnusualShape,
            VaultError::Keychain(k) => k.kind(),
            VaultError::InventoryCorrupt { .. } => ErrorKind::InventoryCorrupt,
            VaultError::InventoryTooNew { .. } => ErrorKind::InventoryTooNew,
            VaultError::Io { .. } => ErrorKind::Io,
            VaultError::Clipboard(_) => ErrorKind::Clipboard,
            VaultError::RotationUnfinished(_) => ErrorKind::RotationUnfinished,
            VaultError::UnsafeFolder { .. } => ErrorKind::UnsafeFolder,
            VaultError::VaultBusy { .. } => ErrorKind::VaultBusy,
        }
    }
}

impl From<VaultError> for ErrorReport {
    fn from(e: VaultError) -> Self {
        ErrorReport {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

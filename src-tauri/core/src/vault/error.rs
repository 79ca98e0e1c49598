//! What can go wrong in the vault: the token asked for, what the user typed, the
//! keychain, the inventory and its folder. No message ever contains a secret.

use std::path::PathBuf;

use super::keychain::KeychainError;
use super::store::StoreError;
use crate::error::{ErrorKind, UserError};
use crate::files::FileError;
use crate::model::record::InvalidIntent;

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
    /// What the user typed or pasted cannot be kept; the message says why.
    #[error("{0}")]
    Invalid(String),
    #[error("{0} Save it anyway if you are sure.")]
    UnusualShape(String),
    #[error("{0}")]
    Keychain(#[from] KeychainError),
    #[error(transparent)]
    Store(#[from] StoreError),
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
    #[error(transparent)]
    File(#[from] FileError),
    #[error(
        "an earlier rotation of “{0}” still keeps its old secret: finish it first \
         (`patvault rotate NAME --finish`, or the old secret's follow-up on the token's page)"
    )]
    RotationUnfinished(String),
    /// The rotation's old secret was let go already (checked revoked, or forgotten).
    #[error("the old secret of this rotation is no longer kept")]
    OldSecretGone,
    #[error("no data folder is known for this user: set PATVAULT_DATA_DIR to a folder")]
    NoDataFolder,
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

impl From<InvalidIntent> for VaultError {
    fn from(e: InvalidIntent) -> Self {
        VaultError::Invalid(e.0)
    }
}

impl UserError for VaultError {
    fn kind(&self) -> ErrorKind {
        match self {
            VaultError::NotFound(_) | VaultError::TokenGone => ErrorKind::NotFound,
            VaultError::NameTaken(_) => ErrorKind::NameTaken,
            VaultError::Invalid(_) => ErrorKind::InvalidInput,
            VaultError::UnusualShape(_) => ErrorKind::UnusualShape,
            VaultError::Keychain(k) => k.kind(),
            VaultError::Store(e) => e.kind(),
            VaultError::InventoryCorrupt { .. } => ErrorKind::InventoryCorrupt,
            VaultError::InventoryTooNew { .. } => ErrorKind::InventoryTooNew,
            VaultError::File(e) => e.kind(),
            VaultError::RotationUnfinished(_) => ErrorKind::RotationUnfinished,
            VaultError::NoDataFolder => ErrorKind::NoDataFolder,
            VaultError::OldSecretGone => ErrorKind::SecretMissing,
        }
    }
}

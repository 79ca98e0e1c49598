//! What can fail in the app itself, beside the core's own errors: the one check slot,
//! the browser, autostart, the clipboard and a window that asks for what is gone. Each
//! has its kind; the window receives them all as `ErrorReport`.

use patvault_core::error::{ErrorKind, UserError};
use patvault_core::files::FileError;
use patvault_core::ops::adopt::AdoptInVaultError;
use patvault_core::ops::client::SetupError;
use patvault_core::ops::renewal::RenewalError;
use patvault_core::program::UnsafeProgram;
use patvault_core::scopes::TOKENS_PAGE;
use patvault_core::settings::SettingsError;
use patvault_core::vault::VaultError;
use patvault_core::wire::WireError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Renewal(#[from] RenewalError),
    #[error(transparent)]
    Adopt(#[from] AdoptInVaultError),
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error(transparent)]
    Program(#[from] UnsafeProgram),
    #[error("a check is already running: wait for it or cancel it")]
    CheckRunning,
    #[error("the browser could not be opened ({0}): go to {TOKENS_PAGE}")]
    Browser(String),
    #[error("{0}")]
    Autostart(String),
    #[error("{0}")]
    Clipboard(String),
    /// What the window asked for no longer makes sense; the message says what to do.
    #[error("{0}")]
    Stale(&'static str),
    #[error("no downloads or home folder to write the calendar to")]
    NoExportFolder,
    /// Work handed to a blocking thread never came back.
    #[error("internal error: {0}")]
    Internal(String),
}

impl UserError for AppError {
    fn kind(&self) -> ErrorKind {
        match self {
            AppError::Vault(e) => e.kind(),
            AppError::Settings(e) => e.kind(),
            AppError::File(e) => e.kind(),
            AppError::Setup(e) => e.kind(),
            AppError::Renewal(e) => e.kind(),
            AppError::Adopt(e) => e.kind(),
            AppError::Wire(e) => e.kind(),
            AppError::Program(e) => e.kind(),
            AppError::CheckRunning => ErrorKind::CheckRunning,
            AppError::Browser(_) => ErrorKind::Browser,
            AppError::Autostart(_) => ErrorKind::Autostart,
            AppError::Clipboard(_) => ErrorKind::Clipboard,
            AppError::Stale(_) => ErrorKind::InvalidInput,
            AppError::NoExportFolder | AppError::Internal(_) => ErrorKind::Io,
        }
    }
}

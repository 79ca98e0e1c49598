//! What stops a command: the layer below's error as it is, or the command line's own
//! (what was typed, a command that cannot run). Printed as one line on stderr.

use patvault_core::check::adopt::AdoptError;
use patvault_core::files::FileError;
use patvault_core::ops::adopt::AdoptInVaultError;
use patvault_core::ops::client::SetupError;
use patvault_core::ops::renewal::RenewalError;
use patvault_core::program::UnsafeProgram;
use patvault_core::vault::VaultError;
use patvault_core::wire::WireError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Renewal(#[from] RenewalError),
    #[error(transparent)]
    Adopt(#[from] AdoptError),
    #[error(transparent)]
    AdoptInVault(#[from] AdoptInVaultError),
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error(transparent)]
    Program(#[from] UnsafeProgram),
    /// What was typed cannot be used; the message says why.
    #[error("{0}")]
    Input(String),
    /// A file or standard output could not be written.
    #[error("cannot write: {0}")]
    Output(std::io::Error),
    /// The check's async runtime could not start.
    #[error("cannot start the check: {0}")]
    Runtime(std::io::Error),
}

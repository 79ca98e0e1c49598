//! What crosses to a user when something fails: a kind the UI and the CLI branch on, and
//! a message that says what to do next. Each layer has its own error type; all of them
//! name their kind here and become an `ErrorReport` the same way. No message ever
//! contains a secret.

use serde::Serialize;

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
    /// The program a config would run is in a place another user could take over.
    UnsafeProgram,
    /// No data folder is known for this user.
    NoDataFolder,
    /// The settings file cannot be read; the defaults are used meanwhile.
    SettingsUnreadable,
    /// Another process held the vault's lock past the deadline.
    VaultBusy,
    /// Airtable refuses a rotation's new secret.
    NewSecretRefused,
    /// A rotation's new secret is another user's or loses intended reach, and the user
    /// did not insist.
    RotationRefused,
    /// Airtable could not be asked.
    AirtableUnavailable,
    /// Another check is still running.
    CheckRunning,
    /// This needs a (full) live check of the token first.
    NeedsCheck,
    /// The check cannot start: `PATVAULT_AIRTABLE_URL` or the HTTP client is unusable.
    CheckSetup,
    /// The browser could not be opened.
    Browser,
    /// Starting with the session could not be turned on or off.
    Autostart,
    /// A config PAT Vault was to change does not parse; it was left as it was.
    ConfigUnparsable,
    /// A file PAT Vault was to change is read-only.
    FileReadOnly,
    /// A file changed between being read and being written; nothing was written.
    FileChanged,
}

/// An error as it crosses to the web view or to `--json` output.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ErrorReport {
    pub kind: ErrorKind,
    pub message: String,
}

/// An error a user meets: its kind, and (as `Display`) its message.
pub trait UserError: std::fmt::Display {
    fn kind(&self) -> ErrorKind;

    fn report(&self) -> ErrorReport {
        ErrorReport {
            kind: self.kind(),
            message: self.to_string(),
        }
    }
}

impl<E: UserError> From<E> for ErrorReport {
    fn from(e: E) -> Self {
        e.report()
    }
}

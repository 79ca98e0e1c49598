//! The OS keychain behind a small trait, so that every failure is typed and a failed
//! read is never mistaken for "no token". Its calls block; the vault runs them in order
//! on a worker of their own, under a timeout (see `ordered`): a keychain waiting on an
//! unlock prompt must not freeze the app or the CLI.

use super::kind::StoreKind;
use crate::error::{ErrorKind, UserError};
use crate::secret::Secret;

#[derive(Debug, Clone, thiserror::Error)]
pub enum KeychainError {
    #[error("the keychain has no secret for this token: set it again with “Replace secret”")]
    NotFound,
    #[error("the keychain is not available ({detail}): {fix}")]
    Unavailable { detail: String, fix: &'static str },
    #[error(
        "the keychain is locked or refused access: unlock it (log in again, or unlock the \
         login keyring in your keychain app) and try again"
    )]
    Locked,
    #[error(
        "the keychain did not answer within {0} seconds: it may be waiting for you to \
         unlock it; unlock it and try again"
    )]
    TimedOut(u64),
    #[error(
        "the keychain did not confirm the change within {0} seconds, and may still make it: \
         PAT Vault settles it once the keychain answers; run `patvault doctor` then"
    )]
    OutcomeUnknown(u64),
    #[error("the keychain failed: {0}")]
    Failed(String),
    /// The encrypted-file store's key is missing, or cannot be unlocked here.
    #[error("{0}")]
    NoKey(String),
    /// Another process moved the vault's secrets to the other store after this one
    /// opened the vault.
    #[error(
        "the vault's secrets were moved to the {0} store after this program started: \
         start it again; nothing was changed"
    )]
    StoreMoved(&'static str),
}

impl UserError for KeychainError {
    fn kind(&self) -> ErrorKind {
        match self {
            KeychainError::NotFound => ErrorKind::SecretMissing,
            KeychainError::Unavailable { .. } => ErrorKind::KeychainUnavailable,
            KeychainError::Locked => ErrorKind::KeychainLocked,
            KeychainError::TimedOut(_) | KeychainError::OutcomeUnknown(_) => {
                ErrorKind::KeychainTimedOut
            }
            KeychainError::Failed(_) => ErrorKind::KeychainFailed,
            KeychainError::NoKey(_) | KeychainError::StoreMoved(_) => {
                ErrorKind::KeychainUnavailable
            }
        }
    }
}

/// One entry per token: `account` is the token's stable id, never its name.
pub trait Keychain: Send + Sync {
    /// The service name this vault's entries are stored under.
    fn service(&self) -> &str;
    /// Which of the two stores this is, for messages that name it.
    fn kind(&self) -> StoreKind;
    fn store(&self, account: &str, secret: &Secret) -> Result<(), KeychainError>;
    fn read(&self, account: &str) -> Result<Secret, KeychainError>;
    /// Deleting an entry that is already gone succeeds.
    fn delete(&self, account: &str) -> Result<(), KeychainError>;
    /// The accounts that have an entry under this vault's service.
    fn accounts(&self) -> Result<Vec<String>, KeychainError>;
    /// Makes reading possible. Called on the caller's thread, with no time limit, before
    /// a read is queued: a key behind a passphrase is asked for here, where the person
    /// typing it is not timed. The OS keychains need nothing.
    fn unlock(&self) -> Result<(), KeychainError> {
        Ok(())
    }
}

/// The platform's keychain through keyring-core: Secret Service on Linux and the BSDs,
/// Keychain Services on macOS, Credential Manager on Windows.
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    pub fn new(service: impl Into<String>) -> Self {
        OsKeychain {
            service: service.into(),
        }
    }

    fn call<T>(
        &self,
        op: impl FnOnce(&str) -> Result<T, keyring_core::Error>,
    ) -> Result<T, KeychainError> {
        platform::ensure_default_store()?;
        op(&self.service).map_err(map_error)
    }
}

impl Keychain for OsKeychain {
    fn service(&self) -> &str {
        &self.service
    }

    fn kind(&self) -> StoreKind {
        StoreKind::Os
    }

    fn store(&self, account: &str, secret: &Secret) -> Result<(), KeychainError> {
        let account = account.to_owned();
        let secret = secret.clone();
        self.call(move |service| platform::entry(service, &account)?.set_password(secret.expose()))
    }

    fn read(&self, account: &str) -> Result<Secret, KeychainError> {
        let account = account.to_owned();
        self.call(move |service| {
            let password =
                zeroize::Zeroizing::new(platform::entry(service, &account)?.get_password()?);
            Ok(Secret::new(password.as_str()))
        })
    }

    fn delete(&self, account: &str) -> Result<(), KeychainError> {
        let account = account.to_owned();
        match self.call(move |service| platform::entry(service, &account)?.delete_credential()) {
            Err(KeychainError::NotFound) => Ok(()),
            other => other,
        }
    }

    fn accounts(&self) -> Result<Vec<String>, KeychainError> {
        #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
        return platform::accounts(&self.service);
        #[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
        self.call(|service| {
            let mut accounts: Vec<String> =
                keyring_core::Entry::search(&platform::search_spec(service))?
                    .iter()
                    .filter_map(|entry| entry.get_specifiers())
                    .filter_map(|(s, user)| platform::account_of(service, &s, user))
                    .collect();
            accounts.sort();
            Ok(accounts)
        })
    }
}

/// Maps keyring errors to what the user can act on. Variants that carry the stored
/// bytes (bad encodings) are described, never echoed: those bytes are a secret.
fn map_error(e: keyring_core::Error) -> KeychainError {
    use keyring_core::Error as K;
    match e {
        K::NoEntry => KeychainError::NotFound,
        K::NoStorageAccess(_) => KeychainError::Locked,
        K::NoDefaultStore => KeychainError::Unavailable {
            detail: "no credential store".into(),
            fix: platform::FIX,
        },
        K::PlatformFailure(inner) => platform::classify_failure(inner.to_string()),
        K::BadEncoding(_) | K::BadDataFormat(..) => {
            KeychainError::Failed("the stored secret is not readable text".into())
        }
        K::Ambiguous(entries) => KeychainError::Failed(format!(
            "{} keychain entries match this token; remove the extra ones in your keychain app",
            entries.len()
        )),
        other => KeychainError::Failed(other.to_string()),
    }
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
mod platform {
    use super::KeychainError;
    use std::collections::HashMap;

    pub const FIX: &str = "no Secret Service is running: install and start gnome-keyring or \
         KeePassXC (with Secret Service integration on), then try again. PAT Vault never \
         keeps tokens in plain text; on a machine without a desktop (a server, cron, a \
         container) choose the encrypted-file store instead: `patvault store use file`";

    pub fn entry(service: &str, account: &str) -> keyring_core::Result<keyring_core::Entry> {
        keyring_core::Entry::new(service, account)
    }

    pub fn ensure_default_store() -> Result<(), KeychainError> {
        super::ensure_store(|| zbus_secret_service_keyring_store::Store::new().map(|s| s as _))
    }

    /// This vault's accounts, from one search of the Secret Service. Locked entries are
    /// reported as a locked keychain, never unlocked: unlocking would bring up a prompt
    /// just for opening the window. No secret is read (a plain session is enough).
    pub fn accounts(service: &str) -> Result<Vec<String>, KeychainError> {
        use secret_service::EncryptionType;
        use secret_service::blocking::SecretService;
        let failed = |e: secret_service::Error| classify_failure(e.to_string());
        let ss = SecretService::connect(EncryptionType::Plain).map_err(failed)?;
        let found = ss
            .search_items(HashMap::from([("service", service)]))
            .map_err(failed)?;
        if !found.locked.is_empty() {
            return Err(KeychainError::Locked);
        }
        let mut accounts = Vec::new();
        for item in &found.unlocked {
            let attributes = item.get_attributes().map_err(failed)?;
            if attributes.get("service").map(String::as_str) == Some(service)
                && let Some(account) = attributes.get("username")
            {
                accounts.push(account.clone());
            }
        }
        accounts.sort();
        Ok(accounts)
    }

    /// A missing bus or a bus without a Secret Service means "unavailable"; anything
    /// else the service said is passed on as a failure.
    pub fn classify_failure(detail: String) -> KeychainError {
        let lower = detail.to_lowercase();
        let unavailable = [
            "failed to connect",
            "no such file",
            "serviceunknown",
            "not provided by any .service",
            "connection refused",
        ]
        .iter()
        .any(|needle| lower.contains(needle));
        if unavailable {
            KeychainError::Unavailable { detail, fix: FIX }
        } else {
            KeychainError::Failed(detail)
        }
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::KeychainError;
    use std::collections::HashMap;

    pub const FIX: &str = "the login keychain could not be opened: open Keychain Access and \
         check that the login keychain exists and is unlocked";

    pub fn entry(service: &str, account: &str) -> keyring_core::Result<keyring_core::Entry> {
        keyring_core::Entry::new(service, account)
    }

    pub fn ensure_default_store() -> Result<(), KeychainError> {
        super::ensure_store(|| apple_native_keyring_store::keychain::Store::new().map(|s| s as _))
    }

    pub fn search_spec(service: &str) -> HashMap<&str, &str> {
        HashMap::from([("service", service)])
    }

    pub fn account_of(service: &str, found: &str, user: String) -> Option<String> {
        (found == service).then_some(user)
    }

    pub fn classify_failure(detail: String) -> KeychainError {
        KeychainError::Failed(detail)
    }
}

#[cfg(target_os = "windows")]
mod platform {
    use super::KeychainError;
    use std::collections::HashMap;

    pub const FIX: &str = "Windows Credential Manager could not be reached: check that the \
         Credential Manager service is running";

    /// Kept on this computer only: the store's default, "Enterprise", roams the secret to
    /// every machine of a domain account.
    pub fn entry(service: &str, account: &str) -> keyring_core::Result<keyring_core::Entry> {
        keyring_core::Entry::new_with_modifiers(
            service,
            account,
            &HashMap::from([("persistence", "Local")]),
        )
    }

    pub fn ensure_default_store() -> Result<(), KeychainError> {
        super::ensure_store(|| windows_native_keyring_store::Store::new().map(|s| s as _))
    }

    /// Credential Manager searches by a target-name pattern only: list everything and
    /// let the caller keep this vault's service.
    pub fn search_spec(_service: &str) -> HashMap<&str, &str> {
        HashMap::new()
    }

    pub fn account_of(service: &str, found: &str, user: String) -> Option<String> {
        super::windows_account(service, found, &user)
    }

    pub fn classify_failure(detail: String) -> KeychainError {
        KeychainError::Failed(detail)
    }
}

/// This vault's account in a Windows Credential Manager entry. The store names an entry
/// `ACCOUNT.SERVICE` and splits the name at its last dot, so `UUID.dev.patvault` comes
/// back as service `patvault`, user `UUID.dev`: put it together again and take this
/// vault's service off the end.
#[cfg(any(target_os = "windows", test))]
fn windows_account(service: &str, found: &str, user: &str) -> Option<String> {
    let target = format!("{user}.{found}");
    target
        .strip_suffix(&format!(".{service}"))
        .filter(|account| !account.is_empty())
        .map(str::to_owned)
}

/// Sets keyring-core's default store once; a failed attempt is retried on the next
/// call, so a keychain started after the app is still found.
fn ensure_store(
    make: impl FnOnce() -> keyring_core::Result<std::sync::Arc<keyring_core::CredentialStore>>,
) -> Result<(), KeychainError> {
    static LOCK: parking_lot::Mutex<()> = parking_lot::Mutex::new(());
    let _guard = LOCK.lock();
    if keyring_core::get_default_store().is_none() {
        keyring_core::set_default_store(make().map_err(map_error)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_entries_are_found_whatever_dots_their_names_hold() {
        let id = "0b0e0f52-8d4a-4b8e-9d55-9a1a4c7b1f00";
        // What the store hands back for `ID.dev.patvault` and `ID.previous.dev.patvault`.
        assert_eq!(
            windows_account("dev.patvault", "patvault", &format!("{id}.dev")),
            Some(id.to_owned())
        );
        assert_eq!(
            windows_account("dev.patvault", "patvault", &format!("{id}.previous.dev")),
            Some(format!("{id}.previous"))
        );
        assert_eq!(
            windows_account("dev.patvault.debug", "debug", &format!("{id}.dev.patvault")),
            Some(id.to_owned())
        );
        // Another program's entries, and another vault's, are not ours.
        assert_eq!(
            windows_account("dev.patvault", "com", "git:https://github"),
            None
        );
        assert_eq!(
            windows_account("dev.patvault", "debug", &format!("{id}.dev.patvault")),
            None
        );
        assert_eq!(windows_account("dev.patvault", "patvault", "dev"), None);
    }

    #[test]
    fn a_prompt_refusal_reads_as_locked_and_a_missing_bus_as_unavailable() {
        let locked = map_error(keyring_core::Error::NoStorageAccess(
            "prompt dismissed".into(),
        ));
        assert!(matches!(locked, KeychainError::Locked));
        let no_bus = map_error(keyring_core::Error::PlatformFailure(
            "Failed to connect to address unix:path=/run/user/0/bus".into(),
        ));
        assert_eq!(no_bus.kind(), ErrorKind::KeychainUnavailable);
    }

    #[test]
    fn stored_bytes_never_reach_the_message() {
        let e = map_error(keyring_core::Error::BadEncoding(b"patSECRET.abc".to_vec()));
        assert!(!e.to_string().contains("SECRET"));
    }
}

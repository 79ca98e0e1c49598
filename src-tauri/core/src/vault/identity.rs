//! Where the file store's key (an age X25519 identity) comes from, first found first:
//! a systemd credential, a file the environment names (a container's or CI runner's
//! secret mount), a passphrase-protected identity in the user's configuration folder,
//! or an unprotected one there, made only when the user asks for it by name. Every one
//! is a file in age's own format, so Debian's `age -d -i FILE` reads what the vault wrote.

use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use age::secrecy::SecretString;

use age::secrecy::ExposeSecret;
use age::x25519;
use serde::Serialize;
use zeroize::Zeroizing;

use super::keychain::KeychainError;
use crate::config::{APP_ID, Config};
use crate::files::{FileError, ensure_private_dir, read_regular, write_new};

/// The credential's name under `$CREDENTIALS_DIRECTORY` (`LoadCredential=patvault.identity:…`).
pub const CREDENTIAL: &str = "patvault.identity";
const PROTECTED: &str = "identity.age";
const UNPROTECTED: &str = "identity.txt";

/// Where a key was, or may be, found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", content = "path", rename_all = "snake_case")]
pub enum IdentitySource {
    /// A systemd credential.
    Credential(PathBuf),
    /// The file `PATVAULT_IDENTITY_FILE` names.
    EnvironmentFile(PathBuf),
    /// Encrypted with a passphrase, asked for on a terminal.
    Passphrase(PathBuf),
    /// Readable by anyone who can read the file: protects copies of the vault's folder
    /// only.
    Unprotected(PathBuf),
}

impl IdentitySource {
    pub fn path(&self) -> &Path {
        match self {
            IdentitySource::Credential(p)
            | IdentitySource::EnvironmentFile(p)
            | IdentitySource::Passphrase(p)
            | IdentitySource::Unprotected(p) => p,
        }
    }

    /// What it is, in a few words, with its path.
    pub fn describe(&self) -> String {
        let what = match self {
            IdentitySource::Credential(_) => "a systemd credential",
            IdentitySource::EnvironmentFile(_) => "the file PATVAULT_IDENTITY_FILE names",
            IdentitySource::Passphrase(_) => "an identity protected by a passphrase",
            IdentitySource::Unprotected(_) => "an unprotected identity file",
        };
        format!("{what}, {}", self.path().display())
    }
}

/// The folder of the user's own identity files.
fn own_folder(config: &Config) -> Option<PathBuf> {
    config.config_home.as_ref().map(|c| c.join(APP_ID))
}

/// Every place a key may come from, in the order they are tried.
pub fn places(config: &Config) -> Vec<IdentitySource> {
    let mut places = Vec::new();
    if let Some(dir) = &config.identity.credentials_dir {
        places.push(IdentitySource::Credential(dir.join(CREDENTIAL)));
    }
    if let Some(file) = &config.identity.file {
        places.push(IdentitySource::EnvironmentFile(file.clone()));
    }
    if let Some(dir) = own_folder(config) {
        places.push(IdentitySource::Passphrase(dir.join(PROTECTED)));
        places.push(IdentitySource::Unprotected(dir.join(UNPROTECTED)));
    }
    places
}

/// The first place that holds a key. A file `PATVAULT_IDENTITY_FILE` names is never
/// passed over: a mount not made yet, or a typo, must not hand the vault another key.
pub fn find(config: &Config) -> Result<Option<IdentitySource>, KeychainError> {
    if let Some(file) = &config.identity.file
        && !file.is_file()
    {
        return Err(KeychainError::NoKey(format!(
            "PATVAULT_IDENTITY_FILE names {}, which is not a file: mount or fix it, or unset \
             the variable",
            file.display()
        )));
    }
    Ok(places(config).into_iter().find(|p| p.path().is_file()))
}

/// Why a key file that is not behind a passphrase is open to others, if it is.
pub fn exposed(source: &IdentitySource) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if matches!(source, IdentitySource::Passphrase(_)) {
            return None;
        }
        let mode = std::fs::metadata(source.path()).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| {
            format!(
                "the key {} can be read by other users (mode {mode:o}): `chmod 600` it",
                source.path().display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = source;
        None
    }
}

/// Why no key was found, with every place one could be.
pub fn none_found(config: &Config) -> KeychainError {
    let tried = places(config)
        .iter()
        .map(IdentitySource::describe)
        .collect::<Vec<_>>()
        .join("; ");
    KeychainError::NoKey(format!(
        "no key for the encrypted-file store was found (looked for {tried}): give it one \
         with `patvault store use file --passphrase` or `--unprotected-identity`, a systemd \
         credential {CREDENTIAL}, or PATVAULT_IDENTITY_FILE"
    ))
}

/// The key at `source`; `passphrase` is asked only for a protected identity, and gives
/// None when no one can answer (no terminal).
pub fn load(
    source: &IdentitySource,
    passphrase: &dyn Fn() -> Option<SecretString>,
) -> Result<x25519::Identity, KeychainError> {
    let path = source.path();
    let failed = |why: String| KeychainError::NoKey(format!("{}: {why}", source.describe()));
    let bytes = Zeroizing::new(read_regular(path, 64 << 10).map_err(|e| failed(e.to_string()))?);
    let text = match source {
        IdentitySource::Passphrase(_) => {
            let Some(passphrase) = passphrase() else {
                return Err(failed(format!(
                    "its passphrase can only be asked at a terminal. Without one, give the key \
                     another way: a systemd credential {CREDENTIAL}, or a file \
                     PATVAULT_IDENTITY_FILE names (a secret mount) holding what \
                     `age --decrypt {}` gives",
                    path.display()
                )));
            };
            let identity = age::scrypt::Identity::new(passphrase);
            Zeroizing::new(age::decrypt(&identity, &bytes).map_err(|e| failed(decrypt_error(&e)))?)
        }
        _ => bytes,
    };
    parse(&text).ok_or_else(|| failed("it holds no AGE-SECRET-KEY line".into()))
}

/// The identity in an age identity file's text (comments and blank lines aside).
fn parse(text: &[u8]) -> Option<x25519::Identity> {
    let text = std::str::from_utf8(text).ok()?;
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .and_then(|l| x25519::Identity::from_str(l).ok())
}

fn decrypt_error(e: &age::DecryptError) -> String {
    match e {
        age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
            "the passphrase is not this identity's".into()
        }
        age::DecryptError::ExcessiveWork { .. } => {
            "its passphrase encryption asks for more work than this machine does in a few \
             seconds: decrypt it with `age -d` and protect it again on this machine"
                .into()
        }
        other => format!("it is not an age file this can read ({other})"),
    }
}

/// A new identity kept in the user's configuration folder, protected by `passphrase`
/// when one is given. An identity already there is never replaced.
pub fn create(
    config: &Config,
    passphrase: Option<SecretString>,
) -> Result<x25519::Identity, KeychainError> {
    let Some(dir) = own_folder(config) else {
        return Err(KeychainError::NoKey(
            "no configuration folder is known for this user, to keep a key in".into(),
        ));
    };
    let name = if passphrase.is_some() {
        PROTECTED
    } else {
        UNPROTECTED
    };
    let path = dir.join(name);
    let identity = x25519::Identity::generate();
    let recipient = identity.to_public();
    let text = Zeroizing::new(format!(
        "# PAT Vault's key for its encrypted-file store\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    let bytes = Zeroizing::new(match passphrase {
        Some(passphrase) => age::encrypt(&age::scrypt::Recipient::new(passphrase), text.as_bytes())
            .map_err(|e| KeychainError::Failed(format!("the key could not be protected: {e}")))?,
        None => text.as_bytes().to_vec(),
    });
    let written = ensure_private_dir(&dir).and_then(|()| write_new(&path, &bytes));
    match written {
        Ok(()) => Ok(identity),
        Err(FileError::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(KeychainError::NoKey(format!(
                "{} already exists: a key is never replaced; move it away to make a new one",
                path.display()
            )))
        }
        Err(e) => Err(KeychainError::Failed(e.to_string())),
    }
}

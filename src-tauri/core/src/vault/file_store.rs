//! The encrypted-file store: each token's secret in `secrets/ID.age` in the vault's
//! folder, encrypted with age to the vault's public keys (0600, written atomically; the
//! folder 0700). Adding a token needs only the public key; reading one needs the key,
//! which is found (and, behind a passphrase, unlocked) on the first read and kept in
//! memory for the rest of the process. Nothing decrypted is ever written.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::x25519;
use parking_lot::Mutex;
use zeroize::Zeroizing;

use super::keychain::{Keychain, KeychainError};
use crate::files::{
    NotRead, ensure_private_dir, lock_exclusive, read_regular, write_atomic_locked,
};
use crate::secret::Secret;

const FOLDER: &str = "secrets";
const SUFFIX: &str = ".age";
/// Held by every write in the folder: a temporary file found while holding it is a
/// killed writer's, removed then whatever its age.
const LOCK: &str = ".lock";
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Finds and unlocks the key on first use.
pub type KeyLoader = Box<dyn Fn() -> Result<x25519::Identity, KeychainError> + Send + Sync>;

pub struct FileStore {
    service: String,
    dir: PathBuf,
    recipients: Vec<x25519::Recipient>,
    load_key: KeyLoader,
    key: Mutex<Option<x25519::Identity>>,
}

/// The folder a vault in `vault_dir` keeps its encrypted secrets in.
pub fn folder(vault_dir: &Path) -> PathBuf {
    vault_dir.join(FOLDER)
}

impl FileStore {
    /// The store of the vault in `vault_dir`, encrypting to `recipients` (`age1…`);
    /// `key`, when the caller has it unlocked already, spares asking for it again.
    pub fn new(
        service: impl Into<String>,
        vault_dir: &Path,
        recipients: &[String],
        load_key: KeyLoader,
        key: Option<x25519::Identity>,
    ) -> Result<Self, KeychainError> {
        // The entry itself is never repeated: a private key pasted there by mistake
        // would be shown wherever the error goes.
        let recipients = recipients
            .iter()
            .enumerate()
            .map(|(n, r)| {
                x25519::Recipient::from_str(r).map_err(|_| {
                    KeychainError::NoKey(format!(
                        "entry {} of the keys in the vault's store.json is not an age public \
                         key (age1…): choose the store again with `patvault store use file`",
                        n + 1
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FileStore {
            service: service.into(),
            dir: folder(vault_dir),
            recipients,
            load_key,
            key: Mutex::new(key),
        })
    }

    fn path(&self, account: &str) -> Result<PathBuf, KeychainError> {
        if !is_account(account) {
            return Err(KeychainError::Failed(format!(
                "“{account}” cannot name a secret's file"
            )));
        }
        Ok(self.dir.join(format!("{account}{SUFFIX}")))
    }

    /// Takes the folder's lock for a write, and removes what killed writers left.
    fn writing(&self) -> Result<std::fs::File, KeychainError> {
        let failed = |e: crate::files::FileError| KeychainError::Failed(e.to_string());
        ensure_private_dir(&self.dir).map_err(failed)?;
        let lock = lock_exclusive(&self.dir.join(LOCK), LOCK_WAIT).map_err(failed)?;
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let temporary = name.starts_with('.') && name.ends_with(".tmp");
            if temporary && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(lock)
    }

    fn decrypt(&self, bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeychainError> {
        self.unlock()?;
        let key = self.key.lock();
        let identity = key.as_ref().expect("unlocked above");
        age::decrypt(identity, bytes)
            .map(Zeroizing::new)
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => KeychainError::NoKey(
                    "this secret was encrypted to another key than the one found: give the \
                 store the key it was made with"
                        .into(),
                ),
                other => KeychainError::Failed(format!(
                    "the secret's file cannot be decrypted ({other})"
                )),
            })
    }
}

/// `store.json` names the keys secrets are encrypted to, and whoever can write there
/// could add one of their own: every secret added afterwards would open with it too.
fn refuse_foreign(
    recipients: &[x25519::Recipient],
    key: &x25519::Identity,
) -> Result<(), KeychainError> {
    let own = key.to_public().to_string();
    let foreign: Vec<String> = recipients
        .iter()
        .map(ToString::to_string)
        .filter(|r| *r != own)
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    Err(KeychainError::NoKey(format!(
        "the vault's store.json has new secrets encrypted to {} as well as to the key found \
         ({own}), so whoever holds that key can read them. If you did not add it, choose the \
         store again with `patvault store use file` (it encrypts to the key found only), \
         then rotate the tokens added since",
        foreign.join(", ")
    )))
}

/// Accounts are token ids (UUIDs), and a rotation's `ID.previous`: nothing else names a
/// secret's file, or is taken for one (a write under way names its own with a dot first).
fn is_account(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

impl Keychain for FileStore {
    fn service(&self) -> &str {
        &self.service
    }

    fn kind(&self) -> super::kind::StoreKind {
        super::kind::StoreKind::File
    }

    fn store(&self, account: &str, secret: &Secret) -> Result<(), KeychainError> {
        let path = self.path(account)?;
        if self.recipients.is_empty() {
            return Err(KeychainError::NoKey(
                "the encrypted-file store has no public key to encrypt to: choose it again \
                 with `patvault store use file`"
                    .into(),
            ));
        }
        // PAT Vault writes one key there: another beside it was added by hand, perhaps
        // by someone who could then read every secret written from now on.
        if self.recipients.len() > 1 {
            let listed: Vec<String> = self.recipients.iter().map(ToString::to_string).collect();
            return Err(KeychainError::NoKey(format!(
                "the vault's store.json lists more than one key to encrypt to ({}), and PAT \
                 Vault keeps one: if you did not add the others, choose the store again with \
                 `patvault store use file` (it keeps the key found only)",
                listed.join(", ")
            )));
        }
        let encryptor = age::Encryptor::with_recipients(
            self.recipients.iter().map(|r| r as &dyn age::Recipient),
        )
        .map_err(|e| KeychainError::Failed(format!("the secret could not be encrypted: {e}")))?;
        let mut bytes = Vec::new();
        let encrypted = encryptor.wrap_output(&mut bytes).and_then(|mut w| {
            std::io::Write::write_all(&mut w, secret.expose().as_bytes())?;
            w.finish()
        });
        encrypted.map_err(|e| {
            KeychainError::Failed(format!("the secret could not be encrypted: {e}"))
        })?;
        let _writing = self.writing()?;
        write_atomic_locked(&path, &bytes).map_err(|e| KeychainError::Failed(e.to_string()))
    }

    fn read(&self, account: &str) -> Result<Secret, KeychainError> {
        let path = self.path(account)?;
        let bytes = match read_regular(&path, 64 << 10) {
            Ok(bytes) => bytes,
            Err(NotRead::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeychainError::NotFound);
            }
            Err(e) => {
                return Err(KeychainError::Failed(format!(
                    "{} cannot be read: {e}",
                    path.display()
                )));
            }
        };
        let plain = self.decrypt(&bytes)?;
        let text = std::str::from_utf8(&plain)
            .map_err(|_| KeychainError::Failed("the stored secret is not readable text".into()))?;
        Ok(Secret::new(text))
    }

    fn delete(&self, account: &str) -> Result<(), KeychainError> {
        let path = self.path(account)?;
        let _writing = self.writing()?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(KeychainError::Failed(format!(
                "{} could not be removed: {e}",
                path.display()
            ))),
        }
    }

    /// Finds the key (asking for its passphrase if need be) once per process, and
    /// refuses it while the vault would encrypt new secrets to any other key too.
    fn unlock(&self) -> Result<(), KeychainError> {
        let mut key = self.key.lock();
        if key.is_none() {
            let found = (self.load_key)()?;
            refuse_foreign(&self.recipients, &found)?;
            *key = Some(found);
        }
        Ok(())
    }

    fn accounts(&self) -> Result<Vec<String>, KeychainError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(KeychainError::Failed(format!(
                    "{} cannot be listed: {e}",
                    self.dir.display()
                )));
            }
        };
        let mut accounts: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                // A write under way has a temporary file of another name (`.ID.age.….tmp`).
                let account = name.strip_suffix(SUFFIX)?;
                is_account(account).then(|| account.to_owned())
            })
            .collect();
        accounts.sort();
        Ok(accounts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::vault::identity::{self, IdentitySource, SecretString};

    fn store_with(dir: &Path, key: x25519::Identity, to: &x25519::Recipient) -> FileStore {
        let key = key.to_string();
        let load_key: KeyLoader = Box::new(move || {
            Ok(
                x25519::Identity::from_str(age::secrecy::ExposeSecret::expose_secret(&key))
                    .unwrap(),
            )
        });
        FileStore::new("test", dir, &[to.to_string()], load_key, None).unwrap()
    }

    #[test]
    fn a_private_key_pasted_among_the_public_ones_is_refused_without_being_repeated() {
        let dir = tempfile::tempdir().unwrap();
        let key = x25519::Identity::generate();
        let private = age::secrecy::ExposeSecret::expose_secret(&key.to_string()).to_owned();
        let load_key: KeyLoader = Box::new(|| Err(KeychainError::NoKey("not asked".into())));
        let refused = FileStore::new(
            "test",
            dir.path(),
            std::slice::from_ref(&private),
            load_key,
            None,
        );
        match refused {
            Err(KeychainError::NoKey(why)) => {
                assert!(why.contains("entry 1"), "{why}");
                assert!(
                    !why.contains(&private) && !why.contains("AGE-SECRET-KEY"),
                    "{why}"
                );
            }
            _ => panic!("a private key was taken for a public one"),
        }
    }

    #[test]
    fn a_key_added_to_the_vaults_list_by_someone_else_is_refused_before_any_write_or_read() {
        let dir = tempfile::tempdir().unwrap();
        let key = x25519::Identity::generate();
        let own = key.to_public().to_string();
        let stranger = x25519::Identity::generate().to_public().to_string();
        let key_text = key.to_string();
        let load_key: KeyLoader = Box::new(move || {
            Ok(
                x25519::Identity::from_str(age::secrecy::ExposeSecret::expose_secret(&key_text))
                    .unwrap(),
            )
        });
        let secret = Secret::new(format!("patAbCdEfGh123456.{}", "7".repeat(64)));
        let before = FileStore::new(
            "test",
            dir.path(),
            std::slice::from_ref(&own),
            Box::new(|| unreachable!()),
            None,
        )
        .unwrap();
        before.store("one-id", &secret).unwrap();
        let store =
            FileStore::new("test", dir.path(), &[own, stranger.clone()], load_key, None).unwrap();
        match store.store("two-id", &secret) {
            Err(KeychainError::NoKey(why)) => {
                assert!(why.contains(&stranger), "{why}");
                assert!(why.contains("patvault store use file"), "{why}");
            }
            other => panic!("write with a stranger's key on the list: {other:?}"),
        }
        assert!(
            !folder(dir.path()).join(format!("two-id{SUFFIX}")).exists(),
            "nothing was written"
        );
        match store.read("one-id") {
            Err(KeychainError::NoKey(why)) => {
                assert!(why.contains(&stranger), "{why}");
                assert!(why.contains("patvault store use file"), "{why}");
            }
            other => panic!("read with a stranger's key on the list: {other:?}"),
        }
    }

    #[test]
    fn a_secret_goes_in_encrypted_and_comes_out_only_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = x25519::Identity::generate();
        let to = key.to_public();
        let store = store_with(dir.path(), key, &to);
        let secret = Secret::new(format!("patAbCdEfGh123456.{}", "7".repeat(64)));
        store.store("one-id", &secret).unwrap();
        assert_eq!(store.read("one-id").unwrap().expose(), secret.expose());
        let bytes = std::fs::read(folder(dir.path()).join("one-id.age")).unwrap();
        assert!(!bytes.windows(64).any(|w| w == "7".repeat(64).as_bytes()));
        std::fs::write(folder(dir.path()).join(".one-id.age.x.tmp"), b"").unwrap();
        assert_eq!(store.accounts().unwrap(), ["one-id"]);
        let previous = crate::vault::rotate::previous_account(uuid::Uuid::nil());
        store.store(&previous, &secret).unwrap();
        // A killed writer's temporary file goes with the next write, of any secret.
        assert!(!folder(dir.path()).join(".one-id.age.x.tmp").exists());
        assert_eq!(store.read(&previous).unwrap().expose(), secret.expose());
        store.delete(&previous).unwrap();
        assert!(matches!(store.read("other"), Err(KeychainError::NotFound)));
        assert!(matches!(store.read("../x"), Err(KeychainError::Failed(_))));

        let stranger = store_with(dir.path(), x25519::Identity::generate(), &to);
        assert!(matches!(
            stranger.read("one-id"),
            Err(KeychainError::NoKey(_))
        ));
        // Only files named as a token's are taken for one.
        std::fs::create_dir(folder(dir.path()).join("a-folder.age")).unwrap();
        std::fs::write(folder(dir.path()).join("no way.age"), b"").unwrap();
        assert_eq!(store.accounts().unwrap(), ["one-id"]);
        store.delete("one-id").unwrap();
        store.delete("one-id").unwrap();
        assert_eq!(store.accounts().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_key_behind_a_passphrase_opens_with_it_only_and_never_without_a_terminal() {
        let home = tempfile::tempdir().unwrap();
        let config = Config {
            config_home: Some(home.path().to_path_buf()),
            ..Config::defaults(None, None)
        };
        let recipient = identity::create(&config, Some(SecretString::from("correct horse")))
            .unwrap()
            .to_public();
        let source = identity::find(&config).unwrap().unwrap();
        assert!(matches!(source, IdentitySource::Passphrase(_)));
        let ask = |answer: Option<&'static str>| move || answer.map(SecretString::from);
        let opened = identity::load(&source, &ask(Some("correct horse"))).unwrap();
        assert_eq!(opened.to_public().to_string(), recipient.to_string());
        let wrong = identity::load(&source, &ask(Some("wrong"))).err().unwrap();
        assert!(wrong.to_string().contains("not this identity's"), "{wrong}");
        let unasked = identity::load(&source, &ask(None)).err().unwrap();
        assert!(
            unasked.to_string().contains("only be asked at a terminal"),
            "{unasked}"
        );
        assert!(
            identity::create(&config, Some(SecretString::from("x"))).is_err(),
            "a key is never replaced"
        );
    }

    #[test]
    fn the_key_is_unlocked_before_a_read_is_timed() {
        let dir = tempfile::tempdir().unwrap();
        let key = x25519::Identity::generate();
        let to = key.to_public();
        let writer = store_with(dir.path(), x25519::Identity::generate(), &to);
        let secret = Secret::new(format!("patAbCdEfGh123456.{}", "5".repeat(64)));
        writer.store("slow", &secret).unwrap();
        // Someone typing a passphrase for longer than a keychain call may take.
        let key = key.to_string();
        let load_key: KeyLoader = Box::new(move || {
            std::thread::sleep(std::time::Duration::from_millis(400));
            Ok(
                x25519::Identity::from_str(age::secrecy::ExposeSecret::expose_secret(&key))
                    .unwrap(),
            )
        });
        let store = FileStore::new("test", dir.path(), &[to.to_string()], load_key, None).unwrap();
        let ordered = super::super::ordered::Ordered::new(
            std::sync::Arc::new(store),
            std::time::Duration::from_millis(100),
        );
        assert_eq!(ordered.read("slow").unwrap().expose(), secret.expose());
    }

    #[test]
    fn a_named_identity_file_that_is_missing_is_an_error_and_a_key_is_never_replaced() {
        let home = tempfile::tempdir().unwrap();
        let mut config = Config {
            config_home: Some(home.path().to_path_buf()),
            ..Config::defaults(None, None)
        };
        identity::create(&config, None).unwrap();
        assert!(matches!(
            identity::find(&config).unwrap(),
            Some(IdentitySource::Unprotected(_))
        ));
        let again = identity::create(&config, None).err().unwrap();
        assert!(again.to_string().contains("never replaced"), "{again}");
        config.identity.file = Some(home.path().join("not-mounted-yet"));
        let missing = identity::find(&config).unwrap_err();
        assert!(missing.to_string().contains("not-mounted-yet"), "{missing}");
    }
}

//! Moving every secret of a vault from one store to the other, so that a move cut short
//! at any point loses nothing. A note (`store-move.json`) is written first; each secret
//! is copied and read back; only once every one is there does the vault's choice
//! switch; only then are the old entries deleted, and the note last. Whoever finds the
//! note (`doctor`, or the next move) finishes the move from wherever it stopped: before
//! the switch the old store is the truth and copies are made again, after it the new
//! store is, and only what it lacks is copied.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::VaultError;
use super::keychain::{Keychain, KeychainError};
use super::open::{AskPassphrase, keychain_for};
use super::store::{self, NewKey, StoreChoice, StoreKind};
use crate::config::Config;
use crate::files::{NotRead, read_regular, write_atomic};

const NOTE: &str = "store-move.json";

/// A move under way, as its note keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct UnfinishedMove {
    pub from: StoreKind,
    pub to: StoreKind,
    /// The file store's public keys, when it is the one moved to.
    pub recipients: Vec<String>,
}

/// What a finished move did.
#[derive(Debug, Clone, Serialize)]
pub struct Moved {
    pub from: StoreKind,
    pub to: StoreKind,
    /// Entries copied (a token's secret, a rotation's old secret).
    pub copied: usize,
    /// Old entries deleted once the vault used the new store.
    pub deleted: usize,
}

fn note_path(dir: &Path) -> PathBuf {
    dir.join(NOTE)
}

/// The move a note says is under way, if any.
pub fn unfinished(dir: &Path) -> Result<Option<UnfinishedMove>, VaultError> {
    let path = note_path(dir);
    match read_regular(&path, 64 << 10) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            VaultError::Invalid(format!(
                "the note of a store move {} cannot be read ({e}): the secrets are in both \
                 stores or the one the vault uses; remove the note once `patvault store show` \
                 and `doctor` agree",
                path.display()
            ))
        }),
        Err(NotRead::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(VaultError::Invalid(format!(
            "{} cannot be read: {e}",
            path.display()
        ))),
    }
}

/// Moves every secret to `to`; the file store takes the key found, or makes `new_key`.
/// `progress` hears of each entry copied (done, of all).
pub fn start(
    config: &Config,
    to: StoreKind,
    new_key: Option<NewKey>,
    ask: AskPassphrase,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Moved, VaultError> {
    let dir = config.data_dir.clone().ok_or(VaultError::NoDataFolder)?;
    if config.store.is_some() {
        return Err(VaultError::Invalid(
            "PATVAULT_STORE chooses a store for this process only: unset it to move the \
             vault's secrets; nothing was changed"
                .into(),
        ));
    }
    if let Some(under_way) = unfinished(&dir)? {
        return Err(VaultError::Invalid(format!(
            "a move of the secrets to the {} store is under way: finish it first with \
             `patvault doctor`; nothing was changed",
            under_way.to.name()
        )));
    }
    let choice = store::load(&dir)?;
    if choice.store == to {
        return Err(VaultError::Invalid(format!(
            "the vault's secrets are in the {} store already; nothing was changed",
            to.name()
        )));
    }
    let recipients = match to {
        StoreKind::File => vec![store::file_recipient(config, new_key, &*ask)?],
        StoreKind::Os => Vec::new(),
    };
    let note = UnfinishedMove {
        from: choice.store,
        to,
        recipients,
    };
    let mut text = serde_json::to_string_pretty(&note).expect("a note is plain data");
    text.push('\n');
    write_atomic(&note_path(&dir), text.as_bytes())?;
    finish(config, ask, progress)
}

/// Finishes the move a note says is under way.
pub fn finish(
    config: &Config,
    ask: AskPassphrase,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Moved, VaultError> {
    let dir = config.data_dir.clone().ok_or(VaultError::NoDataFolder)?;
    let Some(note) = unfinished(&dir)? else {
        return Err(VaultError::Invalid(
            "no move of the secrets is under way".into(),
        ));
    };
    let choice = store::load(&dir)?;
    let old = keychain_for(config, &dir, note.from, &choice.recipients, ask.clone())?;
    let new = keychain_for(
        config,
        &dir,
        note.to,
        &recipients_after(&note, &choice),
        ask,
    )?;
    carry_out(&dir, &note, &*old, &*new, progress)
}

/// The file store's keys once the move is done.
fn recipients_after(note: &UnfinishedMove, choice: &StoreChoice) -> Vec<String> {
    match note.to {
        StoreKind::File => note.recipients.clone(),
        StoreKind::Os => choice.recipients.clone(),
    }
}

/// The move `note` describes, from the vault's `old` store to its `new` one.
fn carry_out(
    dir: &Path,
    note: &UnfinishedMove,
    old: &dyn Keychain,
    new: &dyn Keychain,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Moved, VaultError> {
    let choice = store::load(dir)?;
    let switched = choice.store == note.to;
    let accounts = old.accounts()?;
    let mut copied = 0;
    for (done, account) in accounts.iter().enumerate() {
        if copy(old, new, account, switched)? {
            copied += 1;
        }
        progress(done + 1, accounts.len());
    }
    if !switched {
        store::save(
            dir,
            &StoreChoice {
                store: note.to,
                recipients: recipients_after(note, &choice),
            },
        )?;
    }
    // Anything written to the old store meanwhile (another process's add) is moved too.
    let mut deleted = 0;
    for account in old.accounts()? {
        if !accounts.contains(&account) && copy(old, new, &account, true)? {
            copied += 1;
        }
        old.delete(&account)?;
        deleted += 1;
    }
    let note_path = note_path(dir);
    std::fs::remove_file(&note_path).map_err(crate::files::io_error(
        "remove the note of the store move",
        &note_path,
    ))?;
    Ok(Moved {
        from: note.from,
        to: note.to,
        copied,
        deleted,
    })
}

/// Copies `account` from `old` to `new` and reads it back; whether it wrote. Once the
/// vault uses `new` (`new_wins`), an entry it has is kept as it is.
fn copy(
    old: &dyn Keychain,
    new: &dyn Keychain,
    account: &str,
    new_wins: bool,
) -> Result<bool, VaultError> {
    let secret = old.read(account)?;
    match new.read(account) {
        Ok(there) if new_wins || there.expose() == secret.expose() => return Ok(false),
        Ok(_) | Err(KeychainError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    new.store(account, &secret)?;
    if new.read(account)?.expose() != secret.expose() {
        return Err(KeychainError::Failed(format!(
            "the copy of {account} read back differs from what was written; the old store \
             keeps it, and the move can be run again"
        ))
        .into());
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use parking_lot::Mutex;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A store kept in memory across "processes"; each call spends one of `left`, and a
    /// call with none left fails as if the process had been killed there.
    struct Dying {
        entries: Arc<Mutex<BTreeMap<String, String>>>,
        left: Arc<AtomicUsize>,
    }

    impl Dying {
        fn spend(&self) -> Result<(), KeychainError> {
            self.left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .map(|_| ())
                .map_err(|_| KeychainError::Failed("killed".into()))
        }
    }

    impl Keychain for Dying {
        fn service(&self) -> &str {
            "dying"
        }
        fn store(&self, account: &str, secret: &Secret) -> Result<(), KeychainError> {
            self.spend()?;
            self.entries
                .lock()
                .insert(account.into(), secret.expose().into());
            Ok(())
        }
        fn read(&self, account: &str) -> Result<Secret, KeychainError> {
            self.spend()?;
            let entries = self.entries.lock();
            entries
                .get(account)
                .map(|s| Secret::new(s.as_str()))
                .ok_or(KeychainError::NotFound)
        }
        fn delete(&self, account: &str) -> Result<(), KeychainError> {
            self.spend()?;
            self.entries.lock().remove(account);
            Ok(())
        }
        fn accounts(&self) -> Result<Vec<String>, KeychainError> {
            self.spend()?;
            Ok(self.entries.lock().keys().cloned().collect())
        }
    }

    #[test]
    fn a_move_cut_short_at_any_call_loses_nothing_and_is_finished_after() {
        let secrets: BTreeMap<String, String> = ["a", "a.previous", "b", "c"]
            .iter()
            .map(|a| (a.to_string(), format!("secret of {a}")))
            .collect();
        let note = UnfinishedMove {
            from: StoreKind::Os,
            to: StoreKind::File,
            recipients: vec!["age1recipient".into()],
        };
        let mut cut_at = 0;
        loop {
            let dir = tempfile::tempdir().unwrap();
            store::save(dir.path(), &StoreChoice::default()).unwrap();
            let text = serde_json::to_string(&note).unwrap();
            std::fs::write(note_path(dir.path()), text).unwrap();
            let (old, new) = (Arc::new(Mutex::new(secrets.clone())), Arc::default());
            let left = Arc::new(AtomicUsize::new(cut_at));
            let store = |entries: &Arc<Mutex<BTreeMap<String, String>>>| Dying {
                entries: Arc::clone(entries),
                left: Arc::clone(&left),
            };
            let cut = carry_out(
                dir.path(),
                &note,
                &store(&old),
                &store(&new),
                &mut |_, _| {},
            );
            if cut.is_ok() {
                assert!(cut_at > 10, "the move took only {cut_at} calls");
                break;
            }
            // The store the vault uses now holds every secret.
            let chosen = store::load(dir.path()).unwrap().store;
            let holder = if chosen == StoreKind::Os { &old } else { &new };
            for (account, secret) in &secrets {
                assert_eq!(
                    holder.lock().get(account),
                    Some(secret),
                    "cut at call {cut_at}"
                );
            }
            // The next run (doctor) finishes it.
            left.store(usize::MAX, Ordering::SeqCst);
            let under_way = unfinished(dir.path()).unwrap().expect("the note stays");
            carry_out(
                dir.path(),
                &under_way,
                &store(&old),
                &store(&new),
                &mut |_, _| {},
            )
            .unwrap();
            assert_eq!(*new.lock(), secrets, "cut at call {cut_at}");
            assert!(old.lock().is_empty());
            assert_eq!(store::load(dir.path()).unwrap().store, StoreKind::File);
            assert_eq!(store::load(dir.path()).unwrap().recipients, note.recipients);
            assert_eq!(unfinished(dir.path()).unwrap(), None);
            cut_at += 1;
        }
    }
}

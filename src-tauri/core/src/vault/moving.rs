//! Moving every secret of a vault from one store to the other, so that a move cut short
//! at any point loses nothing. A note (`store-move.json`) is written first; each secret
//! is copied and read back, and what the old store holds is compared once more with
//! what was copied; only then does the vault's choice switch, after which other
//! processes that opened the vault before refuse every call to the old store
//! (`open::StillChosen`); only then are the old entries deleted, and the note last.
//! Whoever finds the note (`doctor`, or the next move) finishes the move from wherever it
//! stopped: before the switch the old store is the truth and copies are made again,
//! after it the new store is, and only what it lacks is copied. One process at a time
//! carries a move out (`store-move.lock`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use age::x25519;
use serde::{Deserialize, Serialize};

use super::VaultError;
use super::keychain::{Keychain, KeychainError};
use super::open::{AskPassphrase, keychain_for};
use super::store::{self, NewKey, StoreChoice, StoreKind};
use crate::config::Config;
use crate::files::{FileError, NotRead, lock_exclusive, read_regular, write_new};
use crate::secret::Secret;

const NOTE: &str = "store-move.json";
const LOCK: &str = "store-move.lock";
/// How long a move waits for another process's move before saying so.
const LOCK_WAIT: Duration = Duration::from_secs(1);

/// A move under way, as its note keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct UnfinishedMove {
    pub from: StoreKind,
    pub to: StoreKind,
    /// The file store's public keys, when it is the one moved to.
    pub recipients: Vec<String>,
}

/// What a finished move did.
#[derive(Debug, Clone)]
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

/// The move a note says is under way (or cut short), if any.
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
    let _moving = lock_exclusive(&dir.join(LOCK), LOCK_WAIT)?;
    let under_way = || {
        VaultError::Invalid(
            "a move of the secrets is under way or was cut short: finish it first with \
             `patvault doctor`; nothing was changed"
                .into(),
        )
    };
    if unfinished(&dir)?.is_some() {
        return Err(under_way());
    }
    let choice = store::load(&dir)?;
    if choice.store == to {
        return Err(VaultError::Invalid(format!(
            "the vault's secrets are in the {} store already; nothing was changed",
            to.name()
        )));
    }
    let key = match to {
        StoreKind::File => Some(store::file_key(config, new_key, &*ask)?),
        StoreKind::Os => None,
    };
    let note = UnfinishedMove {
        from: choice.store,
        to,
        recipients: key.iter().map(|k| k.to_public().to_string()).collect(),
    };
    let mut text = serde_json::to_string_pretty(&note).expect("a note is plain data");
    text.push('\n');
    match write_new(&note_path(&dir), text.as_bytes()) {
        Err(FileError::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(under_way());
        }
        written => written?,
    }
    carry_out_in(config, &dir, &note, ask, key, progress)
}

/// Finishes the move a note says is under way.
pub fn finish(
    config: &Config,
    ask: AskPassphrase,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Moved, VaultError> {
    let dir = config.data_dir.clone().ok_or(VaultError::NoDataFolder)?;
    let _moving = lock_exclusive(&dir.join(LOCK), LOCK_WAIT)?;
    let Some(note) = unfinished(&dir)? else {
        return Err(VaultError::Invalid(
            "no move of the secrets is under way".into(),
        ));
    };
    carry_out_in(config, &dir, &note, ask, None, progress)
}

/// The move `note` describes, in the vault's own stores; the file store starts with
/// `key` when it is unlocked already.
fn carry_out_in(
    config: &Config,
    dir: &Path,
    note: &UnfinishedMove,
    ask: AskPassphrase,
    key: Option<x25519::Identity>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Moved, VaultError> {
    let choice = store::load(dir)?;
    let (old_key, new_key) = match note.to {
        StoreKind::File => (None, key),
        StoreKind::Os => (key, None),
    };
    let old = keychain_for(
        config,
        dir,
        note.from,
        &choice.recipients,
        ask.clone(),
        old_key,
    )?;
    let after = recipients_after(note, &choice);
    let new = keychain_for(config, dir, note.to, &after, ask, new_key)?;
    carry_out(dir, note, &choice, &*old, &*new, progress)
}

/// The file store's keys once the move is done.
fn recipients_after(note: &UnfinishedMove, choice: &StoreChoice) -> Vec<String> {
    match note.to {
        StoreKind::File => note.recipients.clone(),
        StoreKind::Os => choice.recipients.clone(),
    }
}

/// The move `note` describes, from the vault's `old` store to its `new` one, while the
/// vault's choice is `choice`.
fn carry_out(
    dir: &Path,
    note: &UnfinishedMove,
    choice: &StoreChoice,
    old: &dyn Keychain,
    new: &dyn Keychain,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Moved, VaultError> {
    let switched = choice.store == note.to;
    let accounts = old.accounts()?;
    let mut copied_now: BTreeMap<String, Secret> = BTreeMap::new();
    let mut copied = 0;
    for (done, account) in accounts.iter().enumerate() {
        let (secret, wrote) = copy(old, new, account, switched)?;
        copied += usize::from(wrote);
        copied_now.insert(account.clone(), secret);
        progress(done + 1, accounts.len());
    }
    if !switched {
        // What changed in the old store while copying (another process's add, a replaced
        // secret) is copied again, so the store switched to holds the latest of each.
        for account in old.accounts()? {
            let now = old.read(&account)?;
            if copied_now
                .get(&account)
                .is_none_or(|was| was.expose() != now.expose())
            {
                copied += usize::from(copy(old, new, &account, false)?.1);
            }
        }
        store::save(
            dir,
            &StoreChoice {
                store: note.to,
                recipients: recipients_after(note, choice),
            },
        )?;
    }
    let mut deleted = 0;
    for account in old.accounts()? {
        if !copied_now.contains_key(&account) {
            copied += usize::from(copy(old, new, &account, true)?.1);
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

/// Copies `account` from `old` to `new` and reads it back; the secret, and whether it
/// wrote. Once the vault uses `new` (`new_wins`), an entry it has is kept as it is.
fn copy(
    old: &dyn Keychain,
    new: &dyn Keychain,
    account: &str,
    new_wins: bool,
) -> Result<(Secret, bool), VaultError> {
    let secret = old.read(account)?;
    match new.read(account) {
        Ok(there) if new_wins || there.expose() == secret.expose() => return Ok((secret, false)),
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
    Ok((secret, true))
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
        fn kind(&self) -> crate::vault::store::StoreKind {
            crate::vault::store::StoreKind::Os
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
            let choice = store::load(dir.path()).unwrap();
            let cut = carry_out(
                dir.path(),
                &note,
                &choice,
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
            let choice = store::load(dir.path()).unwrap();
            carry_out(
                dir.path(),
                &under_way,
                &choice,
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

    /// A store that, when `trigger` is first read, has another process change it: `a`
    /// (copied already) gets a new secret and `d` is added.
    struct Busy {
        inner: Dying,
        trigger: &'static str,
        done: AtomicUsize,
    }

    impl Keychain for Busy {
        fn service(&self) -> &str {
            "busy"
        }
        fn kind(&self) -> crate::vault::store::StoreKind {
            crate::vault::store::StoreKind::Os
        }
        fn store(&self, account: &str, secret: &Secret) -> Result<(), KeychainError> {
            self.inner.store(account, secret)
        }
        fn read(&self, account: &str) -> Result<Secret, KeychainError> {
            if account == self.trigger && self.done.fetch_add(1, Ordering::SeqCst) == 0 {
                let mut entries = self.inner.entries.lock();
                entries.insert("a".into(), "a replaced meanwhile".into());
                entries.insert("d".into(), "d added meanwhile".into());
            }
            self.inner.read(account)
        }
        fn delete(&self, account: &str) -> Result<(), KeychainError> {
            self.inner.delete(account)
        }
        fn accounts(&self) -> Result<Vec<String>, KeychainError> {
            self.inner.accounts()
        }
    }

    #[test]
    fn what_another_process_writes_to_the_old_store_during_a_move_is_moved_too() {
        let dir = tempfile::tempdir().unwrap();
        let note = UnfinishedMove {
            from: StoreKind::Os,
            to: StoreKind::File,
            recipients: vec!["age1recipient".into()],
        };
        std::fs::write(note_path(dir.path()), serde_json::to_string(&note).unwrap()).unwrap();
        let secret = |a: &str| (a.to_string(), format!("secret of {a}"));
        let old = Arc::new(Mutex::new(BTreeMap::from([
            secret("a"),
            secret("b"),
            secret("c"),
        ])));
        let new = Arc::default();
        let left = Arc::new(AtomicUsize::new(usize::MAX));
        let dying = |entries: &Arc<Mutex<BTreeMap<String, String>>>| Dying {
            entries: Arc::clone(entries),
            left: Arc::clone(&left),
        };
        let busy = Busy {
            inner: dying(&old),
            trigger: "c",
            done: AtomicUsize::new(0),
        };
        let moved = carry_out(
            dir.path(),
            &note,
            &StoreChoice::default(),
            &busy,
            &dying(&new),
            &mut |_, _| {},
        )
        .unwrap();
        let want = BTreeMap::from([
            ("a".to_string(), "a replaced meanwhile".to_string()),
            secret("b"),
            secret("c"),
            ("d".to_string(), "d added meanwhile".to_string()),
        ]);
        assert_eq!(*new.lock(), want);
        assert!(old.lock().is_empty());
        assert_eq!((moved.copied, moved.deleted), (5, 4));
    }
}

//! Every keychain call of a vault goes through one worker thread, in the order it was
//! made. A call that outlives its timeout is still running, and whatever comes after it
//! waits behind it, so a later call (an undo, a retry) never overtakes an earlier one.
//! A write whose caller stopped waiting is settled on the worker once its outcome is
//! known: the caller says how, and nothing is undone blindly.

use std::sync::Arc;
use std::sync::mpsc;

use parking_lot::{Condvar, Mutex};
use std::thread;
use std::time::Duration;

use super::keychain::{Keychain, KeychainError};
use crate::secret::Secret;

type Job = Box<dyn FnOnce(&dyn Keychain) + Send>;

pub struct Ordered {
    /// The keychain itself, for `unlock` on the caller's thread; every other call goes
    /// through the worker.
    inner: Arc<dyn Keychain>,
    jobs: Mutex<mpsc::Sender<Job>>,
    timeout: Duration,
}

/// Where a call's result meets its caller: the caller waits for `Done`, or marks the
/// call `Abandoned` when it stops waiting, and then the worker settles it.
enum Handover<T> {
    Waiting,
    Done(Result<T, KeychainError>),
    Abandoned,
}

impl Ordered {
    pub fn new(inner: Arc<dyn Keychain>, timeout: Duration) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let worker_keychain = Arc::clone(&inner);
        // The worker ends when the vault (and so the sender) is dropped, after the calls
        // queued before that.
        let started = thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                for job in rx {
                    job(&*worker_keychain);
                }
            });
        if let Err(e) = started {
            eprintln!("PAT Vault: the keychain worker could not start: {e}");
        }
        Ordered {
            inner,
            jobs: Mutex::new(tx),
            timeout,
        }
    }

    pub fn service(&self) -> &str {
        self.inner.service()
    }

    pub fn kind(&self) -> super::kind::StoreKind {
        self.inner.kind()
    }

    /// Runs `op` after every call made before it. When the caller stops waiting, the
    /// call goes on; once it ends, `settle` gets its result on the worker (with the
    /// keychain itself), and the caller gets `abandoned`.
    pub fn call_then<T: Send + 'static>(
        &self,
        op: impl FnOnce(&dyn Keychain) -> Result<T, KeychainError> + Send + 'static,
        settle: impl FnOnce(&dyn Keychain, Result<T, KeychainError>) + Send + 'static,
        abandoned: KeychainError,
    ) -> Result<T, KeychainError> {
        let handover = Arc::new((Mutex::new(Handover::Waiting), Condvar::new()));
        let theirs = Arc::clone(&handover);
        let job: Job = Box::new(move |keychain| {
            let result = op(keychain);
            let (slot, ready) = &*theirs;
            let mut slot = slot.lock();
            match *slot {
                Handover::Abandoned => {
                    drop(slot);
                    settle(keychain, result);
                }
                _ => {
                    *slot = Handover::Done(result);
                    ready.notify_one();
                }
            }
        });
        let sent = self.jobs.lock().send(job);
        if sent.is_err() {
            return Err(KeychainError::Failed(
                "the keychain worker has stopped".into(),
            ));
        }
        let (slot, ready) = &*handover;
        let mut slot = slot.lock();
        ready.wait_while_for(&mut slot, |s| matches!(s, Handover::Waiting), self.timeout);
        // Done: the worker is finished with the slot. Waiting: from now on it settles.
        match std::mem::replace(&mut *slot, Handover::Abandoned) {
            Handover::Done(result) => result,
            _ => Err(abandoned),
        }
    }

    fn seconds(&self) -> u64 {
        self.timeout.as_secs().max(1)
    }

    /// A call whose late outcome needs no settling: a read, or a write that undoes.
    fn call<T: Send + 'static>(
        &self,
        op: impl FnOnce(&dyn Keychain) -> Result<T, KeychainError> + Send + 'static,
        write: bool,
    ) -> Result<T, KeychainError> {
        let abandoned = if write {
            KeychainError::OutcomeUnknown(self.seconds())
        } else {
            KeychainError::TimedOut(self.seconds())
        };
        self.call_then(op, |_, _| {}, abandoned)
    }

    pub fn store(&self, account: &str, secret: &Secret) -> Result<(), KeychainError> {
        let (account, secret) = (account.to_owned(), secret.clone());
        self.call(move |k| k.store(&account, &secret), true)
    }

    /// Stores, and if the caller stopped waiting, hands the outcome to `settle`.
    pub fn store_then(
        &self,
        account: &str,
        secret: &Secret,
        settle: impl FnOnce(&dyn Keychain, Result<(), KeychainError>) + Send + 'static,
    ) -> Result<(), KeychainError> {
        let (account, secret) = (account.to_owned(), secret.clone());
        let abandoned = KeychainError::OutcomeUnknown(self.seconds());
        self.call_then(move |k| k.store(&account, &secret), settle, abandoned)
    }

    /// Reads, once the keychain is unlocked (`Keychain::unlock`, outside the timeout).
    pub fn read(&self, account: &str) -> Result<Secret, KeychainError> {
        self.inner.unlock()?;
        let account = account.to_owned();
        self.call(move |k| k.read(&account), false)
    }

    pub fn delete(&self, account: &str) -> Result<(), KeychainError> {
        let account = account.to_owned();
        self.call(move |k| k.delete(&account), true)
    }

    /// Deletes every one of `accounts` in one call; `settle` as for `store_then`.
    pub fn delete_all_then(
        &self,
        accounts: Vec<String>,
        settle: impl FnOnce(&dyn Keychain, Result<(), KeychainError>) + Send + 'static,
    ) -> Result<(), KeychainError> {
        let abandoned = KeychainError::OutcomeUnknown(self.seconds());
        self.call_then(
            move |k| accounts.iter().try_for_each(|a| k.delete(a)),
            settle,
            abandoned,
        )
    }

    pub fn accounts(&self) -> Result<Vec<String>, KeychainError> {
        self.call(|k| k.accounts(), false)
    }

    /// Waits, without a limit, until every call made so far has ended and been settled.
    pub fn settle(&self) {
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move |_| {
            let _ = tx.send(());
        });
        let sent = self.jobs.lock().send(job);
        if sent.is_ok() {
            let _ = rx.recv();
        }
    }
}

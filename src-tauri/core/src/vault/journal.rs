//! A write of two steps (the keychain, then the inventory, or the other way) is noted
//! in the vault's folder before its first step and forgotten after its last, so that a
//! process killed between them leaves a note the next writer reads (CLI or app, before
//! its own write, and `doctor`): a half-made add is undone (the secret taken back), a
//! half-made removal or replacement is finished. A note names the token and its token
//! ID, never a secret; the note of a process still running is left to it.

use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keychain::KeychainError;
use super::{Vault, VaultError, find_mut, rotate};
use crate::files::{FileError, ensure_private_dir, write_atomic};

const FOLDER: &str = "journal";

/// The write under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub(super) enum Step {
    /// The token's secret goes to the keychain, then its record to the inventory.
    Add { id: Uuid },
    /// The record leaves the inventory, then its secrets the keychain.
    Remove { id: Uuid },
    /// The keychain takes a new secret, then the record its token ID.
    SetSecret { id: Uuid, token_id: Option<String> },
}

/// A note names its writer in its file's name (`PID-RANDOM.json`): while that process
/// runs, the note is its own.
#[derive(Debug, Serialize, Deserialize)]
struct Note {
    step: Step,
}

/// A note written; forgotten when the write is over (`done`), kept when its outcome is
/// not known yet (a keychain call still running), for the next writer to settle.
pub(super) struct Noted {
    file: PathBuf,
}

impl Noted {
    pub(super) fn done(self) {
        let _ = fs::remove_file(&self.file);
    }
}

fn folder(vault: &Vault) -> PathBuf {
    vault.inventory.dir().join(FOLDER)
}

impl Vault {
    /// Notes `step` before its first change.
    pub(super) fn note(&self, step: Step) -> Result<Noted, FileError> {
        let dir = folder(self);
        ensure_private_dir(&dir)?;
        let pid = std::process::id();
        let file = dir.join(format!("{pid}-{}.json", Uuid::new_v4().simple()));
        let note = Note { step };
        write_atomic(
            &file,
            &serde_json::to_vec(&note).expect("a note serializes"),
        )?;
        Ok(Noted { file })
    }

    /// `recover`, once in this process: before its first write. Notes a process leaves
    /// later are settled by the next process, or by `doctor`.
    pub(super) fn recover_once(&self) {
        if !self
            .recovered
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            self.recover();
        }
    }

    /// Settles the writes that processes no longer running left half-made. A note whose
    /// settling needs a keychain that does not answer is kept for the next time. The
    /// first write of a process does this, and so does `doctor`; opening the window does
    /// not, as it must never prompt for the keychain.
    pub fn recover(&self) {
        let dir = folder(self);
        let Ok(entries) = fs::read_dir(&dir) else {
            return;
        };
        for entry in entries.flatten() {
            let file = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name
                .trim_start_matches('.')
                .split(['-', '.'])
                .next()
                .and_then(|p| p.parse::<u32>().ok());
            // A note being written, or settled, by a process still running is its own.
            if pid.is_none_or(running) {
                continue;
            }
            if name.ends_with(".tmp") {
                let _ = fs::remove_file(&file);
                continue;
            }
            let note = fs::read(&file)
                .ok()
                .and_then(|b| serde_json::from_slice::<Note>(&b).ok());
            let settled = match note {
                Some(note) => self.settle(&note.step).is_ok(),
                // A note cut short was written before any change: nothing to settle.
                None => true,
            };
            if settled {
                let _ = fs::remove_file(&file);
            }
        }
    }

    fn settle(&self, step: &Step) -> Result<(), VaultError> {
        let records = self.inventory.load()?;
        let has_record = |id: &Uuid| records.iter().any(|r| r.id == *id);
        let gone = |r: Result<(), KeychainError>| match r {
            Err(KeychainError::NotFound) => Ok(()),
            other => other,
        };
        match step {
            Step::Add { id } if !has_record(id) => gone(self.keychain.delete(&id.to_string()))?,
            Step::Remove { id } if !has_record(id) => {
                gone(self.keychain.delete(&rotate::previous_account(*id)))?;
                gone(self.keychain.delete(&id.to_string()))?;
            }
            Step::SetSecret { id, token_id } if has_record(id) => {
                let stored = self.keychain.read(&id.to_string())?;
                if stored.token_id() == *token_id {
                    self.inventory.update(|tokens| {
                        find_mut(tokens, *id)?.token_id = token_id.clone();
                        Ok(())
                    })?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Whether process `pid` is running (this one included).
#[cfg(unix)]
fn running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
    let answer = unsafe { libc::kill(pid, 0) };
    answer == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn running(pid: u32) -> bool {
    pid == std::process::id()
}

//! The inventory file: every token record, versioned, written atomically under an
//! advisory lock, with the previous version kept beside it as a backup. A file that
//! cannot be read is reported and left alone, never replaced.

use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::files::{ensure_private_dir, io_error, lock_exclusive, write_atomic_locked};
use crate::model::record::TokenRecord;
use crate::vault::VaultError;

/// 2: "used by" holds places (`model::consumer`), not lines; a format-1 file is read
/// as it is, each line a custom place, and written back as 2 at the next change.
pub const FORMAT: u32 = 2;
const FILE: &str = "inventory.json";
const BACKUP: &str = "inventory.json.bak";
const LOCK: &str = "inventory.lock";

#[derive(Serialize, Deserialize)]
struct InventoryFile {
    format: u32,
    tokens: Vec<TokenRecord>,
}

/// Only the version field, read first so a newer format is named as such rather than
/// reported as corrupt.
#[derive(Deserialize)]
struct FormatOnly {
    format: u32,
}

/// How long a writer waits for another process's write before saying so: a write takes
/// milliseconds, so a lock held this long belongs to a stuck process.
const LOCK_WAIT: Duration = Duration::from_secs(10);

pub struct Inventory {
    dir: PathBuf,
    lock_wait: Duration,
}

impl Inventory {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Inventory {
            dir: dir.into(),
            lock_wait: LOCK_WAIT,
        }
    }

    /// The same inventory, giving up on the lock after `wait`.
    pub fn with_lock_wait(self, wait: Duration) -> Self {
        Inventory {
            lock_wait: wait,
            ..self
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    pub fn backup_path(&self) -> PathBuf {
        self.dir.join(BACKUP)
    }

    /// Every record; an inventory that does not exist yet is empty. Reads take no lock:
    /// writes replace the file by rename, so a read sees one whole version.
    pub fn load(&self) -> Result<Vec<TokenRecord>, VaultError> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("read", &path)(e).into()),
        };
        let corrupt = |reason: String| VaultError::InventoryCorrupt {
            path: path.clone(),
            backup: Some(self.backup_path()).filter(|b| b.exists()),
            reason,
        };
        let format = serde_json::from_slice::<FormatOnly>(&bytes)
            .map_err(|e| corrupt(e.to_string()))?
            .format;
        if format > FORMAT {
            return Err(VaultError::InventoryTooNew {
                path,
                found: format,
            });
        }
        let file: InventoryFile =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        Ok(file.tokens)
    }

    /// Reads, changes and writes the records under an exclusive lock, so the app and
    /// the CLI changing the vault at once never lose each other's update. Nothing is
    /// written when `change` fails.
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut Vec<TokenRecord>) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        ensure_private_dir(&self.dir)?;
        let _lock = lock_exclusive(&self.dir.join(LOCK), self.lock_wait)?;
        let mut tokens = self.load()?;
        let result = change(&mut tokens)?;
        self.keep_backup()?;
        let json = serde_json::to_vec_pretty(&InventoryFile {
            format: FORMAT,
            tokens,
        })
        .expect("records always serialize");
        write_atomic_locked(&self.path(), &json)?;
        Ok(result)
    }

    fn keep_backup(&self) -> Result<(), VaultError> {
        let current = self.path();
        match fs::read(&current) {
            Ok(bytes) => Ok(write_atomic_locked(&self.backup_path(), &bytes)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("read", &current)(e).into()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UserError;
    use crate::model::record::{TokenIntent, TokenRecord};

    fn record(name: &str) -> TokenRecord {
        TokenRecord::new(
            TokenIntent::named(name, chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
            None,
            chrono::Utc::now(),
        )
    }

    fn add(inv: &Inventory, name: &str) -> Result<(), VaultError> {
        inv.update(|t| {
            t.push(record(name));
            Ok(())
        })
    }

    #[test]
    fn writes_keep_the_previous_version_as_backup() {
        let dir = tempfile::tempdir().unwrap();
        let inv = Inventory::new(dir.path());
        assert!(inv.load().unwrap().is_empty());
        add(&inv, "one").unwrap();
        add(&inv, "two").unwrap();
        assert_eq!(inv.load().unwrap().len(), 2);
        let backup: InventoryFile =
            serde_json::from_slice(&fs::read(inv.backup_path()).unwrap()).unwrap();
        assert_eq!(backup.tokens.len(), 1);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_corrupt_file_is_reported_with_its_backup_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let inv = Inventory::new(dir.path());
        add(&inv, "one").unwrap();
        add(&inv, "two").unwrap();
        fs::write(inv.path(), b"{\"format\":1,\"tokens\":[{").unwrap();
        let err = add(&inv, "three").unwrap_err();
        assert!(matches!(
            err,
            VaultError::InventoryCorrupt {
                backup: Some(_),
                ..
            }
        ));
        assert!(err.to_string().contains("inventory.json.bak"), "{err}");
        assert_eq!(
            fs::read(inv.path()).unwrap(),
            b"{\"format\":1,\"tokens\":[{"
        );
    }

    #[test]
    fn a_format_1_file_loses_nothing_and_moves_to_format_2_at_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let inv = Inventory::new(dir.path());
        let old = include_str!("testdata/inventory-format-1.json");
        fs::write(inv.path(), old).unwrap();
        let loaded = inv.load().unwrap();
        let labels: Vec<&str> = loaded[0]
            .intent
            .used_by
            .iter()
            .map(|c| c.label.as_str())
            .collect();
        assert_eq!(
            labels,
            ["Zapier: CRM sync", "~/jobs/backup.env", "cron on the NAS"]
        );
        assert!(
            loaded[0]
                .intent
                .used_by
                .iter()
                .all(|c| c.kind == "custom" && c.needs.is_empty())
        );
        assert_eq!(
            loaded[0].intent.used_by[1].path.as_deref(),
            Some("~/jobs/backup.env")
        );
        assert_eq!(loaded[0].updates_pending, ["cron on the NAS"]);
        add(&inv, "two").unwrap();
        let written: serde_json::Value =
            serde_json::from_slice(&fs::read(inv.path()).unwrap()).unwrap();
        assert_eq!(written["format"], FORMAT);
        assert_eq!(
            written["tokens"][0]["intent"]["used_by"][2]["label"],
            "cron on the NAS"
        );
        assert_eq!(inv.load().unwrap()[0], loaded[0], "nothing lost on the way");
        assert_eq!(
            fs::read_to_string(inv.backup_path()).unwrap(),
            old,
            "the old file is the backup"
        );
    }

    #[test]
    fn a_newer_format_is_named_not_called_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let inv = Inventory::new(dir.path());
        fs::write(inv.path(), br#"{"format":9,"tokens":[],"more":1}"#).unwrap();
        assert!(matches!(
            inv.load(),
            Err(VaultError::InventoryTooNew { found: 9, .. })
        ));
    }

    #[test]
    fn a_lock_held_too_long_is_named_not_waited_for_forever() {
        let dir = tempfile::tempdir().unwrap();
        let inv = Inventory::new(dir.path()).with_lock_wait(Duration::from_millis(300));
        add(&inv, "one").unwrap();
        // Another process's lock: a separate open file holds it.
        let held = fs::File::options()
            .write(true)
            .open(dir.path().join(LOCK))
            .unwrap();
        held.lock().unwrap();
        let started = std::time::Instant::now();
        let err = add(&inv, "two").unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(err.kind(), crate::error::ErrorKind::VaultBusy);
        assert!(
            err.to_string()
                .starts_with("another PAT Vault process holds the vault"),
            "{err}"
        );
        drop(held);
        add(&inv, "two").unwrap();
        assert_eq!(inv.load().unwrap().len(), 2);
    }

    #[test]
    fn concurrent_writers_lose_no_update() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let path = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    let inv = Inventory::new(path);
                    for j in 0..10 {
                        add(&inv, &format!("t{i}-{j}")).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(Inventory::new(dir.path()).load().unwrap().len(), 80);
    }
}

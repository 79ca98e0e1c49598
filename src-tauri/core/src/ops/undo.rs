//! Undo records: what a file held before PAT Vault changed it, kept in the vault's own
//! private folder rather than beside the file (where an ignore rule would miss it and
//! `git add -A` would stage it). A record holds the old text with every Airtable secret
//! replaced by a reference: to a vault token, whose secret the keychain gives back, or to
//! a secret the changed file still holds, each with the SHA-256 of the secret it stands
//! for (safe to keep: a secret's 256 random bits cannot be found again from it). So no
//! Airtable secret is written for an undo, and undoing restores the old text byte for
//! byte, or says which token's secret is no longer the one the file held.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::files::{FileError, ensure_private_dir, io_error, write_atomic};
use crate::model::record::TokenRecord;
use crate::ops::scan::{Owner, owner};
use crate::scan::find::{find, secret_len};
use crate::vault::{Vault, VaultError};
use crate::wire::WireError;
use crate::wire::safe_write::Read;

/// The undo records' folder inside the vault's.
const FOLDER: &str = "undo";
const FORMAT: u32 = 1;

/// A stretch of the old text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Piece {
    Text(String),
    /// The secret of this vault token, as its ID was then.
    Secret {
        token: Uuid,
        token_id: String,
        sha256: String,
    },
    /// A secret the changed file still holds.
    Kept {
        token_id: String,
        sha256: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UndoRecord {
    format: u32,
    /// Where the file lives, links followed.
    pub path: PathBuf,
    pub made: DateTime<Utc>,
    /// The file as PAT Vault left it: undo refuses a file changed since.
    after_sha256: String,
    before: Vec<Piece>,
}

/// Why the old text cannot be kept without its secrets.
#[derive(Debug, thiserror::Error)]
#[error(
    "the secret of {token_id} would be lost: it stays in no file and no single vault token has it"
)]
pub struct Unkeepable {
    pub token_id: String,
}

impl UndoRecord {
    /// The record of changing the file at `path` from `before` to `after`.
    pub fn new(
        path: &Path,
        before: &str,
        after: &str,
        records: &[TokenRecord],
        made: DateTime<Utc>,
    ) -> Result<Self, Unkeepable> {
        let mut pieces = Vec::new();
        let mut from = 0;
        for found in find(before.as_bytes()).into_iter().filter(|f| f.plaintext) {
            let end = found.offset + secret_len(&before.as_bytes()[found.offset..]);
            let sha256 = sha256(&before.as_bytes()[found.offset..end]);
            let piece = if secret_in(after, &found.token_id, &sha256).is_some() {
                Piece::Kept {
                    token_id: found.token_id,
                    sha256,
                }
            } else {
                match owner(&found.token_id, records) {
                    Owner::Current(r) | Owner::RotatedFrom(r) => Piece::Secret {
                        token: r.id,
                        token_id: found.token_id,
                        sha256,
                    },
                    Owner::Unknown | Owner::Many(_) => {
                        return Err(Unkeepable {
                            token_id: found.token_id,
                        });
                    }
                }
            };
            pieces.push(Piece::Text(before[from..found.offset].to_owned()));
            pieces.push(piece);
            from = end;
        }
        pieces.push(Piece::Text(before[from..].to_owned()));
        pieces.retain(|p| *p != Piece::Text(String::new()));
        Ok(UndoRecord {
            format: FORMAT,
            path: path.to_path_buf(),
            made,
            after_sha256: sha256(after.as_bytes()),
            before: pieces,
        })
    }

    /// Whether `now` is the file as PAT Vault left it.
    pub fn matches(&self, now: &[u8]) -> bool {
        sha256(now) == self.after_sha256
    }

    /// The vault tokens whose secrets the old text held, with their IDs then.
    pub fn tokens(&self) -> impl Iterator<Item = (Uuid, &str)> {
        self.before.iter().filter_map(|p| match p {
            Piece::Secret {
                token, token_id, ..
            } => Some((*token, token_id.as_str())),
            _ => None,
        })
    }

    /// The old text, and the vault tokens whose secret now is not the one it held (the
    /// text then has the current one): `secret` gives a vault token's secret, `now` is
    /// the file as it is.
    pub fn rebuild<E>(
        &self,
        now: &str,
        secret: &mut dyn FnMut(Uuid) -> Result<Zeroizing<String>, E>,
    ) -> Result<(Zeroizing<String>, Vec<Uuid>), RebuildError<E>> {
        let mut text = Zeroizing::new(String::new());
        let mut differs = Vec::new();
        for piece in &self.before {
            match piece {
                Piece::Text(t) => text.push_str(t),
                Piece::Secret { token, sha256, .. } => {
                    let current = secret(*token).map_err(RebuildError::Secret)?;
                    if self::sha256(current.as_bytes()) != *sha256 && !differs.contains(token) {
                        differs.push(*token);
                    }
                    text.push_str(&current);
                }
                Piece::Kept { token_id, sha256 } => {
                    let kept =
                        secret_in(now, token_id, sha256).ok_or_else(|| RebuildError::Gone {
                            token_id: token_id.clone(),
                        })?;
                    text.push_str(kept);
                }
            }
        }
        Ok((text, differs))
    }
}

#[derive(Debug)]
pub enum RebuildError<E> {
    Secret(E),
    Gone { token_id: String },
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The whole secret in `text` whose ID is `token_id` and whose SHA-256 is `sha256`.
fn secret_in<'a>(text: &'a str, token_id: &str, sha256: &str) -> Option<&'a str> {
    find(text.as_bytes())
        .into_iter()
        .filter(|f| f.plaintext && f.token_id == token_id)
        .map(|f| &text[f.offset..f.offset + secret_len(&text.as_bytes()[f.offset..])])
        .find(|whole| self::sha256(whole.as_bytes()) == sha256)
}

/// The undo records kept in a vault's folder.
pub struct UndoFolder {
    dir: PathBuf,
}

/// One kept record and its file.
pub struct Kept {
    pub file: PathBuf,
    pub record: UndoRecord,
}

impl UndoFolder {
    pub fn in_vault(data_dir: &Path) -> Self {
        UndoFolder {
            dir: data_dir.join(FOLDER),
        }
    }

    /// Keeps `record` in a file of its own: two changes in one second keep two.
    pub fn keep(&self, record: &UndoRecord) -> Result<PathBuf, FileError> {
        ensure_private_dir(&self.dir)?;
        let name = format!(
            "{}-{}.json",
            record.made.format("%Y%m%dT%H%M%S"),
            Uuid::new_v4().simple()
        );
        let file = self.dir.join(name);
        let text = serde_json::to_vec_pretty(record).expect("an undo record serializes");
        write_atomic(&file, &text)?;
        Ok(file)
    }

    /// Every kept record, oldest first; a file that does not read as one is named with why.
    pub fn list(&self) -> (Vec<Kept>, Vec<(PathBuf, String)>) {
        let mut kept = Vec::new();
        let mut unreadable = Vec::new();
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return (kept, unreadable);
        };
        for entry in entries.flatten() {
            let file = entry.path();
            if file.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let read = fs::read(&file)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<UndoRecord>(&b).map_err(|e| e.to_string()));
            match read {
                Ok(record) if record.format == FORMAT => kept.push(Kept { file, record }),
                Ok(record) => unreadable.push((
                    file,
                    format!("made by a newer PAT Vault (format {})", record.format),
                )),
                Err(why) => unreadable.push((file, why)),
            }
        }
        kept.sort_by(|a, b| (a.record.made, &a.file).cmp(&(b.record.made, &b.file)));
        (kept, unreadable)
    }

    /// The records of the file at `path` (links followed), oldest first.
    pub fn of(&self, path: &Path) -> Vec<Kept> {
        // A file gone since is still named by where it was.
        let real = fs::canonicalize(path)
            .or_else(|_| std::path::absolute(path))
            .unwrap_or_else(|_| path.to_path_buf());
        self.list()
            .0
            .into_iter()
            .filter(|k| k.record.path == real)
            .collect()
    }

    pub fn forget(&self, kept: &Kept) -> Result<(), FileError> {
        fs::remove_file(&kept.file).map_err(io_error("remove", &kept.file))
    }
}

/// Writes `after` over the file `read` holds, keeping first the record to undo it in the
/// vault; gives where that record is (None for a file made new, which has no old text).
pub fn write_keeping_undo(
    vault: &Vault,
    read: &Read,
    after: &str,
    now: DateTime<Utc>,
) -> Result<Option<PathBuf>, WireError> {
    read.may_write()?;
    let Some((real, before)) = read.was() else {
        read.write(after)?;
        return Ok(None);
    };
    let record = UndoRecord::new(real, before, after, &vault.list()?, now).map_err(|e| {
        WireError::Refused {
            path: read.path.clone(),
            why: e.to_string(),
        }
    })?;
    let kept = UndoFolder::in_vault(vault.inventory().dir()).keep(&record)?;
    if let Err(e) = read.replace(after) {
        let _ = fs::remove_file(&kept);
        return Err(e);
    }
    Ok(Some(kept))
}

/// A change undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Undone {
    pub path: String,
    pub made: DateTime<Utc>,
    /// Tokens whose secret is not the one the file held (rotated or replaced since): the
    /// file gets their current secret.
    pub rotated: Vec<String>,
}

/// Puts back the text the file at `path` had before PAT Vault last changed it, its
/// secrets taken from the keychain; refuses when the file changed since.
pub fn undo(vault: &Vault, path: &Path) -> Result<Undone, WireError> {
    let folder = UndoFolder::in_vault(vault.inventory().dir());
    let kept = folder.of(path);
    let last = kept.last().ok_or_else(|| WireError::NoUndo {
        path: path.to_path_buf(),
    })?;
    let (read, now) = Read::existing(path)?;
    if !last.record.matches(now.as_bytes()) {
        return Err(WireError::Refused {
            path: path.to_path_buf(),
            why: format!(
                "it changed since PAT Vault changed it on {}, and undoing would lose that change: edit it by hand, then forget the undo record (patvault migrate --forget {})",
                last.record.made.format("%Y-%m-%d %H:%M"),
                crate::wire::shell_word(&path.display().to_string())
            ),
        });
    }
    let mut secret = |id: Uuid| -> Result<Zeroizing<String>, VaultError> {
        Ok(Zeroizing::new(vault.secret(id)?.expose().to_owned()))
    };
    let (text, differs) = last
        .record
        .rebuild(&now, &mut secret)
        .map_err(|e| match e {
            RebuildError::Secret(e) => WireError::Vault(e),
            RebuildError::Gone { token_id } => WireError::Refused {
                path: path.to_path_buf(),
                why: format!("the secret of {token_id} it held is no longer in it"),
            },
        })?;
    read.write(&text)?;
    folder.forget(last)?;
    let records = vault.list()?;
    let rotated = differs
        .iter()
        .filter_map(|id| records.iter().find(|r| r.id == *id))
        .map(|r| r.intent.name.clone())
        .collect();
    Ok(Undone {
        path: path.display().to_string(),
        made: last.record.made,
        rotated,
    })
}

/// Forgets every undo record of the file at `path`; gives how many there were.
pub fn forget(vault: &Vault, path: &Path) -> Result<usize, WireError> {
    let folder = UndoFolder::in_vault(vault.inventory().dir());
    let kept = folder.of(path);
    if kept.is_empty() {
        return Err(WireError::NoUndo {
            path: path.to_path_buf(),
        });
    }
    for k in &kept {
        folder.forget(k)?;
    }
    Ok(kept.len())
}

/// An undo record as `doctor`, `migrate --undo` and the app list it. No secret in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct UndoShown {
    pub path: String,
    pub made: DateTime<Utc>,
    /// The vault tokens whose secrets undoing puts back in the file.
    pub tokens: Vec<String>,
}

/// Every undo record in the vault, oldest first.
pub fn undo_records(vault: &Vault) -> Vec<UndoShown> {
    let records = vault.list().unwrap_or_default();
    UndoFolder::in_vault(vault.inventory().dir())
        .list()
        .0
        .into_iter()
        .map(|k| UndoShown {
            path: k.record.path.display().to_string(),
            made: k.record.made,
            tokens: k
                .record
                .tokens()
                .map(|(id, token_id)| {
                    records
                        .iter()
                        .find(|r| r.id == id)
                        .map_or_else(|| token_id.to_owned(), |r| r.intent.name.clone())
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_tokens::{OTHER, SECRET, record};

    fn crm() -> Vec<TokenRecord> {
        vec![record("CRM", "patAbCdEfGh123456")]
    }

    #[test]
    fn the_old_text_is_kept_without_a_secret_and_rebuilt_byte_for_byte() {
        let records = crm();
        let before = format!("A={SECRET}\nB={OTHER}\n# end");
        let after = format!("# A comes from the vault\nB={OTHER}\n# end");
        let record =
            UndoRecord::new(Path::new("/p/.env"), &before, &after, &records, Utc::now()).unwrap();
        let stored = serde_json::to_string(&record).unwrap();
        for secret in [SECRET, OTHER] {
            assert!(!stored.contains(&secret[18..]), "{stored}");
        }
        assert!(record.matches(after.as_bytes()));
        assert!(!record.matches(b"changed"));
        assert_eq!(
            record.tokens().collect::<Vec<_>>(),
            [(records[0].id, "patAbCdEfGh123456")]
        );
        let (rebuilt, differs) = record
            .rebuild(&after, &mut |id| {
                assert_eq!(id, records[0].id);
                Ok::<_, ()>(Zeroizing::new(SECRET.to_owned()))
            })
            .unwrap();
        assert_eq!(rebuilt.as_str(), before);
        assert!(differs.is_empty());
        let replaced = SECRET.replace("0123", "9999");
        let (_, differs) = record
            .rebuild(&after, &mut |_| {
                Ok::<_, ()>(Zeroizing::new(replaced.clone()))
            })
            .unwrap();
        assert_eq!(differs, [records[0].id], "a secret changed since is said");
        let any = |_| Ok::<_, ()>(Zeroizing::new(SECRET.to_owned()));
        assert!(matches!(
            record.rebuild("B gone", &mut { any }),
            Err(RebuildError::Gone { .. })
        ));
        let another_kept = after.replace("fedc", "0000");
        assert!(
            matches!(
                record.rebuild(&another_kept, &mut { any }),
                Err(RebuildError::Gone { .. })
            ),
            "a kept secret is taken back only when it is the same secret"
        );
    }

    #[test]
    fn a_secret_neither_in_the_vault_nor_left_cannot_be_kept() {
        let e = UndoRecord::new(Path::new("/p/.env"), OTHER, "", &crm(), Utc::now()).unwrap_err();
        assert_eq!(e.token_id, "patZyXwVuTs987654");
    }

    #[test]
    fn two_records_in_one_second_are_both_kept_privately() {
        let dir = tempfile::tempdir().unwrap();
        let folder = UndoFolder::in_vault(dir.path());
        let made = Utc::now();
        let record = UndoRecord::new(Path::new("/p/x.json"), "a", "b", &[], made).unwrap();
        let first = folder.keep(&record).unwrap();
        let second = folder.keep(&record).unwrap();
        assert_ne!(first, second);
        assert_eq!(folder.of(Path::new("/p/x.json")).len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join(FOLDER)), 0o700);
            assert_eq!(mode(&first), 0o600);
        }
        folder.forget(&folder.list().0[0]).unwrap();
        assert_eq!(folder.list().0.len(), 1);
    }
}

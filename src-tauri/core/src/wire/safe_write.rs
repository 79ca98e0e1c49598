//! Changing a user's file without losing it: the file is read once; the write refuses a
//! read-only file and one that changed since it was read; the old text is kept beside it
//! first (readable by its owner only, as it may hold a secret); and the new text replaces
//! it whole, with its permissions. A file reached through a symbolic link is changed
//! where it lives, so the link (a dotfiles checkout, say) stays.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use super::WireError;
use crate::files::{io_error, write_atomic, write_atomic_as};

/// What names a backup: `mcp.json.before-patvault-20261202-031500`.
pub const BACKUP_MARK: &str = ".before-patvault-";

/// A backup this module left beside a file it changed.
pub fn is_backup(path: &str) -> bool {
    path.rsplit(['/', '\\'])
        .next()
        .is_some_and(|name| name.contains(BACKUP_MARK))
}

/// A file as it was read, to be changed.
pub struct Read {
    /// As the user named it.
    pub path: PathBuf,
    /// Where it lives, links followed; None when it does not exist yet.
    real: Option<PathBuf>,
    before: Zeroizing<Vec<u8>>,
}

impl Read {
    /// The file's text; a file that does not exist is `Missing`.
    pub fn existing(path: &Path) -> Result<(Read, Zeroizing<String>), WireError> {
        if !path.exists() {
            return Err(WireError::Missing {
                path: path.to_path_buf(),
            });
        }
        let real = fs::canonicalize(path).map_err(io_error("find", path))?;
        let before = Zeroizing::new(fs::read(&real).map_err(io_error("read", path))?);
        let text = Zeroizing::new(String::from_utf8(before.to_vec()).map_err(|_| {
            WireError::DoesNotParse {
                path: path.to_path_buf(),
                why: "it is not UTF-8 text".into(),
            }
        })?);
        Ok((
            Read {
                path: path.to_path_buf(),
                real: Some(real),
                before,
            },
            text,
        ))
    }

    /// The file's text, or nothing when it does not exist yet (it will be made).
    pub fn or_new(path: &Path) -> Result<(Read, Zeroizing<String>), WireError> {
        if path.exists() {
            return Read::existing(path);
        }
        Ok((
            Read {
                path: path.to_path_buf(),
                real: None,
                before: Zeroizing::new(Vec::new()),
            },
            Zeroizing::new(String::new()),
        ))
    }

    /// Writes `after` in the file's place; gives the backup's path (None for a new file).
    pub fn write(&self, after: &str, now: DateTime<Utc>) -> Result<Option<PathBuf>, WireError> {
        let shown = &self.path;
        let Some(real) = &self.real else {
            if self.path.exists() {
                return Err(WireError::Changed {
                    path: shown.clone(),
                });
            }
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir).map_err(io_error("create the folder", dir))?;
            }
            write_atomic(&self.path, after.as_bytes())?;
            return Ok(None);
        };
        let meta = fs::metadata(real).map_err(|_| WireError::Changed {
            path: shown.clone(),
        })?;
        if meta.permissions().readonly() {
            return Err(WireError::ReadOnly {
                path: shown.clone(),
            });
        }
        let now_there = Zeroizing::new(fs::read(real).map_err(io_error("read", shown))?);
        if *now_there != *self.before {
            return Err(WireError::Changed {
                path: shown.clone(),
            });
        }
        let backup = backup_path(real, now);
        write_atomic(&backup, &self.before)?;
        write_atomic_as(real, after.as_bytes(), Some(meta.permissions()))?;
        Ok(Some(backup))
    }
}

/// `mcp.json.before-patvault-20261202-031500` beside the file.
fn backup_path(real: &Path, now: DateTime<Utc>) -> PathBuf {
    let name = real.file_name().unwrap_or_default().to_string_lossy();
    real.with_file_name(format!(
        "{name}{BACKUP_MARK}{}",
        now.format("%Y%m%d-%H%M%S")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-02T03:15:00Z".parse().unwrap()
    }

    #[test]
    fn a_change_keeps_a_backup_and_the_files_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.json");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        let (read, text) = Read::existing(&path).unwrap();
        assert_eq!(text.as_str(), "old");
        let backup = read.write("new", now()).unwrap().unwrap();
        assert_eq!(
            backup,
            dir.path().join("mcp.json.before-patvault-20261202-031500")
        );
        assert_eq!(fs::read_to_string(&backup).unwrap(), "old");
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o640);
            assert_eq!(mode(&backup), 0o600);
        }
    }

    #[test]
    fn a_changed_or_read_only_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        fs::write(&path, "A=1\n").unwrap();
        let (read, _) = Read::existing(&path).unwrap();
        fs::write(&path, "A=2\n").unwrap();
        assert!(matches!(
            read.write("B", now()),
            Err(WireError::Changed { .. })
        ));
        let (read, _) = Read::existing(&path).unwrap();
        let mut perms = fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        fs::set_permissions(&path, perms).unwrap();
        assert!(matches!(
            read.write("B", now()),
            Err(WireError::ReadOnly { .. })
        ));
        assert_eq!(fs::read_to_string(&path).unwrap(), "A=2\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(matches!(
            Read::existing(&dir.path().join("nope")),
            Err(WireError::Missing { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_file_is_changed_where_it_lives() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles-mcp.json");
        let link = dir.path().join("mcp.json");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let (read, _) = Read::existing(&link).unwrap();
        read.write("new", now()).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }
}

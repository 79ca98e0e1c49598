//! Changing a user's file without losing it: the file is read once; the write refuses a
//! read-only file, one that changed since it was read, one with other hard links (they
//! would keep the old text) and one of another owner (the new file would change hands);
//! and the new text replaces it whole, with its permissions. A file reached through a
//! symbolic link is changed where it lives, so the link (a dotfiles checkout, say)
//! stays. What the file held before is kept by the caller, in the vault (`ops::undo`),
//! never beside the file.

use std::fs;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::WireError;
use crate::files::{NotRead, io_error, read_regular, write_atomic, write_atomic_as};

/// Larger than this, a config is not one PAT Vault will read whole to change.
pub const LARGEST: u64 = 256 << 20;

/// A file as it was read, to be changed.
pub struct Read {
    /// As the user named it.
    pub path: PathBuf,
    /// Where it lives, links followed; None when it does not exist yet.
    real: Option<PathBuf>,
    before: Zeroizing<Vec<u8>>,
}

/// Reads the regular file at `path`, saying why not in the user's words.
fn read_bytes(path: &Path, shown: &Path) -> Result<Zeroizing<Vec<u8>>, WireError> {
    read_regular(path, LARGEST)
        .map(Zeroizing::new)
        .map_err(|e| match e {
            NotRead::Io(e) => io_error("read", shown)(e).into(),
            refused => WireError::Refused {
                path: shown.to_path_buf(),
                why: refused.to_string(),
            },
        })
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
        let before = read_bytes(&real, path)?;
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

    /// Where the file lives (None for a file still to be made), and its text as read.
    pub fn was(&self) -> Option<(&Path, &str)> {
        let real = self.real.as_deref()?;
        Some((real, std::str::from_utf8(&self.before).ok()?))
    }

    /// Whether the file may be changed now: still as it was read, writable, of this
    /// user's and its only name.
    pub fn may_write(&self) -> Result<(), WireError> {
        let shown = &self.path;
        let Some(real) = &self.real else {
            return if self.path.exists() {
                Err(WireError::Changed {
                    path: shown.clone(),
                })
            } else {
                Ok(())
            };
        };
        let meta = fs::metadata(real).map_err(|_| WireError::Changed {
            path: shown.clone(),
        })?;
        if meta.permissions().readonly() {
            return Err(WireError::ReadOnly {
                path: shown.clone(),
            });
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let refused = |why: String| WireError::Refused {
                path: shown.clone(),
                why,
            };
            if meta.nlink() > 1 {
                return Err(refused(format!(
                    "it has {} other hard link(s), names for the same file that would keep the old text: remove them first (`find ~ -samefile {}` lists them)",
                    meta.nlink() - 1,
                    real.display()
                )));
            }
            // SAFETY: geteuid has no preconditions and cannot fail.
            let me = unsafe { libc::geteuid() };
            if meta.uid() != me {
                return Err(refused(format!(
                    "it belongs to another user (uid {}), and the changed file would be yours: change it as its owner",
                    meta.uid()
                )));
            }
        }
        let now_there = read_bytes(real, shown)?;
        if *now_there != *self.before {
            return Err(WireError::Changed {
                path: shown.clone(),
            });
        }
        Ok(())
    }

    /// Writes `after` in the file's place, if it may be changed (`may_write`).
    pub fn write(&self, after: &str) -> Result<(), WireError> {
        self.may_write()?;
        self.replace(after)
    }

    /// Writes `after` in the file's place, `may_write` asked just before.
    pub fn replace(&self, after: &str) -> Result<(), WireError> {
        let Some(real) = &self.real else {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir).map_err(io_error("create the folder", dir))?;
            }
            write_atomic(&self.path, after.as_bytes())?;
            return Ok(());
        };
        let meta = fs::metadata(real).map_err(io_error("look at", &self.path))?;
        write_atomic_as(real, after.as_bytes(), Some(meta.permissions()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_keeps_the_files_permissions_and_leaves_nothing_beside_it() {
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
        assert_eq!(read.was().unwrap().1, "old");
        read.write("new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
    }

    #[test]
    fn a_changed_or_read_only_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        fs::write(&path, "A=1\n").unwrap();
        let (read, _) = Read::existing(&path).unwrap();
        fs::write(&path, "A=2\n").unwrap();
        assert!(matches!(read.write("B"), Err(WireError::Changed { .. })));
        let (read, _) = Read::existing(&path).unwrap();
        let mut perms = fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        fs::set_permissions(&path, perms).unwrap();
        assert!(matches!(read.write("B"), Err(WireError::ReadOnly { .. })));
        assert_eq!(fs::read_to_string(&path).unwrap(), "A=2\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(matches!(
            Read::existing(&dir.path().join("nope")),
            Err(WireError::Missing { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_linked_file_or_a_pipe_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.json");
        fs::write(&path, "old").unwrap();
        fs::hard_link(&path, dir.path().join("dotfiles-mcp.json")).unwrap();
        let (read, _) = Read::existing(&path).unwrap();
        let refused = read.write("new").unwrap_err().to_string();
        assert!(refused.contains("1 other hard link"), "{refused}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");

        let fifo = dir.path().join("fifo.json");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let refused = Read::existing(&fifo).err().unwrap().to_string();
        assert!(refused.contains("a named pipe"), "{refused}");
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
        read.write("new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }
}

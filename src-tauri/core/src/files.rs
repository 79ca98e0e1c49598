//! Durable file writes: a reader sees the old file or the new one, never half of either.
//! The vault's folder is private to its owner, and its temporary files are made so that
//! no one else can plant or read them.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{ErrorKind, UserError};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the vault's folder {} is not safe to use: {why}", path.display())]
    UnsafeFolder { path: PathBuf, why: String },
    #[error(
        "another PAT Vault process holds the vault (the lock {} was not free within {} s): \
         let it finish or close it, then try again",
        path.display(), waited.as_secs()
    )]
    Busy { path: PathBuf, waited: Duration },
}

impl UserError for FileError {
    fn kind(&self) -> ErrorKind {
        match self {
            FileError::Io { .. } => ErrorKind::Io,
            FileError::UnsafeFolder { .. } => ErrorKind::UnsafeFolder,
            FileError::Busy { .. } => ErrorKind::VaultBusy,
        }
    }
}

pub fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> FileError {
    let path = path.to_path_buf();
    move |source| FileError::Io {
        action,
        path,
        source,
    }
}

/// Creates the folder readable by its owner only; an existing one must be a real folder
/// (not a symbolic link) of this user's, and is made private if it was not.
pub fn ensure_private_dir(dir: &Path) -> Result<(), FileError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(io_error("create the folder", dir))?;
    let meta = fs::symlink_metadata(dir).map_err(io_error("look at the folder", dir))?;
    if meta.file_type().is_symlink() {
        return Err(FileError::UnsafeFolder {
            path: dir.to_path_buf(),
            why: "it is a symbolic link, which another user could point elsewhere: replace it with a real folder".into(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(FileError::UnsafeFolder {
                path: dir.to_path_buf(),
                why: format!(
                    "it belongs to another user (uid {}): move it away so PAT Vault can make its own",
                    meta.uid()
                ),
            });
        }
        if meta.mode() & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(io_error("make private", dir))?;
        }
    }
    Ok(())
}

/// Takes the advisory lock `lock_path` (made if missing), waiting at most `wait` for
/// another process to let it go; it is held until the returned file is dropped. Writers
/// of one file take its lock around read-change-write, so none loses another's update.
pub fn lock_exclusive(lock_path: &Path, wait: Duration) -> Result<File, FileError> {
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)
        .map_err(io_error("open the lock", lock_path))?;
    let deadline = Instant::now() + wait;
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(lock),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(FileError::Busy {
                    path: lock_path.to_path_buf(),
                    waited: wait,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io_error("lock", lock_path)(e)),
        }
    }
}

/// Why a path was not read as a file.
#[derive(Debug, thiserror::Error)]
pub enum NotRead {
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("it is over {} MiB", .0 >> 20)]
    TooLarge(u64),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Opens `path` only if it is a regular file, and never blocks on the way: a FIFO, a
/// device or a socket is refused (told by the open descriptor, so a file swapped in after
/// a look is caught too), as is a file that would give more than `cap` bytes, however
/// large it says it is (a `/proc` file says 0).
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, NotRead> {
    use std::io::Read;
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        bytes.fill(0);
        return Err(NotRead::TooLarge(cap));
    }
    Ok(bytes)
}

/// `path` opened for reading if it is a regular file (see `read_regular`).
pub fn open_regular(path: &Path) -> Result<File, NotRead> {
    open_regular_as(path, Links::Follow)
}

/// Whether a symbolic link at the path itself is followed when it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Follow,
    /// A walk's entry: a link put there since it was listed is refused.
    Refuse,
}

pub fn open_regular_as(path: &Path, links: Links) -> Result<File, NotRead> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NONBLOCK
            | libc::O_NOCTTY
            | if links == Links::Refuse {
                libc::O_NOFOLLOW
            } else {
                0
            },
    );
    let file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(NotRead::NotRegular(kind_of(&kind)));
    }
    Ok(file)
}

/// What a file that is not a regular one is, in words.
pub(crate) fn kind_of(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// Overwrites the regular file at `path` with zeros, syncs it, then removes it: what a
/// plaintext copy held does not stay in the freed blocks of a file system that writes
/// in place (a copy-on-write one or an SSD may still keep an older block).
pub fn shred(path: &Path) -> Result<(), FileError> {
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_NOFOLLOW,
    );
    let mut file = options.open(path).map_err(io_error("open", path))?;
    let meta = file.metadata().map_err(io_error("look at", path))?;
    let refused = |why: &str| Err(io_error("overwrite", path)(std::io::Error::other(why)));
    if !meta.is_file() {
        return refused("it is not a regular file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return refused(
                "it has other hard links, whose bytes would be zeroed too: remove it by hand",
            );
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        if meta.uid() != unsafe { libc::geteuid() } {
            return refused("it belongs to another user");
        }
    }
    let zeros = vec![0u8; 64 << 10];
    let mut left = meta.len();
    while left > 0 {
        let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
        file.write_all(&zeros[..n])
            .map_err(io_error("overwrite", path))?;
        left -= n as u64;
    }
    file.sync_all().map_err(io_error("sync", path))?;
    drop(file);
    fs::remove_file(path).map_err(io_error("remove", path))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Writes `bytes` to a new temporary file beside `path` (made exclusively, with a random
/// name, readable by its owner only), syncs it, renames it over `path` and syncs the
/// folder, so a crash at any point leaves one whole version on disk. Temporary files a
/// killed writer left behind are removed first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_as(path, bytes, None)
}

/// `write_atomic` for a file that must not exist yet: one that does, made meanwhile by
/// another writer too, is kept and the write fails with `AlreadyExists`.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_with(path, bytes, None, STALE_AFTER, false)
}

/// `write_atomic`, by a writer that holds the file's lock: no other writer of it is
/// under way, so every temporary file of it is a killed writer's, whatever its age.
pub fn write_atomic_locked(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_with(path, bytes, None, Duration::ZERO, true)
}

/// `write_atomic`, the new file taking `permissions` (a user's config keeps its own).
pub fn write_atomic_as(
    path: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
) -> Result<(), FileError> {
    write_atomic_with(path, bytes, permissions, STALE_AFTER, true)
}

fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
    stale_after: Duration,
    replace: bool,
) -> Result<(), FileError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    remove_stale_temps(dir, &name, stale_after);
    let prefix = format!(".{name}.");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(io_error("create a temporary file in", dir))?;
    let written = tmp
        .as_file_mut()
        .write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all());
    if let Err(e) = written {
        return Err(io_error("write", tmp.path())(e));
    }
    if let Some(permissions) = permissions {
        fs::set_permissions(tmp.path(), permissions)
            .map_err(io_error("set the permissions of", tmp.path()))?;
    }
    if replace {
        tmp.persist(path)
            .map_err(|e| io_error("replace", path)(e.error))?;
    } else {
        tmp.persist_noclobber(path)
            .map_err(|e| io_error("create", path)(e.error))?;
    }
    sync_dir(dir)
}

const TEMP_SUFFIX: &str = ".tmp";

/// Older than this, a temporary file is a dead writer's when its writers take no lock: a
/// live one renames its file within milliseconds.
const STALE_AFTER: Duration = Duration::from_secs(60);

/// Removes the temporary files of `name` that a killed writer left, older than
/// `stale_after`: this version's (`.NAME.RANDOM.tmp`) and earlier versions'
/// (`NAME.tmp-PID`).
fn remove_stale_temps(dir: &Path, name: &str, stale_after: Duration) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let ours = format!(".{name}.");
    let older = format!("{name}.tmp-");
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let temp = (file.starts_with(&ours) && file.ends_with(TEMP_SUFFIX))
            || file
                .strip_prefix(&older)
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        let stale = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= stale_after);
        if temp && stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), FileError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("sync the folder", dir))
}

// Windows cannot open a folder as a file; its renames are made durable by the file sync.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), FileError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(path: &Path, by: Duration) {
        let when = std::time::SystemTime::now() - by;
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }

    #[test]
    fn a_dead_writers_temporary_files_are_removed_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("inventory.json");
        let dead = dir.path().join(".inventory.json.Ab12Cd.tmp");
        let legacy = dir.path().join("inventory.json.tmp-4242");
        let live = dir.path().join(".inventory.json.Zz99Yy.tmp");
        let other = dir.path().join("notes.tmp-1");
        for f in [&dead, &legacy, &live, &other] {
            fs::write(f, b"half").unwrap();
        }
        for f in [&dead, &legacy, &other] {
            age(f, Duration::from_secs(600));
        }
        write_atomic(&file, b"{}").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"{}");
        assert!(!dead.exists() && !legacy.exists());
        assert!(
            live.exists(),
            "a writer that may still be running keeps its file"
        );
        assert!(other.exists(), "another file's temporaries are not ours");
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }

    #[test]
    fn a_shredded_file_is_zeroed_then_gone_and_a_linked_one_left() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".env.before-patvault-20261202-031500");
        fs::write(&file, vec![b'x'; 100_000]).unwrap();
        // What the file held is overwritten where it lies: a reader that opened it
        // before sees zeros.
        let mut opened = File::open(&file).unwrap();
        shred(&file).unwrap();
        assert!(!file.exists());
        let mut held = Vec::new();
        std::io::Read::read_to_end(&mut opened, &mut held).unwrap();
        assert_eq!(held.len(), 100_000);
        assert!(held.iter().all(|b| *b == 0));
        #[cfg(unix)]
        {
            let linked = dir.path().join("b.before-patvault-20261202-031500");
            fs::write(&linked, b"x").unwrap();
            fs::hard_link(&linked, dir.path().join("twin")).unwrap();
            assert!(
                shred(&linked)
                    .unwrap_err()
                    .to_string()
                    .contains("hard links")
            );
            assert_eq!(fs::read(dir.path().join("twin")).unwrap(), b"x");
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_a_regular_file_is_read_and_never_past_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("mcp.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let started = Instant::now();
        let refused = read_regular(&fifo, 1 << 20).unwrap_err();
        assert!(
            matches!(refused, NotRead::NotRegular("a named pipe")),
            "{refused}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        // It says it is 0 bytes long and would give gigabytes: the cap stops it, or the
        // kernel refuses a read of it that is not in whole entries.
        let pagemap = read_regular(Path::new("/proc/self/pagemap"), 1 << 20).unwrap_err();
        assert!(
            matches!(pagemap, NotRead::TooLarge(_) | NotRead::Io(_)),
            "{pagemap}"
        );
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 10).unwrap_err(),
            NotRead::NotRegular("a device")
        ));
        assert!(matches!(
            read_regular(dir.path(), 10).unwrap_err(),
            NotRead::NotRegular("a folder")
        ));
        let file = dir.path().join(".env");
        fs::write(&file, b"A=1\n").unwrap();
        assert_eq!(read_regular(&file, 4).unwrap(), b"A=1\n");
        assert!(matches!(read_regular(&file, 3), Err(NotRead::TooLarge(3))));
    }

    #[test]
    fn a_writer_that_holds_the_lock_removes_every_temporary_file_of_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("inventory.json");
        let fresh = dir.path().join(".inventory.json.Qq11Ww.tmp");
        fs::write(&fresh, b"half").unwrap();
        write_atomic_locked(&file, b"{}").unwrap();
        assert!(!fresh.exists(), "a killed writer's file, however young");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_a_planted_link_is_not_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings.json");
        write_atomic(&file, b"{}").unwrap();
        let mode = fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A link where the file was is replaced, not written through.
        let target = dir.path().join("elsewhere");
        fs::write(&target, b"untouched").unwrap();
        fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink(&target, &file).unwrap();
        write_atomic(&file, b"{\"new\": 1}").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"untouched");
        assert!(
            !fs::symlink_metadata(&file)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_folder_is_made_private_and_a_link_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("dev.patvault");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&dir).unwrap();
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let link = root.path().join("linked");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        let refused = ensure_private_dir(&link).unwrap_err().to_string();
        assert!(refused.contains("symbolic link"), "{refused}");
    }
}

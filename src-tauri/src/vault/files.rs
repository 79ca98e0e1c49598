//! Durable file writes: a reader sees the old file or the new one, never half of either.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::VaultError;

pub fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> VaultError {
    let path = path.to_path_buf();
    move |source| VaultError::Io {
        action,
        path,
        source,
    }
}

/// Creates the folder readable by its owner only.
pub fn ensure_private_dir(dir: &Path) -> Result<(), VaultError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(io_error("create the folder", dir))
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, renames it over `path` and
/// syncs the folder, so a crash at any point leaves one whole version on disk.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = temp_path(path);
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = || -> std::io::Result<()> {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(io_error("write", &tmp)(e));
    }
    fs::rename(&tmp, path).map_err(io_error("replace", path))?;
    sync_dir(dir)
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), VaultError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("sync the folder", dir))
}

// Windows cannot open a folder as a file; its renames are made durable by the file sync.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), VaultError> {
    Ok(())
}

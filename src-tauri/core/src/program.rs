//! Which program an MCP client's config and the login entry are to run: PAT Vault's own,
//! by a path that only its owner (or root) can change and that will still be there. A
//! copy in a temporary or shared folder, an AppImage's temporary mount, or a binary
//! replaced since it started leaves a path that another local user may one day fill
//! with a program of theirs, which the client or the desktop would then run as you.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, UserError};

/// What the shell knows of where PAT Vault runs from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Whereabouts {
    /// The program the user named (`--program`, or `PATVAULT_PROGRAM`): taken as it is.
    pub chosen: Option<PathBuf>,
    /// The AppImage this runs from (`$APPIMAGE`), not its temporary mount.
    pub appimage: Option<PathBuf>,
    /// The running binary, when it can be told.
    pub running: Option<PathBuf>,
    /// `$PATH`, where an installed `patvault` is found.
    pub search_path: Option<OsString>,
    /// The temporary folder.
    pub temp: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "PAT Vault runs from {}, {why}: a config or login entry naming it could one day start another user's program. \
     Run an installed copy (the patvault on your PATH), or name the program to write with --program PATH \
     (for the app, PATVAULT_PROGRAM); nothing was changed",
    path.display()
)]
pub struct UnsafeProgram {
    pub path: PathBuf,
    pub why: String,
}

impl UserError for UnsafeProgram {
    fn kind(&self) -> ErrorKind {
        ErrorKind::UnsafeProgram
    }
}

/// The program to write, or why the one running may not be written.
pub fn program(at: &Whereabouts) -> Result<PathBuf, UnsafeProgram> {
    if let Some(chosen) = &at.chosen {
        return Ok(chosen.clone());
    }
    let candidate = match (&at.appimage, &at.running) {
        (Some(image), _) => image.clone(),
        (None, Some(running)) => {
            on_path(running, at.search_path.as_deref()).unwrap_or_else(|| running.clone())
        }
        (None, None) => {
            return Err(UnsafeProgram {
                path: PathBuf::from("patvault"),
                why: "and where it is cannot be told".into(),
            });
        }
    };
    match why_unsafe(&candidate, &at.temp) {
        None => Ok(candidate),
        Some(why) => Err(UnsafeProgram {
            path: candidate,
            why,
        }),
    }
}

/// The `patvault` on `search_path` that is the running binary itself.
fn on_path(running: &Path, search_path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let name = running.file_name()?;
    std::env::split_paths(search_path?)
        .map(|dir| dir.join(name))
        .find(|found| same_file(found, running))
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

/// Why `path` may not be written into a config: it is gone or going, or a folder on the
/// way to it can be changed by someone else.
pub fn why_unsafe(path: &Path, temp: &Path) -> Option<String> {
    if path.to_string_lossy().ends_with(" (deleted)") {
        return Some("a binary replaced or removed since it started".into());
    }
    let Ok(real) = std::fs::canonicalize(path) else {
        return Some("which is no longer there".into());
    };
    let temp = std::fs::canonicalize(temp).unwrap_or_else(|_| temp.to_path_buf());
    if !temp.as_os_str().is_empty() && real.starts_with(&temp) {
        return Some(format!(
            "which is in the temporary folder {}, emptied from time to time",
            temp.display()
        ));
    }
    // The path as written and the one it leads to: each of their folders, and the file.
    for step in [path, real.as_path()]
        .into_iter()
        .flat_map(Path::ancestors)
        .filter(|p| !p.as_os_str().is_empty())
    {
        if let Some(why) = owned_by_others(step) {
            return Some(why);
        }
    }
    None
}

#[cfg(unix)]
fn owned_by_others(step: &Path) -> Option<String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // A link is followed by whoever runs the path: what matters is where it leads, which
    // is checked as a path of its own.
    let meta = std::fs::metadata(step).ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.permissions().mode() & 0o022 != 0 {
        return Some(format!(
            "and {} can be changed by other users",
            step.display()
        ));
    }
    if meta.uid() != 0 && meta.uid() != me {
        return Some(format!(
            "and {} belongs to another user (uid {})",
            step.display(),
            meta.uid()
        ));
    }
    None
}

#[cfg(not(unix))]
fn owned_by_others(_step: &Path) -> Option<String> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn binary_in(dir: &Path, mode: u32) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).unwrap();
        let file = dir.join("patvault");
        std::fs::write(&file, b"#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        file
    }

    /// A folder outside the temporary one: the workspace's (ignored) build folder.
    fn elsewhere() -> tempfile::TempDir {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
        std::fs::create_dir_all(&base).unwrap();
        tempfile::tempdir_in(base).unwrap()
    }

    #[test]
    fn a_copy_in_a_shared_temporary_or_vanished_place_is_refused() {
        let temp = tempfile::tempdir().unwrap();
        let at = |running: PathBuf| Whereabouts {
            running: Some(running),
            temp: temp.path().to_path_buf(),
            ..Whereabouts::default()
        };
        let in_temp = binary_in(&temp.path().join("build"), 0o755);
        assert!(
            program(&at(in_temp))
                .unwrap_err()
                .why
                .contains("temporary folder")
        );

        let home = elsewhere();
        for mode in [0o777, 0o1777, 0o775] {
            let shared = binary_in(&home.path().join(format!("shared-{mode:o}")), mode);
            let refused = program(&at(shared)).unwrap_err();
            assert!(
                refused.why.contains("can be changed by other users"),
                "{mode:o}: {refused}"
            );
        }
        let gone = PathBuf::from(format!(
            "{} (deleted)",
            home.path().join("patvault").display()
        ));
        assert!(
            program(&at(gone))
                .unwrap_err()
                .why
                .contains("replaced or removed")
        );

        let mine = binary_in(&home.path().join("bin"), 0o755);
        let ancestors_fine = mine
            .ancestors()
            .skip(1)
            .all(|a| std::fs::metadata(a).unwrap().permissions().mode() & 0o022 == 0);
        if ancestors_fine {
            assert_eq!(program(&at(mine.clone())).unwrap(), mine);
        }
        let chosen = Whereabouts {
            chosen: Some(PathBuf::from("/opt/patvault/bin/patvault")),
            ..at(temp.path().join("x"))
        };
        assert_eq!(
            program(&chosen).unwrap(),
            Path::new("/opt/patvault/bin/patvault"),
            "the user's own choice is taken as it is"
        );
    }

    #[test]
    fn the_copy_on_the_path_is_written_by_its_path_and_an_appimage_by_its_own() {
        let home = elsewhere();
        let real = binary_in(&home.path().join("opt"), 0o755);
        let bin = home.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::hard_link(&real, bin.join("patvault")).unwrap();
        let at = Whereabouts {
            running: Some(real.clone()),
            search_path: Some(std::env::join_paths([Path::new("/nowhere"), &bin]).unwrap()),
            temp: std::env::temp_dir(),
            ..Whereabouts::default()
        };
        assert_eq!(
            on_path(&real, at.search_path.as_deref()),
            Some(bin.join("patvault"))
        );
        let downloads = tempfile::tempdir().unwrap();
        let image = Whereabouts {
            appimage: Some(binary_in(&downloads.path().join("apps"), 0o755)),
            ..at
        };
        assert!(
            program(&image)
                .unwrap_err()
                .why
                .contains("temporary folder")
        );
    }
}

//! Walks a folder for files to read, as ripgrep would but keeping what it ignores:
//! git-ignored files are read (`.env` files usually are), hidden ones too; dependency
//! and build folders, binary files and files over 1 MiB are skipped, and no symbolic
//! link is followed, so the walk never leaves its root.

use std::path::{Path, PathBuf};

/// Folders that hold dependencies, build output or history, never a user's config.
const SKIPPED: &[&str] = &[
    "node_modules",
    ".git",
    ".hg",
    ".svn",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".cache",
    ".npm",
    ".cargo",
    ".rustup",
    "dist",
    "build",
];

pub const MAX_FILE: u64 = 1 << 20;

/// What a walk met: the files to read, and the paths it could not look into.
#[derive(Default)]
pub struct Walked {
    pub files: Vec<PathBuf>,
    pub unreadable: Vec<(PathBuf, String)>,
}

pub fn walk(root: &Path, walked: &mut Walked) {
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .max_filesize(Some(MAX_FILE))
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && SKIPPED.iter().any(|s| e.file_name() == *s))
        })
        .build();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                walked.files.push(e.into_path());
            }
            Ok(_) => {}
            Err(e) => walked.unreadable.push(unreadable(root, &e)),
        }
    }
}

/// The path the walk could not look into (the root when the error names none), and why.
fn unreadable(root: &Path, e: &ignore::Error) -> (PathBuf, String) {
    fn path_of(e: &ignore::Error) -> Option<&Path> {
        match e {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            _ => None,
        }
    }
    let why = e
        .io_error()
        .map_or_else(|| e.to_string(), ToString::to_string);
    (
        path_of(e).unwrap_or(root).to_path_buf(),
        why.replace('\n', " "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_entry_is_named_by_its_own_path() {
        let denied = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let e = ignore::Error::WithDepth {
            depth: 2,
            err: Box::new(ignore::Error::WithPath {
                path: PathBuf::from("/home/u/work/secret-dir"),
                err: Box::new(ignore::Error::Io(denied())),
            }),
        };
        let (path, why) = unreadable(Path::new("/home/u"), &e);
        assert_eq!(path, Path::new("/home/u/work/secret-dir"));
        assert_eq!(why, denied().to_string());
        let nameless = ignore::Error::Io(std::io::Error::other("gone"));
        assert_eq!(
            unreadable(Path::new("/home/u"), &nameless).0,
            Path::new("/home/u")
        );
    }
}

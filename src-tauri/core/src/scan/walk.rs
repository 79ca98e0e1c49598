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
            Err(e) => walked
                .unreadable
                .push((root.to_path_buf(), e.to_string().replace('\n', " "))),
        }
    }
}

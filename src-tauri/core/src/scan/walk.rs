//! Walks folders for files to read, on every core, as ripgrep would but keeping what it
//! ignores:
//! git-ignored files are read (`.env` files usually are), hidden ones too; dependency
//! and build folders are skipped; no symbolic link is followed and no other file system
//! entered, so the walk never leaves its root; what is neither a file nor a folder (a
//! link, a pipe, a socket, a device) is named with why it was not read.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

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

/// What a walk gives back.
#[derive(Default)]
pub struct Walk<T> {
    /// Each walking thread's own `T`.
    pub found: Vec<T>,
    /// Paths the walk could not look into, and why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Entries that are not regular files, and what they are.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Walks `roots` on every core, skipping the files in `skip` (read already), and calls
/// `visit` on each regular file with the walking thread's own `T`.
pub fn walk<T: Default + Send>(
    roots: &[PathBuf],
    skip: &HashSet<PathBuf>,
    excluded: &[PathBuf],
    visit: &(dyn Fn(&Path, &mut T) + Sync),
) -> Walk<T> {
    let Some((first, rest)) = roots.split_first() else {
        return Walk::default();
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    let walker = builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .same_file_system(true)
        .filter_entry({
            let excluded = excluded.to_vec();
            move |e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && (SKIPPED.iter().any(|s| e.file_name() == *s)
                        || excluded.iter().any(|x| e.path() == x)))
            }
        })
        .build_parallel();
    let (sender, received) = mpsc::channel();
    walker.run(|| {
        let mut mine = Handed {
            work: Some(Walked::<T>::default()),
            to: sender.clone(),
        };
        Box::new(move |entry| {
            let walked = mine.work.as_mut().expect("kept until the thread ends");
            match entry {
                Ok(e) => match e.file_type() {
                    Some(t) if t.is_file() => {
                        if !skip.contains(e.path()) {
                            visit(e.path(), &mut walked.found);
                        }
                    }
                    Some(t) if t.is_dir() => {}
                    t => walked.skipped.push((e.into_path(), not_a_file(t))),
                },
                Err(e) => walked.unreadable.push(unreadable(first, &e)),
            }
            ignore::WalkState::Continue
        })
    });
    drop(sender);
    let mut all = Walk::default();
    for walked in received {
        all.found.push(walked.found);
        all.unreadable.extend(walked.unreadable);
        all.skipped.extend(walked.skipped);
    }
    all
}

/// Why an entry that is neither a file nor a folder was not read.
fn not_a_file(kind: Option<std::fs::FileType>) -> String {
    match kind {
        None => "its kind could not be told".into(),
        Some(k) if k.is_symlink() => {
            "a symbolic link: not followed (name its target to scan it)".into()
        }
        Some(k) => format!("{}: never opened", crate::files::kind_of(&k)),
    }
}

#[derive(Default)]
struct Walked<T> {
    found: T,
    unreadable: Vec<(PathBuf, String)>,
    skipped: Vec<(PathBuf, String)>,
}

/// A walking thread's work, handed back when the walker drops the thread's visitor.
struct Handed<T> {
    work: Option<Walked<T>>,
    to: mpsc::Sender<Walked<T>>,
}

impl<T> Drop for Handed<T> {
    fn drop(&mut self) {
        if let Some(work) = self.work.take() {
            let _ = self.to.send(work);
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

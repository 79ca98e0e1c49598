//! The scan for copies of tokens in files: MCP client configs, `.env` files, shell
//! profiles, crontabs, systemd units, or any tree the user names. It reads files, never
//! the keychain, and reports token IDs, never a secret: the ID starts every secret and
//! is enough to match a copy to the vault (`ops::scan`).

pub mod config;
pub mod context;
pub mod find;
pub mod places;
pub mod walk;
pub mod wired;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One file; skipped when it does not exist.
    File(PathBuf),
    /// A folder to walk (see `walk`); skipped when it does not exist.
    Tree(PathBuf),
    /// Text that is not a file, such as the output of `crontab -l`.
    Text { name: String, text: String },
}

/// One copy of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The file's path, or the name of a text source.
    pub place: String,
    pub line: usize,
    /// Byte offset in the file.
    pub offset: usize,
    pub token_id: String,
    pub plaintext: bool,
    pub context: context::Context,
}

#[derive(Debug, Default)]
pub struct Scanned {
    pub hits: Vec<Hit>,
    /// Server entries that take their token from the vault.
    pub wired: Vec<wired::Wired>,
    /// Configs holding a token that do not parse, and why: their tokens were found line
    /// by line, without their server entries.
    pub unparsable: Vec<(String, String)>,
    /// Paths that could not be read, and why; a scan goes on past them.
    pub unreadable: Vec<(String, String)>,
    /// Every place read, found or not: what was there before and is not now is gone.
    pub read: Vec<String>,
    pub files_read: usize,
}

/// Reads every source; `progress` hears the number of files read so far, from whichever
/// thread read the last one.
pub fn scan(sources: &[Source], progress: &(dyn Fn(usize) + Sync)) -> Scanned {
    let mut scanned = Scanned::default();
    let count = AtomicUsize::new(0);
    let read = |path: &Path, into: &mut Scanned| {
        read_one(path, into);
        progress(count.fetch_add(1, Ordering::Relaxed) + 1);
    };
    let mut files = Vec::new();
    let mut trees = Vec::new();
    for source in sources {
        match source {
            Source::File(path) if path.is_file() => files.push(path.clone()),
            Source::Tree(path) if path.exists() => trees.push(path.clone()),
            Source::File(_) | Source::Tree(_) => {}
            Source::Text { name, text } => {
                read_text(name, text, &mut scanned);
                scanned.read.push(name.clone());
            }
        }
    }
    files.sort();
    files.dedup();
    for path in &files {
        read(path, &mut scanned);
    }
    let skip: HashSet<PathBuf> = files.into_iter().collect();
    let (found, unreadable) = walk::walk(&trees, &skip, &read);
    for part in found {
        scanned.merge(part);
    }
    scanned.unreadable.extend(
        unreadable
            .into_iter()
            .map(|(p, why)| (p.display().to_string(), why)),
    );
    scanned.settle_order();
    scanned
}

impl Scanned {
    fn merge(&mut self, other: Scanned) {
        self.hits.extend(other.hits);
        self.wired.extend(other.wired);
        self.unreadable.extend(other.unreadable);
        self.unparsable.extend(other.unparsable);
        self.read.extend(other.read);
        self.files_read += other.files_read;
    }

    /// The walk's threads finish in any order: sorted, the result is the same every
    /// time, and a file reached from two roots counts once.
    fn settle_order(&mut self) {
        self.hits
            .sort_by(|a, b| (&a.place, a.line, a.offset).cmp(&(&b.place, b.line, b.offset)));
        self.hits
            .dedup_by(|a, b| a.place == b.place && a.offset == b.offset);
        self.wired
            .sort_by(|a, b| (&a.place, a.line).cmp(&(&b.place, b.line)));
        self.wired.dedup();
        self.unreadable.sort();
        self.unreadable.dedup();
        self.unparsable.sort();
        self.unparsable.dedup();
        self.read.sort();
        let before = self.read.len();
        self.read.dedup();
        self.files_read -= before - self.read.len();
    }
}

fn read_one(path: &Path, scanned: &mut Scanned) {
    let place = path.display().to_string();
    match read_file(path) {
        Ok(text) => {
            if let Some(text) = text {
                read_text(&place, &text, scanned);
            }
            scanned.read.push(place);
        }
        Err(e) => scanned.unreadable.push((place, e.to_string())),
    }
    scanned.files_read += 1;
}

/// The file's text, or None for a binary file or one over the size limit.
fn read_file(path: &std::path::Path) -> std::io::Result<Option<String>> {
    if std::fs::metadata(path)?.len() > walk::MAX_FILE {
        return Ok(None);
    }
    let bytes = std::fs::read(path)?;
    let head = &bytes[..bytes.len().min(8192)];
    if memchr::memchr(0, head).is_some() {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

fn read_text(place: &str, text: &str, scanned: &mut Scanned) {
    let name = place.rsplit(['/', '\\']).next().unwrap_or(place);
    let wires = memchr::memmem::find(text.as_bytes(), b"patvault").is_some();
    let found = find::find(text.as_bytes());
    if found.is_empty() && !wires {
        return;
    }
    let tree = match config::Format::of(name).map(|f| config::parse(f, text)) {
        Some(Ok(tree)) => Some(tree),
        Some(Err(why)) => {
            scanned.unparsable.push((place.to_owned(), why));
            None
        }
        None => None,
    };
    if let (Some(tree), true) = (&tree, wires) {
        scanned.wired.extend(wired::wired(place, tree, text));
    }
    let contexts = context::contexts(tree.as_ref(), text, &found);
    scanned
        .hits
        .extend(found.into_iter().zip(contexts).map(|(f, context)| Hit {
            place: place.to_owned(),
            line: f.line,
            offset: f.offset,
            token_id: f.token_id,
            plaintext: f.plaintext,
            context,
        }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn a_parallel_walk_reads_each_file_once_in_a_stable_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for i in 0..200 {
            let file = root.join(format!("p{}/q{}/.env", i % 7, i));
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, format!("A=1\nT=patAbCdEfGh{:06}\n", i)).unwrap();
        }
        std::fs::create_dir_all(root.join("p1/node_modules")).unwrap();
        std::fs::write(root.join("p1/node_modules/.env"), "T=patAbCdEfGh999999\n").unwrap();
        let named = root.join("p0/q0/.env");
        let heard = AtomicUsize::new(0);
        let sources = [
            Source::Tree(root.to_path_buf()),
            Source::Tree(root.join("p3")),
            Source::File(named.clone()),
        ];
        let first = scan(&sources, &|n| {
            heard.fetch_max(n, Ordering::Relaxed);
        });
        assert_eq!(
            first.files_read, 200,
            "overlapping roots and a named file count once"
        );
        assert_eq!(first.read.len(), 200);
        assert_eq!(first.hits.len(), 200, "node_modules is skipped");
        assert!(heard.load(Ordering::Relaxed) >= 200);
        assert!(first.hits.windows(2).all(|w| w[0].place <= w[1].place));
        let again = scan(&sources, &|_| {});
        assert_eq!(first.hits, again.hits);
        assert_eq!(
            first
                .hits
                .iter()
                .filter(|h| h.place == named.display().to_string())
                .count(),
            1
        );
    }
}

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

use crate::files;

/// Where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One file; skipped when it does not exist.
    File(PathBuf),
    /// A folder to walk (see `walk`); skipped when it does not exist.
    Tree(PathBuf),
    /// Text that is not a file, such as the output of `crontab -l`.
    Text { name: String, text: String },
    /// A folder no walk enters: the vault's own (its inventory names every token ID, its
    /// backup the rotated-away ones), or the web view's.
    Exclude(PathBuf),
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

/// An MCP server entry that runs a program of a known kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Runs {
    pub place: String,
    pub server: String,
    /// The kind's id in the consumer catalog.
    pub kind: String,
}

#[derive(Debug, Default)]
pub struct Scanned {
    pub hits: Vec<Hit>,
    /// Server entries that take their token from the vault.
    pub wired: Vec<wired::Wired>,
    /// Server entries whose program the consumer catalog knows, in the configs read.
    pub runs: Vec<Runs>,
    /// Configs holding a token that do not parse, and why: their tokens were found line
    /// by line, without their server entries.
    pub unparsable: Vec<(String, String)>,
    /// Paths that could not be read, and why; a scan goes on past them.
    pub unreadable: Vec<(String, String)>,
    /// Paths not read on purpose, and why: a binary file, a named pipe, a device, a
    /// socket, a symbolic link in a walk. Never counted as read.
    pub skipped: Vec<(String, String)>,
    /// Every place read, found or not: what was there before and is not now is gone.
    pub read: Vec<String>,
    pub files_read: usize,
}

/// Reads every source; `progress` hears the number of files read so far, from whichever
/// thread read the last one.
pub fn scan(sources: &[Source], progress: &(dyn Fn(usize) + Sync)) -> Scanned {
    let mut scanned = Scanned::default();
    let count = AtomicUsize::new(0);
    let read = |path: &Path, links: files::Links, into: &mut Scanned| {
        read_one(path, links, into);
        progress(count.fetch_add(1, Ordering::Relaxed) + 1);
    };
    let mut files = Vec::new();
    let mut trees = Vec::new();
    for source in sources {
        match source {
            // A named path that is not a file is told, not opened (`read_one`).
            Source::File(path) if path.symlink_metadata().is_ok() && !path.is_dir() => {
                files.push(path.clone())
            }
            Source::Tree(path) if path.exists() => trees.push(path.clone()),
            Source::File(_) | Source::Tree(_) | Source::Exclude(_) => {}
            Source::Text { name, text } => {
                read_text(name, text, &mut scanned);
                scanned.read.push(name.clone());
            }
        }
    }
    files.sort();
    files.dedup();
    for path in &files {
        read(path, files::Links::Follow, &mut scanned);
    }
    let skip: HashSet<PathBuf> = files.into_iter().collect();
    let excluded: Vec<PathBuf> = sources
        .iter()
        .filter_map(|s| match s {
            Source::Exclude(dir) => Some(dir.clone()),
            _ => None,
        })
        .collect();
    let walked = walk::walk(&trees, &skip, &excluded, &|path, into| {
        read(path, files::Links::Refuse, into)
    });
    for part in walked.found {
        scanned.merge(part);
    }
    let listed = |paths: Vec<(PathBuf, String)>| {
        paths
            .into_iter()
            .map(|(p, why)| (p.display().to_string(), why))
    };
    scanned.unreadable.extend(listed(walked.unreadable));
    scanned.skipped.extend(listed(walked.skipped));
    scanned.settle_order();
    scanned
}

impl Scanned {
    fn merge(&mut self, other: Scanned) {
        self.hits.extend(other.hits);
        self.wired.extend(other.wired);
        self.runs.extend(other.runs);
        self.unreadable.extend(other.unreadable);
        self.unparsable.extend(other.unparsable);
        self.skipped.extend(other.skipped);
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
        self.runs.sort();
        self.runs.dedup();
        for list in [
            &mut self.unreadable,
            &mut self.unparsable,
            &mut self.skipped,
        ] {
            list.sort();
            list.dedup();
        }
        self.read.sort();
        let before = self.read.len();
        self.read.dedup();
        self.files_read -= before - self.read.len();
    }
}

/// Up to this size a file is read whole, so a config's server entries can be told; a
/// larger one is searched as a stream, in bounded memory.
pub const WHOLE: u64 = 64 << 20;
/// A stream is read in pieces this large.
const PIECE: usize = 1 << 20;
/// A token is reported only once this much follows it in memory: more than a whole
/// secret (17 + 1 + 64 bytes), so none is cut in two.
const OVERLAP: usize = 256;
/// How much of a line before a token is kept from one piece to the next, for its
/// `VAR=` and for the byte that tells a token from the tail of a word.
const LOOK_BEHIND: usize = 4096;

fn read_one(path: &Path, links: files::Links, scanned: &mut Scanned) {
    let place = path.display().to_string();
    let file = match files::open_regular_as(path, links) {
        Ok(file) => file,
        Err(files::NotRead::Io(e)) => {
            scanned.unreadable.push((place, e.to_string()));
            return;
        }
        Err(why) => {
            scanned.skipped.push((place, why.to_string()));
            return;
        }
    };
    match read_file(&place, file, scanned) {
        Ok(Outcome::Read) => {
            scanned.read.push(place);
            scanned.files_read += 1;
        }
        Ok(Outcome::Binary) => scanned
            .skipped
            .push((place, "it is binary (a NUL byte in its first 8 KiB)".into())),
        Ok(Outcome::Special) => scanned.skipped.push((
            place,
            "it says it is empty yet is not, as a file the kernel makes (in /proc or /sys) does: its size cannot be told".into(),
        )),
        Err(e) => scanned.unreadable.push((place, e.to_string())),
    }
}

enum Outcome {
    Read,
    Binary,
    /// It says it is empty, yet gives bytes.
    Special,
}

/// Reads the open file: whole up to `WHOLE` (its text then read as a config may be), as
/// a stream beyond; a binary file is not read.
fn read_file(place: &str, file: std::fs::File, scanned: &mut Scanned) -> std::io::Result<Outcome> {
    use std::io::Read as _;
    // Never past the size the file says it has: a file the kernel makes (in /proc or
    // /sys) says 0 and may give without end.
    let said = file.metadata()?.len();
    if said == 0 {
        // Eight bytes: some such files (pagemap) answer only reads of whole entries.
        let mut probe = [0u8; 8];
        return Ok(if read_up_to(&mut &file, &mut probe)? == 0 {
            Outcome::Read
        } else {
            Outcome::Special
        });
    }
    let mut file = file.take(said).take(WHOLE + 1);
    let mut bytes = Vec::new();
    let mut head = [0u8; 8192];
    let n = read_up_to(&mut file, &mut head)?;
    if memchr::memchr(0, &head[..n]).is_some() {
        return Ok(Outcome::Binary);
    }
    bytes.extend_from_slice(&head[..n]);
    file.read_to_end(&mut bytes)?;
    if bytes.len() as u64 <= WHOLE {
        read_text(place, &String::from_utf8_lossy(&bytes), scanned);
        return Ok(Outcome::Read);
    }
    let mut rest = file.into_inner();
    stream(place, bytes, &mut rest, PIECE, scanned)?;
    Ok(Outcome::Read)
}

/// Fills `buf` as far as the file goes.
fn read_up_to(file: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            got => n += got,
        }
    }
    Ok(n)
}

/// Finds the tokens of a large file piece by piece: `first` is what was read of it so
/// far, `rest` the remainder, read `piece` bytes at a time. What is found is what `find`
/// finds in the whole text, at the same offsets and lines.
fn stream(
    place: &str,
    first: Vec<u8>,
    rest: &mut impl std::io::Read,
    piece: usize,
    scanned: &mut Scanned,
) -> std::io::Result<()> {
    let mut window = first;
    // Where `window` starts in the file, and the line it starts on.
    let mut base = 0usize;
    let mut line = 1usize;
    // Tokens before this offset in the file have been reported.
    let mut reported = 0usize;
    let mut at_end = false;
    // What the last round kept: this round reads a piece past it at least.
    let mut kept = 0usize;
    loop {
        while !at_end && window.len() < kept + OVERLAP + piece {
            let start = window.len();
            window.resize(start + piece, 0);
            let n = read_up_to(rest, &mut window[start..])?;
            window.truncate(start + n);
            at_end = n < piece;
        }
        let limit = if at_end {
            window.len()
        } else {
            window.len() - OVERLAP
        };
        for f in find::find(&window) {
            if base + f.offset < reported {
                continue;
            }
            if f.offset >= limit {
                break;
            }
            scanned.hits.push(Hit {
                place: place.to_owned(),
                line: line + f.line - 1,
                offset: base + f.offset,
                context: context::on_line_at(&window, f.offset),
                token_id: f.token_id,
                plaintext: f.plaintext,
            });
        }
        if at_end {
            return Ok(());
        }
        reported = base + limit;
        let line_start = memchr::memrchr(b'\n', &window[..limit]).map_or(0, |i| i + 1);
        let keep = line_start.max(limit.saturating_sub(LOOK_BEHIND));
        line += memchr::memchr_iter(b'\n', &window[..keep]).count();
        base += keep;
        window.drain(..keep);
        kept = window.len();
    }
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
    for (keys, entry) in tree.iter().flat_map(config::server_entries) {
        if let (Some(server), Some(kind)) = (keys.last(), config::runs(entry)) {
            scanned.runs.push(Runs {
                place: place.to_owned(),
                server: server.clone(),
                kind: kind.id.clone(),
            });
        }
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
    fn a_stream_finds_what_the_whole_text_holds_wherever_the_pieces_break() {
        let secret = "0123456789abcdef".repeat(4);
        let mut text = String::new();
        for i in 0..60 {
            text.push_str(&"x".repeat(i * 7 % 97));
            match i % 4 {
                0 => text.push_str(&format!("\nexport KEY_{i}=patAbCdEfGh{i:06}.{secret}\n")),
                1 => text.push_str(&format!("wordpatAbCdEfGh{i:06}.{secret} ")),
                2 => text.push_str(&format!("\"patZyXwVuTs{i:06}\", ")),
                _ => text.push_str(&format!("ID=patAAAAAAA{i:06}.pat{i:014}.{secret}\n")),
            }
        }
        let whole = {
            let mut s = Scanned::default();
            read_text("big.log", &text, &mut s);
            s.hits
        };
        assert_eq!(whole.len(), 45, "the words are not tokens");
        for piece in [1, 7, 100, 333, 4096] {
            let bytes = text.as_bytes();
            let mut streamed = Scanned::default();
            let first = bytes[..50].to_vec();
            stream("big.log", first, &mut &bytes[50..], piece, &mut streamed).unwrap();
            let key = |h: &Hit| {
                (
                    h.offset,
                    h.line,
                    h.token_id.clone(),
                    h.plaintext,
                    h.context.variable.clone(),
                )
            };
            assert_eq!(
                streamed.hits.iter().map(key).collect::<Vec<_>>(),
                whole.iter().map(key).collect::<Vec<_>>(),
                "pieces of {piece}"
            );
        }
    }

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

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

use std::path::PathBuf;

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
    pub token_id: String,
    pub plaintext: bool,
    pub context: context::Context,
}

#[derive(Debug, Default)]
pub struct Scanned {
    pub hits: Vec<Hit>,
    /// Server entries that take their token from the vault.
    pub wired: Vec<wired::Wired>,
    /// Paths that could not be read, and why; a scan goes on past them.
    pub unreadable: Vec<(String, String)>,
    /// Every place read, found or not: what was there before and is not now is gone.
    pub read: Vec<String>,
    pub files_read: usize,
}

/// Reads every source; `progress` hears the number of files read so far.
pub fn scan(sources: &[Source], mut progress: impl FnMut(usize)) -> Scanned {
    let mut scanned = Scanned::default();
    let mut files = walk::Walked::default();
    for source in sources {
        match source {
            Source::File(path) if path.is_file() => files.files.push(path.clone()),
            Source::File(_) => {}
            Source::Tree(path) if path.exists() => walk::walk(path, &mut files),
            Source::Tree(_) => {}
            Source::Text { name, text } => {
                read_text(name, text, &mut scanned);
                scanned.read.push(name.clone());
            }
        }
    }
    scanned.unreadable.extend(
        files
            .unreadable
            .into_iter()
            .map(|(p, why)| (p.display().to_string(), why)),
    );
    files.files.sort();
    files.files.dedup();
    for path in &files.files {
        let place = path.display().to_string();
        match read_file(path) {
            Ok(text) => {
                if let Some(text) = text {
                    read_text(&place, &text, &mut scanned);
                }
                scanned.read.push(place);
            }
            Err(e) => scanned.unreadable.push((place, e.to_string())),
        }
        scanned.files_read += 1;
        progress(scanned.files_read);
    }
    scanned
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
    if memchr::memmem::find(text.as_bytes(), b"patvault").is_some() {
        scanned.wired.extend(wired::wired(place, name, text));
    }
    let found = find::find(text.as_bytes());
    if found.is_empty() {
        return;
    }
    let contexts = context::contexts(name, text, &found);
    scanned
        .hits
        .extend(found.into_iter().zip(contexts).map(|(f, context)| Hit {
            place: place.to_owned(),
            line: f.line,
            token_id: f.token_id,
            plaintext: f.plaintext,
            context,
        }));
}

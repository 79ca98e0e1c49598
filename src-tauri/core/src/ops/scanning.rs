//! A scan from start to end, the same for the CLI and the app: where to look (the usual
//! places, the crontab and "used by" paths, or paths named), reading them, matching
//! what was found to the vault, and keeping it on the records.

use std::path::{Path, PathBuf};

use std::time::Duration;

use chrono::Utc;
use serde::Serialize;

use super::scan::{Copy, Seen, Ticked, Wiring, match_copies, match_wired, remember};
use crate::config::Config;
use crate::model::place::is_backup;
use crate::scan::places::{Folders, used_by, usual};
use crate::scan::{Scanned, Source};
use crate::vault::{Vault, VaultError};

/// What a scan found, as `scan --json` and the app show it. Never holds a secret.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ScanReport {
    pub found: Vec<Copy>,
    /// Server entries that run `patvault exec`: no copy there.
    pub wired: Vec<Wiring>,
    /// "Used by" places this scan ticked off the rotation checklist.
    pub ticked: Vec<Ticked>,
    /// A sentence for each token ID that more than one vault token claims.
    pub ambiguous: Vec<String>,
    /// Paths that could not be read, and why.
    pub unreadable: Vec<Unreadable>,
    /// Paths not read on purpose, and why (binary, a pipe, a device, a link in a walk):
    /// never counted as read.
    pub skipped: Vec<Unreadable>,
    /// Configs that hold a token but do not parse (`error` says where): their copies are
    /// listed without server entries, and migrate leaves them alone.
    pub unparsable: Vec<Unreadable>,
    pub files_read: u32,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Unreadable {
    pub path: String,
    pub error: String,
}

/// The usual places for this user, the crontab and the "used by" entries that are
/// paths; `project` adds a project's own MCP configs.
pub fn usual_sources(
    vault: &Vault,
    config: &Config,
    project: Option<&Path>,
) -> Result<Vec<Source>, VaultError> {
    let mut sources = Vec::new();
    let home = config.home_dir.as_deref();
    if let Some(home) = home {
        let config_home = config
            .config_home
            .clone()
            .unwrap_or_else(|| home.join(".config"));
        sources = usual(&Folders {
            home,
            config: &config_home,
            project,
        });
    }
    if let Some(text) = crontab() {
        sources.push(Source::Text {
            name: "crontab".into(),
            text,
        });
    }
    let records = vault.list()?;
    sources.extend(used_by(
        records
            .iter()
            .flat_map(|r| &r.intent.used_by)
            .filter_map(|c| c.path.as_deref()),
        home,
    ));
    let known = records
        .iter()
        .flat_map(|r| &r.found_in)
        .map(|p| PathBuf::from(&p.path));
    let backups = backups_beside(
        sources
            .iter()
            .filter_map(|s| match s {
                Source::File(path) => Some(path.clone()),
                _ => None,
            })
            .chain(known),
    );
    sources.extend(backups.into_iter().map(Source::File));
    sources.extend(own_folders(vault, config));
    Ok(sources)
}

/// The folders of PAT Vault's own that a walk (a "used by" `~`, a folder named) never
/// enters: the vault's, whose inventory names every token ID and its backup the
/// rotated-away ones, and the web view's.
pub fn own_folders(vault: &Vault, config: &Config) -> Vec<Source> {
    std::iter::once(vault.inventory().dir().to_path_buf())
        .chain(config.webview_dir.clone())
        .map(Source::Exclude)
        .collect()
}

/// The backups earlier versions of `migrate` left beside `files`
/// (`NAME.before-patvault-DATE`, plaintext secret included): they wrote them beside the
/// file a link points to (a dotfiles checkout), so both folders are listed, each once.
pub fn backups_beside(files: impl Iterator<Item = PathBuf>) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = files
        .flat_map(|f| [std::fs::canonicalize(&f).ok(), Some(f)])
        .flatten()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .filter(|d| !d.as_os_str().is_empty())
        .collect();
    folders.sort();
    folders.dedup();
    let mut found = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        found.extend(
            entries
                .flatten()
                .filter(|e| is_backup(&e.file_name().to_string_lossy()))
                .map(|e| e.path()),
        );
    }
    found.sort();
    found
}

/// How long `crontab -l` may take: a hung one must not hold the scan.
const CRONTAB_WAIT: Duration = Duration::from_secs(5);

/// `crontab -l`, when there is a crontab and it answers in time.
fn crontab() -> Option<String> {
    use std::io::Read;
    let mut child = std::process::Command::new("crontab")
        .arg("-l")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let (sender, answer) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = sender.send(stdout.read_to_end(&mut text).map(|_| text));
    });
    let Ok(Ok(text)) = answer.recv_timeout(CRONTAB_WAIT) else {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    };
    child
        .wait()
        .ok()?
        .success()
        .then(|| String::from_utf8_lossy(&text).into_owned())
}

/// Files and folders the user named; one that does not exist is named back.
pub fn named_sources(paths: Vec<PathBuf>) -> Result<Vec<Source>, PathBuf> {
    paths
        .into_iter()
        .map(|path| {
            if path.is_dir() {
                Ok(Source::Tree(path))
            } else if path.exists() {
                Ok(Source::File(path))
            } else {
                Err(path)
            }
        })
        .collect()
}

/// What the vault makes of what was read, kept on its records.
pub fn settle(
    vault: &Vault,
    scanned: &Scanned,
    home: Option<&Path>,
) -> Result<ScanReport, VaultError> {
    let records = vault.list()?;
    let (found, ambiguous) = match_copies(scanned.hits.clone(), &records);
    let wired = match_wired(scanned.wired.clone(), &records);
    let ticked = if records.is_empty() {
        Vec::new()
    } else {
        remember(
            vault,
            &Seen {
                copies: &found,
                wirings: &wired,
                read: &scanned.read,
                unread: &[scanned.unreadable.clone(), scanned.skipped.clone()].concat(),
                home,
                now: Utc::now(),
                runs: &scanned.runs,
            },
        )?
    };
    Ok(ScanReport {
        found,
        wired,
        ticked,
        ambiguous,
        unreadable: listed(&scanned.unreadable),
        skipped: listed(&scanned.skipped),
        unparsable: listed(&scanned.unparsable),
        files_read: u32::try_from(scanned.files_read).unwrap_or(u32::MAX),
    })
}

fn listed(paths: &[(String, String)]) -> Vec<Unreadable> {
    paths
        .iter()
        .map(|(path, error)| Unreadable {
            path: path.clone(),
            error: error.clone(),
        })
        .collect()
}

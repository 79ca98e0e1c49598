//! `patvault scan [PATH...] [--json]`: where copies of tokens are. With no path, the
//! usual places (see `scan::places`), the crontab and every "used by" entry that is a
//! path; with paths, those files and folders. Exit status 1 when a copy is stale, 0
//! otherwise, 2 when a path does not exist.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::CliError;
use super::out::print_out;
use super::output::{columns, json};
use patvault_core::config::Config;
use patvault_core::ops::scan::{Copy, match_copies};
use patvault_core::scan::places::{Folders, usual};
use patvault_core::scan::{Source, scan as scan_sources};
use patvault_core::vault::Vault;

#[derive(Serialize)]
struct Output<'a> {
    found: &'a [Copy],
    /// Paths that could not be read, and why.
    unreadable: Vec<Unreadable<'a>>,
    files_read: usize,
}

#[derive(Serialize)]
struct Unreadable<'a> {
    path: &'a str,
    error: &'a str,
}

pub fn scan(
    vault: &Vault,
    config: &Config,
    paths: Vec<PathBuf>,
    as_json: bool,
) -> Result<i32, CliError> {
    let records = vault.list()?;
    let sources = if paths.is_empty() {
        let mut sources = default_sources(config);
        sources.extend(used_by_paths(&records, config.home_dir.as_deref()));
        sources
    } else {
        named(paths)?
    };
    let terminal = !as_json && std::io::stderr().is_terminal();
    let scanned = scan_sources(&sources, |n| {
        if terminal && n % 1000 == 0 {
            eprint!("\rscanning: {n} files read");
        }
    });
    if terminal && scanned.files_read >= 1000 {
        eprintln!();
    }
    let (copies, ambiguous) = match_copies(scanned.hits, &records);
    for sentence in &ambiguous {
        eprintln!("patvault: {sentence}");
    }
    let text = if as_json {
        json(&Output {
            found: &copies,
            unreadable: scanned
                .unreadable
                .iter()
                .map(|(path, error)| Unreadable { path, error })
                .collect(),
            files_read: scanned.files_read,
        }) + "\n"
    } else {
        for (path, why) in &scanned.unreadable {
            eprintln!("patvault: could not read {path}: {why}");
        }
        table(&copies, scanned.files_read)
    };
    print_out(text);
    Ok(if copies.iter().any(|c| c.stale) { 1 } else { 0 })
}

fn table(copies: &[Copy], files_read: usize) -> String {
    if copies.is_empty() {
        return format!("No token found in {files_read} files.\n");
    }
    let rows: Vec<[String; 4]> = copies
        .iter()
        .map(|c| {
            let token = match (&c.token, c.stale) {
                (Some(name), true) => format!("{name} (STALE: rotated away)"),
                (Some(name), false) => name.clone(),
                (None, _) => "not in the vault".into(),
            };
            let mut how = Vec::new();
            if let Some(server) = &c.server {
                how.push(format!("server {server}"));
            }
            if let Some(var) = &c.variable {
                how.push(var.clone());
            }
            how.push(
                if c.plaintext {
                    "plaintext secret"
                } else {
                    "ID only"
                }
                .into(),
            );
            [
                format!("{}:{}", c.path, c.line),
                c.token_id.clone(),
                token,
                how.join(", "),
            ]
        })
        .collect();
    columns(["WHERE", "TOKEN ID", "VAULT TOKEN", "HOW"], &rows)
}

/// The usual places for this user, and the crontab.
fn default_sources(config: &Config) -> Vec<Source> {
    let mut sources = Vec::new();
    if let Some(home) = config.home_dir.as_deref() {
        let config_home = config
            .config_home
            .clone()
            .unwrap_or_else(|| home.join(".config"));
        let project = std::env::current_dir().ok();
        sources = usual(&Folders {
            home,
            config: &config_home,
            project: project.as_deref(),
        });
    }
    if let Some(text) = crontab() {
        sources.push(Source::Text {
            name: "crontab".into(),
            text,
        });
    }
    sources
}

/// `crontab -l`, when there is a crontab.
fn crontab() -> Option<String> {
    let out = std::process::Command::new("crontab")
        .arg("-l")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// "Used by" entries that name a file or a folder (`/…` or `~/…`).
fn used_by_paths(
    records: &[patvault_core::model::record::TokenRecord],
    home: Option<&Path>,
) -> Vec<Source> {
    records
        .iter()
        .flat_map(|r| &r.intent.used_by)
        .filter_map(|place| {
            let path = match (place.strip_prefix("~/"), home) {
                (Some(rest), Some(home)) => home.join(rest),
                _ if place.starts_with('/') => PathBuf::from(place),
                _ => return None,
            };
            Some(if path.is_dir() {
                Source::Tree(path)
            } else {
                Source::File(path)
            })
        })
        .collect()
}

fn named(paths: Vec<PathBuf>) -> Result<Vec<Source>, CliError> {
    paths
        .into_iter()
        .map(|path| {
            if path.is_dir() {
                Ok(Source::Tree(path))
            } else if path.exists() {
                Ok(Source::File(path))
            } else {
                Err(CliError::Input(format!(
                    "{} does not exist",
                    path.display()
                )))
            }
        })
        .collect()
}

//! `patvault scan [PATH...] [--json] [--import]`: where copies of tokens are. With no
//! path, the usual places (see `scan::places`), the crontab and every "used by" entry
//! that is a path; with paths, those files and folders. What it finds is kept on each
//! token's record. `--import` adds the unknown plaintext tokens to the vault. Exit
//! status 1 when a copy is stale, 0 otherwise, 2 when a path does not exist.

use std::io::IsTerminal;
use std::path::PathBuf;

use serde::Serialize;

use super::check::runtime;
use super::error::CliError;
use super::out::print_out;
use super::output::{columns, json};
use patvault_core::config::Config;
use patvault_core::model::record::TokenRecord;
use patvault_core::ops::client::open_client;
use patvault_core::ops::import::{Candidate, Outcome, candidates, import};
use patvault_core::ops::scan::{Copy, Seen, Ticked, Wiring, match_copies, match_wired, remember};
use patvault_core::scan::find::secret_on_line;
use patvault_core::scan::places::{Folders, used_by, usual};
use patvault_core::scan::{Source, scan as scan_sources};
use patvault_core::secret::Secret;
use patvault_core::vault::Vault;
use zeroize::Zeroizing;

#[derive(Serialize)]
struct Output<'a> {
    found: &'a [Copy],
    /// Server entries that run `patvault exec`: no copy there.
    wired: &'a [Wiring],
    /// "Used by" places this scan ticked off the rotation checklist.
    ticked: &'a [Ticked],
    /// What `--import` did with each unknown plaintext token.
    imported: &'a [Imported],
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
    import: bool,
) -> Result<i32, CliError> {
    let mut records = vault.list()?;
    let sources = if paths.is_empty() {
        let mut sources = default_sources(config);
        sources.extend(used_by(
            records
                .iter()
                .flat_map(|r| &r.intent.used_by)
                .map(String::as_str),
            config.home_dir.as_deref(),
        ));
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
    let (mut copies, mut ambiguous) = match_copies(scanned.hits.clone(), &records);
    let mut imported = Vec::new();
    if import {
        imported = import_unknown(vault, config, &sources, &copies, &records)?;
        if imported.iter().any(|i| i.added) {
            records = vault.list()?;
            (copies, ambiguous) = match_copies(scanned.hits.clone(), &records);
        }
    }
    for sentence in &ambiguous {
        eprintln!("patvault: {sentence}");
    }
    let wirings = match_wired(scanned.wired.clone(), &records);
    let ticked = if records.is_empty() {
        Vec::new()
    } else {
        remember(
            vault,
            &Seen {
                copies: &copies,
                wirings: &wirings,
                read: &scanned.read,
                home: config.home_dir.as_deref(),
                now: chrono::Utc::now(),
            },
        )?
    };
    let text = if as_json {
        json(&Output {
            found: &copies,
            wired: &wirings,
            ticked: &ticked,
            imported: &imported,
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
        for i in &imported {
            eprintln!("{}", i.describe());
        }
        for t in &ticked {
            eprintln!(
                "Ticked off “{}” for {}: it has the current token now.",
                t.place, t.token
            );
        }
        for w in wirings.iter().filter(|w| !w.known) {
            eprintln!(
                "patvault: {}:{} runs patvault exec “{}”, which is not in the vault: that server cannot start",
                w.path, w.line, w.token
            );
        }
        table(&copies, &wirings, scanned.files_read)
    };
    print_out(text);
    Ok(if copies.iter().any(|c| c.stale && !c.backup) {
        1
    } else {
        0
    })
}

/// One token `--import` tried.
#[derive(Serialize)]
struct Imported {
    token_id: String,
    name: String,
    path: String,
    line: u32,
    added: bool,
    /// What was reached, or why it was not (fully) imported.
    outcome: String,
}

impl Imported {
    fn describe(&self) -> String {
        let verb = if self.added {
            "Imported"
        } else {
            "Did not import"
        };
        format!(
            "{verb} {} from {}:{} as “{}”: {}",
            self.token_id, self.path, self.line, self.name, self.outcome
        )
    }
}

fn import_unknown(
    vault: &Vault,
    config: &Config,
    sources: &[Source],
    copies: &[Copy],
    records: &[TokenRecord],
) -> Result<Vec<Imported>, CliError> {
    let taken: Vec<String> = records.iter().map(|r| r.intent.name.clone()).collect();
    let wanted = candidates(copies, &taken);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    runtime()?.block_on(async {
        let client = open_client(config)?;
        let mut out = Vec::new();
        for candidate in &wanted {
            let result = match secret_of(sources, candidate) {
                None => Err("its secret is no longer there".to_owned()),
                Some(secret) => import(vault, &client, candidate, &secret)
                    .await
                    .map_err(|e| e.to_string()),
            };
            let (added, outcome) = match result {
                Ok(Outcome::Added {
                    scopes,
                    bases,
                    warning,
                }) => (
                    true,
                    format!(
                        "it reaches {scopes} {} and {bases} {}{}",
                        plural(scopes, "scope"),
                        plural(bases, "base"),
                        warning
                            .map(|w| format!(" (warning: {w})"))
                            .unwrap_or_default()
                    ),
                ),
                Ok(Outcome::AddedUnchecked { why, .. }) => {
                    (true, format!("kept with no scopes or bases, as {why}"))
                }
                Ok(Outcome::Refused { why }) => (false, format!("Airtable refuses it ({why})")),
                Err(why) => (false, why),
            };
            out.push(Imported {
                token_id: candidate.token_id.clone(),
                name: candidate.name.clone(),
                path: candidate.path.clone(),
                line: candidate.line,
                added,
                outcome,
            });
        }
        Ok(out)
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.into()
    } else {
        format!("{word}s")
    }
}

/// The candidate's whole secret, read again from where the scan found it.
fn secret_of(sources: &[Source], candidate: &Candidate) -> Option<Secret> {
    let text = sources
        .iter()
        .find_map(|s| match s {
            Source::Text { name, text } if *name == candidate.path => {
                Some(Zeroizing::new(text.clone()))
            }
            _ => None,
        })
        .or_else(|| {
            std::fs::read_to_string(&candidate.path)
                .ok()
                .map(Zeroizing::new)
        })?;
    secret_on_line(&text, candidate.line as usize, &candidate.token_id)
}

fn table(copies: &[Copy], wirings: &[Wiring], files_read: usize) -> String {
    if copies.is_empty() && wirings.is_empty() {
        return format!("No token found in {files_read} files.\n");
    }
    let rows: Vec<[String; 4]> = copies
        .iter()
        .map(|c| {
            let token = match (&c.token, c.stale, c.backup) {
                (Some(name), true, false) => format!("{name} (STALE: rotated away)"),
                (Some(name), true, true) => format!("{name} (old, in a migrate's backup)"),
                (Some(name), false, _) => name.clone(),
                (None, _, _) => "not in the vault".into(),
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
        .chain(wirings.iter().map(|w| {
            [
                format!("{}:{}", w.path, w.line),
                "-".into(),
                if w.known {
                    w.token.clone()
                } else {
                    format!("{} (NOT IN THE VAULT)", w.token)
                },
                format!("server {}, {}, through the vault", w.server, w.variable),
            ]
        }))
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

//! `patvault scan [PATH...] [--json] [--import] [--delete-backups] [--yes]`: where
//! copies of tokens are. With no path, the usual places (see `scan::places`), the
//! crontab, every "used by" entry that is a path, and the backups an earlier migrate
//! left beside them; with paths, those files and folders. What it finds is kept on each
//! token's record. `--import` adds the unknown plaintext tokens to the vault;
//! `--delete-backups` deletes the backups. Exit status 1 when a copy is stale or a backup
//! holds a secret, 0 otherwise, 2 when a path does not exist.

use std::io::IsTerminal;
use std::path::PathBuf;

use serde::Serialize;

use super::check::runtime;
use super::error::CliError;
use super::out::print_out;
use super::output::{columns, json, terminal_safe};
use super::tokens::confirm;
use patvault_core::config::Config;
use patvault_core::ops::backups::{backups, delete_backups};
use patvault_core::ops::client::open_client;
use patvault_core::ops::import::{Candidate, Imported, candidates, import_all};
use patvault_core::ops::scan::{Copy, Wiring, match_copies};
use patvault_core::ops::scanning::{ScanReport, named_sources, own_folders, settle, usual_sources};
use patvault_core::scan::{Scanned, Source, scan as read_sources};
use patvault_core::vault::Vault;

#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    report: &'a ScanReport,
    /// What `--import` did with each unknown plaintext token.
    imported: &'a [Imported],
}

/// What the command line asked of a scan besides where.
pub struct Asked {
    pub as_json: bool,
    pub import: bool,
    pub delete_backups: bool,
    pub yes: bool,
}

pub fn scan(
    vault: &Vault,
    config: &Config,
    paths: Vec<PathBuf>,
    asked: Asked,
) -> Result<i32, CliError> {
    let Asked {
        as_json,
        import,
        delete_backups,
        yes,
    } = asked;
    let sources = if paths.is_empty() {
        let project = std::env::current_dir().ok();
        usual_sources(vault, config, project.as_deref())?
    } else {
        let mut named = named_sources(paths)
            .map_err(|p| CliError::Input(format!("{} does not exist", p.display())))?;
        named.extend(own_folders(vault, config));
        named
    };
    let terminal = !as_json && std::io::stderr().is_terminal();
    let scanned = read_sources(&sources, &|n| {
        if terminal && n % 1000 == 0 {
            eprint!("\rscanning: {n} files read");
        }
    });
    if terminal && scanned.files_read >= 1000 {
        eprintln!();
    }
    let imported = if import {
        import_found(vault, config, &sources, &scanned, yes)?
    } else {
        Vec::new()
    };
    let mut report = settle(vault, &scanned, config.home_dir.as_deref())?;
    if delete_backups {
        report = delete(vault, &report, yes, config)?;
    }
    for sentence in &report.ambiguous {
        eprintln!("patvault: {sentence}");
    }
    let text = if as_json {
        json(&Output {
            report: &report,
            imported: &imported,
        }) + "\n"
    } else {
        for u in &report.unreadable {
            eprintln!(
                "patvault: could not read {}: {}",
                terminal_safe(&u.path),
                u.error
            );
        }
        for u in &report.skipped {
            eprintln!(
                "patvault: did not read {}: {}",
                terminal_safe(&u.path),
                u.error
            );
        }
        for u in &report.unparsable {
            eprintln!(
                "patvault: {} does not parse, so its tokens are listed without their server entries: {}",
                terminal_safe(&u.path),
                u.error
            );
        }
        for i in &imported {
            eprintln!("{}", terminal_safe(&i.describe()));
        }
        for t in &report.ticked {
            eprintln!(
                "Ticked off “{}” for {}: it has the current token now.",
                terminal_safe(&t.place),
                t.token
            );
        }
        for w in report.wired.iter().filter(|w| !w.known) {
            eprintln!(
                "patvault: {}:{} runs patvault exec “{}”, which is not in the vault: that server cannot start",
                terminal_safe(&w.path),
                w.line,
                terminal_safe(&w.token)
            );
        }
        let left = backups(&report.found);
        if !left.is_empty() {
            eprintln!(
                "patvault: {} backup{} left by an earlier migrate hold{} secrets in plaintext: delete them with `patvault scan --delete-backups`",
                left.len(),
                if left.len() == 1 { "" } else { "s" },
                if left.len() == 1 { "s" } else { "" },
            );
        }
        table(&report.found, &report.wired, report.files_read)
    };
    print_out(text);
    let stale = report.found.iter().any(|c| c.stale && !c.backup);
    let backup = report.found.iter().any(|c| c.backup && c.plaintext);
    Ok(if stale || backup { 1 } else { 0 })
}

/// Imports the plaintext tokens the scan found that the vault lacks, once agreed to.
fn import_found(
    vault: &Vault,
    config: &Config,
    sources: &[Source],
    scanned: &Scanned,
    yes: bool,
) -> Result<Vec<Imported>, CliError> {
    let records = vault.list()?;
    let (copies, _) = match_copies(scanned.hits.clone(), &records);
    let taken: Vec<String> = records.into_iter().map(|r| r.intent.name).collect();
    let to_import = candidates(&copies, &taken);
    if !(to_import.is_empty() || yes || agreed_to_import(&to_import)?) {
        eprintln!("Imported nothing.");
        return Ok(Vec::new());
    }
    runtime()?.block_on(async {
        let client = open_client(config)?;
        Ok::<_, CliError>(import_all(vault, &client, sources, &copies, &[]).await?)
    })
}

/// Lists what `--import` would add and asks; at no terminal, it goes ahead as before.
fn agreed_to_import(to_import: &[Candidate]) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Ok(true);
    }
    eprintln!("These plaintext tokens are not in the vault:");
    for c in to_import {
        eprintln!(
            "  - {} from {}:{}, to be named “{}”",
            c.token_id,
            terminal_safe(&c.path),
            c.line,
            c.name
        );
    }
    confirm(
        "Import them (each is checked live first)? Rename any later with `patvault edit NAME --name NEW`.",
        String::new(),
    )
}

/// Deletes the backups the scan found, after showing which tokens they hold; gives the
/// report without them.
fn delete(
    vault: &Vault,
    report: &ScanReport,
    yes: bool,
    config: &Config,
) -> Result<ScanReport, CliError> {
    let found = backups(&report.found);
    if found.is_empty() {
        eprintln!("No backup left by an earlier migrate was found.");
        return Ok(report.clone());
    }
    eprintln!("These backups hold secrets in plaintext:");
    for b in &found {
        eprintln!(
            "  - {} ({})",
            terminal_safe(&b.path),
            terminal_safe(&b.holds.join(", "))
        );
    }
    let agreed = yes
        || confirm(
            "Overwrite and delete them?",
            "deleting backups needs a yes: run it at a terminal to be asked, or pass --yes".into(),
        )?;
    if !agreed {
        eprintln!("Nothing deleted.");
        return Ok(report.clone());
    }
    let (deleted, failed) = delete_backups(report);
    for path in &deleted {
        eprintln!("Deleted {}.", terminal_safe(path));
    }
    for (path, e) in &failed {
        eprintln!("patvault: could not delete {}: {e}", terminal_safe(path));
    }
    // A scan that reads nothing but notes the deleted files as read drops their places.
    let gone = Scanned {
        read: deleted,
        ..Scanned::default()
    };
    settle(vault, &gone, config.home_dir.as_deref())?;
    let mut after = report.clone();
    after
        .found
        .retain(|c| !(c.backup && gone.read.contains(&c.path)));
    Ok(after)
}

fn table(copies: &[Copy], wirings: &[Wiring], files_read: u32) -> String {
    if files_read == 0 && copies.is_empty() && wirings.is_empty() {
        return "No file was read: none of the places looked at exists (name a file or folder to scan it).\n".into();
    }
    if copies.is_empty() && wirings.is_empty() {
        return format!("No token found in {files_read} files.\n");
    }
    let rows: Vec<[String; 4]> = copies
        .iter()
        .map(|c| {
            let token = match (&c.token, c.stale, c.backup && c.plaintext) {
                (Some(name), _, true) => format!("{name} (PLAINTEXT BACKUP: delete it)"),
                (None, _, true) => "not in the vault (PLAINTEXT BACKUP)".into(),
                (Some(name), true, false) => format!("{name} (STALE: rotated away)"),
                (Some(name), false, false) => name.clone(),
                (None, _, false) => "not in the vault".into(),
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
                format!("{}:{}", terminal_safe(&c.path), c.line),
                c.token_id.clone(),
                token,
                terminal_safe(&how.join(", ")),
            ]
        })
        .chain(wirings.iter().map(|w| {
            [
                format!("{}:{}", terminal_safe(&w.path), w.line),
                "-".into(),
                terminal_safe(&if w.known {
                    w.token.clone()
                } else {
                    format!("{} (NOT IN THE VAULT)", w.token)
                }),
                terminal_safe(&format!(
                    "server {}, {}, through the vault",
                    w.server, w.variable
                )),
            ]
        }))
        .collect();
    columns(["WHERE", "TOKEN ID", "VAULT TOKEN", "HOW"], &rows)
}

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
use patvault_core::ops::client::open_client;
use patvault_core::ops::import::{Imported, import_all};
use patvault_core::ops::scan::{Copy, Wiring, match_copies};
use patvault_core::ops::scanning::{ScanReport, named_sources, settle, usual_sources};
use patvault_core::scan::scan as read_sources;
use patvault_core::vault::Vault;

#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    report: &'a ScanReport,
    /// What `--import` did with each unknown plaintext token.
    imported: &'a [Imported],
}

pub fn scan(
    vault: &Vault,
    config: &Config,
    paths: Vec<PathBuf>,
    as_json: bool,
    import: bool,
) -> Result<i32, CliError> {
    let sources = if paths.is_empty() {
        let project = std::env::current_dir().ok();
        usual_sources(vault, config, project.as_deref())?
    } else {
        named_sources(paths)
            .map_err(|p| CliError::Input(format!("{} does not exist", p.display())))?
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
        let (copies, _) = match_copies(scanned.hits.clone(), &vault.list()?);
        runtime()?.block_on(async {
            let client = open_client(config)?;
            Ok::<_, CliError>(import_all(vault, &client, &sources, &copies).await?)
        })?
    } else {
        Vec::new()
    };
    let report = settle(vault, &scanned, config.home_dir.as_deref())?;
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
            eprintln!("patvault: could not read {}: {}", u.path, u.error);
        }
        for u in &report.unparsable {
            eprintln!(
                "patvault: {} does not parse, so its tokens are listed without their server entries: {}",
                u.path, u.error
            );
        }
        for i in &imported {
            eprintln!("{}", i.describe());
        }
        for t in &report.ticked {
            eprintln!(
                "Ticked off “{}” for {}: it has the current token now.",
                t.place, t.token
            );
        }
        for w in report.wired.iter().filter(|w| !w.known) {
            eprintln!(
                "patvault: {}:{} runs patvault exec “{}”, which is not in the vault: that server cannot start",
                w.path, w.line, w.token
            );
        }
        table(&report.found, &report.wired, report.files_read)
    };
    print_out(text);
    Ok(if report.found.iter().any(|c| c.stale && !c.backup) {
        1
    } else {
        0
    })
}

fn table(copies: &[Copy], wirings: &[Wiring], files_read: u32) -> String {
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

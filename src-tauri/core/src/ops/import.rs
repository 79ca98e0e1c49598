//! Import: tokens a scan found in plaintext that the vault does not have yet. Each one's
//! secret goes to the keychain, its name comes from where it was found (the MCP server,
//! or the variable and the file), and its intent from a full check of what it reaches.
//! The file it was found in is not changed; `wire::migrate` does that, on request.

use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::airtable::Client;
use crate::check::adopt::{adopt_reach, judged_against};
use crate::check::{Depth, check_secret};
use crate::model::CheckStatus;
use crate::model::record::{TokenIntent, same_name};
use crate::ops::scan::Copy;
use crate::scan::Source;
use crate::scan::find::secret_on_line;
use crate::scan::places::is_airtable_cli;
use crate::secret::Secret;
use crate::vault::{UnusualShape, Vault, VaultError, today};

/// One token to import: its ID, the name it will get, and the first place it was found
/// (where its secret is read from).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Candidate {
    pub token_id: String,
    pub name: String,
    pub path: String,
    pub line: u32,
}

/// The unknown plaintext tokens among `copies`, once each, named so that no two clash
/// with each other or with `taken`.
pub fn candidates(copies: &[Copy], taken: &[String]) -> Vec<Candidate> {
    let mut names: Vec<String> = taken.to_vec();
    let mut out: Vec<Candidate> = Vec::new();
    for copy in copies
        .iter()
        .filter(|c| c.token.is_none() && c.plaintext && !c.backup)
    {
        if out.iter().any(|c| c.token_id == copy.token_id) {
            continue;
        }
        let name = unique(suggest_name(copy), &names);
        names.push(name.clone());
        out.push(Candidate {
            token_id: copy.token_id.clone(),
            name,
            path: copy.path.clone(),
            line: copy.line,
        });
    }
    out
}

/// The MCP server's name; else the variable and the file (`AIRTABLE_API_KEY in
/// blog-.env`); else the file. Made safe: the text comes from a file anyone may have
/// written (a cloned project), so it keeps only letters, digits, space, `.`, `_` and `-`,
/// starts with a letter or digit (never `-`, which a command takes for an option) and
/// stays short.
pub fn suggest_name(copy: &Copy) -> String {
    let raw = if let Some(server) = &copy.server {
        server.clone()
    } else if is_airtable_cli(Path::new(&copy.path)) {
        "Airtable CLI".into()
    } else {
        let path = Path::new(&copy.path);
        let file = match (path.parent().and_then(Path::file_name), path.file_name()) {
            (Some(dir), Some(file)) => {
                format!("{}/{}", dir.to_string_lossy(), file.to_string_lossy())
            }
            _ => copy.path.clone(),
        };
        match &copy.variable {
            Some(var) => format!("{var} in {file}"),
            None => format!("token in {file}"),
        }
    };
    safe_name(&raw)
}

const SUGGESTED_LONGEST: usize = 60;

fn safe_name(raw: &str) -> String {
    let mapped: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " ._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name: String = mapped
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(SUGGESTED_LONGEST)
        .collect();
    let name = name.trim_end().to_owned();
    if name.is_empty() {
        "imported token".into()
    } else {
        name
    }
}

fn unique(name: String, taken: &[String]) -> String {
    let free = |n: &str| !taken.iter().any(|t| same_name(t, n));
    if free(&name) {
        return name;
    }
    (2..)
        .map(|i| format!("{name} {i}"))
        .find(|n| free(n))
        .expect("some number is free")
}

#[derive(Debug)]
pub enum Outcome {
    /// In the vault, with the scopes and bases it reaches.
    Added {
        scopes: usize,
        bases: usize,
        warning: Option<String>,
    },
    /// In the vault with no intent: the check did not reach Airtable.
    AddedUnchecked {
        why: String,
        warning: Option<String>,
    },
    /// Not imported: Airtable refuses the token (revoked, expired or mistyped).
    Refused { why: String },
}

/// Checks the candidate's secret in full, then keeps it in the vault with the intent it
/// reaches; a token Airtable refuses is not kept. When Airtable does not answer, the
/// token is kept with no intent, to be adopted after a later check.
pub async fn import(
    vault: &Vault,
    client: &Client,
    candidate: &Candidate,
    secret: &Secret,
) -> Result<Outcome, VaultError> {
    let named = TokenIntent::named(&candidate.name, today());
    let report = check_secret(client, &named, secret, None, Depth::Full).await;
    if report.status == CheckStatus::Invalid {
        return Ok(Outcome::Refused {
            why: report.error.unwrap_or_else(|| "Airtable refuses it".into()),
        });
    }
    let (intent, report, unchecked) = match adopt_reach(&named, &report) {
        Ok(intent) => {
            let judged = judged_against(&report, &intent);
            (intent, judged, None)
        }
        Err(e) => (named, report, Some(e.to_string())),
    };
    let saved = vault.add(intent, secret, UnusualShape::Accept)?;
    vault.record_check(saved.record.id, &report)?;
    let i = &saved.record.intent;
    Ok(match unchecked {
        None => Outcome::Added {
            scopes: i.scopes.len(),
            bases: i.bases.len(),
            warning: saved.warning,
        },
        Some(why) => Outcome::AddedUnchecked {
            why,
            warning: saved.warning,
        },
    })
}

/// One token an import tried, in words: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Imported {
    pub token_id: String,
    pub name: String,
    pub path: String,
    pub line: u32,
    pub added: bool,
    /// What it reaches, or why it was not (fully) imported.
    pub outcome: String,
}

impl Imported {
    pub fn describe(&self) -> String {
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

/// A name the user chose for a token to import, in place of the one suggested.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct Renamed {
    pub token_id: String,
    pub name: String,
}

/// Imports every unknown plaintext token among `copies`, reading each secret again from
/// `sources`, where the scan found it; a token in `renamed` takes the name given there.
pub async fn import_all(
    vault: &Vault,
    client: &Client,
    sources: &[Source],
    copies: &[Copy],
    renamed: &[Renamed],
) -> Result<Vec<Imported>, VaultError> {
    let taken: Vec<String> = vault.list()?.into_iter().map(|r| r.intent.name).collect();
    let mut out = Vec::new();
    for mut candidate in candidates(copies, &taken) {
        if let Some(r) = renamed.iter().find(|r| r.token_id == candidate.token_id) {
            candidate.name = r.name.trim().to_owned();
        }
        let result = match secret_of(sources, &candidate) {
            None => Err("its secret is no longer there".to_owned()),
            Some(secret) => import(vault, client, &candidate, &secret)
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
            token_id: candidate.token_id,
            name: candidate.name,
            path: candidate.path,
            line: candidate.line,
            added,
            outcome,
        });
    }
    Ok(out)
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
    let text = sources.iter().find_map(|s| match s {
        Source::Text { name, text } if *name == candidate.path => Some(text),
        _ => None,
    });
    match text {
        Some(text) => secret_on_line(text, candidate.line as usize, &candidate.token_id),
        None => {
            let line = line_of_file(Path::new(&candidate.path), candidate.line)?;
            secret_on_line(&line, 1, &candidate.token_id)
        }
    }
}

/// Line `line` (1-based) of the regular file at `path`, read as a stream: the file may
/// be far larger than the line.
fn line_of_file(path: &Path, line: u32) -> Option<Zeroizing<String>> {
    use std::io::{BufRead, Read};
    let mut file = std::io::BufReader::new(crate::files::open_regular(path).ok()?);
    let mut skipped = Zeroizing::new(Vec::new());
    for _ in 1..line {
        skipped.clear();
        // A line is skipped a bounded piece at a time, however long it is.
        loop {
            let n = (&mut file)
                .take(LONGEST_LINE)
                .read_until(b'\n', &mut skipped)
                .ok()?;
            if n == 0 {
                return None;
            }
            if skipped.last() == Some(&b'\n') {
                break;
            }
            skipped.clear();
        }
    }
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(LONGEST_LINE).read_until(b'\n', &mut bytes).ok()?;
    Some(Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Longer than this, the line a secret was found on is not read back whole: a secret is
/// on a line of a config or a script, not in a megabyte of one line.
const LONGEST_LINE: u64 = 1 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(path: &str, id: &str, server: Option<&str>, variable: Option<&str>) -> Copy {
        Copy {
            path: path.into(),
            line: 1,
            token_id: id.into(),
            token: None,
            plaintext: true,
            stale: false,
            server: server.map(str::to_owned),
            variable: variable.map(str::to_owned),
            backup: false,
        }
    }

    #[test]
    fn names_come_from_the_place_and_never_clash() {
        let copies = [
            copy(
                "/h/.cursor/mcp.json",
                "patAAAAAAAAAAAAA1",
                Some("airtable"),
                Some("KEY"),
            ),
            copy(
                "/h/.codex/config.toml",
                "patBBBBBBBBBBBBB2",
                Some("airtable"),
                Some("KEY"),
            ),
            copy(
                "/h/blog/.env",
                "patCCCCCCCCCCCCC3",
                None,
                Some("AIRTABLE_API_KEY"),
            ),
            copy(
                "/h/blog/.env.local",
                "patAAAAAAAAAAAAA1",
                None,
                Some("AIRTABLE_API_KEY"),
            ),
            copy("crontab", "patDDDDDDDDDDDDD4", None, None),
            Copy {
                plaintext: false,
                ..copy("/h/x.env", "patEEEEEEEEEEEEE5", None, None)
            },
        ];
        let found = candidates(&copies, &["Airtable".into()]);
        let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "airtable 2",
                "airtable 3",
                "AIRTABLE_API_KEY in blog-.env",
                "token in crontab"
            ]
        );
        assert_eq!(found[0].path, "/h/.cursor/mcp.json");
    }

    #[test]
    fn names_from_hostile_files_are_safe_words() {
        let hostile = [
            "crm$(touch /tmp/x)",
            "a`id`b",
            "-h",
            "--",
            "\u{1b}]0;x\u{7}",
            "; rm -rf ~",
            "",
            &"x".repeat(300),
        ];
        for server in hostile {
            let name = suggest_name(&copy(
                "/h/.mcp.json",
                "patAAAAAAAAAAAAA1",
                Some(server),
                None,
            ));
            let mut chars = name.chars();
            assert!(
                chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
                    && chars.all(|c| c.is_ascii_alphanumeric() || " ._-".contains(c))
                    && name.len() <= 60,
                "{server:?} gave {name:?}"
            );
        }
        let name = suggest_name(&copy(
            "/h/.mcp.json",
            "patAAAAAAAAAAAAA1",
            Some("crm$(id)"),
            None,
        ));
        assert_eq!(name, "crm--id-");
    }
}

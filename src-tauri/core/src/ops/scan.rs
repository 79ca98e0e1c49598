//! Copies found on disk, matched to the vault by token ID: which token each one is,
//! and whether it is stale, i.e. an ID the token was rotated away from. What a scan
//! finds is kept on the records (`remember`), so each token knows its places.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::consumer::Consumer;
use crate::model::place::FoundPlace;
use crate::model::place::is_backup;
use crate::model::record::{TokenRecord, same_name};
use crate::scan::wired::Wired;
use crate::scan::{Hit, Runs, places};
use crate::vault::{Vault, VaultError};

/// One copy as `patvault scan --json` prints it. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Copy {
    pub path: String,
    pub line: u32,
    pub token_id: String,
    /// The vault token this copy is of; None when the vault has no such token.
    pub token: Option<String>,
    /// The whole secret is in the file, readable by whoever reads the file.
    pub plaintext: bool,
    /// A token ID the vault's token was rotated away from: this copy no longer works.
    pub stale: bool,
    /// The MCP server entry it is configured for, in a client's config.
    pub server: Option<String>,
    /// The environment variable (or key) that holds it.
    pub variable: Option<String>,
    /// The file is a backup an earlier `patvault migrate` left beside the file it
    /// changed: a plaintext copy nothing needs (`scan --delete-backups` deletes it), never
    /// counted stale.
    pub backup: bool,
}

/// Which vault token a token ID belongs to.
pub enum Owner<'a> {
    /// The token that has this ID now.
    Current(&'a TokenRecord),
    /// The token that was rotated away from this ID: a copy of it is stale.
    RotatedFrom(&'a TokenRecord),
    Unknown,
    /// More than one token claims it; none is named.
    Many(Vec<&'a TokenRecord>),
}

pub fn owner<'a>(token_id: &str, records: &'a [TokenRecord]) -> Owner<'a> {
    let id = Some(token_id);
    let current: Vec<&TokenRecord> = records
        .iter()
        .filter(|r| r.token_id.as_deref() == id)
        .collect();
    let rotated_from: Vec<&TokenRecord> = records
        .iter()
        .filter(|r| r.token_id.as_deref() != id)
        .filter(|r| r.rotations.iter().any(|x| x.from.as_deref() == id))
        .collect();
    match (current.as_slice(), rotated_from.as_slice()) {
        ([one], _) => Owner::Current(one),
        ([], [one]) => Owner::RotatedFrom(one),
        ([], []) => Owner::Unknown,
        ([], _) => Owner::Many(rotated_from),
        _ => Owner::Many(current),
    }
}

/// The sentence for a token ID that more than one vault token claims.
pub fn ambiguity(token_id: &str, many: &[&TokenRecord]) -> String {
    let names: Vec<&str> = many.iter().map(|r| r.intent.name.as_str()).collect();
    format!(
        "the token ID {token_id} matches more than one vault token ({}): remove or rename the duplicate",
        names.join(", ")
    )
}

/// The copies, and a sentence for each token ID that matches more than one vault token
/// (then no token is named for it).
pub fn match_copies(hits: Vec<Hit>, records: &[TokenRecord]) -> (Vec<Copy>, Vec<String>) {
    let mut ambiguous = Vec::new();
    let copies = hits
        .into_iter()
        .map(|hit| {
            let (token, stale) = match owner(&hit.token_id, records) {
                Owner::Current(r) => (Some(r.intent.name.clone()), false),
                Owner::RotatedFrom(r) => (Some(r.intent.name.clone()), true),
                Owner::Unknown => (None, false),
                Owner::Many(many) => {
                    let sentence = ambiguity(&hit.token_id, &many);
                    if !ambiguous.contains(&sentence) {
                        ambiguous.push(sentence);
                    }
                    (None, false)
                }
            };
            Copy {
                backup: is_backup(&hit.place),
                path: hit.place,
                line: u32::try_from(hit.line).unwrap_or(u32::MAX),
                token_id: hit.token_id,
                token,
                plaintext: hit.plaintext,
                stale,
                server: hit.context.server,
                variable: hit.context.variable,
            }
        })
        .collect();
    (copies, ambiguous)
}

/// A server entry that runs `patvault exec` for a token, as `scan --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Wiring {
    pub path: String,
    pub line: u32,
    pub server: String,
    /// The token it names, as the entry spells it.
    pub token: String,
    pub variable: String,
    /// The vault has a token of that name; when not, the server cannot start.
    pub known: bool,
}

pub fn match_wired(wired: Vec<Wired>, records: &[TokenRecord]) -> Vec<Wiring> {
    wired
        .into_iter()
        .map(|w| Wiring {
            known: records.iter().any(|r| same_name(&r.intent.name, &w.token)),
            path: w.place,
            line: u32::try_from(w.line).unwrap_or(u32::MAX),
            server: w.server,
            token: w.token,
            variable: w.variable,
        })
        .collect()
}

/// What a scan found, to be kept on the records.
pub struct Seen<'a> {
    pub copies: &'a [Copy],
    pub wirings: &'a [Wiring],
    /// Every place the scan read: what a token had there before and is gone now is
    /// forgotten; places not read are kept as they were.
    pub read: &'a [String],
    /// Places the scan could not read, and why: what was found there is kept, marked.
    pub unread: &'a [(String, String)],
    pub home: Option<&'a Path>,
    pub now: DateTime<Utc>,
    /// Server entries whose program the consumer catalog knows.
    pub runs: &'a [Runs],
}

/// A "used by" place a scan ticked off the rotation checklist: it holds the token's
/// current ID now (or runs it through the vault), and no older one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Ticked {
    pub token: String,
    pub place: String,
}

/// Keeps the places found on each token's record, and ticks off the checklist the
/// "used by" paths that now hold the current token.
pub fn remember(vault: &Vault, seen: &Seen) -> Result<Vec<Ticked>, VaultError> {
    let read: HashSet<&str> = seen.read.iter().map(String::as_str).collect();
    vault.inventory().update(|tokens| {
        let mut ticked = Vec::new();
        for record in tokens.iter_mut() {
            let fresh = found_now(record, seen);
            record.found_in.retain(|old| {
                !read.contains(old.path.as_str()) && !fresh.iter().any(|p| p.same_place(old))
            });
            infer_places(record, &fresh, seen);
            record.found_in.extend(fresh);
            // An inferred place, not confirmed, whose file no longer holds the token is
            // gone with it.
            let still: Vec<String> = record.found_in.iter().map(|f| f.path.clone()).collect();
            record.intent.used_by.retain(|c| {
                !c.inferred
                    || c.path
                        .as_ref()
                        .is_none_or(|p| !read.contains(p.as_str()) || still.contains(p))
            });
            for place in &mut record.found_in {
                if let Some((_, why)) = seen.unread.iter().find(|(p, _)| *p == place.path) {
                    place.unread = Some(why.clone());
                }
            }
            record
                .found_in
                .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
            let current = record.token_id.clone();
            let updated = |path: &Path| {
                let here: Vec<&FoundPlace> = record
                    .found_in
                    .iter()
                    .filter(|p| p.last_seen == seen.now && Path::new(&p.path).starts_with(path))
                    .collect();
                !here.is_empty() && here.iter().all(|p| !p.is_stale(current.as_deref()))
            };
            let name = record.intent.name.clone();
            let mut done = Vec::new();
            for entry in &record.updates_pending {
                // A place is pending by its label; where it reads the token is its path.
                let path = record
                    .intent
                    .used_by
                    .iter()
                    .find(|c| &c.label == entry)
                    .and_then(|c| c.path.as_deref())
                    .unwrap_or(entry);
                if places::used_by_path(path, seen.home).is_some_and(|path| updated(&path)) {
                    done.push(entry.clone());
                }
            }
            record.updates_pending.retain(|e| !done.contains(e));
            ticked.extend(done.into_iter().map(|place| Ticked {
                token: name.clone(),
                place,
            }));
        }
        Ok(ticked)
    })
}

/// A server entry found using the token that runs a program the catalog knows becomes a
/// "used by" place of that kind, marked inferred until its owner confirms it; a place
/// already there for that entry is left as its owner has it.
fn infer_places(record: &mut TokenRecord, found: &[FoundPlace], seen: &Seen) {
    for place in found {
        let Some(server) = &place.server else {
            continue;
        };
        let Some(kind) = seen
            .runs
            .iter()
            .find(|r| r.place == place.path && &r.server == server)
        else {
            continue;
        };
        let label = format!("{server} in {}", place.path);
        if record.dismissed_places.contains(&label) {
            continue;
        }
        // Any place of that file, whatever kind its owner gave it, is this one.
        let here = Path::new(&place.path);
        let known = record.intent.used_by.iter().any(|c| {
            c.label == label
                || c.path
                    .as_deref()
                    .and_then(|p| places::used_by_path(p, seen.home))
                    .is_some_and(|p| p == here)
        });
        if !known {
            record.intent.used_by.push(Consumer {
                kind: kind.kind.clone(),
                label,
                path: Some(place.path.clone()),
                bases: Vec::new(),
                needs: Vec::new(),
                uses: Vec::new(),
                inferred: true,
            });
        }
    }
}

/// The places this scan found the token in, keeping when each was first seen.
fn found_now(record: &TokenRecord, seen: &Seen) -> Vec<FoundPlace> {
    let name = &record.intent.name;
    let copies = seen
        .copies
        .iter()
        .filter(|c| c.token.as_deref() == Some(name.as_str()))
        .map(|c| FoundPlace {
            path: c.path.clone(),
            line: c.line,
            server: c.server.clone(),
            variable: c.variable.clone(),
            token_id: Some(c.token_id.clone()),
            plaintext: c.plaintext,
            through_vault: false,
            first_seen: seen.now,
            last_seen: seen.now,
            unread: None,
        });
    let wirings = seen
        .wirings
        .iter()
        .filter(|w| same_name(&w.token, name))
        .map(|w| FoundPlace {
            path: w.path.clone(),
            line: w.line,
            server: Some(w.server.clone()),
            variable: Some(w.variable.clone()),
            token_id: record.token_id.clone(),
            plaintext: false,
            through_vault: true,
            first_seen: seen.now,
            last_seen: seen.now,
            unread: None,
        });
    let mut fresh: Vec<FoundPlace> = Vec::new();
    for mut place in copies.chain(wirings) {
        if fresh.iter().any(|p| p.same_place(&place)) {
            continue;
        }
        if let Some(old) = record.found_in.iter().find(|o| o.same_place(&place)) {
            place.first_seen = old.first_seen;
        }
        fresh.push(place);
    }
    fresh
}

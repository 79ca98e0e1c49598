//! What a token is meant to do: everything about it but its secret. This is what the
//! inventory stores and what listing shows; it is safe to display.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::consumer::{Consumer, looks_like_path, read_used_by};
use super::place::FoundPlace;
use super::report::{CheckEntry, CheckReport, CheckUser, KnownReach};
use crate::consumers;
use crate::error::{ErrorKind, UserError};
use crate::scopes;
use crate::secret::{holds_a_secret, holds_a_secret_half};

/// A token's intent the user wrote cannot be kept as it is; the message says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidIntent(pub String);

impl UserError for InvalidIntent {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

pub const DEFAULT_ROTATION_DAYS: u32 = 90;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BaseIntent {
    /// The base id, `app` + 14 letters or digits.
    pub id: String,
    pub label: Option<String>,
    /// A table id or name to probe in this base when the token cannot list tables.
    pub table: Option<String>,
}

/// The fields a user sets when adding or editing a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TokenIntent {
    pub name: String,
    pub scopes: Vec<String>,
    pub bases: Vec<BaseIntent>,
    pub rotate_every_days: u32,
    pub last_rotated: NaiveDate,
    /// Days before its due date the token counts as due soon; None: the setting.
    #[serde(default)]
    pub lead_days: Option<u32>,
    /// Where it is used. Earlier inventories kept free-text lines: each reads as a custom
    /// place.
    #[serde(deserialize_with = "read_used_by")]
    #[specta(type = Vec<Consumer>)]
    pub used_by: Vec<Consumer>,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TokenRecord {
    pub id: Uuid,
    /// The part of a PAT before the dot; None when the secret has another shape.
    pub token_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub intent: TokenIntent,
    /// The most recent check in full, for the token page and the reach view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_report: Option<CheckReport>,
    /// The last [`CHECKS_KEPT`] checks in short, newest last: when did it start failing?
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckEntry>,
    /// What its checks have shown of its reach, each part as of the latest check that knew
    /// it; a new check is compared with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_reach: Option<KnownReach>,
    /// Every rotation done through PAT Vault, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rotations: Vec<RotationEntry>,
    /// Places from "used by" still to be given the secret of the last rotation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub updates_pending: Vec<String>,
    /// The old secret of the last rotation is still in the keychain, waiting to be
    /// checked (see `vault::rotate`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub old_secret_kept: bool,
    /// Places a scan found this token in (see `ops::scan`), as the latest scan of each
    /// saw them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub found_in: Vec<FoundPlace>,
    /// The labels of places a scan inferred and the owner removed: no scan adds them
    /// again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dismissed_places: Vec<String>,
}

/// One rotation: when, and the token IDs before and after (the same after a regenerate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RotationEntry {
    pub at: DateTime<Utc>,
    pub from: Option<String>,
    pub to: Option<String>,
}

pub const CHECKS_KEPT: usize = 20;

impl TokenRecord {
    /// A record with no history yet.
    pub fn new(intent: TokenIntent, token_id: Option<String>, created_at: DateTime<Utc>) -> Self {
        TokenRecord {
            id: Uuid::new_v4(),
            token_id,
            created_at,
            intent,
            last_report: None,
            checks: Vec::new(),
            known_reach: None,
            rotations: Vec::new(),
            updates_pending: Vec::new(),
            old_secret_kept: false,
            found_in: Vec::new(),
            dismissed_places: Vec::new(),
        }
    }

    /// Found places that still hold a token ID this token was rotated away from.
    pub fn stale_places(&self) -> impl Iterator<Item = &FoundPlace> {
        self.found_in
            .iter()
            .filter(|p| p.is_stale(self.token_id.as_deref()))
    }

    /// What its checks have shown of its reach; for a token checked before PAT Vault kept
    /// it, what its last check showed.
    pub fn known_reach(&self) -> Option<KnownReach> {
        self.known_reach
            .clone()
            .or_else(|| self.last_report.as_ref().map(KnownReach::of))
    }

    /// The user the token acts as: its last check's, or, when that one could not tell
    /// (Airtable down), the one an earlier check showed (by id).
    pub fn user(&self) -> Option<CheckUser> {
        self.last_report
            .as_ref()
            .and_then(|r| r.user.clone())
            .or_else(|| {
                let known = self.known_reach()?.user?;
                Some(CheckUser {
                    id: known.value,
                    email: None,
                })
            })
    }

    /// Keeps `report` as the latest check and adds it to the history, oldest dropped.
    pub fn add_check(&mut self, report: &CheckReport) {
        let mut known = self.known_reach().unwrap_or_default();
        known.learn(report);
        self.known_reach = Some(known);
        self.checks.push(CheckEntry::of(report));
        let surplus = self.checks.len().saturating_sub(CHECKS_KEPT);
        self.checks.drain(..surplus);
        self.last_report = Some(report.clone());
    }
}

impl TokenIntent {
    /// A token meant for nothing yet, rotated on `last_rotated`, with the default interval.
    pub fn named(name: impl Into<String>, last_rotated: NaiveDate) -> Self {
        TokenIntent {
            name: name.into(),
            scopes: vec![],
            bases: vec![],
            rotate_every_days: DEFAULT_ROTATION_DAYS,
            lead_days: None,
            last_rotated,
            used_by: vec![],
            notes: String::new(),
        }
    }

    /// Trims and checks every field; the first problem is reported in the user's words.
    pub fn normalized(mut self, today: NaiveDate) -> Result<Self, InvalidIntent> {
        let invalid = |m: String| Err(InvalidIntent(m));
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            return invalid("a token needs a name".into());
        }
        if self.name.chars().count() > 100 || self.name.chars().any(char::is_control) {
            return invalid("a name is at most 100 characters, without line breaks".into());
        }
        if self.name.starts_with('-') {
            return invalid(
                "a name cannot start with “-”: a command would take it for an option".into(),
            );
        }
        // A whole PAT in it too: its second half is a word of its own.
        if holds_a_secret_half(&self.name) {
            return invalid(
                "that name looks like a token's secret, and a name is kept and shown in the \
                 clear: name the token for what uses it, and give the secret on its own"
                    .into(),
            );
        }
        // Before any message below can repeat one of them.
        if let Some(field) = self
            .in_the_clear()
            .into_iter()
            .find(|(_, text)| holds_a_secret(text))
        {
            return invalid(format!(
                "what looks like a token's secret is in {}, which is kept and shown in the \
                 clear: take it out (the vault keeps the secret itself)",
                field.0
            ));
        }
        let mut seen = Vec::new();
        for scope in self.scopes.iter().map(|s| s.trim()) {
            if !scopes::is_known(scope) {
                return invalid(format!("“{scope}” is not an Airtable scope"));
            }
            if !seen.iter().any(|s: &String| s == scope) {
                seen.push(scope.to_owned());
            }
        }
        self.scopes = seen;
        let mut bases: Vec<BaseIntent> = Vec::new();
        for base in std::mem::take(&mut self.bases) {
            let base = base.normalized()?;
            if bases.iter().any(|b| b.id == base.id) {
                return invalid(format!("the base {} is listed twice", base.id));
            }
            bases.push(base);
        }
        self.bases = bases;
        if !(1..=3650).contains(&self.rotate_every_days) {
            return invalid("rotate every 1 to 3650 days".into());
        }
        if self.lead_days.is_some_and(|d| d > 365) {
            return invalid("remind at most 365 days before the due date".into());
        }
        if self.last_rotated > today {
            return invalid("the last rotation cannot be in the future".into());
        }
        let mut used_by: Vec<Consumer> = Vec::new();
        for place in std::mem::take(&mut self.used_by) {
            let Some(place) = place.normalized()? else {
                continue;
            };
            // Earlier inventories allowed a line twice: the same place again is dropped.
            match used_by.iter().find(|u| u.label == place.label) {
                Some(same) if *same == place => {}
                Some(_) => {
                    return invalid(format!("“{}” is listed twice under used by", place.label));
                }
                None => used_by.push(place),
            }
        }
        self.used_by = used_by;
        self.notes = self.notes.trim().to_owned();
        Ok(self)
    }

    /// Every text of the intent but its name, each with what it is: kept and shown as it
    /// is, or repeated by the message that refuses it.
    fn in_the_clear(&self) -> Vec<(&'static str, &str)> {
        let mut texts = vec![("the notes", self.notes.as_str())];
        texts.extend(self.scopes.iter().map(|s| ("a scope", s.as_str())));
        for b in &self.bases {
            texts.push(("a base id", b.id.as_str()));
            texts.extend(b.label.as_deref().map(|t| ("a base's label", t)));
            texts.extend(b.table.as_deref().map(|t| ("a base's table", t)));
        }
        for u in &self.used_by {
            texts.push(("a place's kind", u.kind.as_str()));
            texts.push(("a place's label", u.label.as_str()));
            texts.extend(u.path.as_deref().map(|t| ("a place's path", t)));
            texts.extend(u.bases.iter().map(|t| ("a place's bases", t.as_str())));
            texts.extend(u.needs.iter().map(|t| ("a place's needs", t.as_str())));
            texts.extend(u.uses.iter().map(|t| ("a place's features", t.as_str())));
        }
        texts
    }
}

/// A base id as the user typed it, trimmed, or why it is not one. It goes into request
/// paths, so nothing else may pass.
pub fn base_id(typed: &str) -> Result<String, InvalidIntent> {
    let id = typed.trim();
    let well_formed =
        id.len() == 17 && id.starts_with("app") && id.chars().all(|c| c.is_ascii_alphanumeric());
    if !well_formed {
        return Err(InvalidIntent(format!(
            "“{id}” is not a base id: base ids are app + 14 letters or digits, as in the \
             base's URL (airtable.com/appXXXXXXXXXXXXXX/…)"
        )));
    }
    Ok(id.to_owned())
}

impl Consumer {
    /// Reads the command line's `KIND=LABEL[;base=APP,…][;path=PATH][;needs=SCOPE,…]`.
    pub fn parse(spec: &str) -> Result<Self, InvalidIntent> {
        let mut parts = spec.split(';');
        let head = parts.next().unwrap_or_default();
        let Some((kind, label)) = head.split_once('=').filter(|(_, l)| !l.trim().is_empty()) else {
            return Err(InvalidIntent(format!(
                "“{spec}” names no kind and label: write KIND=LABEL, e.g. n8n=Lead sync"
            )));
        };
        let mut place = Consumer {
            kind: kind.trim().to_owned(),
            label: label.trim().to_owned(),
            path: None,
            bases: Vec::new(),
            needs: Vec::new(),
            uses: Vec::new(),
            inferred: false,
        };
        for part in parts {
            let list = |v: &str| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .collect::<Vec<_>>()
            };
            match part.split_once('=').map(|(k, v)| (k.trim(), v)) {
                Some(("base", v)) => place.bases.extend(list(v)),
                Some(("needs", v)) => place.needs.extend(list(v)),
                Some(("uses", v)) => place.uses.extend(list(v)),
                Some(("path", v)) => place.path = Some(v.trim().to_owned()),
                _ => {
                    return Err(InvalidIntent(format!(
                        "“{part}” in “{spec}” is not base=…, path=…, needs=… or uses=…"
                    )));
                }
            }
        }
        Ok(place)
    }

    /// Trimmed and checked; None when it says nothing (an empty line of a form).
    fn normalized(self) -> Result<Option<Self>, InvalidIntent> {
        let label = self.label.trim().to_owned();
        if label.is_empty() {
            return Ok(None);
        }
        let Some(kind) = consumers::kind(self.kind.trim()) else {
            let known: Vec<&str> = consumers::kinds().iter().map(|k| k.id.as_str()).collect();
            return Err(InvalidIntent(format!(
                "“{}” is not a kind of consumer PAT Vault knows: {}",
                self.kind.trim(),
                known.join(", ")
            )));
        };
        let mut bases: Vec<String> = Vec::new();
        for base in &self.bases {
            let id = base_id(base)?;
            if !bases.contains(&id) {
                bases.push(id);
            }
        }
        let mut needs: Vec<String> = Vec::new();
        for scope in self.needs.iter().map(|s| s.trim()) {
            if !scopes::is_known(scope) {
                return Err(InvalidIntent(format!("“{scope}” is not an Airtable scope")));
            }
            if !needs.iter().any(|n| n == scope) {
                needs.push(scope.to_owned());
            }
        }
        if kind.needs_known && !needs.is_empty() {
            return Err(InvalidIntent(format!(
                "what {} needs comes from its sources: give needs only to a place whose kind states none",
                kind.name
            )));
        }
        // A custom place written as a path is where it reads the token.
        let mut uses: Vec<String> = Vec::new();
        for feature in self.uses.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
            if !kind.features.iter().any(|f| f.id == feature) {
                let ids: Vec<&str> = kind.features.iter().map(|f| f.id.as_str()).collect();
                return Err(InvalidIntent(if ids.is_empty() {
                    format!(
                        "the {} has no features to choose: give its scopes with needs",
                        kind.name
                    )
                } else {
                    format!(
                        "“{feature}” is not a feature of the {}: {}",
                        kind.name,
                        ids.join(", ")
                    )
                }));
            }
            if !uses.iter().any(|u| u == feature) {
                uses.push(feature.to_owned());
            }
        }
        let path = self
            .path
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .or_else(|| {
                (kind.id == consumers::CUSTOM && looks_like_path(&label)).then(|| label.clone())
            });
        Ok(Some(Consumer {
            kind: kind.id.clone(),
            label,
            path,
            bases,
            needs,
            uses,
            inferred: self.inferred,
        }))
    }
}

impl BaseIntent {
    /// A base the intent names by its id alone, without a label or a table.
    pub fn id(id: impl Into<String>) -> Self {
        BaseIntent {
            id: id.into(),
            label: None,
            table: None,
        }
    }

    fn normalized(self) -> Result<Self, InvalidIntent> {
        let id = base_id(&self.id)?;
        let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(BaseIntent {
            id,
            label: clean(self.label),
            table: clean(self.table),
        })
    }

    /// Reads the command line's `APP[/TABLE][=LABEL]`.
    pub fn parse(spec: &str) -> Result<Self, InvalidIntent> {
        let (target, label) = match spec.split_once('=') {
            Some((t, l)) => (t, Some(l.to_owned())),
            None => (spec, None),
        };
        let (id, table) = match target.split_once('/') {
            Some((id, table)) => (id, Some(table.to_owned())),
            None => (target, None),
        };
        BaseIntent {
            id: id.to_owned(),
            label,
            table,
        }
        .normalized()
    }
}

pub fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn intent() -> TokenIntent {
        TokenIntent {
            name: "  CRM sync ".into(),
            scopes: vec!["data.records:read".into(), " data.records:read".into()],
            bases: vec![BaseIntent {
                id: "appAAAAAAAAAAAAAA".into(),
                label: Some(" ".into()),
                table: Some("tblBBBBBBBBBBBBBB".into()),
            }],
            rotate_every_days: 90,
            lead_days: None,
            last_rotated: today(),
            used_by: vec![
                Consumer::custom("Zapier: CRM"),
                Consumer::custom("  "),
                Consumer {
                    kind: " airtable-mcp-server".into(),
                    bases: vec![" appAAAAAAAAAAAAAA".into(), "appAAAAAAAAAAAAAA".into()],
                    path: Some(" ".into()),
                    ..Consumer::custom(" Claude ")
                },
            ],
            notes: String::new(),
        }
    }

    #[test]
    fn normalizing_trims_and_deduplicates() {
        let n = intent().normalized(today()).unwrap();
        assert_eq!(n.name, "CRM sync");
        assert_eq!(n.scopes, vec!["data.records:read"]);
        assert_eq!(n.bases[0].label, None);
        assert_eq!(n.used_by[0], Consumer::custom("Zapier: CRM"));
        assert_eq!(n.used_by.len(), 2, "an empty place is dropped");
        let claude = &n.used_by[1];
        assert_eq!(
            (
                claude.kind.as_str(),
                claude.label.as_str(),
                &claude.bases,
                &claude.path
            ),
            (
                "airtable-mcp-server",
                "Claude",
                &vec!["appAAAAAAAAAAAAAA".to_owned()],
                &None
            )
        );
    }

    #[test]
    fn a_secret_in_any_text_kept_in_the_clear_is_refused_and_not_repeated() {
        let secret = format!("patAbcdefghijklm1.{}", "0123456789abcdef".repeat(4));
        let half = &secret[18..];
        // Why `change` makes the intent refused, checked to hold no part of the secret.
        let refused = |change: &dyn Fn(&mut TokenIntent)| {
            let mut bad = intent();
            change(&mut bad);
            let why = bad.normalized(today()).unwrap_err().to_string();
            assert!(!why.contains(half), "{why}");
            why
        };
        let why = refused(&|t| t.name = secret.clone());
        assert!(why.contains("name looks like a token's secret"), "{why}");
        let why = refused(&|t| t.notes = format!("the old one was {secret}"));
        assert!(why.contains("secret is in the notes,"), "{why}");
        // A place's label, even where a later message would repeat it (twice listed).
        let why = refused(&|t| {
            t.used_by[0].label = format!("AIRTABLE_API_KEY={secret} node sync.js");
            t.used_by.push(t.used_by[0].clone());
        });
        assert!(why.contains("secret is in a place's label,"), "{why}");
        // A field whose refusal would name it.
        let why = refused(&|t| t.scopes.push(secret.clone()));
        assert!(why.contains("secret is in a scope,"), "{why}");
        let why = refused(&|t| t.bases[0].table = Some(secret.clone()));
        assert!(why.contains("secret is in a base's table,"), "{why}");
        // A name, where a checksum has no place, refuses the secret's half alone too.
        let why = refused(&|t| t.name = format!("CRM {half}"));
        assert!(why.contains("name looks like a token's secret"), "{why}");
        let mut fine = intent();
        fine.notes = format!("ID patAbcdefghijklm1, made by Ann; config sha256 {half}");
        assert!(fine.normalized(today()).is_ok());
    }

    #[test]
    fn bad_fields_are_refused_in_plain_words() {
        let mut bad = intent();
        bad.scopes.push("data.records:delete".into());
        assert!(
            bad.normalized(today())
                .unwrap_err()
                .to_string()
                .contains("not an Airtable scope")
        );
        let mut bad = intent();
        bad.bases[0].id = "tblAAAAAAAAAAAAAA".into();
        assert!(
            bad.normalized(today())
                .unwrap_err()
                .to_string()
                .contains("not a base id")
        );
        let mut bad = intent();
        bad.used_by[0].kind = "zapier-ish".into();
        let why = bad.normalized(today()).unwrap_err().to_string();
        assert!(
            why.contains("not a kind of consumer") && why.contains("n8n"),
            "{why}"
        );
        let mut bad = intent();
        bad.used_by[2].needs = vec!["data.records:read".into()];
        assert!(
            bad.normalized(today())
                .unwrap_err()
                .to_string()
                .contains("from its sources")
        );
        let mut bad = intent();
        bad.used_by[2].uses = vec!["read_everything".into()];
        let why = bad.normalized(today()).unwrap_err().to_string();
        assert!(
            why.contains("not a feature of the airtable-mcp-server") && why.contains("list_bases"),
            "{why}"
        );
        let mut bad = intent();
        bad.used_by[0].uses = vec!["read_records".into()];
        assert!(
            bad.normalized(today())
                .unwrap_err()
                .to_string()
                .contains("no features to choose")
        );
        let mut bad = intent();
        bad.used_by[0].needs = vec!["data.records:delete".into()];
        assert!(bad.normalized(today()).is_err());
        let mut twice = intent();
        twice.used_by[1] = Consumer::custom("Zapier: CRM ");
        let kept = twice.normalized(today()).unwrap().used_by.len();
        assert_eq!(kept, 2, "the same place again is dropped");
        let mut bad = intent();
        bad.used_by[1] = Consumer {
            kind: "n8n".into(),
            ..Consumer::custom("Zapier: CRM")
        };
        assert!(
            bad.normalized(today())
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        let mut bad = intent();
        bad.last_rotated = today().succ_opt().unwrap();
        assert!(bad.normalized(today()).is_err());
        let mut bad = intent();
        bad.rotate_every_days = 0;
        assert!(bad.normalized(today()).is_err());
        let mut bad = intent();
        bad.name = "\n".into();
        assert!(bad.normalized(today()).is_err());
    }

    #[test]
    fn the_command_line_consumer_form_parses() {
        let c = Consumer::parse(
            "airtable-mcp-server=Claude;base=appAAAAAAAAAAAAAA, appBBBBBBBBBBBBBB;path=~/.cursor/mcp.json",
        )
        .unwrap();
        assert_eq!(
            (
                c.kind.as_str(),
                c.label.as_str(),
                c.path.as_deref(),
                c.bases.len()
            ),
            (
                "airtable-mcp-server",
                "Claude",
                Some("~/.cursor/mcp.json"),
                2
            )
        );
        let c = Consumer::parse("n8n=Leads;uses=read_records, pick_bases").unwrap();
        assert_eq!(c.uses, ["read_records", "pick_bases"]);
        let c = Consumer::parse("custom=~/jobs/backup.py;needs=data.records:read").unwrap();
        assert_eq!(
            (c.path, c.needs),
            (None, vec!["data.records:read".to_owned()])
        );
        assert!(
            Consumer::parse("Zapier")
                .unwrap_err()
                .0
                .contains("KIND=LABEL")
        );
        assert!(Consumer::parse("n8n=x;tables=y").is_err());
        assert!(Consumer::parse("n8n=;base=appAAAAAAAAAAAAAA").is_err());
    }

    #[test]
    fn the_command_line_base_form_parses() {
        let b = BaseIntent::parse("appAAAAAAAAAAAAAA/tblBBBBBBBBBBBBBB=CRM").unwrap();
        assert_eq!(b.table.as_deref(), Some("tblBBBBBBBBBBBBBB"));
        assert_eq!(b.label.as_deref(), Some("CRM"));
        let b = BaseIntent::parse("appAAAAAAAAAAAAAA=Ops / Finance").unwrap();
        assert_eq!((b.table, b.label.as_deref()), (None, Some("Ops / Finance")));
        assert!(BaseIntent::parse("CRM").is_err());
    }
}

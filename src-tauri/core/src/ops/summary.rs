//! A token as listing shows it: its record, flattened, with its rotation date worked
//! out, its latest check and what needs attention. The CLI's `--json` and the app's list both use this shape,
//! so it stays stable.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::check::consumers::{ConsumersReport, judge};
use crate::model::place::FoundPlace;
use crate::model::record::{BaseIntent, RotationEntry, TokenRecord};
use crate::model::{CheckEntry, CheckReport};
use crate::rotation::attention::{Attention, attention, rotation_of};
use crate::rotation::{RotationState, Schedule};
use crate::vault::{Vault, VaultError};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TokenSummary {
    pub id: Uuid,
    pub name: String,
    pub token_id: Option<String>,
    pub scopes: Vec<String>,
    pub bases: Vec<BaseIntent>,
    pub rotate_every_days: u32,
    pub last_rotated: NaiveDate,
    /// The token's own lead time; None when it follows the setting.
    pub lead_days: Option<u32>,
    pub next_due: NaiveDate,
    pub rotation_state: RotationState,
    pub days_left: i32,
    /// The labels of the places that use it.
    pub used_by: Vec<String>,
    /// Those places in full, each with whether it will keep working, and what the token
    /// holds that none of them needs.
    pub consumers: ConsumersReport,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    /// The latest live check in full; None until the token is first checked.
    pub last_report: Option<CheckReport>,
    /// The last 20 checks in short, oldest first.
    pub checks: Vec<CheckEntry>,
    /// Rotations done through PAT Vault, oldest first.
    pub rotations: Vec<RotationEntry>,
    /// Places still to be given the secret of the last rotation.
    pub updates_pending: Vec<String>,
    /// The old secret of the last rotation is still kept, waiting to be checked.
    pub old_secret_kept: bool,
    /// Where scans found the token, each said to be stale or not.
    pub found_in: Vec<PlaceShown>,
    /// What needs the owner now; empty when nothing does.
    pub attention: Vec<Attention>,
    /// Each item of `attention` in words.
    pub why: Vec<String>,
}

/// A found place, and whether it still holds a token ID this token was rotated away
/// from.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PlaceShown {
    #[serde(flatten)]
    pub place: FoundPlace,
    pub stale: bool,
    /// A backup an earlier `migrate` left beside a file: a plaintext copy to delete.
    pub backup: bool,
}

/// What about a token needs its owner now: its rotation and checks
/// (`rotation::attention`), and the places that use it that will fail.
pub fn attention_of(record: &TokenRecord, schedule: &Schedule) -> Vec<Attention> {
    attention_with(record, schedule, &judge(record))
}

fn attention_with(
    record: &TokenRecord,
    schedule: &Schedule,
    consumers: &ConsumersReport,
) -> Vec<Attention> {
    let mut out = attention(record, schedule);
    let failing = consumers.failing();
    if !failing.is_empty() {
        out.push(Attention::ConsumersFailing { places: failing });
    }
    out
}

impl TokenSummary {
    pub fn new(record: TokenRecord, schedule: &Schedule) -> Self {
        let due = rotation_of(&record, schedule);
        let consumers = judge(&record);
        let attention = attention_with(&record, schedule, &consumers);
        let found_in = record
            .found_in
            .iter()
            .map(|p| PlaceShown {
                stale: p.is_stale(record.token_id.as_deref()),
                backup: p.is_backup(),
                place: p.clone(),
            })
            .collect();
        let i = record.intent;
        TokenSummary {
            id: record.id,
            name: i.name,
            token_id: record.token_id,
            scopes: i.scopes,
            bases: i.bases,
            rotate_every_days: i.rotate_every_days,
            last_rotated: i.last_rotated,
            lead_days: i.lead_days,
            next_due: due.next_due,
            rotation_state: due.state,
            days_left: due.days_left,
            used_by: i.used_by.iter().map(|c| c.label.clone()).collect(),
            consumers,
            notes: i.notes,
            created_at: record.created_at,
            last_report: record.last_report,
            checks: record.checks,
            rotations: record.rotations,
            updates_pending: record.updates_pending,
            old_secret_kept: record.old_secret_kept,
            found_in,
            why: attention.iter().map(Attention::describe).collect(),
            attention,
        }
    }
}

/// Now, with the user's lead time and staleness settings (their defaults when the
/// settings file cannot be read).
pub fn schedule(vault: &Vault) -> Schedule {
    Schedule::local(&vault.settings().unwrap_or_default())
}

pub fn summary(vault: &Vault, record: TokenRecord) -> TokenSummary {
    TokenSummary::new(record, &schedule(vault))
}

/// Every token as listing shows it, rotation dates worked out for today.
pub fn summaries(vault: &Vault) -> Result<Vec<TokenSummary>, VaultError> {
    let schedule = schedule(vault);
    Ok(vault
        .list()?
        .into_iter()
        .map(|r| TokenSummary::new(r, &schedule))
        .collect())
}

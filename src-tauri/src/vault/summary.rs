//! A token as listing shows it: its record, flattened, with its rotation date worked
//! out and its latest check. The CLI's `--json` and the app's list both use this shape,
//! so it stays stable.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::record::{BaseIntent, TokenRecord};
use crate::check::{CheckEntry, CheckReport};
use crate::rotation::{RotationState, rotation};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TokenSummary {
    pub id: Uuid,
    pub name: String,
    pub token_id: Option<String>,
    pub scopes: Vec<String>,
    pub bases: Vec<BaseIntent>,
    pub rotate_every_days: u32,
    pub last_rotated: NaiveDate,
    pub next_due: NaiveDate,
    pub rotation_state: RotationState,
    pub days_left: i32,
    pub used_by: Vec<String>,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    /// The latest live check in full; None until the token is first checked.
    pub last_report: Option<CheckReport>,
    /// The last 20 checks in short, oldest first.
    pub checks: Vec<CheckEntry>,
}

impl TokenSummary {
    pub fn new(record: TokenRecord, today: NaiveDate) -> Self {
        let due = rotation(
            record.intent.last_rotated,
            record.intent.rotate_every_days,
            today,
        );
        let i = record.intent;
        TokenSummary {
            id: record.id,
            name: i.name,
            token_id: record.token_id,
            scopes: i.scopes,
            bases: i.bases,
            rotate_every_days: i.rotate_every_days,
            last_rotated: i.last_rotated,
            next_due: due.next_due,
            rotation_state: due.state,
            days_left: due.days_left,
            used_by: i.used_by,
            notes: i.notes,
            created_at: record.created_at,
            last_report: record.last_report,
            checks: record.checks,
        }
    }
}

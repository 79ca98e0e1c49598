//! Which reminders to show, so that they arrive without nagging: one when a token
//! becomes due soon; one a day while it is due, overdue or invalid; never more than one
//! a day per token; none while snoozed. What was shown is kept in `reminders.json`
//! beside the inventory (written atomically), so restarts do not repeat a reminder.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::attention::{Attention, attention};
use super::{RotationState, Schedule};
use crate::files::{FileError, ensure_private_dir, io_error, lock_exclusive, write_atomic_locked};
use crate::model::CheckStatus;
use crate::model::record::TokenRecord;

const FILE: &str = "reminders.json";
const LOCK: &str = "reminders.lock";
/// As the inventory's: an update takes milliseconds, so a lock held this long is stuck.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
const SNOOZE_DAYS: u64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    DueSoon,
    Due,
    Overdue,
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub token: Uuid,
    pub name: String,
    pub kind: ReminderKind,
    /// The notification's text: what and what to do.
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Shown {
    day: Option<NaiveDate>,
    kind: Option<ReminderKind>,
    snoozed_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderLog {
    tokens: BTreeMap<Uuid, Shown>,
}

/// The strongest reason to remind about a token now, if any.
fn kind_of(token: &TokenRecord, schedule: &Schedule) -> Option<(ReminderKind, String)> {
    let found = attention(token, schedule);
    let invalid = found.iter().find(|a| {
        matches!(
            a,
            Attention::CheckFailed {
                status: CheckStatus::Invalid,
                ..
            }
        )
    });
    if let Some(a) = invalid {
        return Some((ReminderKind::Invalid, a.describe()));
    }
    found.iter().find_map(|a| match a {
        Attention::Rotation { state, .. } => {
            let kind = match state {
                RotationState::DueSoon => ReminderKind::DueSoon,
                RotationState::Due => ReminderKind::Due,
                RotationState::Overdue => ReminderKind::Overdue,
                RotationState::Ok => return None,
            };
            Some((kind, a.describe()))
        }
        _ => None,
    })
}

impl ReminderLog {
    pub fn load(dir: &Path) -> Result<Self, FileError> {
        let path = dir.join(FILE);
        match std::fs::read(&path) {
            // A damaged log costs at most a repeated reminder: start afresh.
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(io_error("read", &path)(e)),
        }
    }

    /// Under the log's lock (`update`).
    fn save(&self, dir: &Path) -> Result<(), FileError> {
        ensure_private_dir(dir)?;
        write_atomic_locked(
            &dir.join(FILE),
            &serde_json::to_vec_pretty(self).expect("the log serializes"),
        )
    }

    /// Loads the log in `dir`, changes it and saves it, under the log's own file lock:
    /// the app's reminders and a snooze, in this process or another, never lose each
    /// other's change.
    pub fn update<T>(dir: &Path, change: impl FnOnce(&mut Self) -> T) -> Result<T, FileError> {
        ensure_private_dir(dir)?;
        let _lock = lock_exclusive(&dir.join(LOCK), LOCK_WAIT)?;
        let mut log = Self::load(dir)?;
        let result = change(&mut log);
        log.save(dir)?;
        Ok(result)
    }

    /// The reminders to show now, each marked as shown today. Tokens gone from the vault
    /// are forgotten; a token back to normal may be reminded again when it next drifts.
    pub fn take_due(&mut self, tokens: &[TokenRecord], schedule: &Schedule) -> Vec<Reminder> {
        let today = schedule.today;
        self.tokens
            .retain(|id, _| tokens.iter().any(|t| t.id == *id));
        let mut out = Vec::new();
        for token in tokens {
            let shown = self.tokens.entry(token.id).or_default();
            let Some((kind, why)) = kind_of(token, schedule) else {
                shown.kind = None;
                continue;
            };
            let snoozed = shown.snoozed_until.is_some_and(|until| today < until);
            let shown_today = shown.day == Some(today);
            let repeats_daily = kind != ReminderKind::DueSoon;
            let new_kind = shown.kind != Some(kind);
            if snoozed || shown_today || !(new_kind || repeats_daily) {
                continue;
            }
            shown.day = Some(today);
            shown.kind = Some(kind);
            let name = &token.intent.name;
            let what = match kind {
                ReminderKind::Invalid => {
                    "Airtable no longer accepts it: replace it where it is used"
                }
                _ => "Rotate it in Airtable, then replace it in PAT Vault",
            };
            out.push(Reminder {
                token: token.id,
                name: name.clone(),
                kind,
                text: format!("“{name}”: {why}. {what}."),
            });
        }
        out
    }

    /// No reminder about `token` for a week from `today`.
    pub fn snooze(&mut self, token: Uuid, today: NaiveDate) -> NaiveDate {
        let until = today
            .checked_add_days(Days::new(SNOOZE_DAYS))
            .unwrap_or(NaiveDate::MAX);
        self.tokens.entry(token).or_default().snoozed_until = Some(until);
        until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckEntry;
    use crate::model::record::TokenIntent;
    use crate::settings::Settings;
    use chrono::{TimeZone, Utc};

    fn on(day: u32) -> Schedule {
        let now = Utc.with_ymd_and_hms(2026, 12, day, 9, 0, 0).unwrap();
        Schedule {
            stale_days: 365,
            ..Schedule::at(now, &Utc, &Settings::default())
        }
    }

    /// Due on 16 December 2026, so due soon from the 2nd.
    fn token() -> TokenRecord {
        TokenRecord {
            id: Uuid::from_u128(7),
            ..TokenRecord::new(
                TokenIntent {
                    rotate_every_days: 90,
                    ..TokenIntent::named("CRM sync", NaiveDate::from_ymd_opt(2026, 9, 17).unwrap())
                },
                None,
                Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap(),
            )
        }
    }

    fn kinds(log: &mut ReminderLog, tokens: &[TokenRecord], day: u32) -> Vec<ReminderKind> {
        log.take_due(tokens, &on(day))
            .into_iter()
            .map(|r| r.kind)
            .collect()
    }

    #[test]
    fn due_soon_once_then_due_and_overdue_daily_and_never_twice_a_day() {
        let tokens = [token()];
        let mut log = ReminderLog::default();
        assert_eq!(kinds(&mut log, &tokens, 1), vec![]);
        assert_eq!(kinds(&mut log, &tokens, 2), vec![ReminderKind::DueSoon]);
        assert_eq!(kinds(&mut log, &tokens, 2), vec![]);
        assert_eq!(kinds(&mut log, &tokens, 15), vec![]);
        assert_eq!(kinds(&mut log, &tokens, 16), vec![ReminderKind::Due]);
        assert_eq!(kinds(&mut log, &tokens, 16), vec![]);
        assert_eq!(kinds(&mut log, &tokens, 17), vec![ReminderKind::Overdue]);
        assert_eq!(kinds(&mut log, &tokens, 18), vec![ReminderKind::Overdue]);
    }

    #[test]
    fn what_was_shown_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = [token()];
        let shown = ReminderLog::update(dir.path(), |log| log.take_due(&tokens, &on(17))).unwrap();
        assert_eq!(shown.len(), 1);
        assert!(
            shown[0]
                .text
                .starts_with("“CRM sync”: rotation overdue by 1 day."),
            "{}",
            shown[0].text
        );
        assert!(
            dir.path().join(LOCK).exists(),
            "the update took the log's lock"
        );
        let mut again = ReminderLog::load(dir.path()).unwrap();
        assert_eq!(kinds(&mut again, &tokens, 17), vec![]);
        assert_eq!(kinds(&mut again, &tokens, 18), vec![ReminderKind::Overdue]);
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        assert_eq!(
            ReminderLog::load(dir.path()).unwrap(),
            ReminderLog::default()
        );
    }

    #[test]
    fn snoozing_silences_a_token_for_a_week() {
        let tokens = [token()];
        let mut log = ReminderLog::default();
        assert_eq!(
            log.snooze(tokens[0].id, on(16).today),
            NaiveDate::from_ymd_opt(2026, 12, 23).unwrap()
        );
        for day in 16..23 {
            assert_eq!(kinds(&mut log, &tokens, day), vec![], "day {day}");
        }
        assert_eq!(kinds(&mut log, &tokens, 23), vec![ReminderKind::Overdue]);
    }

    #[test]
    fn an_invalid_token_is_the_reminder_and_a_rotation_starts_afresh() {
        let mut t = token();
        t.checks.push(CheckEntry {
            checked_at: Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap(),
            light: false,
            status: CheckStatus::Invalid,
            reachable_bases: 0,
            missing: 0,
            excess: 0,
            error: None,
        });
        let mut log = ReminderLog::default();
        let shown = log.take_due(std::slice::from_ref(&t), &on(2));
        assert_eq!(shown[0].kind, ReminderKind::Invalid);
        assert!(
            shown[0].text.contains("no longer accepts it"),
            "{}",
            shown[0].text
        );
        assert_eq!(
            kinds(&mut log, std::slice::from_ref(&t), 3),
            vec![ReminderKind::Invalid]
        );
        // Rotated and checked again: nothing, until the next rotation comes due.
        t.checks.clear();
        t.intent.last_rotated = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(kinds(&mut log, std::slice::from_ref(&t), 4), vec![]);
        assert_eq!(log.tokens[&t.id].kind, None);
        // A removed token is forgotten.
        assert_eq!(kinds(&mut log, &[], 5), vec![]);
        assert!(log.tokens.is_empty());
    }
}

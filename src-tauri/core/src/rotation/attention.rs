//! What about a token needs its owner now: a rotation due soon, due or overdue; a last
//! check that failed (since when); or no check for too long.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Rotation, RotationState, Schedule, rotation};
use crate::model::CheckStatus;
use crate::model::place::FoundPlace;
use crate::model::record::TokenRecord;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attention {
    /// Due soon, due or overdue.
    Rotation {
        state: RotationState,
        days_left: i32,
    },
    /// Its latest check found it invalid or could not tell, every check since `since`.
    CheckFailed {
        status: CheckStatus,
        since: DateTime<Utc>,
        error: Option<String>,
    },
    /// No check for `days` days; `ever` is false when it was never checked since it was
    /// added `days` ago.
    NotChecked { days: u32, ever: bool },
    /// A scan found these places still holding a token ID this token was rotated away
    /// from: whatever reads them fails until they are given the new secret.
    StaleCopies { places: Vec<String> },
    /// Backups an earlier `migrate` left beside files hold its secret in plaintext:
    /// nothing needs them, and anyone who reads them (or a `git add -A`) gets the token.
    PlaintextBackups { places: Vec<String> },
    /// Places that use the token will fail, as its checks show (`check::consumers`).
    ConsumersFailing { places: Vec<String> },
}

impl Attention {
    /// One line for a list or a notification.
    pub fn describe(&self) -> String {
        match self {
            Attention::Rotation { state, days_left } => match state {
                RotationState::DueSoon => format!("rotation due in {}", days(*days_left)),
                RotationState::Due => "rotation due today".into(),
                RotationState::Overdue => format!("rotation overdue by {}", days(-days_left)),
                RotationState::Ok => "rotation ok".into(),
            },
            Attention::CheckFailed { status, since, .. } => format!(
                "{} since {}",
                match status {
                    CheckStatus::Invalid => "invalid (Airtable refuses it)",
                    _ => "check failing",
                },
                since.format("%Y-%m-%d")
            ),
            Attention::NotChecked {
                days: n,
                ever: true,
            } => {
                format!("not checked for {}", days(i64::from(*n)))
            }
            Attention::NotChecked {
                days: n,
                ever: false,
            } => {
                format!("never checked, added {} ago", days(i64::from(*n)))
            }
            Attention::PlaintextBackups { places } => format!(
                "its secret is in plaintext in {} (delete with `patvault scan --delete-backups`)",
                match places.as_slice() {
                    [one] => format!("the backup {one}"),
                    many => format!("{} backups: {}", many.len(), many.join(", ")),
                }
            ),
            Attention::ConsumersFailing { places } => match places.as_slice() {
                [one] => format!("“{one}” will fail"),
                many => format!(
                    "{} places will fail: {}",
                    many.len(),
                    many.iter()
                        .map(|p| format!("“{p}”"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Attention::StaleCopies { places } => match places.as_slice() {
                [one] => format!("the old secret is still in {one}"),
                many => format!(
                    "the old secret is still in {} places: {}",
                    many.len(),
                    many.join(", ")
                ),
            },
        }
    }
}

fn days(n: impl Into<i64>) -> String {
    match n.into() {
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// The token's rotation as of the schedule, with its own lead time or the setting.
pub fn rotation_of(token: &TokenRecord, schedule: &Schedule) -> Rotation {
    let i = &token.intent;
    let lead = i.lead_days.unwrap_or(schedule.lead_days);
    rotation(i.last_rotated, i.rotate_every_days, lead, schedule.today)
}

pub fn attention(token: &TokenRecord, schedule: &Schedule) -> Vec<Attention> {
    let mut out = Vec::new();
    let due = rotation_of(token, schedule);
    if due.state != RotationState::Ok {
        out.push(Attention::Rotation {
            state: due.state,
            days_left: due.days_left,
        });
    }
    let failing = |s: CheckStatus| matches!(s, CheckStatus::Invalid | CheckStatus::Error);
    if let Some(last) = token.checks.last().filter(|c| failing(c.status)) {
        let since = token
            .checks
            .iter()
            .rev()
            .take_while(|c| failing(c.status))
            .last()
            .map_or(last.checked_at, |c| c.checked_at);
        out.push(Attention::CheckFailed {
            status: last.status,
            since,
            error: last.error.clone(),
        });
    }
    let last_check = token.checks.last().map(|c| c.checked_at);
    let quiet_since = last_check.unwrap_or(token.created_at);
    let days = (schedule.now - quiet_since).num_days();
    if days >= i64::from(schedule.stale_days) {
        out.push(Attention::NotChecked {
            days: u32::try_from(days).unwrap_or(u32::MAX),
            ever: last_check.is_some(),
        });
    }
    let stale: Vec<String> = token.stale_places().map(FoundPlace::describe).collect();
    if !stale.is_empty() {
        out.push(Attention::StaleCopies { places: stale });
    }
    let backups: Vec<String> = token
        .found_in
        .iter()
        .filter(|p| p.is_backup())
        .map(|p| p.path.clone())
        .collect();
    if !backups.is_empty() {
        out.push(Attention::PlaintextBackups { places: backups });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckEntry;
    use crate::model::record::TokenIntent;
    use crate::settings::Settings;
    use chrono::{NaiveDate, TimeZone};

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap()
    }

    fn token(last_rotated: NaiveDate, checks: &[(u32, CheckStatus)]) -> TokenRecord {
        TokenRecord {
            id: uuid::Uuid::nil(),
            token_id: None,
            created_at: at(1),
            intent: TokenIntent {
                rotate_every_days: 30,
                ..TokenIntent::named("t", last_rotated)
            },
            last_report: None,
            checks: checks
                .iter()
                .map(|(day, status)| CheckEntry {
                    checked_at: at(*day),
                    light: false,
                    status: *status,
                    reachable_bases: 0,
                    missing: 0,
                    excess: 0,
                    error: (*status == CheckStatus::Error).then(|| "Airtable is down".into()),
                })
                .collect(),
            known_reach: None,
            rotations: Vec::new(),
            updates_pending: Vec::new(),
            old_secret_kept: false,
            found_in: Vec::new(),
            dismissed_places: Vec::new(),
        }
    }

    fn schedule(day: u32) -> Schedule {
        Schedule::at(at(day), &Utc, &Settings::default())
    }

    #[test]
    fn a_fresh_checked_token_needs_nothing() {
        let t = token(
            NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
            &[(20, CheckStatus::Ok)],
        );
        assert_eq!(attention(&t, &schedule(23)), vec![]);
    }

    #[test]
    fn rotation_failures_and_silence_are_each_reported() {
        use CheckStatus::*;
        let t = token(
            NaiveDate::from_ymd_opt(2026, 10, 20).unwrap(),
            &[(2, Ok), (3, Drift), (4, Error), (5, Invalid)],
        );
        let found = attention(&t, &schedule(23));
        assert_eq!(
            found,
            vec![
                Attention::Rotation {
                    state: RotationState::Overdue,
                    days_left: -4
                },
                Attention::CheckFailed {
                    status: Invalid,
                    since: at(4),
                    error: None
                },
                Attention::NotChecked {
                    days: 18,
                    ever: true
                },
            ]
        );
        assert_eq!(found[0].describe(), "rotation overdue by 4 days");
        assert_eq!(
            found[1].describe(),
            "invalid (Airtable refuses it) since 2026-11-04"
        );
    }

    #[test]
    fn the_tokens_own_lead_time_wins_over_the_setting() {
        let mut t = token(
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            &[(22, CheckStatus::Ok)],
        );
        // Due on 20 December: 27 days away, outside the default 14.
        assert_eq!(attention(&t, &schedule(23)), vec![]);
        t.intent.lead_days = Some(30);
        assert_eq!(
            attention(&t, &schedule(23)),
            vec![Attention::Rotation {
                state: RotationState::DueSoon,
                days_left: 27
            }]
        );
    }

    #[test]
    fn a_token_never_checked_counts_from_when_it_was_added() {
        let t = token(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), &[]);
        assert_eq!(attention(&t, &schedule(7)), vec![]);
        assert_eq!(
            attention(&t, &schedule(9)),
            vec![Attention::NotChecked {
                days: 8,
                ever: false
            }]
        );
    }

    #[test]
    fn places_holding_a_rotated_away_id_are_stale_copies() {
        let mut t = token(
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            &[(22, CheckStatus::Ok)],
        );
        t.token_id = Some("patNEWNEWNEWNEW01".into());
        let place = |path: &str, id: &str, through_vault| FoundPlace {
            path: path.into(),
            line: 3,
            server: Some("airtable".into()),
            variable: None,
            token_id: Some(id.into()),
            plaintext: true,
            through_vault,
            first_seen: at(21),
            last_seen: at(22),
            unread: None,
        };
        t.found_in = vec![
            place("/h/.cursor/mcp.json", "patNEWNEWNEWNEW01", false),
            place("/h/.codex/config.toml", "patOLDOLDOLDOLD01", false),
            place("/h/.mcp.json", "patOLDOLDOLDOLD01", true),
        ];
        let found = attention(&t, &schedule(23));
        assert_eq!(
            found,
            vec![Attention::StaleCopies {
                places: vec!["/h/.codex/config.toml:3 (airtable)".into()]
            }]
        );
        assert_eq!(
            found[0].describe(),
            "the old secret is still in /h/.codex/config.toml:3 (airtable)"
        );
    }

    #[test]
    fn a_backup_left_by_an_earlier_migrate_is_a_plaintext_copy_not_a_stale_one() {
        let mut t = token(
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            &[(22, CheckStatus::Ok)],
        );
        t.token_id = Some("patNEWNEWNEWNEW01".into());
        t.found_in = vec![FoundPlace {
            path: "/h/p/.env.before-patvault-20261202-031500".into(),
            line: 1,
            server: None,
            variable: Some("AIRTABLE_API_KEY".into()),
            token_id: Some("patOLDOLDOLDOLD01".into()),
            plaintext: true,
            through_vault: false,
            first_seen: at(21),
            last_seen: at(22),
            unread: None,
        }];
        let found = attention(&t, &schedule(23));
        assert_eq!(
            found,
            vec![Attention::PlaintextBackups {
                places: vec!["/h/p/.env.before-patvault-20261202-031500".into()]
            }]
        );
        assert!(
            found[0]
                .describe()
                .contains("in plaintext in the backup /h/p/.env.before-patvault-")
        );
    }
}

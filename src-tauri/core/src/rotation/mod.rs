//! Rotation dates: when each token is due, what needs the user's attention, the
//! schedule as a calendar and which reminders to show. Date arithmetic on the user's
//! local calendar days; only the reminder log touches a file, and nothing here asks
//! Airtable (`ops::renewal` does the live checks around a rotation).

pub mod attention;
pub mod calendar;
pub mod reminders;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::settings::Settings;

/// What "due" means at one moment: the user's local date, and their settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    /// Days before its due date a token is due soon, unless the token sets its own.
    pub lead_days: u32,
    /// A token not checked for this many days needs attention.
    pub stale_days: u32,
}

impl Schedule {
    /// The schedule at `now` for a user in time zone `zone`.
    pub fn at<Tz: TimeZone>(now: DateTime<Utc>, zone: &Tz, settings: &Settings) -> Self {
        Schedule {
            today: now.with_timezone(zone).date_naive(),
            now,
            lead_days: settings.reminder_lead_days,
            stale_days: settings.check_stale_days,
        }
    }

    /// Now, in the machine's time zone.
    pub fn local(settings: &Settings) -> Self {
        Self::at(Utc::now(), &chrono::Local, settings)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RotationState {
    Ok,
    DueSoon,
    Due,
    Overdue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct Rotation {
    pub next_due: NaiveDate,
    pub state: RotationState,
    /// Negative once overdue.
    pub days_left: i32,
}

/// When a token rotated on `last_rotated` every `every_days` is next due, and how it
/// stands `today` with a lead time of `lead_days`.
pub fn rotation(
    last_rotated: NaiveDate,
    every_days: u32,
    lead_days: u32,
    today: NaiveDate,
) -> Rotation {
    let next_due = last_rotated
        .checked_add_days(Days::new(every_days.into()))
        .unwrap_or(NaiveDate::MAX);
    let days_left = (next_due - today).num_days();
    let state = match days_left {
        d if d < 0 => RotationState::Overdue,
        0 => RotationState::Due,
        d if d <= i64::from(lead_days) => RotationState::DueSoon,
        _ => RotationState::Ok,
    };
    Rotation {
        next_due,
        state,
        days_left: days_left.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn due_dates_cross_month_ends_and_leap_days() {
        let due = |last, every| rotation(last, every, 14, last).next_due;
        assert_eq!(due(d(2028, 1, 31), 29), d(2028, 2, 29));
        assert_eq!(due(d(2027, 12, 1), 90), d(2028, 2, 29));
        assert_eq!(due(d(2028, 2, 29), 365), d(2029, 2, 28));
        assert_eq!(due(d(2026, 1, 31), 30), d(2026, 3, 2));
        assert_eq!(due(d(2026, 12, 31), 1), d(2027, 1, 1));
    }

    #[test]
    fn states_follow_the_days_left_and_the_lead_time() {
        let last = d(2026, 1, 1);
        let state = |lead, today| rotation(last, 90, lead, today).state;
        assert_eq!(state(14, d(2026, 1, 1)), RotationState::Ok);
        assert_eq!(state(14, d(2026, 3, 17)), RotationState::Ok);
        assert_eq!(state(14, d(2026, 3, 18)), RotationState::DueSoon);
        assert_eq!(state(30, d(2026, 3, 2)), RotationState::DueSoon);
        assert_eq!(state(0, d(2026, 3, 31)), RotationState::Ok);
        let due = rotation(last, 90, 14, d(2026, 4, 1));
        assert_eq!((due.state, due.days_left), (RotationState::Due, 0));
        let late = rotation(last, 90, 14, d(2026, 4, 3));
        assert_eq!((late.state, late.days_left), (RotationState::Overdue, -2));
    }

    #[test]
    fn today_is_the_users_local_date() {
        use chrono::FixedOffset;
        let settings = Settings::default();
        // 23:30 UTC on 28 February 2028 is already the 29th east of Greenwich and still
        // the 28th to the west; a token due on the 29th is due in Tokyo, not in New York.
        let now = Utc.with_ymd_and_hms(2028, 2, 28, 23, 30, 0).unwrap();
        let tokyo = Schedule::at(now, &FixedOffset::east_opt(9 * 3600).unwrap(), &settings);
        let new_york = Schedule::at(now, &FixedOffset::west_opt(5 * 3600).unwrap(), &settings);
        assert_eq!(tokyo.today, d(2028, 2, 29));
        assert_eq!(new_york.today, d(2028, 2, 28));
        let last = d(2027, 12, 1);
        assert_eq!(rotation(last, 90, 0, tokyo.today).state, RotationState::Due);
        assert_eq!(rotation(last, 90, 0, new_york.today).days_left, 1);
        assert_eq!(Schedule::at(now, &Utc, &settings).today, d(2028, 2, 28));
    }
}

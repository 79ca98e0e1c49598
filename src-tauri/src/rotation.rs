//! Rotation dates: when each token is due. Pure date arithmetic on local calendar days.

use chrono::{Days, NaiveDate};
use serde::Serialize;

pub const DEFAULT_LEAD_DAYS: i64 = 14;

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

pub fn rotation(last_rotated: NaiveDate, every_days: u32, today: NaiveDate) -> Rotation {
    let next_due = last_rotated
        .checked_add_days(Days::new(every_days.into()))
        .unwrap_or(NaiveDate::MAX);
    let days_left = (next_due - today).num_days();
    let state = match days_left {
        d if d < 0 => RotationState::Overdue,
        0 => RotationState::Due,
        d if d <= DEFAULT_LEAD_DAYS => RotationState::DueSoon,
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
        assert_eq!(
            rotation(d(2028, 1, 31), 29, d(2028, 1, 31)).next_due,
            d(2028, 2, 29)
        );
        assert_eq!(
            rotation(d(2027, 12, 1), 90, d(2027, 12, 1)).next_due,
            d(2028, 2, 29)
        );
    }

    #[test]
    fn states_follow_the_days_left() {
        let last = d(2026, 1, 1);
        assert_eq!(rotation(last, 90, d(2026, 1, 1)).state, RotationState::Ok);
        assert_eq!(
            rotation(last, 90, d(2026, 3, 18)).state,
            RotationState::DueSoon
        );
        let due = rotation(last, 90, d(2026, 4, 1));
        assert_eq!((due.state, due.days_left), (RotationState::Due, 0));
        let late = rotation(last, 90, d(2026, 4, 3));
        assert_eq!((late.state, late.days_left), (RotationState::Overdue, -2));
    }
}

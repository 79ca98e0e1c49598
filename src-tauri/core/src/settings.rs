//! The user's settings, stored beside the inventory under the same atomic-write rules.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, UserError};
use crate::files::{FileError, ensure_private_dir, io_error, write_atomic};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A value the user chose is out of range.
    #[error("{0}")]
    Invalid(&'static str),
    #[error(
        "the settings file {} cannot be read ({reason}); defaults are used until you save settings",
        path.display()
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error(transparent)]
    File(#[from] FileError),
}

impl UserError for SettingsError {
    fn kind(&self) -> ErrorKind {
        match self {
            SettingsError::Invalid(_) => ErrorKind::InvalidInput,
            SettingsError::Unreadable { .. } => ErrorKind::SettingsUnreadable,
            SettingsError::File(e) => e.kind(),
        }
    }
}

const FILE: &str = "settings.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct Settings {
    /// Seconds after which a copied secret is wiped from the clipboard.
    pub clipboard_clear_seconds: u32,
    /// Days before its due date a token counts as due soon, unless it sets its own.
    pub reminder_lead_days: u32,
    /// A token not checked for this many days needs attention.
    pub check_stale_days: u32,
    /// Closing the window leaves the app running in the tray, so reminders still arrive.
    pub close_to_tray: bool,
    /// Start the app at login, in the tray only.
    pub start_at_login: bool,
    /// While the app runs, check every token live once a day.
    pub daily_check: bool,
    /// The daily check is a full one (several requests per base) instead of a light one
    /// (two requests a token): it spends the workspace's monthly API calls much faster.
    pub daily_check_full: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clipboard_clear_seconds: 30,
            reminder_lead_days: 14,
            check_stale_days: 7,
            close_to_tray: true,
            start_at_login: false,
            daily_check: false,
            daily_check_full: false,
        }
    }
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

const CLIPBOARD_SECONDS: std::ops::RangeInclusive<u32> = 5..=600;
const LEAD_DAYS: std::ops::RangeInclusive<u32> = 0..=365;
const STALE_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

impl Settings {
    /// The same settings with every number brought into the range `save` accepts, so a
    /// hand-edited file cannot keep a secret on the clipboard for years.
    fn clamped(self) -> Settings {
        let clamp = |v: u32, r: &std::ops::RangeInclusive<u32>| v.clamp(*r.start(), *r.end());
        Settings {
            clipboard_clear_seconds: clamp(self.clipboard_clear_seconds, &CLIPBOARD_SECONDS),
            reminder_lead_days: clamp(self.reminder_lead_days, &LEAD_DAYS),
            check_stale_days: clamp(self.check_stale_days, &STALE_DAYS),
            ..self
        }
    }
}

/// The saved settings, the defaults when none were saved yet, or an error naming the
/// file when it cannot be read (the caller runs on defaults and leaves the file alone).
/// Numbers out of range are clamped as `save` would refuse them.
pub(crate) fn load(dir: &Path) -> Result<Settings, SettingsError> {
    let path = path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Settings::clamped)
            .map_err(|e| SettingsError::Unreadable {
                reason: e.to_string(),
                path,
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(e) => Err(io_error("read", &path)(e).into()),
    }
}

pub(crate) fn save(dir: &Path, settings: &Settings) -> Result<(), SettingsError> {
    let invalid = |m| Err(SettingsError::Invalid(m));
    if !CLIPBOARD_SECONDS.contains(&settings.clipboard_clear_seconds) {
        return invalid("clear the clipboard after 5 to 600 seconds");
    }
    if !LEAD_DAYS.contains(&settings.reminder_lead_days) {
        return invalid("remind at most 365 days before a rotation is due");
    }
    if !STALE_DAYS.contains(&settings.check_stale_days) {
        return invalid("ask for a check after 1 to 365 days without one");
    }
    ensure_private_dir(dir)?;
    Ok(write_atomic(
        &path(dir),
        &serde_json::to_vec_pretty(settings).expect("settings serialize"),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_refuse_nonsense() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), Settings::default());
        let chosen = Settings {
            clipboard_clear_seconds: 12,
            reminder_lead_days: 30,
            check_stale_days: 2,
            close_to_tray: false,
            start_at_login: true,
            daily_check: true,
            daily_check_full: true,
        };
        save(dir.path(), &chosen).unwrap();
        assert_eq!(load(dir.path()).unwrap(), chosen);
        for nonsense in [
            Settings {
                clipboard_clear_seconds: 0,
                ..chosen.clone()
            },
            Settings {
                reminder_lead_days: 400,
                ..chosen.clone()
            },
            Settings {
                check_stale_days: 0,
                ..chosen.clone()
            },
        ] {
            assert!(save(dir.path(), &nonsense).is_err());
        }
        // A file from before these settings existed keeps working, with their defaults.
        std::fs::write(path(dir.path()), br#"{"clipboard_clear_seconds": 9}"#).unwrap();
        assert_eq!(load(dir.path()).unwrap().reminder_lead_days, 14);
        assert!(load(dir.path()).unwrap().close_to_tray);
        assert!(!load(dir.path()).unwrap().daily_check);
        assert!(!load(dir.path()).unwrap().daily_check_full);
        // A hand-edited file is held to the same ranges as the Settings page.
        std::fs::write(
            path(dir.path()),
            br#"{"clipboard_clear_seconds": 4000000000, "reminder_lead_days": 9999, "check_stale_days": 0}"#,
        )
        .unwrap();
        let loaded = load(dir.path()).unwrap();
        assert_eq!(loaded.clipboard_clear_seconds, 600);
        assert_eq!(loaded.reminder_lead_days, 365);
        assert_eq!(loaded.check_stale_days, 1);
        std::fs::write(path(dir.path()), br#"{"clipboard_clear_seconds": 1}"#).unwrap();
        assert_eq!(load(dir.path()).unwrap().clipboard_clear_seconds, 5);
        std::fs::write(path(dir.path()), b"{").unwrap();
        assert!(
            load(dir.path())
                .unwrap_err()
                .to_string()
                .contains("settings.json")
        );
    }
}

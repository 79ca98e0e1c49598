//! Reminders that reach the user: at start and then every hour, the daily check runs if
//! it is on, the reminders due (see `rotation::reminders`) become desktop notifications
//! and the tray menu lists what needs attention. What was shown is saved before it is
//! shown, so neither a restart nor a failing notification repeats one that day. The
//! window may snooze a token's reminders.

use std::time::Duration;

use chrono::NaiveDate;
use tauri::{AppHandle, Manager, State};
use uuid::Uuid;

use super::blocking::{Reply, blocking};
use super::checking::check_daily;
use super::error::AppError;
use super::notifications::notify;
use super::state::AppState;
use super::tray::show_attention;
use patvault_core::check::Depth;
use patvault_core::ops::summary::{schedule, summaries};
use patvault_core::rotation::reminders::{Reminder, ReminderKind, ReminderLog};
use patvault_core::vault::Vault;

const EVERY: Duration = Duration::from_secs(3600);

pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut hourly = tokio::time::interval(EVERY);
        loop {
            hourly.tick().await;
            look(&app).await;
        }
    });
}

/// One look now, beside the hourly ones: the user just turned the daily check on.
pub fn look_now(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move { look(&app).await });
}

async fn look(app: &AppHandle) {
    let Ok(vault) = app.state::<AppState>().vault() else {
        return;
    };
    let settings = vault.settings().unwrap_or_default();
    if settings.daily_check {
        let depth = if settings.daily_check_full {
            Depth::Full
        } else {
            Depth::Light
        };
        check_daily(app, depth).await;
    }
    let due = tauri::async_runtime::spawn_blocking(move || {
        Ok::<_, AppError>((take_due(&vault)?, summaries(&vault)?))
    })
    .await;
    match due {
        Ok(Ok((reminders, tokens))) => {
            reminders.iter().for_each(|r| show(app, r));
            show_attention(app, &tokens);
        }
        Ok(Err(e)) => log::warn!("reminders skipped: {e}"),
        Err(e) => log::warn!("reminders skipped: {e}"),
    }
}

fn take_due(vault: &Vault) -> Result<Vec<Reminder>, AppError> {
    let (tokens, schedule) = (vault.list()?, schedule(vault));
    Ok(ReminderLog::update(vault.inventory().dir(), |log| {
        log.take_due(&tokens, &schedule)
    })?)
}

fn show(app: &AppHandle, reminder: &Reminder) {
    let title = match reminder.kind {
        ReminderKind::DueSoon => "Airtable token due for rotation soon",
        ReminderKind::Due => "Airtable token due for rotation today",
        ReminderKind::Overdue => "Airtable token overdue for rotation",
        ReminderKind::Invalid => "Airtable token no longer works",
    };
    notify(app, title, &reminder.text);
}

/// No reminder about the token for a week; returns the day reminders may resume.
#[tauri::command]
#[specta::specta]
pub async fn snooze_reminders(state: State<'_, AppState>, id: Uuid) -> Reply<NaiveDate> {
    blocking(state.vault()?, move |v| {
        v.get(id)?;
        let today = schedule(v).today;
        Ok::<_, AppError>(ReminderLog::update(v.inventory().dir(), |log| {
            log.snooze(id, today)
        })?)
    })
    .await
}

//! A desktop notification (a freedesktop one on Linux): the reminders' and the daily
//! check's. Its words name tokens and why they need attention, never a secret; one the
//! desktop refuses is logged, not retried.

use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

pub fn notify(app: &AppHandle, title: &str, body: &str) {
    let shown = app.notification().builder().title(title).body(body).show();
    if let Err(e) = shown {
        log::warn!("a notification could not be shown: {e}");
    }
}

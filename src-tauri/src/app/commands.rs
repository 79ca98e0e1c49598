//! The commands the window may call. Each is a few lines: run the core off the main
//! thread (keychain calls block), map its errors. None returns a secret.

use serde::Serialize;
use std::time::Duration;
use tauri::{AppHandle, State};
use uuid::Uuid;

use super::blocking::{Reply, blocking};
use super::error::AppError;
use super::state::AppState;
use super::tray::show_attention;
use patvault_core::consumers::{self, ConsumerKind};
use patvault_core::files::write_atomic;
use patvault_core::model::record::TokenIntent;
use patvault_core::ops::health::{HealthShown, health};
use patvault_core::ops::summary::{TokenSummary, schedule, summaries, summary};
use patvault_core::rotation::calendar::calendar;
use patvault_core::secret::Secret;
use patvault_core::settings::Settings;
use patvault_core::vault::{Saved, UnusualShape, Vault};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SavedToken {
    pub token: TokenSummary,
    /// The shape warning the user accepted, if any.
    pub warning: Option<String>,
}

impl SavedToken {
    fn of(vault: &Vault, saved: Saved) -> Self {
        SavedToken {
            token: summary(vault, saved.record),
            warning: saved.warning,
        }
    }
}

fn shape_consent(accept: bool) -> UnusualShape {
    if accept {
        UnusualShape::Accept
    } else {
        UnusualShape::Refuse
    }
}

/// Every token; the tray's menu follows what the window sees.
#[tauri::command]
#[specta::specta]
pub async fn list_tokens(app: AppHandle, state: State<'_, AppState>) -> Reply<Vec<TokenSummary>> {
    let tokens = blocking(state.vault()?, summaries).await?;
    // After the answer: the menu is rebuilt on the main thread, which draws the window,
    // and the list on screen should not wait for the tray. Queued there, the updates
    // keep the order of the lists they show.
    let shown = tokens.clone();
    let tray_app = app.clone();
    let _ = app.run_on_main_thread(move || show_attention(&tray_app, &shown));
    Ok(tokens)
}

/// The programs known to use tokens, what each needs and the sources: the kinds a
/// "used by" place can have.
#[tauri::command]
#[specta::specta]
pub fn consumer_kinds() -> Vec<ConsumerKind> {
    consumers::kinds().to_vec()
}

#[tauri::command]
#[specta::specta]
pub async fn vault_health(state: State<'_, AppState>) -> Reply<HealthShown> {
    let config = state.config().clone();
    blocking(state.vault()?, move |v| {
        Ok::<_, AppError>(health(v, &config).into())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn add_token(
    state: State<'_, AppState>,
    intent: TokenIntent,
    secret: String,
    accept_unusual_shape: bool,
) -> Reply<SavedToken> {
    let secret = Secret::new(secret);
    blocking(state.vault()?, move |v| {
        v.add(intent, &secret, shape_consent(accept_unusual_shape))
            .map(|saved| SavedToken::of(v, saved))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn edit_token(
    state: State<'_, AppState>,
    id: Uuid,
    intent: TokenIntent,
) -> Reply<TokenSummary> {
    blocking(state.vault()?, move |v| {
        Ok::<_, AppError>(summary(v, v.edit(id, intent)?))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn replace_secret(
    state: State<'_, AppState>,
    id: Uuid,
    secret: String,
    accept_unusual_shape: bool,
) -> Reply<SavedToken> {
    let secret = Secret::new(secret);
    blocking(state.vault()?, move |v| {
        v.set_secret(id, &secret, shape_consent(accept_unusual_shape))
            .map(|saved| SavedToken::of(v, saved))
    })
    .await
}

/// Copies the secret and returns after how many seconds the clipboard is wiped.
#[tauri::command]
#[specta::specta]
pub async fn copy_secret(state: State<'_, AppState>, id: Uuid) -> Reply<u32> {
    let (secret, seconds) = blocking(state.vault()?, move |v| {
        let seconds = v.settings().unwrap_or_default().clipboard_clear_seconds;
        Ok::<_, AppError>((v.secret(id)?, seconds))
    })
    .await?;
    state
        .clipboard
        .copy_for(secret, Duration::from_secs(seconds.into()))?;
    Ok(seconds)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_token(state: State<'_, AppState>, id: Uuid) -> Reply<()> {
    blocking(state.vault()?, move |v| v.remove(id).map(|_| ())).await
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SettingsShown {
    pub settings: Settings,
    /// Why the saved settings could not be read; `settings` are then the defaults, and
    /// saving replaces the unreadable file.
    pub problem: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> Reply<SettingsShown> {
    blocking(state.vault()?, |v| {
        Ok::<_, AppError>(match v.settings() {
            Ok(settings) => SettingsShown {
                settings,
                problem: None,
            },
            Err(e) => SettingsShown {
                settings: Settings::default(),
                problem: Some(e.to_string()),
            },
        })
    })
    .await
}

/// Saves the settings; "start at login" is applied first, so a setting that could not
/// be applied is not saved either.
#[tauri::command]
#[specta::specta]
pub async fn save_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> Reply<Settings> {
    super::login::apply(&app, settings.start_at_login)?;
    let saved = blocking(state.vault()?, move |v| {
        v.save_settings(&settings)?;
        Ok::<_, AppError>(settings)
    })
    .await?;
    if saved.daily_check {
        // Saving the daily check on is asking for it: it runs now, wherever it goes.
        state.consent_to_checks();
        super::reminders::look_now(&app);
    }
    Ok(saved)
}

/// Writes the rotation schedule as an `.ics` calendar to the downloads folder (or the
/// home folder) and returns where.
#[tauri::command]
#[specta::specta]
pub async fn export_calendar(state: State<'_, AppState>) -> Reply<String> {
    blocking(state.vault()?, |v| {
        let dir = dirs::download_dir()
            .or_else(dirs::home_dir)
            .ok_or(AppError::NoExportFolder)?;
        let path = dir.join("patvault-rotations.ics");
        write_atomic(&path, calendar(&v.list()?, &schedule(v)).as_bytes())?;
        Ok::<_, AppError>(path.display().to_string())
    })
    .await
}

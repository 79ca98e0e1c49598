//! The live check as the window runs it: one check at a time, each token's result sent
//! over a channel as it arrives, cancellable, with an estimate beforehand; and the daily
//! check, which runs unseen while the app is open.

use chrono::Utc;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use uuid::Uuid;

use super::blocking::{Reply, blocking};
use super::notifications::notify;
use super::state::AppState;
use super::tray::show_attention;
use patvault_core::check::estimate::{CheckEstimate, DailyCost, daily_cost, estimate};
use patvault_core::check::{Depth, change, consumers};
use patvault_core::error::ErrorReport;
use patvault_core::model::record::{TokenRecord, base_id};
use patvault_core::ops::check_vault::{check_in_vault, due_for_daily_check};
use patvault_core::ops::summary::{TokenSummary, schedule, summaries};
use patvault_core::vault::{Vault, VaultError};

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckProgress {
    Started {
        total: u32,
    },
    /// One token is done; `token` carries its new report and history.
    Checked {
        done: u32,
        total: u32,
        token: Box<TokenSummary>,
        /// Why the result could not be kept in the inventory, if it could not.
        not_kept: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CheckRun {
    pub checked: u32,
    pub total: u32,
    pub cancelled: bool,
}

/// The tokens named by `ids`, or every token when `ids` is empty.
fn chosen(vault: &Vault, ids: &[Uuid]) -> Result<Vec<TokenRecord>, VaultError> {
    if ids.is_empty() {
        vault.list()
    } else {
        ids.iter().map(|id| vault.get(*id)).collect()
    }
}

/// The bases the window picked to probe in full, each a base id: they go into request
/// paths.
fn picked(bases: &[String]) -> Reply<Vec<String>> {
    bases
        .iter()
        .map(|b| base_id(b).map_err(ErrorReport::from))
        .collect()
}

/// What a check of the tokens named by `ids` (all when empty) would cost; `also` names
/// bases a check probes in full besides the intended ones.
#[tauri::command]
#[specta::specta]
pub async fn estimate_check(
    state: State<'_, AppState>,
    ids: Vec<Uuid>,
    depth: Depth,
    also: Vec<String>,
) -> Reply<CheckEstimate> {
    let also = picked(&also)?;
    blocking(state.vault()?, move |v| {
        Ok::<_, VaultError>(estimate(&chosen(v, &ids)?, depth, &also))
    })
    .await
}

/// What the daily check would cost for the whole vault, light and full.
#[tauri::command]
#[specta::specta]
pub async fn daily_check_cost(state: State<'_, AppState>) -> Reply<DailyCost> {
    blocking(state.vault()?, |v| {
        Ok::<_, VaultError>(daily_cost(&v.list()?))
    })
    .await
}

/// Checks the tokens named by `ids` (all when empty), as deep as `depth` says (see
/// `Depth`), probing the bases `also` names in full besides the intended ones. The tray
/// then shows what needs attention.
#[tauri::command]
#[specta::specta]
pub async fn check_tokens(
    app: AppHandle,
    state: State<'_, AppState>,
    ids: Vec<Uuid>,
    depth: Depth,
    also: Vec<String>,
    progress: Channel<CheckProgress>,
) -> Reply<CheckRun> {
    let also = picked(&also)?;
    let vault = state.vault()?;
    let client = state.client()?;
    let running = state.start_check()?;
    state.consent_to_checks();
    let (tokens, schedule) = blocking(vault.clone(), move |v| {
        Ok::<_, VaultError>((chosen(v, &ids)?, schedule(v)))
    })
    .await?;
    let total = tokens.len() as u32;
    let vault_after = vault.clone();
    // A closed window drops the channel; the check still finishes and keeps its results.
    let _ = progress.send(CheckProgress::Started { total });
    let mut done = 0;
    let finished = check_in_vault(
        vault,
        &client,
        tokens,
        depth,
        &also,
        &running.cancel,
        |token, report, kept| {
            done += 1;
            let mut record = token.clone();
            record.add_check(report);
            let _ = progress.send(CheckProgress::Checked {
                done,
                total,
                token: Box::new(TokenSummary::new(record, &schedule)),
                not_kept: kept.err().map(|e| e.to_string()),
            });
        },
    )
    .await;
    if let Ok(tokens) = blocking(vault_after, summaries).await {
        show_attention(&app, &tokens);
    }
    Ok(CheckRun {
        checked: done,
        total,
        cancelled: !finished,
    })
}

/// Stops the running check; the results that arrived are kept. Says whether one ran.
#[tauri::command]
#[specta::specta]
pub fn cancel_check(state: State<'_, AppState>) -> bool {
    state.cancel_check()
}

/// Checks the tokens not checked for a day, in the background: a light check unless the
/// settings ask for a full one, to spare the workspace's monthly API calls. A token whose
/// reach shrank or grew since its previous check is told in a notification, and so is a
/// place that uses a token and turned to "will fail". Skipped when
/// a check is already running: the next hourly look tries again.
pub async fn check_daily(app: &AppHandle, depth: Depth) {
    let state = app.state::<AppState>();
    let (Ok(vault), Ok(client)) = (state.vault(), state.client()) else {
        return;
    };
    if !state.unattended_checks_allowed(&client) {
        // Whoever set PATVAULT_AIRTABLE_URL must not get every token unseen: the user
        // starts a check (or turns on the daily check) in this run first.
        return log::warn!(
            "the daily check waits until you start a check: it would go to {}, not Airtable's own API",
            client.root().as_str()
        );
    }
    let Ok(running) = state.start_check() else {
        return;
    };
    let tokens = match blocking(vault.clone(), |v| v.list()).await {
        Ok(tokens) => due_for_daily_check(tokens, Utc::now()),
        Err(e) => return log::warn!("the daily check was skipped: {}", e.message),
    };
    if tokens.is_empty() {
        return;
    }
    check_in_vault(
        vault,
        &client,
        tokens,
        depth,
        &[],
        &running.cancel,
        |t, report, kept| {
            if let Err(e) = kept {
                log::warn!("the daily check of “{}” was not kept: {e}", t.intent.name);
            }
            // Compared with the previous check, so each change is told once.
            if let Some((title, body)) = report
                .changed_since_last
                .as_ref()
                .and_then(|c| change::notice(&t.intent.name, c))
            {
                notify(app, title, &body);
            }
            if let Some((title, body)) = consumers::notice_after(t, report) {
                notify(app, title, &body);
            }
        },
    )
    .await;
}

//! The guided rotation as the window runs it. The pasted secret stays here, in memory,
//! from its check to the user's confirmation: the window never needs to send it twice,
//! and cancelling forgets it. The steps themselves are `rotation::renewal` and
//! `Vault::rotate`.

use parking_lot::{Mutex, MutexGuard};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;
use uuid::Uuid;

use super::blocking::{Reply, blocking};
use super::error::AppError;
use super::state::AppState;
use patvault_core::ops::renewal::{
    NewSecretCheck, OldSecret, check_new_secret, check_old_secret, swap,
};
use patvault_core::ops::summary::{TokenSummary, summary};
use patvault_core::scopes::TOKENS_PAGE;
use patvault_core::secret::Secret;

struct Draft {
    id: Uuid,
    secret: Secret,
    check: NewSecretCheck,
}

/// The one rotation being prepared: its checked new secret, waiting for confirmation.
/// Each forget starts a new generation, so a check still running when the draft was
/// forgotten cannot store its secret afterwards.
#[derive(Default)]
pub struct RotationDraft(Mutex<DraftSlot>);

#[derive(Default)]
struct DraftSlot {
    generation: u64,
    draft: Option<Draft>,
}

impl RotationDraft {
    fn lock(&self) -> MutexGuard<'_, DraftSlot> {
        self.0.lock()
    }

    /// Forgets the waiting secret: the window that showed it is gone, or the user
    /// cancelled.
    pub fn forget(&self) {
        let mut slot = self.lock();
        slot.generation += 1;
        slot.draft = None;
    }

    /// Forgets any waiting secret and names the new generation a check will store into.
    fn begin(&self) -> u64 {
        self.forget();
        self.lock().generation
    }

    /// Keeps `draft` unless the draft was forgotten since `generation` began; says which.
    fn keep(&self, generation: u64, draft: Draft) -> bool {
        let mut slot = self.lock();
        if slot.generation != generation {
            return false;
        }
        slot.draft = Some(draft);
        true
    }
}

/// Opens Airtable's token page in the user's browser.
#[tauri::command]
#[specta::specta]
pub fn open_tokens_page(app: AppHandle) -> Reply<()> {
    app.opener()
        .open_url(TOKENS_PAGE, None::<&str>)
        .map_err(|e| AppError::Browser(e.to_string()).into())
}

/// Checks the pasted secret as the next secret of token `id`; nothing changes yet.
#[tauri::command]
#[specta::specta]
pub async fn check_new_secret_of(
    state: State<'_, AppState>,
    draft: State<'_, RotationDraft>,
    id: Uuid,
    secret: String,
) -> Reply<NewSecretCheck> {
    let secret = Secret::new(secret);
    let generation = draft.begin();
    let vault = state.vault()?;
    let record = blocking(vault.clone(), move |v| v.get(id)).await?;
    let client = state.client()?;
    let check = check_new_secret(&vault, &client, &record, &secret).await?;
    let draft_of = Draft {
        id,
        secret,
        check: check.clone(),
    };
    if !draft.keep(generation, draft_of) {
        return Err(AppError::Stale(
            "the rotation was cancelled while its new secret was being checked: paste it again to go on",
        )
        .into());
    }
    Ok(check)
}

/// Forgets the new secret of a rotation not confirmed.
#[tauri::command]
#[specta::specta]
pub fn cancel_rotation(draft: State<'_, RotationDraft>) {
    draft.forget();
}

/// Swaps in the checked new secret of token `id`. Refused when its check found a
/// reason, unless `force`. The draft is kept when the swap fails, so it can be retried.
#[tauri::command]
#[specta::specta]
pub async fn confirm_rotation(
    state: State<'_, AppState>,
    draft: State<'_, RotationDraft>,
    id: Uuid,
    force: bool,
) -> Reply<TokenSummary> {
    let (secret, check) = match draft.lock().draft.as_ref() {
        Some(d) if d.id == id => (d.secret.clone(), d.check.clone()),
        _ => {
            return Err(AppError::Stale(
                "no checked new secret is waiting for this token: paste it again",
            )
            .into());
        }
    };
    let summary = blocking(state.vault()?, move |v| {
        let swapped = swap(v, id, &secret, &check, force)?;
        if let Some(e) = swapped.check_not_kept {
            log::warn!("the new secret's check was not kept: {e}");
        }
        Ok::<_, AppError>(summary(v, v.get(id)?))
    })
    .await?;
    draft.forget();
    Ok(summary)
}

#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct OldSecretCheck {
    pub old: OldSecret,
    pub message: String,
    pub token: TokenSummary,
}

/// Asks Airtable whether the old secret of token `id` still works; a revoked one is
/// forgotten at once.
#[tauri::command]
#[specta::specta]
pub async fn check_old_secret_of(state: State<'_, AppState>, id: Uuid) -> Reply<OldSecretCheck> {
    let vault = state.vault()?;
    let client = state.client()?;
    let old = check_old_secret(&vault, &client, id).await?;
    let token = blocking(vault, move |v| Ok::<_, AppError>(summary(v, v.get(id)?))).await?;
    Ok(OldSecretCheck {
        message: old.describe(),
        old,
        token,
    })
}

/// Ends a rotation: the old secret is deleted from the keychain.
#[tauri::command]
#[specta::specta]
pub async fn forget_old_secret(state: State<'_, AppState>, id: Uuid) -> Reply<TokenSummary> {
    blocking(state.vault()?, move |v| {
        v.forget_previous(id)?;
        Ok::<_, AppError>(summary(v, v.get(id)?))
    })
    .await
}

/// Ticks off a place that now has the new secret.
#[tauri::command]
#[specta::specta]
pub async fn tick_update(
    state: State<'_, AppState>,
    id: Uuid,
    place: String,
) -> Reply<TokenSummary> {
    blocking(state.vault()?, move |v| {
        Ok::<_, AppError>(summary(v, v.tick_update(id, &place)?))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        let report: patvault_core::model::CheckReport = serde_json::from_value(serde_json::json!({
            "checked_at": "2026-12-01T10:00:00Z", "light": false, "status": "ok", "user": null,
            "can_list_bases": null, "scopes": {}, "bases": [], "drift": {
                "missing_scopes": [], "excess_scopes": [], "missing_bases": [],
                "excess_bases": null, "unknown": [], "findings": []},
            "error": null, "requests": 1
        }))
        .unwrap();
        Draft {
            id: Uuid::nil(),
            secret: Secret::new("patAbCdEfGh123456.x"),
            check: NewSecretCheck {
                old_user: None,
                report,
                lost_bases: Vec::new(),
                gained_bases: Vec::new(),
                refusals: Vec::new(),
            },
        }
    }

    #[test]
    fn a_draft_forgotten_while_its_check_ran_is_not_kept_afterwards() {
        let slot = RotationDraft::default();
        let first = slot.begin();
        slot.forget();
        assert!(!slot.keep(first, draft()));
        assert!(slot.lock().draft.is_none());
        let second = slot.begin();
        assert!(slot.keep(second, draft()));
        assert!(slot.lock().draft.is_some());
        // A newer check replaces what an older one would store.
        let older = slot.begin();
        let newer = slot.begin();
        assert!(!slot.keep(older, draft()));
        assert!(slot.keep(newer, draft()));
    }
}

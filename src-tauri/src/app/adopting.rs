//! Making reach the intent from a token's page: all the last check found, or one of its
//! findings. Nothing is asked of Airtable: the last check is the reach.

use tauri::State;
use uuid::Uuid;

use super::blocking::{Reply, blocking};
use super::error::AppError;
use super::state::AppState;
use patvault_core::model::report::Finding;
use patvault_core::ops::adopt::{Adopt, adopt_in_vault};
use patvault_core::ops::summary::{TokenSummary, summary};

/// Changes token `id`'s intent to settle `finding`, or every finding when none is given.
#[tauri::command]
#[specta::specta]
pub async fn adopt_reach(
    state: State<'_, AppState>,
    id: Uuid,
    finding: Option<Finding>,
) -> Reply<TokenSummary> {
    blocking(state.vault()?, move |v| {
        let what = finding.as_ref().map_or(Adopt::All, Adopt::Finding);
        Ok::<_, AppError>(summary(v, adopt_in_vault(v, id, what)?))
    })
    .await
}

//! How every command answers the window: the core's work run off the main thread
//! (keychain calls block), its error as the report the window branches on.

use std::sync::Arc;

use super::error::AppError;
use patvault_core::error::{ErrorReport, UserError};
use patvault_core::vault::Vault;

pub(super) type Reply<T> = Result<T, ErrorReport>;

pub(super) async fn blocking<T: Send + 'static, E: UserError + Send + 'static>(
    vault: Arc<Vault>,
    work: impl FnOnce(&Vault) -> Result<T, E> + Send + 'static,
) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(move || work(&vault))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(ErrorReport::from)
}

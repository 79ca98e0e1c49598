//! What the app holds while it runs: its configuration, the vault, the clipboard, the
//! Airtable client and the check in progress. Tauri manages it; nothing is kept in a
//! static.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

use super::clipboard::ClipboardKeeper;
use super::error::AppError;
use patvault_core::airtable::Client;
use patvault_core::config::Config;
use patvault_core::error::{ErrorReport, UserError};
use patvault_core::ops::client::open_client;
use patvault_core::vault::Vault;
use patvault_core::vault::open::open_vault;

pub struct AppState {
    config: Config,
    vault: Result<Arc<Vault>, ErrorReport>,
    pub clipboard: ClipboardKeeper,
    // Made on first use: the client's pacer needs the async runtime, which is not
    // running yet when the state is built. One client for the whole run, so every
    // check shares one pacer.
    client: OnceLock<Result<Client, ErrorReport>>,
    running: Mutex<Option<CancellationToken>>,
    /// The user started a check, or turned on the daily check, in this run: only then
    /// may the daily check send tokens to an API root that is not Airtable's own.
    checks_consented: AtomicBool,
}

impl AppState {
    pub fn open(config: Config) -> Self {
        AppState {
            vault: open_vault(&config).map(Arc::new).map_err(ErrorReport::from),
            config,
            clipboard: ClipboardKeeper::default(),
            client: OnceLock::new(),
            running: Mutex::new(None),
            checks_consented: AtomicBool::new(false),
        }
    }

    /// The user asked for a check in this run.
    pub fn consent_to_checks(&self) {
        self.checks_consented.store(true, Ordering::Relaxed);
    }

    /// Whether a check nobody asked for in this run may go to the client's API root:
    /// always for Airtable's own, otherwise only after the user asked for one.
    pub fn unattended_checks_allowed(&self, client: &Client) -> bool {
        client.root().is_airtable() || self.checks_consented.load(Ordering::Relaxed)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn vault(&self) -> Result<Arc<Vault>, ErrorReport> {
        self.vault.clone()
    }

    /// Call from async code only (see `client`).
    pub fn client(&self) -> Result<Client, ErrorReport> {
        self.client
            .get_or_init(|| open_client(&self.config).map_err(|e| e.report()))
            .clone()
    }

    /// Claims the one check slot; the claim ends when the returned value is dropped.
    pub fn start_check(&self) -> Result<RunningCheck<'_>, ErrorReport> {
        let mut running = self.running.lock();
        if running.is_some() {
            return Err(AppError::CheckRunning.report());
        }
        let cancel = CancellationToken::new();
        *running = Some(cancel.clone());
        Ok(RunningCheck {
            state: self,
            cancel,
        })
    }

    pub fn check_running(&self) -> bool {
        self.running.lock().is_some()
    }

    /// Cancels the running check, if any; says whether there was one.
    pub fn cancel_check(&self) -> bool {
        let running = self.running.lock();
        running.as_ref().inspect(|c| c.cancel()).is_some()
    }
}

pub struct RunningCheck<'a> {
    state: &'a AppState,
    pub cancel: CancellationToken,
}

impl Drop for RunningCheck<'_> {
    fn drop(&mut self) {
        *self.state.running.lock() = None;
    }
}

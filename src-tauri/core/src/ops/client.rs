//! The Airtable client a `Config` asks for, made one way for the app and the CLI: the
//! root it names (or Airtable's own) and its request timeout.

use crate::airtable::root::DEFAULT_ROOT;
use crate::airtable::{ApiRoot, Client, ClientOptions};
use crate::config::Config;
use crate::error::{ErrorKind, UserError};

/// A check cannot start: the configured API root or the HTTP client is unusable.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

impl UserError for SetupError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::CheckSetup
    }
}

/// The root `PATVAULT_AIRTABLE_URL` names, or Airtable's own; or why the one named is
/// not usable.
pub fn api_root(config: &Config) -> Result<ApiRoot, String> {
    match config.airtable_url.as_deref() {
        Some(url) if !url.trim().is_empty() => {
            ApiRoot::parse(url).map_err(|why| format!("PATVAULT_AIRTABLE_URL is not usable: {why}"))
        }
        _ => ApiRoot::parse(DEFAULT_ROOT),
    }
}

pub fn client_options(config: &Config) -> ClientOptions {
    let mut options = ClientOptions::default();
    if let Some(timeout) = config.airtable_timeout {
        options.timeout = timeout;
    }
    options
}

/// Must be called inside a tokio runtime: the client's pacer runs on it.
pub fn open_client(config: &Config) -> Result<Client, SetupError> {
    let root = api_root(config).map_err(SetupError)?;
    Client::new(root, client_options(config)).map_err(|e| SetupError(e.to_string()))
}

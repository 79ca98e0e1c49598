//! What the process was started with: where the vault lives, which keychain service it
//! uses, where checks send tokens and how long to wait. The shell builds one `Config`
//! at start (from the environment, the only place that reads it) and passes it down;
//! nothing in the core reads an environment variable.

use std::path::PathBuf;
use std::time::Duration;

use crate::program::Whereabouts;

/// The name of this build's vault. Debug and test builds use names of their own so they
/// never see a real vault.
pub const APP_ID: &str = if cfg!(debug_assertions) {
    "dev.patvault.debug"
} else {
    "dev.patvault"
};

/// How long a keychain call is waited for unless told otherwise: long enough for a
/// person to answer an unlock prompt, short enough that a keychain that never answers
/// is reported rather than waited on forever.
pub const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The folder of the inventory, settings and reminder log; None when no folder is
    /// known for this user.
    pub data_dir: Option<PathBuf>,
    /// Where the web view keeps its own storage, apart from the vault.
    pub webview_dir: Option<PathBuf>,
    pub keychain_service: String,
    pub keychain_timeout: Duration,
    /// Another API root than Airtable's own, as the user wrote it (it is parsed, and
    /// refused if unsafe, where a client is made).
    pub airtable_url: Option<String>,
    /// Another request timeout than the client's default.
    pub airtable_timeout: Option<Duration>,
    /// The user's home and configuration folders, where the scan looks for copies.
    pub home_dir: Option<PathBuf>,
    pub config_home: Option<PathBuf>,
    /// Where PAT Vault runs from, for the program configs and the login entry name.
    pub program: Whereabouts,
    /// Whether a desktop session is there to show a window in: `patvault` alone then
    /// starts the app.
    pub display: bool,
    /// Where secrets are kept for this process, over the vault's own choice (`store.json`).
    pub store: Option<String>,
    /// Where the file store's key may come from (`vault::identity`).
    pub identity: IdentityPlaces,
}

/// Where the file store's age identity may be found, before the user's own
/// configuration folder (`config_home`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityPlaces {
    /// A systemd service's credentials (`$CREDENTIALS_DIRECTORY`).
    pub credentials_dir: Option<PathBuf>,
    /// A file the environment names (`PATVAULT_IDENTITY_FILE`): a container's or a CI
    /// runner's secret mount. A path, never the key itself.
    pub file: Option<PathBuf>,
}

impl Config {
    /// The defaults of this build for a user whose data and cache folders are these.
    pub fn defaults(data_home: Option<PathBuf>, cache_home: Option<PathBuf>) -> Self {
        Config {
            data_dir: data_home.map(|d| d.join(APP_ID)),
            webview_dir: cache_home.map(|d| d.join(APP_ID).join("webview")),
            keychain_service: APP_ID.to_owned(),
            keychain_timeout: KEYCHAIN_TIMEOUT,
            airtable_url: None,
            airtable_timeout: None,
            home_dir: None,
            config_home: None,
            program: Whereabouts::default(),
            display: false,
            store: None,
            identity: IdentityPlaces::default(),
        }
    }
}

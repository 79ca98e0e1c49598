//! The process's environment, read once at start into the `Config` every layer is
//! given. docs/development.md's "Environment" lists these variables; nothing else reads
//! one (`hardening` only removes the web view's automation switch from release builds).

use std::time::Duration;

use crate::config::Config;

pub const DATA_DIR: &str = "PATVAULT_DATA_DIR";
pub const KEYCHAIN_SERVICE: &str = "PATVAULT_KEYCHAIN_SERVICE";
pub const KEYCHAIN_TIMEOUT_SECS: &str = "PATVAULT_KEYCHAIN_TIMEOUT_SECS";
pub const AIRTABLE_URL: &str = "PATVAULT_AIRTABLE_URL";
pub const AIRTABLE_TIMEOUT_SECS: &str = "PATVAULT_AIRTABLE_TIMEOUT_SECS";
pub const PROGRAM: &str = "PATVAULT_PROGRAM";
/// Set by an AppImage's runtime to the AppImage itself, and to its mount.
pub const APPIMAGE: &str = "APPIMAGE";
pub const APPDIR: &str = "APPDIR";
pub const STORE: &str = "PATVAULT_STORE";
pub const IDENTITY_FILE: &str = "PATVAULT_IDENTITY_FILE";
/// Set by systemd for a service given credentials (`LoadCredential=`).
pub const CREDENTIALS_DIRECTORY: &str = "CREDENTIALS_DIRECTORY";
/// An X11 or a Wayland session, where a window can be shown.
pub const DISPLAY: &str = "DISPLAY";
pub const WAYLAND_DISPLAY: &str = "WAYLAND_DISPLAY";

/// The configuration this process runs with.
pub fn config() -> Config {
    let mut config = Config {
        home_dir: dirs::home_dir(),
        config_home: dirs::config_dir(),
        ..config_from(
            |name| std::env::var(name).ok(),
            dirs::data_dir(),
            dirs::cache_dir(),
        )
    };
    config.program.running = std::env::current_exe().ok();
    config.program.search_path = std::env::var_os("PATH");
    config.program.temp = std::env::temp_dir();
    config
}

/// The configuration from variables `var` finds, over the defaults for a user whose
/// data and cache folders are these. Empty values count as unset.
pub fn config_from(
    var: impl Fn(&str) -> Option<String>,
    data_home: Option<std::path::PathBuf>,
    cache_home: Option<std::path::PathBuf>,
) -> Config {
    let var = |name| var(name).filter(|v: &String| !v.trim().is_empty());
    let mut config = Config::defaults(data_home, cache_home);
    if let Some(dir) = var(DATA_DIR) {
        config.data_dir = Some(dir.into());
    }
    if let Some(service) = var(KEYCHAIN_SERVICE) {
        config.keychain_service = service;
    }
    if let Some(secs) = var(KEYCHAIN_TIMEOUT_SECS).and_then(|s| s.trim().parse().ok()) {
        config.keychain_timeout = Duration::from_secs(secs);
    }
    config.airtable_url = var(AIRTABLE_URL);
    config.airtable_timeout = var(AIRTABLE_TIMEOUT_SECS)
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64);
    config.program.chosen = var(PROGRAM).map(Into::into);
    config.program.appimage = var(APPIMAGE).map(Into::into);
    config.program.appdir = var(APPDIR).map(Into::into);
    config.store = var(STORE).map(|s| s.trim().to_owned());
    config.identity.credentials_dir = var(CREDENTIALS_DIRECTORY).map(Into::into);
    config.identity.file = var(IDENTITY_FILE).map(Into::into);
    // Elsewhere a desktop is always there to open a window in.
    config.display = !cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) || var(DISPLAY).is_some()
        || var(WAYLAND_DISPLAY).is_some();
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::PathBuf;

    fn from(vars: &[(&str, &str)]) -> Config {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config_from(
            |name| vars.get(name).cloned(),
            Some(PathBuf::from("/home/u/.local/share")),
            Some(PathBuf::from("/home/u/.cache")),
        )
    }

    #[test]
    fn nothing_set_gives_this_builds_defaults() {
        let config = from(&[]);
        let app = crate::config::APP_ID;
        assert_eq!(
            config.data_dir,
            Some(PathBuf::from("/home/u/.local/share").join(app))
        );
        assert_eq!(
            config.webview_dir,
            Some(PathBuf::from("/home/u/.cache").join(app).join("webview"))
        );
        assert_eq!(config.keychain_service, app);
        assert_eq!(config.keychain_timeout, crate::config::KEYCHAIN_TIMEOUT);
        assert_eq!((config.airtable_url, config.airtable_timeout), (None, None));
    }

    #[test]
    fn each_variable_sets_its_part_and_nonsense_is_ignored() {
        let config = from(&[
            (DATA_DIR, "/tmp/vault"),
            (KEYCHAIN_SERVICE, "test-service"),
            (KEYCHAIN_TIMEOUT_SECS, "3"),
            (AIRTABLE_URL, "http://127.0.0.1:9"),
            (AIRTABLE_TIMEOUT_SECS, "0.5"),
        ]);
        assert_eq!(config.data_dir, Some(PathBuf::from("/tmp/vault")));
        assert_eq!(config.keychain_service, "test-service");
        assert_eq!(config.keychain_timeout, Duration::from_secs(3));
        assert_eq!(config.airtable_url.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(config.airtable_timeout, Some(Duration::from_millis(500)));
        let headless = from(&[
            (STORE, " file "),
            (IDENTITY_FILE, "/run/secrets/key"),
            (CREDENTIALS_DIRECTORY, "/run/credentials/x.service"),
        ]);
        assert_eq!(headless.store.as_deref(), Some("file"));
        assert_eq!(
            headless.identity.file,
            Some(PathBuf::from("/run/secrets/key"))
        );
        assert_eq!(
            headless.identity.credentials_dir,
            Some(PathBuf::from("/run/credentials/x.service"))
        );
        assert!(!headless.display || !cfg!(target_os = "linux"));
        assert!(from(&[(WAYLAND_DISPLAY, "wayland-0")]).display);
        assert!(from(&[(DISPLAY, ":0")]).display);
        let odd = from(&[
            (DATA_DIR, ""),
            (KEYCHAIN_TIMEOUT_SECS, "soon"),
            (AIRTABLE_TIMEOUT_SECS, "-1"),
            (AIRTABLE_URL, "  "),
            (STORE, " "),
            (DISPLAY, ""),
        ]);
        assert_eq!(odd, from(&[]));
    }
}

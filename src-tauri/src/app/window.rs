//! The main window comes and goes: closing it (with "keep in the tray" on) destroys the
//! web view so the resident app stays small, and the tray, a second start or a
//! notification builds it again from the configuration, optionally on one token.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};
use tauri_specta::Event;
use uuid::Uuid;

use super::state::AppState;

pub(super) const MAIN: &str = "main";

/// Asks an open window to show a token's page.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
pub struct OpenToken {
    pub id: Uuid,
}

/// Shows the main window, building it when it was closed, on `token`'s page if given.
pub fn show_main(app: &AppHandle, token: Option<Uuid>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        if let Some(id) = token {
            let _ = OpenToken { id }.emit(app);
        }
        return;
    }
    let Some(mut config) = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .cloned()
    else {
        return;
    };
    // A new page cannot hear an event sent before it loads: it reads the token here.
    if let Some(id) = token {
        config.url = WebviewUrl::App(format!("index.html#token={id}").into());
    }
    let built = WebviewWindowBuilder::from_config(app, &config).and_then(|builder| {
        match app.state::<AppState>().config().webview_dir.clone() {
            Some(dir) => builder.data_directory(dir),
            None => builder,
        }
        .build()
    });
    match built {
        Ok(window) => light_web_view(&window),
        Err(e) => log::warn!("the window could not be opened: {e}"),
    }
}

/// What costs memory here and gains nothing: a list and a few forms need no page cache
/// (WebKit's smallest cache model) and no WebGL, and where there is no GPU compositing
/// only emulates one in software (see `graphics`): drawing without it saves about 70 MB
/// (see the footprint figures in docs/performance.md).
#[cfg(target_os = "linux")]
fn light_web_view(window: &tauri::WebviewWindow) {
    let without_gpu = !super::graphics::has_gpu();
    let changed = window.with_webview(move |view| {
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
        };
        let view = view.inner();
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_enable_webgl(false);
            if without_gpu {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        }
    });
    if let Err(e) = changed {
        log::warn!("the web view's settings could not be changed: {e}");
    }
}

#[cfg(not(target_os = "linux"))]
fn light_web_view(_window: &tauri::WebviewWindow) {}

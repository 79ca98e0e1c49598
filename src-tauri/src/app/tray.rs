//! The tray icon. Its menu lists the tokens that need attention, each opening the app on
//! its page, so a reminder can be acted on without hunting for the token.

use parking_lot::Mutex;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use uuid::Uuid;

use super::window::show_main;
use patvault_core::ops::summary::TokenSummary;

const TRAY: &str = "main";
const OPEN: &str = "open";
const QUIT: &str = "quit";
const TOKEN: &str = "token:";

pub fn start(app: &AppHandle) -> tauri::Result<()> {
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip("PAT Vault")
        .menu(&menu(app, &[])?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| {
            let id = event.id().as_ref();
            if id == OPEN {
                show_main(app, None);
            } else if id == QUIT {
                app.exit(0);
            } else if let Some(token) = id.strip_prefix(TOKEN) {
                show_main(app, Uuid::parse_str(token).ok());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// The lines the tray's menu shows now, so it is rebuilt only when they change.
#[derive(Default)]
pub struct TrayShown(Mutex<Option<Vec<(Uuid, String)>>>);

pub fn has_tray(app: &AppHandle) -> bool {
    app.tray_by_id(TRAY).is_some()
}

/// Puts the tokens that need attention into the tray's menu. The window reads the list
/// on every focus: the menu is rebuilt only when what it shows has changed.
pub fn show_attention(app: &AppHandle, tokens: &[TokenSummary]) {
    let (Some(tray), Some(shown)) = (app.tray_by_id(TRAY), app.try_state::<TrayShown>()) else {
        return;
    };
    let needing: Vec<&TokenSummary> = tokens.iter().filter(|t| !t.why.is_empty()).collect();
    let lines: Vec<(Uuid, String)> = needing.iter().map(|t| (t.id, label(t))).collect();
    let mut shown = shown.0.lock();
    if shown.as_ref() == Some(&lines) {
        return;
    }
    let tooltip = match needing.len() {
        0 => "PAT Vault: nothing needs attention".to_owned(),
        1 => "PAT Vault: 1 token needs attention".to_owned(),
        n => format!("PAT Vault: {n} tokens need attention"),
    };
    let updated = menu(app, &needing).and_then(|m| {
        tray.set_menu(Some(m))?;
        tray.set_tooltip(Some(&tooltip))
    });
    match updated {
        Ok(()) => *shown = Some(lines),
        Err(e) => log::warn!("the tray menu could not be updated: {e}"),
    }
}

fn label(token: &TokenSummary) -> String {
    format!("{}: {}", token.name, token.why.join("; "))
}

fn menu(app: &AppHandle, needing: &[&TokenSummary]) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(
        app,
        OPEN,
        "Open PAT Vault",
        true,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    if needing.is_empty() {
        menu.append(&MenuItem::new(
            app,
            "Nothing needs attention",
            false,
            None::<&str>,
        )?)?;
    }
    for token in needing {
        menu.append(&MenuItem::with_id(
            app,
            format!("{TOKEN}{}", token.id),
            label(token),
            true,
            None::<&str>,
        )?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        QUIT,
        "Quit PAT Vault",
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

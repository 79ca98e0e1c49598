//! Copying a secret happens here, in Rust, never through the web view. The copy is
//! marked for clipboard managers and the OS history to leave out, and wiped after a
//! delay, or when the app quits before that, unless the clipboard changed meanwhile (the
//! user copied something else, or another token was copied since).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use super::error::AppError;
use patvault_core::secret::Secret;

#[derive(Default)]
pub struct ClipboardKeeper {
    // Kept alive for the whole run: on X11 the copying process serves the clipboard.
    board: Arc<Mutex<Option<arboard::Clipboard>>>,
    /// The last secret copied, until it is wiped: the app's exit wipes it early.
    copied: Arc<Mutex<Option<Secret>>>,
    generation: Arc<AtomicU64>,
}

fn clipboard_error(e: arboard::Error) -> AppError {
    AppError::Clipboard(format!("the clipboard is not available: {e}"))
}

/// Sets the text with the marks that keep it out of clipboard histories: KDE's
/// `x-kde-passwordManagerHint` (the convention Linux clipboard managers follow),
/// macOS's concealed type, Windows' history, cloud and monitoring exclusions.
fn set_unrecorded(board: &mut arboard::Clipboard, text: &str) -> Result<(), arboard::Error> {
    let set = board.set();
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    let set = arboard::SetExtLinux::exclude_from_history(set);
    #[cfg(target_os = "macos")]
    let set = arboard::SetExtApple::exclude_from_history(set);
    #[cfg(windows)]
    let set = {
        use arboard::SetExtWindows;
        set.exclude_from_monitoring()
            .exclude_from_cloud()
            .exclude_from_history()
    };
    set.text(text)
}

/// Clears the clipboard if it still holds `secret`; another program's text stays.
fn wipe_if_ours(board: &Mutex<Option<arboard::Clipboard>>, secret: &Secret) {
    let mut guard = board.lock();
    if let Some(board) = guard.as_mut() {
        let still_ours = board
            .get_text()
            .map(|t| zeroize::Zeroizing::new(t).as_str() == secret.expose())
            .unwrap_or(false);
        if still_ours {
            let _ = board.clear();
        }
    }
}

impl ClipboardKeeper {
    pub fn copy_for(&self, secret: Secret, keep: Duration) -> Result<(), AppError> {
        {
            let mut guard = self.board.lock();
            if guard.is_none() {
                *guard = Some(arboard::Clipboard::new().map_err(clipboard_error)?);
            }
            let board = guard.as_mut().expect("just set");
            set_unrecorded(board, secret.expose()).map_err(clipboard_error)?;
        }
        *self.copied.lock() = Some(secret.clone());
        let copy = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let board = Arc::clone(&self.board);
        let copied = Arc::clone(&self.copied);
        let generation = Arc::clone(&self.generation);
        std::thread::spawn(move || {
            std::thread::sleep(keep);
            if generation.load(Ordering::SeqCst) != copy {
                return;
            }
            wipe_if_ours(&board, &secret);
            *copied.lock() = None;
        });
        Ok(())
    }

    /// A copied secret waits to be wiped.
    pub fn holds_secret(&self) -> bool {
        self.copied.lock().is_some()
    }

    /// Wipes a copied secret whose delay has not run out, as the app quits.
    pub fn wipe_now(&self) {
        let copied = self.copied.lock().take();
        if let Some(secret) = copied {
            self.generation.fetch_add(1, Ordering::SeqCst);
            wipe_if_ours(&self.board, &secret);
        }
    }
}

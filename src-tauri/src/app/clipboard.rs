//! Copying a secret happens here, in Rust, never through the web view. The copy is
//! wiped after a delay unless the clipboard changed meanwhile (the user copied
//! something else, or another token was copied since).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::VaultError;
use crate::secret::Secret;

#[derive(Default)]
pub struct ClipboardKeeper {
    // Kept alive for the whole run: on X11 the copying process serves the clipboard.
    board: Arc<Mutex<Option<arboard::Clipboard>>>,
    generation: Arc<AtomicU64>,
}

fn clipboard_error(e: arboard::Error) -> VaultError {
    VaultError::Clipboard(format!("the clipboard is not available: {e}"))
}

impl ClipboardKeeper {
    pub fn copy_for(&self, secret: Secret, keep: Duration) -> Result<(), VaultError> {
        {
            let mut guard = self.board.lock().unwrap_or_else(|p| p.into_inner());
            if guard.is_none() {
                *guard = Some(arboard::Clipboard::new().map_err(clipboard_error)?);
            }
            let board = guard.as_mut().expect("just set");
            board.set_text(secret.expose()).map_err(clipboard_error)?;
        }
        let copy = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let board = Arc::clone(&self.board);
        let generation = Arc::clone(&self.generation);
        std::thread::spawn(move || {
            std::thread::sleep(keep);
            if generation.load(Ordering::SeqCst) != copy {
                return;
            }
            let mut guard = board.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(board) = guard.as_mut() {
                let still_ours = board
                    .get_text()
                    .map(|t| zeroize::Zeroizing::new(t).as_str() == secret.expose())
                    .unwrap_or(false);
                if still_ours {
                    let _ = board.clear();
                }
            }
        });
        Ok(())
    }
}

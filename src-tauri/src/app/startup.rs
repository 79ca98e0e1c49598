//! How fast the window shows its tokens, told by the page itself once the list is on
//! screen (not when the window maps): logged, so `scripts/footprint.sh` can read it.

/// The page painted its first list of `tokens` tokens at `at_ms` (the page's clock:
/// milliseconds since the epoch).
#[tauri::command]
#[specta::specta]
pub fn list_painted(at_ms: f64, tokens: u32) {
    log::info!("the list of {tokens} tokens was painted at {at_ms:.0} ms since the epoch");
}

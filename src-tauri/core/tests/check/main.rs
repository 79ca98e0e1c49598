//! The check against the fake Airtable, through the core alone: no keychain, no window,
//! no Tauri. The accounts come from `fake_airtable::world`; `support` turns intents into
//! checks.

mod answers;
mod estimate;
mod faults;
mod once;
mod reach;
mod support;

//! PAT Vault's core: everything the app and the CLI share, and nothing of either. The
//! compiler keeps it free of Tauri: this crate does not depend on it. Layers, bottom
//! first; each uses only those below it:
//!
//! 1. `secret`, `scopes`, `consumers` (the programs that use tokens, and their needs),
//!    `model` (records and check reports), `config` (and `environment`, which builds it
//!    from the process's variables), `hardening` (what a process does to itself first),
//!    `files` (durable writes), `program` (which program configs may run), `settings` and
//!    `error` (what crosses to a user);
//! 2. `vault` (keychain + inventory) and `airtable` (the paced HTTP client);
//! 3. `check` (what a token can reach), `rotation` (dates, reminders, calendar), `scan`
//!    (copies of tokens in files) and `wire` (configs changed to take tokens from the
//!    vault);
//! 4. `ops`: what needs both a vault and Airtable, or a vault and the rotation dates.

pub mod airtable;
pub mod check;
pub mod config;
pub mod consumers;
pub mod environment;
pub mod error;
pub mod files;
pub mod hardening;
pub mod model;
pub mod ops;
pub mod program;
pub mod rotation;
pub mod scan;
pub mod scopes;
pub mod secret;
pub mod settings;
pub mod vault;
pub mod wire;

#[cfg(test)]
mod test_tokens;

//! What needs more than one layer below: a vault and Airtable (checking the vault's
//! tokens, a rotation's live checks and its swap), or a vault and the rotation dates
//! (listing), or copies on disk and the vault (the scan). The app and the CLI call
//! these, so each exists once.

pub mod adopt;
pub mod backups;
pub mod check_vault;
pub mod client;
pub mod health;
pub mod import;
pub mod leak;
pub mod mcp;
pub mod migrate;
pub mod owners;
pub mod renewal;
pub mod scan;
pub mod scanning;
pub mod summary;
pub mod undo;

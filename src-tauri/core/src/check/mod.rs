//! The live check: what a token can actually reach, verdict by verdict, and how that
//! differs from what it is meant to reach. Runs one token or all of them concurrently,
//! paced by the Airtable client. Knows tokens only by their intent: finding their
//! secrets in the vault is `ops::check_vault`'s work.

pub mod adopt;
mod base;
pub mod catalog;
pub mod change;
pub mod consumers;
mod drift;
pub mod estimate;
mod probe;
pub mod run;
mod scope;
mod site;
mod targets;
mod witness;

pub use probe::Depth;
pub use run::{CheckJob, check_many, check_secret};

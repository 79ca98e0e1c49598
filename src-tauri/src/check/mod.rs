//! The live check: what a token can actually reach, verdict by verdict, and how that
//! differs from what it is meant to reach. Runs one token or all of them concurrently,
//! paced by the Airtable client. No tauri here.

mod drift;
pub mod estimate;
mod probe;
pub mod report;
pub mod run;
pub mod vault_run;
pub mod verdict;

pub use report::{CheckEntry, CheckReport, CheckStatus};
pub use run::{CheckJob, check_many};
pub use verdict::Verdict;

//! The data every layer speaks: a token's record (its intent and its history) and the
//! report a check leaves on it. Plain data and its own validation, nothing else: the
//! vault stores it, the check writes reports, rotation reads dates from it.

pub mod consumer;
pub mod place;
pub mod record;
pub mod report;
pub mod verdict;

pub use report::{CheckEntry, CheckReport, CheckStatus};
pub use verdict::Verdict;

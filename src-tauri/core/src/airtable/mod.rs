//! Speaking to the Airtable Web API as `airtable-api.md` describes: typed requests and
//! answers, pacing under both rate limits, a timeout on every request, bounded retries.
//! No tauri here.

pub mod client;
pub mod error;
pub mod models;
pub mod pacer;
pub mod root;
pub mod text;

pub use client::{Client, ClientOptions};
pub use error::ApiError;
pub use pacer::Spender;
pub use root::ApiRoot;

//! Tokens the core's unit tests share: two well-formed secrets (never real ones) and a
//! vault record for a token ID.

use chrono::{NaiveDate, Utc};

use crate::model::record::{TokenIntent, TokenRecord};

pub const SECRET: &str =
    "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
pub const OTHER: &str =
    "patZyXwVuTs987654.fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

/// A vault token named `name` whose token ID is `token_id`.
pub fn record(name: &str, token_id: &str) -> TokenRecord {
    TokenRecord::new(
        TokenIntent::named(name, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
        Some(token_id.to_owned()),
        Utc::now(),
    )
}

//! Copies found on disk, matched to the vault by token ID: which token each one is,
//! and whether it is stale, i.e. an ID the token was rotated away from.

use serde::Serialize;

use crate::model::record::TokenRecord;
use crate::scan::Hit;

/// One copy as `patvault scan --json` prints it. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Copy {
    pub path: String,
    pub line: u32,
    pub token_id: String,
    /// The vault token this copy is of; None when the vault has no such token.
    pub token: Option<String>,
    /// The whole secret is in the file, readable by whoever reads the file.
    pub plaintext: bool,
    /// A token ID the vault's token was rotated away from: this copy no longer works.
    pub stale: bool,
    /// The MCP server entry it is configured for, in a client's config.
    pub server: Option<String>,
    /// The environment variable (or key) that holds it.
    pub variable: Option<String>,
}

/// The copies, and a sentence for each token ID that matches more than one vault token
/// (then no token is named for it).
pub fn match_copies(hits: Vec<Hit>, records: &[TokenRecord]) -> (Vec<Copy>, Vec<String>) {
    let mut ambiguous = Vec::new();
    let copies = hits
        .into_iter()
        .map(|hit| {
            let id = Some(hit.token_id.as_str());
            let current: Vec<&TokenRecord> = records
                .iter()
                .filter(|r| r.token_id.as_deref() == id)
                .collect();
            let rotated_from: Vec<&TokenRecord> = records
                .iter()
                .filter(|r| r.token_id.as_deref() != id)
                .filter(|r| r.rotations.iter().any(|x| x.from.as_deref() == id))
                .collect();
            let (token, stale) = match (current.as_slice(), rotated_from.as_slice()) {
                ([one], _) => (Some(one.intent.name.clone()), false),
                ([], [one]) => (Some(one.intent.name.clone()), true),
                ([], []) => (None, false),
                (current, rotated) => {
                    let many = if current.is_empty() { rotated } else { current };
                    let names: Vec<&str> = many.iter().map(|r| r.intent.name.as_str()).collect();
                    let sentence = format!(
                        "the token ID {} matches more than one vault token ({}): remove or rename the duplicate",
                        hit.token_id,
                        names.join(", ")
                    );
                    if !ambiguous.contains(&sentence) {
                        ambiguous.push(sentence);
                    }
                    (None, false)
                }
            };
            Copy {
                path: hit.place,
                line: u32::try_from(hit.line).unwrap_or(u32::MAX),
                token_id: hit.token_id,
                token,
                plaintext: hit.plaintext,
                stale,
                server: hit.context.server,
                variable: hit.context.variable,
            }
        })
        .collect();
    (copies, ambiguous)
}

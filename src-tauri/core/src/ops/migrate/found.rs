//! What migrate finds in a file: a value that is one whole secret, the vault token it
//! belongs to, and the plan a file's kind makes of them.

use std::path::Path;

use crate::model::record::TokenRecord;
use crate::ops::scan::{Owner, ambiguity, owner};
use crate::scan::find::find;
use crate::wire::WireError;

/// A file's new text, what will change and what stays, in words.
pub(super) type Planned = (String, Vec<String>, Vec<String>);

/// The token ID of `value` when it is one whole secret and nothing else.
pub(super) fn whole_secret(value: &str) -> Option<String> {
    let found = find(value.trim().as_bytes());
    let [one] = found.as_slice() else { return None };
    let rest = &value.trim()[one.token_id.len()..];
    let whole = one.offset == 0
        && one.plaintext
        && rest
            .strip_prefix('.')
            .is_some_and(|s| s.bytes().all(|b| b.is_ascii_alphanumeric()));
    whole.then(|| one.token_id.clone())
}

/// The vault token a secret's ID belongs to (now or before a rotation).
pub(super) fn token_of<'a>(
    path: &Path,
    token_id: &str,
    records: &'a [TokenRecord],
) -> Result<Option<&'a TokenRecord>, WireError> {
    match owner(token_id, records) {
        Owner::Current(r) | Owner::RotatedFrom(r) => Ok(Some(r)),
        Owner::Unknown => Ok(None),
        Owner::Many(many) => Err(WireError::Refused {
            path: path.to_path_buf(),
            why: ambiguity(token_id, &many),
        }),
    }
}

//! A token's secret in memory, and what its shape says about it.
//!
//! The secret is wiped from memory when dropped and never prints: `Debug` and `Display`
//! show `pat…****`, so a stray `{:?}` in an error or a log cannot leak it.

use std::fmt;
use zeroize::Zeroizing;

#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Takes a pasted or piped secret; surrounding white space (a trailing newline from a
    /// pipe, a space from a sloppy copy) is never part of a token.
    pub fn new(raw: impl Into<String>) -> Self {
        let raw = Zeroizing::new(raw.into());
        Secret(Zeroizing::new(raw.trim().to_owned()))
    }

    /// The only way to see the secret: at the keychain and the `exec` boundary.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Checks the shape as `airtable-api.md` describes: a PAT passes, a legacy API key
    /// is refused, anything else is a warning the user may override.
    pub fn shape(&self) -> Shape {
        let s = self.expose();
        if s.is_empty() {
            return Shape::Refused("the secret is empty: paste the whole token".into());
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Shape::Refused(
                "the secret contains spaces or line breaks: paste the token alone".into(),
            );
        }
        if s.len() == 17 && s.starts_with("key") && s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Shape::Refused(format!(
                "this is a legacy Airtable API key (key…); those stopped working on 2024-02-01. \
                 Create a personal access token at {} instead",
                crate::scopes::TOKENS_PAGE
            ));
        }
        if let Some(id) = pat_id(s) {
            return Shape::Pat { token_id: id };
        }
        if s.contains(".v1.") {
            return Shape::Unusual(
                "this looks like an OAuth access token, which expires within about an hour, \
                 not a personal access token"
                    .into(),
            );
        }
        Shape::Unusual(
            "this does not look like an Airtable personal access token \
             (pat + 14 letters or digits, a dot, 64 hex digits)"
                .into(),
        )
    }
}

impl Secret {
    /// The token ID a copy of this secret can be known by: a PAT's, or for an unusual
    /// secret that still starts with `pat` and has a dot, the part before the first dot.
    pub fn token_id(&self) -> Option<String> {
        let s = self.expose();
        if let Some(id) = pat_id(s) {
            return Some(id);
        }
        let (id, _) = s.split_once('.')?;
        (id.starts_with("pat") && id.len() > 3).then(|| id.to_owned())
    }
}

/// Whether `text` holds a secret: a whole PAT, or a PAT's second half after a dot (as in
/// a PAT with its ID mistyped). A bare run of 64 hex digits may be a checksum, and
/// passes. Such text is refused where it would be kept, shown or repeated in the clear.
pub fn holds_a_secret(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .map(|word| word.trim_matches('.'))
        .any(|word| pat_id(word).is_some() || word.split('.').skip(1).any(is_a_secret_half))
}

/// Whether a word of `text` is a PAT's second half alone: for text that is never a
/// checksum's place, as a token's name.
pub fn holds_a_secret_half(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(is_a_secret_half)
}

/// Whether `text` is a PAT's second half alone: 64 lowercase hex digits.
pub fn is_a_secret_half(text: &str) -> bool {
    text.len() == 64
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, 'a'..='f'))
}

/// The token ID of a well-formed PAT: the part before the dot, safe to show.
fn pat_id(s: &str) -> Option<String> {
    let (id, secret) = s.split_once('.')?;
    let id_ok = id.len() == 17
        && id.starts_with("pat")
        && id[3..].chars().all(|c| c.is_ascii_alphanumeric());
    (id_ok && is_a_secret_half(secret)).then(|| id.to_owned())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Pat { token_id: String },
    Unusual(String),
    Refused(String),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pat…****")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pat…****")
    }
}

#[cfg(test)]
mod tests {
    use super::{holds_a_secret, holds_a_secret_half, is_a_secret_half};

    #[test]
    fn a_secret_is_found_inside_text_and_ids_and_checksums_are_not_secrets() {
        let hex = "0123456789abcdef".repeat(4);
        let pat = format!("patAbcdefghijklm1.{hex}");
        assert!(holds_a_secret(&pat));
        assert!(holds_a_secret(&format!("CRM sync ({pat})")));
        assert!(holds_a_secret(&format!("AIRTABLE_API_KEY={pat}.")));
        assert!(holds_a_secret(&format!("patAbcdefghijkl.{hex}")));
        assert!(!holds_a_secret("patAbcdefghijklm1"));
        assert!(!holds_a_secret("patterns.md sync, appAAAAAAAAAAAAAA"));
        assert!(!holds_a_secret(&format!("sha256 {hex}")));
        assert!(!holds_a_secret(&format!("commit {}", &hex[..40])));
        assert!(!holds_a_secret(&format!("/var/lib/docker/overlay2/{hex}")));
        assert!(is_a_secret_half(&hex));
        assert!(!is_a_secret_half(&hex.to_uppercase()));
        assert!(!is_a_secret_half(&hex[..63]));
        assert!(holds_a_secret_half(&format!("CRM ({hex})")));
        assert!(!holds_a_secret_half(&format!("CRM {}", &hex[..40])));
    }

    #[test]
    fn an_unusual_secret_that_starts_like_a_pat_keeps_its_token_id() {
        use super::Secret;
        assert_eq!(
            Secret::new("patAbCdEfGh123456.notHexAtAll")
                .token_id()
                .as_deref(),
            Some("patAbCdEfGh123456")
        );
        assert_eq!(
            Secret::new("patShort.x").token_id().as_deref(),
            Some("patShort")
        );
        assert_eq!(Secret::new("eyJhbGciOi.x.y").token_id(), None);
        assert_eq!(Secret::new("patAbCdEfGh123456").token_id(), None);
    }

    use super::*;

    const PAT: &str =
        "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn a_pat_passes_and_yields_its_id() {
        assert_eq!(
            Secret::new(format!("  {PAT}\n")).shape(),
            Shape::Pat {
                token_id: "patAbCdEfGh123456".into()
            }
        );
    }

    #[test]
    fn a_legacy_key_is_refused_with_the_reason() {
        match Secret::new("keyAbCdEfGh123456").shape() {
            Shape::Refused(why) => assert!(why.contains("2024-02-01"), "{why}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn other_shapes_warn_but_are_not_refused() {
        assert!(matches!(
            Secret::new("pat123.short").shape(),
            Shape::Unusual(_)
        ));
        assert!(matches!(
            Secret::new(PAT.to_uppercase()).shape(),
            Shape::Unusual(_)
        ));
        match Secret::new("abc.v1.payload.0123").shape() {
            Shape::Unusual(why) => assert!(why.contains("OAuth")),
            other => panic!("expected a warning, got {other:?}"),
        }
    }

    #[test]
    fn empty_or_broken_pastes_are_refused() {
        assert!(matches!(Secret::new(" \n").shape(), Shape::Refused(_)));
        assert!(matches!(
            Secret::new("pat1 pat2").shape(),
            Shape::Refused(_)
        ));
    }

    #[test]
    fn the_secret_never_prints() {
        let s = Secret::new(PAT);
        assert_eq!(format!("{s:?} {s}"), "pat…**** pat…****");
        assert!(!format!("{:?}", Some(&s)).contains("0123456789abcdef"));
    }
}

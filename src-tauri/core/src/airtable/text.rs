//! Text that came from the server, made safe to keep and to print: a base name with
//! escape sequences must not rewrite a terminal, and an answer that echoes the token
//! (a hostile proxy, a broken server) must not carry it into the inventory or a report.

use crate::secret::Secret;

/// The longest server text kept; names and messages are far shorter.
const LONGEST: usize = 500;
const REDACTED: &str = "[redacted]";

/// `text` without control characters, without the secret (whole, or its part after the
/// dot), and cut to a sane length.
pub fn clean(text: &str, secret: &Secret) -> String {
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(LONGEST)
        .collect();
    let whole = secret.expose();
    let tail = whole.split_once('.').map(|(_, t)| t).unwrap_or(whole);
    for needle in [whole, tail] {
        // Short needles would redact innocent text; a real secret is long.
        if needle.len() >= 16 {
            out = out.replace(needle, REDACTED);
        }
    }
    out
}

/// An `error.type` as Airtable spells its types, `[A-Z_]{1,64}`; anything else is not
/// repeated.
pub fn error_type(kind: &str) -> String {
    let plausible =
        (1..=64).contains(&kind.len()) && kind.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
    if plausible {
        kind.to_owned()
    } else {
        "(an unreadable error type)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAT: &str =
        "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn control_characters_and_the_secret_are_taken_out() {
        let secret = Secret::new(PAT);
        let tail = &PAT[18..];
        assert_eq!(
            clean("Sales\u{1b}[2J\u{1b}]0;owned\u{7}\r\n CRM", &secret),
            "Sales[2J]0;owned CRM"
        );
        assert_eq!(
            clean(&format!("Bearer {PAT} and {tail}!"), &secret),
            "Bearer [redacted] and [redacted]!"
        );
        assert_eq!(clean(&"x".repeat(10_000), &secret).len(), LONGEST);
        assert_eq!(error_type("TABLE_NOT_FOUND"), "TABLE_NOT_FOUND");
        assert_eq!(error_type(PAT), "(an unreadable error type)");
        assert_eq!(error_type("lower"), "(an unreadable error type)");
        assert_eq!(error_type(&"A".repeat(65)), "(an unreadable error type)");
    }
}

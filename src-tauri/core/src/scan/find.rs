//! Finds Airtable tokens in text: a token ID (`pat` + 14 letters or digits, which is not
//! secret) alone, or followed by a dot and the secret part, i.e. the whole secret in
//! plaintext. Only the token ID leaves `find`; `secret_on_line` hands a whole secret
//! over only for an import, straight into a `Secret`.

use memchr::memmem;

use crate::secret::Secret;

/// One token found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// 1-based.
    pub line: usize,
    /// Byte offset of the token ID in the text.
    pub offset: usize,
    pub token_id: String,
    /// The secret part follows the ID: the whole token is there to be read.
    pub plaintext: bool,
}

const ID_LEN: usize = 17;
/// Shorter than this after the dot, it is not taken for a secret (a PAT's is 64).
const SECRET_MIN: usize = 16;

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every token ID in `text`, in order.
pub fn find(text: &[u8]) -> Vec<Found> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut counted = 0;
    // Where the last whole secret ends: a `pat` inside it is part of it, not a token.
    let mut inside_until = 0;
    for at in memmem::find_iter(text, b"pat") {
        if at < inside_until || (at > 0 && is_word(text[at - 1])) {
            continue;
        }
        let Some(id) = text.get(at..at + ID_LEN) else {
            break;
        };
        let rest = &id[3..];
        // A random ID has a capital or a digit; an English word of 17 letters has none.
        let looks_random = rest
            .iter()
            .any(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !rest.iter().all(u8::is_ascii_alphanumeric)
            || !looks_random
            || text.get(at + ID_LEN).is_some_and(|b| is_word(*b))
        {
            continue;
        }
        line += memchr::memchr_iter(b'\n', &text[counted..at]).count();
        counted = at;
        let secret = text.get(at + ID_LEN + 1..).unwrap_or_default();
        let secret_len = secret
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let plaintext = text.get(at + ID_LEN) == Some(&b'.') && secret_len >= SECRET_MIN;
        if plaintext {
            inside_until = at + ID_LEN + 1 + secret_len;
        }
        out.push(Found {
            line,
            offset: at,
            token_id: String::from_utf8_lossy(id).into_owned(),
            plaintext,
        });
    }
    out
}

/// The length of the whole secret that starts `at` (its ID, the dot and the secret part).
pub fn secret_len(at: &[u8]) -> usize {
    ID_LEN
        + 1
        + at.get(ID_LEN + 1..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count()
}

/// `text` with the secret part of every plaintext token cut to `…`: the token IDs stay,
/// to say which token it is.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for f in find(text.as_bytes()).into_iter().filter(|f| f.plaintext) {
        let secret_at = f.offset + ID_LEN + 1;
        let len = text.as_bytes()[secret_at..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        out.push_str(&text[from..secret_at]);
        out.push('…');
        from = secret_at + len;
    }
    out.push_str(&text[from..]);
    out
}

/// The whole secret whose ID is `token_id` on line `line` (1-based) of `text`, if it
/// is there in plaintext.
pub fn secret_on_line(text: &str, line: usize, token_id: &str) -> Option<Secret> {
    let on = text.lines().nth(line.checked_sub(1)?)?;
    let at = on.find(&format!("{token_id}."))?;
    let len = ID_LEN
        + 1
        + on.as_bytes()[at + ID_LEN + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
    (len > ID_LEN + SECRET_MIN).then(|| Secret::new(&on[at..at + len]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str =
        "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn finds_ids_and_whole_secrets_with_their_lines() {
        let text = format!(
            "# a pattern of patience\nAIRTABLE_API_KEY={SECRET}\n\n  \"token\": \"patZyXwVuTs987654\",\n"
        );
        let found = find(text.as_bytes());
        assert_eq!(
            found
                .iter()
                .map(|f| (f.line, f.token_id.as_str(), f.plaintext))
                .collect::<Vec<_>>(),
            [
                (2, "patAbCdEfGh123456", true),
                (4, "patZyXwVuTs987654", false)
            ]
        );
        assert_eq!(&text[found[0].offset..found[0].offset + 3], "pat");
    }

    #[test]
    fn words_and_longer_runs_are_not_tokens() {
        for text in [
            "pathologicalities",
            "xpatAbCdEfGh123456",
            "patAbCdEfGh1234567",
            "patAbCdEfGh12345",
            "pat_AbCdEfGh12345",
        ] {
            assert!(find(text.as_bytes()).is_empty(), "{text}");
        }
        assert!(!find(b"patAbCdEfGh123456.short")[0].plaintext);
        assert!(find(b"patAbCdEfGh123456.unusualButLongEnough")[0].plaintext);
    }

    #[test]
    fn an_id_inside_a_secret_is_part_of_it() {
        let text = "K=patAAAAAAAAAAAAA1.patBBBBBBBBBBBBB2.0123456789abcdef end";
        let found = find(text.as_bytes());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].plaintext);
        assert_eq!(redact(text), "K=patAAAAAAAAAAAAA1.….0123456789abcdef end");
    }

    #[test]
    fn redacting_keeps_the_ids_and_cuts_the_secrets() {
        let text = format!("--token {SECRET} --other patZyXwVuTs987654 end");
        assert_eq!(
            redact(&text),
            "--token patAbCdEfGh123456.… --other patZyXwVuTs987654 end"
        );
    }

    #[test]
    fn a_plaintext_secret_is_taken_from_its_line_alone() {
        let text = format!("A=1\nexport AIRTABLE_API_KEY=\"{SECRET}\"\n");
        let secret = secret_on_line(&text, 2, "patAbCdEfGh123456").unwrap();
        assert_eq!(secret.expose(), SECRET);
        assert!(secret_on_line(&text, 1, "patAbCdEfGh123456").is_none());
        assert!(secret_on_line("T=patAbCdEfGh123456.short", 1, "patAbCdEfGh123456").is_none());
    }
}

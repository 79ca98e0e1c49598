//! What a Tab offers for an argument that names a token: the vault's token names as
//! they are then, read from the inventory alone (never the keychain, never the network).

use clap_complete::engine::CompletionCandidate;
use std::sync::OnceLock;

use patvault_core::vault::inventory::Inventory;

/// Whether bash is the shell asking.
static BASH_ASKS: OnceLock<bool> = OnceLock::new();

/// Called first when a shell asks: clap takes `COMPLETE` out of the environment before
/// the candidates are asked for.
pub fn note_the_asking_shell() {
    BASH_ASKS.get_or_init(|| std::env::var_os("COMPLETE").is_some_and(|shell| shell == "bash"));
}

/// The vault's token names, for an argument that names a token. A vault that cannot be
/// read completes nothing: a Tab must never print an error into the command line.
pub fn token_names() -> Vec<CompletionCandidate> {
    let Some(dir) = patvault_core::environment::config().data_dir else {
        return Vec::new();
    };
    // Bash inserts a candidate as it is given (clap registers it without `-o filenames`),
    // so a name with a space or `$(…)` must come escaped: it is then one word, and runs
    // nothing. zsh and fish quote what they insert themselves.
    let bash = BASH_ASKS.get().copied().unwrap_or(false);
    Inventory::new(dir)
        .load()
        .map(|records| {
            records
                .into_iter()
                .map(|r| {
                    let name = if bash {
                        bash_word(&r.intent.name)
                    } else {
                        r.intent.name
                    };
                    CompletionCandidate::new(name)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `name` with a backslash before each character bash would read specially; unlike
/// quotes, it keeps the name's first letters, so what the user typed still matches.
fn bash_word(name: &str) -> String {
    let mut word = String::with_capacity(name.len());
    for c in name.chars() {
        if !(c.is_alphanumeric() || "._-+,:@%/".contains(c)) {
            word.push('\\');
        }
        word.push(c);
    }
    word
}

#[cfg(test)]
mod tests {
    use super::bash_word;

    #[test]
    fn a_bash_word_escapes_what_bash_reads_specially() {
        assert_eq!(bash_word("Backups"), "Backups");
        assert_eq!(bash_word("CRM sync"), r"CRM\ sync");
        assert_eq!(bash_word("crm$(touch x)"), r"crm\$\(touch\ x\)");
        assert_eq!(bash_word("it's `a`;b"), r"it\'s\ \`a\`\;b");
    }
}

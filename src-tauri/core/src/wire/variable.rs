//! Which environment variable may carry a secret into a program. `exec`, `mcp add` and
//! migrate all go through `check`, so no config is ever written with a name `exec`
//! would refuse. A plain name only, and none that changes how a program is loaded or
//! run: `LD_PRELOAD` makes the loader print its value to stderr (the secret in an MCP
//! client's log), `HOME` makes programs create folders named after it.

/// Names, or name prefixes ending in `_` or `*`, that change how a program loads, runs
/// or where it writes; compared without regard to case.
const REFUSED: &[&str] = &[
    "LD_*",
    "DYLD_*",
    "PATH",
    "HOME",
    "TMPDIR",
    "TMP",
    "TEMP",
    "SHELL",
    "IFS",
    "ENV",
    "BASH_ENV",
    "BASH_FUNC_*",
    "PROMPT_COMMAND",
    "PS4",
    "NODE_OPTIONS",
    "NODE_PATH",
    "PYTHON*",
    "PERL5*",
    "PERLLIB",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CLASSPATH",
    "GIT_*",
    "XDG_*",
    "PATVAULT_*",
    "COMPLETE",
    "GCONV_PATH",
    "LOCPATH",
    "MALLOC_*",
    "GLIBC_TUNABLES",
    "LANG",
    "LC_*",
    "TERM",
    "USER",
    "LOGNAME",
    "PWD",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NODE_EXTRA_CA_CERTS",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "NPM_CONFIG_*",
    "YARN_*",
    "SSLKEYLOGFILE",
    "HISTFILE",
    "EDITOR",
    "VISUAL",
    "PAGER",
    "BROWSER",
];

const LONGEST: usize = 128;

/// Why `name` cannot carry a secret, or `Ok`.
pub fn check(name: &str) -> Result<(), String> {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= LONGEST;
    if !plain {
        return Err(format!(
            "“{}” is not an environment variable name: use letters, digits and _ (not first a digit), such as AIRTABLE_API_KEY",
            name.escape_debug()
        ));
    }
    let upper = name.to_ascii_uppercase();
    let refused = REFUSED.iter().any(|r| match r.strip_suffix('*') {
        Some(prefix) => upper.starts_with(prefix),
        None => upper == *r,
    });
    if refused {
        return Err(format!(
            "{name} changes how a program is loaded or run, so a secret there could be printed or written to disk: pass it in a variable of its own, such as AIRTABLE_API_KEY"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        for name in [
            "AIRTABLE_API_KEY",
            "AIRTABLE_TOKEN",
            "_x1",
            "airtable_pat",
            "PATH_TO_NOTHING",
        ] {
            assert_eq!(check(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn names_that_change_how_a_program_runs_are_refused() {
        for name in [
            "LD_PRELOAD",
            "ld_library_path",
            "DYLD_INSERT_LIBRARIES",
            "NODE_OPTIONS",
            "PYTHONSTARTUP",
            "PYTHONPATH",
            "BASH_ENV",
            "ENV",
            "PROMPT_COMMAND",
            "PERL5OPT",
            "RUBYOPT",
            "JAVA_TOOL_OPTIONS",
            "PATH",
            "Home",
            "SHELL",
            "IFS",
            "GIT_SSH_COMMAND",
            "PATVAULT_DATA_DIR",
            "npm_config_cache",
            "SSLKEYLOGFILE",
        ] {
            let why = check(name).unwrap_err();
            assert!(why.contains("changes how a program"), "{name}: {why}");
        }
    }

    #[test]
    fn what_is_not_a_name_is_refused() {
        for name in ["", "A B", "1A", "A=B", "A\0", "A-B", "É", &"A".repeat(129)] {
            let why = check(name).unwrap_err();
            assert!(why.contains("not an environment variable name"), "{why}");
        }
    }
}

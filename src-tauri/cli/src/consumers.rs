//! `patvault consumers [--json]`: the programs PAT Vault knows use tokens, what each
//! needs and where each fact comes from, for choosing a place's kind without opening
//! another document.

use super::error::CliError;
use super::out::print_out;
use super::output::json;
use patvault_core::consumers::kinds;

pub fn consumers(as_json: bool) -> Result<i32, CliError> {
    if as_json {
        print_out(json(&kinds()) + "\n");
        return Ok(0);
    }
    let mut out = String::new();
    for k in kinds() {
        out.push_str(&format!("{}: {}\n  token: {}\n", k.id, k.name, k.token));
        let seen: Vec<&str> = k
            .commands
            .iter()
            .chain(&k.urls)
            .map(String::as_str)
            .collect();
        if !seen.is_empty() {
            out.push_str(&format!("  recognised by: {}\n", seen.join(", ")));
        }
        if k.features.is_empty() {
            out.push_str(
                "  needs: not stated by its sources; give a place's scopes with needs=…\n",
            );
        }
        for f in &k.features {
            let lists = if f.lists_bases { ", lists bases" } else { "" };
            out.push_str(&format!(
                "  {} {}: {}{lists}\n",
                if f.required { "needs" } else { "optional" },
                f.name,
                f.scopes.join(", ")
            ));
        }
        for s in &k.sources {
            out.push_str(&format!("  source: {} ({})\n", s.url, s.says));
        }
        out.push('\n');
    }
    print_out(out);
    Ok(0)
}

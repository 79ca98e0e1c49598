//! The catalog of consumers: the programs that use Airtable tokens (MCP servers, Zapier,
//! n8n, scripts), what each needs, how it is recognised on disk, and where each fact
//! comes from. It is data (`catalog.json`), read once: a need no source states stays
//! unknown rather than guessed, and a new program is a new entry, not new code.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The kind every place without a known program has: its needs are what the user gives.
pub const CUSTOM: &str = "custom";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ConsumerKind {
    pub id: String,
    pub name: String,
    /// How it takes the token, in its own words.
    pub token: String,
    /// Words in an MCP server's command line that say it runs this program.
    pub commands: Vec<String>,
    /// The URLs of a remote MCP server that is this program.
    pub urls: Vec<String>,
    /// Whether its sources say what it needs; when not, a place of this kind has the
    /// needs its user gives, or none known.
    pub needs_known: bool,
    pub sources: Vec<Source>,
    /// What it does with the token, each with what that needs.
    pub features: Vec<Feature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Source {
    pub url: String,
    /// What it says, quoted or closely put.
    pub says: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Feature {
    pub id: String,
    pub name: String,
    /// Whether the program fails without it, or only that feature does.
    pub required: bool,
    pub scopes: Vec<String>,
    /// It lists the bases the token reaches (`GET /v0/meta/bases`).
    pub lists_bases: bool,
    /// Where in the program's source the feature's requests are.
    pub source: String,
}

#[derive(Deserialize)]
struct Catalog {
    kinds: Vec<ConsumerKind>,
}

static CATALOG: LazyLock<Vec<ConsumerKind>> = LazyLock::new(|| {
    serde_json::from_str::<Catalog>(include_str!("catalog.json"))
        .expect("the consumer catalog is valid: a test reads it")
        .kinds
});

/// Every kind, `custom` last.
pub fn kinds() -> &'static [ConsumerKind] {
    &CATALOG
}

pub fn kind(id: &str) -> Option<&'static ConsumerKind> {
    CATALOG.iter().find(|k| k.id == id)
}

/// The kind a custom place has.
pub fn custom() -> &'static ConsumerKind {
    kind(CUSTOM).expect("the catalog has the custom kind")
}

/// The kind an MCP server entry runs: by a word of its command line, or by its URL.
pub fn recognise(command: &[String], url: Option<&str>) -> Option<&'static ConsumerKind> {
    CATALOG.iter().find(|k| {
        command
            .iter()
            .any(|word| k.commands.iter().any(|c| runs(word, c)))
            || url.is_some_and(|u| k.urls.iter().any(|known| same_url(u, known)))
    })
}

/// Whether a command-line word is the program `name`: itself or a path to it, with or
/// without a version or tag (`airtable-mcp-server@1.14.0`, `image:latest`).
fn runs(word: &str, name: &str) -> bool {
    let end = word
        .get(1..)
        .and_then(|rest| rest.find(['@', ':']))
        .map_or(word.len(), |i| i + 1);
    let word = &word[..end];
    word == name || word.ends_with(&format!("/{name}"))
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes::is_known;

    #[test]
    fn every_entry_names_real_scopes_and_a_source_for_what_it_needs() {
        let ids: Vec<&str> = kinds().iter().map(|k| k.id.as_str()).collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        assert_eq!(ids.last(), Some(&CUSTOM));
        for k in kinds() {
            assert_eq!(k.needs_known, !k.features.is_empty(), "{}", k.id);
            if k.needs_known {
                assert!(
                    !k.sources.is_empty(),
                    "{} states needs without a source",
                    k.id
                );
                assert!(k.features.iter().any(|f| f.required), "{}", k.id);
            }
            for f in &k.features {
                assert!(!f.source.is_empty(), "{}/{}", k.id, f.id);
                for s in &f.scopes {
                    assert!(is_known(s), "{}/{}: {s}", k.id, f.id);
                }
            }
        }
    }

    #[test]
    fn an_mcp_server_is_recognised_by_what_it_runs_or_where_it_connects() {
        let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let id = |command: &str, url: Option<&str>| {
            recognise(&words(command), url).map(|k| k.id.as_str())
        };
        assert_eq!(
            id("npx -y airtable-mcp-server", None),
            Some("airtable-mcp-server")
        );
        assert_eq!(
            id("npx -y airtable-mcp-server@1.14.0", None),
            Some("airtable-mcp-server")
        );
        assert_eq!(
            id(
                "docker run -i --rm -e AIRTABLE_API_KEY docker.io/domdomegg/airtable-mcp-server",
                None
            ),
            Some("airtable-mcp-server")
        );
        assert_eq!(
            id("/usr/local/bin/airtable-mcp-server", None),
            Some("airtable-mcp-server")
        );
        assert_eq!(
            id("", Some("https://mcp.airtable.com/mcp/")),
            Some("airtable-hosted-mcp")
        );
        assert_eq!(id("airtable-mcp tools", None), Some("airtable-hosted-mcp"));
        assert_eq!(id("npx -y some-other-server", None), None);
        assert_eq!(id("npx -y airtable-mcp-server-fork", None), None);
    }
}

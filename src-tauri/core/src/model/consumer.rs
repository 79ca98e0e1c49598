//! A place a token is used: a program of a kind the consumer catalog knows (an MCP
//! server, a Zapier zap, a script) or a custom one, with the bases it works on. Earlier
//! inventories kept "used by" as free-text lines; each is read as a custom place with no
//! stated needs, its text kept as the label.

use serde::{Deserialize, Deserializer, Serialize};

use crate::consumers::CUSTOM;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Consumer {
    /// A kind from the consumer catalog (`consumers::kinds`), or `custom`.
    pub kind: String,
    /// The place in the user's words: "Zapier: CRM sync", "nightly backup on the NAS".
    pub label: String,
    /// The file or folder it reads the token from, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The bases it works on; none named means the token's intended bases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<String>,
    /// What a custom place needs, as the user says: scopes. Empty means not stated, and
    /// nothing is concluded from it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// The features of its kind it uses (the catalog's ids), each then needed; none
    /// named means every feature of the kind, as its sources state them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<String>,
    /// The kind was inferred from what a scan found it running, not yet confirmed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

impl Consumer {
    /// A custom place with no stated needs: what a free-text "used by" line becomes.
    pub fn custom(label: impl Into<String>) -> Self {
        let label = label.into();
        Consumer {
            kind: CUSTOM.into(),
            path: looks_like_path(&label).then(|| label.clone()),
            label,
            bases: Vec::new(),
            needs: Vec::new(),
            uses: Vec::new(),
            inferred: false,
        }
    }
}

/// A line that names a file or folder (`/…`, `~/…`), as scans read "used by" entries.
pub(crate) fn looks_like_path(text: &str) -> bool {
    text.starts_with('/') || text.starts_with("~/")
}

/// Reads "used by" as either form: a free-text line of an earlier inventory (or of a
/// script's JSON), or a place.
pub fn read_used_by<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Consumer>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Line(String),
        Place(Consumer),
    }
    Ok(Vec::<Either>::deserialize(d)?
        .into_iter()
        .map(|e| match e {
            Either::Line(line) => Consumer::custom(line),
            Either::Place(place) => place,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "read_used_by")]
        used_by: Vec<Consumer>,
    }

    #[test]
    fn a_free_text_line_is_a_custom_place_and_a_path_keeps_its_path() {
        let held: Holder = serde_json::from_str(
            r#"{"used_by": ["Zapier: CRM sync", "~/jobs/backup.env",
                {"kind": "zapier", "label": "Deals zap", "bases": ["appAAAAAAAAAAAAAA"]}]}"#,
        )
        .unwrap();
        assert_eq!(
            held.used_by,
            [
                Consumer::custom("Zapier: CRM sync"),
                Consumer::custom("~/jobs/backup.env"),
                Consumer {
                    kind: "zapier".into(),
                    label: "Deals zap".into(),
                    path: None,
                    bases: vec!["appAAAAAAAAAAAAAA".into()],
                    needs: Vec::new(),
                    uses: Vec::new(),
                    inferred: false,
                },
            ]
        );
        assert_eq!(held.used_by[0].path, None);
        assert_eq!(held.used_by[1].path.as_deref(), Some("~/jobs/backup.env"));
        assert_eq!(held.used_by[1].kind, CUSTOM);
    }
}

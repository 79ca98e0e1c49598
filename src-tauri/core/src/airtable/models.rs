//! The answers the check reads, as `airtable-api.md` documents them. Unknown fields are
//! ignored; a missing required field makes the answer garbage.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Whoami {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BasePage {
    pub bases: Vec<ListedBase>,
    #[serde(default)]
    pub offset: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedBase {
    pub id: String,
    pub name: String,
    pub permission_level: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Schema {
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Table {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordPage {
    pub records: Vec<Record>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommentPage {
    #[allow(dead_code)]
    pub comments: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookList {
    #[allow(dead_code)]
    pub webhooks: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ViewList {
    #[allow(dead_code)]
    pub views: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ShareList {
    #[allow(dead_code)]
    pub shares: Vec<serde_json::Value>,
}

//! What the fake Airtable knows: users, bases with their content and collaborators,
//! tokens with their scopes and base grants, limits and injected faults. Loaded from a
//! JSON file or built in code by tests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub users: Vec<User>,
    pub bases: Vec<Base>,
    pub tokens: Vec<Token>,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub faults: Vec<Fault>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: String,
    pub email: String,
}

/// A collaborator's role in a base, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    None,
    Read,
    Comment,
    Edit,
    Create,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub tables: Vec<Table>,
    #[serde(default)]
    pub webhooks: Vec<Value>,
    #[serde(default)]
    pub block_installations: Vec<Value>,
    /// Each collaborator's role, by user id.
    #[serde(default)]
    pub roles: BTreeMap<String, Level>,
    /// Enterprise admins who are not collaborators, by user id: the base list shows them
    /// `none` (Airtable's get-base-collaborators page), yet they reach the base and may
    /// do what the level given here allows.
    #[serde(default)]
    pub admins: BTreeMap<String, Level>,
    /// On an Enterprise plan: only there does the shares route answer.
    #[serde(default)]
    pub enterprise: bool,
    /// How the base list names a user's role when not by the level's own name: a role
    /// Airtable may add one day (`"owner"`), while `roles` says what it may do.
    #[serde(default)]
    pub role_names: BTreeMap<String, String>,
    /// The workspace's monthly API calls are spent: data routes answer 429
    /// `PUBLIC_API_BILLING_LIMIT_EXCEEDED`, metadata routes keep working.
    #[serde(default)]
    pub quota_exhausted: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub fields: Vec<Field>,
    #[serde(default)]
    pub records: Vec<Record>,
    /// Table permissions: the least role that may create records here. Below it,
    /// creating answers 403 `INVALID_PERMISSIONS`, whatever the token's scopes.
    #[serde(default)]
    pub create_records: Option<Level>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub fields: Value,
    #[serde(default)]
    pub comments: Vec<Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// The whole token string the client sends as its bearer.
    pub token: String,
    pub owner: String,
    pub scopes: Vec<String>,
    /// The bases granted to the token; ignored when `all_bases` is set.
    #[serde(default)]
    pub bases: Vec<String>,
    #[serde(default)]
    pub all_bases: bool,
    #[serde(default)]
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Bases per page of the base list.
    pub page_size: usize,
    /// Requests allowed in any one-second window, per base and per user.
    pub base_rate: usize,
    pub user_rate: usize,
    /// How long a base or user is refused after breaking a limit.
    pub penalty_ms: u64,
    /// Added to every answer, to stand in for the distance to Airtable.
    pub latency_ms: u64,
    /// How a request naming a table the base does not have is answered.
    pub missing_table: MissingTable,
}

/// The answers seen for a table that does not exist (`airtable-api.md`, "Errors").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingTable {
    /// 403 `INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND`, as for a missing scope (2026).
    #[default]
    Forbidden,
    /// 403 `NOT_AUTHORIZED` (2025).
    NotAuthorized,
    /// 404 `TABLE_NOT_FOUND` (the API-key era).
    NotFound,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            page_size: 1000,
            base_rate: 5,
            user_rate: 50,
            penalty_ms: 30_000,
            latency_ms: 0,
            missing_table: MissingTable::default(),
        }
    }
}

/// The requests the fake serves, by the names faults and statistics use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    Whoami,
    ListBases,
    BaseSchema,
    ListRecords,
    ListComments,
    ListWebhooks,
    /// Extends the webhook's life by 7 days: a call that changes something.
    ListWebhookPayloads,
    BlockInstallations,
    ListViews,
    ListShares,
    CreateRecords,
    UpdateTable,
}

/// A failure to inject: on a route, optionally only for one base, optionally only the
/// first `times` requests that match. (Not `deny_unknown_fields`: serde cannot combine
/// it with the flattened kind and would refuse every fault written in JSON.)
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    pub route: Route,
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default)]
    pub times: Option<u32>,
    #[serde(flatten)]
    pub kind: FaultKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum FaultKind {
    /// 500 with Airtable's error body.
    ServerError,
    /// 502 without a body.
    BadGateway,
    /// 503 `RETRIABLE_ERROR`, with `Retry-After` when given.
    Unavailable {
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// 200 with an HTML page, as a proxy in front of the API might answer.
    HtmlPage,
    /// 200 with JSON cut off half way.
    TruncatedJson,
    /// Never answers.
    Hang,
    /// Answers normally after this delay.
    Latency { ms: u64 },
    /// Exactly this status and body (JSON, or `raw` text, or none): a captured answer.
    /// `{{authorization}}` in it becomes the request's bearer token.
    Answer {
        status: u16,
        #[serde(default)]
        body: Option<Value>,
        #[serde(default)]
        raw: Option<String>,
    },
}

impl Scenario {
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a scenario: {e}", path.display()))
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn base(&self, id: &str) -> Option<&Base> {
        self.bases.iter().find(|b| b.id == id)
    }

    pub fn token(&self, bearer: &str) -> Option<&Token> {
        self.tokens.iter().find(|t| t.token == bearer)
    }
}

impl Token {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    pub fn granted(&self, base: &str) -> bool {
        self.all_bases || self.bases.iter().any(|b| b == base)
    }
}

impl Base {
    /// What the user may do here: a collaborator's role, or an admin's access.
    pub fn level_of(&self, user: &str) -> Level {
        self.roles
            .get(user)
            .or_else(|| self.admins.get(user))
            .copied()
            .unwrap_or(Level::None)
    }

    /// Whether the base list shows the base to this user: a collaborator or an admin.
    pub fn listed_for(&self, user: &str) -> bool {
        self.roles.contains_key(user) || self.admins.contains_key(user)
    }

    /// Airtable addresses tables by id or by name.
    pub fn table(&self, id_or_name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.id == id_or_name)
            .or_else(|| self.tables.iter().find(|t| t.name == id_or_name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_read_from_json() {
        let faults: Vec<Fault> = serde_json::from_str(
            r#"[{"route": "whoami", "fault": "latency", "ms": 20000},
                {"route": "list_records", "base": "appA", "times": 2, "fault": "unavailable", "retry_after_secs": 1},
                {"route": "base_schema", "fault": "hang"}]"#,
        )
        .unwrap();
        assert!(matches!(faults[0].kind, FaultKind::Latency { ms: 20000 }));
        assert_eq!(faults[1].base.as_deref(), Some("appA"));
        assert_eq!(faults[1].times, Some(2));
        assert!(matches!(
            faults[1].kind,
            FaultKind::Unavailable {
                retry_after_secs: Some(1)
            }
        ));
        assert!(matches!(faults[2].kind, FaultKind::Hang));
        let replayed: Vec<Fault> = serde_json::from_str(
            r#"[{"route": "list_records", "fault": "answer", "status": 404, "body": {"error": "NOT_FOUND"}},
                {"route": "whoami", "fault": "answer", "status": 403}]"#,
        )
        .unwrap();
        assert!(matches!(
            &replayed[0].kind,
            FaultKind::Answer { status: 404, body: Some(b), raw: None } if b["error"] == "NOT_FOUND"
        ));
        assert!(matches!(
            replayed[1].kind,
            FaultKind::Answer {
                status: 403,
                body: None,
                raw: None
            }
        ));
    }
}

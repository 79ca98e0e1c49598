//! How a request to Airtable can fail, decoded from the documented statuses and bodies
//! (`airtable-api.md`, "Errors" and "Other real answers worth knowing"). An answer the
//! docs do not describe keeps its status and type, so a report can say what came back.
//! Messages name the cause and never the token.

use std::time::Duration;

use super::text;
use crate::secret::Secret;

/// The `type` Airtable gives a 403 for a missing scope, base grant or role.
pub const NO_PERMISSION: &str = "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND";
/// Another 403 `type`, seen for a wrong table name (2025): as ambiguous as `NO_PERMISSION`.
pub const NOT_AUTHORIZED: &str = "NOT_AUTHORIZED";
/// The `type` of a 403 caused by a table or field editing restriction.
pub const RESTRICTED: &str = "INVALID_PERMISSIONS";
/// The 429 `error` of a workspace whose monthly API calls are spent.
pub const BILLING_LIMIT: &str = "PUBLIC_API_BILLING_LIMIT_EXCEEDED";
/// The 429 `type` of the per-second rate limits.
pub const RATE_LIMIT: &str = "RATE_LIMIT_REACHED";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("Airtable does not accept this token (revoked, regenerated or mistyped)")]
    Unauthorized,
    /// 403 `INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND`: the scope, the base grant or the
    /// user's role is missing, or the base or table does not exist; Airtable does not say
    /// which.
    #[error("Airtable refused: missing permission, or no such base or table")]
    NoPermission,
    /// 403 `NOT_AUTHORIZED`: seen for a wrong table name as well as for a refusal
    /// (`airtable-api.md`), so it never proves a scope missing.
    #[error("Airtable refused (403 NOT_AUTHORIZED): missing permission, or a wrong table name")]
    NotAuthorized,
    /// 403 `INVALID_PERMISSIONS`: the table's or a field's permissions forbid it, whatever
    /// the token's scopes. Holds Airtable's message.
    #[error("Airtable refused by a table or field restriction: {0}")]
    Restricted(String),
    /// 404 `NOT_FOUND`, `TABLE_NOT_FOUND` or `MODEL_ID_NOT_FOUND`, with Airtable's
    /// message when it gave one.
    #[error("Airtable found no such table or base (404{})", detail(.0))]
    NotFound(Option<String>),
    /// 422: the request was understood and permitted, but invalid. Holds the type.
    #[error("Airtable found the request invalid (422 {0})")]
    Invalid(String),
    #[error("Airtable's rate limit was reached and stayed reached after waiting")]
    RateLimited,
    /// 429 `PUBLIC_API_BILLING_LIMIT_EXCEEDED`: waiting does not help until the month ends.
    #[error(
        "the workspace's monthly Airtable API quota is used up (429 {BILLING_LIMIT}): \
         wait for the next month, or move the base to a plan with more API calls"
    )]
    QuotaExhausted,
    /// 413: a check's requests carry no body, so this is not ours to fix by retrying.
    #[error("Airtable found the request too large (413)")]
    TooLarge,
    #[error("Airtable had an internal error ({0})")]
    Server(u16),
    #[error("Airtable is unavailable ({status}) and stayed so after {attempts} attempts")]
    Unavailable { status: u16, attempts: u32 },
    #[error("Airtable asked to wait {}s before retrying, longer than a check waits", .0.as_secs())]
    RetryTooLate(Duration),
    #[error("Airtable did not answer within {}s", .0.as_secs_f32())]
    Timeout(Duration),
    #[error("Airtable could not be reached: {0}")]
    Network(String),
    #[error("Airtable's answer made no sense: {0}")]
    Garbage(String),
    /// An answer the docs do not describe: its status, and its error type if it had one.
    #[error("Airtable answered {status} {}, which PAT Vault does not expect", kind.as_deref().unwrap_or("without an error type"))]
    Unexpected { status: u16, kind: Option<String> },
}

fn detail(message: &Option<String>) -> String {
    message.as_ref().map_or(String::new(), |m| format!(": {m}"))
}

impl ApiError {
    /// A 2xx answer that does not decode, said in words.
    pub fn garbage(body: &[u8], error: &serde_json::Error) -> ApiError {
        if body.is_empty() {
            ApiError::Garbage("the answer was empty".into())
        } else if error.is_eof() {
            ApiError::Garbage("the answer was cut off".into())
        } else if error.is_syntax() {
            ApiError::Garbage("the answer was not JSON".into())
        } else {
            // serde's own words may quote the answer; its category and position do not.
            ApiError::Garbage(format!(
                "the answer had an unexpected shape (at line {} column {})",
                error.line(),
                error.column()
            ))
        }
    }

    /// The same error with the server's words made safe (see `text::clean`).
    pub fn cleaned(self, secret: &Secret) -> ApiError {
        let clean = |t: String| text::clean(&t, secret);
        match self {
            ApiError::Restricted(m) => ApiError::Restricted(clean(m)),
            ApiError::NotFound(m) => ApiError::NotFound(m.map(clean)),
            ApiError::Invalid(k) => ApiError::Invalid(clean(k)),
            ApiError::Unexpected { status, kind } => ApiError::Unexpected {
                status,
                kind: kind.map(clean),
            },
            ApiError::Network(m) => ApiError::Network(clean(m)),
            ApiError::Garbage(m) => ApiError::Garbage(clean(m)),
            other => other,
        }
    }

    /// Decodes a 403, 404, 422 or 429 from its body. A 429 is `RateLimited` only when
    /// its body says so: the client waits that one out and retries.
    pub fn from_refusal(status: u16, body: &[u8]) -> ApiError {
        let body = ErrorBody::parse(body);
        let kind = body.kind.clone();
        let unexpected = || ApiError::Unexpected {
            status,
            kind: kind.clone(),
        };
        match (status, kind.as_deref()) {
            (403, Some(NO_PERMISSION)) => ApiError::NoPermission,
            (403, Some(NOT_AUTHORIZED)) => ApiError::NotAuthorized,
            (403, Some(RESTRICTED)) => ApiError::Restricted(
                body.message
                    .unwrap_or_else(|| "no message came with it".into()),
            ),
            (404, Some("NOT_FOUND" | "TABLE_NOT_FOUND" | "MODEL_ID_NOT_FOUND") | None) => {
                ApiError::NotFound(body.message)
            }
            (413, _) => ApiError::TooLarge,
            // Any 422 means validation was reached, whatever its type.
            (422, kind) => ApiError::Invalid(kind.unwrap_or("without an error type").to_owned()),
            (429, _) if body.has(BILLING_LIMIT) => ApiError::QuotaExhausted,
            (429, Some(RATE_LIMIT)) => ApiError::RateLimited,
            _ => unexpected(),
        }
    }
}

/// What an error body says, whichever of Airtable's shapes it came in:
/// `{"error": {"type", "message"}}`, `{"error": "TYPE"}` or `{"errors": [{"error", "message"}]}`.
#[derive(Debug, Default, PartialEq, Eq)]
struct ErrorBody {
    kind: Option<String>,
    message: Option<String>,
    /// Every type named in an `errors` array.
    all: Vec<String>,
}

impl ErrorBody {
    fn parse(body: &[u8]) -> ErrorBody {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return ErrorBody::default();
        };
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let error = &value["error"];
        let kind = |v: &serde_json::Value| v.as_str().map(text::error_type);
        let mut parsed = match error {
            serde_json::Value::String(_) => ErrorBody {
                kind: kind(error),
                ..ErrorBody::default()
            },
            serde_json::Value::Object(_) => ErrorBody {
                kind: kind(&error["type"]),
                message: text(&error["message"]),
                all: Vec::new(),
            },
            _ => ErrorBody::default(),
        };
        if let Some(errors) = value["errors"].as_array() {
            parsed.all = errors
                .iter()
                .filter_map(|e| kind(&e["error"]).or_else(|| kind(&e["type"])))
                .collect();
            if parsed.kind.is_none() {
                parsed.kind = parsed.all.first().cloned();
                parsed.message = errors.first().and_then(|e| text(&e["message"]));
            }
        }
        parsed
    }

    fn has(&self, kind: &str) -> bool {
        self.kind.as_deref() == Some(kind) || self.all.iter().any(|k| k == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(status: u16, body: &str) -> Option<ApiError> {
        Some(ApiError::from_refusal(status, body.as_bytes()))
    }

    #[test]
    fn the_documented_bodies_decode_to_their_meaning() {
        assert_eq!(
            refusal(
                403,
                r#"{"error":{"type":"INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND","message":"Invalid permissions, or the requested model was not found."}}"#
            ),
            Some(ApiError::NoPermission)
        );
        // Live captures: a 403 without a message.
        assert_eq!(
            refusal(
                403,
                r#"{"error":{"type":"INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"}}"#
            ),
            Some(ApiError::NoPermission)
        );
        assert_eq!(
            refusal(
                403,
                r#"{"error":{"type":"INVALID_PERMISSIONS","message":"You are not permitted to create records in table Deals (tblDeals00000000)"}}"#
            ),
            Some(ApiError::Restricted(
                "You are not permitted to create records in table Deals (tblDeals00000000)".into()
            ))
        );
        // A wrong table name in 2025 (Airtable/airtable.js#422).
        assert_eq!(
            refusal(
                403,
                r#"{"error":{"type":"NOT_AUTHORIZED","message":"You are not authorized to perform this operation"}}"#
            ),
            Some(ApiError::NotAuthorized)
        );
        // A field's permissions refuse like a table's.
        assert_eq!(
            refusal(
                403,
                r#"{"error":{"type":"INVALID_PERMISSIONS","message":"You are not permitted to perform this operation because the field \"Amount\" (fldAmount0000000) has been configured to limit who can perform this operation"}}"#
            ),
            Some(ApiError::Restricted(
                "You are not permitted to perform this operation because the field \"Amount\" (fldAmount0000000) has been configured to limit who can perform this operation".into()
            ))
        );
        assert_eq!(
            refusal(404, r#"{"error":"NOT_FOUND"}"#),
            Some(ApiError::NotFound(None))
        );
        // A record deleted between two requests, in both recorded forms.
        assert_eq!(
            refusal(
                404,
                r#"{"error":{"type":"NOT_FOUND","message":"Could not find a record with ID \"recGone000000000\"."}}"#
            ),
            Some(ApiError::NotFound(Some(
                "Could not find a record with ID \"recGone000000000\".".into()
            )))
        );
        assert_eq!(
            refusal(
                404,
                r#"{"error":{"type":"MODEL_ID_NOT_FOUND","message":"Record not found"}}"#
            ),
            Some(ApiError::NotFound(Some("Record not found".into())))
        );
        assert_eq!(refusal(413, ""), Some(ApiError::TooLarge));
        assert_eq!(
            refusal(404, r#"{"error":{"type":"NOT_FOUND"}}"#),
            Some(ApiError::NotFound(None))
        );
        assert_eq!(
            refusal(
                404,
                r#"{"error":{"type":"TABLE_NOT_FOUND","message":"Could not find table Deals in application appSW9R5uCNmRmfl6"}}"#
            ),
            Some(ApiError::NotFound(Some(
                "Could not find table Deals in application appSW9R5uCNmRmfl6".into()
            )))
        );
        for kind in [
            "INVALID_REQUEST_UNKNOWN",
            "INVALID_REQUEST_MISSING_FIELDS",
            "INVALID_REQUEST_BODY",
        ] {
            let body = format!(r#"{{"error":{{"type":"{kind}","message":"…"}}}}"#);
            assert_eq!(refusal(422, &body), Some(ApiError::Invalid(kind.into())));
        }
        assert_eq!(
            refusal(
                429,
                r#"{"errors":[{"error":"PUBLIC_API_BILLING_LIMIT_EXCEEDED","message":"API billing plan limit exceeded. You've reached the maximum number of requests allowed for this month."}]}"#
            ),
            Some(ApiError::QuotaExhausted)
        );
        assert_eq!(
            refusal(
                429,
                r#"{"error":{"type":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}}"#
            ),
            Some(ApiError::RateLimited)
        );
        // Live answers carry the per-second limit in the `errors` array form.
        assert_eq!(
            refusal(
                429,
                r#"{"errors":[{"error":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}]}"#
            ),
            Some(ApiError::RateLimited)
        );
    }

    #[test]
    fn answers_outside_the_docs_keep_their_status_and_type() {
        let unexpected = |status, kind: Option<&str>| {
            Some(ApiError::Unexpected {
                status,
                kind: kind.map(str::to_owned),
            })
        };
        assert_eq!(refusal(403, ""), unexpected(403, None));
        assert_eq!(refusal(403, "<html>"), unexpected(403, None));
        assert_eq!(
            refusal(403, r#"{"error":{"type":"SOMETHING_NEW"}}"#),
            unexpected(403, Some("SOMETHING_NEW"))
        );
        assert_eq!(refusal(429, ""), unexpected(429, None));
        assert_eq!(
            refusal(429, r#"{"errors":[{"error":"TOO_BUSY"}]}"#),
            unexpected(429, Some("TOO_BUSY"))
        );
        // A 422 of any type means the request was permitted and validated.
        assert_eq!(
            refusal(422, r#"{"error":{"type":"CANNOT_DO_THAT"}}"#),
            Some(ApiError::Invalid("CANNOT_DO_THAT".into()))
        );
        assert_eq!(
            refusal(422, ""),
            Some(ApiError::Invalid("without an error type".into()))
        );
        let said = unexpected(429, Some("TOO_BUSY")).unwrap().to_string();
        assert!(said.contains("429") && said.contains("TOO_BUSY"), "{said}");
    }
}

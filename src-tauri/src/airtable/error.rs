//! How a request to Airtable can fail, decoded from the documented statuses and bodies.
//! Messages name the cause and never the token.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("Airtable does not accept this token (revoked, regenerated or mistyped)")]
    Unauthorized,
    /// 403: the scope, the base grant or the user's role is missing, or the base does
    /// not exist; Airtable does not say which.
    #[error("Airtable refused: {0}")]
    Forbidden(String),
    #[error("Airtable does not know this request (404)")]
    NotFound,
    /// 422: the request was understood and permitted, but invalid.
    #[error("Airtable found the request invalid (422)")]
    Invalid,
    #[error("Airtable's rate limit was reached and stayed reached after waiting")]
    RateLimited,
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
    #[error("Airtable answered with an unexpected status {0}")]
    Unexpected(u16),
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
            ApiError::Garbage(format!("the answer had an unexpected shape ({error})"))
        }
    }
}

//! The bodies Airtable answers with, exactly as `airtable-api.md` records them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({"error": {"type": kind, "message": message}});
    (status, axum::Json(body)).into_response()
}

pub fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "AUTHENTICATION_REQUIRED",
        "Authentication required",
    )
}

pub fn forbidden() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
        "Invalid permissions, or the requested model was not found. Check that both your \
         user and your token have the required permissions, and that the model names \
         and/or ids are correct.",
    )
}

/// The 403 a wrong table name got in 2025 (Airtable/airtable.js#422).
pub fn not_authorized() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "NOT_AUTHORIZED",
        "You are not authorized to perform this operation",
    )
}

/// A table or field editing restriction (Airtable's Errors page).
pub fn restricted(table: &str, table_id: &str) -> Response {
    error(
        StatusCode::FORBIDDEN,
        "INVALID_PERMISSIONS",
        &format!("You are not permitted to create records in table {table} ({table_id})"),
    )
}

/// A table named in the request that the base does not have (a recorded answer).
pub fn table_not_found(table: &str, base: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "TABLE_NOT_FOUND",
        &format!("Could not find table {table} in application {base}"),
    )
}

/// A record that does not exist, or was deleted since it was listed (the Errors page).
pub fn record_not_found(record: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("Could not find a record with ID \"{record}\"."),
    )
}

/// The workspace's monthly API calls are spent: an `errors` array, as captured live.
pub fn billing_limit() -> Response {
    let body = json!({"errors": [{
        "error": "PUBLIC_API_BILLING_LIMIT_EXCEEDED",
        "message": "API billing plan limit exceeded. You've reached the maximum number of requests allowed for this month."
    }]});
    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
}

/// Where a replayed answer echoes the request's bearer token, as a hostile proxy could.
pub const ECHO: &str = "{{authorization}}";

/// Exactly the status and body a test asks for, to replay a captured answer; `ECHO` in
/// it becomes the request's bearer token.
pub fn replay(status: u16, body: Option<&Value>, raw: Option<&str>, bearer: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let echoed = |text: &str| text.replace(ECHO, bearer);
    match (body, raw) {
        (Some(body), _) => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            echoed(&body.to_string()),
        )
            .into_response(),
        (None, Some(raw)) => (status, echoed(raw)).into_response(),
        (None, None) => status.into_response(),
    }
}

pub fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": "NOT_FOUND"})),
    )
        .into_response()
}

pub fn invalid_request() -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "INVALID_REQUEST_UNKNOWN",
        "Invalid request: parameter validation failed. Check your request data.",
    )
}

pub fn rate_limited() -> Response {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMIT_REACHED",
        "Rate limit exceeded. Please try again later",
    )
}

pub fn server_error() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "SERVER_ERROR",
        "Try again. If the problem persists, contact support.",
    )
}

pub fn bad_gateway() -> Response {
    StatusCode::BAD_GATEWAY.into_response()
}

pub fn unavailable(retry_after_secs: Option<u64>) -> Response {
    let mut response = error(
        StatusCode::SERVICE_UNAVAILABLE,
        "RETRIABLE_ERROR",
        "The service is temporarily unavailable. Please retry shortly.",
    );
    if let Some(secs) = retry_after_secs {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

pub fn html_page() -> Response {
    let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                <body><h1>Bad Gateway</h1></body></html>";
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

pub fn truncated_json() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        r#"{"bases":[{"id":"app"#,
    )
        .into_response()
}

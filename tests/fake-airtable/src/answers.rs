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

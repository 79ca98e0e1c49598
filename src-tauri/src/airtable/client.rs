//! One HTTP client for all checks: each request waits for the pacer, carries the token
//! as a sensitive header, has a timeout, and is retried a bounded number of times when
//! Airtable says so (429 after a pause, 502 and 503 after a back-off).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use super::error::ApiError;
use super::models::{BasePage, ListedBase, Whoami};
use super::pacer::{Pacer, Spender};
use super::root::ApiRoot;
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub timeout: Duration,
    /// How long a base and a user are left alone after a 429; Airtable's penalty is 30 s.
    pub rate_limit_pause: Duration,
    /// The first back-off after a 502 or 503; it doubles on each retry.
    pub retry_delay: Duration,
    /// Retries after a 502 or 503, and separately after a 429.
    pub retries: u32,
    /// The longest `Retry-After` a check is willing to honour.
    pub longest_retry_after: Duration,
    /// At most this many requests in flight at once; None leaves it to the pacer.
    pub max_in_flight: Option<usize>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(20),
            rate_limit_pause: Duration::from_secs(30),
            retry_delay: Duration::from_millis(500),
            retries: 3,
            longest_retry_after: Duration::from_secs(60),
            max_in_flight: None,
        }
    }
}

impl ClientOptions {
    /// The defaults, with `PATVAULT_AIRTABLE_TIMEOUT_SECS` for a shorter (or longer)
    /// request timeout.
    pub fn from_env() -> Self {
        let mut options = ClientOptions::default();
        if let Some(secs) = std::env::var("PATVAULT_AIRTABLE_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
        {
            options.timeout = Duration::from_secs_f64(secs);
        }
        options
    }
}

#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    root: ApiRoot,
    pacer: Pacer,
    options: ClientOptions,
    in_flight: Option<Semaphore>,
    sent: AtomicU64,
}

/// A request: its method, its path under the root, and the base it spends.
pub struct Request<'a> {
    pub method: Method,
    pub path: &'a [&'a str],
    pub query: &'a [(&'a str, &'a str)],
    pub base: Option<&'a str>,
}

impl Client {
    /// Must be called inside a tokio runtime: the pacer runs on it.
    pub fn new(root: ApiRoot, options: ClientOptions) -> Result<Self, ApiError> {
        // One process-wide TLS provider; a second install is a harmless no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("PAT Vault/", env!("CARGO_PKG_VERSION")))
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Network(format!("cannot set up HTTPS: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                root,
                pacer: Pacer::new(),
                in_flight: options.max_in_flight.map(|n| Semaphore::new(n.max(1))),
                options,
                sent: AtomicU64::new(0),
            }),
        })
    }

    pub fn root(&self) -> &ApiRoot {
        &self.inner.root
    }

    /// Requests sent so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// Requests on behalf of one token; `user_hint` is its user from an earlier check.
    pub fn caller<'a>(&'a self, secret: &'a Secret, user_hint: Option<String>) -> Caller<'a> {
        Caller {
            client: self,
            secret,
            spender: Mutex::new(user_hint.map_or(Spender::Unknown, Spender::User)),
            sent: AtomicU32::new(0),
        }
    }

    /// Sends, paced, with retries; a 2xx answer's body comes back, anything else is an
    /// error decoded from its status.
    async fn send(
        &self,
        secret: &Secret,
        spender: &Spender,
        request: Request<'_>,
        tally: &AtomicU32,
    ) -> Result<Vec<u8>, ApiError> {
        let options = &self.inner.options;
        let url = self.inner.root.url(request.path, request.query);
        let mut authorization =
            HeaderValue::from_str(&Zeroizing::new(format!("Bearer {}", secret.expose()))).map_err(
                |_| ApiError::Garbage("the token holds characters no header can carry".into()),
            )?;
        authorization.set_sensitive(true);
        let (mut failures, mut rate_limits) = (0u32, 0u32);
        loop {
            let _slot = match &self.inner.in_flight {
                Some(slots) => Some(
                    slots
                        .acquire()
                        .await
                        .expect("the semaphore is never closed"),
                ),
                None => None,
            };
            self.inner.pacer.ready(spender, request.base).await;
            self.inner.sent.fetch_add(1, Ordering::Relaxed);
            tally.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .inner
                .http
                .request(request.method.clone(), url.clone())
                .header(AUTHORIZATION, authorization.clone())
                .send();
            let response = match tokio::time::timeout(options.timeout, sent).await {
                Err(_) => return Err(ApiError::Timeout(options.timeout)),
                Ok(Err(e)) if e.is_timeout() => return Err(ApiError::Timeout(options.timeout)),
                Ok(Err(e)) => return Err(ApiError::Network(describe(e))),
                Ok(Ok(r)) => r,
            };
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let html = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            let body = match tokio::time::timeout(options.timeout, response.bytes()).await {
                Err(_) => return Err(ApiError::Timeout(options.timeout)),
                Ok(Err(e)) => return Err(ApiError::Network(describe(e))),
                Ok(Ok(b)) => b.to_vec(),
            };
            match status {
                s if s.is_success() && html => {
                    return Err(ApiError::Garbage(
                        "an HTML page came back instead of JSON (a proxy or captive portal may be in the way)".into(),
                    ));
                }
                s if s.is_success() => return Ok(body),
                StatusCode::TOO_MANY_REQUESTS => {
                    self.inner
                        .pacer
                        .pause(spender, request.base, options.rate_limit_pause);
                    rate_limits += 1;
                    if rate_limits > options.retries {
                        return Err(ApiError::RateLimited);
                    }
                }
                StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE => {
                    failures += 1;
                    if failures > options.retries {
                        return Err(ApiError::Unavailable {
                            status: status.as_u16(),
                            attempts: failures,
                        });
                    }
                    let backoff = options.retry_delay * 2u32.pow(failures - 1);
                    let wait = retry_after.unwrap_or(backoff);
                    if wait > options.longest_retry_after {
                        return Err(ApiError::RetryTooLate(wait));
                    }
                    tokio::time::sleep(wait).await;
                }
                StatusCode::UNAUTHORIZED => return Err(ApiError::Unauthorized),
                StatusCode::FORBIDDEN => return Err(ApiError::Forbidden(error_type(&body))),
                StatusCode::NOT_FOUND => return Err(ApiError::NotFound),
                StatusCode::UNPROCESSABLE_ENTITY => return Err(ApiError::Invalid),
                s if s.is_server_error() => return Err(ApiError::Server(s.as_u16())),
                s => return Err(ApiError::Unexpected(s.as_u16())),
            }
        }
    }
}

/// One token's requests: its secret, whose budget it spends (known once whoami has
/// answered), and how many requests it has sent.
pub struct Caller<'a> {
    client: &'a Client,
    secret: &'a Secret,
    spender: Mutex<Spender>,
    sent: AtomicU32,
}

impl Caller<'_> {
    pub fn sent(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }

    fn spender(&self) -> Spender {
        self.spender.lock().expect("spender lock").clone()
    }

    pub async fn send(&self, request: Request<'_>) -> Result<Vec<u8>, ApiError> {
        let spender = self.spender();
        self.client
            .send(self.secret, &spender, request, &self.sent)
            .await
    }

    pub async fn json<T: DeserializeOwned>(&self, request: Request<'_>) -> Result<T, ApiError> {
        let body = self.send(request).await?;
        serde_json::from_slice(&body).map_err(|e| ApiError::garbage(&body, &e))
    }

    /// Who the token acts as; from then on its requests spend that user's budget.
    pub async fn whoami(&self) -> Result<Whoami, ApiError> {
        let request = Request {
            method: Method::GET,
            path: &["v0", "meta", "whoami"],
            query: &[],
            base: None,
        };
        let who: Whoami = self.json(request).await?;
        *self.spender.lock().expect("spender lock") = Spender::User(who.id.clone());
        Ok(who)
    }

    /// Every base the token can list, following `offset` page after page.
    pub async fn list_bases(&self) -> Result<Vec<ListedBase>, ApiError> {
        let mut bases = Vec::new();
        let mut offset: Option<String> = None;
        loop {
            let query: Vec<(&str, &str)> = offset.iter().map(|o| ("offset", o.as_str())).collect();
            let request = Request {
                method: Method::GET,
                path: &["v0", "meta", "bases"],
                query: &query,
                base: None,
            };
            let page: BasePage = self.json(request).await?;
            bases.extend(page.bases);
            match page.offset {
                Some(next) if Some(&next) != offset.as_ref() => offset = Some(next),
                Some(_) => {
                    return Err(ApiError::Garbage(
                        "the same page offset came back twice".into(),
                    ));
                }
                None => return Ok(bases),
            }
        }
    }
}

/// The `type` of an Airtable error body, in words.
fn error_type(body: &[u8]) -> String {
    let kind = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["type"].as_str().map(str::to_owned));
    match kind.as_deref() {
        Some("INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND") | None => {
            "missing permission, or no such base or table".into()
        }
        Some("INVALID_PERMISSIONS") => "a table or field is restricted".into(),
        Some(other) => other.to_owned(),
    }
}

/// A transport error without the URL's query or anything from the request headers.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

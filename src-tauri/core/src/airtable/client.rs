//! One HTTP client for all checks: each request waits for the pacer, carries the token
//! as a sensitive header, has a timeout, and is retried a bounded number of times when
//! Airtable says so (429 `RATE_LIMIT_REACHED` after a pause, 502 and 503 after a
//! back-off). A spent monthly quota is never retried: it is remembered per base, and that
//! base's data requests are not sent again for an hour.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::{Notify, Semaphore, SemaphorePermit};
use zeroize::Zeroizing;

use super::error::ApiError;
use super::models::{BasePage, ListedBase, Whoami};
use super::pacer::{Pacer, SharedSpender, Spender};
use super::root::ApiRoot;
use super::text;
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
    /// Numbers the callers whose user is unknown, for the pacer to tell them apart.
    callers: AtomicU64,
    /// Bases whose workspace answered that its monthly quota is spent, and when.
    quota_spent: Mutex<HashMap<String, std::time::Instant>>,
    /// Wakes the requests waiting for their turn when an answer may have become known (a
    /// scope shown missing, a quota found spent): one whose answer is known leaves the
    /// queue before its turn comes. Granted, the turn would be spent on nothing: 900 of
    /// 2,900 turns were, on five unlike tokens of one user in a deep check (1.5 times the
    /// floor).
    news: Notify,
}

/// How long a spent monthly quota is believed without asking again.
const QUOTA_MEMORY: Duration = Duration::from_secs(3600);

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
        let mut http = reqwest::Client::builder()
            .user_agent(concat!("PAT Vault/", env!("CARGO_PKG_VERSION")))
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none());
        if root.is_loopback() {
            // A token sent to this machine must not travel through a proxy named in the
            // environment, in plain http at that.
            http = http.no_proxy();
        }
        let http = http.build().map_err(|e| {
            ApiError::Network(format!(
                "cannot set up HTTPS: {}. If no CA certificates were loaded, install \
                 the system's (on Debian: the ca-certificates package)",
                describe(e)
            ))
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                root,
                pacer: Pacer::new(),
                in_flight: options.max_in_flight.map(|n| Semaphore::new(n.max(1))),
                options,
                callers: AtomicU64::new(0),
                quota_spent: Mutex::new(HashMap::new()),
                news: Notify::new(),
            }),
        })
    }

    pub fn root(&self) -> &ApiRoot {
        &self.inner.root
    }

    /// Requests on behalf of one token; `user_hint` is its user from an earlier check.
    pub fn caller<'a>(&'a self, secret: &'a Secret, user_hint: Option<String>) -> Caller<'a> {
        Caller {
            client: self,
            secret,
            spender: Arc::new(Mutex::new(user_hint.map_or_else(
                || Spender::Unknown(self.inner.callers.fetch_add(1, Ordering::Relaxed)),
                Spender::User,
            ))),
            sent: Tally::default(),
        }
    }

    /// Sends, paced, with retries; a 2xx answer's body comes back, anything else is an
    /// error decoded from its status. `None` when `known` said, before the request left,
    /// that its answer is known already: it is asked before the pacer's wait and again
    /// after it, since other answers may arrive meanwhile.
    async fn send(
        &self,
        secret: &Secret,
        spender: &SharedSpender,
        request: Request<'_>,
        tally: &Tally,
        known: &(dyn Fn() -> bool + Sync),
    ) -> Option<Result<Vec<u8>, ApiError>> {
        let options = &self.inner.options;
        let url = self.inner.root.url(request.path, request.query);
        // Airtable's monthly quota binds the data routes of a workspace, not its metadata.
        let quota_base = request
            .base
            .filter(|_| request.path.get(1) != Some(&"meta"));
        let authorization = match bearer(secret) {
            Ok(value) => value,
            Err(e) => return Some(Err(e)),
        };
        let mut attempts = Attempts::default();
        loop {
            let _slot = match self
                .wait_turn(spender, request.base, quota_base, known)
                .await
            {
                Turn::Go(slot) => slot,
                Turn::Known => return None,
                Turn::QuotaSpent => return Some(Err(ApiError::QuotaExhausted)),
            };
            tally.count(request.base);
            let mut answer = match self.exchange(&request.method, &url, &authorization).await {
                Ok(answer) => answer,
                Err(e) => return Some(Err(e)),
            };
            match decide(&mut answer, &mut attempts, options) {
                Step::Done(result) => {
                    if let (Err(ApiError::QuotaExhausted), Some(base)) = (&result, quota_base) {
                        self.remember_quota_spent(base);
                    }
                    return Some(result);
                }
                Step::PauseAndRetry => {
                    self.inner
                        .pacer
                        .pause(&spender.lock(), request.base, options.rate_limit_pause);
                }
                Step::RetryAfter(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Waits for a free slot and the pacer's go. Whether the answer became known, or the
    /// base's quota was found spent, is asked before the wait, on each piece of news
    /// during it, and after it.
    async fn wait_turn(
        &self,
        spender: &SharedSpender,
        base: Option<&str>,
        quota_base: Option<&str>,
        known: &(dyn Fn() -> bool + Sync),
    ) -> Turn<'_> {
        let settled = || {
            if known() {
                Some(Turn::Known)
            } else if quota_base.is_some_and(|b| self.quota_spent(b)) {
                Some(Turn::QuotaSpent)
            } else {
                None
            }
        };
        // Created before the first look, so no news between the two is missed.
        let mut news = pin!(self.inner.news.notified());
        if let Some(settled) = settled() {
            return settled;
        }
        let slot = match &self.inner.in_flight {
            Some(slots) => Some(
                slots
                    .acquire()
                    .await
                    .expect("the semaphore is never closed"),
            ),
            None => None,
        };
        let mut ready = pin!(self.inner.pacer.ready(spender, base));
        loop {
            tokio::select! {
                () = &mut ready => break,
                () = news.as_mut() => {
                    news.set(self.inner.news.notified());
                    if let Some(settled) = settled() {
                        return settled;
                    }
                }
            }
        }
        settled().unwrap_or(Turn::Go(slot))
    }

    /// One request and its whole answer, each within the timeout.
    async fn exchange(
        &self,
        method: &Method,
        url: &reqwest::Url,
        authorization: &HeaderValue,
    ) -> Result<Answer, ApiError> {
        let timeout = self.inner.options.timeout;
        let sent = self
            .inner
            .http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, authorization.clone())
            .send();
        let response = match tokio::time::timeout(timeout, sent).await {
            Err(_) => return Err(ApiError::Timeout(timeout)),
            Ok(Err(e)) if e.is_timeout() => return Err(ApiError::Timeout(timeout)),
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
        let body = match tokio::time::timeout(timeout, read_capped(response)).await {
            Err(_) => return Err(ApiError::Timeout(timeout)),
            Ok(result) => result?,
        };
        Ok(Answer {
            status,
            retry_after,
            html,
            body,
        })
    }

    /// Whether a 429 `PUBLIC_API_BILLING_LIMIT_EXCEEDED` came from this base's data
    /// routes within the last hour: its workspace's month is spent, so asking again only
    /// costs the user time.
    fn quota_spent(&self, base: &str) -> bool {
        let spent = self.inner.quota_spent.lock();
        spent
            .get(base)
            .is_some_and(|at| at.elapsed() < QUOTA_MEMORY)
    }

    fn remember_quota_spent(&self, base: &str) {
        let mut spent = self.inner.quota_spent.lock();
        spent.insert(base.to_owned(), std::time::Instant::now());
        drop(spent);
        self.inner.news.notify_waiters();
    }
}

/// Whether a request may leave now.
enum Turn<'a> {
    Go(Option<SemaphorePermit<'a>>),
    /// Its answer became known while it waited.
    Known,
    /// Its base's monthly quota was found spent while it waited.
    QuotaSpent,
}

/// What came back for one request.
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    html: bool,
    body: Vec<u8>,
}

/// Retries spent so far on one request, counted apart for 429s and for 502/503s.
#[derive(Default)]
struct Attempts {
    failures: u32,
    rate_limits: u32,
}

/// What one answer means for the request that got it.
#[derive(Debug, PartialEq)]
enum Step {
    /// The request is over, with this result.
    Done(Result<Vec<u8>, ApiError>),
    /// The per-second limit was reached: pause the base and the user, then send again.
    PauseAndRetry,
    /// A 502 or 503: wait this long, then send again.
    RetryAfter(Duration),
}

/// The token as an `Authorization` header marked sensitive, so no debug output shows it.
fn bearer(secret: &Secret) -> Result<HeaderValue, ApiError> {
    let mut value = HeaderValue::from_str(&Zeroizing::new(format!("Bearer {}", secret.expose())))
        .map_err(|_| {
        ApiError::Garbage("the token holds characters no header can carry".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Reads an answer as `airtable-api.md` says: 2xx is the body (unless a proxy's HTML
/// page); a per-second 429 is paused and retried, a monthly one never; 502 and 503 are
/// retried with a doubling back-off or the server's `Retry-After`; the rest is an error.
fn decide(answer: &mut Answer, attempts: &mut Attempts, options: &ClientOptions) -> Step {
    let status = answer.status;
    let done = |e| Step::Done(Err(e));
    match status {
        s if s.is_success() && answer.html => done(ApiError::Garbage(
            "an HTML page came back instead of JSON (a proxy or captive portal may be in the way)"
                .into(),
        )),
        // The answer is done with: its body moves out rather than being copied.
        s if s.is_success() => Step::Done(Ok(std::mem::take(&mut answer.body))),
        StatusCode::TOO_MANY_REQUESTS => match ApiError::from_refusal(429, &answer.body) {
            ApiError::RateLimited => {
                attempts.rate_limits += 1;
                if attempts.rate_limits > options.retries {
                    done(ApiError::RateLimited)
                } else {
                    Step::PauseAndRetry
                }
            }
            // The monthly quota (waiting does not help until the month ends), or a 429 the
            // docs do not describe: waiting 30 s for what may not be the rate limit would
            // stall the check.
            other => done(other),
        },
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE => {
            attempts.failures += 1;
            if attempts.failures > options.retries {
                return done(ApiError::Unavailable {
                    status: status.as_u16(),
                    attempts: attempts.failures,
                });
            }
            let backoff = options.retry_delay * 2u32.pow(attempts.failures - 1);
            let wait = answer.retry_after.unwrap_or(backoff);
            if wait > options.longest_retry_after {
                done(ApiError::RetryTooLate(wait))
            } else {
                Step::RetryAfter(wait)
            }
        }
        StatusCode::UNAUTHORIZED => done(ApiError::Unauthorized),
        StatusCode::FORBIDDEN
        | StatusCode::NOT_FOUND
        | StatusCode::PAYLOAD_TOO_LARGE
        | StatusCode::UNPROCESSABLE_ENTITY => {
            done(ApiError::from_refusal(status.as_u16(), &answer.body))
        }
        s if s.is_server_error() => done(ApiError::Server(s.as_u16())),
        s => done(ApiError::Unexpected {
            status: s.as_u16(),
            kind: None,
        }),
    }
}

/// One token's requests: its secret, whose budget it spends (known once whoami has
/// answered), and how many requests it has sent.
pub struct Caller<'a> {
    client: &'a Client,
    secret: &'a Secret,
    spender: SharedSpender,
    sent: Tally,
}

/// Requests one token has sent, in all and per base.
#[derive(Default)]
struct Tally {
    total: AtomicU32,
    per_base: Mutex<HashMap<String, u32>>,
}

impl Tally {
    fn count(&self, base: Option<&str>) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if let Some(base) = base {
            let mut per_base = self.per_base.lock();
            *per_base.entry(base.to_owned()).or_default() += 1;
        }
    }
}

impl Caller<'_> {
    pub fn sent(&self) -> u32 {
        self.sent.total.load(Ordering::Relaxed)
    }

    /// Whether its user is known (from an earlier check, or whoami has answered).
    pub fn knows_user(&self) -> bool {
        matches!(*self.spender.lock(), Spender::User(_))
    }

    /// Requests sent to `base` so far.
    pub fn sent_to(&self, base: &str) -> u32 {
        let per_base = self.sent.per_base.lock();
        per_base.get(base).copied().unwrap_or(0)
    }

    /// Something a waiting request's `known` reads has changed: each asks it again.
    pub fn news(&self) {
        self.client.inner.news.notify_waiters();
    }

    /// Whether `base`'s workspace was found out of monthly quota (see `Client`).
    pub fn quota_spent(&self, base: &str) -> bool {
        self.client.quota_spent(base)
    }

    pub async fn send(&self, request: Request<'_>) -> Result<Vec<u8>, ApiError> {
        self.send_unless(request, &|| false)
            .await
            .expect("an answer that is never known beforehand")
    }

    /// Sends unless `known` says, before the request leaves, that its answer is known.
    pub async fn send_unless(
        &self,
        request: Request<'_>,
        known: &(dyn Fn() -> bool + Sync),
    ) -> Option<Result<Vec<u8>, ApiError>> {
        self.client
            .send(self.secret, &self.spender, request, &self.sent, known)
            .await
            .map(|answer| answer.map_err(|e| e.cleaned(self.secret)))
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
        let mut who: Whoami = match self.json(request).await {
            Ok(who) => who,
            Err(e) => {
                if let (ApiError::Unauthorized, Spender::Unknown(token)) =
                    (&e, &*self.spender.lock())
                {
                    self.client.inner.pacer.nobodys(*token);
                }
                return Err(e);
            }
        };
        who.id = text::clean(&who.id, self.secret);
        who.email = who.email.map(|e| text::clean(&e, self.secret));
        let was = std::mem::replace(&mut *self.spender.lock(), Spender::User(who.id.clone()));
        if let Spender::Unknown(token) = was {
            self.client.inner.pacer.resolved(token, &who.id);
        }
        Ok(who)
    }

    /// Every base the token can list, following `offset` page after page. An offset
    /// holds a `/` (`itr…/app…`): it goes back as an encoded query parameter.
    pub async fn list_bases(&self) -> Result<Vec<ListedBase>, ApiError> {
        let mut bases = Vec::new();
        let mut offset: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let query: Vec<(&str, &str)> = offset.iter().map(|o| ("offset", o.as_str())).collect();
            let request = Request {
                method: Method::GET,
                path: &["v0", "meta", "bases"],
                query: &query,
                base: None,
            };
            let page: BasePage = self.json(request).await?;
            bases.extend(page.bases.into_iter().map(|b| ListedBase {
                id: text::clean(&b.id, self.secret),
                name: text::clean(&b.name, self.secret),
                permission_level: text::clean(&b.permission_level, self.secret),
            }));
            match page.offset.filter(|o| !o.is_empty()) {
                Some(next) if seen.insert(next.clone()) => offset = Some(next),
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

/// The largest answer read: a page of 1,000 bases or a big base's schema is far smaller,
/// and anything larger is not Airtable's doing.
const LARGEST_BODY: usize = 8 << 20;

/// The body, read only up to `LARGEST_BODY`.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, ApiError> {
    let too_big = || {
        ApiError::Garbage(format!(
            "the answer was larger than {} MiB",
            LARGEST_BODY >> 20
        ))
    };
    if response
        .content_length()
        .is_some_and(|n| n > LARGEST_BODY as u64)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ApiError::Network(describe(e)))?
    {
        if body.len() + chunk.len() > LARGEST_BODY {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            retry_after: None,
            html: false,
            body: body.as_bytes().to_vec(),
        }
    }

    fn options() -> ClientOptions {
        ClientOptions {
            retries: 2,
            retry_delay: Duration::from_millis(100),
            ..ClientOptions::default()
        }
    }

    #[test]
    fn a_per_second_429_in_either_form_pauses_then_gives_up_after_the_retries() {
        for body in [
            r#"{"errors":[{"error":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}]}"#,
            r#"{"error":{"type":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}}"#,
        ] {
            let mut attempts = Attempts::default();
            let steps: Vec<Step> = (0..3)
                .map(|_| decide(&mut answer(429, body), &mut attempts, &options()))
                .collect();
            assert_eq!(
                steps,
                [
                    Step::PauseAndRetry,
                    Step::PauseAndRetry,
                    Step::Done(Err(ApiError::RateLimited))
                ],
                "{body}"
            );
        }
    }

    #[test]
    fn a_spent_monthly_quota_and_a_413_end_the_request_at_once() {
        let spent = r#"{"errors":[{"error":"PUBLIC_API_BILLING_LIMIT_EXCEEDED","message":"API billing plan limit exceeded. You've reached the maximum number of requests allowed for this month."}]}"#;
        let mut attempts = Attempts::default();
        assert_eq!(
            decide(&mut answer(429, spent), &mut attempts, &options()),
            Step::Done(Err(ApiError::QuotaExhausted))
        );
        assert_eq!(
            decide(&mut answer(413, ""), &mut attempts, &options()),
            Step::Done(Err(ApiError::TooLarge))
        );
        assert_eq!((attempts.rate_limits, attempts.failures), (0, 0));
    }

    #[test]
    fn a_502_or_503_backs_off_doubling_and_honours_a_retry_after_within_reason() {
        let mut attempts = Attempts::default();
        let steps: Vec<Step> = (0..3)
            .map(|_| decide(&mut answer(502, ""), &mut attempts, &options()))
            .collect();
        assert_eq!(
            steps,
            [
                Step::RetryAfter(Duration::from_millis(100)),
                Step::RetryAfter(Duration::from_millis(200)),
                Step::Done(Err(ApiError::Unavailable {
                    status: 502,
                    attempts: 3
                }))
            ]
        );
        let mut told = answer(503, "");
        told.retry_after = Some(Duration::from_secs(2));
        assert_eq!(
            decide(&mut told, &mut Attempts::default(), &options()),
            Step::RetryAfter(Duration::from_secs(2))
        );
        told.retry_after = Some(Duration::from_secs(600));
        assert_eq!(
            decide(&mut told, &mut Attempts::default(), &options()),
            Step::Done(Err(ApiError::RetryTooLate(Duration::from_secs(600))))
        );
    }

    #[test]
    fn a_success_is_its_body_unless_it_is_a_proxys_html_page() {
        let mut attempts = Attempts::default();
        assert_eq!(
            decide(&mut answer(200, "{}"), &mut attempts, &options()),
            Step::Done(Ok(b"{}".to_vec()))
        );
        let mut page = answer(200, "<html>");
        page.html = true;
        assert!(matches!(
            decide(&mut page, &mut attempts, &options()),
            Step::Done(Err(ApiError::Garbage(_)))
        ));
        assert_eq!(
            decide(&mut answer(418, ""), &mut attempts, &options()),
            Step::Done(Err(ApiError::Unexpected {
                status: 418,
                kind: None
            }))
        );
    }
}

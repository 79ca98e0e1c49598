//! A fake Airtable Web API on a loopback port, behaving as `shared/airtable-api.md`
//! says: tokens narrowed by scopes, base grants and roles (admins listed as `none`);
//! table restrictions; a missing table answered 403 (or, as an option, 404); the
//! documented error bodies; both rate limits with their penalty; the monthly quota;
//! tokens edited in place; calls with side effects counted; and faults injected per
//! route, captured answers among them. Tests start it
//! in-process with [`FakeAirtable::start`]; the demo, the benchmark and people start the
//! `fake-airtable` binary.

pub mod accounts;
mod answers;
mod api;
pub mod scenario;
mod traffic;
pub mod world;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use parking_lot::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use percent_encoding::percent_decode_str;
use tokio::sync::oneshot;

pub use scenario::{Fault, FaultKind, Route, Scenario};
pub use traffic::{KeyStats, Stats};

use api::Call;
use traffic::{Admission, Traffic};

struct Shared {
    scenario: Mutex<Scenario>,
    traffic: Mutex<Traffic>,
    /// Each injected fault with how many times it has struck.
    faults: Mutex<Vec<(Fault, u32)>>,
}

impl Shared {
    fn set_faults(&self, faults: Vec<Fault>) {
        *self.faults.lock() = faults.into_iter().map(|f| (f, 0)).collect();
    }
}

pub struct FakeAirtable {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeAirtable {
    /// Serves `scenario` on a free loopback port, on a runtime of its own.
    pub fn start(scenario: Scenario) -> std::io::Result<Self> {
        Self::start_on(scenario, 0)
    }

    pub fn start_on(scenario: Scenario, port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let faults = scenario.faults.clone();
        let shared = Arc::new(Shared {
            scenario: Mutex::new(scenario),
            traffic: Mutex::new(Traffic::default()),
            faults: Mutex::new(Vec::new()),
        });
        shared.set_faults(faults);
        let (stop, stopped) = oneshot::channel::<()>();
        let app = Router::new()
            .route("/_fake/stats", get(stats))
            .route("/_fake/faults", put(replace_faults))
            .route("/_fake/revoke", post(revoke))
            .route("/_fake/quota", put(set_quota))
            .route("/_fake/token", put(edit_token))
            .fallback(handle)
            .with_state(shared.clone());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("a bound listener");
                let server = axum::serve(listener, app);
                tokio::select! {
                    _ = server => {}
                    _ = stopped => {}
                }
            });
            // Requests left hanging on purpose must not hold the test up.
            runtime.shutdown_background();
        });
        Ok(FakeAirtable {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The API root to give the client, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stats(&self) -> Stats {
        self.shared.traffic.lock().stats()
    }

    /// Forgets all counts and rate-limit windows, as after a quiet minute.
    pub fn reset_traffic(&self) {
        self.shared.traffic.lock().reset();
    }

    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.shared.set_faults(faults);
    }

    /// Changes the scenario while serving: revoke a token, change a role.
    pub fn update(&self, change: impl FnOnce(&mut Scenario)) {
        change(&mut self.shared.scenario.lock());
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for FakeAirtable {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Replaces the injected faults while serving, for tests that drive another process.
async fn replace_faults(
    State(shared): State<Arc<Shared>>,
    axum::Json(faults): axum::Json<Vec<Fault>>,
) -> axum::http::StatusCode {
    shared.set_faults(faults);
    axum::http::StatusCode::NO_CONTENT
}

/// Revokes the token whose ID (the part before the dot) is the body, as its owner
/// deleting it in Airtable would; 404 when no token has that ID.
async fn revoke(State(shared): State<Arc<Shared>>, token_id: String) -> axum::http::StatusCode {
    let mut scenario = shared.scenario.lock();
    let prefix = format!("{}.", token_id.trim());
    match scenario
        .tokens
        .iter_mut()
        .find(|t| t.token.starts_with(&prefix))
    {
        Some(token) => {
            token.revoked = true;
            axum::http::StatusCode::NO_CONTENT
        }
        None => axum::http::StatusCode::NOT_FOUND,
    }
}

/// A token edited in place at airtable.com/create/tokens: same secret, new reach.
#[derive(serde::Deserialize)]
struct TokenEdit {
    /// The token's ID, the part before the dot.
    id: String,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    bases: Option<Vec<String>>,
}

/// Edits a token's scopes or bases while serving; 404 when no token has that ID.
async fn edit_token(
    State(shared): State<Arc<Shared>>,
    axum::Json(edit): axum::Json<TokenEdit>,
) -> axum::http::StatusCode {
    let mut scenario = shared.scenario.lock();
    let prefix = format!("{}.", edit.id.trim());
    let Some(token) = scenario
        .tokens
        .iter_mut()
        .find(|t| t.token.starts_with(&prefix))
    else {
        return axum::http::StatusCode::NOT_FOUND;
    };
    if let Some(scopes) = edit.scopes {
        token.scopes = scopes;
    }
    if let Some(bases) = edit.bases {
        token.bases = bases;
        token.all_bases = false;
    }
    axum::http::StatusCode::NO_CONTENT
}

#[derive(serde::Deserialize)]
struct QuotaSwitch {
    base: String,
    exhausted: bool,
}

/// Spends (or restores) a base's monthly quota while serving; 404 for an unknown base.
async fn set_quota(
    State(shared): State<Arc<Shared>>,
    axum::Json(switch): axum::Json<QuotaSwitch>,
) -> axum::http::StatusCode {
    let mut scenario = shared.scenario.lock();
    match scenario.bases.iter_mut().find(|b| b.id == switch.base) {
        Some(base) => {
            base.quota_exhausted = switch.exhausted;
            axum::http::StatusCode::NO_CONTENT
        }
        None => axum::http::StatusCode::NOT_FOUND,
    }
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let stats = shared.traffic.lock().stats();
    axum::Json(stats).into_response()
}

fn call(method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Call {
    let segments = uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let query = uri
        .query()
        .map(|q| {
            q.split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| {
                    (
                        k.to_owned(),
                        percent_decode_str(v).decode_utf8_lossy().into_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    Call {
        method: method.as_str().to_owned(),
        segments,
        query,
        bearer,
        has_body: !body.is_empty(),
    }
}

fn route_name(route: Route) -> String {
    serde_json::to_value(route)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = call(&method, &uri, &headers, &body);
    let Some(target) = call.target() else {
        shared.traffic.lock().count("unknown", None, None);
        return answers::not_found();
    };
    let (token, settings) = {
        let scenario = shared.scenario.lock();
        let token = call
            .bearer
            .as_deref()
            .and_then(|b| scenario.token(b))
            .filter(|t| !t.revoked)
            .cloned();
        (token, scenario.settings.clone())
    };
    let admission = {
        let mut traffic = shared.traffic.lock();
        let user = token.as_ref().map(|t| t.owner.as_str());
        traffic.count(&route_name(target.route), user, target.base.as_deref());
        if call.has_body {
            traffic.count_body();
        }
        if target.route == Route::ListWebhookPayloads {
            traffic.count_mutation();
        }
        user.map(|u| traffic.admit(&settings, u, target.base.as_deref()))
    };
    let latency = Duration::from_millis(settings.latency_ms);
    let Some(token) = token else {
        tokio::time::sleep(latency).await;
        return answers::unauthorized();
    };
    if let Some(Admission::RateLimited) = admission {
        tokio::time::sleep(latency).await;
        return answers::rate_limited();
    }
    let fault = strike(&shared, &target);
    tokio::time::sleep(latency).await;
    match fault {
        Some(FaultKind::ServerError) => return answers::server_error(),
        Some(FaultKind::BadGateway) => return answers::bad_gateway(),
        Some(FaultKind::Unavailable { retry_after_secs }) => {
            return answers::unavailable(retry_after_secs);
        }
        Some(FaultKind::HtmlPage) => return answers::html_page(),
        Some(FaultKind::TruncatedJson) => return answers::truncated_json(),
        Some(FaultKind::Hang) => std::future::pending::<()>().await,
        Some(FaultKind::Latency { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(FaultKind::Answer { status, body, raw }) => {
            return answers::replay(
                status,
                body.as_ref(),
                raw.as_deref(),
                call.bearer.as_deref().unwrap_or_default(),
            );
        }
        None => {}
    }
    if call.has_body {
        return answers::invalid_request();
    }
    let answer = {
        let scenario = shared.scenario.lock();
        api::answer(&scenario, &token, &call, &target)
    };
    if answer.status() == axum::http::StatusCode::TOO_MANY_REQUESTS {
        shared.traffic.lock().count_billing_limited();
    }
    answer
}

/// The first injected fault that matches this request and has strikes left.
fn strike(shared: &Shared, target: &api::Target) -> Option<FaultKind> {
    let mut faults = shared.faults.lock();
    let (fault, struck) = faults.iter_mut().find(|(f, struck)| {
        f.route == target.route
            && (f.base.is_none() || f.base == target.base)
            && f.times.is_none_or(|t| *struck < t)
    })?;
    *struck += 1;
    Some(fault.kind.clone())
}

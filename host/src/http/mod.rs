//! HTTP: the router, authentication, the choice of dialect (spec §2), and
//! the plumbing every dialect shares. Each dialect module only maps HTTP to
//! `api` calls and renders that dialect's shapes; the rules are the component's.

// Handlers return a ready `Response` as their error: that is axum's idiom, and
// errors are the cold path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod bluerocktel;
pub mod body;
mod console;
pub mod form;
pub mod helperiq;
mod openapi;
pub(crate) mod ops;
mod permit;
mod platform;
pub mod ratelimit;
pub mod relatecrm;
pub mod routes;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::{Agent, Auth};
use crate::backends::Backend;
use crate::bindings::api;
use crate::bindings::types::{Caller, Context, Dialect, Error};
use crate::runtime::Runtime;

/// What every handler can reach.
pub struct App {
    pub runtime: Runtime,
    pub auth: Auth,
    pub default_dialect: Dialect,
    /// The database behind the capabilities: the platform's records, the
    /// outbox, health, and host-side work such as webhook delivery.
    pub backend: Backend,
    /// Requests counted by route, dialect and status (`/metrics`).
    pub metrics: crate::metrics::Metrics,
    /// Believe `X-Forwarded-Host` and `-Proto` (a proxy in front sets them).
    pub trust_proxy: bool,
    /// The buckets of `--rate-limit`, when a limit is in force.
    pub rate_limit: Option<ratelimit::Limiter>,
    /// The extensions it runs, for their counts in `/metrics`.
    pub extensions: Option<Arc<crate::extensions::Extensions>>,
}

pub type Shared = Arc<App>;

pub fn router(app: Shared) -> Router {
    routes::router()
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            ratelimit::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            ops::track,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(body::MAX_BODY))
        .with_state(app)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"message": "Not found."})),
    )
        .into_response()
}

/// An authenticated request: the agent and the dialect it speaks.
pub struct Authed {
    pub agent: Agent,
    pub dialect: Dialect,
}

impl Authed {
    pub fn context(&self, dialect: Dialect) -> Context {
        Context {
            caller: Caller {
                agent_id: self.agent.id,
                first_name: self.agent.first_name.clone(),
                last_name: self.agent.last_name.clone(),
                scopes: self.agent.scopes.clone(),
            },
            dialect,
        }
    }
}

pub fn parse_dialect(name: &str) -> Option<Dialect> {
    Dialect::parse(name)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<Shared> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Response> {
        // Spec §2: header, then the token's dialect, then the server default.
        // Without a valid token, the same order less the token decides the
        // shape of the 401.
        let header = parts
            .headers
            .get("x-contacts-dialect")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_dialect);
        let refused = || unauthenticated(header.unwrap_or(app.default_dialect));
        let token = bearer(&parts.headers).ok_or_else(refused)?.to_owned();
        let app2 = app.clone();
        let agent = tokio::task::spawn_blocking(move || app2.auth.verify(&token))
            .await
            .map_err(|e| internal(&e.to_string()))?
            .map_err(|e| internal(&format!("{e:#}")))?
            .ok_or_else(refused)?;
        let dialect = header
            .or_else(|| agent.dialect.as_deref().and_then(parse_dialect))
            .unwrap_or(app.default_dialect);
        if let Some(seen) = parts.extensions.get::<ops::SeenDialect>() {
            seen.set(dialect);
        }
        Ok(Authed { agent, dialect })
    }
}

/// The 401 of a dialect: HelperIQ's envelope, or Laravel's message.
pub fn unauthenticated(dialect: Dialect) -> Response {
    match dialect {
        Dialect::Helperiq => helperiq::error(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedException",
            "Unauthenticated.",
        ),
        Dialect::Bluerocktel | Dialect::Relatecrm => (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"message": "Unauthenticated."})),
        )
            .into_response(),
    }
}

/// What a client is told of an internal error (the detail goes to the log).
pub const INTERNAL_MESSAGE: &str = "Internal error; nothing was written.";

pub fn internal(detail: &str) -> Response {
    tracing::error!("internal error: {detail}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({"message": INTERNAL_MESSAGE})),
    )
        .into_response()
}

/// Runs one `api` call on a blocking worker. A trap becomes a 500 for this
/// request only; the guest's own errors come back to the caller to render.
pub async fn call<T: Send + 'static>(
    app: &Shared,
    f: impl FnOnce(&api::Guest, &mut wasmtime::Store<crate::runtime::State>) -> wasmtime::Result<T>
    + Send
    + 'static,
) -> Result<T, Response> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || app.runtime.call(f))
        .await
        .map_err(|e| internal(&e.to_string()))?
        .map_err(|e| internal(&format!("{e:#}")))
}

/// Runs host-side work (the database, no component) on a blocking worker;
/// a failure is a 500 for this request only.
pub fn blocking<T: Send + 'static>(
    app: &Shared,
    f: impl FnOnce(&App) -> anyhow::Result<T> + Send + 'static,
) -> impl std::future::Future<Output = Result<T, Response>> {
    let app = app.clone();
    async move {
        tokio::task::spawn_blocking(move || f(&app))
            .await
            .map_err(|e| internal(&e.to_string()))?
            .map_err(|e| internal(&format!("{e:#}")))
    }
}

/// A path id: digits only.
pub fn path_id(raw: &str) -> Option<u64> {
    if raw.is_empty() || raw.len() > 19 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// The absolute URL of this server, as the client reached it. The
/// `X-Forwarded-Host` and `-Proto` headers count only behind a proxy the
/// operator trusts (`--trust-proxy`): anyone can send them. A host is kept
/// only when it is a plain `host[:port]`, and a scheme only when it is http
/// or https, so a link built from them cannot become `javascript:`.
pub fn base_url(app: &App, headers: &HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|h| h.to_str().ok());
    let forwarded = |name: &str| header(name).filter(|_| app.trust_proxy);
    let host = forwarded("x-forwarded-host")
        .and_then(|h| h.split(',').next())
        .map(str::trim)
        .filter(|h| is_authority(h))
        .or_else(|| header("host").filter(|h| is_authority(h)))
        .unwrap_or("localhost");
    let scheme = match forwarded("x-forwarded-proto").map(str::trim) {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// `host`, `host:port` or `[v6]:port`: no scheme, path, user or spaces.
fn is_authority(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
}

// ---- routes shared by dialects (spec §2) ----

async fn contacts_index(
    State(app): State<Shared>,
    auth: Authed,
    req: Request,
) -> Result<Response, Response> {
    match auth.dialect {
        Dialect::Bluerocktel => bluerocktel::index(app, auth, req).await,
        Dialect::Helperiq => helperiq::index(app, auth, req).await,
        Dialect::Relatecrm => relatecrm::index(State(app), auth, req).await,
    }
}

async fn contacts_show(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    match auth.dialect {
        Dialect::Bluerocktel => bluerocktel::show(app, auth, id, headers).await,
        Dialect::Helperiq => helperiq::show(app, auth, id).await,
        Dialect::Relatecrm => relatecrm::show(State(app), auth, Path(id)).await,
    }
}

async fn contacts_update(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    match auth.dialect {
        Dialect::Bluerocktel => bluerocktel::update(app, auth, id, req).await,
        Dialect::Helperiq => helperiq::update(app, auth, id, req).await,
        Dialect::Relatecrm => relatecrm::update(State(app), auth, Path(id), req).await,
    }
}

async fn contacts_destroy(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    match auth.dialect {
        Dialect::Bluerocktel => bluerocktel::destroy(app, auth, id).await,
        Dialect::Helperiq => helperiq::destroy(app, auth, id).await,
        Dialect::Relatecrm => relatecrm::destroy(State(app), auth, Path(id)).await,
    }
}

/// The first message and the per-field map of a validation error.
pub fn field_errors(errors: &[crate::bindings::types::FieldError]) -> (String, Value) {
    let mut map = serde_json::Map::new();
    for e in errors {
        let entry = map
            .entry(e.field.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(Value::String(e.message.clone()));
        }
    }
    let first = errors.first().map_or_else(
        || "The given data was invalid.".to_owned(),
        |e| e.message.clone(),
    );
    let message = match errors.len() {
        0 | 1 => first,
        n => format!(
            "{first} (and {} more error{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    (message, Value::Object(map))
}

/// The Laravel-style error response shared by bluerocktel and relatecrm.
pub fn laravel_error(e: Error) -> Response {
    let (status, body) = laravel_error_parts(e);
    (status, axum::Json(body)).into_response()
}

/// The status and body of [`laravel_error`], for routes that add to the body.
pub fn laravel_error_parts(e: Error) -> (StatusCode, Value) {
    match e {
        Error::NotFound(m) => (StatusCode::NOT_FOUND, json!({"message": m})),
        Error::Forbidden(m) => (StatusCode::FORBIDDEN, json!({"message": m})),
        Error::Invalid(list) => {
            let (message, errors) = field_errors(&list);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"message": message, "errors": errors}),
            )
        }
        Error::BadRequest(m) => (StatusCode::BAD_REQUEST, json!({"message": m})),
        Error::Conflict(m) => (StatusCode::CONFLICT, json!({"message": m})),
        Error::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, json!({"message": m})),
    }
}

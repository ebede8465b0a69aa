//! Sessions and the caller: password login (what the BlueRockTEL SDK does
//! first), `agents/me`, and the outbox feed.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::body;
use super::helperiq::Hq;
use super::{Authed, Shared, blocking};
use crate::auth::Login;

fn unprocessable(errors: &[(&str, &str)]) -> Response {
    let mut map = serde_json::Map::new();
    for (f, m) in errors {
        map.insert((*f).to_owned(), json!([m]));
    }
    let message = errors.first().map_or("", |e| e.1);
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"message": message, "errors": map})),
    )
        .into_response()
}

/// `POST /api/login`: credentials from the body (JSON or form) or the query
/// string; the body wins.
pub async fn login(State(app): State<Shared>, req: Request) -> Result<Response, Response> {
    let query = req.uri().query().map(str::to_owned);
    let map = body::object(req).await.unwrap_or_default();
    let pick = |name: &str| -> Option<String> {
        match map.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => body::query_param(query.as_deref(), name).filter(|s| !s.is_empty()),
        }
    };
    let (email, password) = (pick("email"), pick("password"));
    let mut missing = Vec::new();
    if email.is_none() {
        missing.push(("email", "The email field is required."));
    }
    if password.is_none() {
        missing.push(("password", "The password field is required."));
    }
    let (Some(email), Some(password)) = (email, password) else {
        return Err(unprocessable(&missing));
    };
    let outcome = blocking(&app, move |app| app.auth.login(&email, &password)).await?;
    Ok(match outcome {
        Login::Ok { agent, token } => Json(json!({
            "user": {
                "id": agent.id,
                "first_name": agent.first_name,
                "last_name": agent.last_name,
                "email": agent.email,
            },
            "token": token,
        }))
        .into_response(),
        Login::Invalid => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Invalid credentials."})),
        )
            .into_response(),
        Login::Locked(wait) => {
            let mut resp = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"message": "Too many login attempts. Please try again later."})),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                resp.headers_mut().insert("retry-after", v);
            }
            resp
        }
    })
}

/// `GET /api/v1/agents/me`: the caller and what it may do (a HelperIQ route).
pub async fn me(Hq(auth): Hq) -> Response {
    let a = &auth.agent;
    Json(json!({
        "status": "success",
        "message": null,
        "data": {
            "id": a.id,
            "first_name": a.first_name,
            "last_name": a.last_name,
            "email": a.email,
            "permissions": a.effective_scopes(),
        }
    }))
    .into_response()
}

/// `GET /api/v1/events?after=SEQ&limit=N`: the outbox, oldest first.
pub async fn events(
    State(app): State<Shared>,
    _auth: Authed,
    req: Request,
) -> Result<Response, Response> {
    let query = req.uri().query();
    let after = body::query_param(query, "after")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    let limit = body::query_param(query, "limit")
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let list = blocking(&app, move |app| app.backend.outbox.after(after, limit)).await?;
    let next = list.last().map_or(after, |e| e.seq);
    Ok(Json(json!({"data": list, "next": next})).into_response())
}

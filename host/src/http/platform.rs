//! The reference host's platform directory REST (spec §7): the minimum to
//! create the records contacts refer to. Agents use the CLI instead. Its
//! routes are in the table of `routes.rs`.

use axum::Json;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::body::{self, as_integer};
use super::{Authed, Shared, blocking, path_id};
use crate::auth::ADMIN;
use crate::bindings::directory::{ClientAccount, RecordKind};
use crate::bindings::types::OwnerKind;
use crate::capabilities::directory::kind_name;

/// A caller holding the `admin` scope. As an extractor it runs before the
/// body is read, so a missing scope is a 403 before any validation.
pub(super) struct Admin;

impl FromRequestParts<Shared> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Response> {
        let auth = Authed::from_request_parts(parts, app).await?;
        if auth.agent.effective_scopes().iter().any(|s| s == ADMIN) {
            Ok(Admin)
        } else {
            Err((
                StatusCode::FORBIDDEN,
                Json(json!({"message": "This action needs the admin scope."})),
            )
                .into_response())
        }
    }
}

fn unprocessable(field: &str, message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"message": message, "errors": {field: [message]}})),
    )
        .into_response()
}

async fn read(req: Request) -> Result<Map<String, Value>, Response> {
    body::object(req).await.map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": e.message()})),
        )
            .into_response()
    })
}

/// A required, non-empty string field of at most 191 characters.
fn required_text(map: &Map<String, Value>, names: &[&str]) -> Result<String, Response> {
    let field = names[0];
    match names.iter().find_map(|n| map.get(*n)) {
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 191 => {
            Ok(s.trim().to_owned())
        }
        Some(Value::String(s)) if !s.trim().is_empty() => Err(unprocessable(
            field,
            &format!("The {field} field must not be greater than 191 characters."),
        )),
        _ => Err(unprocessable(
            field,
            &format!("The {field} field is required."),
        )),
    }
}

fn optional_text(map: &Map<String, Value>, names: &[&str]) -> Result<Option<String>, Response> {
    match names.iter().find_map(|n| map.get(*n)) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => required_text(map, names).map(Some),
    }
}

async fn create_owner(app: Shared, kind: OwnerKind, req: Request) -> Result<Response, Response> {
    let map = read(req).await?;
    let name = required_text(&map, &["name"])?;
    let account = optional_text(&map, &["customer_account", "customerAccount"])?;
    let owner = blocking(&app, move |app| {
        app.backend
            .admin
            .create_owner(kind, &name, account.as_deref())
    })
    .await?;
    let body = json!({
        "id": owner.id,
        "type": kind_name(kind),
        "name": owner.name,
        "customer_account": owner.account,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(super) async fn create_customer(
    State(app): State<Shared>,
    _admin: Admin,
    req: Request,
) -> Result<Response, Response> {
    create_owner(app, OwnerKind::Customer, req).await
}

pub(super) async fn create_prospect(
    State(app): State<Shared>,
    _admin: Admin,
    req: Request,
) -> Result<Response, Response> {
    create_owner(app, OwnerKind::Prospect, req).await
}

async fn create_record(
    app: Shared,
    kind: RecordKind,
    name_field: &'static str,
    req: Request,
) -> Result<Response, Response> {
    let map = read(req).await?;
    let name = required_text(&map, &[name_field])?;
    let domain = match kind {
        RecordKind::Company => optional_text(&map, &["domain"])?,
        _ => None,
    };
    let echo_domain = domain.clone();
    let id = blocking(&app, move |app| {
        app.backend
            .admin
            .create_record(kind, &name, domain.as_deref())
    })
    .await?;
    let mut body = json!({ "id": id, name_field: map.get(name_field) });
    if let (RecordKind::Company, Value::Object(obj)) = (kind, &mut body) {
        obj.insert("domain".into(), json!(echo_domain));
    }
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(super) async fn create_company(
    State(app): State<Shared>,
    _admin: Admin,
    req: Request,
) -> Result<Response, Response> {
    create_record(app, RecordKind::Company, "name", req).await
}

pub(super) async fn create_deal(
    State(app): State<Shared>,
    _admin: Admin,
    req: Request,
) -> Result<Response, Response> {
    create_record(app, RecordKind::Deal, "name", req).await
}

pub(super) async fn create_activity(
    State(app): State<Shared>,
    _admin: Admin,
    req: Request,
) -> Result<Response, Response> {
    create_record(app, RecordKind::Activity, "title", req).await
}

fn contact_id(map: &Map<String, Value>) -> Result<u64, Response> {
    map.get("contact_id")
        .and_then(as_integer)
        .filter(|id| *id > 0)
        .map(|id| id as u64)
        .ok_or_else(|| unprocessable("contact_id", "The contact_id field must be a contact id."))
}

pub(super) async fn create_conversation(
    State(app): State<Shared>,
    _admin: Admin,
    req: Request,
) -> Result<Response, Response> {
    let map = read(req).await?;
    let contact = contact_id(&map)?;
    let subject = required_text(&map, &["subject"])?;
    let last_message = match map.get("last_message") {
        Some(Value::String(s)) if s.len() <= 65_535 => s.clone(),
        None | Some(Value::Null) => String::new(),
        _ => {
            return Err(unprocessable(
                "last_message",
                "The last_message field must be a string.",
            ));
        }
    };
    let conv = blocking(&app, move |app| {
        app.backend
            .admin
            .create_conversation(contact, &subject, &last_message)
    })
    .await?;
    let body = json!({
        "id": conv.id,
        "uuid": conv.uuid,
        "contact_id": contact,
        "subject": conv.subject,
        "last_message": conv.last_message,
        "created_at": conv.created_at,
        "last_message_at": conv.last_message_at,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(super) async fn create_client(
    State(app): State<Shared>,
    _admin: Admin,
    req: Request,
) -> Result<Response, Response> {
    let map = read(req).await?;
    let contact = contact_id(&map)?;
    let client = blocking(&app, move |app| app.backend.admin.create_client(contact)).await?;
    Ok(match client {
        Some(c) => (StatusCode::CREATED, Json(render_client(&c))).into_response(),
        None => (
            StatusCode::CONFLICT,
            Json(json!({"message": "This contact already has a client account."})),
        )
            .into_response(),
    })
}

/// A portal account as the platform's routes show it.
fn render_client(c: &ClientAccount) -> Value {
    json!({"id": c.id, "contact_id": c.contact_id, "permissions": c.permissions})
}

pub(super) async fn show_client(
    State(app): State<Shared>,
    _admin: Admin,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let missing = || {
        (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Client not found"})),
        )
            .into_response()
    };
    let id = path_id(&id).ok_or_else(missing)?;
    let c = blocking(&app, move |app| app.backend.admin.client(id))
        .await?
        .ok_or_else(missing)?;
    Ok(Json(render_client(&c)).into_response())
}

//! The HelperIQ dialect (spec §4): the `{status, message, data}` envelope,
//! HTTP 200 on success, typed `error_type`s, the agent UI's contact shape,
//! multipart updates, blocking, quick-create, conversations and notes.

use axum::Json;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::body::{self, BodyError};
use super::{Authed, Shared, call, permit};
use crate::bindings::api::{ContactPatch, ContactView, ListRequest, Note, Operation, PhoneInput};
use crate::bindings::directory::Conversation;
use crate::bindings::types::{Dialect, Error, Phone};

const DIALECT: Dialect = Dialect::Helperiq;

/// An error in the HelperIQ envelope.
pub fn error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let kind = error_type.trim_end_matches("Exception");
    (
        status,
        Json(json!({
            "status": "error",
            "message": message,
            "error_type": error_type,
            "data": {"message": message, "type": format!("{kind}Error")},
        })),
    )
        .into_response()
}

pub fn input_error(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "InputException", message)
}

fn not_found(message: &str) -> Response {
    error(StatusCode::NOT_FOUND, "NotFoundException", message)
}

fn guest_error(e: Error) -> Response {
    match e {
        Error::NotFound(m) => not_found(&m),
        Error::Forbidden(m) => error(StatusCode::FORBIDDEN, "PermissionException", &m),
        Error::Invalid(list) => {
            let message = list
                .first()
                .map_or_else(|| "Invalid input".to_owned(), |f| f.message.clone());
            input_error(&message)
        }
        Error::BadRequest(m) => input_error(&m),
        Error::Conflict(m) => error(StatusCode::CONFLICT, "ConflictException", &m),
        Error::Unavailable(m) => error(StatusCode::SERVICE_UNAVAILABLE, "GeneralException", &m),
    }
}

/// The parsed input, or its refusal: a 403 first when the caller may not
/// run `operation` at all (spec §4).
async fn checked<T>(
    app: &Shared,
    auth: &Authed,
    operation: Operation,
    input: Result<T, Response>,
) -> Result<T, Response> {
    permit::checked(app, auth, DIALECT, operation, input, guest_error).await
}

fn ok(data: Value) -> Response {
    Json(json!({"status": "success", "message": null, "data": data})).into_response()
}

/// An authenticated HelperIQ request: a bad token gets this dialect's 401.
pub struct Hq(pub Authed);

impl FromRequestParts<Shared> for Hq {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Response> {
        match Authed::from_request_parts(parts, app).await {
            Ok(a) => {
                if let Some(seen) = parts.extensions.get::<super::ops::SeenDialect>() {
                    seen.set(DIALECT);
                }
                Ok(Hq(a))
            }
            // This route is HelperIQ's alone: so is its 401 (spec §5).
            Err(r) if r.status() == StatusCode::UNAUTHORIZED => {
                Err(super::unauthenticated(DIALECT))
            }
            Err(r) => Err(r),
        }
    }
}

fn id_or_400(raw: &str) -> Result<u64, Response> {
    super::path_id(raw).ok_or_else(|| input_error("Invalid contact `id`"))
}

fn attributes(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| json!({}))
}

/// The contact as the agent UI reads it.
pub fn render(view: &ContactView) -> Value {
    let c = &view.contact;
    let primary: Option<&Phone> = c.phones.first();
    json!({
        "id": c.id,
        "first_name": c.first_name.clone().unwrap_or_default(),
        "last_name": c.last_name.clone().unwrap_or_default(),
        "email": c.email,
        "blocked": c.blocked,
        "enabled": !c.blocked,
        "phone": primary.map(|p| p.number.clone()),
        "phone_number": primary.map(|p| p.national.clone()),
        "phone_number_country_code": primary.and_then(|p| p.region.clone()),
        "avatar_url": c.avatar_url,
        "custom_attributes": attributes(&c.custom_attributes),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    })
}

/// The contact with its channels (`GET /{id}`).
fn render_full(view: &ContactView) -> Value {
    let c = &view.contact;
    let mut v = render(view);
    if let Value::Object(obj) = &mut v {
        let emails: Vec<&String> = c.email.iter().chain(&c.alternate_emails).collect();
        obj.insert("emails".into(), json!(emails));
        let phones: Vec<Value> = c
            .phones
            .iter()
            .map(|p| json!({"id": p.id, "number": p.number, "e164": p.e164, "type": p.kind.name()}))
            .collect();
        obj.insert("phones".into(), Value::Array(phones));
    }
    v
}

fn render_note(n: &Note) -> Value {
    json!({
        "id": n.id,
        "contact_id": n.contact_id,
        "content": n.content,
        "note": n.content,
        "user_id": n.author_id,
        "first_name": n.author_first_name,
        "last_name": n.author_last_name,
        "avatar_url": null,
        "created_at": n.created_at,
        "updated_at": n.updated_at,
    })
}

fn render_conversation(c: &Conversation) -> Value {
    json!({
        "id": c.id,
        "uuid": c.uuid,
        "subject": c.subject,
        "last_message": c.last_message,
        "created_at": c.created_at,
        "last_message_at": c.last_message_at,
    })
}

fn bad_body(e: BodyError) -> Response {
    match e {
        BodyError::TooLarge => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "InputException",
            &e.message(),
        ),
        _ => input_error(&e.message()),
    }
}

/// A JSON body, or the fields of a multipart form (LibreDesk's UI) as
/// strings: `"null"` is null and `"undefined"` is absent.
async fn fields(req: Request) -> Result<Map<String, Value>, Response> {
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
        // The boundary is case-sensitive: keep the header as sent.
        .map(str::to_owned);
    let Some(content_type) = multipart else {
        return body::json_object(req).await.map_err(bad_body);
    };
    let (_, bytes) = body::bytes(req).await.map_err(bad_body)?;
    super::form::read(&content_type, bytes).map_err(|e| input_error(&e))
}

fn text(map: &Map<String, Value>, key: &str) -> Result<Option<Option<String>>, Response> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(Value::Number(n)) => match body::number_text(n) {
            Some(t) => Ok(Some(Some(t))),
            None => Err(input_error(&format!("Invalid `{key}`: expected a string"))),
        },
        Some(_) => Err(input_error(&format!("Invalid `{key}`: expected a string"))),
    }
}

/// The update body as a patch: absent keys untouched.
fn patch_from(map: &Map<String, Value>) -> Result<ContactPatch, Response> {
    let mut patch = ContactPatch::empty();
    patch.first_name = text(map, "first_name")?;
    patch.last_name = text(map, "last_name")?;
    patch.email = text(map, "email")?;
    patch.avatar_url = text(map, "avatar_url")?;
    if let Some(v) = text(map, "phone")? {
        patch.primary_phone = Some(v.map(|number| PhoneInput {
            number,
            kind: None,
            region: None,
        }));
    } else if let Some(v) = text(map, "phone_number")? {
        let region = text(map, "phone_number_country_code")?.flatten();
        patch.primary_phone = Some(v.map(|number| PhoneInput {
            number,
            kind: None,
            region,
        }));
    }
    match map.get("custom_attributes") {
        None => {}
        Some(Value::Object(o)) => {
            patch.custom_attributes = Some(Value::Object(o.clone()).to_string())
        }
        Some(Value::Null) => patch.custom_attributes = Some("null".to_owned()),
        // A form sends the object as JSON text.
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(v @ (Value::Object(_) | Value::Null)) => {
                patch.custom_attributes = Some(v.to_string())
            }
            _ => {
                return Err(input_error(
                    "Invalid `custom_attributes`: expected an object",
                ));
            }
        },
        Some(_) => {
            return Err(input_error(
                "Invalid `custom_attributes`: expected an object",
            ));
        }
    }
    Ok(patch)
}

// ---- handlers ----

/// A positive integer parameter; absent or not a number gives `default`.
fn number(query: Option<&str>, name: &str, default: i64) -> i64 {
    body::query_param(query, name)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(default)
}

pub async fn index(app: Shared, auth: Authed, req: Request) -> Result<Response, Response> {
    let query = req.uri().query();
    // Out-of-range paging is clamped, not refused (spec §4).
    let page = number(query, "page", 1).clamp(1, i64::from(u32::MAX)) as u32;
    let page_size = number(query, "page_size", 50).clamp(1, 500) as u32;
    let request = ListRequest {
        page,
        page_size,
        order_by: body::query_param(query, "order_by").filter(|s| !s.is_empty()),
        order: body::query_param(query, "order").filter(|s| !s.is_empty()),
        filters: body::query_param(query, "filters").filter(|s| !s.trim().is_empty()),
    };
    let cx = auth.context(DIALECT);
    let p = call(&app, move |api, s| api.call_list_contacts(s, &cx, &request))
        .await?
        .map_err(guest_error)?;
    let total_pages = p.total.div_ceil(u64::from(p.page_size.max(1)));
    Ok(ok(json!({
        "results": p.items.iter().map(render).collect::<Vec<_>>(),
        "total": p.total,
        "total_pages": total_pages,
        "page": p.page,
        "page_size": p.page_size,
        "per_page": p.page_size,
    })))
}

/// At most this many search results (spec §4).
const SEARCH_LIMIT: u32 = 20;

pub async fn search(
    State(app): State<Shared>,
    Hq(auth): Hq,
    req: Request,
) -> Result<Response, Response> {
    let query = req.uri().query();
    let q = body::query_param(query, "q")
        .filter(|q| !q.trim().is_empty())
        .or_else(|| body::query_param(query, "query"))
        .unwrap_or_default();
    let q = if q.trim().is_empty() {
        Err(input_error("Search query is required"))
    } else if q.chars().count() > 255 {
        Err(input_error("Search query is too long (max 255)"))
    } else {
        Ok(q)
    };
    let q = checked(&app, &auth, Operation::Search, q).await?;
    let cx = auth.context(DIALECT);
    let list = call(&app, move |api, s| {
        api.call_search(s, &cx, &q, SEARCH_LIMIT)
    })
    .await?
    .map_err(guest_error)?;
    Ok(ok(Value::Array(list.iter().map(render).collect())))
}

pub async fn show(app: Shared, auth: Authed, id: String) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::Get, id_or_400(&id)).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, s| api.call_get(s, &cx, id))
        .await?
        .map_err(guest_error)?;
    Ok(ok(render_full(&v)))
}

pub async fn update(
    app: Shared,
    auth: Authed,
    id: String,
    req: Request,
) -> Result<Response, Response> {
    let input = async {
        let id = id_or_400(&id)?;
        Ok((id, patch_from(&fields(req).await?)?))
    };
    let (id, patch) = checked(&app, &auth, Operation::Update, input.await).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, s| api.call_update(s, &cx, id, &patch))
        .await?
        .map_err(guest_error)?;
    Ok(ok(render(&v)))
}

pub async fn destroy(app: Shared, auth: Authed, id: String) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::Delete, id_or_400(&id)).await?;
    let cx = auth.context(DIALECT);
    call(&app, move |api, s| api.call_delete(s, &cx, id))
        .await?
        .map_err(guest_error)?;
    Ok(ok(json!(true)))
}

pub async fn quick(
    State(app): State<Shared>,
    Hq(auth): Hq,
    req: Request,
) -> Result<Response, Response> {
    let input = async {
        let map = body::json_object(req).await.map_err(bad_body)?;
        let read = |k: &str| match map.get(k) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            None | Some(Value::Null) => Ok(None),
            Some(_) => Err(input_error(&format!("Invalid `{k}`: expected a string"))),
        };
        Ok((read("first_name")?, read("last_name")?, read("email")?))
    };
    let (first, last, email) = checked(&app, &auth, Operation::QuickUpsert, input.await).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, s| {
        api.call_quick_upsert(s, &cx, first.as_deref(), last.as_deref(), email.as_deref())
    })
    .await?
    .map_err(guest_error)?;
    Ok(ok(render(&v)))
}

pub async fn block(
    State(app): State<Shared>,
    Hq(auth): Hq,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let input = async {
        let id = id_or_400(&id)?;
        let map = body::json_object(req).await.map_err(bad_body)?;
        // `blocked` wins; LibreDesk's UI sends `enabled`.
        let blocked = match (map.get("blocked"), map.get("enabled")) {
            (Some(Value::Bool(b)), _) => *b,
            (Some(_), _) => return Err(input_error("Invalid `blocked`: expected true or false")),
            (None, Some(Value::Bool(e))) => !*e,
            (None, Some(_)) => {
                return Err(input_error("Invalid `enabled`: expected true or false"));
            }
            (None, None) => return Err(input_error("`blocked` or `enabled` is required")),
        };
        Ok((id, blocked))
    };
    let (id, blocked) = checked(&app, &auth, Operation::SetBlocked, input.await).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, s| {
        api.call_set_blocked(s, &cx, id, blocked)
    })
    .await?
    .map_err(guest_error)?;
    Ok(ok(render(&v)))
}

pub async fn conversations(
    State(app): State<Shared>,
    Hq(auth): Hq,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::Conversations, id_or_400(&id)).await?;
    let cx = auth.context(DIALECT);
    let list = call(&app, move |api, s| api.call_conversations(s, &cx, id))
        .await?
        .map_err(guest_error)?;
    Ok(ok(Value::Array(
        list.iter().map(render_conversation).collect(),
    )))
}

pub async fn notes(
    State(app): State<Shared>,
    Hq(auth): Hq,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::ListNotes, id_or_400(&id)).await?;
    let cx = auth.context(DIALECT);
    let list = call(&app, move |api, s| api.call_list_notes(s, &cx, id))
        .await?
        .map_err(guest_error)?;
    Ok(ok(Value::Array(list.iter().map(render_note).collect())))
}

pub async fn add_note(
    State(app): State<Shared>,
    Hq(auth): Hq,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let input = async {
        let id = id_or_400(&id)?;
        let map = body::json_object(req).await.map_err(bad_body)?;
        let content = match map.get("content").or_else(|| map.get("note")) {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            Some(_) => return Err(input_error("Invalid `content`: expected a string")),
        };
        Ok((id, content, map))
    };
    let (id, content, map) = checked(&app, &auth, Operation::AddNote, input.await).await?;
    let notify: Vec<u64> = match map.get("notify_user_ids") {
        Some(Value::Array(ids)) => ids
            .iter()
            .filter_map(body::as_integer)
            .filter_map(|i| u64::try_from(i).ok())
            .collect(),
        _ => Vec::new(),
    };
    let cx = auth.context(DIALECT);
    let n = call(&app, move |api, s| {
        api.call_add_note(s, &cx, id, &content, &notify)
    })
    .await?
    .map_err(guest_error)?;
    Ok(ok(render_note(&n)))
}

pub async fn delete_note(
    State(app): State<Shared>,
    Hq(auth): Hq,
    Path((id, note)): Path<(String, String)>,
) -> Result<Response, Response> {
    let id = id_or_400(&id)?;
    let note = super::path_id(&note).ok_or_else(|| input_error("Invalid note `id`"))?;
    let cx = auth.context(DIALECT);
    call(&app, move |api, s| api.call_delete_note(s, &cx, id, note))
        .await?
        .map_err(guest_error)?;
    Ok(ok(json!(true)))
}

/// Notes are immutable.
pub async fn note_not_editable() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "InputException",
        "Notes cannot be edited",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_and_json_fields_become_a_patch() {
        let map = json!({"first_name": "Linda", "phone_number": "612345678",
            "phone_number_country_code": "FR", "avatar_url": null,
            "custom_attributes": "{\"tier\": \"gold\"}"});
        let p = patch_from(map.as_object().unwrap()).unwrap();
        assert_eq!(p.first_name, Some(Some("Linda".into())));
        assert_eq!(p.avatar_url, Some(None));
        let phone = p.primary_phone.unwrap().unwrap();
        assert_eq!(phone.region.as_deref(), Some("FR"));
        assert_eq!(p.custom_attributes.as_deref(), Some("{\"tier\":\"gold\"}"));
        assert_eq!(p.last_name, None);
    }

    #[test]
    fn bad_attributes_are_input_errors() {
        let map = json!({"custom_attributes": [1]});
        assert!(patch_from(map.as_object().unwrap()).is_err());
    }
}

//! The RelateCRM (Concord CRM) dialect (spec §4): Laravel conventions under
//! `/api` — unwrapped records, `{data, links, meta}` pages, 201 on create,
//! 204 on delete, 422 with per-field errors — plus phones, `cf_*` custom
//! fields and associations. The query grammar is the component's.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::body::{self, BodyError, Fields};
use super::{Authed, Shared, base_url, call, laravel_error, path_id, permit};
use crate::bindings::api::{
    AssociationChange, AssociationMode, ContactPatch, ContactView, Operation, PhoneInput,
    QueryRequest,
};
use crate::bindings::types::{Dialect, Error, FieldError, PhoneType};

const DIALECT: Dialect = Dialect::Relatecrm;

fn bad_body(e: BodyError) -> Response {
    let status = match e {
        BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    (status, Json(json!({"message": e.message()}))).into_response()
}

/// The parsed input, or its refusal: a 403 first when the caller may not
/// run `operation` at all (spec §4).
async fn checked<T>(
    app: &Shared,
    auth: &Authed,
    operation: Operation,
    input: Result<T, Response>,
) -> Result<T, Response> {
    permit::checked(app, auth, DIALECT, operation, input, laravel_error).await
}

fn not_found() -> Response {
    laravel_error(Error::NotFound("Record not found.".to_owned()))
}

/// RelateCRM knows three phone types; the canonical six fold into them.
fn phone_type(kind: PhoneType) -> &'static str {
    match kind {
        PhoneType::Mobile => "mobile",
        PhoneType::Landline | PhoneType::Work => "work",
        PhoneType::Home | PhoneType::Fax | PhoneType::Other => "other",
    }
}

pub fn render(view: &ContactView) -> Value {
    let c = &view.contact;
    let display = format!(
        "{} {}",
        c.first_name.as_deref().unwrap_or(""),
        c.last_name.as_deref().unwrap_or("")
    );
    let phones: Vec<Value> = c
        .phones
        .iter()
        .map(
            |p| json!({"id": p.id, "number": p.number, "e164": p.e164, "type": phone_type(p.kind)}),
        )
        .collect();
    let mut v = json!({
        "id": c.id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "display_name": display.trim(),
        "email": c.email,
        "job_title": c.role,
        "phones": phones,
        "street": c.street,
        "city": c.city,
        "state": c.state,
        "postal_code": c.postal_code,
        "user_id": c.user_id,
        "source_id": c.source_id,
        "country_id": c.country_id,
        "companies": c.companies,
        "deals": c.deals,
        "activities": c.activities,
        "path": format!("/contacts/{}", c.id),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    });
    if let Value::Object(obj) = &mut v {
        for (name, value) in &c.custom_fields {
            obj.insert(
                name.clone(),
                serde_json::from_str(value).unwrap_or(Value::Null),
            );
        }
    }
    v
}

/// Only the selected fields, `id` always (an empty selection keeps all).
fn select(v: Value, fields: &[String]) -> Value {
    match v {
        Value::Object(obj) if !fields.is_empty() => Value::Object(
            obj.into_iter()
                .filter(|(k, _)| k == "id" || fields.iter().any(|f| f == k))
                .collect(),
        ),
        other => other,
    }
}

/// One phone of a body: `{number, type}` or `"number|type"`; `None` for an
/// empty entry, which is dropped.
fn phone_entry(v: &Value) -> Result<Option<PhoneInput>, ()> {
    let (number, kind) = match v {
        Value::String(s) => match s.split_once('|') {
            Some((n, t)) => (n.to_owned(), Some(t.to_owned())),
            None => (s.clone(), None),
        },
        Value::Object(o) => {
            let number = match o.get("number") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => super::body::number_text(n).ok_or(())?,
                None | Some(Value::Null) => String::new(),
                Some(_) => return Err(()),
            };
            let kind = o.get("type").and_then(Value::as_str).map(str::to_owned);
            (number, kind)
        }
        Value::Null => return Ok(None),
        _ => return Err(()),
    };
    if number.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(PhoneInput {
        number,
        kind,
        region: None,
    }))
}

fn ids(map: &Map<String, Value>, key: &str, errors: &mut Vec<FieldError>) -> Option<Vec<u64>> {
    match map.get(key)? {
        Value::Array(items) => {
            let parsed: Option<Vec<u64>> = items
                .iter()
                .map(|i| body::as_integer(i).and_then(|n| u64::try_from(n).ok()))
                .collect();
            if parsed.is_none() {
                errors.push(FieldError {
                    field: key.to_owned(),
                    message: format!("The {key} must be an array of ids."),
                });
            }
            parsed
        }
        Value::Null => Some(Vec::new()),
        _ => {
            errors.push(FieldError {
                field: key.to_owned(),
                message: format!("The {key} must be an array of ids."),
            });
            None
        }
    }
}

fn patch_from(map: &Map<String, Value>, creating: bool) -> Result<ContactPatch, Vec<FieldError>> {
    let mut f = Fields::new(map, creating);
    let mut patch = ContactPatch {
        first_name: f.text(&["first_name"]),
        last_name: f.text(&["last_name"]),
        email: f.text(&["email"]),
        role: f.text(&["job_title"]),
        street: f.text(&["street"]),
        city: f.text(&["city"]),
        state: f.text(&["state"]),
        postal_code: f.text(&["postal_code"]),
        user_id: f.integer(&["user_id"]),
        source_id: f.integer(&["source_id"]),
        country_id: f.integer(&["country_id"]),
        ..ContactPatch::empty()
    };
    let mut errors = f.errors;
    match map.get("phones") {
        None => {}
        Some(Value::Null) => patch.phones = Some(Vec::new()),
        Some(Value::Array(items)) => {
            let mut phones = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match phone_entry(item) {
                    Ok(Some(p)) => phones.push(p),
                    Ok(None) => {}
                    Err(()) => errors.push(FieldError {
                        field: format!("phones.{i}.number"),
                        message: "The phone number must be a string.".to_owned(),
                    }),
                }
            }
            patch.phones = Some(phones);
        }
        Some(_) => errors.push(FieldError {
            field: "phones".to_owned(),
            message: "The phones must be an array.".to_owned(),
        }),
    }
    patch.companies = ids(map, "companies", &mut errors);
    patch.deals = ids(map, "deals", &mut errors);
    patch.custom_fields = map
        .iter()
        .filter(|(k, _)| k.starts_with("cf_"))
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

fn query_request(query: Option<&str>) -> QueryRequest {
    let p = |name: &str| body::query_param(query, name);
    QueryRequest {
        q: p("q"),
        search_fields: p("search_fields"),
        search_match: p("search_match"),
        order: p("order"),
        per_page: p("per_page"),
        page: p("page"),
        take: p("take"),
        select: p("select"),
    }
}

pub async fn index(
    State(app): State<Shared>,
    auth: Authed,
    req: Request,
) -> Result<Response, Response> {
    let request = query_request(req.uri().query());
    let path = format!("{}/api/contacts", base_url(&app, req.headers()));
    let cx = auth.context(DIALECT);
    let page = call(&app, move |api, s| api.call_query(s, &cx, &request))
        .await?
        .map_err(laravel_error)?;
    let per_page = u64::from(page.per_page.max(1));
    let last_page = page.total.div_ceil(per_page).max(1);
    let current = u64::from(page.page);
    let from = (current - 1) * per_page + 1;
    let shown = page.items.len() as u64;
    let link = |n: u64| Value::String(format!("{path}?page={n}"));
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|v| select(render(v), &page.select))
        .collect();
    Ok(Json(json!({
        "data": data,
        "links": {
            "first": link(1),
            "last": link(last_page),
            "prev": if current > 1 { link(current - 1) } else { Value::Null },
            "next": if current < last_page { link(current + 1) } else { Value::Null },
        },
        "meta": {
            "current_page": current,
            "from": if shown > 0 { json!(from) } else { Value::Null },
            "last_page": last_page,
            "path": path,
            "per_page": per_page,
            "to": if shown > 0 { json!(from + shown - 1) } else { Value::Null },
            "total": page.total,
        },
    }))
    .into_response())
}

/// `GET /contacts/search`: the same grammar, a bare array, `take` limits.
pub async fn search(
    State(app): State<Shared>,
    auth: Authed,
    req: Request,
) -> Result<Response, Response> {
    let mut request = query_request(req.uri().query());
    if request.q.as_deref().is_none_or(|q| q.trim().is_empty()) {
        return Ok(Json(json!([])).into_response());
    }
    // `take` makes the query a search: one page, capped by the component.
    request.page = None;
    request.take = Some(request.take.unwrap_or_else(|| "1000".to_owned()));
    let cx = auth.context(DIALECT);
    let page = call(&app, move |api, s| api.call_query(s, &cx, &request))
        .await?
        .map_err(laravel_error)?;
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|v| select(render(v), &page.select))
        .collect();
    Ok(Json(Value::Array(data)).into_response())
}

pub async fn create(
    State(app): State<Shared>,
    auth: Authed,
    req: Request,
) -> Result<Response, Response> {
    let input = async {
        let map = body::object(req).await.map_err(bad_body)?;
        patch_from(&map, true).map_err(|errors| laravel_error(Error::Invalid(errors)))
    };
    let patch = checked(&app, &auth, Operation::Create, input.await).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, s| api.call_create(s, &cx, None, &patch))
        .await?
        .map_err(laravel_error)?;
    Ok((StatusCode::CREATED, Json(render(&v))).into_response())
}

/// A path id; anything else is this dialect's 404.
fn id_or_404(raw: &str) -> Result<u64, Response> {
    path_id(raw).ok_or_else(not_found)
}

pub async fn show(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::Get, id_or_404(&id)).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, s| api.call_get(s, &cx, id))
        .await?
        .map_err(laravel_error)?;
    Ok(Json(render(&v)).into_response())
}

pub async fn update(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let input = async {
        let id = id_or_404(&id)?;
        let map = body::object(req).await.map_err(bad_body)?;
        let patch = patch_from(&map, false).map_err(|e| laravel_error(Error::Invalid(e)))?;
        Ok((id, patch))
    };
    let (id, patch) = checked(&app, &auth, Operation::Update, input.await).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, s| api.call_update(s, &cx, id, &patch))
        .await?
        .map_err(laravel_error)?;
    Ok(Json(render(&v)).into_response())
}

pub async fn destroy(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::Delete, id_or_404(&id)).await?;
    let cx = auth.context(DIALECT);
    call(&app, move |api, s| api.call_delete(s, &cx, id))
        .await?
        .map_err(laravel_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn associate(
    app: Shared,
    auth: Authed,
    id: String,
    mode: AssociationMode,
    req: Request,
) -> Result<Response, Response> {
    let input = async {
        let id = id_or_404(&id)?;
        let map = body::object(req).await.map_err(bad_body)?;
        let mut changes = Vec::new();
        let mut errors = Vec::new();
        for resource in map.keys() {
            if let Some(list) = ids(&map, resource, &mut errors) {
                changes.push(AssociationChange {
                    resource_name: resource.clone(),
                    ids: list,
                });
            }
        }
        if errors.is_empty() {
            Ok((id, changes))
        } else {
            Err(laravel_error(Error::Invalid(errors)))
        }
    };
    let (id, changes) = checked(&app, &auth, Operation::Associate, input.await).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, s| {
        api.call_associate(s, &cx, id, mode, &changes)
    })
    .await?
    .map_err(laravel_error)?;
    Ok(Json(render(&v)).into_response())
}

pub async fn attach(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    associate(app, auth, id, AssociationMode::Attach, req).await
}

pub async fn detach(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    associate(app, auth, id, AssociationMode::Detach, req).await
}

pub async fn sync(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    associate(app, auth, id, AssociationMode::Sync, req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_in_both_shapes() {
        let map = json!({"first_name": "Ann", "phones": [
            {"number": "+33 6 12 34 56 78", "type": "work"}, "+1 555 0100|home", {"number": ""}, ""],
            "cf_tier": "gold", "unknown": 1});
        let p = patch_from(map.as_object().unwrap(), true).unwrap();
        let phones = p.phones.unwrap();
        assert_eq!(phones.len(), 2);
        assert_eq!(phones[1].kind.as_deref(), Some("home"));
        assert_eq!(
            p.custom_fields,
            [("cf_tier".to_owned(), "\"gold\"".to_owned())]
        );
    }

    #[test]
    fn select_keeps_id() {
        let v = json!({"id": 1, "email": "a", "city": "b"});
        assert_eq!(
            select(v, &["email".to_owned()]),
            json!({"id": 1, "email": "a"})
        );
    }
}

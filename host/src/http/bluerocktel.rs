//! The BlueRockTEL dialect (spec §4): flat snake_case contacts with the
//! camelCase keys the official PHP SDK reads, bare arrays, 201 on writes, and
//! the `/numbers` caller-id lookup that 3CX uses.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::body::{self, Fields};
use super::permit;
use super::{
    Authed, INTERNAL_MESSAGE, Shared, base_url, call, laravel_error, laravel_error_parts, path_id,
};
use crate::bindings::api::{ContactPatch, ContactView, MatchKind, Operation, PhoneMatch};
use crate::bindings::directory::Owner;
use crate::bindings::types::{Dialect, Error, FieldError, OwnerKind, OwnerRef, PhoneType, Scalar};

const DIALECT: Dialect = Dialect::Bluerocktel;

fn owner_type(kind: OwnerKind) -> &'static str {
    match kind {
        OwnerKind::Customer => "App\\Customer",
        OwnerKind::Prospect => "App\\Prospect",
    }
}

fn parse_owner_type(raw: &str) -> Option<OwnerKind> {
    match raw.trim().trim_start_matches('\\') {
        "App\\Customer" | "App\\Models\\Customer" => Some(OwnerKind::Customer),
        "App\\Prospect" | "App\\Models\\Prospect" => Some(OwnerKind::Prospect),
        _ => None,
    }
}

fn invalid(errors: Vec<FieldError>) -> Response {
    laravel_error(Error::Invalid(errors))
}

fn field(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
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
    permit::checked(app, auth, DIALECT, operation, input, laravel_error).await
}

fn bad_body(e: body::BodyError) -> Response {
    let status = match e {
        body::BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    (status, Json(json!({"message": e.message()}))).into_response()
}

/// `contactable_type` + `contactable_id` from the query string, both required.
fn owner_from_query(query: Option<&str>) -> Result<OwnerRef, Response> {
    let kind = body::query_param(query, "contactable_type");
    let id = body::query_param(query, "contactable_id");
    let mut errors = Vec::new();
    let kind = match kind.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(field(
                "contactable_type",
                "The contactable type field is required.",
            ));
            None
        }
        Some(raw) => match parse_owner_type(raw) {
            Some(k) => Some(k),
            None => {
                errors.push(field(
                    "contactable_type",
                    "The selected contactable type is invalid (App\\Customer or App\\Prospect).",
                ));
                None
            }
        },
    };
    let id = match id.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(field(
                "contactable_id",
                "The contactable id field is required.",
            ));
            None
        }
        Some(raw) => match path_id(raw) {
            Some(id) => Some(id),
            None => {
                errors.push(field(
                    "contactable_id",
                    "The contactable id field must be an integer.",
                ));
                None
            }
        },
    };
    match (kind, id) {
        (Some(kind), Some(id)) if errors.is_empty() => Ok(OwnerRef { kind, id }),
        _ => Err(invalid(errors)),
    }
}

/// Reads a body into a patch, accepting the SDK's camelCase aliases and
/// ignoring read-only and unknown keys.
fn patch_from(map: &Map<String, Value>, creating: bool) -> Result<ContactPatch, Vec<FieldError>> {
    let mut f = Fields::new(map, creating);
    let patch = ContactPatch {
        civility: f.scalar(&["civility"]),
        first_name: f.text(&["first_name", "firstName"]),
        last_name: f.text(&["last_name", "lastName"]),
        email: f.text(&["email_address", "email", "emailAddress"]),
        role: f.text(&["role"]),
        service: f.scalar(&["service"]),
        mobile_phone: f.text(&["mobile_phone", "mobilePhone"]),
        landline_phone: f.text(&["landline_phone", "landlinePhone"]),
        legal_representative: f.boolean(&["legal_representative", "legalRepresentative"]),
        invoices_recipient: f.boolean(&["invoices_recipient", "invoicesRecipient"]),
        newsletters_recipient: f.boolean(&["newsletters_recipient", "newslettersRecipient"]),
        is_signer_contract: f.boolean(&["is_signer_contract", "isSignerContract"]),
        is_signer_iban: f.boolean(&["is_signer_iban", "isSignerIban"]),
        profunction_id: f.integer(&["profunction_id", "profunctionId"]),
        comment: f.text(&["comment"]),
        permissions: f.strings(&["permissions"]),
        source: f.text(&["source"]),
        user_id: f.integer(&["user_id", "userId"]),
        ..ContactPatch::empty()
    };
    if f.errors.is_empty() {
        Ok(patch)
    } else {
        Err(f.errors)
    }
}

fn scalar(v: &Option<Scalar>) -> Value {
    match v {
        Some(Scalar::Text(t)) => Value::String(t.clone()),
        Some(Scalar::Integer(i)) => json!(i),
        None => Value::Null,
    }
}

fn phone_number(view: &ContactView, kind: PhoneType) -> Value {
    view.contact
        .phones
        .iter()
        .find(|p| p.kind == kind)
        .map_or(Value::Null, |p| Value::String(p.number.clone()))
}

/// The flat contact, snake_case as in the seed plus the SDK's camelCase keys.
pub fn render(view: &ContactView) -> Value {
    let c = &view.contact;
    let owner: Option<&Owner> = view.owner.as_ref();
    let mobile = phone_number(view, PhoneType::Mobile);
    let landline = phone_number(view, PhoneType::Landline);
    json!({
        "id": c.id,
        "contactable_type": c.owner.as_ref().map(|o| owner_type(o.kind)),
        "contactable_id": c.owner.as_ref().map(|o| o.id),
        "user_id": c.user_id,
        "civility": scalar(&c.civility),
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email_address": c.email,
        "mobile_phone": mobile,
        "landline_phone": landline,
        "role": c.role,
        "service": scalar(&c.service),
        "legal_representative": c.legal_representative,
        "invoices_recipient": c.invoices_recipient,
        "newsletters_recipient": c.newsletters_recipient,
        "is_signer_contract": c.is_signer_contract,
        "is_signer_iban": c.is_signer_iban,
        "profunction_id": c.profunction_id,
        "comment": c.comment,
        "permissions": c.permissions,
        "source": c.source,
        "sync_needed": c.sync_needed,
        "blocked": c.blocked,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "company": owner.map(|o| o.name.clone()),
        "customer_id": owner.map(|o| o.id),
        "customer_account": owner.map(|o| o.account.clone()),
        "has_client": view.has_client,
        "firstName": c.first_name,
        "lastName": c.last_name,
        "emailAddress": c.email,
        "mobilePhone": mobile,
        "landlinePhone": landline,
        "legalRepresentative": c.legal_representative,
        "invoicesRecipient": c.invoices_recipient,
        "newslettersRecipient": c.newsletters_recipient,
    })
}

fn render_list(views: &[ContactView]) -> Value {
    Value::Array(views.iter().map(render).collect())
}

pub async fn index(app: Shared, auth: Authed, req: Request) -> Result<Response, Response> {
    let owner = owner_from_query(req.uri().query());
    let owner = checked(&app, &auth, Operation::ListByOwner, owner).await?;
    let cx = auth.context(DIALECT);
    let list = call(&app, move |api, store| {
        api.call_list_by_owner(store, &cx, owner)
    })
    .await?
    .map_err(laravel_error)?;
    Ok(Json(render_list(&list)).into_response())
}

pub async fn create(
    State(app): State<Shared>,
    auth: Authed,
    req: Request,
) -> Result<Response, Response> {
    let owner = owner_from_query(req.uri().query());
    let input = async {
        let map = body::object(req).await.map_err(bad_body)?;
        let owner = owner?;
        Ok((owner, patch_from(&map, true).map_err(invalid)?))
    };
    let (owner, patch) = checked(&app, &auth, Operation::Create, input.await).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, store| {
        api.call_create(store, &cx, Some(owner), &patch)
    })
    .await?
    .map_err(laravel_error)?;
    Ok((StatusCode::CREATED, Json(render(&v))).into_response())
}

fn not_found() -> Response {
    laravel_error(Error::NotFound("Contact not found".to_owned()))
}

/// A path id; anything else is this dialect's 404.
fn id_or_404(raw: &str) -> Result<u64, Response> {
    path_id(raw).ok_or_else(not_found)
}

pub async fn show(
    app: Shared,
    auth: Authed,
    id: String,
    _headers: HeaderMap,
) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::Get, id_or_404(&id)).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, store| api.call_get(store, &cx, id))
        .await?
        .map_err(laravel_error)?;
    Ok(Json(render(&v)).into_response())
}

pub async fn update(
    app: Shared,
    auth: Authed,
    id: String,
    req: Request,
) -> Result<Response, Response> {
    let input = async {
        let id = id_or_404(&id)?;
        let map = body::object(req).await.map_err(bad_body)?;
        Ok((id, patch_from(&map, false).map_err(invalid)?))
    };
    let (id, patch) = checked(&app, &auth, Operation::Update, input.await).await?;
    let cx = auth.context(DIALECT);
    let v = call(&app, move |api, store| {
        api.call_update(store, &cx, id, &patch)
    })
    .await?
    .map_err(laravel_error)?;
    // The seed answers 201 to an update; clients rely on it.
    Ok((StatusCode::CREATED, Json(render(&v))).into_response())
}

pub async fn destroy(app: Shared, auth: Authed, id: String) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::Delete, id_or_404(&id)).await?;
    let cx = auth.context(DIALECT);
    call(&app, move |api, store| api.call_delete(store, &cx, id))
        .await?
        .map_err(laravel_error)?;
    Ok(Json(json!({"message": "Contact deleted."})).into_response())
}

fn match_name(how: MatchKind) -> &'static str {
    match how {
        MatchKind::Exact => "exact",
        MatchKind::InternationalDigits => "international_digits",
        MatchKind::National => "national",
        MatchKind::Suffix => "suffix",
    }
}

fn render_match(m: &PhoneMatch, base: &str) -> Value {
    let mut data = render(&m.view);
    if let Value::Object(obj) = &mut data {
        obj.insert(
            "contact_url".into(),
            json!(format!("{base}/api/v1/contacts/{}", m.view.contact.id)),
        );
        obj.insert("matched_number".into(), json!(m.phone.number));
        obj.insert("matched_e164".into(), json!(m.phone.e164));
        obj.insert("matched_type".into(), json!(m.phone.kind.name()));
        obj.insert("match".into(), json!(match_name(m.how)));
    }
    json!({ "data": data })
}

/// A lookup that found no contact, whatever the reason. The official SDK
/// decides that `showByNumber` failed from the `response` text alone (it
/// looks for "not found") and ignores the status, so every failure here says
/// so there too, beside its own status and message: otherwise an empty
/// caller id (422) or a missing scope (403) reaches the SDK as a contact with
/// every field null. (401 keeps its spec body: the SDK logs in first and
/// throws before any lookup when that fails.)
fn lookup_failed(status: StatusCode, mut body: Value) -> Response {
    if let Value::Object(map) = &mut body {
        map.insert("response".into(), json!("Contact not found"));
    }
    (status, Json(body)).into_response()
}

fn lookup_invalid(field_name: &str, message: &str) -> Response {
    let (status, body) = laravel_error_parts(Error::Invalid(vec![field(field_name, message)]));
    lookup_failed(status, body)
}

/// `GET /numbers?phone_number=…` (alias `phoneNumber`; `phone_number` wins).
pub async fn numbers(
    State(app): State<Shared>,
    auth: Authed,
    req: Request,
) -> Result<Response, Response> {
    let query = req.uri().query();
    let number = body::query_param(query, "phone_number")
        .or_else(|| body::query_param(query, "phoneNumber"));
    let number = match number.filter(|n| !n.is_empty()) {
        None => Err(lookup_invalid(
            "phone_number",
            "The phone number field is required.",
        )),
        Some(n) if n.chars().count() > 64 => Err(lookup_invalid(
            "phone_number",
            "The phone number field must not be greater than 64 characters.",
        )),
        Some(n) => Ok(n),
    };
    let render = |e| {
        let (status, body) = laravel_error_parts(e);
        lookup_failed(status, body)
    };
    let op = Operation::LookupPhone;
    let number = permit::checked(&app, &auth, DIALECT, op, number, render).await?;
    let base = base_url(&app, req.headers());
    let cx = auth.context(DIALECT);
    Ok(
        match call(&app, move |api, store| {
            api.call_lookup_phone(store, &cx, &number)
        })
        .await
        {
            Ok(Ok(Some(m))) => Json(render_match(&m, &base)).into_response(),
            Ok(Ok(None)) => lookup_failed(
                StatusCode::NOT_FOUND,
                json!({"message": "Contact not found"}),
            ),
            Ok(Err(e)) => {
                let (status, body) = laravel_error_parts(e);
                lookup_failed(status, body)
            }
            // The trap is already logged; only the body changes.
            Err(trap) => lookup_failed(trap.status(), json!({"message": INTERNAL_MESSAGE})),
        },
    )
}

pub async fn accounts(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::Accounts, id_or_404(&id)).await?;
    let cx = auth.context(DIALECT);
    let owners = call(&app, move |api, store| api.call_accounts(store, &cx, id))
        .await?
        .map_err(laravel_error)?;
    let list: Vec<Value> = owners
        .iter()
        .map(|o| {
            json!({
                "id": o.id,
                "type": owner_type(o.kind),
                "name": o.name,
                "customer_account": o.account,
            })
        })
        .collect();
    Ok(Json(Value::Array(list)).into_response())
}

pub async fn coworkers(
    State(app): State<Shared>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let id = checked(&app, &auth, Operation::Coworkers, id_or_404(&id)).await?;
    let cx = auth.context(DIALECT);
    let list = call(&app, move |api, store| api.call_coworkers(store, &cx, id))
        .await?
        .map_err(laravel_error)?;
    Ok(Json(render_list(&list)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_types() {
        assert_eq!(parse_owner_type("App\\Customer"), Some(OwnerKind::Customer));
        assert_eq!(
            parse_owner_type("\\App\\Prospect"),
            Some(OwnerKind::Prospect)
        );
        assert_eq!(parse_owner_type("App\\User"), None);
    }

    #[test]
    fn camel_case_aliases_and_nulls() {
        let body = json!({"firstName": "Jane", "last_name": "Doe", "emailAddress": "j@x.fr",
            "company": "ignored", "active": true, "response": {}, "civility": 1, "comment": null});
        let p = patch_from(body.as_object().unwrap(), true).unwrap();
        assert_eq!(p.first_name, Some(Some("Jane".into())));
        assert_eq!(p.email, Some(Some("j@x.fr".into())));
        assert!(matches!(p.civility, Some(Some(Scalar::Integer(1)))));
        assert_eq!(p.comment, None);
        let p = patch_from(body.as_object().unwrap(), false).unwrap();
        assert_eq!(p.comment, Some(None));
    }

    #[test]
    fn wrong_types_are_field_errors() {
        let body = json!({"last_name": ["x"], "legal_representative": "maybe"});
        let errors = patch_from(body.as_object().unwrap(), true).unwrap_err();
        let names: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["last_name", "legal_representative"]);
    }
}

//! The published OpenAPI documents against the real server: they are valid
//! OpenAPI 3.1 in structure, every route of the router's table is described
//! and every described route is served, and the answers of a real run (data
//! created through the API, then every operation called) conform to the
//! schema each document gives for that status.

#[path = "support/schema.rs"]
mod schema;
mod support;

use std::collections::{BTreeMap, BTreeSet};

use contacts_host::http::routes::ROUTES;
use serde_json::{Value, json};
use support::{Reply, Server};

const NAMES: [&str; 4] = ["bluerocktel", "helperiq", "relatecrm", "platform"];
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn committed(name: &str) -> Value {
    let path = support::workspace_root().join(format!("host/openapi/{name}.json"));
    let text = std::fs::read_to_string(&path).expect("read a committed document");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}.json is not JSON: {e}"))
}

/// The four documents as the server serves them (and as committed).
fn documents(s: &Server) -> BTreeMap<&'static str, Value> {
    NAMES
        .iter()
        .map(|name| {
            let r = s.send("GET", &format!("/openapi/{name}.json"), None, &[], None);
            assert_eq!(r.status, 200, "{name}: {r:?}");
            assert_eq!(r.header("content-type"), Some("application/json"));
            let served = r.json();
            assert_eq!(
                served,
                committed(name),
                "{name}: served differs from committed"
            );
            (*name, served)
        })
        .collect()
}

/// Every operation of a document: (method, path template, operation).
fn operations(doc: &Value) -> Vec<(&'static str, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method, path.clone(), op));
            }
        }
    }
    out
}

#[test]
fn the_documents_are_openapi_3_1() {
    let s = Server::start();
    for (name, doc) in documents(&s) {
        let version = doc["openapi"].as_str().unwrap_or_default();
        assert!(version.starts_with("3.1."), "{name}: openapi {version:?}");
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        let mut ids = BTreeSet::new();
        for (method, path, op) in operations(&doc) {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{name}: {method} {path} has no operationId");
            assert!(ids.insert(id), "{name}: operationId {id} is not unique");
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{name}: {id} has no responses");
            for (status, answer) in responses {
                assert!(
                    status.len() == 3 && status.parse::<u16>().is_ok(),
                    "{name}: {id}: status {status}"
                );
                assert!(answer["description"].is_string(), "{name}: {id} {status}");
            }
            // Every `{param}` of the template is a declared path parameter.
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let used: BTreeSet<&str> = path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            assert_eq!(declared, used, "{name}: {id}: path parameters");
            for p in op["parameters"].as_array().into_iter().flatten() {
                assert!(
                    ["query", "path", "header"].contains(&p["in"].as_str().unwrap_or_default()),
                    "{name}: {id}: parameter {p}"
                );
                assert!(p["schema"].is_object(), "{name}: {id}: parameter {p}");
            }
        }
        let mut refs = Vec::new();
        schema::refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            assert!(
                schema::resolve(&doc, &r).is_some(),
                "{name}: $ref {r} resolves to nothing"
            );
        }
        // Every schema uses only what the validator checks (or annotations).
        for (key, sub) in doc["components"]["schemas"].as_object().expect("schemas") {
            let errors: Vec<String> = schema::validate(&doc, sub, &json!(null))
                .into_iter()
                .filter(|e| e.contains("unsupported") || e.contains("unresolved"))
                .collect();
            assert!(errors.is_empty(), "{name}: {key}: {errors:?}");
        }
    }
}

/// `(method, path)` of every operation of every document.
fn described(docs: &BTreeMap<&str, Value>) -> BTreeSet<(String, String)> {
    docs.values()
        .flat_map(operations)
        .map(|(m, p, _)| (m.to_owned(), p))
        .collect()
}

#[test]
fn every_route_is_described_and_every_described_route_is_served() {
    let s = Server::start();
    let docs = documents(&s);
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let described = described(&docs);
    let undescribed: Vec<_> = served.difference(&described).collect();
    assert!(
        undescribed.is_empty(),
        "served, not described: {undescribed:?}"
    );
    let unserved: Vec<_> = described.difference(&served).collect();
    assert!(
        unserved.is_empty(),
        "described, not in the router: {unserved:?}"
    );

    // And over HTTP: each described operation, called without a token (or
    // as documented when it needs none), answers a documented status with a
    // documented body; the fallback's 404 and a method the router does not
    // route (an empty 405) are not documented.
    for (name, doc) in &docs {
        for (method, path, op) in operations(doc) {
            let target = path
                .replace("{id}", "1")
                .replace("{note_id}", "1")
                .replace("{file}", "app.js");
            let m = method.to_uppercase();
            let r = s.send(&m, &target, None, &dialect(name), None);
            let id = op["operationId"].as_str().unwrap_or_default();
            conforms(doc, op, &r, &format!("{name} {id} {m} {target}"));
        }
    }
}

/// The header that selects a document's dialect on a shared path.
fn dialect(name: &str) -> Vec<(&'static str, &str)> {
    match name {
        "bluerocktel" | "helperiq" => vec![("X-Contacts-Dialect", name)],
        _ => vec![],
    }
}

/// Asserts `r` has a status `op` documents and a body its schema accepts.
fn conforms(doc: &Value, op: &Value, r: &Reply, what: &str) {
    let status = r.status.to_string();
    let Some(answer) = op["responses"].get(&status) else {
        panic!("{what}: status {status} is not documented: {r:?}");
    };
    let Some(content) = answer.get("content").and_then(Value::as_object) else {
        assert!(
            r.body.is_empty(),
            "{what}: {status} documents no body: {r:?}"
        );
        return;
    };
    let media = r
        .header("content-type")
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let Some(media_doc) = content.get(&media) else {
        panic!("{what}: {status} answered {media:?}, documented {content:?}");
    };
    if media == "application/json" {
        let errors = schema::validate(doc, &media_doc["schema"], &r.json());
        assert!(
            errors.is_empty(),
            "{what}: {status}: {errors:#?}\n{}",
            r.body
        );
    }
}

/// Calls operations of one document with real data and checks each answer.
struct Run<'a> {
    s: &'a Server,
    docs: &'a BTreeMap<&'static str, Value>,
    token: String,
    /// (document, operationId) → statuses seen.
    seen: BTreeMap<(String, String), BTreeSet<u16>>,
}

impl Run<'_> {
    fn op(&self, name: &str, id: &str) -> (&'static str, String, &Value) {
        let doc = &self.docs[name];
        operations(doc)
            .into_iter()
            .find(|(_, _, op)| op["operationId"] == id)
            .unwrap_or_else(|| panic!("{name}: no operation {id}"))
    }

    /// Calls `id` of document `name` at `target` (path and query), with the
    /// run's token unless `token` says otherwise; returns the JSON answer.
    fn call_as(
        &mut self,
        name: &str,
        id: &str,
        target: &str,
        token: Option<&str>,
        body: Option<Value>,
        expect: u16,
    ) -> Value {
        let (method, template, op) = self.op(name, id);
        let path = target.split('?').next().unwrap_or_default();
        let fits = template.split('/').count() == path.split('/').count()
            && template
                .split('/')
                .zip(path.split('/'))
                .all(|(t, p)| t == p || t.starts_with('{'));
        assert!(fits, "{name} {id}: {target} is not {template}");
        let mut headers = dialect(name);
        let bytes = body.map(|b| b.to_string().into_bytes());
        if bytes.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let r = self.s.send(
            &method.to_uppercase(),
            target,
            token,
            &headers,
            bytes.as_deref(),
        );
        let what = format!("{name} {id} {} {target}", method.to_uppercase());
        assert_eq!(r.status, expect, "{what}: {r:?}");
        conforms(&self.docs[name], op, &r, &what);
        self.seen
            .entry((name.to_owned(), id.to_owned()))
            .or_default()
            .insert(r.status);
        if r.body.is_empty()
            || !r
                .header("content-type")
                .unwrap_or_default()
                .contains("json")
        {
            Value::Null
        } else {
            r.json()
        }
    }

    fn call(
        &mut self,
        name: &str,
        id: &str,
        target: &str,
        body: Option<Value>,
        expect: u16,
    ) -> Value {
        let token = self.token.clone();
        self.call_as(name, id, target, Some(&token), body, expect)
    }
}

#[test]
fn real_answers_match_the_documents() {
    let s = Server::start();
    let docs = documents(&s);
    let token = s.agent_with_login("Ops Agent", "ops@example.com", "s3cret-pass");
    let reader = s.token(&["--name", "Read Only", "--scopes", "contacts:read"]);
    let mut run = Run {
        s: &s,
        docs: &docs,
        token,
        seen: BTreeMap::new(),
    };
    let r = &mut run;

    // Platform: login, the caller, the directory.
    let login = json!({"email": "ops@example.com", "password": "s3cret-pass"});
    r.call_as(
        "platform",
        "login",
        "/api/login",
        None,
        Some(login.clone()),
        200,
    );
    r.call_as("bluerocktel", "login", "/api/login", None, Some(login), 200);
    let wrong = json!({"email": "ops@example.com", "password": "nope"});
    r.call_as("platform", "login", "/api/login", None, Some(wrong), 401);
    r.call_as(
        "platform",
        "login",
        "/api/login",
        None,
        Some(json!({})),
        422,
    );
    r.call("platform", "getMe", "/api/v1/agents/me", None, 200);
    r.call("helperiq", "getMe", "/api/v1/agents/me", None, 200);
    let customer = r.call(
        "platform",
        "createCustomer",
        "/api/v1/customers",
        Some(json!({"name": "Acme SARL", "customer_account": "CL000123"})),
        201,
    )["id"]
        .as_u64()
        .unwrap();
    r.call(
        "platform",
        "createCustomer",
        "/api/v1/customers",
        Some(json!({})),
        422,
    );
    r.call(
        "platform",
        "createProspect",
        "/api/v1/prospects",
        Some(json!({"name": "Future SAS", "customerAccount": "PR000001"})),
        201,
    );
    let company = r.call(
        "platform",
        "createCompany",
        "/api/companies",
        Some(json!({"name": "Acme SA", "domain": "acme.fr"})),
        201,
    )["id"]
        .as_u64()
        .unwrap();
    let deal = r.call(
        "platform",
        "createDeal",
        "/api/deals",
        Some(json!({"name": "Renewal"})),
        201,
    )["id"]
        .as_u64()
        .unwrap();
    r.call(
        "platform",
        "createActivity",
        "/api/activities",
        Some(json!({"title": "Call back"})),
        201,
    );

    // BlueRockTEL.
    let owner = format!("contactable_type=App%5CCustomer&contactable_id={customer}");
    let jeanne = r.call(
        "bluerocktel",
        "createContact",
        &format!("/api/v1/contacts?{owner}"),
        Some(
            json!({"first_name": "Jeanne", "last_name": "Martin", "email_address": "jeanne@acme.fr",
            "mobile_phone": "06 12 34 56 78", "landline_phone": "01 23 45 67 89", "civility": 1}),
        ),
        201,
    )["id"]
        .as_u64()
        .unwrap();
    let paul = r.call(
        "bluerocktel",
        "createContact",
        &format!("/api/v1/contacts?{owner}"),
        Some(json!({"lastName": "Durand", "emailAddress": "paul@acme.fr", "service": "Sales"})),
        201,
    )["id"]
        .as_u64()
        .unwrap();
    let bad = json!({"last_name": "X", "email_address": "not an email"});
    r.call(
        "bluerocktel",
        "createContact",
        &format!("/api/v1/contacts?{owner}"),
        Some(bad),
        422,
    );
    r.call(
        "bluerocktel",
        "createContact",
        "/api/v1/contacts",
        Some(json!({})),
        422,
    );
    let reader_body = Some(json!({"last_name": "Y", "email_address": "y@acme.fr"}));
    r.call_as(
        "bluerocktel",
        "createContact",
        &format!("/api/v1/contacts?{owner}"),
        Some(&reader),
        reader_body,
        403,
    );
    r.call_as(
        "bluerocktel",
        "createContact",
        &format!("/api/v1/contacts?{owner}"),
        None,
        None,
        401,
    );
    r.call(
        "bluerocktel",
        "listContacts",
        &format!("/api/v1/contacts?{owner}"),
        None,
        200,
    );
    r.call("bluerocktel", "listContacts", "/api/v1/contacts", None, 422);
    r.call(
        "bluerocktel",
        "getContact",
        &format!("/api/v1/contacts/{jeanne}"),
        None,
        200,
    );
    r.call(
        "bluerocktel",
        "getContact",
        "/api/v1/contacts/999999",
        None,
        404,
    );
    r.call(
        "bluerocktel",
        "updateContact",
        &format!("/api/v1/contacts/{jeanne}"),
        Some(json!({"role": "CTO"})),
        201,
    );
    r.call(
        "bluerocktel",
        "updateContact",
        &format!("/api/v1/contacts/{jeanne}"),
        Some(json!({"email_address": null})),
        422,
    );
    for number in ["0612345678", "%2B33612345678", "33612345678", "12345678"] {
        let m = r.call(
            "bluerocktel",
            "lookupNumber",
            &format!("/api/v1/contacts/numbers?phone_number={number}"),
            None,
            200,
        );
        assert_eq!(m["data"]["id"], jeanne, "{number}");
    }
    r.call(
        "bluerocktel",
        "lookupNumber",
        "/api/v1/contacts/numbers?phone_number=0700000000",
        None,
        404,
    );
    r.call(
        "bluerocktel",
        "lookupNumber",
        "/api/v1/contacts/numbers",
        None,
        422,
    );
    r.call(
        "bluerocktel",
        "listAccounts",
        &format!("/api/v1/contacts/{jeanne}/accounts"),
        None,
        200,
    );
    r.call(
        "bluerocktel",
        "listAccounts",
        "/api/v1/contacts/999999/accounts",
        None,
        404,
    );
    let coworkers = r.call(
        "bluerocktel",
        "listCoworkers",
        &format!("/api/v1/contacts/{jeanne}/coworkers"),
        None,
        200,
    );
    assert_eq!(coworkers[0]["id"], paul);

    // The platform routes that need a contact.
    r.call(
        "platform",
        "createConversation",
        "/api/v1/conversations",
        Some(json!({"contact_id": jeanne, "subject": "Invoice", "last_message": "Thanks"})),
        201,
    );
    let client = r.call(
        "platform",
        "createClient",
        "/api/v1/clients",
        Some(json!({"contact_id": jeanne})),
        201,
    )["id"]
        .as_u64()
        .unwrap();
    r.call(
        "platform",
        "createClient",
        "/api/v1/clients",
        Some(json!({"contact_id": jeanne})),
        409,
    );
    r.call(
        "platform",
        "getClient",
        &format!("/api/v1/clients/{client}"),
        None,
        200,
    );
    r.call("platform", "getClient", "/api/v1/clients/999999", None, 404);

    // HelperIQ.
    let ana = r.call(
        "helperiq",
        "quickCreate",
        "/api/v1/contacts/quick",
        Some(json!({"first_name": "Ana", "last_name": "Lopez", "email": "ana@example.org"})),
        200,
    )["data"]["id"]
        .as_u64()
        .unwrap();
    r.call(
        "helperiq",
        "quickCreate",
        "/api/v1/contacts/quick",
        Some(json!({"first_name": "No"})),
        400,
    );
    r.call_as(
        "helperiq",
        "quickCreate",
        "/api/v1/contacts/quick",
        Some(&reader),
        Some(json!({"email": "r@example.org"})),
        403,
    );
    r.call(
        "helperiq",
        "listContacts",
        "/api/v1/contacts?page_size=2&order_by=first_name&order=ASC",
        None,
        200,
    );
    r.call(
        "helperiq",
        "listContacts",
        "/api/v1/contacts?order_by=password",
        None,
        400,
    );
    r.call(
        "helperiq",
        "getContact",
        &format!("/api/v1/contacts/{jeanne}"),
        None,
        200,
    );
    r.call(
        "helperiq",
        "getContact",
        "/api/v1/contacts/999999",
        None,
        404,
    );
    r.call(
        "helperiq",
        "updateContact",
        &format!("/api/v1/contacts/{ana}"),
        Some(json!({"phone": "+44 20 7946 0958"})),
        200,
    );
    r.call(
        "helperiq",
        "updateContact",
        &format!("/api/v1/contacts/{ana}"),
        Some(json!({"email": "jeanne@acme.fr"})),
        400,
    );
    r.call(
        "helperiq",
        "searchContacts",
        "/api/v1/contacts/search?q=ana",
        None,
        200,
    );
    r.call(
        "helperiq",
        "searchContacts",
        "/api/v1/contacts/search?q=345678",
        None,
        200,
    );
    r.call(
        "helperiq",
        "searchContacts",
        "/api/v1/contacts/search?q=",
        None,
        400,
    );
    r.call(
        "helperiq",
        "blockContact",
        &format!("/api/v1/contacts/{ana}/block"),
        Some(json!({"blocked": true})),
        200,
    );
    r.call(
        "helperiq",
        "blockContact",
        &format!("/api/v1/contacts/{ana}/block"),
        Some(json!({})),
        400,
    );
    r.call(
        "helperiq",
        "listConversations",
        &format!("/api/v1/contacts/{jeanne}/conversations"),
        None,
        200,
    );
    let note = r.call(
        "helperiq",
        "addNote",
        &format!("/api/v1/contacts/{jeanne}/notes"),
        Some(json!({"content": "Called back"})),
        200,
    )["data"]["id"]
        .as_u64()
        .unwrap();
    r.call(
        "helperiq",
        "addNote",
        &format!("/api/v1/contacts/{jeanne}/notes"),
        Some(json!({"content": ""})),
        400,
    );
    r.call(
        "helperiq",
        "listNotes",
        &format!("/api/v1/contacts/{jeanne}/notes"),
        None,
        200,
    );
    let note_path = format!("/api/v1/contacts/{jeanne}/notes/{note}");
    r.call(
        "helperiq",
        "editNote",
        &note_path,
        Some(json!({"content": "x"})),
        405,
    );
    r.call(
        "helperiq",
        "patchNote",
        &note_path,
        Some(json!({"content": "x"})),
        405,
    );
    r.call("helperiq", "deleteNote", &note_path, None, 200);
    r.call("helperiq", "deleteNote", &note_path, None, 404);
    r.call(
        "helperiq",
        "deleteContact",
        &format!("/api/v1/contacts/{ana}"),
        None,
        200,
    );
    r.call(
        "helperiq",
        "deleteContact",
        &format!("/api/v1/contacts/{ana}"),
        None,
        404,
    );

    // RelateCRM.
    let lee = r.call(
        "relatecrm",
        "createContact",
        "/api/contacts",
        Some(json!({"first_name": "Lee", "last_name": "Chan", "email": "lee@example.com", "city": "Lyon",
            "phones": [{"number": "+1 202 555 0143", "type": "work"}, "+33 6 98 76 54 32|mobile"],
            "cf_tier": "gold"})),
        201,
    )["id"]
        .as_u64()
        .unwrap();
    r.call(
        "relatecrm",
        "createContact",
        "/api/contacts",
        Some(json!({"email": "x@example.com"})),
        422,
    );
    r.call(
        "relatecrm",
        "createContact",
        "/api/contacts",
        Some(json!({"first_name": "Dup", "email": "lee@example.com"})),
        422,
    );
    r.call(
        "relatecrm",
        "listContacts",
        "/api/contacts?per_page=2&order=last_name|desc",
        None,
        200,
    );
    r.call(
        "relatecrm",
        "listContacts",
        "/api/contacts?select=email;city&q=lee",
        None,
        200,
    );
    r.call(
        "relatecrm",
        "listContacts",
        "/api/contacts?q=x&search_fields=password:like",
        None,
        403,
    );
    r.call(
        "relatecrm",
        "searchContacts",
        "/api/contacts/search?q=Lyon&take=5",
        None,
        200,
    );
    r.call(
        "relatecrm",
        "getContact",
        &format!("/api/contacts/{lee}"),
        None,
        200,
    );
    r.call("relatecrm", "getContact", "/api/contacts/999999", None, 404);
    r.call(
        "relatecrm",
        "updateContact",
        &format!("/api/contacts/{lee}"),
        Some(json!({"job_title": "Buyer"})),
        200,
    );
    r.call(
        "relatecrm",
        "updateContact",
        &format!("/api/contacts/{lee}"),
        Some(json!({"first_name": ""})),
        422,
    );
    let assoc = format!("/api/associations/contacts/{lee}");
    r.call(
        "relatecrm",
        "attachAssociations",
        &assoc,
        Some(json!({"companies": [company]})),
        200,
    );
    r.call(
        "relatecrm",
        "attachAssociations",
        &assoc,
        Some(json!({"companies": [company]})),
        409,
    );
    r.call(
        "relatecrm",
        "detachAssociations",
        &assoc,
        Some(json!({"companies": [company]})),
        200,
    );
    r.call(
        "relatecrm",
        "syncAssociations",
        &assoc,
        Some(json!({"deals": [deal]})),
        200,
    );
    r.call(
        "relatecrm",
        "syncAssociations",
        &assoc,
        Some(json!({})),
        422,
    );
    r.call(
        "relatecrm",
        "deleteContact",
        &format!("/api/contacts/{lee}"),
        None,
        204,
    );
    r.call(
        "relatecrm",
        "deleteContact",
        &format!("/api/contacts/{lee}"),
        None,
        404,
    );

    // What is left: deletes, the feed, operations.
    r.call(
        "bluerocktel",
        "deleteContact",
        &format!("/api/v1/contacts/{paul}"),
        None,
        200,
    );
    let events = r.call(
        "platform",
        "listEvents",
        "/api/v1/events?after=0&limit=1000",
        None,
        200,
    );
    assert!(
        events["data"].as_array().is_some_and(|l| l.len() > 5),
        "{events}"
    );
    r.call_as("platform", "listEvents", "/api/v1/events", None, None, 401);
    for (id, target) in [
        ("landing", "/"),
        ("healthz", "/healthz"),
        ("readyz", "/readyz"),
        ("metrics", "/metrics"),
        ("console", "/console"),
        ("consoleFile", "/console/app.js"),
        ("consoleFile", "/console/style.css"),
    ] {
        r.call_as("platform", id, target, None, None, 200);
    }
    r.call_as(
        "platform",
        "consoleFile",
        "/console/nothing.js",
        None,
        None,
        404,
    );
    for name in NAMES {
        r.call_as(
            "platform",
            &format!("openapi_{name}"),
            &format!("/openapi/{name}.json"),
            None,
            None,
            200,
        );
    }

    // Every operation of every document answered at least once with success.
    for (name, doc) in &docs {
        for (_, _, op) in operations(doc) {
            let id = op["operationId"].as_str().unwrap_or_default();
            let statuses = run
                .seen
                .get(&((*name).to_owned(), id.to_owned()))
                .cloned()
                .unwrap_or_default();
            let succeeded = statuses.iter().any(|s| (200..300).contains(s))
                || ["editNote", "patchNote"].contains(&id) && statuses.contains(&405);
            assert!(
                succeeded,
                "{name} {id} was never answered with success: {statuses:?}"
            );
        }
    }
}

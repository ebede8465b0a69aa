//! The 3CX CRM template, replayed as 3CX uses it: read the XML, format the
//! caller id for each `Number Prefix` mode and `MaxLength`, expand the
//! request, send it to the real server, then apply the template's `Rules`,
//! `Variables` and `Outputs` and check what 3CX would show.

mod support;

use std::collections::HashMap;

use serde_json::{Value, json};
use support::Server;

const TEMPLATE: &str = include_str!("../integrations/3cx/contacts-engine.xml");

/// The parts of the template's lookup scenario that a replay needs.
struct Template {
    url: String,
    headers: Vec<(String, String)>,
    rules: Vec<(String, String)>,
    variables: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
}

fn text(node: roxmltree::Node<'_, '_>) -> String {
    node.text().unwrap_or_default().trim().to_owned()
}

fn load() -> Template {
    let doc = roxmltree::Document::parse(TEMPLATE).expect("the template is well-formed XML");
    let scenario = doc
        .descendants()
        .find(|n| n.has_tag_name("Scenario") && n.attribute("Id") == Some(""))
        .expect("a lookup scenario (Id=\"\")");
    let request = scenario
        .children()
        .find(|n| n.has_tag_name("Request"))
        .expect("Request");
    assert_eq!(request.attribute("RequestType"), Some("Get"));
    assert_eq!(request.attribute("ResponseType"), Some("Json"));
    let kids = |parent: &str, tag: &str| -> Vec<roxmltree::Node<'_, '_>> {
        scenario
            .descendants()
            .filter(|n| n.has_tag_name(parent))
            .flat_map(|p| p.children().filter(move |c| c.has_tag_name(tag)))
            .collect()
    };
    Template {
        url: request.attribute("Url").expect("Url").to_owned(),
        headers: kids("Headers", "Value")
            .into_iter()
            .map(|v| (v.attribute("Key").unwrap_or_default().to_owned(), text(v)))
            .collect(),
        rules: kids("Rules", "Rule")
            .into_iter()
            .map(|r| (r.attribute("Type").unwrap_or_default().to_owned(), text(r)))
            .collect(),
        variables: kids("Variables", "Variable")
            .into_iter()
            .map(|v| {
                (
                    v.attribute("Name").unwrap_or_default().to_owned(),
                    v.attribute("Path").unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        outputs: kids("Outputs", "Output")
            .into_iter()
            .map(|o| {
                (
                    o.attribute("Type").unwrap_or_default().to_owned(),
                    o.attribute("Value").unwrap_or_default().to_owned(),
                )
            })
            .collect(),
    }
}

/// How 3CX rewrites a caller id before the lookup.
fn format_number(caller: &str, prefix: &str, max_length: Option<usize>) -> String {
    let formatted = match prefix {
        "AsIs" => caller.to_owned(),
        "Off" => caller.trim_start_matches('+').to_owned(),
        "Plus" if caller.starts_with('+') => caller.to_owned(),
        "Plus" => format!("+{}", caller.trim_start_matches("00")),
        "Zeros" => match caller.strip_prefix('+') {
            Some(rest) => format!("00{rest}"),
            None => caller.to_owned(),
        },
        other => panic!("unknown prefix mode {other}"),
    };
    match max_length {
        Some(n) if formatted.len() > n => formatted[formatted.len() - n..].to_owned(),
        _ => formatted,
    }
}

/// Expands `[Param]` and `[[Number].Replace("a","b")]` placeholders.
fn expand(template: &str, values: &HashMap<&str, String>) -> String {
    let mut out = template.to_owned();
    let replace_call = "[[Number].Replace(\"+\",\"%2B\")]";
    if out.contains(replace_call) {
        out = out.replace(replace_call, &values["Number"].replace('+', "%2B"));
    }
    for (name, value) in values {
        out = out.replace(&format!("[{name}]"), value);
    }
    assert!(!out.contains('['), "unexpanded placeholder in {out}");
    out
}

fn at_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, key| v.get(key))
}

/// What 3CX shows for one call: `None` when the template finds no contact.
fn replay(s: &Server, t: &Template, token: &str, number: &str) -> Option<HashMap<String, String>> {
    let params = HashMap::from([
        ("BaseUrl", format!("http://{}", s.addr)),
        ("ApiToken", token.to_owned()),
        ("Number", number.to_owned()),
    ]);
    let url = expand(&t.url, &params);
    let target = url
        .strip_prefix(&params["BaseUrl"])
        .expect("the URL starts with BaseUrl");
    let headers: Vec<(String, String)> = t
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), expand(v, &params)))
        .filter(|(k, _)| k != "Authorization")
        .collect();
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let auth = t
        .headers
        .iter()
        .find(|(k, _)| k == "Authorization")
        .map(|(_, v)| expand(v, &params))
        .expect("an Authorization header");
    let token = auth.strip_prefix("Bearer ").expect("a bearer token");
    let reply = s.send("GET", target, Some(token), &header_refs, None);
    let body: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    // Rules: every `Any` rule's path must hold a value.
    let found = t
        .rules
        .iter()
        .all(|(kind, path)| kind != "Any" || at_path(&body, path).is_some_and(|v| !v.is_null()));
    if !found {
        assert_eq!(reply.status, 404, "a miss is a 404: {reply:?}");
        return None;
    }
    assert_eq!(reply.status, 200, "{reply:?}");
    let vars: HashMap<&str, String> = t
        .variables
        .iter()
        .map(|(name, path)| {
            let value = match at_path(&body, path) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (name.as_str(), value)
        })
        .collect();
    Some(
        t.outputs
            .iter()
            .map(|(kind, value)| {
                let mut v = value.clone();
                for (name, val) in &vars {
                    v = v.replace(&format!("[{name}]"), val);
                }
                (kind.clone(), v)
            })
            .collect(),
    )
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn the_template_finds_the_caller_in_every_prefix_mode() {
    let t = load();
    let s = Server::start();
    let admin = s.admin();
    let reader = s.token(&["--name", "3CX Lookup", "--scopes", "contacts:read"]);
    let owner = s.owner(&admin, "customers", "ACME SARL", "CL000123");
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        &admin,
        &json!({"first_name": "Jane", "last_name": "Doe", "email": "jane.doe@acme.fr",
               "mobile_phone": "06 12 34 56 78", "landline_phone": "+33 1 23 45 67 89"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_u64().unwrap();

    for caller in ["+33612345678", "+33123456789"] {
        for prefix in ["AsIs", "Off", "Plus", "Zeros"] {
            for max_length in [None, Some(9), Some(10), Some(11)] {
                let number = format_number(caller, prefix, max_length);
                let shown = replay(&s, &t, &reader, &number).unwrap_or_else(|| {
                    panic!("{caller} as {prefix}/{max_length:?} ({number}) found nothing")
                });
                let case = format!("{caller} as {prefix}/{max_length:?} ({number})");
                assert!(
                    shown["ContactUrl"].ends_with(&format!("/api/v1/contacts/{id}")),
                    "{case}"
                );
                assert_eq!(shown["FirstName"], "Jane", "{case}");
                assert_eq!(shown["LastName"], "Doe", "{case}");
                assert_eq!(shown["CompanyName"], "ACME SARL", "{case}");
                assert_eq!(shown["Email"], "jane.doe@acme.fr", "{case}");
                assert_eq!(shown["EntityId"], id.to_string(), "{case}");
                // 3CX keeps the contact only if one of its phones is the caller.
                let tail = &digits(caller)[digits(caller).len() - 9..];
                let phone_outputs = [
                    "PhoneMobile",
                    "PhoneBusiness",
                    "PhoneBusiness2",
                    "PhoneOther",
                ];
                assert!(
                    phone_outputs
                        .iter()
                        .any(|k| digits(&shown[*k]).ends_with(tail)),
                    "{case}: no phone output matches: {shown:?}"
                );
            }
        }
    }
    // The national form that a trunk may deliver as is.
    let shown = replay(&s, &t, &reader, "0612345678").expect("national form");
    assert_eq!(shown["LastName"], "Doe");
}

#[test]
fn an_unknown_or_anonymous_caller_shows_no_contact() {
    let t = load();
    let s = Server::start();
    let reader = s.token(&["--name", "3CX Lookup", "--scopes", "contacts:read"]);
    for number in [
        "+33699999999",
        "0033699999999",
        "anonymous",
        "+442079460958",
    ] {
        assert!(replay(&s, &t, &reader, number).is_none(), "{number}");
    }
}

#[test]
fn prefix_modes_format_as_3cx_does() {
    assert_eq!(format_number("+33612345678", "Off", None), "33612345678");
    assert_eq!(
        format_number("+33612345678", "Zeros", None),
        "0033612345678"
    );
    assert_eq!(format_number("0033612345678", "Plus", None), "+33612345678");
    assert_eq!(format_number("+33612345678", "AsIs", Some(9)), "612345678");
}

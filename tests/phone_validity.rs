//! Spec §3 "Phone": `e164` is a claim of validity. A number that parses but is not valid
//! (`+44 7400 12345`, a US area code beginning with 1, a German mobile cut to 9 digits) is
//! stored through every dialect with `e164` null, keeps what was typed and its digits, and is
//! found by those digits through the 3CX lookup and the HelperIQ search; over raw HTTP against
//! the real host, component and database.

mod support;

use serde_json::{Value, json};
use support::{Reply, Server, enc};

const HQ: (&str, &str) = ("X-Contacts-Dialect", "helperiq");

fn hq(s: &Server, method: &str, path: &str, token: &str, body: Option<&Value>) -> Reply {
    let bytes = body.map(|b| serde_json::to_vec(b).expect("serialize"));
    let mut headers = vec![HQ];
    if bytes.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    s.send(method, path, Some(token), &headers, bytes.as_deref())
}

/// The HelperIQ view of a contact (`GET /{id}` with its channels).
fn helperiq_view(s: &Server, token: &str, id: u64) -> Value {
    let r = hq(s, "GET", &format!("/api/v1/contacts/{id}"), token, None);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()["data"].clone()
}

/// The contact the 3CX lookup answers for `query`, or the status when there is none.
fn lookup(s: &Server, token: &str, query: &str) -> Result<Value, u16> {
    let r = s.get(
        &format!("/api/v1/contacts/numbers?phone_number={}", enc(query)),
        token,
    );
    match r.status {
        200 => Ok(r.json()["data"].clone()),
        other => Err(other),
    }
}

/// The ids the HelperIQ search answers for `q`.
fn search(s: &Server, token: &str, q: &str) -> Vec<u64> {
    let r = hq(
        s,
        "GET",
        &format!("/api/v1/contacts/search?q={}", enc(q)),
        token,
        None,
    );
    assert_eq!(r.status, 200, "{q}: {r:?}");
    r.json()["data"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|c| c["id"].as_u64())
        .collect()
}

/// Found by the 3CX lookup under each form, with no E.164 claimed, and by the search under
/// each query.
fn assert_findable(s: &Server, token: &str, id: u64, forms: &[&str], queries: &[&str]) {
    for form in forms {
        let found = lookup(s, token, form)
            .unwrap_or_else(|status| panic!("lookup {form:?}: {status}, expected contact {id}"));
        assert_eq!(found["id"], id, "lookup {form:?}: {found}");
        assert_eq!(found["matched_e164"], Value::Null, "lookup {form:?}");
    }
    for q in queries {
        assert!(
            search(s, token, q).contains(&id),
            "search {q:?} misses contact {id}"
        );
    }
}

#[test]
fn an_invalid_number_through_bluerocktel_has_no_e164_and_is_found_by_its_digits() {
    let s = Server::start();
    let t = s.admin();
    let owner = s.owner(&t, "customers", "ACME", "CL1");
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        &t,
        &json!({"last_name": "Short", "email": "short@example.com",
               "mobile_phone": "+44 7400 12345"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_u64().expect("id");
    assert_eq!(r.json()["mobile_phone"], "+44 7400 12345", "kept as typed");

    // The other dialects render the same phone without a claim of validity.
    let v = helperiq_view(&s, &t, id);
    assert_eq!(v["phone"], "+44 7400 12345");
    assert_eq!(
        v["phone_number"], "740012345",
        "its national significant number"
    );
    assert_eq!(
        v["phone_number_country_code"],
        Value::Null,
        "+44 is shared by GB, GG, IM and JE, and no region's rules own an invalid number"
    );
    assert_eq!(v["phones"][0]["e164"], Value::Null);
    let r = s.get(&format!("/api/contacts/{id}"), &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["phones"][0]["e164"], Value::Null);

    assert_findable(
        &s,
        &t,
        id,
        &[
            "44740012345",
            "+44740012345",
            "0044 7400 12345",
            "740012345",
        ],
        &["44740012345", "740012345", "+44 7400 12345"],
    );
    // Digits it does not have find nothing.
    assert_eq!(lookup(&s, &t, "+44740012346").map(|_| ()), Err(404));
}

#[test]
fn an_invalid_number_through_relatecrm_has_no_e164_is_found_and_stays_unique() {
    let s = Server::start();
    let t = s.admin();
    // A US area code never begins with 1.
    let r = s.json(
        "POST",
        "/api/contacts",
        &t,
        &json!({"first_name": "Area", "phones": [{"number": "+1 150 253 0000", "type": "work"},
                                                 {"number": "+1 202 456 1111", "type": "mobile"}]}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let c = r.json();
    let id = c["id"].as_u64().expect("id");
    assert_eq!(c["phones"][0]["number"], "+1 150 253 0000");
    assert_eq!(c["phones"][0]["e164"], Value::Null, "not a valid number");
    assert_eq!(
        c["phones"][1]["e164"], "+12024561111",
        "a valid one keeps it"
    );
    let v = helperiq_view(&s, &t, id);
    assert_eq!(v["phone_number"], "1502530000");
    assert_eq!(v["phones"][0]["e164"], Value::Null);

    assert_findable(
        &s,
        &t,
        id,
        &["11502530000", "+1 (150) 253-0000", "1502530000"],
        &["11502530000", "1502530000"],
    );

    // Uniqueness compares numbers that parse by their international form, valid or not: the
    // same invalid number written another way is taken, a neighbour is not.
    let r = s.json(
        "POST",
        "/api/contacts",
        &t,
        &json!({"first_name": "Again", "phones": ["001 (150) 253-0000|work"]}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(
        r.json()["errors"]["phones.0.number"][0],
        "A contact with this phone number already exist."
    );
    let r = s.json(
        "POST",
        "/api/contacts",
        &t,
        &json!({"first_name": "Other", "phones": ["+1 150 253 0001|work"]}),
    );
    assert_eq!(r.status, 201, "{r:?}");
}

#[test]
fn an_invalid_number_through_helperiq_has_no_e164_and_is_found_by_its_digits() {
    let s = Server::start();
    let t = s.admin();
    let r = hq(
        &s,
        "POST",
        "/api/v1/contacts/quick",
        &t,
        Some(&json!({"first_name": "Cut", "email": "cut@example.com"})),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let id = r.json()["data"]["id"].as_u64().expect("id");
    // The UI's pair: national digits read in the given region. A German mobile cut to 9 digits.
    let r = hq(
        &s,
        "PUT",
        &format!("/api/v1/contacts/{id}"),
        &t,
        Some(&json!({"phone_number": "151234567", "phone_number_country_code": "DE"})),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let v = helperiq_view(&s, &t, id);
    assert_eq!(v["phone"], "151234567", "kept as typed");
    assert_eq!(v["phone_number"], "151234567");
    assert_eq!(
        v["phone_number_country_code"], "DE",
        "+49 is Germany's alone"
    );
    assert_eq!(v["phones"][0]["e164"], Value::Null);
    let r = s.get(&format!("/api/contacts/{id}"), &t);
    assert_eq!(r.json()["phones"][0]["e164"], Value::Null, "{r:?}");

    assert_findable(
        &s,
        &t,
        id,
        &["49151234567", "+49 151 234567", "0151 234567", "151234567"],
        &["49151234567", "151234567"],
    );

    // Completed to a valid number, it gets its E.164 and is found by it.
    let r = hq(
        &s,
        "PUT",
        &format!("/api/v1/contacts/{id}"),
        &t,
        Some(&json!({"phone": "+49 151 23456789"})),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let v = helperiq_view(&s, &t, id);
    assert_eq!(v["phones"][0]["e164"], "+4915123456789");
    let found = lookup(&s, &t, "+4915123456789").expect("found");
    assert_eq!(found["id"], id);
    assert_eq!(found["matched_e164"], "+4915123456789");
}

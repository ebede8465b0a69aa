//! The RelateCRM (Concord) dialect end to end, over the same store as the others.

mod support;

use serde_json::{Value, json};
use support::{Server, enc};

fn server() -> Server {
    Server::start_with(&["--custom-fields", "cf_tier,cf_size"])
}

fn create(s: &Server, t: &str, body: Value) -> Value {
    let r = s.json("POST", "/api/contacts", t, &body);
    assert_eq!(r.status, 201, "{body}: {r:?}");
    r.json()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|c| c["first_name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn create_read_update_delete_with_phones_and_custom_fields() {
    let s = server();
    let t = s.admin();
    let c = create(
        &s,
        &t,
        json!({"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "job_title": "CTO",
               "phones": [{"number": "+33 6 12 34 56 78", "type": "work"}, "01 23 45 67 89|fax",
                          {"number": "06 99 88 77 66", "type": "pager"}, {"number": ""}],
               "cf_tier": "gold", "cf_unknown": 1, "user_id": 3}),
    );
    let id = c["id"].as_u64().unwrap();
    assert_eq!(c["display_name"], "Ann Lee");
    assert_eq!(c["path"], format!("/contacts/{id}"));
    assert_eq!(c["job_title"], "CTO");
    assert_eq!(c["cf_tier"], "gold");
    assert!(
        c.get("cf_unknown").is_none(),
        "undefined custom fields are ignored"
    );
    let phones = c["phones"].as_array().unwrap();
    assert_eq!(phones.len(), 3, "the empty entry is dropped");
    assert_eq!(phones[0]["e164"], "+33612345678");
    assert_eq!(phones[0]["type"], "work");
    assert_eq!(phones[1]["type"], "other");
    assert_eq!(phones[2]["type"], "mobile", "unknown types become mobile");
    let kept_id = phones[0]["id"].clone();

    let r = s.get(&format!("/api/contacts/{id}"), &t);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["email"], "ann@example.com");

    // Without `phones`, the phones stay; with it, the set is replaced by number.
    let r = s.json(
        "PUT",
        &format!("/api/contacts/{id}"),
        &t,
        &json!({"city": "Lyon"}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["phones"].as_array().unwrap().len(), 3);
    let r = s.json(
        "PUT",
        &format!("/api/contacts/{id}"),
        &t,
        &json!({"phones": [{"number": "+33 6 12 34 56 78", "type": "work"}, "+44 20 7946 0958|work"]}),
    );
    let u = r.json();
    let phones = u["phones"].as_array().unwrap();
    assert_eq!(phones.len(), 2);
    assert_eq!(phones[0]["id"], kept_id, "a kept number keeps its id");
    assert_eq!(phones[1]["e164"], "+442079460958");
    assert_eq!(u["city"], "Lyon");
    let r = s.json(
        "PUT",
        &format!("/api/contacts/{id}"),
        &t,
        &json!({"first_name": ""}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(
        r.json()["errors"]["first_name"][0],
        "The First Name field is required."
    );

    let r = s.send(
        "DELETE",
        &format!("/api/contacts/{id}"),
        Some(&t),
        &[],
        None,
    );
    assert_eq!(r.status, 204);
    assert_eq!(r.body, "");
    assert_eq!(s.get(&format!("/api/contacts/{id}"), &t).status, 404);
}

#[test]
fn validation_in_laravel_shape() {
    let s = server();
    let t = s.admin();
    create(
        &s,
        &t,
        json!({"first_name": "Ann", "email": "ann@example.com", "phones": ["+33612345678"]}),
    );
    let r = s.json(
        "POST",
        "/api/contacts",
        &t,
        &json!({"email": "bad", "last_name": "x".repeat(300)}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    let j = r.json();
    assert!(
        j["message"]
            .as_str()
            .unwrap()
            .ends_with("(and 2 more errors)"),
        "{j}"
    );
    for f in ["first_name", "last_name", "email"] {
        assert!(j["errors"][f].is_array(), "{f}: {j}");
    }
    let r = s.json(
        "POST",
        "/api/contacts",
        &t,
        &json!({"first_name": "Ann", "phones": "x"}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    assert!(r.json()["errors"]["phones"].is_array());
    let r = s.json(
        "POST",
        "/api/contacts",
        &t,
        &json!({"email": "x@example.com"}),
    );
    assert_eq!(
        r.json(),
        json!({"message": "The First Name field is required.",
        "errors": {"first_name": ["The First Name field is required."]}})
    );
    let r = s.json(
        "POST",
        "/api/contacts",
        &t,
        &json!({"first_name": "Dup", "email": "ANN@example.com", "phones": [{"number": "06 12 34 56 78"}]}),
    );
    let j = r.json();
    assert_eq!(
        j["errors"]["email"][0],
        "A contact or team member with this email already exist."
    );
    assert_eq!(
        j["errors"]["phones.0.number"][0],
        "A contact with this phone number already exist."
    );
    let r = s.json(
        "POST",
        "/api/contacts",
        &t,
        &json!({"first_name": "x".repeat(192)}),
    );
    assert_eq!(r.status, 422);
    let list = s.get("/api/contacts", &t).json();
    assert_eq!(list["meta"]["total"], 1, "nothing was written");
}

#[test]
fn list_pages_orders_selects_and_searches() {
    let s = server();
    let t = s.admin();
    for (first, last, email, city) in [
        ("Ann", "Lee", "ann@example.com", "Lyon"),
        ("Bob", "Smith", "bob@acme.fr", "Paris"),
        ("Cid", "Lee", "cid@acme.fr", "Paris"),
        ("Dee", "Kay", "dee_1%@example.com", "Nice"),
    ] {
        create(
            &s,
            &t,
            json!({"first_name": first, "last_name": last, "email": email, "city": city}),
        );
    }
    for i in 0..16 {
        create(
            &s,
            &t,
            json!({"first_name": format!("Zed{i:02}"), "email": format!("z{i}@zz.fr")}),
        );
    }
    let r = s.get("/api/contacts", &t);
    assert_eq!(r.status, 200, "{r:?}");
    let j = r.json();
    assert_eq!(j["meta"]["per_page"], 15);
    assert_eq!(j["meta"]["total"], 20);
    assert_eq!(j["meta"]["last_page"], 2);
    assert_eq!(j["meta"]["from"], 1);
    assert_eq!(j["meta"]["to"], 15);
    assert!(
        j["links"]["next"]
            .as_str()
            .unwrap()
            .ends_with("/api/contacts?page=2")
    );
    assert_eq!(j["links"]["prev"], Value::Null);
    assert_eq!(
        names(&j["data"])[..4],
        ["Ann", "Bob", "Cid", "Dee"],
        "first_name asc by default"
    );
    for (q, per_page) in [
        ("per_page=0", 15),
        ("per_page=abc", 15),
        ("per_page=500", 100),
        ("per_page=2", 2),
    ] {
        assert_eq!(
            s.get(&format!("/api/contacts?{q}"), &t).json()["meta"]["per_page"],
            per_page,
            "{q}"
        );
    }
    assert_eq!(s.get("/api/contacts?page=9", &t).json()["data"], json!([]));
    let j = s
        .get("/api/contacts?order=last_name%7Cdesc&per_page=3&q=acme", &t)
        .json();
    assert_eq!(names(&j["data"]), ["Bob", "Cid"]);
    let j = s
        .get("/api/contacts?select=email;first_name&per_page=1", &t)
        .json();
    let keys: Vec<&String> = j["data"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    // The grammar.
    for (query, expect) in [
        ("q=lee", vec!["Ann", "Cid"]),
        // Two words, from the index's pairs: across first and last name,
        // inside an email, and never out of order.
        ("q=ann%20lee", vec!["Ann"]),
        ("q=D%20LEE", vec!["Cid"]),
        ("q=acme.fr", vec!["Bob", "Cid"]),
        ("q=lee%20ann", vec![]),
        ("q=last_name:lee;city:paris", vec!["Ann", "Bob", "Cid"]),
        ("q=last_name:lee;city:paris&search_match=and", vec!["Cid"]),
        ("q=acme&search_fields=email:like", vec!["Bob", "Cid"]),
        (
            "q=email:ann@example.com,cid@acme.fr&search_fields=email:in",
            vec!["Ann", "Cid"],
        ),
        ("q=Lyon&search_fields=city:unknowncondition", vec!["Ann"]),
        ("q=bob@acme.fr&search_fields=email:%3D", vec!["Bob"]),
        (&format!("q={}", enc("_1%")), vec!["Dee"]),
    ] {
        let r = s.get(&format!("/api/contacts?{query}"), &t);
        assert_eq!(r.status, 200, "{query}: {r:?}");
        assert_eq!(names(&r.json()["data"]), expect, "{query}");
    }
    let r = s.get("/api/contacts?q=x&search_fields=password:like", &t);
    assert_eq!(r.status, 403, "{r:?}");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("None of the search fields were accepted.")
    );
    assert_eq!(s.get("/api/contacts?q=id:abc", &t).status, 422);
    assert_eq!(s.get("/api/contacts?order=password", &t).status, 422);
    // /search: a bare array, `take` limits, blank q is empty.
    let r = s.get("/api/contacts/search?q=zed&take=3", &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json().as_array().unwrap().len(), 3);
    assert_eq!(s.get("/api/contacts/search?q=", &t).json(), json!([]));
    assert_eq!(
        s.get("/api/contacts/search?q=paris", &t)
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn associations() {
    let s = server();
    let t = s.admin();
    let mut companies = Vec::new();
    for name in ["ACME", "Globex"] {
        let r = s.json("POST", "/api/companies", &t, &json!({"name": name}));
        companies.push(r.json()["id"].as_u64().unwrap());
    }
    let deal = s
        .json("POST", "/api/deals", &t, &json!({"name": "Big"}))
        .json()["id"]
        .as_u64()
        .unwrap();
    let c = create(
        &s,
        &t,
        json!({"first_name": "Ann", "companies": [companies[0], 999]}),
    );
    let id = c["id"].as_u64().unwrap();
    assert_eq!(c["companies"], json!([companies[0]]));
    let path = format!("/api/associations/contacts/{id}");
    let r = s.json(
        "PUT",
        &path,
        &t,
        &json!({"companies": [companies[1], 4242], "deals": [deal]}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["companies"], json!(companies));
    assert_eq!(r.json()["deals"], json!([deal]));
    let r = s.json("PUT", &path, &t, &json!({"companies": [companies[1]]}));
    assert_eq!(r.status, 409, "{r:?}");
    assert_eq!(r.json()["message"], "This record is already associated");
    let r = s.json("PUT", &path, &t, &json!({"widgets": [1]}));
    assert_eq!(r.status, 409);
    assert_eq!(
        r.json()["message"],
        "The provided resource name \"widgets\" cannot be associated to contact."
    );
    let r = s.json("PUT", &path, &t, &json!({}));
    assert_eq!(r.status, 422, "{r:?}");
    let r = s.send(
        "DELETE",
        &path,
        Some(&t),
        &[("Content-Type", "application/json")],
        Some(format!("{{\"companies\": [{}, 777]}}", companies[0]).as_bytes()),
    );
    assert_eq!(r.json()["companies"], json!([companies[1]]));
    let r = s.json(
        "POST",
        &path,
        &t,
        &json!({"companies": [], "deals": [deal]}),
    );
    assert_eq!(r.json()["companies"], json!([]));
    assert_eq!(r.json()["deals"], json!([deal]));
}

#[test]
fn one_store_for_every_dialect() {
    let s = server();
    let t = s.admin();
    // Made here, found by 3CX's lookup and by the helpdesk's search.
    let c = create(
        &s,
        &t,
        json!({"first_name": "Rita", "last_name": "Moreno", "email": "rita@example.com",
        "phones": [{"number": "06 55 44 33 22", "type": "mobile"}]}),
    );
    let r = s.get("/api/v1/contacts/numbers?phone_number=%2B33655443322", &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["id"], c["id"]);
    let r = s.send(
        "GET",
        "/api/v1/contacts/search?q=moreno",
        Some(&t),
        &[("X-Contacts-Dialect", "helperiq")],
        None,
    );
    assert_eq!(r.json()["data"][0]["id"], c["id"]);
    // And the reverse: a BlueRockTEL contact is found by the RelateCRM grammar.
    let owner = s.owner(&t, "customers", "ACME", "CL1");
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        &t,
        &json!({"first_name": "Jean", "last_name": "Valjean", "email": "jv@example.com", "mobile_phone": "0611111111"}),
    );
    let id = r.json()["id"].clone();
    let r = s.get("/api/contacts?q=phones.number:0611111111", &t);
    assert_eq!(r.json()["data"][0]["id"], id, "{r:?}");
    let r = s.get("/api/contacts/search?q=valjean", &t);
    assert_eq!(r.json()[0]["id"], id);
}

/// The shared `/api/v1/contacts` paths answer in RelateCRM's shapes when the
/// request is RelateCRM's (spec §2), by header or by the token's dialect.
#[test]
fn shared_paths_answer_in_relatecrm_shapes() {
    let s = server();
    let t = s.token(&["--name", "Concord Script", "--dialect", "relatecrm"]);
    let c = create(
        &s,
        &t,
        json!({"first_name": "Ada", "last_name": "Byron", "email": "ada@example.com"}),
    );
    let id = c["id"].as_u64().expect("id");
    // The token's dialect: a Laravel page.
    let r = s.get("/api/v1/contacts?per_page=5", &t);
    assert_eq!(r.status, 200, "{r:?}");
    let page = r.json();
    assert_eq!(page["data"][0]["id"], id);
    assert_eq!(page["meta"]["per_page"], 5);
    assert!(page["links"].is_object(), "{page}");
    // The header wins over another token's dialect: an unwrapped record.
    let admin = s.admin();
    let as_relate = [("X-Contacts-Dialect", "relatecrm")];
    let path = format!("/api/v1/contacts/{id}");
    let r = s.send("GET", &path, Some(&admin), &as_relate, None);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["email"], "ada@example.com");
    assert!(r.json().get("data").is_none(), "{r:?}");
    let body = serde_json::to_vec(&json!({"last_name": "Lovelace"})).unwrap();
    let headers = [
        ("X-Contacts-Dialect", "relatecrm"),
        ("Content-Type", "application/json"),
    ];
    let r = s.send("PUT", &path, Some(&admin), &headers, Some(&body));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["last_name"], "Lovelace");
    let r = s.send("DELETE", &path, Some(&t), &[], None);
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.body, "");
    assert_eq!(s.get(&format!("/api/contacts/{id}"), &t).status, 404);
}

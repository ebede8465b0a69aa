//! Operation-level tests over the in-memory ports.

use super::*;
use crate::memory::{MemoryDirectory, MemoryStore};
use crate::model::ReindexCursor;
use crate::model::{
    Caller, ContactPatch, Context, Dialect, FieldError, Owner, OwnerKind, OwnerRef, Phone,
    PhoneInput, PhoneType,
};
use crate::phone::MatchKind;
use crate::ports::ClientAccount;

pub(super) const ACME: OwnerRef = OwnerRef {
    kind: OwnerKind::Customer,
    id: 10,
};
pub(super) const GLOBEX: OwnerRef = OwnerRef {
    kind: OwnerKind::Prospect,
    id: 11,
};

fn directory() -> MemoryDirectory {
    MemoryDirectory {
        owners: vec![
            Owner {
                owner: ACME,
                name: "ACME".into(),
                account: "CL000010".into(),
            },
            Owner {
                owner: GLOBEX,
                name: "Globex".into(),
                account: "PR000011".into(),
            },
        ],
        ..MemoryDirectory::default()
    }
}

/// An agent's context in a dialect, with these scopes (other modules' tests too).
pub(crate) fn cx(dialect: Dialect, scopes: &[&str]) -> Context {
    Context {
        caller: Caller {
            agent_id: 1,
            first_name: "Agent".into(),
            last_name: "Smith".into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        },
        dialect,
    }
}

fn brt() -> Context {
    cx(Dialect::BlueRockTel, &[])
}

fn person(last: &str, email: &str, mobile: Option<&str>) -> ContactPatch {
    ContactPatch {
        first_name: Some(Some("Jane".into())),
        last_name: Some(Some(last.into())),
        email: Some(Some(email.into())),
        mobile_phone: mobile.map(|m| Some(m.to_owned())),
        ..ContactPatch::default()
    }
}

/// The fields of an `Invalid` error; any other error fails the test.
fn invalid(err: Error) -> Vec<FieldError> {
    let Error::Invalid(fields) = err else {
        panic!("expected invalid, got {err:?}")
    };
    fields
}

/// Creates `patch` under `owner` through BlueRockTEL, with every scope.
fn add<S: Store + ?Sized, D: Directory + ?Sized>(
    e: &Engine<'_, S, D>,
    owner: OwnerRef,
    patch: ContactPatch,
) -> Contact {
    e.create(&brt(), Some(owner), patch).unwrap().contact
}

/// A patch that changes the last name only.
fn renamed(last: &str) -> ContactPatch {
    ContactPatch {
        last_name: Some(Some(last.into())),
        ..ContactPatch::default()
    }
}

/// The ports of one test: settings, an empty store and a directory that knows
/// ACME and Globex (the import's tests use it too).
pub(super) struct Fixture {
    pub(super) settings: Settings,
    pub(super) store: MemoryStore,
    pub(super) directory: MemoryDirectory,
}

impl Fixture {
    pub(super) fn new() -> Fixture {
        Fixture {
            settings: Settings::default(),
            store: MemoryStore::new(),
            directory: directory(),
        }
    }

    pub(super) fn engine(&self) -> Engine<'_, MemoryStore, MemoryDirectory> {
        Engine::new(&self.settings, &self.store, &self.directory)
    }
}

#[test]
fn create_requires_last_name_and_email_and_writes_nothing_on_error() {
    let f = Fixture::new();
    let err = f
        .engine()
        .create(&brt(), Some(ACME), ContactPatch::default())
        .unwrap_err();
    let fields = invalid(err);
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["last_name", "email_address"]);
    assert_eq!(f.store.len(index::CONTACTS), 0);
    assert!(f.store.events().is_empty());
}

#[test]
fn create_normalizes_and_emits_an_event() {
    let f = Fixture::new();
    let view = f
        .engine()
        .create(
            &brt(),
            Some(ACME),
            person("Doe", "  Jane.Doe@EXAMPLE.com ", Some("06 12 34 56 78")),
        )
        .unwrap();
    let c = &view.contact;
    assert_eq!(c.email.as_deref(), Some("Jane.Doe@example.com"));
    assert_eq!(c.phones.len(), 1);
    assert_eq!(c.phones[0].e164.as_deref(), Some("+33612345678"));
    assert_eq!(c.phones[0].kind, PhoneType::Mobile);
    assert!(c.sync_needed && c.newsletters_recipient && !c.legal_representative);
    assert_eq!(
        view.owner.as_ref().map(|o| o.account.as_str()),
        Some("CL000010")
    );
    let events = f.store.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "contact.created");
}

#[test]
fn create_refuses_unknown_owner() {
    let f = Fixture::new();
    let missing = OwnerRef {
        kind: OwnerKind::Customer,
        id: 999,
    };
    let err = f
        .engine()
        .create(&brt(), Some(missing), person("Doe", "j@example.com", None))
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(ref f) if f[0].field == "contactable_id"));
}

#[test]
fn permission_is_checked_before_validation() {
    let f = Fixture::new();
    let reader = cx(Dialect::BlueRockTel, &["contacts:read"]);
    let err = f
        .engine()
        .create(&reader, Some(ACME), ContactPatch::default())
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
}

/// Each query finds contact `id`, matched the way it says; the phones that matched.
fn assert_lookups(
    e: &Engine<'_, MemoryStore, MemoryDirectory>,
    id: u64,
    queries: &[(&str, MatchKind)],
) -> Vec<Phone> {
    queries
        .iter()
        .map(|&(query, how)| {
            let m = e
                .lookup_phone(&brt(), query)
                .unwrap()
                .unwrap_or_else(|| panic!("{query:?} found nothing"));
            assert_eq!(m.view.contact.id, id, "{query:?}");
            assert_eq!(m.how, how, "{query:?}");
            // Caller id in brief: the same contact, phone and match.
            let brief = e.identify_caller(&brt(), query).unwrap().unwrap();
            let c = &m.view.contact;
            assert_eq!(
                (brief.id, brief.how, &brief.phone, brief.owner),
                (id, how, &m.phone, c.owner),
                "{query:?}"
            );
            assert_eq!(
                (&brief.first_name, &brief.last_name),
                (&c.first_name, &c.last_name)
            );
            m.phone
        })
        .collect()
}

#[test]
fn lookup_finds_every_3cx_form() {
    let f = Fixture::new();
    let e = f.engine();
    let id = add(
        &e,
        ACME,
        person("Doe", "j@example.com", Some("06 12 34 56 78")),
    )
    .id;
    let found = assert_lookups(
        &e,
        id,
        &[
            ("+33612345678", MatchKind::Exact),
            ("0033612345678", MatchKind::Exact),
            (" 33612345678", MatchKind::Exact),
            ("33612345678", MatchKind::InternationalDigits),
            ("06 12 34 56 78", MatchKind::National),
            ("612345678", MatchKind::National),
            ("2345678", MatchKind::Suffix),
        ],
    );
    assert!(
        found
            .iter()
            .all(|p| p.e164.as_deref() == Some("+33612345678"))
    );
    assert!(e.lookup_phone(&brt(), "anonymous").unwrap().is_none());
    assert!(e.lookup_phone(&brt(), "+33699999999").unwrap().is_none());
    assert!(e.lookup_phone(&brt(), "12345").unwrap().is_none());
    assert!(e.identify_caller(&brt(), "+33699999999").unwrap().is_none());
    let writer = cx(Dialect::BlueRockTel, &["contacts:write"]);
    assert!(matches!(
        e.identify_caller(&writer, "+33612345678"),
        Err(Error::Forbidden(_))
    ));
}

#[test]
fn lookup_prefers_mobile_then_recent_then_lowest_id() {
    let f = Fixture::new();
    let e = f.engine();
    let landline = ContactPatch {
        landline_phone: Some(Some("+33 6 12 34 56 78".into())),
        ..person("Land", "a@example.com", None)
    };
    add(&e, ACME, landline);
    f.store.tick();
    let mobile_id = add(&e, ACME, person("Mob", "b@example.com", Some("0612345678"))).id;
    let m = e.lookup_phone(&brt(), "+33612345678").unwrap().unwrap();
    assert_eq!(m.view.contact.id, mobile_id);
    assert_eq!(m.phone.kind, PhoneType::Mobile);
}

#[test]
fn update_is_partial_and_null_clears() {
    let f = Fixture::new();
    let e = f.engine();
    let id = add(&e, ACME, person("Doe", "j@example.com", Some("0612345678"))).id;
    let patch = ContactPatch {
        role: Some(Some("CFO".into())),
        first_name: Some(None),
        ..ContactPatch::default()
    };
    let c = e.update(&brt(), id, patch).unwrap().contact;
    assert_eq!(c.role.as_deref(), Some("CFO"));
    assert_eq!(c.first_name, None);
    assert_eq!(c.last_name.as_deref(), Some("Doe"));
    assert_eq!(c.phones.len(), 1);
    // Clearing a required field is refused and changes nothing.
    let err = e
        .update(
            &brt(),
            id,
            ContactPatch {
                last_name: Some(None),
                role: Some(Some("CEO".into())),
                ..ContactPatch::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
    let c = e.get(&brt(), id).unwrap().contact;
    assert_eq!(c.role.as_deref(), Some("CFO"));
}

#[test]
fn the_ui_echo_of_a_phone_keeps_it_as_entered() {
    let f = Fixture::new();
    let e = f.engine();
    let hq = cx(Dialect::HelperIq, &[]);
    let id = add(
        &e,
        ACME,
        person("Doe", "j@example.com", Some("06 12 34 56 78 ext. 12")),
    )
    .id;
    let pair = |number: &str, region: &str| ContactPatch {
        primary_phone: Some(Some(PhoneInput {
            number: number.into(),
            kind: None,
            region: Some(region.into()),
        })),
        ..ContactPatch::default()
    };
    let events = f.store.events().len();
    f.store.tick();
    let c = e.update(&hq, id, pair("612345678", "fr")).unwrap().contact;
    assert_eq!(c.phones[0].number, "06 12 34 56 78 ext. 12");
    assert_eq!(c.phones[0].extension.as_deref(), Some("12"));
    assert_eq!(f.store.events().len(), events, "nothing was written");
    // Another number, or the same digits in another region, is a new phone.
    let c = e.update(&hq, id, pair("612345679", "FR")).unwrap().contact;
    assert_eq!(c.phones[0].number, "612345679");
    assert_eq!(c.phones[0].kind, PhoneType::Mobile);
    let c = e.update(&hq, id, pair("612345679", "BE")).unwrap().contact;
    assert_eq!(c.phones[0].international.as_deref(), Some("+32612345679"));
    assert_eq!(c.phones[0].e164, None, "no Belgian number starts with 6");
}

#[test]
fn update_syncs_portal_permissions() {
    let f = Fixture::new();
    let e = f.engine();
    let id = add(&e, ACME, person("Doe", "j@example.com", None)).id;
    f.directory.clients.borrow_mut().push(ClientAccount {
        id: 5,
        contact_id: id,
        permissions: vec![],
    });
    let patch = ContactPatch {
        permissions: Some(Some(vec!["invoices".into(), "tickets".into()])),
        ..ContactPatch::default()
    };
    let view = e.update(&brt(), id, patch).unwrap();
    assert!(view.has_client);
    assert_eq!(
        f.directory.clients.borrow()[0].permissions,
        ["invoices", "tickets"]
    );
}

#[test]
fn accounts_and_coworkers() {
    let mut f = Fixture::new();
    f.settings.free_mail_domains = vec!["gmail.com".into()];
    let e = f.engine();
    let a = add(&e, ACME, person("Doe", "jane@acme.fr", None)).id;
    add(&e, GLOBEX, person("Doe", "JANE@acme.fr", None));
    add(&e, GLOBEX, person("Able", "bob@acme.fr", None));
    let free = add(&e, GLOBEX, person("Zed", "x@gmail.com", None)).id;
    add(&e, ACME, person("Yu", "y@gmail.com", None));
    let accounts = e.accounts(&brt(), a).unwrap();
    let names: Vec<_> = accounts.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["ACME", "Globex"]);
    let coworkers = e.coworkers(&brt(), a).unwrap();
    let lasts: Vec<_> = coworkers
        .iter()
        .map(|v| v.contact.last_name.clone().unwrap())
        .collect();
    // Same domain (Able, Doe at Globex) and same owner (Yu); never itself.
    assert_eq!(lasts, ["Able", "Doe", "Yu"]);
    // A free-mail domain is no organization: only the same owner counts.
    let lasts: Vec<_> = e
        .coworkers(&brt(), free)
        .unwrap()
        .iter()
        .map(|v| v.contact.last_name.clone().unwrap())
        .collect();
    assert_eq!(lasts, ["Able", "Doe"]);
}

#[test]
fn list_by_owner_orders_by_name() {
    let f = Fixture::new();
    let e = f.engine();
    for last in ["Martin", "Bernard", "Dubois"] {
        add(&e, ACME, person(last, "x@example.com", None));
    }
    add(&e, GLOBEX, person("Alpha", "y@example.com", None));
    let names: Vec<_> = e
        .list_by_owner(&brt(), ACME)
        .unwrap()
        .into_iter()
        .map(|v| v.contact.last_name.unwrap())
        .collect();
    assert_eq!(names, ["Bernard", "Dubois", "Martin"]);
}

#[test]
fn delete_removes_contact_and_notes() {
    let f = Fixture::new();
    let e = f.engine();
    let hq = cx(Dialect::HelperIq, &[]);
    let id = add(&e, ACME, person("Doe", "j@example.com", None)).id;
    e.add_note(&hq, id, "called back", &[]).unwrap();
    e.delete(&brt(), id).unwrap();
    assert_eq!(f.store.len(index::CONTACTS), 0);
    assert_eq!(f.store.len(index::NOTES), 0);
    assert!(matches!(e.get(&brt(), id), Err(Error::NotFound(_))));
}

#[test]
fn relatecrm_refuses_duplicate_email_and_phone() {
    let f = Fixture::new();
    let e = f.engine();
    let rc = cx(Dialect::RelateCrm, &[]);
    let first = ContactPatch {
        first_name: Some(Some("Ann".into())),
        email: Some(Some("ann@example.com".into())),
        phones: Some(vec![PhoneInput {
            number: "+33612345678".into(),
            kind: Some("work".into()),
            region: None,
        }]),
        ..ContactPatch::default()
    };
    e.create(&rc, None, first.clone()).unwrap();
    let dup = ContactPatch {
        email: Some(Some("ANN@example.com".into())),
        phones: Some(vec![PhoneInput {
            number: "06 12 34 56 78".into(),
            kind: None,
            region: None,
        }]),
        ..first
    };
    let fields = invalid(e.create(&rc, None, dup).unwrap_err());
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["email", "phones.0.number"]);
}

fn helpdesk_contacts(f: &Fixture) -> Vec<u64> {
    let e = f.engine();
    let hq = cx(Dialect::HelperIq, &[]);
    let mut ids = Vec::new();
    for (first, last, email, phone) in [
        ("Linda", "Olsen", "linda@example.com", "+61 412 345 678"),
        ("Lindsay", "Berg", "lberg@example.com", "06 11 22 33 44"),
        ("Bob", "Linden", "bob_1%@example.com", "06 99 88 77 66"),
        ("Élodie", "Martin", "elodie@martin.fr", "01 23 45 67 89"),
    ] {
        f.store.tick();
        let patch = ContactPatch {
            first_name: Some(Some(first.into())),
            last_name: Some(Some(last.into())),
            email: Some(Some(email.into())),
            primary_phone: Some(Some(PhoneInput {
                number: phone.into(),
                kind: None,
                region: None,
            })),
            ..ContactPatch::default()
        };
        ids.push(e.create(&hq, None, patch).unwrap().contact.id);
    }
    ids
}

fn list(f: &Fixture, req: crate::model::ListRequest) -> Result<Vec<String>> {
    let hq = cx(Dialect::HelperIq, &[]);
    f.engine().list_contacts(&hq, &req).map(|p| {
        p.items
            .into_iter()
            .map(|v| v.contact.first_name.unwrap_or_default())
            .collect()
    })
}

#[test]
fn list_orders_pages_and_filters() {
    use crate::model::ListRequest;
    let f = Fixture::new();
    helpdesk_contacts(&f);
    let req =
        |page, size, by: Option<&str>, order: Option<&str>, filters: Option<&str>| ListRequest {
            page,
            page_size: size,
            order_by: by.map(str::to_owned),
            order: order.map(str::to_owned),
            filters: filters.map(str::to_owned),
        };
    // Newest first by default.
    assert_eq!(
        list(&f, req(1, 50, None, None, None)).unwrap(),
        ["Élodie", "Bob", "Lindsay", "Linda"]
    );
    assert_eq!(list(&f, req(2, 3, None, None, None)).unwrap(), ["Linda"]);
    assert!(list(&f, req(9, 3, None, None, None)).unwrap().is_empty());
    assert_eq!(
        list(&f, req(1, 50, Some("users.first_name"), Some("ASC"), None)).unwrap(),
        ["Bob", "Élodie", "Linda", "Lindsay"]
    );
    let by_email =
        r#"[{"model":"users","field":"email","operator":"equals","value":"LINDA@example.com"}]"#;
    assert_eq!(
        list(&f, req(1, 50, None, None, Some(by_email))).unwrap(),
        ["Linda"]
    );
    let contains = r#"[{"field":"email","operator":"contains","value":"_1%"}]"#;
    assert_eq!(
        list(&f, req(1, 50, None, None, Some(contains))).unwrap(),
        ["Bob"]
    );
    let page = f
        .engine()
        .list_contacts(
            &cx(Dialect::HelperIq, &[]),
            &req(
                1,
                1,
                None,
                None,
                Some(r#"[{"field":"first_name","operator":"contains","value":"lin"}]"#),
            ),
        )
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.items.len(), 1);
    for bad in [
        req(1, 50, Some("password"), None, None),
        req(1, 50, None, Some("sideways"), None),
        req(1, 50, None, None, Some("{nope")),
    ] {
        assert!(matches!(list(&f, bad), Err(Error::BadRequest(_))));
    }
    let no_scope = cx(Dialect::HelperIq, &["contacts:read"]);
    assert!(matches!(
        f.engine()
            .list_contacts(&no_scope, &req(1, 50, None, None, None)),
        Err(Error::Forbidden(_))
    ));
}

/// A name sorts before the longer names it starts, in the list and in a
/// filtered list alike; equal names fall in id order.
#[test]
fn list_by_name_puts_a_name_before_its_extensions() {
    use crate::model::ListRequest;
    let f = Fixture::new();
    let anna = named(&f, "Anna", "Zola", None);
    let ann = named(&f, "Ann", "Zola", None);
    let ann_again = named(&f, "Ann", "Young", None);
    let hq = cx(Dialect::HelperIq, &[]);
    for filters in [
        None,
        Some(r#"[{"field":"last_name","operator":"contains","value":"o"}]"#),
    ] {
        let req = ListRequest {
            page: 1,
            page_size: 50,
            order_by: Some("first_name".into()),
            order: Some("asc".into()),
            filters: filters.map(str::to_owned),
        };
        let ids: Vec<u64> = f
            .engine()
            .list_contacts(&hq, &req)
            .unwrap()
            .items
            .iter()
            .map(|v| v.contact.id)
            .collect();
        assert_eq!(ids, [ann, ann_again, anna], "{filters:?}");
    }
}

/// The first names a HelperIQ search shows, in order.
fn search_names(f: &Fixture, q: &str) -> Vec<String> {
    let hq = cx(Dialect::HelperIq, &[]);
    f.engine()
        .search(&hq, q, 20)
        .unwrap()
        .into_iter()
        .map(|v| v.contact.first_name.unwrap_or_default())
        .collect()
}

#[test]
fn search_ranks_exact_matches_first() {
    let f = Fixture::new();
    let ids = helpdesk_contacts(&f);
    let hq = cx(Dialect::HelperIq, &[]);
    let names = |q: &str| search_names(&f, q);
    // Name prefix over first and last names, accents folded.
    assert_eq!(names("lind"), ["Linda", "Bob", "Lindsay"]);
    assert_eq!(names("elodie"), ["Élodie"]);
    assert_eq!(names("linda olsen"), ["Linda"]);
    // Exact email beats the name matches of the same text.
    assert_eq!(names("linda@example.com"), ["Linda"]);
    // Phone digits, in any written form.
    assert_eq!(names("0611223344"), ["Lindsay"]);
    assert_eq!(names("+33 6 11 22 33 44"), ["Lindsay"]);
    // Digits from the middle of a number find it (spec §4 helperiq).
    assert_eq!(names("99 88"), ["Bob"]);
    assert_eq!(names("412 345"), ["Linda"]);
    assert_eq!(names("345678"), ["Linda", "Élodie"]);
    assert!(names("12 21").is_empty());
    // A company domain, whole or its start, below every other kind of match.
    assert_eq!(names("martin.fr"), ["Élodie"]);
    assert_eq!(names("@martin.f"), ["Élodie"]);
    assert_eq!(names("example.co"), ["Linda", "Lindsay", "Bob"]);
    // `%` and `_` are literal.
    assert_eq!(names("bob_1%"), ["Bob"]);
    assert!(names("%").is_empty());
    // Blocked contacts stay; deleted ones go.
    f.engine().set_blocked(&hq, ids[0], true).unwrap();
    assert_eq!(names("linda@example.com"), ["Linda"]);
    f.engine().delete(&hq, ids[0]).unwrap();
    assert!(names("linda@example.com").is_empty());
    assert!(matches!(
        f.engine().search(&hq, "  ", 20),
        Err(Error::BadRequest(_))
    ));
}

#[test]
fn search_tolerates_typos_below_exact_matches() {
    let f = Fixture::new();
    helpdesk_contacts(&f);
    let hq = cx(Dialect::HelperIq, &[]);
    for (first, email) in [("Marta", "marta@holm.se"), ("Martha", "martha@holm.se")] {
        let patch = ContactPatch {
            first_name: Some(Some(first.into())),
            email: Some(Some(email.into())),
            ..ContactPatch::default()
        };
        f.engine().create(&hq, None, patch).unwrap();
    }
    let names = |q: &str| search_names(&f, q);
    // A swap, a missing letter, a wrong letter.
    assert_eq!(names("lidna"), ["Linda"]);
    assert_eq!(names("olsn"), ["Linda"]);
    assert_eq!(names("elodye"), ["Élodie"]);
    // Every word must match, exactly or nearly.
    assert_eq!(names("lidna olsen"), ["Linda"]);
    assert!(names("lidna berg").is_empty());
    // Exact matches first: Marta by name prefix, then Martha by one typo.
    assert_eq!(names("marta"), ["Marta", "Martha"]);
    // Short words take no typos: "bob" is not "rob".
    assert!(names("rob").is_empty());
}

/// Creates a HelperIQ contact with a name and, optionally, one phone.
fn named(f: &Fixture, first: &str, last: &str, phone: Option<&str>) -> u64 {
    let patch = ContactPatch {
        first_name: Some(Some(first.into())),
        last_name: Some(Some(last.into())),
        primary_phone: phone.map(|p| {
            Some(PhoneInput {
                number: p.into(),
                kind: None,
                region: None,
            })
        }),
        ..ContactPatch::default()
    };
    let hq = cx(Dialect::HelperIq, &[]);
    f.engine().create(&hq, None, patch).unwrap().contact.id
}

/// A made-up word for namesake `i`: "ba", "bb", … "zz".
fn word(i: usize) -> String {
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    format!("{}{}", letter(i / 26 + 1), letter(i))
}

#[test]
fn search_finds_a_name_among_hundreds_of_namesakes() {
    let f = Fixture::new();
    let hq = cx(Dialect::HelperIq, &[]);
    // More namesakes of each word than one probe of the index reads.
    for i in 0..600 {
        named(&f, "Jean", &format!("Ber{}", word(i)), None);
        named(&f, &format!("Lu{}", word(i)), "Dupont", None);
    }
    let id = named(&f, "Jean", "Dupont", None);
    let first = |q: &str| f.engine().search(&hq, q, 20).unwrap()[0].contact.id;
    for q in ["jean dupont", "Dupont JEAN", "jean dup", "jean dupnot"] {
        assert_eq!(first(q), id, "{q}");
    }
    let answer = f.engine().search(&hq, "dupont", 20).unwrap();
    assert_eq!(answer.len(), 20, "at most the limit");
    // The same query, the same order.
    let again = f.engine().search(&hq, "dupont", 20).unwrap();
    assert_eq!(answer, again);
}

#[test]
fn search_ranks_an_address_fragment_above_names_holding_its_words() {
    let f = Fixture::new();
    helpdesk_contacts(&f);
    let hq = cx(Dialect::HelperIq, &[]);
    let patch = ContactPatch {
        first_name: Some(Some("Ann".into())),
        email: Some(Some("linda.olsen@corp.example".into())),
        ..ContactPatch::default()
    };
    f.engine().create(&hq, None, patch).unwrap();
    let names = |q: &str| search_names(&f, q);
    // Typed as an address: its owner first, then the Linda Olsen it names.
    assert_eq!(names("linda.olsen"), ["Ann", "Linda"]);
    assert_eq!(names("Linda.Olsen@"), ["Ann", "Linda"]);
    // Typed as a name: the name first.
    assert_eq!(names("linda olsen"), ["Linda"]);
}

#[test]
fn search_finds_phones_in_any_written_form() {
    let f = Fixture::new();
    let hq = cx(Dialect::HelperIq, &[]);
    let uk = named(&f, "Ann", "Lee", Some("+44 7911 123456"));
    let short = named(&f, "Bo", "Kim", Some("987 65"));
    let names = |q: &str| -> Vec<u64> {
        let views = f.engine().search(&hq, q, 20).unwrap();
        views.iter().map(|v| v.contact.id).collect()
    };
    // A British number asked in its national form, from a French tenant.
    assert_eq!(names("07911 123456"), [uk]);
    assert_eq!(names("0044 7911 123456"), [uk]);
    assert_eq!(names("123 456"), [uk]);
    // A number without an E.164 form is found by the digits typed.
    let stored = f.engine().get(&hq, short).unwrap().contact;
    assert_eq!(stored.phones[0].e164, None);
    assert_eq!(names("8765"), [short]);
    assert!(names("45 67").is_empty());
}

#[test]
fn associations_attach_detach_sync() {
    use super::Mode;
    let mut f = Fixture::new();
    f.directory.companies = vec![1, 2, 3];
    f.directory.deals = vec![7];
    let rc = cx(Dialect::RelateCrm, &[]);
    let e = f.engine();
    let patch = ContactPatch {
        first_name: Some(Some("Ann".into())),
        companies: Some(vec![1, 99]),
        ..ContactPatch::default()
    };
    let id = e.create(&rc, None, patch).unwrap().contact.id;
    assert_eq!(
        e.get(&rc, id).unwrap().contact.companies,
        [1],
        "unknown ids skipped"
    );
    let change = |r: &str, ids: &[u64]| vec![(r.to_owned(), ids.to_vec())];
    let c = e
        .associate(&rc, id, Mode::Attach, &change("companies", &[2, 3, 42]))
        .unwrap()
        .contact;
    assert_eq!(c.companies, [1, 2, 3]);
    assert!(matches!(
        e.associate(&rc, id, Mode::Attach, &change("companies", &[2])),
        Err(Error::Conflict(_))
    ));
    let c = e
        .associate(&rc, id, Mode::Detach, &change("companies", &[1, 55]))
        .unwrap()
        .contact;
    assert_eq!(c.companies, [2, 3]);
    let c = e
        .associate(&rc, id, Mode::Sync, &change("deals", &[7]))
        .unwrap()
        .contact;
    assert_eq!(
        (c.companies.as_slice(), c.deals.as_slice()),
        (&[2u64, 3][..], &[7u64][..])
    );
    let c = e
        .associate(&rc, id, Mode::Sync, &change("companies", &[]))
        .unwrap()
        .contact;
    assert!(c.companies.is_empty());
    let Err(Error::Conflict(m)) = e.associate(&rc, id, Mode::Attach, &change("widgets", &[1]))
    else {
        panic!("unknown resource")
    };
    assert_eq!(
        m,
        "The provided resource name \"widgets\" cannot be associated to contact."
    );
    assert!(matches!(
        e.associate(&rc, id, Mode::Attach, &[]),
        Err(Error::Invalid(_))
    ));
    let kinds: Vec<String> = f.store.events().into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "association.changed").count(),
        4
    );
}

/// A store whose first `misses` uniqueness lookups miss what is there: what
/// a request sees when a racing request commits the same email between its
/// check and its commit. With a rival, another request commits just before
/// each of the first `races` commits of this one.
struct Racing<'a> {
    store: &'a MemoryStore,
    misses: std::cell::Cell<usize>,
    races: std::cell::Cell<u32>,
    rival: Option<Rival<'a>>,
}

/// What another request commits to the store, just before this one does.
type Rival<'a> = Box<dyn Fn(&MemoryStore) + 'a>;

impl<'a> Racing<'a> {
    fn new(store: &'a MemoryStore, misses: usize) -> Self {
        Racing {
            store,
            misses: std::cell::Cell::new(misses),
            races: std::cell::Cell::new(0),
            rival: None,
        }
    }

    fn with_rival(store: &'a MemoryStore, races: u32, rival: impl Fn(&MemoryStore) + 'a) -> Self {
        Racing {
            races: std::cell::Cell::new(races),
            rival: Some(Box::new(rival)),
            ..Racing::new(store, 0)
        }
    }
}

impl Store for Racing<'_> {
    fn get(&self, collection: &str, id: u64) -> Option<Document> {
        self.store.get(collection, id)
    }
    fn get_many(&self, collection: &str, ids: &[u64]) -> Vec<Document> {
        self.store.get_many(collection, ids)
    }
    fn find(&self, collection: &str, index: &str, key: &str) -> Vec<u64> {
        let unique = index == index::BY_EMAIL || index == index::BY_E164;
        if unique && self.misses.get() > 0 {
            self.misses.set(self.misses.get() - 1);
            return Vec::new();
        }
        self.store.find(collection, index, key)
    }
    fn scan(&self, collection: &str, range: &crate::ports::Range) -> Vec<crate::ports::Hit> {
        self.store.scan(collection, range)
    }
    fn count(&self, collection: &str, index: &str, start: Option<&str>, end: Option<&str>) -> u64 {
        self.store.count(collection, index, start, end)
    }
    fn allocate_id(&self, collection: &str) -> u64 {
        self.store.allocate_id(collection)
    }
    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Vec<u64> {
        self.store.ids(collection, after, limit)
    }
    fn commit(&self, writes: Vec<Write>, events: Vec<Event>) -> Result<(), CommitError> {
        if let Some(rival) = &self.rival
            && self.races.get() > 0
        {
            self.races.set(self.races.get() - 1);
            rival(self.store);
        }
        self.store.commit(writes, events)
    }
    fn now(&self) -> String {
        self.store.now()
    }
}

#[test]
fn a_racing_request_cannot_take_a_unique_email_or_phone() {
    let f = Fixture::new();
    let hq = cx(Dialect::HelperIq, &[]);
    let crm = cx(Dialect::RelateCrm, &[]);
    f.engine()
        .create(
            &hq,
            None,
            person("Olsen", "linda@example.com", Some("06 12 34 56 78")),
        )
        .unwrap();
    let events = f.store.events().len();
    let racing = Racing::new(&f.store, usize::MAX);
    let engine = Engine::new(&f.settings, &racing, &f.directory);
    let field_errors = |err: Error| -> Vec<(String, String)> {
        invalid(err)
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    };
    // The check misses the holder; the commit does not.
    let err = engine
        .create(&hq, None, person("Other", "Linda@Example.com", None))
        .unwrap_err();
    assert_eq!(
        field_errors(err),
        [(
            "email".to_owned(),
            "Another contact with same email already exists".to_owned()
        )]
    );
    let err = engine
        .create(
            &crm,
            None,
            person("Other", "other@example.com", Some("+33612345678")),
        )
        .unwrap_err();
    assert_eq!(field_errors(err)[0].0, "phones.0.number");
    assert_eq!(f.store.len(index::CONTACTS), 1, "nothing was written");
    assert_eq!(f.store.events().len(), events);
    // BlueRockTEL shares emails by design: no guard there.
    add(&engine, ACME, person("Other", "linda@example.com", None));
    assert_eq!(f.store.len(index::CONTACTS), 2);
}

#[test]
fn a_quick_create_that_loses_a_race_answers_with_the_winner() {
    let f = Fixture::new();
    let hq = cx(Dialect::HelperIq, &[]);
    let winner = f
        .engine()
        .create(&hq, None, person("Olsen", "linda@example.com", None))
        .unwrap();
    // The upsert's lookup and the create's check both miss the winner (it
    // commits just after them); the commit refuses the duplicate, and the
    // upsert answers with the winner.
    let store = Racing::new(&f.store, 2);
    let engine = Engine::new(&f.settings, &store, &f.directory);
    let got = engine
        .quick_upsert(
            &hq,
            Some("L".into()),
            None,
            Some("LINDA@example.com".into()),
        )
        .unwrap();
    assert_eq!(got.contact.id, winner.contact.id);
    assert_eq!(f.store.len(index::CONTACTS), 1);
}

/// Rewrites a document with no index entries, as a version that indexed
/// nothing would have stored it.
fn strip_entries(store: &MemoryStore, collection: &str, id: u64) {
    let doc = store.get(collection, id).unwrap();
    let put = Put {
        collection: collection.to_owned(),
        id,
        body: doc.body,
        entries: Vec::new(),
        expected_version: Some(doc.version),
        exclusive: Vec::new(),
    };
    store.commit(vec![Write::Put(put)], Vec::new()).unwrap();
}

#[test]
fn reindex_recomputes_what_other_definitions_stored() {
    let f = Fixture::new();
    let hq = cx(Dialect::HelperIq, &[]);
    let e = f.engine();
    let mut ids = Vec::new();
    for (last, mail, mobile) in [
        ("Olsen", "linda@example.com", "06 12 34 56 78"),
        ("Berg", "nils@example.com", "06 98 76 54 32"),
        ("Holm", "ada@example.com", "06 11 22 33 44"),
    ] {
        ids.push(
            e.create(&hq, None, person(last, mail, Some(mobile)))
                .unwrap()
                .contact
                .id,
        );
    }
    let note = e.add_note(&hq, ids[0], "Call back", &[]).unwrap();
    for id in &ids {
        strip_entries(&f.store, index::CONTACTS, *id);
    }
    strip_entries(&f.store, index::NOTES, note.id);
    assert!(e.lookup_phone(&brt(), "0698765432").unwrap().is_none());
    assert!(e.list_notes(&hq, ids[0]).unwrap().is_empty());
    let bodies: Vec<String> = ids
        .iter()
        .map(|id| f.store.get(index::CONTACTS, *id).unwrap().body)
        .collect();
    let events = f.store.events().len();

    // Two documents a step: contacts in two steps, then notes.
    let mut cursor = None;
    let mut steps = Vec::new();
    loop {
        cursor = e.reindex(cursor, 2).unwrap();
        match &cursor {
            Some(c) => steps.push((c.collection.clone(), c.after)),
            None => break,
        }
        assert!(steps.len() < 10, "a reindex must end: {steps:?}");
    }
    assert_eq!(
        steps,
        [
            ("contacts".to_owned(), ids[1]),
            ("contacts".to_owned(), ids[2]),
            ("notes".to_owned(), 0),
            ("notes".to_owned(), note.id),
        ]
    );
    let found = e.lookup_phone(&brt(), "0698765432").unwrap().unwrap();
    assert_eq!(found.view.contact.id, ids[1]);
    assert_eq!(e.list_notes(&hq, ids[0]).unwrap().len(), 1);
    assert_eq!(e.search(&hq, "holm", 5).unwrap()[0].contact.id, ids[2]);
    for (id, body) in ids.iter().zip(&bodies) {
        assert_eq!(&f.store.get(index::CONTACTS, *id).unwrap().body, body);
    }
    assert_eq!(f.store.events().len(), events, "a reindex emits nothing");
    let unknown = ReindexCursor {
        collection: "invoices".into(),
        after: 0,
    };
    assert!(matches!(
        e.reindex(Some(unknown), 2),
        Err(Error::BadRequest(_))
    ));
}

#[test]
fn list_by_owner_is_a_list_and_needs_read_all() {
    let f = Fixture::new();
    let e = f.engine();
    add(&e, ACME, person("Doe", "j@example.com", None));
    let reader = cx(Dialect::BlueRockTel, &["contacts:read"]);
    assert!(matches!(
        e.list_by_owner(&reader, ACME),
        Err(Error::Forbidden(_))
    ));
    let lister = cx(Dialect::BlueRockTel, &["contacts:read_all"]);
    assert_eq!(e.list_by_owner(&lister, ACME).unwrap().len(), 1);
}

/// One store serves three dialects: a partial update checks only the
/// required fields it sends.
#[test]
fn partial_updates_check_only_the_required_fields_they_send() {
    let f = Fixture::new();
    let e = f.engine();
    let crm = cx(Dialect::RelateCrm, &[]);
    // RelateCRM requires only a first name: no email, no last name.
    let made = e
        .create(
            &crm,
            None,
            ContactPatch {
                first_name: Some(Some("Ana".into())),
                ..ContactPatch::default()
            },
        )
        .unwrap()
        .contact
        .id;
    // BlueRockTEL adds a mobile number without sending an email.
    let updated = e
        .update(
            &brt(),
            made,
            ContactPatch {
                mobile_phone: Some(Some("06 12 34 56 78".into())),
                ..ContactPatch::default()
            },
        )
        .unwrap();
    assert_eq!(updated.contact.phones.len(), 1);
    assert_eq!(updated.contact.email, None);
    // Sending the required email empty is still refused, and writes nothing.
    let err = e
        .update(
            &brt(),
            made,
            ContactPatch {
                email: Some(None),
                role: Some(Some("CTO".into())),
                ..ContactPatch::default()
            },
        )
        .unwrap_err();
    let fields = invalid(err);
    assert_eq!(fields[0].field, "email_address");
    assert_eq!(e.get(&brt(), made).unwrap().contact.role, None);

    // A BlueRockTEL contact has no first name; RelateCRM updates its city.
    let brt_made = add(&e, ACME, {
        let mut p = person("Doe", "doe@example.com", None);
        p.first_name = None;
        p
    })
    .id;
    let v = e
        .update(
            &crm,
            brt_made,
            ContactPatch {
                city: Some(Some("Lyon".into())),
                ..ContactPatch::default()
            },
        )
        .unwrap();
    assert_eq!(v.contact.city.as_deref(), Some("Lyon"));
    // RelateCRM still refuses a first name sent empty.
    assert!(matches!(
        e.update(
            &crm,
            brt_made,
            ContactPatch {
                first_name: Some(None),
                ..ContactPatch::default()
            },
        ),
        Err(Error::Invalid(_))
    ));
}

/// A contact whose only phone is `number`, through RelateCRM.
fn relatecrm_phone(first: &str, number: &str) -> ContactPatch {
    ContactPatch {
        first_name: Some(Some(first.into())),
        phones: Some(vec![PhoneInput {
            number: number.into(),
            kind: Some("work".into()),
            region: None,
        }]),
        ..ContactPatch::default()
    }
}

#[test]
fn an_invalid_number_has_no_e164_and_is_found_by_its_digits() {
    let f = Fixture::new();
    let e = f.engine();
    let c = add(
        &e,
        ACME,
        person("Short", "s@example.com", Some("+44 7400 12345")),
    );
    let p = &c.phones[0];
    assert_eq!(p.number, "+44 7400 12345");
    assert_eq!(p.e164, None, "parses, but is not valid");
    assert_eq!(p.international.as_deref(), Some("+44740012345"));
    assert_eq!(p.national, "740012345");
    assert_eq!(p.region, None, "+44 is shared and no region owns it");
    let found = assert_lookups(
        &e,
        c.id,
        &[
            ("+44740012345", MatchKind::Exact),
            ("0044 7400 12345", MatchKind::Exact),
            ("44740012345", MatchKind::Suffix),
            ("740012345", MatchKind::Suffix),
        ],
    );
    assert!(found.iter().all(|p| p.e164.is_none()));
    assert!(e.lookup_phone(&brt(), "+44740012346").unwrap().is_none());
    let hq = cx(Dialect::HelperIq, &[]);
    for q in ["44740012345", "740012345", "+44 7400 12345"] {
        let found: Vec<u64> = e
            .search(&hq, q, 5)
            .unwrap()
            .iter()
            .map(|v| v.contact.id)
            .collect();
        assert_eq!(found, [c.id], "{q:?}");
    }
}

#[test]
fn a_number_that_does_not_parse_keeps_its_digits() {
    let f = Fixture::new();
    let e = f.engine();
    let rc = cx(Dialect::RelateCrm, &[]);
    // No country code, under a region that has no such code: nothing to parse.
    let patch = ContactPatch {
        phones: Some(vec![PhoneInput {
            number: "0612 345 678 901 234 567 890".into(),
            kind: None,
            region: None,
        }]),
        ..relatecrm_phone("Long", "")
    };
    let c = e.create(&rc, None, patch).unwrap().contact;
    let p = &c.phones[0];
    assert_eq!(
        (p.e164.as_deref(), p.international.as_deref()),
        (None, None)
    );
    assert_eq!(
        p.national, "0612345678901234567890",
        "the digits as entered"
    );
    let m = e
        .lookup_phone(&brt(), "234567890")
        .unwrap()
        .expect("suffix");
    assert_eq!(m.view.contact.id, c.id);
}

#[test]
fn relatecrm_compares_numbers_that_parse_by_their_international_form() {
    let f = Fixture::new();
    let e = f.engine();
    let rc = cx(Dialect::RelateCrm, &[]);
    // A US area code never begins with 1: parsed, not valid.
    let first = e
        .create(&rc, None, relatecrm_phone("Ann", "+1 150 253 0000"))
        .unwrap()
        .contact;
    assert_eq!(first.phones[0].e164, None);
    let fields = invalid(
        e.create(&rc, None, relatecrm_phone("Bob", "001 (150) 253-0000"))
            .unwrap_err(),
    );
    assert_eq!(fields[0].field, "phones.0.number");
    e.create(&rc, None, relatecrm_phone("Cy", "+1 150 253 0001"))
        .unwrap();
}

#[test]
fn a_phone_stored_before_the_validity_rule_loses_its_e164_claim() {
    let f = Fixture::new();
    let e = f.engine();
    let c = add(
        &e,
        ACME,
        person("Old", "o@example.com", Some("+44 7400 12345")),
    );
    // The shape an earlier version stored: an `e164` for every possible number, no
    // international form, and entries computed from it.
    let doc = f.store.get(index::CONTACTS, c.id).unwrap();
    let mut body: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    body["phones"][0]["e164"] = "+44740012345".into();
    body["phones"][0]
        .as_object_mut()
        .unwrap()
        .remove("international");
    let put = Put {
        collection: index::CONTACTS.to_owned(),
        id: c.id,
        body: body.to_string(),
        entries: Vec::new(),
        expected_version: Some(doc.version),
        exclusive: Vec::new(),
    };
    f.store.commit(vec![Write::Put(put)], Vec::new()).unwrap();

    let read = e.get(&brt(), c.id).unwrap().contact;
    assert_eq!(
        read.phones[0].e164, None,
        "no claim of validity, even unindexed"
    );
    assert_eq!(
        read.phones[0].international.as_deref(),
        Some("+44740012345")
    );
    assert!(e.lookup_phone(&brt(), "+44740012345").unwrap().is_none());
    let mut cursor = e.reindex(None, 10).unwrap();
    while cursor.is_some() {
        cursor = e.reindex(cursor, 10).unwrap();
    }
    let stored = f.store.get(index::CONTACTS, c.id).unwrap().body;
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["phones"][0]["e164"], serde_json::Value::Null);
    assert_eq!(stored["phones"][0]["international"], "+44740012345");
    let m = e.lookup_phone(&brt(), "+44740012345").unwrap().unwrap();
    assert_eq!(m.view.contact.id, c.id);

    // A valid number keeps its E.164 through the same upgrade.
    let mut p = c.phones[0].clone();
    p.e164 = Some("+33612345678".into());
    p.international = None;
    fields::upgrade_stored_phone(&mut p);
    assert_eq!(p.e164.as_deref(), Some("+33612345678"));
    assert_eq!(p.international.as_deref(), Some("+33612345678"));
    assert_eq!(
        (p.national.as_str(), p.region.as_deref()),
        ("612345678", Some("FR"))
    );
}

/// Issue 17: a partial update that loses a race is re-applied on the fresh
/// document, so both writes land; the conflict reaches the caller only after
/// the bounded retries, and never shows internal versions.
#[test]
fn partial_updates_are_reapplied_after_a_race() {
    let f = Fixture::new();
    let id = add(&f.engine(), ACME, person("Doe", "doe@example.com", None)).id;
    let settings = Settings::default();
    let directory = directory();
    let rival = |store: &MemoryStore| {
        let e = Engine::new(&settings, store, &directory);
        let role = format!("role {}", store.events().len());
        e.update(
            &brt(),
            id,
            ContactPatch {
                role: Some(Some(role)),
                ..ContactPatch::default()
            },
        )
        .unwrap();
    };
    let racing = Racing::with_rival(&f.store, 3, rival);
    let e = Engine::new(&settings, &racing, &directory);
    let v = e.update(&brt(), id, renamed("Dupont")).unwrap();
    // The rival's last change and ours are both there.
    assert_eq!(v.contact.last_name.as_deref(), Some("Dupont"));
    assert!(v.contact.role.is_some());
    let stored = f.engine().get(&brt(), id).unwrap().contact;
    assert_eq!(stored.last_name.as_deref(), Some("Dupont"));
    assert_eq!(stored.role, v.contact.role);

    // A rival that always wins: the caller gets the conflict, in words.
    let racing = Racing::with_rival(&f.store, u32::MAX, rival);
    let e = Engine::new(&settings, &racing, &directory);
    let err = e.update(&brt(), id, renamed("Martin")).unwrap_err();
    let Error::Conflict(m) = err else {
        panic!("expected a conflict, got {err:?}")
    };
    assert!(!m.contains("version") && !m.contains("Some("), "{m}");
}

/// Extensions as a test drives them: a fixed enrichment and an optional veto.
struct FakeHooks {
    enrich: ContactPatch,
    veto: Option<Vec<FieldError>>,
    seen_before: std::cell::RefCell<Vec<Option<String>>>,
    /// What each `validate` saw: the contact before and after.
    seen: std::cell::RefCell<Vec<(Option<Contact>, Contact)>>,
}

impl FakeHooks {
    fn new(enrich: ContactPatch, veto: Option<Vec<FieldError>>) -> FakeHooks {
        FakeHooks {
            enrich,
            veto,
            seen_before: std::cell::RefCell::new(Vec::new()),
            seen: std::cell::RefCell::new(Vec::new()),
        }
    }
}

impl crate::ports::Hooks for FakeHooks {
    fn enrich(&self, _: &Contact) -> Result<Vec<ContactPatch>, Vec<FieldError>> {
        Ok(vec![self.enrich.clone()])
    }

    fn validate(&self, before: Option<&Contact>, after: &Contact) -> Result<(), Vec<FieldError>> {
        self.seen_before
            .borrow_mut()
            .push(before.and_then(|c| c.last_name.clone()));
        self.seen
            .borrow_mut()
            .push((before.cloned(), after.clone()));
        match &self.veto {
            Some(errors) => Err(errors.clone()),
            None => Ok(()),
        }
    }
}

/// Creates Jane Doe at ACME with `hooks` in place, which must fail.
fn create_through(f: &Fixture, hooks: &FakeHooks) -> Error {
    f.engine()
        .with_hooks(hooks)
        .create(&brt(), Some(ACME), person("Doe", "jane@acme.com", None))
        .unwrap_err()
}

#[test]
fn enrichments_are_applied_with_the_rules() {
    let f = Fixture::new();
    let hooks = FakeHooks::new(
        ContactPatch {
            role: Some(Some("  Buyer ".into())),
            ..ContactPatch::default()
        },
        None,
    );
    let engine = f.engine().with_hooks(&hooks);
    let made = add(&engine, ACME, person("Doe", "jane@acme.com", None));
    assert_eq!(made.role.as_deref(), Some("Buyer"));
    let id = made.id;
    engine.update(&brt(), id, renamed("Roe")).unwrap();
    assert_eq!(*hooks.seen_before.borrow(), [None, Some("Doe".to_owned())]);
}

#[test]
fn an_enrichment_the_rules_refuse_writes_nothing() {
    let f = Fixture::new();
    let hooks = FakeHooks::new(
        ContactPatch {
            email: Some(Some("not an email".into())),
            ..ContactPatch::default()
        },
        None,
    );
    let err = create_through(&f, &hooks);
    let fields = invalid(err);
    assert_eq!(fields[0].field, "email_address");
    assert_eq!(f.store.len(index::CONTACTS), 0);
    assert!(f.store.events().is_empty());
    // The rules ran again: the veto was never asked.
    assert!(hooks.seen_before.borrow().is_empty());
}

#[test]
fn a_veto_is_a_field_error_named_for_the_dialect_and_writes_nothing() {
    let f = Fixture::new();
    let veto = |field: &str| {
        Some(vec![FieldError {
            field: field.into(),
            message: "Disposable addresses are refused.".into(),
        }])
    };
    let hooks = FakeHooks::new(ContactPatch::default(), veto("email"));
    let err = create_through(&f, &hooks);
    let fields = invalid(err);
    assert_eq!(fields[0].field, "email_address");
    assert_eq!(fields[0].message, "Disposable addresses are refused.");
    assert_eq!(f.store.len(index::CONTACTS), 0);

    // A refusal without a reason still refuses.
    let silent = FakeHooks::new(ContactPatch::default(), Some(Vec::new()));
    let err = create_through(&f, &silent);
    assert!(matches!(err, Error::Invalid(ref fields) if fields[0].field == "extensions"));
    assert_eq!(f.store.len(index::CONTACTS), 0);
    assert!(f.store.events().is_empty());
}

#[test]
fn free_form_values_are_bounded_in_size_and_depth() {
    use super::fields::{MAX_JSON_BYTES, MAX_JSON_DEPTH, depth};
    assert_eq!(depth(&serde_json::json!("x")), 0);
    assert_eq!(depth(&serde_json::json!([1, 2])), 1);
    assert_eq!(depth(&serde_json::json!({"a": [{"b": []}], "c": 1})), 4);
    let nested = |levels: usize| "[".repeat(levels) + &"]".repeat(levels);

    let mut f = Fixture::new();
    f.settings.custom_fields = vec!["cf_notes".into()];
    let relate = cx(Dialect::RelateCrm, &[]);
    let with_cf = |value: String| ContactPatch {
        first_name: Some(Some("Ann".into())),
        custom_fields: vec![("cf_notes".into(), value)],
        ..ContactPatch::default()
    };
    let fits = serde_json::to_string(&"x".repeat(MAX_JSON_BYTES - 2)).unwrap();
    let created = f.engine().create(&relate, None, with_cf(fits)).unwrap();
    assert_eq!(
        created.contact.custom_fields["cf_notes"]
            .as_str()
            .unwrap()
            .len(),
        MAX_JSON_BYTES - 2
    );
    assert!(
        f.engine()
            .create(&relate, None, with_cf(nested(MAX_JSON_DEPTH)))
            .is_ok()
    );
    let before = f.store.len(index::CONTACTS);
    for (value, words) in [
        (
            serde_json::to_string(&"x".repeat(MAX_JSON_BYTES)).unwrap(),
            "larger than 65536 bytes",
        ),
        (nested(MAX_JSON_DEPTH + 1), "more than 8 levels"),
    ] {
        let err = f
            .engine()
            .create(&relate, None, with_cf(value))
            .unwrap_err();
        let fields = invalid(err);
        assert_eq!(fields[0].field, "cf_notes");
        assert!(fields[0].message.contains(words), "{fields:?}");
        assert!(
            fields[0].message.starts_with("The Cf Notes field"),
            "{fields:?}"
        );
    }
    assert_eq!(f.store.len(index::CONTACTS), before);

    // custom_attributes: each patch fits, but the merged object may not.
    let hq = cx(Dialect::HelperIq, &[]);
    let id = created.contact.id;
    let half = |key: &str| serde_json::json!({ key: "y".repeat(MAX_JSON_BYTES / 2) }).to_string();
    let attrs = |json: String| ContactPatch {
        custom_attributes: Some(json),
        ..ContactPatch::default()
    };
    assert!(f.engine().update(&hq, id, attrs(half("a"))).is_ok());
    let err = f.engine().update(&hq, id, attrs(half("b"))).unwrap_err();
    let fields = invalid(err);
    assert_eq!(
        fields[0].message,
        "Custom attributes is too large (max 65536 bytes)"
    );
    let deep = format!(r#"{{"k": {}}}"#, nested(MAX_JSON_DEPTH));
    let err = f.engine().update(&hq, id, attrs(deep)).unwrap_err();
    assert!(format!("{err:?}").contains("nested too deeply"), "{err:?}");
    // Replacing the big key keeps the object within the bound.
    assert!(f.engine().update(&hq, id, attrs(half("a"))).is_ok());
}

#[test]
fn blocking_and_associations_pass_the_extensions() {
    use super::Mode;
    let mut f = Fixture::new();
    f.directory.companies = vec![1, 2];
    let rc = cx(Dialect::RelateCrm, &[]);
    let hq = cx(Dialect::HelperIq, &[]);
    let patch = ContactPatch {
        first_name: Some(Some("Ann".into())),
        ..ContactPatch::default()
    };
    let id = f.engine().create(&rc, None, patch).unwrap().contact.id;
    let role = |r: &str| ContactPatch {
        role: Some(Some(r.into())),
        ..ContactPatch::default()
    };

    // An enrichment is applied with the change; validate sees both sides.
    let hooks = FakeHooks::new(role("Buyer"), None);
    let e = f.engine().with_hooks(&hooks);
    let c = e.set_blocked(&hq, id, true).unwrap().contact;
    assert!(c.blocked);
    assert_eq!(c.role.as_deref(), Some("Buyer"));
    let change = vec![("companies".to_owned(), vec![2])];
    let c = e.associate(&rc, id, Mode::Attach, &change).unwrap().contact;
    assert_eq!(c.companies, [2]);
    {
        let seen = hooks.seen.borrow();
        assert_eq!(seen.len(), 2);
        let (before, after) = &seen[0];
        assert!(!before.as_ref().unwrap().blocked && after.blocked);
        let (before, after) = &seen[1];
        assert!(before.as_ref().unwrap().companies.is_empty());
        assert_eq!(after.companies, [2]);
    }
    // Blocking what is blocked changes nothing: no hook runs.
    e.set_blocked(&hq, id, true).unwrap();
    assert_eq!(hooks.seen.borrow().len(), 2);

    // An enrichment the rules refuse, or a veto, writes nothing.
    let events = f.store.events().len();
    let bad = FakeHooks::new(
        ContactPatch {
            email: Some(Some("not an email".into())),
            ..ContactPatch::default()
        },
        None,
    );
    let veto = FakeHooks::new(
        ContactPatch::default(),
        Some(vec![FieldError {
            field: "blocked".into(),
            message: "Not this one.".into(),
        }]),
    );
    for hooks in [&bad, &veto] {
        let e = f.engine().with_hooks(hooks);
        let err = e.set_blocked(&hq, id, false).unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
        let change = vec![("companies".to_owned(), vec![1])];
        let err = e.associate(&rc, id, Mode::Attach, &change).unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    }
    let Err(Error::Invalid(fields)) = f.engine().with_hooks(&veto).set_blocked(&hq, id, false)
    else {
        panic!("a veto refuses")
    };
    assert_eq!(fields[0].message, "Not this one.");
    let c = f.engine().get(&rc, id).unwrap().contact;
    assert!(c.blocked);
    assert_eq!(c.companies, [2]);
    assert_eq!(f.store.events().len(), events);
}

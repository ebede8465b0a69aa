//! The import's rules over the in-memory ports: validation, duplicates by
//! email and phone within a batch and against the store, each policy, and a
//! batch imported twice.

use super::*;
use crate::model::{Caller, Dialect, OwnerKind, PhoneInput};
use crate::service::ExportFilter;
use crate::service::tests::{ACME, Fixture, GLOBEX};

/// The import's steps over the shared fixture.
impl Fixture {
    fn import(&self, rows: &[ImportRow], policy: DuplicatePolicy) -> Vec<ImportOutcome> {
        self.engine().import_batch(&cx(), rows, policy).unwrap()
    }

    fn contact(&self, id: ContactId) -> Contact {
        self.engine().load(id).unwrap().0
    }
}

fn cx() -> Context {
    Context {
        caller: Caller {
            agent_id: 0,
            first_name: "Import".into(),
            last_name: String::new(),
            scopes: Vec::new(),
        },
        dialect: Dialect::RelateCrm,
    }
}

fn row(first: &str, email: Option<&str>, phone: Option<&str>) -> ImportRow {
    ImportRow {
        owner: None,
        patch: ContactPatch {
            first_name: Some(Some(first.into())),
            email: email.map(|e| Some(e.into())),
            phones: phone.map(|p| {
                vec![PhoneInput {
                    number: p.into(),
                    kind: Some("work".into()),
                    region: None,
                }]
            }),
            ..ContactPatch::default()
        },
        alternate_emails: Vec::new(),
    }
}

fn created(o: &ImportOutcome) -> ContactId {
    match o {
        ImportOutcome::Created(id) => *id,
        other => panic!("expected created, got {other:?}"),
    }
}

#[test]
fn rows_are_normalized_and_committed_with_one_event_each() {
    let f = Fixture::new();
    let out = f.import(
        &[
            row("Ada", Some("Ada@EXAMPLE.com"), Some("06 12 34 56 78")),
            row("Bob", None, Some("+44 20 7946 0958")),
        ],
        DuplicatePolicy::Skip,
    );
    let ada = f.contact(created(&out[0]));
    assert_eq!(ada.email.as_deref(), Some("Ada@example.com"));
    assert_eq!(ada.phones[0].e164.as_deref(), Some("+33612345678"));
    assert!(ada.import_key.is_some() && ada.sync_needed);
    created(&out[1]);
    assert_eq!(f.store.len(index::CONTACTS), 2);
    assert_eq!(f.store.events().len(), 2);
}

#[test]
fn invalid_rows_are_reported_and_the_others_still_commit() {
    let f = Fixture::new();
    let mut unknown_owner = row("Eve", None, None);
    unknown_owner.owner = Some(OwnerRef {
        kind: OwnerKind::Customer,
        id: 99,
    });
    let out = f.import(
        &[
            row("Ada", Some("not an email"), None),
            ImportRow::default(),
            row("Bob", None, Some("call me")),
            unknown_owner,
            row("Cy", Some("cy@example.com"), None),
        ],
        DuplicatePolicy::Skip,
    );
    for (i, field) in [
        (0, "email"),
        (1, "row"),
        (2, "phones.0.number"),
        (3, "contactable_id"),
    ] {
        match &out[i] {
            ImportOutcome::Invalid(errors) => {
                assert_eq!(errors[0].field, field, "row {i}: {errors:?}")
            }
            other => panic!("row {i}: expected invalid, got {other:?}"),
        }
    }
    created(&out[4]);
    assert_eq!(f.store.len(index::CONTACTS), 1);
}

#[test]
fn duplicates_within_a_batch_are_found_by_email_and_by_e164() {
    let f = Fixture::new();
    let out = f.import(
        &[
            row("Ada", Some("ada@example.com"), Some("0612345678")),
            row("Ada L.", Some("ADA@example.com"), None),
            row("Ada", None, Some("+33 6 12 34 56 78")),
        ],
        DuplicatePolicy::Skip,
    );
    let id = created(&out[0]);
    assert_eq!(out[1], ImportOutcome::Skipped(id));
    assert_eq!(out[2], ImportOutcome::Skipped(id));
    assert_eq!(f.store.len(index::CONTACTS), 1);
}

#[test]
fn update_adds_emails_and_phones_and_sets_the_fields_a_row_gives() {
    let f = Fixture::new();
    let id = created(
        &f.import(
            &[row("Ada", Some("ada@example.com"), Some("0612345678"))],
            DuplicatePolicy::Skip,
        )[0],
    );
    let mut again = row("Adeline", Some("ada@example.com"), Some("0145454545"));
    again.alternate_emails = vec!["ada@work.example".into()];
    let out = f.import(&[again], DuplicatePolicy::Update);
    assert_eq!(out[0], ImportOutcome::Updated(id));
    let c = f.contact(id);
    assert_eq!(c.first_name.as_deref(), Some("Adeline"));
    assert_eq!(c.alternate_emails, ["ada@work.example"]);
    let numbers: Vec<_> = c.phones.iter().filter_map(|p| p.e164.as_deref()).collect();
    assert_eq!(numbers, ["+33612345678", "+33145454545"]);
    assert_eq!(f.store.len(index::CONTACTS), 1);
}

#[test]
fn update_refuses_a_phone_another_contact_holds() {
    let f = Fixture::new();
    let out = f.import(
        &[
            row("Ada", Some("ada@example.com"), None),
            row("Bob", None, Some("0612345678")),
        ],
        DuplicatePolicy::Skip,
    );
    let ada = created(&out[0]);
    let out = f.import(
        &[row("Ada", Some("ada@example.com"), Some("0612345678"))],
        DuplicatePolicy::Update,
    );
    // It matches Ada by email first; the phone it would give her is Bob's.
    assert!(
        matches!(&out[0], ImportOutcome::Invalid(e) if e[0].field == index::BY_E164),
        "{out:?}"
    );
    assert!(f.contact(ada).phones.is_empty());
}

#[test]
fn keep_both_only_across_owners() {
    let f = Fixture::new();
    let mut at_acme = row("Ada", Some("ada@example.com"), None);
    at_acme.owner = Some(ACME);
    let id = created(&f.import(&[at_acme.clone()], DuplicatePolicy::Skip)[0]);
    let mut at_globex = at_acme.clone();
    at_globex.owner = Some(GLOBEX);
    let mut renamed = at_acme.clone();
    renamed.patch.first_name = Some(Some("Ada L.".into()));
    let out = f.import(&[at_globex, renamed], DuplicatePolicy::KeepBoth);
    let second = created(&out[0]);
    assert_ne!(second, id);
    assert!(matches!(&out[1], ImportOutcome::Invalid(e) if e[0].field == "duplicate"));
    assert_eq!(f.store.len(index::CONTACTS), 2);
}

#[test]
fn a_batch_imported_twice_creates_nothing_twice_even_without_email_or_phone() {
    let f = Fixture::new();
    let rows = [
        row("Ada", Some("ada@example.com"), None),
        row("Nobody", None, None),
        row("Nobody", None, Some("123")),
    ];
    let first = f.import(&rows, DuplicatePolicy::KeepBoth);
    let ids: Vec<_> = first.iter().map(created).collect();
    for policy in [
        DuplicatePolicy::Skip,
        DuplicatePolicy::Update,
        DuplicatePolicy::KeepBoth,
    ] {
        let again = f.import(&rows, policy);
        let skipped: Vec<_> = ids.iter().map(|id| ImportOutcome::Skipped(*id)).collect();
        assert_eq!(again, skipped, "{policy:?}");
    }
    assert_eq!(f.store.len(index::CONTACTS), 3);
}

#[test]
fn export_pages_through_every_contact_and_by_owner() {
    let f = Fixture::new();
    let mut rows: Vec<ImportRow> = (0..25)
        .map(|i| row(&format!("P{i}"), Some(&format!("p{i}@example.com")), None))
        .collect();
    for r in rows.iter_mut().step_by(5) {
        r.owner = Some(ACME);
    }
    f.import(&rows, DuplicatePolicy::Skip);
    let engine = Engine::new(&f.settings, &f.store, &f.directory);
    let walk = |filter: ExportFilter| {
        let mut names = Vec::new();
        let mut cursor = None;
        loop {
            let page = engine.export_page(&cx(), cursor, 4, &filter).unwrap();
            names.extend(page.contacts.into_iter().filter_map(|c| c.first_name));
            match page.next {
                Some(next) => cursor = Some(next),
                None => return names,
            }
        }
    };
    assert_eq!(walk(ExportFilter::default()).len(), 25);
    assert_eq!(
        walk(ExportFilter {
            owner: Some(ACME),
            updated_since: None
        }),
        ["P0", "P5", "P10", "P15", "P20"]
    );
    assert_eq!(
        walk(ExportFilter {
            owner: None,
            updated_since: Some("2999-01-01T00:00:00Z".into())
        })
        .len(),
        0
    );
    let bad = ExportFilter {
        owner: None,
        updated_since: Some("yesterday".into()),
    };
    assert!(matches!(
        engine.export_page(&cx(), None, 10, &bad),
        Err(Error::BadRequest(_))
    ));
}

//! Tests of the email rules against python `email-validator`'s verdicts.
//!
//! Three vector files, all made by `tests/vectors/gen_email.py`: hand-picked
//! cases (`email.json`), the valid and invalid lists of email-validator's own
//! test suite (`email_suite.json`), and seeded random inputs built from
//! classes of characters and shapes (`email_props.json`), replayed class by
//! class so that a regression shows up by the name of its class.

use super::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One row of a vector file (see `gen_email.py`).
#[derive(Deserialize)]
struct Row {
    input: String,
    valid: bool,
    normalized: Option<String>,
    oracle: String,
    /// Where trimming changed the input, the reference's verdict on it as given.
    oracle_untrimmed: Option<String>,
    note: String,
}

#[derive(Deserialize)]
struct Vectors {
    rows: Vec<Row>,
}

fn load(text: &str) -> Vec<Row> {
    serde_json::from_str::<Vectors>(text)
        .expect("the vectors parse")
        .rows
}

fn curated() -> Vec<Row> {
    load(include_str!("../../tests/vectors/email.json"))
}

fn suite() -> Vec<Row> {
    load(include_str!("../../tests/vectors/email_suite.json"))
}

fn props() -> Vec<Row> {
    load(include_str!("../../tests/vectors/email_props.json"))
}

/// What `normalize` gets wrong on `row`, if anything.
fn mismatch(row: &Row) -> Option<String> {
    let got = normalize(&row.input);
    let holds = match &got {
        Ok(n) => row.valid && row.normalized.as_deref() == Some(n.as_str()),
        Err(_) => !row.valid,
    };
    (!holds).then(|| {
        format!(
            "{:?} ({}): got {got:?}, expected {}",
            row.input,
            row.note,
            row.normalized.as_deref().unwrap_or("an error")
        )
    })
}

/// Replays `rows`, failing with every mismatch grouped under `group(row)`.
fn replay(rows: &[Row], group: impl Fn(&Row) -> String) {
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    for row in rows {
        let name = group(row);
        *totals.entry(name.clone()).or_default() += 1;
        if let Some(m) = mismatch(row) {
            failures.entry(name).or_default().push(m);
        }
    }
    let report: Vec<String> = failures
        .iter()
        .map(|(name, fails)| {
            let total = totals.get(name).copied().unwrap_or_default();
            let shown: Vec<&str> = fails.iter().take(10).map(String::as_str).collect();
            format!(
                "class {name}: {} of {total} fail:\n  {}",
                fails.len(),
                shown.join("\n  ")
            )
        })
        .collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
}

fn agrees(row: &Row) -> bool {
    row.valid == (row.oracle == "valid")
}

#[test]
fn every_curated_vector_holds() {
    let rows = curated();
    assert!(rows.len() >= 250, "only {} vectors", rows.len());
    replay(&rows, |_| "curated".to_owned());
}

#[test]
fn email_validator_suite_agrees_row_for_row() {
    let rows = suite();
    assert!(rows.len() >= 300, "only {} suite rows", rows.len());
    // On the reference's own lists, the verdict is the reference's on every
    // row; where the input has whitespace around it, on the trimmed input
    // (spec §3 trims first: those rows name the deviation).
    let deviations: Vec<&str> = rows
        .iter()
        .filter(|r| !agrees(r) || r.note.contains(OCTETS))
        .map(|r| r.input.as_str())
        .collect();
    assert!(deviations.is_empty(), "{deviations:?}");
    replay(&rows, |row| {
        row.note.split(':').next().unwrap_or_default().to_owned()
    });
}

/// The property test: seeded random inputs of every class, each compared
/// with the reference's verdict, failures reported by class.
#[test]
fn random_inputs_of_every_class_agree_with_the_reference() {
    let rows = props();
    let classes: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r.note.split(';').next().unwrap_or_default())
        .collect();
    assert_eq!(
        classes.into_iter().collect::<Vec<_>>(),
        [
            "bidi",
            "case",
            "code-points",
            "domain-alabel",
            "domain-idna",
            "lengths",
            "local-ascii",
            "local-unicode",
            "structure",
            "whitespace"
        ]
    );
    // Each class has both verdicts, but `structure`, whose shapes all break a rule.
    for class in [
        "bidi",
        "domain-alabel",
        "domain-idna",
        "lengths",
        "local-ascii",
    ] {
        for verdict in [true, false] {
            assert!(
                rows.iter()
                    .any(|r| r.note.starts_with(class) && r.valid == verdict),
                "{class} has no {verdict} row"
            );
        }
    }
    replay(&rows, |row| {
        row.note.split(';').next().unwrap_or_default().to_owned()
    });
}

/// The two deliberate deviations (spec §3), as `gen_email.py` names them.
const OCTETS: &str = "DEVIATION: spec §3 limits the local part to 64 octets";
const TRIM: &str = "DEVIATION: spec §3 trims first";

/// Every row where our verdict differs from the reference says why, and the
/// reason is one of the two the spec makes: the local part's limit in octets
/// (we reject what email-validator accepts) or trimming (we accept what it
/// rejects only for the whitespace around it).
#[test]
fn vectors_deviate_from_the_reference_only_where_noted() {
    for row in curated().iter().chain(&suite()).chain(&props()) {
        if !agrees(row) {
            assert!(row.note.contains(OCTETS), "{:?}: {}", row.input, row.note);
            assert!(!row.valid, "{:?}", row.input);
        }
        if let Some(untrimmed) = &row.oracle_untrimmed {
            assert_ne!(row.input.trim(), row.input, "{:?}", row.input);
            if row.valid != (untrimmed == "valid") {
                assert!(row.note.contains(TRIM), "{:?}: {}", row.input, row.note);
                assert!(row.valid && untrimmed == "invalid", "{:?}", row.input);
            }
        }
    }
}

/// The `email_address` crate, configured strictly, accepts every ASCII
/// address we accept.
#[test]
fn strict_email_address_crate_accepts_what_we_accept() {
    let options = email_address::Options::default()
        .with_required_tld()
        .without_domain_literal()
        .without_display_text();
    for row in curated().into_iter().chain(suite()).chain(props()) {
        let Some(normalized) = row.normalized.filter(|n| n.is_ascii()) else {
            continue;
        };
        let parsed = email_address::EmailAddress::parse_with_options(&normalized, options);
        assert!(parsed.is_ok(), "{normalized:?}: {parsed:?}");
    }
}

#[test]
fn errors_name_the_mistake() {
    use EmailError::*;
    let long_local = format!("{}@example.com", "a".repeat(65));
    let long_label = format!("a@{}.com", "a".repeat(64));
    // 227 characters; 4 x 62 octets of Punycode + ".com".
    let long_idn = format!(
        "a@{}.com",
        vec![format!("ü{}", "b".repeat(54)); 4].join(".")
    );
    let cases = [
        (" \t ", Empty),
        (&*"a".repeat(255), TooLong),
        ("jane.example.com", MissingAt),
        ("jane@doe@example.com", MultipleAt),
        ("Jane <j@x.com>", DisplayName),
        ("<jane@example.com>", DisplayName),
        ("\"jane\"@example.com", QuotedLocal),
        ("jane(work)@example.com", Comment),
        ("@example.com", MissingLocal),
        (&long_local, LocalTooLong),
        ("ja..ne@example.com", BadLocal),
        ("jane doe@example.com", BadLocal),
        ("a.\u{37E}@example.com", BadLocal),
        ("jane@", MissingDomain),
        ("a@[1.2.3.4]", DomainLiteral),
        ("a@localhost", SingleLabelDomain),
        (&long_label, LabelTooLong),
        (&long_idn, DomainTooLong),
        ("a@example.123", BadTld),
        ("a@example.test", ReservedDomain),
        ("a@ex_ample.com", BadDomain),
        ("a@example.com.", BadDomain),
        ("a@xn--zz.com", BadIdn),
        ("a@1.אב.com", BadIdn),
        ("a@⒈.com", BadIdn),
        ("a@\u{1FEF}.com", BadIdn),
        ("a@xn--ab-j1t.com", BadIdn),
        ("a@💩.com", BadIdn),
        ("ja\u{200B}ne@example.com", UnsafeCharacter),
        ("jane@exa\u{A0}mple.com", UnsafeCharacter),
        ("jane@xn--11b2ezcs70k.in", UnsafeCharacter),
    ];
    for (input, expected) in cases {
        assert_eq!(normalize(input), Err(expected), "{input:?}");
    }
}

#[test]
fn messages_are_distinct_sentences() {
    let all = EmailError::ALL;
    // In declaration order, none left out before the last.
    for (i, e) in all.iter().enumerate() {
        assert_eq!(*e as usize, i, "{e:?}");
    }
    let messages: std::collections::HashSet<String> = all.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), all.len());
    assert!(messages.iter().all(|m| m.len() > 20));
}

#[test]
fn keys_compare_case_insensitively() {
    let a = normalize(" Jane.Doe@EXAMPLE.com ").unwrap();
    let b = normalize("jane.doe@example.COM").unwrap();
    assert_eq!(a, "Jane.Doe@example.com");
    assert_ne!(a, b);
    assert_eq!(key(&a), key(&b));
    assert_eq!(key(&a), "jane.doe@example.com");
    let greek = normalize("ΑΣ@example.gr").unwrap();
    assert_eq!(key(&greek), key(&normalize("ασ@example.gr").unwrap()));
}

#[test]
fn canonically_equivalent_addresses_share_a_key() {
    let forms = [
        "jöran@münchen.de",
        "jo\u{308}ran@mu\u{308}nchen.de",
        "jöran@xn--mnchen-3ya.de",
        "JÖRAN@MÜNCHEN.DE",
        "jöran@ｍüｎｃｈｅｎ.de",
    ];
    let keys: Vec<String> = forms.iter().map(|f| key(&normalize(f).unwrap())).collect();
    assert!(keys.iter().all(|k| k == "jöran@münchen.de"), "{keys:?}");
}

#[test]
fn a_key_of_typed_text_matches_the_stored_address() {
    let stored = normalize("Jöran@münchen.de").unwrap();
    for typed in [
        "jöran@XN--MNCHEN-3YA.DE",
        "jo\u{308}ran@mu\u{308}nchen.de",
        "JÖRAN@ＭÜＮＣＨＥＮ.DE",
    ] {
        assert_eq!(key(typed), key(&stored), "{typed:?}");
    }
    // Not an address: lowercased as it is.
    assert_eq!(key("JÖRAN@"), "jöran@");
    assert_eq!(key("Jane@Example.com"), "jane@example.com");
}

#[test]
fn domain_is_the_lowercased_part_after_the_at() {
    let n = normalize("Jane@MÜNCHEN.DE").unwrap();
    assert_eq!(domain(&n), "münchen.de");
    assert_eq!(domain(&normalize("a@Example.ORG").unwrap()), "example.org");
    assert_eq!(domain(&normalize("a@xn--p1ai.xn--p1ai").unwrap()), "рф.рф");
    assert_eq!(domain("not an address"), "");
}

/// Random addresses made of troublesome pieces: never a panic, and whatever
/// is accepted is a fixed point of `normalize` within 254 octets.
#[test]
fn random_inputs_never_panic_and_normalization_is_idempotent() {
    const PIECES: [&str; 36] = [
        "a", "Z", "0", "9", "-", ".", "@", "xn--", "ü", "中", "\u{301}", "א", "٣", "۳", " ", "\"",
        "<", "l", "(", "[", "é", "ｅ", "。", "·", "l", "ß", "İ", "Σ", "\u{200d}", "zz", "b",
        "\u{ffff}", "⒈", "\u{37e}", "\u{958}", "①",
    ];
    const TLDS: [&str; 8] = ["com", "de", "xn--p1ai", "рф", "test", "1", "c0", "ΣΑ"];
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n as u64).unwrap_or(0)
    };
    let mut accepted = 0;
    for _ in 0..50_000 {
        let mut input = String::new();
        for part in 0..3 {
            for _ in 0..=next(4) {
                input.push_str(PIECES[next(PIECES.len())]);
            }
            input.push_str(["@", ".", ""][part]);
        }
        input.push_str(TLDS[next(TLDS.len())]);
        if let Ok(n) = normalize(&input) {
            accepted += 1;
            assert!(n.len() <= MAX_LEN, "{input:?}");
            assert_eq!(normalize(&n).as_deref(), Ok(n.as_str()), "{input:?}");
            assert_eq!(domain(&n), domain(&n).to_lowercase(), "{input:?}");
        }
    }
    assert!(accepted > 1000, "only {accepted} random inputs accepted");
}

//! `contacts-host import` and `export`, run as an operator runs them: the real
//! binary on real files in a temporary folder, and a real server beside them.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::{BIN, Server, scratch_dir};

fn fixture(name: &str) -> PathBuf {
    support::workspace_root()
        .join("tests/fixtures/transfer")
        .join(name)
}

fn cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compiled-cache")
}

fn db_in(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("contacts.db").display())
}

/// Runs `contacts-host ARGS --db DB`; never a panic, whatever it answers.
fn run(db: &str, args: &[&str]) -> Output {
    let region: &[&str] = if args.contains(&"--region") {
        &[]
    } else {
        &["--region", "FR"]
    };
    let out = Command::new(BIN)
        .args(args)
        .args(["--db", db, "--cache-dir"])
        .arg(cache())
        .args(region)
        .output()
        .expect("run contacts-host");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "contacts-host panicked: {stderr}"
    );
    out
}

fn import(db: &str, file: &Path, extra: &[&str]) -> String {
    let mut args = vec!["import", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = run(db, &args);
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The counts of an import's summary line.
fn counts(summary: &str) -> [u64; 5] {
    let line = summary
        .lines()
        .find(|l| l.starts_with("read "))
        .unwrap_or_else(|| panic!("no summary in {summary:?}"));
    let mut out = [0; 5];
    for (i, word) in ["read", "created", "updated", "skipped", "rejected"]
        .iter()
        .enumerate()
    {
        let at = line.find(&format!("{word} ")).expect(word) + word.len() + 1;
        out[i] = line[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap();
    }
    out
}

/// Every contact as an export in JSON Lines gives them.
fn exported(db: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["export", "--format", "jsonl"];
    args.extend_from_slice(extra);
    let out = run(db, &args);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn by_email<'a>(contacts: &'a [Value], email: &str) -> &'a Value {
    contacts
        .iter()
        .find(|c| c["email"] == email)
        .unwrap_or_else(|| panic!("no contact {email} in {contacts:#?}"))
}

fn numbers(c: &Value) -> Vec<String> {
    c["phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["number"].as_str().unwrap().to_owned())
        .collect()
}

/// The rejects file's records: the line, and the reason followed by the raw row.
fn rejects(path: &Path) -> Vec<(u64, String)> {
    let text = std::fs::read(path).expect("a rejects file");
    let mut reader = contacts_host::transfer::csv::CsvReader::new(&text[..]);
    let header = reader.next_record().unwrap().unwrap();
    assert_eq!(header.fields.unwrap(), ["line", "reason", "row"]);
    let mut out = Vec::new();
    while let Some(rec) = reader.next_record().unwrap() {
        let fields = rec.fields.expect("a well-formed rejects record");
        assert_eq!(fields.len(), 3, "{fields:?}");
        out.push((
            fields[0].parse().unwrap(),
            format!("{} | {}", fields[1], fields[2]),
        ));
    }
    out
}

#[test]
fn a_google_contacts_csv_imports_with_its_phones_emails_and_address() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let out = import(&db, &fixture("google.csv"), &[]);
    assert_eq!(counts(&out), [3, 3, 0, 0, 0], "{out}");
    let all = exported(&db, &[]);
    let amelie = by_email(&all, "amelie.poulain@example.fr");
    assert_eq!(amelie["first_name"], "Amélie");
    assert_eq!(amelie["civility"], "Mme");
    assert_eq!(amelie["role"], "Serveuse");
    assert_eq!(amelie["alternate_emails"][0], "amelie@moulins.example");
    assert_eq!(amelie["city"], "Paris");
    assert_eq!(amelie["postal_code"], "75018");
    assert_eq!(
        amelie["custom_attributes"]["organization"],
        "Café des 2 Moulins"
    );
    assert_eq!(amelie["phones"][0]["type"], "mobile");
    assert_eq!(amelie["phones"][1]["type"], "work");
    // Google writes two numbers of one label as `a ::: b`.
    let nino = by_email(&all, "nino@example.fr");
    assert_eq!(numbers(nino), ["06 98 76 54 32", "07 11 22 33 44"]);
}

#[test]
fn outlook_and_hubspot_csv_exports_import() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let out = import(&db, &fixture("outlook.csv"), &["--region", "US"]);
    assert_eq!(counts(&out), [2, 2, 0, 0, 0], "{out}");
    let out = import(&db, &fixture("hubspot.csv"), &[]);
    assert_eq!(counts(&out), [2, 2, 0, 0, 0], "{out}");
    let all = exported(&db, &[]);
    let john = by_email(&all, "john.smith@contoso.example");
    assert_eq!(john["civility"], "Mr.");
    assert_eq!(john["role"], "Account Manager");
    assert_eq!(john["service"], "Sales");
    assert_eq!(john["alternate_emails"][0], "jsmith@home.example");
    let kinds: Vec<&str> = john["phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["fax", "work", "mobile"]);
    let brian = by_email(&all, "bh@hubspot.example");
    assert_eq!(brian["role"], "CEO");
    assert_eq!(brian["custom_attributes"]["organization"], "HubSpot");
    assert_eq!(brian["street"], "25 First Street");
}

#[test]
fn a_phone_vcard_3_with_folded_lines_and_quoted_printable_imports() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let rejected = dir.join("rejects.csv");
    let out = import(
        &db,
        &fixture("phone-3.0.vcf"),
        &["--rejects", rejected.to_str().unwrap()],
    );
    assert_eq!(counts(&out), [4, 3, 0, 0, 1], "{out}");
    let all = exported(&db, &[]);
    let francois = by_email(&all, "francois@example.fr");
    assert_eq!(francois["first_name"], "François");
    assert_eq!(francois["last_name"], "Étienne");
    assert_eq!(francois["street"], "12 rue de la République");
    assert_eq!(francois["service"], "Fournil");
    assert_eq!(
        francois["comment"],
        "Pain au levain le mardi\r\nFermé le lundi, ouvert le dimanche matin"
    );
    assert_eq!(numbers(francois), ["+33 6 01 02 03 04", "04 72 00 00 00"]);
    // ISO-8859-1 through quoted-printable, and a folded NOTE.
    let renee = all.iter().find(|c| c["first_name"] == "Renée").unwrap();
    assert_eq!(renee["last_name"], "Ménard");
    assert!(
        renee["comment"]
            .as_str()
            .unwrap()
            .contains("as RFC 2426 allows")
    );
    let rows = rejects(&rejected);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, 29, "{rows:?}");
    assert!(rows[0].1.contains("email"), "{rows:?}");
}

#[test]
fn a_vcard_4_imports_uris_extensions_and_escapes_and_names_an_owner() {
    let s = Server::start();
    let admin = s.admin();
    let acme = s.owner(&admin, "customers", "ACME", "CL000001");
    assert_eq!(acme, 1, "the fixture names customer:1");
    let out = import(&s.db, &fixture("contacts-4.0.vcf"), &[]);
    assert_eq!(counts(&out), [2, 2, 0, 0, 0], "{out}");
    let all = exported(&s.db, &[]);
    let grace = by_email(&all, "grace.hopper@navy.example");
    assert_eq!(grace["civility"], "Rear Admiral");
    assert_eq!(
        grace["comment"],
        "Coined \"debugging\", found a moth; kept it."
    );
    assert_eq!(grace["alternate_emails"][0], "amazing.grace@example.org");
    let alan = by_email(&all, "alan@bletchley.example");
    assert_eq!(alan["owner"], "customer:1");
    // The owner's list serves it (BlueRockTEL).
    let r = s.get(
        "/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id=1",
        &admin,
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.json()[0]["email_address"],
        "alan@bletchley.example",
        "{r:?}"
    );
}

#[test]
fn json_lines_take_any_dialect_names_and_reject_what_is_not_a_contact() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let rejected = dir.join("rejects.csv");
    let out = import(
        &db,
        &fixture("contacts.jsonl"),
        &["--rejects", rejected.to_str().unwrap()],
    );
    assert_eq!(counts(&out), [6, 4, 0, 0, 2], "{out}");
    let all = exported(&db, &[]);
    let dorothy = by_email(&all, "dvaughan@nasa.example");
    assert_eq!(dorothy["first_name"], "Dorothy");
    assert_eq!(dorothy["phones"][0]["type"], "landline");
    let mary = all.iter().find(|c| c["first_name"] == "Mary").unwrap();
    assert_eq!(numbers(mary), ["+1 757 555 0103", "+1 757 555 0104"]);
    assert_eq!(mary["custom_attributes"]["team"], "West Computers");
    let christine = by_email(&all, "cdarden@nasa.example");
    assert_eq!(christine["last_name"], "Darden");
    let rows = rejects(&rejected);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, 6);
    assert!(rows[0].1.contains("must contain a dot"), "{rows:?}");
    assert_eq!(rows[1].0, 7);
    assert!(rows[1].1.starts_with("not JSON"), "{rows:?}");
}

#[test]
fn a_phone_keeps_the_region_it_was_read_in_through_export_and_import() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let file = dir.join("people.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"first_name":"Ada","last_name":"King","phones":[{"number":"07400 123456","type":"mobile","region":"GB"}]}"#,
            "\n",
            r#"{"first_name":"Jean","last_name":"Roux","phones":[{"number":"06 12 34 56 78","type":"mobile","region":null}]}"#,
            "\n",
        ),
    )
    .unwrap();
    assert_eq!(counts(&import(&db, &file, &[])), [2, 2, 0, 0, 0]);
    let all = exported(&db, &[]);
    let named = |all: &[Value], first: &str| -> Value {
        all.iter()
            .find(|c| c["first_name"] == first)
            .unwrap()
            .clone()
    };
    // A British number typed nationally is read as British, not in the
    // store's default region (FR here), and the export says so.
    assert_eq!(named(&all, "Ada")["phones"][0]["region"], "GB");
    assert_eq!(named(&all, "Jean")["phones"][0]["region"], "FR");
    let again = dir.join("export.jsonl");
    let out = run(
        &db,
        &[
            "export",
            "--format",
            "jsonl",
            "--output",
            again.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let other = scratch_dir();
    let db2 = db_in(&other);
    // Imported where the default region is another: the same phones.
    let out = run(&db2, &["import", again.to_str().unwrap(), "--region", "DE"]);
    assert!(out.status.success(), "{out:?}");
    let back = exported(&db2, &[]);
    for first in ["Ada", "Jean"] {
        assert_eq!(
            named(&back, first)["phones"],
            named(&all, first)["phones"],
            "{first}"
        );
    }
}

#[test]
fn rejects_name_each_line_and_reason_and_nothing_of_a_refused_row_is_written() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let file = dir.join("crm.csv");
    std::fs::write(
        &file,
        "first_name,last_name,email,mobile_phone,legal_representative,owner\n\
         Ada,Lovelace,ada@example.com,06 12 34 56 78,yes,\n\
         Bob,Bad,bob@example,,,\n\
         Cy,Letters,cy@example.com,call me maybe,,\n\
         Di,Flag,di@example.com,,perhaps,\n\
         Ed,Owner,ed@example.com,,,team:4\n\
         ,,,,,\n\
         \"Fay\",\"Unclosed,fay@example.com,,,\n",
    )
    .unwrap();
    let out = import(&db, &file, &[]);
    assert_eq!(counts(&out), [6, 1, 0, 0, 5], "{out}");
    let rows = rejects(&dir.join("crm.csv.rejects.csv"));
    let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(lines, [3, 4, 5, 6, 8], "{rows:?}");
    assert!(rows[0].1.starts_with("email: "), "{rows:?}");
    assert!(rows[1].1.starts_with("phones.0.number: "), "{rows:?}");
    assert!(
        rows[2].1.contains("perhaps is not true or false"),
        "{rows:?}"
    );
    assert!(rows[3].1.contains("team:4"), "{rows:?}");
    assert!(rows[4].1.contains("not closed"), "{rows:?}");
    // The raw row is kept.
    assert!(
        rows[1]
            .1
            .contains("Cy,Letters,cy@example.com,call me maybe"),
        "{rows:?}"
    );
    let all = exported(&db, &[]);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["legal_representative"], true);
}

fn write_people(path: &Path, rows: &[(&str, &str, &str)]) {
    let mut text = String::from("First Name,Last Name,Email,Phone\n");
    for (first, email, phone) in rows {
        text.push_str(&format!("{first},Doe,{email},{phone}\n"));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn each_duplicate_policy_within_the_file_and_against_the_store() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let first = dir.join("first.csv");
    write_people(
        &first,
        &[
            ("Jane", "jane@example.com", "06 12 34 56 78"),
            // The same person within the file: by email, then by E.164.
            ("Janet", "JANE@example.com", ""),
            ("J.", "", "+33 6 12 34 56 78"),
        ],
    );
    let out = import(&db, &first, &[]);
    assert_eq!(counts(&out), [3, 1, 0, 2, 0], "{out}");

    let second = dir.join("second.csv");
    write_people(&second, &[("Janet", "jane@example.com", "01 45 45 45 45")]);
    let out = import(&db, &second, &["--on-duplicate", "skip"]);
    assert_eq!(counts(&out), [1, 0, 0, 1, 0], "{out}");
    assert_eq!(exported(&db, &[])[0]["first_name"], "Jane");

    let out = import(&db, &second, &["--on-duplicate", "update"]);
    assert_eq!(counts(&out), [1, 0, 1, 0, 0], "{out}");
    let all = exported(&db, &[]);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["first_name"], "Janet");
    assert_eq!(numbers(&all[0]), ["06 12 34 56 78", "01 45 45 45 45"]);

    // keep-both: emails and phones stay unique (HelperIQ, RelateCRM) unless
    // the contacts belong to different owners (BlueRockTEL).
    let third = dir.join("third.csv");
    write_people(&third, &[("Jane2", "jane@example.com", "")]);
    let out = import(&db, &third, &["--on-duplicate", "keep-both"]);
    assert_eq!(counts(&out), [1, 0, 0, 0, 1], "{out}");
    assert_eq!(exported(&db, &[]).len(), 1);
}

/// Batches checked two at a time (one while the previous one commits):
/// duplicates across neighbouring batches still resolve in file order, and a
/// row repeated with neither an email nor a phone is created once.
#[test]
fn neighbouring_batches_resolve_duplicates_in_file_order() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let file = dir.join("pairs.csv");
    let names: Vec<String> = (0..30).map(|i| format!("P{i}")).collect();
    let emails: Vec<String> = (0..30).map(|i| format!("p{}@example.com", i / 2)).collect();
    let mut rows: Vec<(&str, &str, &str)> = (0..30)
        .map(|i| (names[i].as_str(), emails[i].as_str(), ""))
        .collect();
    rows.extend([("Solo", "", ""), ("Solo", "", "")]);
    write_people(&file, &rows);
    let out = import(&db, &file, &["--batch", "1", "--workers", "2"]);
    assert_eq!(counts(&out), [32, 16, 0, 16, 0], "{out}");
    let all = exported(&db, &[]);
    assert_eq!(all.len(), 16);
    for pair in 0..15 {
        let c = by_email(&all, &format!("p{pair}@example.com"));
        assert_eq!(c["first_name"], format!("P{}", 2 * pair), "{c}");
    }
    // Updates apply in file order too: the later row of each pair is last.
    let out = import(
        &db,
        &file,
        &["--batch", "1", "--workers", "2", "--on-duplicate", "update"],
    );
    assert_eq!(counts(&out), [32, 0, 15, 17, 0], "{out}");
    let all = exported(&db, &[]);
    assert_eq!(all.len(), 16);
    for pair in 0..15 {
        let c = by_email(&all, &format!("p{pair}@example.com"));
        assert_eq!(c["first_name"], format!("P{}", 2 * pair + 1), "{c}");
    }
}

#[test]
fn keep_both_keeps_a_second_contact_under_another_owner() {
    let s = Server::start();
    let admin = s.admin();
    let acme = s.owner(&admin, "customers", "ACME", "CL1");
    let globex = s.owner(&admin, "prospects", "Globex", "PR1");
    let file = s.dir.join("owners.csv");
    std::fs::write(&file, "first_name,email\nJane,jane@example.com\n").unwrap();
    let at_acme = format!("customer:{acme}");
    let at_globex = format!("prospect:{globex}");
    let out = import(&s.db, &file, &["--owner", &at_acme]);
    assert_eq!(counts(&out), [1, 1, 0, 0, 0], "{out}");
    let out = import(
        &s.db,
        &file,
        &["--owner", &at_globex, "--on-duplicate", "keep-both"],
    );
    assert_eq!(counts(&out), [1, 1, 0, 0, 0], "{out}");
    // BlueRockTEL: the owners sharing this email.
    let all = exported(&s.db, &[]);
    assert_eq!(all.len(), 2);
    let r = s.get(
        &format!("/api/v1/contacts/{}/accounts", all[0]["id"]),
        &admin,
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json().as_array().unwrap().len(), 2, "{r:?}");
}

#[test]
fn an_import_run_again_after_it_was_killed_creates_nothing_twice() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let file = dir.join("many.csv");
    let mut text = String::from("first_name,last_name,email,mobile_phone,city\n");
    for i in 0..6_000 {
        match i % 3 {
            0 => text.push_str(&format!("P{i},Doe,p{i}@example.com,,\n")),
            1 => text.push_str(&format!(
                "P{i},Doe,,+33 6 {:02} {:02} {:02} {:02},\n",
                i / 1_000_000 % 100,
                i / 10_000 % 100,
                i / 100 % 100,
                i % 100
            )),
            // Neither email nor phone: found again by the row's fingerprint.
            _ => text.push_str(&format!("P{i},Doe,,,Town {i}\n")),
        }
    }
    std::fs::write(&file, text).unwrap();
    let mut child = Command::new(BIN)
        .args([
            "import",
            file.to_str().unwrap(),
            "--batch",
            "200",
            "--db",
            &db,
            "--cache-dir",
        ])
        .arg(cache())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    let _ = child.kill();
    let _ = child.wait();
    let out = import(&db, &file, &["--batch", "200"]);
    let [read, created, updated, skipped, rejected] = counts(&out);
    assert_eq!((read, updated, rejected), (6_000, 0, 0), "{out}");
    assert_eq!(created + skipped, 6_000, "{out}");
    let all = exported(&db, &[]);
    assert_eq!(all.len(), 6_000);
    let names: BTreeSet<&str> = all
        .iter()
        .map(|c| c["first_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 6_000);
    // A third run finds every row already there.
    let out = import(&db, &file, &["--batch", "200"]);
    assert_eq!(counts(&out), [6_000, 0, 0, 6_000, 0], "{out}");
}

#[test]
fn an_import_beside_a_running_server_is_served_in_every_dialect() {
    let s = Server::start();
    let admin = s.admin();
    // The server writes while the import runs.
    let r = s.json(
        "POST",
        "/api/contacts",
        &admin,
        &serde_json::json!({"first_name": "Katherine", "email": "kjohnson@nasa.example"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let out = import(
        &s.db,
        &fixture("contacts.jsonl"),
        &["--rejects", s.dir.join("r.csv").to_str().unwrap()],
    );
    // Katherine was already there: skipped by email.
    assert_eq!(counts(&out), [6, 3, 0, 1, 2], "{out}");
    let all = exported(&s.db, &[]);
    let dorothy = by_email(&all, "dvaughan@nasa.example")["id"]
        .as_u64()
        .unwrap();
    // BlueRockTEL.
    let r = s.get(&format!("/api/v1/contacts/{dorothy}"), &admin);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["first_name"], "Dorothy");
    let r = s.get(
        "/api/v1/contacts/numbers?phone_number=%2B17575550102",
        &admin,
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["id"], dorothy, "{r:?}");
    // HelperIQ.
    let r = s.send(
        "GET",
        &format!("/api/v1/contacts/{dorothy}"),
        Some(&admin),
        &[("X-Contacts-Dialect", "helperiq")],
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["email"], "dvaughan@nasa.example", "{r:?}");
    let r = s.send(
        "GET",
        "/api/v1/contacts/search?q=vaughan",
        Some(&admin),
        &[("X-Contacts-Dialect", "helperiq")],
        None,
    );
    assert_eq!(r.json()["data"][0]["id"], dorothy, "{r:?}");
    // RelateCRM.
    let r = s.get("/api/contacts?q=Jackson", &admin);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["meta"]["total"], 1, "{r:?}");
    assert_eq!(r.json()["data"][0]["first_name"], "Mary", "{r:?}");
}

/// What an export says of a contact, less what the store sets.
fn content(mut c: Value) -> Value {
    for key in ["id", "created_at", "updated_at"] {
        c.as_object_mut().unwrap().remove(key);
    }
    c
}

#[test]
fn an_export_imported_again_gives_the_same_contacts_in_each_format() {
    let s = Server::start();
    let admin = s.admin();
    s.owner(&admin, "customers", "ACME", "CL000001");
    for f in ["google.csv", "phone-3.0.vcf", "contacts-4.0.vcf"] {
        import(
            &s.db,
            &fixture(f),
            &["--rejects", s.dir.join("r.csv").to_str().unwrap()],
        );
    }
    let original: Vec<Value> = exported(&s.db, &[]).into_iter().map(content).collect();
    assert_eq!(original.len(), 8);
    for (format, ext) in [("csv", "csv"), ("jsonl", "jsonl"), ("vcard", "vcf")] {
        let file = s.dir.join(format!("export.{ext}"));
        let out = run(
            &s.db,
            &[
                "export",
                "--format",
                format,
                "--output",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{out:?}");
        // The owner the contacts name must exist in the new store too.
        let target = Server::start();
        let t = target.admin();
        target.owner(&t, "customers", "ACME", "CL000001");
        let out = import(&target.db, &file, &[]);
        assert_eq!(counts(&out), [8, 8, 0, 0, 0], "{format}: {out}");
        let mut again: Vec<Value> = exported(&target.db, &[]).into_iter().map(content).collect();
        if format == "vcard" {
            // vCard carries what phones and mail clients keep; the flags and
            // the BlueRockTEL fields stay at their defaults, and a line break
            // is written `\n`, so a CR LF comes back as LF.
            let mut keep = original.clone();
            for c in keep.iter_mut().chain(again.iter_mut()) {
                for key in [
                    "legal_representative",
                    "invoices_recipient",
                    "newsletters_recipient",
                    "is_signer_contract",
                    "is_signer_iban",
                    "source",
                ] {
                    c.as_object_mut().unwrap().remove(key);
                }
                if let Some(Value::String(comment)) = c.get_mut("comment") {
                    *comment = comment.replace("\r\n", "\n");
                }
            }
            assert_eq!(again, keep, "{format}");
        } else {
            assert_eq!(again, original, "{format}");
        }
    }
}

#[test]
fn exports_filter_by_owner_and_update_time() {
    let s = Server::start();
    let admin = s.admin();
    s.owner(&admin, "customers", "ACME", "CL000001");
    import(&s.db, &fixture("contacts-4.0.vcf"), &[]);
    let mine = exported(&s.db, &["--owner", "customer:1"]);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["email"], "alan@bletchley.example");
    assert_eq!(
        exported(&s.db, &["--updated-since", "2000-01-01T00:00:00+01:00"]).len(),
        2
    );
    assert_eq!(
        exported(&s.db, &["--updated-since", "2999-01-01T00:00:00Z"]).len(),
        0
    );
    let out = run(&s.db, &["export", "--updated-since", "last week"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("RFC 3339"),
        "{out:?}"
    );
    let out = run(&s.db, &["export", "--owner", "team:1"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("customer or prospect"),
        "{out:?}"
    );
}

#[test]
fn bad_input_is_a_clear_error_never_a_panic() {
    let dir = scratch_dir();
    let db = db_in(&dir);
    let fails = |args: &[&str], says: &str| {
        let out = run(&db, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(says),
            "{args:?} should say {says:?}: {stderr}"
        );
    };
    let missing = dir.join("missing.csv");
    fails(&["import", missing.to_str().unwrap()], "cannot open");
    let header = dir.join("header.csv");
    std::fs::write(&header, "shoe size,favourite colour\n42,blue\n").unwrap();
    fails(
        &["import", header.to_str().unwrap()],
        "names no contact field",
    );
    let unknown = dir.join("contacts.xlsx");
    std::fs::write(&unknown, "x").unwrap();
    fails(&["import", unknown.to_str().unwrap()], "--format");
    fails(
        &[
            "import",
            header.to_str().unwrap(),
            "--map",
            "shoe size=shoe",
        ],
        "unknown field",
    );
    // Binary garbage, as each format.
    let garbage: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let bin = dir.join("garbage.csv");
    std::fs::write(&bin, &garbage).unwrap();
    fails(&["import", bin.to_str().unwrap()], "header");
    let bin = dir.join("garbage.vcf");
    std::fs::write(&bin, &garbage).unwrap();
    fails(&["import", bin.to_str().unwrap()], "no vCard");
    let bin = dir.join("garbage.jsonl");
    std::fs::write(&bin, &garbage).unwrap();
    let out = import(&db, &bin, &[]);
    let [read, created, _, _, rejected] = counts(&out);
    assert_eq!((created, rejected), (0, read), "{out}");
    // A 10 MB line is one rejected row; the rows around it import.
    let long = dir.join("long.csv");
    let mut text = String::from("first_name,email\nAda,ada@example.com\n");
    text.push_str(&format!("Bob,{}\n", "b".repeat(10 << 20)));
    text.push_str("Cy,cy@example.com\n");
    std::fs::write(&long, text).unwrap();
    let out = import(&db, &long, &[]);
    assert_eq!(counts(&out), [3, 2, 0, 0, 1], "{out}");
    let rows = rejects(&dir.join("long.csv.rejects.csv"));
    assert_eq!(rows[0].0, 3);
    assert!(
        rows[0].1.starts_with("the record is longer than 1 MiB"),
        "{rows:?}"
    );
    // Nothing was written by the failed runs.
    assert_eq!(exported(&db, &[]).len(), 2);
}

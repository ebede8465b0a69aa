//! vCard 4.0 (RFC 6350) and 3.0 (RFC 2426), read and written by hand: the
//! parts phones and mail clients use (FN, N, EMAIL, TEL with its TYPE, ORG,
//! TITLE, ADR, NOTE), with folded lines, quoted-printable values (3.0 and
//! 2.1), their CHARSET, and 2.1's bare type parameters (`TEL;CELL:`).
//!
//! Each card becomes a [`Record`] of [`super::fields`], so a vCard row goes
//! through the same import as a CSV row.

use std::io::{BufRead, Write};

use serde_json::Value;

use super::csv::MAX_RECORD;
use super::fields::{Record, Target, owner_text};
use crate::bindings::types::{Contact, PhoneType};

/// One card: the line of its `BEGIN`, its text, and what it says (or why it
/// cannot be read).
pub struct Card {
    pub line: u64,
    pub raw: String,
    pub record: Result<Record, String>,
}

pub struct VcardReader<R> {
    input: R,
    line: u64,
    pub bytes: u64,
    /// A physical line read ahead while unfolding.
    ahead: Option<(u64, Vec<u8>)>,
}

impl<R: BufRead> VcardReader<R> {
    pub fn new(input: R) -> VcardReader<R> {
        VcardReader {
            input,
            line: 0,
            bytes: 0,
            ahead: None,
        }
    }

    /// One physical line without its line ending, cut at `MAX_RECORD`.
    fn physical(&mut self) -> std::io::Result<Option<(u64, Vec<u8>)>> {
        if let Some(l) = self.ahead.take() {
            return Ok(Some(l));
        }
        let mut out = Vec::new();
        let mut any = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            any = true;
            let (chunk, done) = match buf.iter().position(|b| *b == b'\n') {
                Some(at) => (&buf[..=at], true),
                None => (buf, false),
            };
            let n = chunk.len();
            if out.len() + n <= MAX_RECORD {
                out.extend_from_slice(chunk);
            }
            self.input.consume(n);
            self.bytes += n as u64;
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.line += 1;
        while out.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            out.pop();
        }
        Ok(Some((self.line, out)))
    }

    /// One logical line: folded continuations joined, and quoted-printable
    /// soft breaks (`=` at the end) too.
    fn logical(&mut self) -> std::io::Result<Option<(u64, Vec<u8>)>> {
        let Some((line, mut text)) = self.physical()? else {
            return Ok(None);
        };
        let qp = is_quoted_printable(&text);
        loop {
            if qp && text.ends_with(b"=") {
                match self.physical()? {
                    Some((_, next)) => {
                        text.pop();
                        text.extend_from_slice(trim_start(&next));
                        continue;
                    }
                    None => break,
                }
            }
            match self.physical()? {
                Some((_, next)) if next.first().is_some_and(|b| *b == b' ' || *b == b'\t') => {
                    if text.len() + next.len() <= MAX_RECORD {
                        text.extend_from_slice(&next[1..]);
                    }
                }
                Some(other) => {
                    self.ahead = Some(other);
                    break;
                }
                None => break,
            }
        }
        Ok(Some((line, text)))
    }

    /// The next card; lines outside `BEGIN:VCARD` … `END:VCARD` are skipped.
    pub fn next_card(&mut self) -> std::io::Result<Option<Card>> {
        let (start, mut raw) = loop {
            let Some((line, text)) = self.logical()? else {
                return Ok(None);
            };
            if trim(&text).eq_ignore_ascii_case(b"BEGIN:VCARD") {
                break (line, String::from_utf8_lossy(&text).into_owned());
            }
        };
        let mut props = Vec::new();
        let mut ended = false;
        while let Some((_, text)) = self.logical()? {
            raw.push('\n');
            raw.push_str(&String::from_utf8_lossy(&text));
            if trim(&text).eq_ignore_ascii_case(b"END:VCARD") {
                ended = true;
                break;
            }
            if raw.len() > MAX_RECORD {
                continue;
            }
            props.push(text);
        }
        let record = if !ended {
            Err("the card has no END:VCARD".to_owned())
        } else if raw.len() > MAX_RECORD {
            Err(format!("the card is longer than {} MiB", MAX_RECORD >> 20))
        } else {
            card_record(&props)
        };
        Ok(Some(Card {
            line: start,
            raw,
            record,
        }))
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let b = trim_start(b);
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &b[..end]
}

fn trim_start(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

fn is_quoted_printable(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|b| *b == b':') else {
        return false;
    };
    let head = String::from_utf8_lossy(&line[..colon]).to_ascii_uppercase();
    head.contains("QUOTED-PRINTABLE")
}

/// A property: its name, its parameters (bare 2.1 values as `TYPE`), its
/// value decoded to text.
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Property {
    fn types(&self) -> Vec<String> {
        self.params
            .iter()
            .filter(|(k, _)| k == "TYPE")
            .flat_map(|(_, v)| v.split(','))
            .map(|t| t.trim().trim_matches('"').to_ascii_lowercase())
            .collect()
    }
}

fn parse_property(line: &[u8]) -> Result<Option<Property>, String> {
    let Some(colon) = line.iter().position(|b| *b == b':') else {
        return Ok(None); // not a property line: ignored, as clients do
    };
    let head = std::str::from_utf8(&line[..colon])
        .map_err(|_| "a property name is not text".to_owned())?;
    let mut parts = head.split(';');
    let name = parts.next().unwrap_or("");
    // `item1.EMAIL`: the group does not matter here.
    let name = name
        .rsplit('.')
        .next()
        .unwrap_or(name)
        .trim()
        .to_ascii_uppercase();
    let mut params = Vec::new();
    for p in parts {
        match p.split_once('=') {
            Some((k, v)) => params.push((k.trim().to_ascii_uppercase(), v.trim().to_owned())),
            None => params.push(("TYPE".to_owned(), p.trim().to_owned())),
        }
    }
    let mut bytes = line[colon + 1..].to_vec();
    let encoding = params
        .iter()
        .find(|(k, _)| k == "ENCODING")
        .map(|(_, v)| v.to_ascii_uppercase());
    let qp = encoding.as_deref() == Some("QUOTED-PRINTABLE")
        || params
            .iter()
            .any(|(k, v)| k == "TYPE" && v.eq_ignore_ascii_case("QUOTED-PRINTABLE"));
    if qp {
        bytes = quoted_printable(&bytes)?;
    }
    if matches!(encoding.as_deref(), Some("B" | "BASE64")) {
        return Ok(None); // photos and other binary values are not imported
    }
    let charset = params
        .iter()
        .find(|(k, _)| k == "CHARSET")
        .map(|(_, v)| v.to_ascii_uppercase());
    let value = match charset.as_deref() {
        None | Some("UTF-8" | "UTF8" | "US-ASCII") => String::from_utf8(bytes)
            .map_err(|_| format!("{name}: the value is not UTF-8 (give its CHARSET)"))?,
        Some("ISO-8859-1" | "LATIN1" | "WINDOWS-1252" | "CP1252") => {
            bytes.iter().map(|b| char::from(*b)).collect()
        }
        Some(other) => return Err(format!("{name}: CHARSET={other} is not supported")),
    };
    Ok(Some(Property {
        name,
        params,
        value,
    }))
}

fn quoted_printable(b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) => {
                    out.push(v);
                    i += 3;
                }
                None if i + 1 == b.len() => i += 1,
                None => return Err("a quoted-printable value is malformed".to_owned()),
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Splits a structured value on `;` (or `,`) that are not escaped, and
/// unescapes each part.
fn components(value: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => cur.push('\n'),
                Some(other) => cur.push(other),
                None => {}
            }
        } else if c == sep {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

fn unescape(value: &str) -> String {
    components(value, '\u{0}').pop().unwrap_or_default()
}

fn phone_kind(types: &[String]) -> &'static str {
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("fax") {
        "fax"
    } else if has("cell") || has("mobile") || has("iphone") {
        "mobile"
    } else if has("work") {
        "work"
    } else if has("home") {
        "home"
    } else if has("voice") || has("main") || types.iter().all(|t| t == "pref") {
        "landline"
    } else {
        "other"
    }
}

fn text(s: String) -> Value {
    Value::String(s)
}

/// Part `i` of a structured value, trimmed; empty when the value has fewer.
fn part_of(parts: &[String], i: usize) -> String {
    parts
        .get(i)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn card_record(lines: &[Vec<u8>]) -> Result<Record, String> {
    let mut r = Record::default();
    for line in lines {
        let Some(p) = parse_property(line)? else {
            continue;
        };
        match p.name.as_str() {
            "FN" => r.push(Target::FullName, text(unescape(&p.value))),
            "N" => {
                let parts = components(&p.value, ';');
                let part = |i: usize| part_of(&parts, i);
                r.push(Target::Text("last_name"), text(part(0)));
                r.push(Target::Text("first_name"), text(part(1)));
                r.push(Target::Text("civility"), text(part(3)));
            }
            "EMAIL" => r.push(Target::Email, text(unescape(&p.value))),
            "TEL" => {
                let kind = phone_kind(&p.types());
                r.push(Target::Phone(kind), text(unescape(&p.value)));
            }
            "ORG" => {
                let parts = components(&p.value, ';');
                if let Some(org) = parts.first() {
                    r.push(
                        Target::Attribute("organization"),
                        text(org.trim().to_owned()),
                    );
                }
                if let Some(unit) = parts.get(1) {
                    r.push(Target::Text("service"), text(unit.trim().to_owned()));
                }
            }
            "TITLE" => r.push(Target::Text("role"), text(unescape(&p.value))),
            "NOTE" => r.push(Target::Text("comment"), text(unescape(&p.value))),
            "ADR" => {
                let parts = components(&p.value, ';');
                let part = |i: usize| part_of(&parts, i);
                let street = [part(1), part(2)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                r.push(Target::Text("street"), text(street));
                r.push(Target::Text("city"), text(part(3)));
                r.push(Target::Text("state"), text(part(4)));
                r.push(Target::Text("postal_code"), text(part(5)));
                r.push(Target::Attribute("country"), text(part(6)));
            }
            "X-CONTACTS-OWNER" => r.push(Target::Owner, text(p.value.trim().to_owned())),
            _ => {}
        }
    }
    Ok(r)
}

// ---- writing ----

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out
}

/// Writes a content line folded at 75 octets (RFC 6350 §3.2), never inside a
/// UTF-8 sequence.
fn line<W: Write>(out: &mut W, text: &str) -> std::io::Result<()> {
    let mut width = 0;
    for c in text.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.write_all(b"\r\n ")?;
            width = 1;
        }
        let mut buf = [0u8; 4];
        out.write_all(c.encode_utf8(&mut buf).as_bytes())?;
        width += n;
    }
    out.write_all(b"\r\n")
}

fn tel_type(t: PhoneType) -> &'static str {
    match t {
        PhoneType::Mobile => "cell",
        PhoneType::Landline => "voice",
        PhoneType::Work => "work",
        PhoneType::Home => "home",
        PhoneType::Fax => "fax",
        PhoneType::Other => "x-other",
    }
}

/// One contact as a vCard 4.0.
pub fn write_card<W: Write>(out: &mut W, c: &Contact) -> std::io::Result<()> {
    let s = |v: &Option<String>| v.as_deref().map(escape).unwrap_or_default();
    let attributes: serde_json::Map<String, Value> =
        serde_json::from_str(&c.custom_attributes).unwrap_or_default();
    let attr = |k: &str| attributes.get(k).and_then(Value::as_str).map(escape);
    line(out, "BEGIN:VCARD")?;
    line(out, "VERSION:4.0")?;
    let full = [c.first_name.as_deref(), c.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    line(out, &format!("FN:{}", escape(&full)))?;
    let civility = match &c.civility {
        Some(crate::bindings::types::Scalar::Text(t)) => escape(t),
        Some(crate::bindings::types::Scalar::Integer(i)) => i.to_string(),
        None => String::new(),
    };
    line(
        out,
        &format!("N:{};{};;{civility};", s(&c.last_name), s(&c.first_name)),
    )?;
    if let Some(e) = &c.email {
        line(out, &format!("EMAIL;PREF=1:{}", escape(e)))?;
    }
    for e in &c.alternate_emails {
        line(out, &format!("EMAIL:{}", escape(e)))?;
    }
    for p in &c.phones {
        line(
            out,
            &format!("TEL;TYPE={}:{}", tel_type(p.kind), escape(&p.number)),
        )?;
    }
    let org = attr("organization");
    let unit = match &c.service {
        Some(crate::bindings::types::Scalar::Text(t)) => Some(escape(t)),
        Some(crate::bindings::types::Scalar::Integer(i)) => Some(i.to_string()),
        None => None,
    };
    if org.is_some() || unit.is_some() {
        let mut v = org.unwrap_or_default();
        if let Some(unit) = unit {
            v.push(';');
            v.push_str(&unit);
        }
        line(out, &format!("ORG:{v}"))?;
    }
    if let Some(role) = &c.role {
        line(out, &format!("TITLE:{}", escape(role)))?;
    }
    let country = attr("country");
    if c.street.is_some()
        || c.city.is_some()
        || c.state.is_some()
        || c.postal_code.is_some()
        || country.is_some()
    {
        line(
            out,
            &format!(
                "ADR:;;{};{};{};{};{}",
                s(&c.street),
                s(&c.city),
                s(&c.state),
                s(&c.postal_code),
                country.unwrap_or_default()
            ),
        )?;
    }
    if let Some(note) = &c.comment {
        line(out, &format!("NOTE:{}", escape(note)))?;
    }
    if let Some(o) = c.owner {
        line(out, &format!("X-CONTACTS-OWNER:{}", owner_text(o)))?;
    }
    line(
        out,
        &format!("REV:{}", c.updated_at.replace([':', '-'], "")),
    )?;
    line(out, "END:VCARD")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cards(text: &[u8]) -> Vec<Card> {
        let mut r = VcardReader::new(text);
        let mut out = Vec::new();
        while let Some(c) = r.next_card().unwrap() {
            out.push(c);
        }
        out
    }

    fn values(c: &Card) -> Vec<(Target, String)> {
        c.record
            .as_ref()
            .unwrap()
            .values
            .iter()
            .map(|(t, v)| (t.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect()
    }

    #[test]
    fn folded_lines_quoted_printable_and_latin1_are_read() {
        let text = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=E9nard;Ren=\r\n=E9;;;\r\nNOTE:a long\r\n  note\r\nTEL;TYPE=CELL:06 12 34 56 78\r\nitem1.EMAIL;type=INTERNET:rene@example.com\r\nEND:VCARD\r\n";
        let cards = cards(text);
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0].line, 1);
        let v = values(&cards[0]);
        assert!(
            v.contains(&(Target::Text("last_name"), "Ménard".into())),
            "{v:?}"
        );
        assert!(
            v.contains(&(Target::Text("first_name"), "René".into())),
            "{v:?}"
        );
        assert!(
            v.contains(&(Target::Text("comment"), "a long note".into())),
            "{v:?}"
        );
        assert!(v.contains(&(Target::Phone("mobile"), "06 12 34 56 78".into())));
        assert!(v.contains(&(Target::Email, "rene@example.com".into())));
    }

    #[test]
    fn a_card_without_its_end_says_so() {
        let cards = cards(b"BEGIN:VCARD\nFN:A\n");
        assert!(
            cards[0]
                .record
                .as_ref()
                .err()
                .unwrap()
                .contains("END:VCARD")
        );
    }

    #[test]
    fn long_lines_are_folded_at_75_octets() {
        let mut out = Vec::new();
        line(&mut out, &format!("NOTE:{}", "é".repeat(80))).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.split("\r\n").all(|l| l.len() <= 75));
    }
}

//! CSV as RFC 4180 writes it (and as Excel, Google and Outlook export it):
//! comma-separated, fields in double quotes when they hold a comma, a quote or
//! a line break, a quote doubled inside quotes. Written by hand: the import
//! needs each record's first line number and raw text for its rejects file,
//! and a bound on a record's size.

use std::io::{BufRead, Write};

/// A record longer than this is rejected, not read into memory whole.
pub const MAX_RECORD: usize = 1 << 20;

/// One record: where it starts, its raw text, its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    pub line: u64,
    pub raw: String,
    pub fields: Result<Vec<String>, String>,
}

/// Reads records one by one; `next` is `None` at the end of the input.
pub struct CsvReader<R> {
    input: R,
    line: u64,
    /// Bytes read so far, for progress.
    pub bytes: u64,
    delimiter: u8,
}

impl<R: BufRead> CsvReader<R> {
    pub fn new(input: R) -> CsvReader<R> {
        CsvReader {
            input,
            line: 0,
            bytes: 0,
            delimiter: b',',
        }
    }

    /// Reads one physical line, at most `MAX_RECORD` bytes of it kept;
    /// `None` at the end. The flag says the line was longer.
    fn physical_line(&mut self, into: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
        let start = into.len();
        let mut overlong = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                // A last line without its line ending.
                let any = into.len() > start || overlong;
                if any {
                    self.line += 1;
                }
                return Ok(any.then_some(overlong));
            }
            let (chunk, done) = match buf.iter().position(|b| *b == b'\n') {
                Some(at) => (&buf[..=at], true),
                None => (buf, false),
            };
            let n = chunk.len();
            if into.len() + n <= MAX_RECORD {
                into.extend_from_slice(chunk);
            } else {
                overlong = true;
            }
            self.input.consume(n);
            self.bytes += n as u64;
            if done {
                self.line += 1;
                return Ok(Some(overlong));
            }
        }
    }

    /// The next line as text (JSON Lines): its number, its text without the
    /// line ending (invalid UTF-8 replaced), and whether it was cut at
    /// `MAX_RECORD`.
    pub fn next_line(&mut self) -> std::io::Result<Option<(u64, String, bool)>> {
        let mut raw = Vec::new();
        let Some(overlong) = self.physical_line(&mut raw)? else {
            return Ok(None);
        };
        while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            raw.pop();
        }
        Ok(Some((
            self.line,
            String::from_utf8_lossy(&raw).into_owned(),
            overlong,
        )))
    }

    /// The next record, joining the lines a quoted field spans.
    pub fn next_record(&mut self) -> std::io::Result<Option<CsvRecord>> {
        let mut raw = Vec::new();
        let first = self.line + 1;
        let mut overlong = false;
        loop {
            match self.physical_line(&mut raw)? {
                None if raw.is_empty() && !overlong => return Ok(None),
                None => break,
                Some(long) => overlong |= long,
            }
            // Inside quotes at the end of the line: the record goes on.
            if overlong || !open_quote(&raw) {
                break;
            }
        }
        while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            raw.pop();
        }
        let text = String::from_utf8_lossy(&raw).into_owned();
        let fields = if overlong {
            Err(format!(
                "the record is longer than {} MiB",
                MAX_RECORD >> 20
            ))
        } else if std::str::from_utf8(&raw).is_err() {
            Err("the record is not UTF-8 text".to_owned())
        } else {
            split(&text, self.delimiter as char)
        };
        Ok(Some(CsvRecord {
            line: first,
            raw: text,
            fields,
        }))
    }

    /// Reads the header; a file whose header is `;`-separated (as spreadsheets
    /// in many locales write) is read with `;`.
    pub fn header(&mut self) -> std::io::Result<Option<CsvRecord>> {
        let Some(mut rec) = self.next_record()? else {
            return Ok(None);
        };
        if let Some(rest) = rec.raw.strip_prefix('\u{feff}') {
            rec.raw = rest.to_owned();
        }
        if !rec.raw.contains(',') && rec.raw.contains(';') {
            self.delimiter = b';';
        }
        rec.fields = if rec.fields.is_ok() {
            split(&rec.raw, self.delimiter as char)
        } else {
            rec.fields
        };
        Ok(Some(rec))
    }
}

/// Whether a record's text so far ends inside a quoted field.
fn open_quote(raw: &[u8]) -> bool {
    raw.iter().filter(|b| **b == b'"').count() % 2 == 1
}

/// The fields of one record's text.
pub fn split(text: &str, delimiter: char) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' {
            if !field.trim().is_empty() || was_quoted {
                return Err("a quote inside an unquoted field".to_owned());
            }
            field.clear();
            quoted = true;
            was_quoted = true;
        } else if c == delimiter {
            fields.push(std::mem::take(&mut field));
            was_quoted = false;
        } else if was_quoted {
            if !c.is_whitespace() {
                return Err("text after a closing quote".to_owned());
            }
        } else {
            field.push(c);
        }
    }
    if quoted {
        return Err("a quoted field is not closed".to_owned());
    }
    fields.push(field);
    Ok(fields)
}

/// Writes one record, quoting the fields that need it.
pub fn write_record<W: Write>(out: &mut W, fields: &[String]) -> std::io::Result<()> {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if f.contains([',', '"', '\n', '\r']) || f.starts_with(' ') || f.ends_with(' ') {
            out.write_all(b"\"")?;
            out.write_all(f.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(f.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<CsvRecord> {
        let mut r = CsvReader::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            out.push(rec);
        }
        out
    }

    #[test]
    fn quoted_fields_span_lines_and_keep_their_first_line_number() {
        let recs = records("a,b\r\n\"x, y\",\"say \"\"hi\"\"\nthere\"\nlast,1\n");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1].line, 2);
        assert_eq!(
            recs[1].fields.clone().unwrap(),
            ["x, y", "say \"hi\"\nthere"]
        );
        assert_eq!(recs[2].line, 4);
        assert_eq!(recs[2].fields.clone().unwrap(), ["last", "1"]);
    }

    #[test]
    fn broken_records_say_why() {
        assert!(split("a\"b\",c", ',').is_err());
        assert!(split("\"a\"b,c", ',').is_err());
        let long = format!("a\n{}\nb\n", "x".repeat(MAX_RECORD + 10));
        let recs = records(&long);
        assert_eq!(recs.len(), 3);
        assert!(recs[1].fields.as_ref().unwrap_err().contains("longer"));
        assert_eq!(recs[2].fields.clone().unwrap(), ["b"]);
    }

    #[test]
    fn written_records_read_back() {
        let fields = vec!["plain".to_owned(), "a, \"b\"\nc".to_owned(), String::new()];
        let mut out = Vec::new();
        write_record(&mut out, &fields).unwrap();
        let recs = records(std::str::from_utf8(&out).unwrap());
        assert_eq!(recs[0].fields.clone().unwrap(), fields);
    }
}

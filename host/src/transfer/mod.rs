//! Bulk import and export (`contacts-host import FILE`, `contacts-host export`).
//!
//! Operators arrive with the contacts they already have: a CRM's CSV export,
//! a phone's vCards, JSON Lines. The import reads a file in a thread of its
//! own, hands the component batches of rows (`import-batch`: every rule, one
//! commit a batch), writes every refused row to a rejects file with its line
//! and reason, and reports progress and a summary. The export pages through
//! the component (`export-contacts`) and writes as it reads, so its memory does
//! not grow with the store. Both run on the runtime and the `DocumentStore`
//! that `serve` assembles, so they work on any backend and beside a server.

pub mod csv;
pub mod fields;
mod progress;
pub mod store;
pub mod vcard;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::{Map, Value};

use crate::bindings::api::{DuplicatePolicy, ExportFilter, ImportOutcome, ImportRow};
use crate::bindings::types::{Caller, Context, Dialect, OwnerRef};
use crate::runtime::Runtime;
use fields::{Record, Target};
use progress::Progress;
use store::Turns;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
    Vcard,
}

impl Format {
    /// The format a file's extension names.
    pub fn guess(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            "vcf" | "vcard" => Some(Format::Vcard),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnDuplicate {
    Skip,
    Update,
    KeepBoth,
}

/// What `import` was asked to do.
pub struct ImportOptions {
    pub file: PathBuf,
    pub format: Option<Format>,
    pub on_duplicate: OnDuplicate,
    /// `--map col=field` pairs.
    pub maps: Vec<String>,
    /// Where refused rows go; `FILE.rejects.csv` by default.
    pub rejects: Option<PathBuf>,
    pub batch: usize,
    /// The owner of rows that name none.
    pub owner: Option<String>,
    /// Batches run through the component at once: 1 checks and commits one
    /// after the other; 2 checks a batch while the previous one commits (a
    /// second core; see [`store`]).
    pub workers: usize,
}

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub read: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub rejected: u64,
    /// Time in the component's calls, summed over the workers (they overlap).
    pub component: Duration,
}

/// The caller an import or an export runs as: the operator, every scope.
fn operator() -> Context {
    Context {
        caller: Caller {
            agent_id: 0,
            first_name: "Operator".to_owned(),
            last_name: "(command line)".to_owned(),
            scopes: Vec::new(),
        },
        // Row errors read as RelateCRM's (Laravel's) messages, which name the field.
        dialect: Dialect::Relatecrm,
    }
}

/// A row read from the file, before the component sees it.
struct Row {
    line: u64,
    raw: String,
    row: Result<ImportRow, String>,
}

/// What the reading thread sends: batches of rows, then how far it got.
enum Read {
    Batch(Vec<Row>, u64),
    Failed(anyhow::Error),
}

/// Runs an import to its end; the summary is also printed.
pub fn import(runtime: &Runtime, opts: &ImportOptions) -> Result<Summary> {
    let format = match opts.format {
        Some(f) => f,
        None => Format::guess(&opts.file).with_context(|| {
            format!(
                "cannot tell the format of {} from its extension: give --format csv|jsonl|vcard",
                opts.file.display()
            )
        })?,
    };
    let file =
        File::open(&opts.file).with_context(|| format!("cannot open {}", opts.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut maps = Vec::new();
    for m in &opts.maps {
        maps.push(fields::parse_map(m)?);
    }
    let owner = opts.owner.as_deref().map(fields::parse_owner).transpose()?;
    let batch = opts.batch.clamp(1, MAX_BATCH);
    let input = BufReader::with_capacity(1 << 16, file);
    // The header is read here, so that a file the import cannot read fails
    // before anything is written.
    let source = Source::open(input, format, &maps, owner)?;
    let rejects_path = opts.rejects.clone().unwrap_or_else(|| {
        let mut p = opts.file.clone().into_os_string();
        p.push(".rejects.csv");
        PathBuf::from(p)
    });
    let mut rejects = Rejects::new(rejects_path);
    let policy = match opts.on_duplicate {
        OnDuplicate::Skip => DuplicatePolicy::Skip,
        OnDuplicate::Update => DuplicatePolicy::Update,
        OnDuplicate::KeepBoth => DuplicatePolicy::KeepBoth,
    };
    let (tx, rx) = mpsc::sync_channel::<Read>(4);
    let reader = std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || source.run(batch, &tx))?;
    let started = Instant::now();
    let mut progress = Progress::new(size);
    let mut summary = Summary::default();
    let cx = operator();
    // Batches go to the workers in file order, each with its turn; their
    // answers come back in any order and are counted in file order.
    let jobs = Mutex::new((rx, 0u64));
    let turns = Arc::new(Turns::default());
    let stop = AtomicBool::new(false);
    let (done_tx, done_rx) = mpsc::channel::<(u64, Checked)>();
    let counted = std::thread::scope(|scope| -> Result<()> {
        for _ in 0..opts.workers.max(1) {
            let done = done_tx.clone();
            let (jobs, turns, stop, cx) = (&jobs, &turns, &stop, &cx);
            scope.spawn(move || work(runtime, cx, policy, jobs, turns, stop, &done));
        }
        drop(done_tx);
        let mut early: BTreeMap<u64, Checked> = BTreeMap::new();
        let mut next = 0u64;
        let counting = (|| -> Result<()> {
            for (turn, checked) in &done_rx {
                early.insert(turn, checked);
                while let Some(checked) = early.remove(&next) {
                    next += 1;
                    let (rows, bytes, answer, took) = match checked {
                        Checked::Batch {
                            rows,
                            bytes,
                            answer,
                            took,
                        } => (rows, bytes, answer, took),
                        Checked::Failed(e) => {
                            return Err(e.context(format!("reading {}", opts.file.display())));
                        }
                    };
                    summary.component += took;
                    let (at, mut refused, outcomes) = answer?;
                    summary.read += rows.len() as u64;
                    if outcomes.len() != at.len() {
                        bail!(
                            "the component answered {} outcomes for {} rows",
                            outcomes.len(),
                            at.len()
                        );
                    }
                    for (i, outcome) in at.into_iter().zip(outcomes) {
                        match outcome {
                            ImportOutcome::Created(_) => summary.created += 1,
                            ImportOutcome::Updated(_) => summary.updated += 1,
                            ImportOutcome::Skipped(_) => summary.skipped += 1,
                            ImportOutcome::Invalid(errors) => {
                                let reason = errors
                                    .iter()
                                    .map(|e| format!("{}: {}", e.field, e.message))
                                    .collect::<Vec<_>>()
                                    .join("; ");
                                refused.push((i, reason));
                            }
                        }
                    }
                    refused.sort_by_key(|(i, _)| *i);
                    summary.rejected += refused.len() as u64;
                    for (i, reason) in refused {
                        rejects.write(rows[i].line, &reason, &rows[i].raw)?;
                    }
                    progress.update(&summary, bytes);
                }
            }
            Ok(())
        })();
        // Workers stop taking batches once counting stopped (a failure).
        stop.store(true, Ordering::Relaxed);
        counting
    });
    if let Err(e) = counted {
        rejects.finish()?;
        return Err(e);
    }
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reading thread failed"))?;
    progress.done();
    rejects.finish()?;
    if format == Format::Vcard && summary.read == 0 && size > 0 {
        bail!(
            "{} holds no vCard (no BEGIN:VCARD line): is it a vCard file?",
            opts.file.display()
        );
    }
    let elapsed = started.elapsed();
    let rate = summary.read as f64 / elapsed.as_secs_f64().max(1e-9);
    println!(
        "read {}, created {}, updated {}, skipped {}, rejected {} in {:.1} s ({:.0} rows/s; {:.1} s in the component)",
        summary.read,
        summary.created,
        summary.updated,
        summary.skipped,
        summary.rejected,
        elapsed.as_secs_f64(),
        rate,
        summary.component.as_secs_f64(),
    );
    if summary.rejected > 0 {
        println!("rejected rows: {}", rejects.path.display());
    }
    Ok(summary)
}

/// Where each row of a batch went: the rows sent (their places in the
/// batch), the refused ones with their reason, and the component's outcomes.
type Answer = Result<(Vec<usize>, Vec<(usize, String)>, Vec<ImportOutcome>)>;

/// A batch after the component, or the reading failure that ended the file.
enum Checked {
    Batch {
        rows: Vec<Row>,
        bytes: u64,
        answer: Answer,
        took: Duration,
    },
    Failed(anyhow::Error),
}

/// A worker: takes the next batch and its turn, runs it through the
/// component in that turn, and hands back the answer.
fn work(
    runtime: &Runtime,
    cx: &Context,
    policy: DuplicatePolicy,
    jobs: &Mutex<(mpsc::Receiver<Read>, u64)>,
    turns: &Arc<Turns>,
    stop: &AtomicBool,
    done: &mpsc::Sender<(u64, Checked)>,
) {
    while !stop.load(Ordering::Relaxed) {
        let (msg, turn) = {
            let Ok(mut jobs) = jobs.lock() else { return };
            let Ok(msg) = jobs.0.recv() else { return };
            jobs.1 += 1;
            (msg, jobs.1 - 1)
        };
        let checked = match msg {
            Read::Failed(e) => {
                turns.finish(turn, false);
                Checked::Failed(e)
            }
            Read::Batch(rows, bytes) => {
                let mut sent = Vec::with_capacity(rows.len());
                let mut at = Vec::with_capacity(rows.len());
                // Refused rows by their place in the batch.
                let mut refused: Vec<(usize, String)> = Vec::new();
                for (i, r) in rows.iter().enumerate() {
                    match &r.row {
                        Ok(row) => {
                            sent.push(row.clone());
                            at.push(i);
                        }
                        Err(reason) => refused.push((i, reason.clone())),
                    }
                }
                let t = Instant::now();
                let outcomes =
                    store::in_turn(turns, turn, || call_batch(runtime, cx, &sent, policy));
                Checked::Batch {
                    rows,
                    bytes,
                    answer: outcomes.map(|o| (at, refused, o)),
                    took: t.elapsed(),
                }
            }
        };
        if done.send((turn, checked)).is_err() {
            return;
        }
    }
}

/// One batch through the component; a batch that keeps racing other writers
/// is cut in two, down to single rows.
fn call_batch(
    runtime: &Runtime,
    cx: &Context,
    rows: &[ImportRow],
    policy: DuplicatePolicy,
) -> Result<Vec<ImportOutcome>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let answer = runtime.call(|api, store| api.call_import_batch(store, cx, rows, policy))?;
    match answer {
        Ok(outcomes) => Ok(outcomes),
        Err(crate::bindings::types::Error::Conflict(_)) if rows.len() > 1 => {
            let (a, b) = rows.split_at(rows.len() / 2);
            let mut out = call_batch(runtime, cx, a, policy)?;
            out.extend(call_batch(runtime, cx, b, policy)?);
            Ok(out)
        }
        Err(e) => bail!("the component refused a batch: {e:?}"),
    }
}

/// The rejects file, created on the first refused row: `line,reason,row`.
struct Rejects {
    path: PathBuf,
    out: Option<BufWriter<File>>,
}

/// A refused row's text is kept up to this many characters.
const REJECTED_TEXT: usize = 4_096;

impl Rejects {
    fn new(path: PathBuf) -> Rejects {
        // A rejects file of an earlier run would mislead: start afresh.
        let _ = std::fs::remove_file(&path);
        Rejects { path, out: None }
    }

    fn write(&mut self, line: u64, reason: &str, raw: &str) -> Result<()> {
        if self.out.is_none() {
            let file = File::create(&self.path)
                .with_context(|| format!("cannot create {}", self.path.display()))?;
            let mut out = BufWriter::new(file);
            csv::write_record(&mut out, &["line".into(), "reason".into(), "row".into()])?;
            self.out = Some(out);
        }
        let raw: String = raw.chars().take(REJECTED_TEXT).collect();
        if let Some(out) = &mut self.out {
            csv::write_record(out, &[line.to_string(), reason.to_owned(), raw])?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(out) = &mut self.out {
            out.flush()?;
        }
        Ok(())
    }
}

/// A file being read, its header (if any) already understood.
enum Source {
    Csv {
        reader: csv::CsvReader<BufReader<File>>,
        columns: Vec<Option<Target>>,
        owner: Option<OwnerRef>,
    },
    Jsonl {
        reader: csv::CsvReader<BufReader<File>>,
        maps: Vec<(String, Target)>,
        owner: Option<OwnerRef>,
    },
    Vcard {
        reader: vcard::VcardReader<BufReader<File>>,
        owner: Option<OwnerRef>,
    },
}

impl Source {
    fn open(
        input: BufReader<File>,
        format: Format,
        maps: &[(String, Target)],
        owner: Option<OwnerRef>,
    ) -> Result<Source> {
        Ok(match format {
            Format::Csv => {
                let mut reader = csv::CsvReader::new(input);
                let header = reader
                    .header()?
                    .context("the file is empty: no header row")?;
                let names = header
                    .fields
                    .map_err(|why| anyhow::anyhow!("the header row cannot be read: {why}"))?;
                if header.raw.contains('\u{0}') || header.raw.contains('\u{fffd}') {
                    bail!("the header row is not UTF-8 text: is this a CSV file?");
                }
                let columns: Vec<Option<Target>> = names
                    .iter()
                    .map(|n| {
                        maps.iter()
                            .find(|(col, _)| col == n.trim())
                            .map(|(_, t)| t.clone())
                            .or_else(|| fields::target(n))
                    })
                    .collect();
                let unknown: Vec<&str> = names
                    .iter()
                    .zip(&columns)
                    .filter(|(_, t)| t.is_none())
                    .map(|(n, _)| n.as_str())
                    .collect();
                if columns
                    .iter()
                    .all(|c| matches!(c, None | Some(Target::Ignore)))
                {
                    bail!(
                        "the header row names no contact field ({}): name the columns \
                         (first_name, last_name, email, phone, …) or map them with --map column=field",
                        names.join(", ")
                    );
                }
                if !unknown.is_empty() {
                    tracing::warn!(
                        "ignoring columns the import does not know (map them with --map column=field): {}",
                        unknown.join(", ")
                    );
                }
                Source::Csv {
                    reader,
                    columns,
                    owner,
                }
            }
            Format::Jsonl => Source::Jsonl {
                reader: csv::CsvReader::new(input),
                maps: maps.to_vec(),
                owner,
            },
            Format::Vcard => Source::Vcard {
                reader: vcard::VcardReader::new(input),
                owner,
            },
        })
    }

    /// Reads to the end, sending batches; a read error ends the import.
    fn run(mut self, batch: usize, tx: &mpsc::SyncSender<Read>) {
        let mut rows = Vec::with_capacity(batch);
        loop {
            let next = match self.next_row() {
                Ok(next) => next,
                Err(e) => {
                    let _ = tx.send(Read::Failed(e));
                    return;
                }
            };
            let Some(row) = next else { break };
            rows.push(row);
            if rows.len() == batch {
                let full = std::mem::replace(&mut rows, Vec::with_capacity(batch));
                if tx.send(Read::Batch(full, self.bytes())).is_err() {
                    return;
                }
            }
        }
        if !rows.is_empty() {
            let _ = tx.send(Read::Batch(rows, self.bytes()));
        }
    }

    fn bytes(&self) -> u64 {
        match self {
            Source::Csv { reader, .. } => reader.bytes,
            Source::Jsonl { reader, .. } => reader.bytes,
            Source::Vcard { reader, .. } => reader.bytes,
        }
    }

    fn next_row(&mut self) -> Result<Option<Row>> {
        match self {
            Source::Csv {
                reader,
                columns,
                owner,
            } => loop {
                let Some(rec) = reader.next_record()? else {
                    return Ok(None);
                };
                let row = match rec.fields {
                    Err(why) => Err(why),
                    Ok(values) if values.iter().all(|v| v.trim().is_empty()) => continue,
                    Ok(values) if values.len() > columns.len() => Err(format!(
                        "{} fields where the header names {}",
                        values.len(),
                        columns.len()
                    )),
                    Ok(values) => {
                        let mut record = Record::default();
                        for (target, value) in columns.iter().zip(values) {
                            if let Some(t) = target {
                                record.push(t.clone(), Value::String(value));
                            }
                        }
                        fields::import_row(&record, *owner).map_err(|e| e.to_string())
                    }
                };
                return Ok(Some(Row {
                    line: rec.line,
                    raw: rec.raw,
                    row,
                }));
            },
            Source::Jsonl {
                reader,
                maps,
                owner,
            } => loop {
                let Some((line, raw, long)) = reader.next_line()? else {
                    return Ok(None);
                };
                if raw.trim().is_empty() && !long {
                    continue;
                }
                let row = if long {
                    Err(format!(
                        "the line is longer than {} MiB",
                        csv::MAX_RECORD >> 20
                    ))
                } else {
                    json_record(&raw, maps)
                        .and_then(|r| fields::import_row(&r, *owner).map_err(|e| e.to_string()))
                };
                return Ok(Some(Row { line, raw, row }));
            },
            Source::Vcard { reader, owner } => {
                let Some(card) = reader.next_card()? else {
                    return Ok(None);
                };
                let row = card
                    .record
                    .and_then(|r| fields::import_row(&r, *owner).map_err(|e| e.to_string()));
                Ok(Some(Row {
                    line: card.line,
                    raw: card.raw,
                    row,
                }))
            }
        }
    }
}

/// One JSON object's keys, mapped like CSV columns.
fn json_record(raw: &str, maps: &[(String, Target)]) -> Result<Record, String> {
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(object) = value else {
        return Err("the line is not a JSON object".to_owned());
    };
    let mut record = Record::default();
    let mut known = false;
    for (key, v) in object {
        let target = maps
            .iter()
            .find(|(col, _)| *col == key)
            .map(|(_, t)| t.clone())
            .or_else(|| fields::target(&key));
        if let Some(t) = target {
            known = true;
            record.push(t, v);
        }
    }
    if !known {
        return Err("the object names no contact field".to_owned());
    }
    Ok(record)
}

/// What `export` was asked to do.
pub struct ExportOptions {
    pub format: Format,
    pub owner: Option<String>,
    pub updated_since: Option<String>,
    /// Standard output when none.
    pub output: Option<PathBuf>,
}

/// Contacts a page of the export reads.
const EXPORT_PAGE: u32 = 500;

/// Writes every contact the filters select; returns how many.
pub fn export(runtime: &Runtime, opts: &ExportOptions) -> Result<u64> {
    let owner = opts.owner.as_deref().map(fields::parse_owner).transpose()?;
    let updated_since = opts.updated_since.as_deref().map(utc).transpose()?;
    let filter = ExportFilter {
        owner,
        updated_since,
    };
    let out: Box<dyn Write> = match &opts.output {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 16, out);
    if opts.format == Format::Csv {
        let header: Vec<String> = fields::COLUMNS.iter().map(|c| (*c).to_owned()).collect();
        csv::write_record(&mut out, &header)?;
    }
    let cx = operator();
    let mut cursor = None;
    let mut written = 0;
    loop {
        let page = runtime
            .call(|api, store| api.call_export_contacts(store, &cx, cursor, EXPORT_PAGE, &filter))?
            .map_err(|e| anyhow::anyhow!("the component refused the export: {e:?}"))?;
        for c in &page.contacts {
            write_contact(&mut out, opts.format, c)?;
            written += 1;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.flush()?;
    Ok(written)
}

fn write_contact<W: Write>(
    out: &mut W,
    format: Format,
    c: &crate::bindings::types::Contact,
) -> Result<()> {
    match format {
        Format::Vcard => vcard::write_card(out, c)?,
        Format::Jsonl => {
            let object: Map<String, Value> = fields::COLUMNS
                .iter()
                .map(|k| (*k).to_owned())
                .zip(fields::export_values(c))
                .filter(|(_, v)| !v.is_null())
                .collect();
            serde_json::to_writer(&mut *out, &object)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => {
            let values: Vec<String> = fields::export_values(c)
                .into_iter()
                .map(|v| match v {
                    Value::Null => String::new(),
                    Value::String(s) => s,
                    Value::Array(a) if a.iter().all(Value::is_string) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(";"),
                    Value::Object(o) if o.is_empty() => String::new(),
                    other => other.to_string(),
                })
                .collect();
            csv::write_record(out, &values)?;
        }
    }
    Ok(())
}

/// An RFC 3339 time as the store writes times: UTC, seconds, `Z`.
pub fn utc(raw: &str) -> Result<String> {
    let t = raw.trim();
    let bad = || {
        anyhow::anyhow!("--updated-since {raw:?} is not an RFC 3339 time (2026-11-22T10:00:00Z)")
    };
    let b = t.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64> {
        t.get(r).and_then(|s| s.parse().ok()).ok_or_else(bad)
    };
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return Err(bad());
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && matches!(&rest[..1], "+" | "-") && &rest[3..4] == ":" => {
            let hours: i64 = rest[1..3].parse().map_err(|_| bad())?;
            let mins: i64 = rest[4..6].parse().map_err(|_| bad())?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (hours * 3600 + mins * 60)
        }
        _ => return Err(bad()),
    };
    // Days from the civil date (proleptic Gregorian).
    let (yy, mm) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset;
    let secs = u64::try_from(secs).map_err(|_| bad())?;
    Ok(crate::clock::rfc3339(secs))
}

/// The most rows a batch holds: the component's own bound on `import-batch`.
pub use contacts_guest::service::MAX_BATCH;

/// Rows a batch holds unless `--batch` says otherwise: the most. Each batch
/// is one commit, and a commit of realistic contacts (names and addresses
/// that differ) touches index pages all over the store, a page written for
/// nearly every entry however few it holds; ten times the rows write the
/// same pages once. At 200,000 people of the relevance evaluation (2026-12-07):
/// 1,685 rows/s with batches of 1,000, 2,397 with 5,000, 2,822 with 10,000,
/// for 33, 10 and 5.5 GB written; the import then peaks near 420 MiB
/// resident instead of 140.
pub const DEFAULT_BATCH: usize = MAX_BATCH;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_become_utc() {
        assert_eq!(utc("2026-11-22T10:00:00Z").unwrap(), "2026-11-22T10:00:00Z");
        assert_eq!(
            utc("2026-11-22T12:30:00+02:30").unwrap(),
            "2026-11-22T10:00:00Z"
        );
        assert_eq!(
            utc("2026-03-01T00:00:00.123-01:00").unwrap(),
            "2026-03-01T01:00:00Z"
        );
        assert!(utc("yesterday").is_err());
        assert!(utc("2026-13-01T00:00:00Z").is_err());
    }

    #[test]
    fn json_objects_map_any_dialect_names() {
        let r = json_record(
            r#"{"firstName": "Ada", "emailAddress": "ada@example.com", "phones": ["+1555|work"], "shoe": 1}"#,
            &[],
        )
        .unwrap();
        let row = fields::import_row(&r, None).unwrap();
        assert_eq!(row.patch.first_name, Some(Some("Ada".into())));
        assert_eq!(row.patch.email, Some(Some("ada@example.com".into())));
        assert_eq!(row.patch.phones.unwrap()[0].kind.as_deref(), Some("work"));
        assert!(json_record("[1]", &[]).is_err());
        assert!(json_record("{\"shoe\": 1}", &[]).is_err());
        assert!(json_record("{", &[]).is_err());
    }
}

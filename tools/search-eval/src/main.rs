//! The search relevance evaluation (issue 12): generates contacts and
//! labelled queries, loads them into the component's engine and two
//! baselines, and prints how often each puts a right contact first.
//!
//! `cargo run --release --manifest-path tools/search-eval/Cargo.toml -- --contacts 100000`

mod data;
mod engines;
mod generate;
mod report;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use engines::SearchEngine;
use engines::component::Component;
use engines::http::{ROUTES, Served};
use engines::like::Like;
use engines::tantivy_index::Tantivy;
use generate::Query;
use report::Run;

struct Args {
    contacts: usize,
    queries: usize,
    seed: u64,
    engines: Vec<String>,
    misses: usize,
    /// Print the queries slower than this many milliseconds.
    slow: Option<f64>,
    /// Run only these queries, printing each read of the store.
    trace: Vec<String>,
    /// Write the people as JSON Lines for `contacts-host import`, and stop.
    write_jsonl: Option<PathBuf>,
    /// A server holding those people (`host:port`), and a token for it.
    http: Option<String>,
    token: Option<String>,
    /// The rejects file of that import.
    rejects: Option<PathBuf>,
}

const USAGE: &str = "usage: search-eval [--contacts N] [--queries N per kind] [--seed N] \
[--engines component,sql-like,tantivy,http,http-relatecrm] [--misses N] [--slow MS] [--trace QUERY]... \
[--write-jsonl FILE] [--http HOST:PORT --token TOKEN [--rejects FILE]]";

fn args() -> Result<Args, String> {
    let mut a = Args {
        contacts: 100_000,
        queries: 200,
        seed: 2026,
        engines: vec!["component".into(), "sql-like".into(), "tantivy".into()],
        misses: 0,
        slow: None,
        trace: Vec::new(),
        write_jsonl: None,
        http: None,
        token: None,
        rejects: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        let number = |v: String| {
            v.replace('_', "")
                .parse::<usize>()
                .map_err(|_| format!("{flag}: `{v}` is not a number\n{USAGE}"))
        };
        match flag.as_str() {
            "--contacts" => a.contacts = number(value()?)?,
            "--queries" => a.queries = number(value()?)?,
            "--seed" => a.seed = number(value()?)? as u64,
            "--misses" => a.misses = number(value()?)?,
            "--slow" => a.slow = Some(number(value()?)? as f64),
            "--trace" => a.trace.push(value()?),
            "--write-jsonl" => a.write_jsonl = Some(PathBuf::from(value()?)),
            "--http" => a.http = Some(value()?),
            "--token" => a.token = Some(value()?),
            "--rejects" => a.rejects = Some(PathBuf::from(value()?)),
            "--engines" => a.engines = value()?.split(',').map(str::to_owned).collect(),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if a.contacts < 100 || a.queries == 0 {
        return Err(format!(
            "--contacts must be at least 100 and --queries at least 1\n{USAGE}"
        ));
    }
    for e in &a.engines {
        let served = ROUTES.iter().any(|r| r.name == e);
        if !served && !["component", "sql-like", "tantivy"].contains(&e.as_str()) {
            return Err(format!("unknown engine `{e}`\n{USAGE}"));
        }
    }
    let served = |e: &String| ROUTES.iter().any(|r| r.name == e);
    if a.engines.iter().any(served) && (a.http.is_none() || a.token.is_none()) {
        return Err(format!("the http engine needs --http and --token\n{USAGE}"));
    }
    Ok(a)
}

fn run(
    engine: &dyn SearchEngine,
    load: Duration,
    queries: &[Query],
    people: &[generate::Person],
    misses: usize,
    slow: Option<f64>,
) -> Run {
    let mut ranks = Vec::with_capacity(queries.len());
    let mut latencies = Vec::with_capacity(queries.len());
    let mut shown = 0;
    // A few untimed answers first, to a query outside the set: the first
    // large allocations after the people were generated make glibc
    // consolidate the chunks they freed, 120-220 ms of this process's time
    // (perf) that the first timed queries took as their own, whatever the
    // engine.
    for _ in 0..5 {
        engine.search("a");
    }
    for q in queries {
        engine.cost();
        let t = Instant::now();
        let answer = engine.search(&q.text);
        let took = t.elapsed();
        latencies.push(took);
        let cost = engine.cost();
        if slow.is_some_and(|ms| took.as_secs_f64() * 1000.0 > ms) {
            eprintln!(
                "  slow [{}] {:?} {:?}: {:.1} ms{}",
                engine.name(),
                q.kind,
                q.text,
                took.as_secs_f64() * 1000.0,
                cost.map(|c| format!(" ({c})")).unwrap_or_default()
            );
        }
        let rank = report::first_right(&answer, &q.right);
        if rank != Some(1) && shown < misses {
            shown += 1;
            let top = answer.first().map(|p| {
                let p = &people[*p as usize];
                format!("{} {} {:?}", p.first, p.last, p.email)
            });
            let want = &people[q.from];
            eprintln!(
                "  miss [{}] {:?} {:?}: rank {rank:?} of {} answers, {} right; first {top:?}; wanted e.g. {} {} {:?} {:?}",
                engine.name(),
                q.kind,
                q.text,
                answer.len(),
                q.right.len(),
                want.first,
                want.last,
                want.email,
                want.phones
                    .iter()
                    .map(|p| p.typed.as_str())
                    .collect::<Vec<_>>()
            );
        }
        ranks.push(rank);
    }
    Run {
        engine: engine.name(),
        ranks,
        latencies,
        load,
        footprint: engine.footprint(),
    }
}

fn main() -> ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let work = std::env::temp_dir().join(format!("search-eval-{}", std::process::id()));
    let result = evaluate(&a, &work);
    let _ = std::fs::remove_dir_all(&work);
    match result {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("search-eval: {e}");
            ExitCode::FAILURE
        }
    }
}

fn evaluate(a: &Args, work: &PathBuf) -> Result<String, String> {
    std::fs::create_dir_all(work).map_err(|e| format!("{}: {e}", work.display()))?;
    let t = Instant::now();
    let people = generate::people(a.contacts, a.seed);
    let queries = generate::queries(&people, a.queries, a.seed);
    eprintln!(
        "generated {} contacts and {} queries in {:.1} s",
        people.len(),
        queries.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(path) = &a.write_jsonl {
        generate::write_jsonl(&people, path).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(format!(
            "wrote {} people to {} (import into a fresh database: contact i+1 is person i)",
            people.len(),
            path.display()
        ));
    }
    let mut runs = Vec::new();
    let mut notes = Vec::new();
    for name in &a.engines {
        let t = Instant::now();
        let served = ROUTES.iter().find(|r| r.name == name);
        let engine: Box<dyn SearchEngine> = match name.as_str() {
            "component" => {
                let c = Component::load(&people)?;
                let missing = c.phones_without_e164(&people);
                notes.push(format!("phones stored without an E.164 form: {missing}"));
                Box::new(c)
            }
            "sql-like" => Box::new(Like::load(&people, work).map_err(|e| e.to_string())?),
            _ if let Some(route) = served => Box::new(Served::connect(
                route,
                a.http.as_deref().unwrap_or_default(),
                a.token.as_deref().unwrap_or_default(),
                a.rejects.as_deref(),
                people.len(),
            )?),
            _ => Box::new(Tantivy::load(&people, work).map_err(|e| e.to_string())?),
        };
        let load = t.elapsed();
        eprintln!("loaded {name} in {:.1} s", load.as_secs_f64());
        if !a.trace.is_empty() {
            engine.trace();
            for q in &a.trace {
                eprintln!("query {q:?}");
                let t = Instant::now();
                let answer = engine.search(q);
                eprintln!(
                    "  {} answers in {:.2} ms (with the printing)",
                    answer.len(),
                    t.elapsed().as_secs_f64() * 1000.0
                );
            }
            continue;
        }
        let r = run(engine.as_ref(), load, &queries, &people, a.misses, a.slow);
        eprintln!("ran {name}");
        runs.push(r);
    }
    let phones: usize = people.iter().map(|p| p.phones.len()).sum();
    let mut out = format!(
        "{} contacts ({} phones), {} queries ({} per kind), seed {}\n",
        people.len(),
        phones,
        queries.len(),
        a.queries,
        a.seed
    );
    for n in notes {
        out.push_str(&format!("{n}\n"));
    }
    out.push_str(&report::markdown(&runs, &queries));
    Ok(out)
}

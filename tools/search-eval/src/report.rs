//! Scores and tables: recall@1 ("right contact first"), recall@10 and MRR
//! per kind of query and overall, and latency percentiles, as Markdown.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::generate::{KINDS, Kind, Query};

/// One engine's answers to every query.
pub struct Run {
    pub engine: &'static str,
    /// 1-based rank of the first right answer, per query (None: not in the answer).
    pub ranks: Vec<Option<usize>>,
    pub latencies: Vec<Duration>,
    pub load: Duration,
    pub footprint: String,
}

#[derive(Default, Clone, Copy)]
pub struct Score {
    pub queries: usize,
    pub at1: f64,
    pub at10: f64,
    pub mrr: f64,
}

pub fn first_right(answer: &[u32], right: &[u32]) -> Option<usize> {
    answer
        .iter()
        .position(|p| right.binary_search(p).is_ok())
        .map(|at| at + 1)
}

fn score(ranks: impl Iterator<Item = Option<usize>>) -> Score {
    let mut s = Score::default();
    for r in ranks {
        s.queries += 1;
        if r == Some(1) {
            s.at1 += 1.0;
        }
        if r.is_some_and(|r| r <= 10) {
            s.at10 += 1.0;
        }
        s.mrr += r.map_or(0.0, |r| 1.0 / r as f64);
    }
    let n = s.queries.max(1) as f64;
    s.at1 /= n;
    s.at10 /= n;
    s.mrr /= n;
    s
}

/// Scores per kind, and overall (`None`).
pub fn scores(run: &Run, queries: &[Query]) -> BTreeMap<Option<Kind>, Score> {
    let mut out = BTreeMap::new();
    for kind in KINDS {
        let ranks = queries
            .iter()
            .zip(&run.ranks)
            .filter(|(q, _)| q.kind == kind)
            .map(|(_, r)| *r);
        out.insert(Some(kind), score(ranks));
    }
    out.insert(None, score(run.ranks.iter().copied()));
    out
}

pub fn percentile(latencies: &[Duration], p: f64) -> Duration {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The Markdown report: one table per measure (kinds by engines), then
/// latency and footprint.
pub fn markdown(runs: &[Run], queries: &[Query]) -> String {
    let all: Vec<BTreeMap<Option<Kind>, Score>> = runs.iter().map(|r| scores(r, queries)).collect();
    let mut out = String::new();
    let header = |out: &mut String, title: &str| {
        out.push_str(&format!("\n**{title}**\n\n| query kind | queries |"));
        for r in runs {
            out.push_str(&format!(" {} |", r.engine));
        }
        out.push_str("\n|---|---:|");
        for _ in runs {
            out.push_str("---:|");
        }
        out.push('\n');
    };
    type Measure = (&'static str, fn(&Score) -> f64);
    let measures: [Measure; 3] = [
        ("Right contact first (recall@1)", |s| s.at1),
        ("Right contact in the top 10 (recall@10)", |s| s.at10),
        ("Mean reciprocal rank (MRR, top 20)", |s| s.mrr),
    ];
    for (title, value) in measures {
        header(&mut out, title);
        let rows = KINDS.iter().map(|k| Some(*k)).chain([None]);
        for kind in rows {
            let label = kind.map_or("**overall**", Kind::label);
            let n = all.first().map_or(0, |s| s[&kind].queries);
            out.push_str(&format!("| {label} | {n} |"));
            for s in &all {
                out.push_str(&format!(" {:.3} |", value(&s[&kind])));
            }
            out.push('\n');
        }
    }
    out.push_str("\n**Latency per query, in process, and what each engine holds**\n\n");
    out.push_str("| engine | p50 | p99 | max | load | holds |\n|---|---:|---:|---:|---:|---|\n");
    for r in runs {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} s | {} |\n",
            r.engine,
            ms(percentile(&r.latencies, 0.5)),
            ms(percentile(&r.latencies, 0.99)),
            ms(percentile(&r.latencies, 1.0)),
            r.load.as_secs_f64(),
            r.footprint
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_the_first_right_answer() {
        assert_eq!(first_right(&[5, 3, 9], &[1, 3, 9]), Some(2));
        assert_eq!(first_right(&[5], &[1, 3]), None);
        let s = score([Some(1), Some(2), None, Some(11)].into_iter());
        assert_eq!(s.queries, 4);
        assert!((s.at1 - 0.25).abs() < 1e-9);
        assert!((s.at10 - 0.5).abs() < 1e-9);
        assert!((s.mrr - (1.0 + 0.5 + 1.0 / 11.0) / 4.0).abs() < 1e-9);
    }

    #[test]
    fn percentiles_pick_from_the_sorted_list() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&d, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&d, 0.99), Duration::from_millis(99));
    }
}

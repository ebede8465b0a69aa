//! The ranking rules, in the order they apply (after Meilisearch's: words,
//! typo, exactness; then a fixed tie rule):
//!
//! 1. The kind of match, as the spec orders them: exact email, exact phone
//!    (E.164), name, email prefix, weaker matches (phone digits containing
//!    the query's, then the same without a trunk `0`, then a company domain),
//!    and last a name matched with typos. A query that reads as a piece of
//!    an address (it holds `@`, or a `.` and no space: `jean.dupont@`,
//!    `j.dupont`) ranks the addresses it starts above names that merely hold
//!    its words.
//! 2. For names, with typos: fewer typos first.
//! 3. For names, exactness: every query word a whole name word before names
//!    that query words only start; then fewer name words left over (the
//!    whole name, in any order, first); then, for prefixes, fewer letters
//!    left out.
//! 4. Ties: the name words the query matched, in query order, then the whole
//!    folded name (or, for other kinds, the matched key), then the oldest id.
//!    The same query over the same contacts always gives the same order.
//! 5. A typo can mean several names (`jean chamille`: Chamelle or Chamville,
//!    one edit each): within one rank of typo matches, each spelling's first
//!    contact comes before any spelling's second, so the answer shows every
//!    name the query could mean instead of filling with the first in rule 4's
//!    order. Each round keeps rule 4's order.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::terms::NAME_SEP;
use super::typo::{budget, within_edits};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exactness {
    /// Every query word is a whole name word; `extra` name words are left
    /// over (none: the whole name, in any order).
    Words { extra: usize },
    /// Some query words only start name words: fewer left-over name words
    /// first, then fewer letters the prefixes leave out (`harr` is nearer
    /// Harry than Harris).
    Prefix { extra: usize, missing: usize },
}

/// How strongly a contact matched (lower is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    ExactEmail,
    ExactPhone,
    /// An address the query starts, when the query reads as one.
    EmailFragment,
    Name(Exactness),
    EmailPrefix,
    /// 0: phone digits, 1: phone digits without a trunk prefix, 2: domain.
    Weaker(u8),
    /// Edits, then exactness.
    Typo(usize, Exactness),
}

/// One contact's best match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub rank: Rank,
    pub tie: String,
    pub id: u64,
}

impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.rank, &self.tie, self.id).cmp(&(other.rank, &other.tie, other.id))
    }
}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The tie key of a name match (rule 4): the name words matched, in query
/// order, then the whole name.
pub fn name_tie(matched: &[String], name: &str) -> String {
    format!("{}{NAME_SEP}{name}", matched.join(" "))
}

/// The name words a name match's tie key holds: its spelling (rule 5).
fn spelling(tie: &str) -> &str {
    tie.split(NAME_SEP).next().unwrap_or_default()
}

/// The ids of the best `limit` of `scored`, in the order of rules 1 to 5.
pub fn top(mut scored: Vec<Scored>, limit: usize) -> Vec<u64> {
    scored.sort();
    let mut out = Vec::with_capacity(limit.min(scored.len()));
    for tier in scored.chunk_by(|a, b| a.rank == b.rank) {
        if out.len() >= limit {
            break;
        }
        if !matches!(tier[0].rank, Rank::Typo(..)) {
            out.extend(tier.iter().map(|s| s.id));
            continue;
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut rounds: Vec<(usize, u64)> = tier
            .iter()
            .map(|s| {
                let n = seen.entry(spelling(&s.tie)).or_default();
                *n += 1;
                (*n, s.id)
            })
            .collect();
        // A stable sort: rule 4's order within each round.
        rounds.sort_by_key(|(round, _)| *round);
        out.extend(rounds.into_iter().map(|(_, id)| id));
    }
    out.truncate(limit);
    out
}

/// How a name answers the query words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMatch {
    pub rank: Rank,
    /// The name word each query word matched, in query order.
    pub matched: Vec<String>,
}

/// Matches every query word to a distinct name word: equal first, then one
/// it starts, then (with `typos`) one within its typo budget that shares its
/// first letter. `None` when a query word matches nothing.
pub fn match_name(query: &[String], name: &[&str], typos: bool) -> Option<NameMatch> {
    let mut used = vec![false; name.len()];
    let mut matched: Vec<Option<&str>> = vec![None; query.len()];
    let mut prefixes = false;
    let mut missing = 0;
    let mut edits = 0;
    for (qi, q) in query.iter().enumerate() {
        if let Some(at) = (0..name.len()).find(|&at| !used[at] && name[at] == q) {
            used[at] = true;
            matched[qi] = Some(name[at]);
        }
    }
    for (qi, q) in query.iter().enumerate() {
        if matched[qi].is_some() {
            continue;
        }
        let at = (0..name.len())
            .filter(|&at| !used[at] && name[at].starts_with(q.as_str()))
            .min_by_key(|&at| (name[at].len(), name[at], at));
        if let Some(at) = at {
            used[at] = true;
            matched[qi] = Some(name[at]);
            prefixes = true;
            missing += name[at].chars().count() - q.chars().count();
        }
    }
    if typos {
        for (qi, q) in query.iter().enumerate() {
            if matched[qi].is_some() {
                continue;
            }
            let first = q.chars().next();
            let max = budget(q.chars().count());
            let near = (1..=max).find_map(|n| {
                (0..name.len())
                    .find(|&at| {
                        !used[at]
                            && name[at].chars().next() == first
                            && within_edits(q, name[at], n)
                    })
                    .map(|at| (at, n))
            });
            if let Some((at, n)) = near {
                used[at] = true;
                matched[qi] = Some(name[at]);
                edits += n;
            }
        }
    }
    let matched: Vec<String> = matched
        .into_iter()
        .map(|m| m.map(str::to_owned))
        .collect::<Option<_>>()?;
    let extra = used.iter().filter(|u| !**u).count();
    let exactness = if prefixes {
        Exactness::Prefix { extra, missing }
    } else {
        Exactness::Words { extra }
    };
    let rank = if edits > 0 {
        Rank::Typo(edits, exactness)
    } else {
        Rank::Name(exactness)
    };
    Some(NameMatch { rank, matched })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(query: &str, name: &str, typos: bool) -> Option<Rank> {
        let q: Vec<String> = query.split(' ').map(str::to_owned).collect();
        let n: Vec<&str> = name.split(' ').collect();
        match_name(&q, &n, typos).map(|m| m.rank)
    }

    #[test]
    fn names_rank_by_typos_then_exactness() {
        use Exactness::*;
        let whole = Words { extra: 0 };
        assert_eq!(
            m("dupont jean", "jean dupont", false),
            Some(Rank::Name(whole))
        );
        let jean = Rank::Name(Words { extra: 1 });
        assert_eq!(m("jean", "jean dupont", false), Some(jean));
        let du = Prefix {
            extra: 0,
            missing: 4,
        };
        assert_eq!(m("jean du", "jean dupont", false), Some(Rank::Name(du)));
        assert_eq!(m("jean jean", "jean dupont", false), None);
        assert_eq!(m("jean dupnot", "jean dupont", false), None);
        let typo = m("jean dupnot", "jean dupont", true);
        assert_eq!(typo, Some(Rank::Typo(1, whole)));
        let first = m("jean xupont", "jean dupont", true);
        assert_eq!(first, None, "the first letter holds");
        assert!(Rank::Name(du) < Rank::EmailPrefix);
        assert!(Rank::Weaker(2) < Rank::Typo(1, whole));
        // A whole word first, then the nearest completion, and fewer name
        // words left over.
        assert!(jean < m("jean", "jeanne", false).unwrap());
        let harry = m("harr thomas", "harry thomas", false).unwrap();
        assert!(harry < m("harr thomas", "thomas harris", false).unwrap());
        let carmen = m("carme perez", "carmen perez", false).unwrap();
        assert!(carmen < m("carme perez", "carmen alvarez perez", false).unwrap());
    }

    #[test]
    fn ties_fall_to_the_matched_words_then_the_id() {
        let a = Scored {
            rank: Rank::ExactPhone,
            tie: "b".into(),
            id: 1,
        };
        let b = Scored {
            rank: Rank::ExactPhone,
            tie: "a".into(),
            id: 2,
        };
        let c = Scored {
            rank: Rank::ExactPhone,
            tie: "a".into(),
            id: 3,
        };
        let mut v = vec![a.clone(), c.clone(), b.clone()];
        v.sort();
        assert_eq!(v, [b, c, a]);
    }
}

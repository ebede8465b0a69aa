//! The platform baseline: a plain tantivy index, as one would build it in an
//! hour. Accent-folded name words and their prefixes, email words and their
//! prefixes, and phones as E.164, as digits and as every 4 to 8 digit run.
//! A query word matches a name or email word, or starts one, or (from 5
//! letters) is one edit from a name word with the same first letter; a query
//! that looks like a phone matches its E.164, its digits or its last 8
//! digits. BM25 orders the answers.

use std::path::{Path, PathBuf};

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, SimpleTokenizer, TextAnalyzer, WhitespaceTokenizer,
};
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::{LIMIT, SearchEngine};
use crate::engines::component::mib;
use crate::generate::Person;

pub struct Tantivy {
    searcher: Searcher,
    _reader: IndexReader,
    ids: Vec<Column<u64>>,
    analyzer: TextAnalyzer,
    name: Field,
    name_prefix: Field,
    email: Field,
    email_prefix: Field,
    phone: Field,
    dir: PathBuf,
}

fn tokens(analyzer: &TextAnalyzer, text: &str) -> Vec<String> {
    let mut analyzer = analyzer.clone();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

fn prefixes(words: &[String]) -> String {
    let mut out = Vec::new();
    for w in words {
        let mut p = String::new();
        for c in w.chars() {
            p.push(c);
            out.push(p.clone());
        }
    }
    out.join(" ")
}

fn digit_runs(digits: &str, out: &mut Vec<String>) {
    for len in 4..=8 {
        if digits.len() >= len {
            for at in 0..=digits.len() - len {
                out.push(digits[at..at + len].to_owned());
            }
        }
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Whether `a` and `b` are at most one edit apart (a swap of neighbours
/// counts as one).
fn one_edit(a: &[char], b: &[char]) -> bool {
    if a == b {
        return true;
    }
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > 1 {
        return false;
    }
    let start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[start..], &b[start..]);
    if n == m {
        ra[1..] == rb[1..]
            || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
    } else if n > m {
        ra[1..] == *rb
    } else {
        *ra == rb[1..]
    }
}

impl Tantivy {
    pub fn load(people: &[Person], dir: &Path) -> tantivy::Result<Tantivy> {
        let dir = dir.join("tantivy");
        std::fs::create_dir_all(&dir)?;
        let mut schema = Schema::builder();
        let id = schema.add_u64_field("id", FAST);
        let text = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let name = schema.add_text_field("name", text("fold"));
        let name_prefix = schema.add_text_field("name_prefix", text("ws"));
        let email = schema.add_text_field("email", text("fold"));
        let email_prefix = schema.add_text_field("email_prefix", text("ws"));
        let phone = schema.add_text_field("phone", text("ws"));
        let index = Index::create_in_dir(&dir, schema.build())?;
        let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        index.tokenizers().register("fold", analyzer.clone());
        index.tokenizers().register(
            "ws",
            TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
        );
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 200_000_000)?;
        for (i, p) in people.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(id, i as u64);
            let full = format!("{} {}", p.first, p.last);
            doc.add_text(name, &full);
            doc.add_text(name_prefix, prefixes(&tokens(&analyzer, &full)));
            if let Some(address) = &p.email {
                doc.add_text(email, address);
                doc.add_text(email_prefix, prefixes(&tokens(&analyzer, address)));
            }
            let mut terms = Vec::new();
            for ph in &p.phones {
                let typed = digits(&ph.typed);
                if let Ok(n) = contacts_guest::phone::normalize(&ph.typed, p.region()) {
                    let national = n.international[1..].to_owned();
                    terms.push(n.international);
                    digit_runs(&national, &mut terms);
                    terms.push(national);
                }
                digit_runs(&typed, &mut terms);
                terms.push(typed);
            }
            terms.sort();
            terms.dedup();
            doc.add_text(phone, terms.join(" "));
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let ids = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().u64("id"))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Tantivy {
            searcher,
            _reader: reader,
            ids,
            analyzer,
            name,
            name_prefix,
            email,
            email_prefix,
            phone,
            dir,
        })
    }

    fn term(&self, field: Field, text: &str, boost: f32) -> (Occur, Box<dyn Query>) {
        let q = TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        );
        (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)))
    }

    /// Name words one edit from `word`, with its first letter.
    fn near_words(&self, word: &str) -> Vec<String> {
        let w: Vec<char> = word.chars().collect();
        let first = w[0].to_string();
        let end = crate::engines::tantivy_index::next_prefix(&first);
        let mut out = Vec::new();
        for segment in self.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.name) else {
                continue;
            };
            let Ok(mut stream) = inverted
                .terms()
                .range()
                .ge(first.as_bytes())
                .lt(end.as_bytes())
                .into_stream()
            else {
                continue;
            };
            while stream.advance() {
                let Ok(candidate) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let c: Vec<char> = candidate.chars().collect();
                if c != w && one_edit(&w, &c) && !out.iter().any(|o: &String| o == candidate) {
                    out.push(candidate.to_owned());
                }
            }
        }
        out
    }

    fn phone_query(&self, query: &str) -> Box<dyn Query> {
        let d = digits(query);
        let mut should = vec![self.term(self.phone, &d, 3.0)];
        if let Ok(n) = contacts_guest::phone::normalize(query, "FR") {
            should.push(self.term(self.phone, &n.international, 5.0));
        }
        if d.len() > 8 {
            should.push(self.term(self.phone, &d[d.len() - 8..], 1.0));
        }
        Box::new(BooleanQuery::new(should))
    }

    fn text_query(&self, query: &str) -> Box<dyn Query> {
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in tokens(&self.analyzer, query) {
            let mut should = vec![
                self.term(self.name, &word, 3.0),
                self.term(self.name_prefix, &word, 1.5),
                self.term(self.email, &word, 2.0),
                self.term(self.email_prefix, &word, 1.0),
            ];
            if word.chars().count() >= 5 {
                for near in self.near_words(&word) {
                    should.push(self.term(self.name, &near, 0.5));
                }
            }
            if word.len() >= 4 && word.bytes().all(|b| b.is_ascii_digit()) {
                should.push(self.term(self.phone, &word, 1.0));
            }
            must.push((Occur::Must, Box::new(BooleanQuery::new(should))));
        }
        Box::new(BooleanQuery::new(must))
    }
}

/// The smallest string above every string that starts with `prefix`.
fn next_prefix(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    let last = chars.pop().unwrap_or('\0');
    chars.push(char::from_u32(last as u32 + 1).unwrap_or(char::MAX));
    chars.into_iter().collect()
}

fn phone_like(query: &str) -> bool {
    query
        .chars()
        .all(|c| c.is_ascii_digit() || " +.-()/".contains(c))
        && query.chars().filter(char::is_ascii_digit).count() >= 3
}

impl SearchEngine for Tantivy {
    fn name(&self) -> &'static str {
        "tantivy"
    }

    fn search(&self, query: &str) -> Vec<u32> {
        let q = if phone_like(query) {
            self.phone_query(query)
        } else {
            self.text_query(query)
        };
        let Ok(top) = self.searcher.search(&q, &TopDocs::with_limit(LIMIT)) else {
            return Vec::new();
        };
        top.iter()
            .filter_map(|(_, at)| self.ids[at.segment_ord as usize].first(at.doc_id))
            .map(|id| id as u32)
            .collect()
    }

    fn footprint(&self) -> String {
        let bytes: u64 = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        format!(
            "{:.1} MiB on disk, {} segments",
            mib(bytes),
            self.searcher.segment_readers().len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_counts_swaps() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(one_edit(&c("dupont"), &c("dupnot")));
        assert!(one_edit(&c("dupont"), &c("dupot")));
        assert!(one_edit(&c("dupont"), &c("dupoont")));
        assert!(one_edit(&c("dupont"), &c("dupomt")));
        assert!(!one_edit(&c("dupont"), &c("dpuotn")));
        assert!(!one_edit(&c("dupont"), &c("dupontxx")));
    }
}

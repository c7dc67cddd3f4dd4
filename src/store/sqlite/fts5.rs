//! The SQLite translation of a [`ParsedQuery`]: which FTS5 index to search and the
//! MATCH expressions (the query language itself is backend-neutral, in `query.rs`).
//!
//! Two pairs of indexes, both external-content tables over `articles` kept in step
//! by triggers (see the schema in `sqlite.rs`), both with stock `unicode61`
//! tokenizers so any SQLite ≥ 3.37 can read them:
//! - *folded* (`articles_fts`, `articles_title_fts`): `remove_diacritics 2` over the
//!   text with `đ` → `d`, so "hoi dam" matches "hội đàm", "Đàm" and "dâm";
//! - *accented* (`articles_acc_fts`, `articles_title_acc_fts`): `remove_diacritics 0`
//!   (case folded only), so "hội đàm" matches only those words.
//!
//! A query whose words were all typed with diacritics (or have no other spelling,
//! like "2024") is searched and ranked on the accented index, each word as the OR
//! of its tone-placement spellings (`accents::variants`). A query typed without
//! diacritics uses the folded index. A query that mixes both is ranked on the folded
//! index and filtered to the rows whose accented index has the accented words.

use crate::store::accents;
use crate::store::query::{ParsedQuery, Term};

/// Most phrases one term may expand to; beyond it each word keeps its typed spelling.
const MAX_TERM_PHRASES: usize = 16;

/// Which pair of indexes a query (or one of its terms) is matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Index {
    Folded,
    Accented,
}

impl Index {
    /// The title-and-body index.
    pub(super) fn table(self) -> &'static str {
        match self {
            Index::Folded => "articles_fts",
            Index::Accented => "articles_acc_fts",
        }
    }

    /// The title-only index (short doclists, for the title pool of `search_with`).
    pub(super) fn title_table(self) -> &'static str {
        match self {
            Index::Folded => "articles_title_fts",
            Index::Accented => "articles_title_acc_fts",
        }
    }
}

/// One term of a plan: its MATCH expression on the ranking index, how many FTS5
/// phrases that expression has (`ni_bm25` takes one IDF per phrase), and the
/// expression and index its document frequency is counted with.
#[derive(Debug, Clone)]
pub(super) struct PlanTerm {
    pub expr: String,
    pub phrases: usize,
    pub idf_expr: String,
    pub idf_index: Index,
}

/// Most adjacent-word phrases a query adds to its ranking.
const MAX_BIGRAMS: usize = 8;

/// How one query runs on SQLite.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    /// The index the query is matched and ranked on.
    pub index: Index,
    pub terms: Vec<PlanTerm>,
    /// Two adjacent words of the query as one phrase, scored but not required: a
    /// Vietnamese word is often two syllables ("hội đàm", "công an"), and an article
    /// that has them side by side is about that word, not about "Đàm" and "xã hội".
    pub bigrams: Vec<PlanTerm>,
    /// For mixed queries: a MATCH expression on the accented index every hit must
    /// also satisfy.
    pub accented_filter: Option<String>,
}

impl Plan {
    pub(super) fn of(query: &ParsedQuery) -> Plan {
        let accented = query.any_accented();
        let all_exact = accented && query.terms.iter().all(Term::all_accented_or_neutral);
        if all_exact {
            let terms = query
                .terms
                .iter()
                .map(|t| {
                    let (expr, phrases) = accented_expr(t);
                    PlanTerm { idf_expr: expr.clone(), expr, phrases, idf_index: Index::Accented }
                })
                .collect();
            let bigrams = bigrams(query, Index::Accented);
            return Plan { index: Index::Accented, terms, bigrams, accented_filter: None };
        }
        let mut filter = Vec::new();
        let terms = query
            .terms
            .iter()
            .map(|t| {
                let expr = folded_expr(t);
                if !t.any_accented() {
                    return PlanTerm { idf_expr: expr.clone(), expr, phrases: 1, idf_index: Index::Folded };
                }
                let exact = if t.all_accented_or_neutral() {
                    accented_expr(t).0
                } else {
                    // "hội dam": the accented words must occur, the phrase is matched folded.
                    let words: Vec<String> = (0..t.typed.len())
                        .filter(|&i| t.accented[i])
                        .map(|i| {
                            let word = Term {
                                tokens: vec![t.tokens[i].clone()],
                                typed: vec![t.typed[i].clone()],
                                accented: vec![true],
                                prefix: t.prefix && i + 1 == t.typed.len(),
                            };
                            accented_expr(&word).0
                        })
                        .collect();
                    words.join(" AND ")
                };
                filter.push(exact.clone());
                PlanTerm { expr, phrases: 1, idf_expr: exact, idf_index: Index::Accented }
            })
            .collect();
        Plan {
            index: Index::Folded,
            terms,
            bigrams: bigrams(query, Index::Folded),
            accented_filter: (!filter.is_empty()).then(|| filter.join(" AND ")),
        }
    }

    /// The MATCH expression on [`Plan::index`]: every term, joined by AND (FTS5's
    /// implicit AND does not follow a bracketed OR group). With bigrams, a last group
    /// `(first term OR bigram ...)` is always true on the rows the terms match (they
    /// have the first term), so it selects nothing; it is there so that FTS5 reports
    /// the bigrams' instances to the ranking function.
    pub(super) fn expr(&self) -> String {
        let mut parts: Vec<&str> = self.terms.iter().map(|t| t.expr.as_str()).collect();
        let group;
        if let (Some(first), false) = (self.terms.first(), self.bigrams.is_empty()) {
            let alts: Vec<&str> = std::iter::once(first.expr.as_str())
                .chain(self.bigrams.iter().map(|b| b.expr.as_str()))
                .collect();
            group = format!("({})", alts.join(" OR "));
            parts.push(&group);
        }
        parts.join(" AND ")
    }

    /// The phrases of [`Plan::expr`] in order: `Some(i)` for a phrase of term or
    /// bigram `i` (terms first, then bigrams, numbered on), `None` for the repeated
    /// first term of the bigram group, which must score nothing.
    pub(super) fn phrase_terms(&self) -> impl Iterator<Item = Option<usize>> + '_ {
        let n = self.terms.len();
        let terms =
            self.terms.iter().enumerate().flat_map(|(i, t)| std::iter::repeat(Some(i)).take(t.phrases));
        let repeat = self.terms.first().filter(|_| !self.bigrams.is_empty()).map_or(0, |t| t.phrases);
        let bigrams = self
            .bigrams
            .iter()
            .enumerate()
            .flat_map(move |(i, b)| std::iter::repeat(Some(n + i)).take(b.phrases));
        terms.chain(std::iter::repeat(None).take(repeat)).chain(bigrams)
    }

    /// Terms, then bigrams (the numbering of [`Plan::phrase_terms`]).
    pub(super) fn scored(&self) -> impl Iterator<Item = &PlanTerm> {
        self.terms.iter().chain(&self.bigrams)
    }
}

/// Adjacent one-word terms of the query ("hội", "đàm") as two-word phrases on `index`.
fn bigrams(query: &ParsedQuery, index: Index) -> Vec<PlanTerm> {
    let mut out = Vec::new();
    for pair in query.terms.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.tokens.len() != 1 || b.tokens.len() != 1 || a.prefix || b.prefix || out.len() == MAX_BIGRAMS {
            continue;
        }
        let t = Term {
            tokens: vec![a.tokens[0].clone(), b.tokens[0].clone()],
            typed: vec![a.typed[0].clone(), b.typed[0].clone()],
            accented: vec![a.accented[0], b.accented[0]],
            prefix: false,
        };
        let (expr, phrases) = match index {
            Index::Folded => (folded_expr(&t), 1),
            Index::Accented => accented_expr(&t),
        };
        out.push(PlanTerm { idf_expr: expr.clone(), expr, phrases, idf_index: index });
    }
    out
}

/// `đ` → `d` (and `ð`): what the folded index holds before `remove_diacritics 2`
/// strips the rest (`unicode61` treats `đ` as a letter of its own). The same
/// replacement is in the schema's triggers.
fn d_fold(s: &str) -> String {
    s.replace(['đ', 'ð'], "d").replace(['Đ', 'Ð'], "D")
}

fn star(prefix: bool) -> &'static str {
    if prefix {
        "*"
    } else {
        ""
    }
}

/// The term on the folded index: one phrase. Words are letters and digits only, so
/// double-quoting them is always valid FTS5.
pub(super) fn folded_expr(t: &Term) -> String {
    let words: Vec<String> = t.typed.iter().map(|w| d_fold(w)).collect();
    format!("\"{}\"{}", words.join(" "), star(t.prefix))
}

/// The term on the accented index: the OR of its spellings (every combination of
/// each word's variants, at most [`MAX_TERM_PHRASES`]), and the number of phrases.
pub(super) fn accented_expr(t: &Term) -> (String, usize) {
    let per_word: Vec<Vec<String>> = t
        .typed
        .iter()
        .zip(&t.accented)
        .map(|(w, &a)| if a { accents::variants(w) } else { vec![w.clone()] })
        .collect();
    let combos = per_word.iter().try_fold(1usize, |n, v| n.checked_mul(v.len())).unwrap_or(usize::MAX);
    let per_word: Vec<Vec<String>> = if combos > MAX_TERM_PHRASES {
        per_word
            .into_iter()
            .map(|mut v| {
                v.truncate(1);
                v
            })
            .collect()
    } else {
        per_word
    };
    let mut phrases: Vec<String> = vec![String::new()];
    for spellings in &per_word {
        phrases = phrases
            .iter()
            .flat_map(|p| {
                spellings.iter().map(move |w| if p.is_empty() { w.clone() } else { format!("{p} {w}") })
            })
            .collect();
    }
    let quoted: Vec<String> = phrases.iter().map(|p| format!("\"{p}\"{}", star(t.prefix))).collect();
    let n = quoted.len();
    if n == 1 {
        (quoted.into_iter().next().unwrap_or_default(), 1)
    } else {
        (format!("({})", quoted.join(" OR ")), n)
    }
}

impl ParsedQuery {
    /// The FTS5 MATCH expression of the query on the folded index (every term a
    /// double-quoted phrase, joined by implicit AND).
    pub fn to_fts(&self) -> String {
        self.terms.iter().map(folded_expr).collect::<Vec<_>>().join(" AND ")
    }

    /// The FTS5 MATCH expression of the query on the accented index.
    pub fn to_fts_accented(&self) -> String {
        self.terms.iter().map(|t| accented_expr(t).0).collect::<Vec<_>>().join(" AND ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_choose_the_index_per_query() {
        let p = Plan::of(&ParsedQuery::parse("hoi dam"));
        assert_eq!(
            (p.index, p.expr(), p.accented_filter.clone()),
            (Index::Folded, "\"hoi\" AND \"dam\" AND (\"hoi\" OR \"hoi dam\")".into(), None)
        );
        assert_eq!(p.phrase_terms().collect::<Vec<_>>(), [Some(0), Some(1), None, Some(2)]);
        let p = Plan::of(&ParsedQuery::parse("\"hoi dam\""));
        assert_eq!((p.expr(), p.bigrams.len()), ("\"hoi dam\"".into(), 0));
        let p = Plan::of(&ParsedQuery::parse("Hội ĐÀM 2024"));
        assert_eq!(p.index, Index::Accented);
        assert!(p
            .expr()
            .starts_with("(\"hội\" OR \"hôị\") AND \"đàm\" AND \"2024\" AND ((\"hội\" OR \"hôị\") OR "));
        assert_eq!(p.bigrams.len(), 2);
        let p = Plan::of(&ParsedQuery::parse("hội dam"));
        assert_eq!(p.index, Index::Folded);
        assert!(p.expr().starts_with("\"hội\" AND \"dam\""));
        assert_eq!(p.accented_filter.as_deref(), Some("(\"hội\" OR \"hôị\")"));
        let p = Plan::of(&ParsedQuery::parse("\"hội dam\" kinh*"));
        assert_eq!(p.expr(), "\"hội dam\" AND \"kinh\"*");
        assert!(p.bigrams.is_empty());
        assert_eq!(p.accented_filter.as_deref(), Some("(\"hội\" OR \"hôị\")"));
        assert_eq!(p.terms[0].idf_index, Index::Accented);
        assert_eq!(p.terms[1].idf_index, Index::Folded);
    }

    #[test]
    fn tone_placement_spellings_are_ored() {
        let (e, n) = accented_expr(&ParsedQuery::parse("\"hoà bình\"").terms[0]);
        assert!(e.contains("\"hoà bình\"") && e.contains("\"hòa bình\"") && e.contains(" OR "), "{e}");
        assert_eq!(n, e.matches(" OR ").count() + 1);
        // A long phrase keeps its typed spelling instead of exploding.
        let long = ParsedQuery::parse("\"hoà hoà hoà hoà hoà\"");
        assert_eq!(accented_expr(&long.terms[0]), ("\"hoà hoà hoà hoà hoà\"".to_string(), 1));
    }
}

//! The search query language, backend-neutral: parsing a query into terms (each
//! word folded and as typed), text folding, snippets.
//!
//! Folding: NFD, combining marks dropped, `đ`/`Đ` → `d`, lowercase. SQLite's
//! `remove_diacritics` alone would keep `đ` (a letter, not a diacritic), so "dam"
//! would miss "đàm". A backend indexes folded text and translates a
//! [`ParsedQuery`] into its own syntax from the words only, so no user input can be
//! a syntax error (SQLite: `sqlite/fts5.rs`).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

// ---- text folding ---------------------------------------------------------------

/// Folds one character onto `out`: NFD, combining marks dropped, `đ` → `d`, lowercase.
fn fold_char_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    // Vietnamese (and other Latin) letters come from a table built once: folding is
    // on the write path of every article, and per-character NFD was a hot spot.
    if let Some(&folded) = fold_table().get(c as usize) {
        match folded {
            FOLD_DROP => {}
            FOLD_SLOW => fold_char_slow(c, out),
            f => out.push(char::from_u32(f).unwrap_or(c)),
        }
        return;
    }
    fold_char_slow(c, out);
}

const FOLD_TABLE_LEN: usize = 0x2000;
const FOLD_DROP: u32 = 0;
const FOLD_SLOW: u32 = u32::MAX;

/// For every char below U+2000: the one char it folds to, `FOLD_DROP` when it folds
/// to nothing (a combining mark), `FOLD_SLOW` when it folds to several chars.
fn fold_table() -> &'static [u32] {
    static TABLE: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..FOLD_TABLE_LEN as u32)
            .map(|cp| match char::from_u32(cp) {
                None => FOLD_SLOW,
                Some(c) => {
                    let mut s = String::new();
                    fold_char_slow(c, &mut s);
                    let mut chars = s.chars();
                    match (chars.next(), chars.next()) {
                        (None, _) => FOLD_DROP,
                        (Some(f), None) if f != '\0' => f as u32,
                        _ => FOLD_SLOW,
                    }
                }
            })
            .collect()
    })
}

fn fold_char_slow(c: char, out: &mut String) {
    for d in std::iter::once(c).nfd() {
        if is_combining_mark(d) {
            continue;
        }
        match d {
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            _ => out.extend(d.to_lowercase()),
        }
    }
}

/// The folded form of a text: "Hội đàm" → "hoi dam" (what a query word typed
/// without diacritics is compared in, e.g. for snippets).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char_into(c, &mut out);
    }
    out
}

fn is_token_char(c: char) -> bool {
    c.is_alphanumeric()
}

// ---- queries ----------------------------------------------------------------------

/// One required part of a query: a word or a phrase (a sequence of words);
/// `prefix` when the last word was written `word*`.
///
/// Each word is kept in two forms: `tokens` (folded: "đàm" → "dam", what a word typed
/// without diacritics is matched on) and `typed` (NFC, lower case: what a word typed
/// with diacritics must match, up to tone placement; see `accents.rs`). `accented[i]`
/// says which applies to word `i`. How a backend matches these is its own business
/// (`fts5.rs` for SQLite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub tokens: Vec<String>,
    pub typed: Vec<String>,
    pub accented: Vec<bool>,
    pub prefix: bool,
}

/// A user's query: every term must occur (AND). `"quoted words"` are phrases, a
/// bare word ending in `*` is a prefix, and everything else that is not a letter
/// or digit separates words. FTS5 operators (`AND`, `OR`, `NOT`, `NEAR`, brackets,
/// column filters) are not interpreted: they are searched as words or ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedQuery {
    pub terms: Vec<Term>,
}

impl Term {
    /// The words of `text` (a word or a phrase of the query) as a term.
    fn of(text: &str, prefix_allowed: bool) -> Option<Term> {
        let toks = tokenize_original(text);
        let last = toks.last()?;
        let prefix = prefix_allowed
            && text.ends_with('*')
            && text.trim_end_matches('*').len() == last.end
            && last.folded.chars().count() >= 2;
        let typed: Vec<String> =
            toks.iter().map(|t| super::accents::typed_form(&text[t.start..t.end])).collect();
        let accented = typed.iter().map(|t| super::accents::has_diacritics(t)).collect();
        Some(Term { tokens: toks.into_iter().map(|t| t.folded).collect(), typed, accented, prefix })
    }

    /// True when some word of the term was typed with diacritics.
    pub fn any_accented(&self) -> bool {
        self.accented.iter().any(|&a| a)
    }

    /// True when every word was typed with diacritics or has no other spelling
    /// (digits, consonants only): the term can be matched on accented forms alone.
    pub fn all_accented_or_neutral(&self) -> bool {
        self.typed.iter().zip(&self.accented).all(|(t, &a)| a || super::accents::is_neutral(t))
    }
}

impl ParsedQuery {
    pub fn parse(input: &str) -> ParsedQuery {
        // NFC first: a decomposed query ("ộ" as o + two marks) is the same query.
        let input: String = input.nfc().collect();
        let mut terms = Vec::new();
        let mut rest = input.as_str();
        while !rest.is_empty() {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('"') {
                // A phrase up to the closing quote (or the end, when unbalanced).
                let (phrase, next) = match after.find('"') {
                    Some(i) => (&after[..i], &after[i + 1..]),
                    None => (after, ""),
                };
                terms.extend(Term::of(phrase, false));
                rest = next;
            } else {
                let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
                terms.extend(Term::of(&rest[..end], true));
                rest = &rest[end..];
            }
        }
        // The same term twice adds nothing.
        let mut seen = Vec::new();
        terms.retain(|t| {
            if seen.contains(t) {
                false
            } else {
                seen.push(t.clone());
                true
            }
        });
        ParsedQuery { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// True when some word was typed with diacritics (see [`Term`]).
    pub fn any_accented(&self) -> bool {
        self.terms.iter().any(Term::any_accented)
    }
}

// ---- snippets ---------------------------------------------------------------------

/// A piece of a snippet; `hit` when it matched the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// A token of the original text: its byte range there and its folded form.
struct Tok {
    start: usize,
    end: usize,
    folded: String,
}

fn tokenize_original(text: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut cur: Option<Tok> = None;
    let mut buf = String::new();
    for (i, c) in text.char_indices() {
        buf.clear();
        fold_char_into(c, &mut buf);
        let is_tok = !buf.is_empty() && buf.chars().all(is_token_char);
        if is_tok {
            let t = cur.get_or_insert_with(|| Tok { start: i, end: i, folded: String::new() });
            t.end = i + c.len_utf8();
            t.folded.push_str(&buf);
        } else if let Some(t) = cur.take() {
            toks.push(t);
        }
    }
    toks.extend(cur);
    toks
}

fn term_matches_at(text: &str, toks: &[Tok], i: usize, term: &Term) -> bool {
    let n = term.tokens.len();
    if i + n > toks.len() {
        return false;
    }
    (0..n).all(|k| {
        let tok = &toks[i + k];
        let last = term.prefix && k == n - 1;
        if term.accented[k] {
            // Typed with diacritics: only that word (any tone placement) counts.
            let got = super::accents::typed_form(&text[tok.start..tok.end]);
            if last {
                super::accents::same_prefix(&term.typed[k], &got)
            } else {
                super::accents::same_word(&term.typed[k], &got)
            }
        } else if last {
            tok.folded.starts_with(term.tokens[k].as_str())
        } else {
            tok.folded == term.tokens[k]
        }
    })
}

/// An excerpt of `text` of about `window` tokens around the place where most of the
/// query's terms occur, with every match marked. Without a match, the beginning.
pub fn snippet(text: &str, query: &ParsedQuery, window: usize) -> Vec<Segment> {
    let toks = tokenize_original(text);
    if toks.is_empty() {
        return vec![];
    }
    // hits[i] = (term index, length in tokens) of a match starting at token i.
    let hits: Vec<Option<(usize, usize)>> = (0..toks.len())
        .map(|i| {
            query.terms.iter().enumerate().find_map(|(ti, term)| {
                term_matches_at(text, &toks, i, term).then_some((ti, term.tokens.len()))
            })
        })
        .collect();
    let window = window.max(4);
    let lead = 3.min(window / 4);
    // The start (a few tokens before a match) whose window covers most distinct terms.
    let mut best: Option<(usize, usize)> = None; // (distinct terms, start)
    for (i, h) in hits.iter().enumerate() {
        if h.is_none() {
            continue;
        }
        let start = i.saturating_sub(lead);
        let end = (start + window).min(toks.len());
        let mut seen = vec![false; query.terms.len()];
        for (ti, _) in hits[start..end].iter().flatten() {
            seen[*ti] = true;
        }
        let distinct = seen.iter().filter(|s| **s).count();
        if best.map_or(true, |(d, _)| distinct > d) {
            best = Some((distinct, start));
        }
    }
    let start = best.map_or(0, |(_, s)| s);
    let end = (start + window).min(toks.len());
    let mut segs: Vec<Segment> = Vec::new();
    let mut push = |s: &str, hit: bool| {
        let s = s.replace(['\n', '\r', '\t'], " ");
        match segs.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(&s),
            _ => segs.push(Segment { text: s, hit }),
        }
    };
    if start > 0 {
        push("… ", false);
    }
    let mut pos = toks[start].start;
    let mut i = start;
    while i < end {
        if let Some((_, len)) = hits[i] {
            let last = (i + len - 1).min(end - 1);
            push(&text[pos..toks[i].start], false);
            push(&text[toks[i].start..toks[last].end], true);
            pos = toks[last].end;
            i = last + 1;
        } else {
            i += 1;
        }
    }
    let stop = toks[end - 1].end;
    if pos < stop {
        push(&text[pos..stop], false);
    }
    if end < toks.len() {
        push(" …", false);
    }
    // "[hội] [đàm]" reads better as "[hội đàm]".
    let mut merged: Vec<Segment> = Vec::with_capacity(segs.len());
    for seg in segs {
        let n = merged.len();
        if seg.hit
            && n >= 2
            && merged[n - 2].hit
            && !merged[n - 1].hit
            && merged[n - 1].text.trim().is_empty()
        {
            let gap = merged.pop().map(|g| g.text).unwrap_or_default();
            if let Some(prev) = merged.last_mut() {
                prev.text.push_str(&gap);
                prev.text.push_str(&seg.text);
            }
        } else {
            merged.push(seg);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_table_agrees_with_the_slow_path() {
        for cp in 0..0x2100u32 {
            let Some(c) = char::from_u32(cp) else { continue };
            let (mut fast, mut slow) = (String::new(), String::new());
            fold_char_into(c, &mut fast);
            fold_char_slow(c, &mut slow);
            if c.is_ascii() {
                slow = c.to_ascii_lowercase().to_string();
            }
            assert_eq!(fast, slow, "U+{cp:04X}");
        }
    }

    #[test]
    fn folding_drops_diacritics_and_d_stroke() {
        assert_eq!(fold("Hội đàm"), "hoi dam");
        assert_eq!(fold("HỘI ĐÀM"), "hoi dam");
        assert_eq!(fold(&"hội đàm".nfd().collect::<String>()), "hoi dam");
        assert_eq!(fold("Nguyễn Thị Ưng Ơn"), "nguyen thi ung on");
    }

    #[test]
    fn hostile_queries_become_safe_fts() {
        for q in ["\"", "AND", "(", "*", "a*(", "\"\"", "NEAR(a b)", "title:x", "-", "^a", "'", "\u{0301}"] {
            let p = ParsedQuery::parse(q);
            let fts = p.to_fts();
            assert!(!fts.contains('(') && !fts.contains(':'), "{q:?} -> {fts:?}");
        }
        assert!(ParsedQuery::parse("\"").is_empty());
        assert!(ParsedQuery::parse("*").is_empty());
        assert_eq!(ParsedQuery::parse("AND").to_fts(), "\"and\"");
    }

    #[test]
    fn phrases_words_and_prefixes() {
        assert_eq!(ParsedQuery::parse("Hội đàm").to_fts(), "\"hội\" AND \"dàm\"");
        assert_eq!(ParsedQuery::parse("\"hội đàm\" Lâm").to_fts(), "\"hội dàm\" AND \"lâm\"");
        let nfd: String = "Hội ĐÀM".nfd().collect();
        assert_eq!(ParsedQuery::parse(&nfd), ParsedQuery::parse("hội đàm"));
        assert_eq!(ParsedQuery::parse("\"unbalanced phrase").to_fts(), "\"unbalanced phrase\"");
        assert_eq!(ParsedQuery::parse("covid-19").to_fts(), "\"covid 19\"");
        assert_eq!(ParsedQuery::parse("kinh*").to_fts(), "\"kinh\"*");
        assert_eq!(ParsedQuery::parse("a*").to_fts(), "\"a\"");
        assert_eq!(ParsedQuery::parse("dam dam").to_fts(), "\"dam\"");
    }

    #[test]
    fn snippet_marks_matches_in_the_original_text() {
        let q = ParsedQuery::parse("hoi dam");
        let s = snippet("Bộ trưởng đã có cuộc Hội đàm với đoàn.", &q, 40);
        let hits: Vec<&str> = s.iter().filter(|g| g.hit).map(|g| g.text.as_str()).collect();
        assert_eq!(hits, ["Hội đàm"]);
        let all: String = s.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(all, "… đã có cuộc Hội đàm với đoàn");
        let q = ParsedQuery::parse("\"hoi dam\"");
        let s = snippet("cuộc hội đàm", &q, 40);
        assert!(s.iter().any(|g| g.hit && g.text == "hội đàm"), "{s:?}");
    }
}

//! The dedup decision for one file, as a function of what is already known: the
//! store's [`Catalog`] (exact hashes, texts, signatures, members) and the in-memory
//! near-duplicate index. It decides and writes nothing: the writer records the
//! outcome, and the benches call this same function.

use anyhow::Result;

use super::{Fingerprint, NearDupIndex, Shingled, Similarity};
use crate::store::Catalog;

/// What to do with one readable, cleaned file.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The same bytes were rejected before (under another path): reject with that reason.
    RejectedBefore { reason: String },
    /// Same bytes or same normalised body as an article (`None`: bytes recorded
    /// before without an article).
    Duplicate { article_id: Option<i64> },
    /// A new version of the file that article `article_id`'s text came from, and a
    /// near copy of it: the article takes this text.
    Updated { article_id: i64, evidence: Similarity },
    /// A near copy of article `article_id`. `fuller`: this text contains the
    /// article's and is longer, so it becomes the article's text (`dedup.canonical`).
    /// `merges`: other articles of the same story, to merge into this one
    /// (`dedup.merge_articles`), with the similarity of their text and this one's.
    Near {
        article_id: i64,
        evidence: Similarity,
        fuller: bool,
        via_member: bool,
        merges: Vec<(i64, Similarity)>,
        /// Articles whose text holds this text beside another story: see `New`.
        two_stories: Vec<i64>,
    },
    /// A story not seen before. `two_stories`: articles whose text holds this story
    /// beside the article's own (a page with the next story glued on, which replaced
    /// the first story's text while this one was unknown): each gets the text it had
    /// before back ([`NearDupIndex::best_match_noting`]).
    New { two_stories: Vec<i64> },
}

/// Work counters of the decision (progress logs, benches).
#[derive(Debug, Clone, Copy, Default)]
pub struct DecideStats {
    /// Candidates read and verified exactly.
    pub verified: u64,
    /// Candidates dropped by their stored signature.
    pub prefiltered: u64,
}

/// Decides one file: exact duplicate by bytes, then by normalised body; an update of
/// its own path; a near copy verified against canonical articles (and their
/// members, confirmed against the canonical text, so copies never chain two
/// stories); otherwise new.
pub fn decide(
    catalog: &dyn Catalog,
    near: &NearDupIndex,
    path_bytes: &[u8],
    file_sha256: &str,
    fp: &Fingerprint,
    stats: &mut DecideStats,
) -> Result<Decision> {
    if let Some((article_id, error)) = catalog.fate_of_bytes(file_sha256)? {
        if article_id.is_none() {
            return Ok(Decision::RejectedBefore { reason: error.unwrap_or_else(|| "rejected".to_string()) });
        }
        return Ok(Decision::Duplicate { article_id });
    }
    if let Some(id) = catalog.article_by_content(&fp.content_sha256)? {
        return Ok(Decision::Duplicate { article_id: Some(id) });
    }
    // A new version of a file whose text an article holds: an update of that article
    // when it is a near copy of it (news sites correct and extend their stories), not
    // a near duplicate of itself.
    if let Some(id) = catalog.article_with_text_from(path_bytes)? {
        if let Some(body) = catalog.article_paragraphs(id)? {
            let (s, dup) = near.judge(&Shingled::from(fp), &near.shingled(&body));
            if dup {
                return Ok(Decision::Updated { article_id: id, evidence: s });
            }
        }
    }
    let max_members = near.config().max_members;
    let mut two_stories = Vec::new();
    let matched = near.best_match_noting(
        fp,
        |id| {
            // The stored signature first: most candidates that fail are dropped here,
            // without reading and re-shingling their body.
            if let Ok(Some((shingles, sig))) = catalog.signature(id) {
                if !near.plausible(fp, shingles, &sig) {
                    stats.prefiltered += 1;
                    return None;
                }
            }
            stats.verified += 1;
            match catalog.article_paragraphs(id) {
                Ok(Some(body)) => Some(near.shingled(&body)),
                _ => None,
            }
        },
        |id| {
            let bodies = catalog.member_paragraphs(id, max_members).unwrap_or_default();
            bodies.iter().map(|b| near.shingled(b)).collect()
        },
        &mut two_stories,
    );
    Ok(match matched {
        Some(m) => {
            let merges = near.merges_for(&m, |id| match catalog.article_paragraphs(id) {
                Ok(Some(body)) => Some(near.shingled(&body)),
                _ => None,
            });
            Decision::Near {
                article_id: m.id,
                evidence: m.evidence,
                fuller: near.replaces_text(&m, &merges),
                via_member: m.via_member,
                merges,
                two_stories,
            }
        }
        None => Decision::New { two_stories },
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;
    use crate::config::Config;

    /// A catalog in memory: what the decision reads, nothing else.
    #[derive(Default)]
    struct Mem {
        bytes: HashMap<String, (Option<i64>, Option<String>)>,
        content: HashMap<String, i64>,
        texts: HashMap<i64, Vec<String>>,
        text_from: HashMap<Vec<u8>, i64>,
        reads: RefCell<u64>,
    }

    impl Catalog for Mem {
        fn fate_of_bytes(&self, sha: &str) -> Result<Option<(Option<i64>, Option<String>)>> {
            Ok(self.bytes.get(sha).cloned())
        }
        fn article_by_content(&self, sha: &str) -> Result<Option<i64>> {
            Ok(self.content.get(sha).copied())
        }
        fn article_with_text_from(&self, path: &[u8]) -> Result<Option<i64>> {
            Ok(self.text_from.get(path).copied())
        }
        fn article_paragraphs(&self, id: i64) -> Result<Option<Vec<String>>> {
            *self.reads.borrow_mut() += 1;
            Ok(self.texts.get(&id).cloned())
        }
        fn signature(&self, _id: i64) -> Result<Option<(usize, Vec<u8>)>> {
            Ok(None)
        }
        fn member_paragraphs(&self, _id: i64, _limit: usize) -> Result<Vec<Vec<String>>> {
            Ok(Vec::new())
        }
    }

    /// `paragraphs` paragraphs of 40 pseudo-random syllables: different seeds share
    /// no 5-syllable shingle in practice.
    fn story(seed: u64, paragraphs: usize) -> Vec<String> {
        let onsets = ["b", "c", "d", "g", "h", "k", "l", "m", "n", "ph", "s", "t", "th", "tr", "v", "x"];
        let rimes =
            ["a", "an", "anh", "ao", "ai", "ê", "im", "inh", "o", "ông", "u", "ưng", "ương", "iên", "oa"];
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..paragraphs)
            .map(|_| {
                let words: Vec<String> = (0..40)
                    .map(|_| {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        let r = (x >> 33) as usize;
                        format!("{}{}", onsets[r % onsets.len()], rimes[(r / 16) % rimes.len()])
                    })
                    .collect();
                words.join(" ") + "."
            })
            .collect()
    }

    fn setup() -> (NearDupIndex, Mem) {
        let cfg = Config::embedded();
        (NearDupIndex::new(&cfg.dedup), Mem::default())
    }

    #[test]
    fn exact_bytes_and_body_come_first() {
        let (near, mut cat) = setup();
        let body = story(1, 6);
        let fp = near.fingerprint(&body);
        let mut st = DecideStats::default();
        assert_eq!(
            decide(&cat, &near, b"a", "sha-a", &fp, &mut st).unwrap(),
            Decision::New { two_stories: vec![] }
        );
        cat.bytes.insert("sha-a".into(), (Some(7), None));
        assert_eq!(
            decide(&cat, &near, b"b", "sha-a", &fp, &mut st).unwrap(),
            Decision::Duplicate { article_id: Some(7) }
        );
        cat.bytes.insert("sha-r".into(), (None, Some("binary file".into())));
        assert_eq!(
            decide(&cat, &near, b"c", "sha-r", &fp, &mut st).unwrap(),
            Decision::RejectedBefore { reason: "binary file".into() }
        );
        cat.content.insert(fp.content_sha256.clone(), 9);
        assert_eq!(
            decide(&cat, &near, b"d", "sha-d", &fp, &mut st).unwrap(),
            Decision::Duplicate { article_id: Some(9) }
        );
    }

    #[test]
    fn near_copy_found_through_the_index_and_fuller_text_wins() {
        let (mut near, mut cat) = setup();
        let full = story(2, 8);
        let truncated: Vec<String> = full[..6].to_vec();
        // The truncated copy came first: the full text is a near copy and fuller.
        let fp_t = near.fingerprint(&truncated);
        near.insert(1, &fp_t).unwrap();
        cat.texts.insert(1, truncated.clone());
        let fp_full = near.fingerprint(&full);
        let mut st = DecideStats::default();
        match decide(&cat, &near, b"full", "sha-full", &fp_full, &mut st).unwrap() {
            Decision::Near { article_id: 1, fuller: true, via_member: false, .. } => {}
            other => panic!("expected a fuller near copy of 1, got {other:?}"),
        }
        assert_eq!(st.verified, 1);
        // And the reverse: a truncated copy of a stored full text keeps the text.
        let (mut near2, mut cat2) = setup();
        near2.insert(5, &fp_full).unwrap();
        cat2.texts.insert(5, full);
        match decide(&cat2, &near2, b"t", "sha-t", &fp_t, &mut st).unwrap() {
            Decision::Near { article_id: 5, fuller: false, .. } => {}
            other => panic!("expected a near copy of 5 keeping its text, got {other:?}"),
        }
    }

    #[test]
    fn a_different_story_is_new_and_an_own_path_update_is_updated() {
        let (mut near, mut cat) = setup();
        let a = story(3, 8);
        let fp_a = near.fingerprint(&a);
        near.insert(1, &fp_a).unwrap();
        cat.texts.insert(1, a.clone());
        let other = near.fingerprint(&story(4, 8));
        let mut st = DecideStats::default();
        assert_eq!(
            decide(&cat, &near, b"x", "sha-x", &other, &mut st).unwrap(),
            Decision::New { two_stories: vec![] }
        );
        let mut extended = a.clone();
        extended.push(story(5, 1).remove(0));
        let fp_e = near.fingerprint(&extended);
        cat.text_from.insert(b"page".to_vec(), 1);
        match decide(&cat, &near, b"page", "sha-e", &fp_e, &mut st).unwrap() {
            Decision::Updated { article_id: 1, .. } => {}
            other => panic!("expected an update of 1, got {other:?}"),
        }
    }
}

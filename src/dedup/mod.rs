//! Deduplication: exact (SHA-256 of the normalised body) and near copies.
//!
//! Near copies: the body is normalised ([`normalize`]), cut into `shingle_size`-word
//! shingles ([`shingle`]), summarised by a MinHash signature ([`minhash`]) whose bands
//! are looked up in an in-memory LSH index ([`lsh`]); every candidate the index returns
//! is then verified exactly on shingle sets ([`verify`]) with Jaccard, containment and
//! a minimum-shingles rule. [`NearDupIndex`] is the facade the writer uses.
//!
//! # Articles, their texts and their members
//! Every text of an article is indexed under the article's id: its current text
//! (the fullest copy seen, `dedup.canonical`) and its *members* (the copies merged
//! into it and the texts it had before). A new text is verified against the
//! article's current text; failing that, against its members, and then it must
//! still share `member_confirm` of itself with the article's current text. So a copy
//! of a copy lands on its story whatever came first, while a chain A ≈ B ≈ C through
//! a bridge text B (two stories glued together) cannot pull two different stories A
//! and C together (the transitive-closure failure of union-find dedup): C is not
//! close enough to A's own text.
//!
//! # Persistence
//! The store keeps, per canonical article, [`NearDupIndex::persisted_form`] (the band
//! keys, 4 bytes per band) and [`NearDupIndex::params_fingerprint`] once per database;
//! at start it checks the fingerprint and rebuilds the index with
//! [`NearDupIndex::insert_persisted`] / [`NearDupIndex::load_persisted`]. Shingle sets
//! for verification are recomputed from the stored body with
//! [`NearDupIndex::shingles`] (or stored with [`ShingleSet::to_bytes`]).

pub mod decide;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod shingle;
pub mod verify;

use sha2::{Digest, Sha256};

use crate::config::{Canonical, DedupConfig};
pub use lsh::LshIndex;
pub use minhash::MinHasher;
pub use shingle::ShingleSet;
pub use verify::{is_near_duplicate, longest_shared_passage, verify, verify_ordered, Similarity, TextRef};

/// Version of the whole near-duplicate scheme; bump it whenever a stored fingerprint
/// would change meaning (normalisation, hashing, banding layout, persisted form).
pub const DEDUP_VERSION: u32 = 1;

/// First byte of [`NearDupIndex::persisted_form`].
const PERSIST_VERSION: u8 = 1;

/// Errors of the dedup index (all from data, none from bugs).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DedupError {
    #[error("article id {0} is outside the near-duplicate index's range (0..=4294967295)")]
    IdOutOfRange(i64),
    #[error("stored band keys: expected {expected} bands, found {found}")]
    BandCount { expected: usize, found: usize },
    #[error("stored near-duplicate fingerprint is malformed: {0}")]
    Malformed(&'static str),
}

/// Hex SHA-256 of the fingerprint-normalised body: equal for copies that differ
/// only in Unicode form, case, punctuation, whitespace or tone placement.
pub fn content_sha256(body: &[String]) -> String {
    normalized_pass(body, |_| {})
}

/// One normalisation pass over a body: returns [`content_sha256`] and hands every
/// normalised word to `word` on the way, so the fingerprint normalises each body once
/// (normalisation is the costliest part of fingerprinting). The hashed bytes are the
/// paragraphs' [`normalize::fingerprint_text`] joined by `\n`.
fn normalized_pass(body: &[String], mut word: impl FnMut(&str)) -> String {
    let mut h = Sha256::new();
    let mut para = String::with_capacity(body.first().map_or(0, String::len));
    for (i, p) in body.iter().enumerate() {
        para.clear();
        if i > 0 {
            para.push('\n');
        }
        let start = para.len();
        normalize::for_each_word(p, |w| {
            if para.len() > start {
                para.push(' ');
            }
            para.push_str(w);
            word(w);
        });
        h.update(para.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Everything the writer needs to know about one body: computed in worker threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Fingerprint {
    pub content_sha256: String,
    pub shingles: ShingleSet,
    /// The shingles in text order (repeats kept), for the order evidence of
    /// [`verify_ordered`].
    pub sequence: Vec<u64>,
    /// Distinct words with a digit, as sorted word hashes.
    pub numbers: Vec<u64>,
    pub signature: Vec<u32>,
    /// The MinHash signature of the lead (the first `lead_shingles` shingles),
    /// `lead_bands * lead_rows` values; empty without lead bands.
    pub lead: Vec<u32>,
}

impl Fingerprint {
    pub fn text(&self) -> TextRef<'_> {
        TextRef { set: &self.shingles, sequence: &self.sequence, numbers: &self.numbers }
    }
}

/// The distinct numeric words among word hashes (see [`shingle::NUMERIC_BIT`]).
fn numbers_of(words: &[u64]) -> Vec<u64> {
    let mut n: Vec<u64> = words.iter().copied().filter(|w| w & shingle::NUMERIC_BIT != 0).collect();
    n.sort_unstable();
    n.dedup();
    n
}

/// A stored text's shingles, as a set and in order: what verification needs of a
/// candidate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shingled {
    pub set: ShingleSet,
    pub sequence: Vec<u64>,
    pub numbers: Vec<u64>,
}

impl Shingled {
    pub fn text(&self) -> TextRef<'_> {
        TextRef { set: &self.set, sequence: &self.sequence, numbers: &self.numbers }
    }
}

impl From<&Fingerprint> for Shingled {
    fn from(fp: &Fingerprint) -> Shingled {
        Shingled { set: fp.shingles.clone(), sequence: fp.sequence.clone(), numbers: fp.numbers.clone() }
    }
}

/// A verified near-duplicate match ([`NearDupIndex::best_match`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The article.
    pub id: i64,
    /// Similarity with the text that decided: the article's text, or one of its
    /// members when `via_member`.
    pub evidence: Similarity,
    /// Similarity with the article's current text (decides [`NearDupIndex::is_fuller`]).
    pub canonical: Similarity,
    pub via_member: bool,
    /// Other candidate articles this text is a near copy of (verified against their
    /// own text): what [`NearDupIndex::merges_for`] checks.
    pub also: Vec<i64>,
}

/// Why two texts were (or were not) merged: for `news-ingest why`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    pub similarity: Similarity,
    /// The decision [`is_near_duplicate`] takes with the current thresholds (the LSH
    /// stage aside: `why` compares the two texts directly).
    pub near_duplicate: bool,
    pub longest_shared_passage: String,
}

/// The near-duplicate index of canonical articles, with its parameters.
#[derive(Debug, Clone)]
pub struct NearDupIndex {
    cfg: DedupConfig,
    hasher: MinHasher,
    lsh: LshIndex,
    /// Articles merged into others since the index was loaded: their entries stay
    /// under the old id in memory, and candidates report the article they went to.
    /// (A store loaded later has them under the new id.)
    merged: std::collections::HashMap<i64, i64>,
}

impl NearDupIndex {
    pub fn new(cfg: &DedupConfig) -> Self {
        NearDupIndex {
            cfg: cfg.clone(),
            hasher: MinHasher::new(cfg.num_perm, cfg.seed),
            lsh: LshIndex::new(cfg.bands + cfg.lead_bands, cfg.rows),
            merged: std::collections::HashMap::new(),
        }
    }

    pub fn config(&self) -> &DedupConfig {
        &self.cfg
    }

    /// Identifies everything that makes stored band keys comparable: scheme version,
    /// normalisation, shingle size, permutations (count, seed and a digest of the
    /// generated coefficients) and banding. Thresholds are not part of it: they
    /// apply at verification and may change freely. The store saves this string and
    /// refuses a database whose string differs.
    pub fn params_fingerprint(&self) -> String {
        // The lead banding goes after `bands=`, so a change of it re-bands (see
        // `rebandable_from`); without lead bands the string is the one from before them.
        let lead = if self.cfg.lead_bands > 0 {
            format!(" lead={}:{}x{}", self.cfg.lead_shingles, self.cfg.lead_bands, self.cfg.lead_rows)
        } else {
            String::new()
        };
        let s = format!(
            "news-ingest-dedup/v{} normalize/v{} minhash/v{} shingle={} perm={} seed={} coeff={:016x} bands={}x{}",
            DEDUP_VERSION,
            normalize::NORMALIZE_VERSION,
            minhash::MINHASH_VERSION,
            self.cfg.shingle_size,
            self.cfg.num_perm,
            self.cfg.seed,
            self.hasher.coefficients_digest(),
            self.cfg.bands,
            self.cfg.rows,
        );
        s + &lead
    }

    /// Band keys per text: the whole-text bands, then the lead's.
    fn total_bands(&self) -> usize {
        self.cfg.bands + self.cfg.lead_bands
    }

    fn lead_len(&self) -> usize {
        self.cfg.lead_bands * self.cfg.lead_rows
    }

    /// The band keys of a whole-text signature and a lead signature.
    fn keys_of_signatures(&self, signature: &[u32], lead: &[u32]) -> Vec<u32> {
        let mut keys = Vec::with_capacity(self.total_bands());
        lsh::push_band_keys(&mut keys, signature, 0, self.cfg.bands, self.cfg.rows);
        if self.cfg.lead_bands > 0 {
            lsh::push_band_keys(&mut keys, lead, self.cfg.bands, self.cfg.lead_bands, self.cfg.lead_rows);
        }
        keys
    }

    /// Whether a database whose stored [`Self::params_fingerprint`] is `stored` differs
    /// from ours in the banding only (`bands`, `rows`): then its MinHash signatures
    /// (and, for texts without one, its stored bodies) are still valid and its band
    /// keys can be recomputed (see `pipeline::writer::check_dedup_params`) instead
    /// of refusing the database.
    pub fn rebandable_from(&self, stored: &str) -> bool {
        let ours = self.params_fingerprint();
        let prefix = |s: &str| s.rsplit_once(" bands=").map(|(p, _)| p.to_string());
        stored != ours && prefix(stored).is_some() && prefix(stored) == prefix(&ours)
    }

    /// The [`Self::persisted_form`] (band keys under the current banding) of a text
    /// from its stored [`Self::signature_bytes`]; `None` when the bytes are not a
    /// signature of `num_perm` values (the caller re-fingerprints the body instead).
    pub fn persisted_from_signature(&self, signature: &[u8]) -> Option<Vec<u8>> {
        self.keys_from_signature(signature).map(|keys| self.persist_keys(&keys))
    }

    /// The band keys under the current banding of a text from its stored
    /// [`Self::signature_bytes`]; `None` when the bytes are not a signature of
    /// `num_perm` values and a lead signature (e.g. stored before lead bands).
    pub fn keys_from_signature(&self, signature: &[u8]) -> Option<Vec<u32>> {
        if signature.len() != 4 * (self.cfg.num_perm + self.lead_len()) {
            return None;
        }
        let sig: Vec<u32> =
            signature.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let (whole, lead) = sig.split_at(self.cfg.num_perm);
        Some(self.keys_of_signatures(whole, lead))
    }

    /// The [`Self::persisted_form`] of band keys.
    pub fn persisted_from_keys(&self, keys: &[u32]) -> Vec<u8> {
        self.persist_keys(keys)
    }

    /// The shingle set of a body (for verification against a stored article).
    pub fn shingles(&self, body: &[String]) -> ShingleSet {
        shingle::shingles(body, self.cfg.shingle_size)
    }

    /// The shingles of a body as a set and in order (a candidate to verify).
    pub fn shingled(&self, body: &[String]) -> Shingled {
        let words = shingle::word_hashes(body);
        let sequence = shingle::sequence_from_words(&words, self.cfg.shingle_size);
        Shingled { set: ShingleSet::from_hashes(sequence.clone()), sequence, numbers: numbers_of(&words) }
    }

    /// Hash, shingles and signature of a body. Pure CPU work with no access to the
    /// index: call it from worker threads.
    pub fn fingerprint(&self, body: &[String]) -> Fingerprint {
        let mut words = Vec::with_capacity(body.iter().map(|p| p.len() / 5 + 1).sum());
        let content_sha256 = normalized_pass(body, |w| words.push(shingle::word_hash(w)));
        let sequence = shingle::sequence_from_words(&words, self.cfg.shingle_size);
        let shingles = ShingleSet::from_hashes(sequence.clone());
        let signature = self.hasher.signature(&shingles);
        let lead = self.lead_signature(&sequence);
        Fingerprint { content_sha256, shingles, sequence, numbers: numbers_of(&words), signature, lead }
    }

    /// The signature of the distinct shingles among the first `lead_shingles` of a
    /// text (of all of a shorter text): `lead_bands * lead_rows` values.
    fn lead_signature(&self, sequence: &[u64]) -> Vec<u32> {
        if self.cfg.lead_bands == 0 || sequence.is_empty() {
            return vec![u32::MAX; self.lead_len()];
        }
        let mut lead: Vec<u64> = sequence[..sequence.len().min(self.cfg.lead_shingles)].to_vec();
        lead.sort_unstable();
        lead.dedup();
        self.hasher.signature_prefix(&lead, self.lead_len())
    }

    /// Canonical articles sharing at least one LSH band, most shared bands first,
    /// at most `max_candidates` of them. Not yet verified.
    pub fn candidates(&self, fp: &Fingerprint) -> Vec<i64> {
        let mut c = self.lsh.query_keys(&self.band_keys(fp));
        if !self.merged.is_empty() {
            // Most shared bands first still: the first place of each article counts.
            let mut seen = std::collections::HashSet::new();
            c = c.into_iter().map(|id| self.resolve(id)).filter(|id| seen.insert(*id)).collect();
        }
        c.truncate(self.cfg.max_candidates.max(1));
        c
    }

    /// The article `id` is now part of (itself unless merged).
    pub fn resolve(&self, mut id: i64) -> i64 {
        // Chains are short (a merge target is a live article); the bound guards a cycle.
        for _ in 0..64 {
            match self.merged.get(&id) {
                Some(&to) if to != id => id = to,
                _ => break,
            }
        }
        id
    }

    /// Records that article `from` was merged into `into` (see [`Self::merges_for`]).
    pub fn merged_into(&mut self, from: i64, into: i64) {
        if from != into {
            self.merged.insert(from, into);
        }
    }

    /// The articles to merge into `m.id` now that a text joined it: those of
    /// [`Match::also`] whose own text (read by `text`) shares `member_confirm` of the
    /// shorter text with `m.id`'s text. Two stories glued into one text share
    /// nothing, so such a text merges nothing. Empty unless `merge_articles`.
    pub fn merges_for(
        &self,
        m: &Match,
        mut text: impl FnMut(i64) -> Option<Shingled>,
    ) -> Vec<(i64, Similarity)> {
        if !self.cfg.merge_articles || m.also.is_empty() {
            return Vec::new();
        }
        let Some(target) = text(m.id) else { return Vec::new() };
        m.also
            .iter()
            .filter_map(|&id| {
                let other = text(id)?;
                let (s, _) = self.judge(&other, &target);
                (s.containment >= self.cfg.member_confirm && s.len_a.min(s.len_b) >= self.cfg.min_shingles)
                    .then_some((id, s))
            })
            .collect()
    }

    /// Adds a text of article `id`: its own text, or a member (a copy merged into it,
    /// or an earlier text of it), all under the article's id (see [`Self::best_match`]).
    pub fn insert(&mut self, id: i64, fp: &Fingerprint) -> Result<(), DedupError> {
        let keys = self.band_keys(fp);
        self.lsh.insert_keys(id, &keys)
    }

    /// Whether a near copy (`s` = `verify_ordered(new, stored)`, new text first)
    /// should become the article's text under `dedup.canonical = "fullest"`: it has
    /// `fullest_min_gain` more shingles and contains the stored text (containment of the stored text
    /// reaches `containment`, or the stored text is covered but for edit-sized gaps).
    pub fn is_fuller(&self, s: &Similarity) -> bool {
        let c = &self.cfg;
        c.canonical == Canonical::Fullest
            && is_near_duplicate(s, c)
            && s.len_a as f64 >= s.len_b as f64 * (1.0 + c.fullest_min_gain)
            && s.len_a > s.len_b
            && (s.containment_b_in_a >= c.containment
                || (s.gap_filled >= c.gap_filled && s.containment_b_in_a >= c.gap_min_containment))
    }

    /// Whether the matched text becomes the article's text: it is fuller
    /// ([`Self::is_fuller`]), and it is not also a near copy of another article it
    /// does not merge with (`merges`, from [`Self::merges_for`]). A text that contains
    /// two articles that are not one story holds two stories (a page with the next
    /// article glued on): the first story's article must not take the second's text.
    pub fn replaces_text(&self, m: &Match, merges: &[(i64, Similarity)]) -> bool {
        self.is_fuller(&m.canonical) && m.also.iter().all(|id| merges.iter().any(|(merged, _)| merged == id))
    }

    /// The MinHash signature as bytes (one u32 LE per permutation), then the lead
    /// signature: stored with a canonical article for [`Self::plausible`] (which reads
    /// the first `num_perm` values) and for re-banding without reading the body.
    pub fn signature_bytes(&self, fp: &Fingerprint) -> Vec<u8> {
        fp.signature.iter().chain(&fp.lead).flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Whether a candidate (its shingle count and [`Self::signature_bytes`]) could
    /// pass exact verification against `fp`, judged from the signatures alone: the
    /// share of equal MinHash values estimates Jaccard `J`, and with the set sizes
    /// `a`, `b` the containment of the shorter text is `J (a + b) / ((1 + J) min(a, b))`.
    /// `false` only when both estimates fall `prefilter_margin` below their
    /// thresholds (or the candidate is under `min_shingles`); a malformed signature
    /// says `true`, so the candidate is verified exactly.
    pub fn plausible(&self, fp: &Fingerprint, shingles: usize, signature: &[u8]) -> bool {
        if shingles < self.cfg.min_shingles {
            return false;
        }
        let margin = self.cfg.prefilter_margin;
        if margin < 0.0 || signature.len() < 4 * fp.signature.len() || fp.signature.is_empty() {
            return true;
        }
        let equal = signature
            .chunks_exact(4)
            .zip(&fp.signature)
            .filter(|(c, &v)| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) == v)
            .count();
        let j = equal as f64 / fp.signature.len() as f64;
        let (a, b) = (fp.shingles.len() as f64, shingles as f64);
        let c = if a.min(b) > 0.0 { (j * (a + b) / ((1.0 + j) * a.min(b))).min(1.0) } else { 0.0 };
        // The edited-copy rule passes from `gap_min_containment` up.
        let c_min = self.cfg.containment.min(self.cfg.gap_min_containment);
        j >= self.cfg.jaccard - margin || c >= c_min - margin
    }

    /// The LSH band keys of a text (what a shared store indexes and locks on).
    pub fn band_keys(&self, fp: &Fingerprint) -> Vec<u32> {
        self.keys_of_signatures(&fp.signature, &fp.lead)
    }

    /// The bytes to store with a canonical article to rebuild the index at start:
    /// a version byte, the band count (u16 LE), then one u32 LE band key per band.
    pub fn persisted_form(&self, fp: &Fingerprint) -> Vec<u8> {
        self.persist_keys(&self.band_keys(fp))
    }

    fn persist_keys(&self, keys: &[u32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 + 4 * keys.len());
        out.push(PERSIST_VERSION);
        out.extend_from_slice(&(keys.len() as u16).to_le_bytes());
        for k in keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        out
    }

    /// Checks a stored form and returns its band keys (little-endian u32s).
    fn parse_persisted<'a>(&self, stored: &'a [u8]) -> Result<&'a [u8], DedupError> {
        let (&version, rest) = stored.split_first().ok_or(DedupError::Malformed("empty"))?;
        if version != PERSIST_VERSION {
            return Err(DedupError::Malformed("unknown version"));
        }
        if rest.len() < 2 {
            return Err(DedupError::Malformed("truncated"));
        }
        let bands = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        let body = &rest[2..];
        if body.len() != 4 * bands {
            return Err(DedupError::Malformed("length does not match band count"));
        }
        if bands != self.total_bands() {
            return Err(DedupError::BandCount { expected: self.total_bands(), found: bands });
        }
        Ok(body)
    }

    /// The band keys of a stored [`Self::persisted_form`] (checked as the index load
    /// checks it): what a shared store indexes.
    pub fn persisted_keys(&self, stored: &[u8]) -> Result<Vec<u32>, DedupError> {
        Ok(Self::keys_of(self.parse_persisted(stored)?).collect())
    }

    fn keys_of(body: &[u8]) -> impl ExactSizeIterator<Item = u32> + '_ {
        body.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// Re-adds a canonical article from its stored [`Self::persisted_form`].
    pub fn insert_persisted(&mut self, id: i64, stored: &[u8]) -> Result<(), DedupError> {
        let keys = self.persisted_keys(stored)?;
        self.lsh.insert_keys(id, &keys)
    }

    /// Re-adds many canonical articles at once (start-up; much faster than one by
    /// one: no per-article allocation, one allocation per bucket). Nothing is added
    /// when any item is malformed.
    pub fn load_persisted<'a>(
        &mut self,
        items: impl IntoIterator<Item = (i64, &'a [u8])>,
    ) -> Result<(), DedupError> {
        let mut bulk = lsh::BulkEntries::default();
        for (id, bytes) in items {
            bulk.push(self.total_bands(), id, Self::keys_of(self.parse_persisted(bytes)?))?;
        }
        self.lsh.extend_bulk(bulk);
        Ok(())
    }

    /// Number of canonical articles in the index.
    pub fn len(&self) -> usize {
        self.lsh.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lsh.is_empty()
    }

    /// Heap bytes of the in-memory index (see [`LshIndex::heap_bytes`]).
    pub fn heap_bytes(&self) -> usize {
        self.lsh.heap_bytes()
    }

    /// Exact similarity of two texts (shingles as sets and in order) and the
    /// decision under this config.
    pub fn judge(&self, a: &Shingled, b: &Shingled) -> (Similarity, bool) {
        let s = verify_ordered(a.text(), b.text(), self.cfg.edit_gap, self.cfg.long_run);
        (s, is_near_duplicate(&s, &self.cfg))
    }

    /// Verifies every candidate exactly and returns the best one that passes (highest
    /// Jaccard, then containment, then lowest id), or `None`. `canonical(id)` gives a
    /// candidate article's current text (`None` skips it, e.g. an id no longer
    /// stored); `members(id)` the other texts merged into it (its copies and earlier
    /// texts), which are indexed under the article's id too. A text under
    /// `min_shingles` never matches, so no candidate is even looked up.
    ///
    /// # Copies of copies, in any order
    /// A text that fails against the article's text is compared with its members:
    /// it merges when it is a near duplicate of one of them *and* still shares at
    /// least `member_confirm` of the shorter text with the article's own text. A
    /// bridge text (one story plus another) is close to both, but the second story
    /// shares little with the first story's text, so two stories are never chained.
    ///
    /// # Two stories in one article's text
    /// A candidate whose text holds this text beside another story (see
    /// `second_story`) is no match; [`Self::best_match_noting`] also says which.
    pub fn best_match(
        &self,
        fp: &Fingerprint,
        canonical: impl FnMut(i64) -> Option<Shingled>,
        members: impl FnMut(i64) -> Vec<Shingled>,
    ) -> Option<Match> {
        self.best_match_noting(fp, canonical, members, &mut Vec::new())
    }

    /// [`Self::best_match`], and the candidate articles whose text was found to hold
    /// this text beside another story pushed to `two_stories` (their text is a page
    /// with two stories glued together, which replaced the first story's own text:
    /// the writer gives them that text back).
    pub fn best_match_noting(
        &self,
        fp: &Fingerprint,
        mut canonical: impl FnMut(i64) -> Option<Shingled>,
        mut members: impl FnMut(i64) -> Vec<Shingled>,
        two_stories: &mut Vec<i64>,
    ) -> Option<Match> {
        if fp.shingles.len() < self.cfg.min_shingles {
            return None;
        }
        let mut best: Option<Match> = None;
        let mut direct: Vec<i64> = Vec::new();
        for id in self.candidates(fp) {
            let Some(other) = canonical(id) else { continue };
            let (s, dup) = self.judge_fp(fp, &other);
            if dup && self.second_story(fp, &s, || members(id)) {
                // The article's text holds this story beside another one: not a copy.
                two_stories.push(id);
                continue;
            }
            if dup {
                direct.push(id);
            }
            let decisive = if dup {
                Some(s)
            } else if s.containment >= self.cfg.member_confirm
                && s.len_a.min(s.len_b) >= self.cfg.min_shingles
            {
                members(id).iter().map(|m| self.judge_fp(fp, m)).filter(|(_, d)| *d).map(|(s, _)| s).max_by(
                    |a, b| {
                        (a.jaccard, a.containment)
                            .partial_cmp(&(b.jaccard, b.containment))
                            .unwrap_or(std::cmp::Ordering::Equal)
                    },
                )
            } else {
                None
            };
            let Some(d) = decisive else { continue };
            let better = match &best {
                None => true,
                Some(b) => {
                    (d.jaccard, d.containment, -id) > (b.evidence.jaccard, b.evidence.containment, -b.id)
                }
            };
            if better {
                best = Some(Match { id, evidence: d, canonical: s, via_member: !dup, also: Vec::new() });
            }
        }
        if let Some(b) = best.as_mut() {
            b.also = direct.into_iter().filter(|id| *id != b.id).collect();
        }
        best
    }

    /// Whether an article's text holds the new text beside another story, so the new
    /// text is not a copy of the article though it lies inside the article's text.
    /// `s` is the new text against the article's text. A page with the next article
    /// glued on replaces the first story's text (it contains it and is longer) when the
    /// second story is not yet known; when the second story then arrives, it lies inside
    /// that text too. What gives it away is a member of the article (the first story's
    /// own text, kept when the glued text replaced it) that shares (almost) nothing with
    /// the new text while both are a sizeable part of the article's text: copies of one
    /// story overlap (truncations keep the beginning), two stories do not.
    /// `dedup.glued_min_share` and `dedup.glued_max_overlap`; members are read only for
    /// a new text that is markedly shorter than the article's.
    fn second_story(
        &self,
        fp: &Fingerprint,
        s: &Similarity,
        members: impl FnOnce() -> Vec<Shingled>,
    ) -> bool {
        let share = self.cfg.glued_min_share;
        let (new, text) = (s.len_a as f64, s.len_b as f64);
        if share <= 0.0 || new < text * share || new > text * (1.0 - share) {
            return false;
        }
        members().iter().any(|m| self.apart(fp, m, text))
    }

    /// Whether member `m` of an article whose text has `text` shingles is another
    /// story than the new text `fp` ([`Self::second_story`]'s test).
    fn apart(&self, fp: &Fingerprint, m: &Shingled, text: f64) -> bool {
        let (share, overlap) = (self.cfg.glued_min_share, self.cfg.glued_max_overlap);
        let (apart, _) = self.judge_fp(fp, m);
        apart.len_b as f64 >= text * share && apart.containment < overlap
    }

    /// The member of an article that holds the article's own story, once a new text
    /// `fp` was found to be a second story glued into the article's text (`text`):
    /// the longest member that is apart from `fp`, as [`Self::second_story`] judged.
    /// For a glued page that came first (it has no earlier text to give back), that
    /// member, the first story's own copy, becomes the article's text.
    ///
    /// The member must also hold `dedup.glued_lead_share` of the text's first
    /// `glued_lead_shingles` shingles: the page's own story is the one at its top (its
    /// title, byline and dates stay the article's). When the second story was read
    /// before the first, it is the member, and it is not at the top: nothing is taken.
    pub fn first_story(&self, fp: &Fingerprint, text: &Shingled, members: &[Shingled]) -> Option<usize> {
        let len = text.set.len() as f64;
        let lead = &text.sequence[..text.sequence.len().min(self.cfg.glued_lead_shingles)];
        let holds_lead = |m: &Shingled| {
            let held = lead.iter().filter(|h| m.set.hashes().binary_search(h).is_ok()).count();
            !lead.is_empty() && held as f64 >= self.cfg.glued_lead_share * lead.len() as f64
        };
        (0..members.len())
            .filter(|&i| self.apart(fp, &members[i], len) && holds_lead(&members[i]))
            .max_by_key(|&i| (members[i].set.len(), std::cmp::Reverse(i)))
    }

    fn judge_fp(&self, fp: &Fingerprint, other: &Shingled) -> (Similarity, bool) {
        let s = verify_ordered(fp.text(), other.text(), self.cfg.edit_gap, self.cfg.long_run);
        (s, is_near_duplicate(&s, &self.cfg))
    }

    /// Similarity, decision and longest shared passage of two bodies (`why A B`).
    pub fn explain(&self, a: &[String], b: &[String]) -> Explanation {
        let (similarity, near_duplicate) = self.judge(&self.shingled(a), &self.shingled(b));
        Explanation {
            similarity,
            near_duplicate,
            longest_shared_passage: longest_shared_passage(&a.join("\n"), &b.join("\n")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn body(n: usize, salt: &str) -> Vec<String> {
        vec![(0..n).map(|i| format!("{salt}{i}")).collect::<Vec<_>>().join(" ")]
    }

    #[test]
    fn content_hash_ignores_form_and_tone_placement() {
        let a = vec!["Cộng hòa, thủy sản".to_string()];
        let b = vec!["cộng hoà thuỷ   sản!".to_string()];
        assert_eq!(content_sha256(&a), content_sha256(&b));
        assert_ne!(content_sha256(&a), content_sha256(&["cộng hoà".to_string()]));
    }

    #[test]
    fn fingerprint_agrees_with_parts() {
        let idx = NearDupIndex::new(&Config::embedded().dedup);
        let body = vec!["Cộng hòa, thủy sản 2024".to_string(), "".to_string(), "Bộ trưởng hội đàm".into()];
        let fp = idx.fingerprint(&body);
        assert_eq!(fp.content_sha256, content_sha256(&body));
        assert_eq!(fp.shingles, idx.shingles(&body));
        // Stored hashes keep their meaning: SHA-256 of the paragraphs' fingerprint
        // text joined by newlines (empty paragraphs included).
        let joined: Vec<String> = body.iter().map(|p| normalize::fingerprint_text(p)).collect();
        assert_eq!(fp.content_sha256, hex::encode(Sha256::digest(joined.join("\n").as_bytes())));
    }

    #[test]
    fn prefilter_keeps_copies_and_drops_distant_texts() {
        let cfg = Config::embedded().dedup;
        let idx = NearDupIndex::new(&cfg);
        let original = idx.fingerprint(&body(400, "w"));
        let stored = |fp: &Fingerprint| (fp.shingles.len(), idx.signature_bytes(fp));
        // The same text, a half-length truncation (J ~0.5, containment 1) and a copy
        // with a tenth of its words changed: all kept.
        let (n, sig) = stored(&original);
        assert!(idx.plausible(&original, n, &sig));
        let half = idx.fingerprint(&body(200, "w"));
        assert!(idx.plausible(&half, n, &sig));
        let mut edited: Vec<String> = body(400, "w")[0].split(' ').map(str::to_string).collect();
        for w in edited.iter_mut().step_by(10) {
            w.push('x');
        }
        assert!(idx.plausible(&idx.fingerprint(&[edited.join(" ")]), n, &sig));
        // A text sharing a fifth of its words in one run: J ~0.1, containment ~0.2.
        let mut mixed: Vec<String> = body(80, "w")[0].split(' ').map(str::to_string).collect();
        mixed.extend((0..320).map(|i| format!("z{i}")));
        let other = idx.fingerprint(&[mixed.join(" ")]);
        let sim = verify(&other.shingles, &original.shingles);
        assert!(!is_near_duplicate(&sim, &cfg));
        assert!(!idx.plausible(&other, n, &sig), "{sim:?}");
        // Under min_shingles: never; a malformed signature: verify exactly.
        assert!(!idx.plausible(&original, cfg.min_shingles - 1, &sig));
        assert!(idx.plausible(&other, n, &sig[..8]));
        // A negative margin turns the filter off.
        let mut off = cfg.clone();
        off.prefilter_margin = -1.0;
        assert!(NearDupIndex::new(&off).plausible(&other, n, &sig));
    }

    /// A short copy of a long text's beginning (containment 1, Jaccard 0.14) is a
    /// candidate through the lead bands; with whole-text bands alone it is not.
    #[test]
    fn a_short_copy_of_the_beginning_is_a_candidate_through_the_lead() {
        let cfg = Config::embedded().dedup;
        assert!(cfg.lead_bands > 0);
        let long = body(400, "w");
        let short: Vec<String> = vec![long[0].split(' ').take(60).collect::<Vec<_>>().join(" ")];
        for (lead, want) in [(cfg.lead_bands, true), (0, false)] {
            let mut c = cfg.clone();
            c.lead_bands = lead;
            let mut idx = NearDupIndex::new(&c);
            idx.insert(1, &idx.fingerprint(&long)).unwrap();
            let fp = idx.fingerprint(&short);
            let sim = verify(&fp.shingles, &idx.fingerprint(&long).shingles);
            assert!(sim.jaccard < 0.2 && is_near_duplicate(&sim, &c), "{sim:?}");
            assert_eq!(idx.candidates(&fp).contains(&1), want, "lead bands {lead}");
            // And the other way round: the long text finds the short one.
            let mut rev = NearDupIndex::new(&c);
            rev.insert(2, &fp).unwrap();
            assert_eq!(rev.candidates(&rev.fingerprint(&long)).contains(&2), want, "lead bands {lead}");
        }
    }

    #[test]
    fn lead_signature_is_stored_and_rebands() {
        let cfg = Config::embedded().dedup;
        let idx = NearDupIndex::new(&cfg);
        let fp = idx.fingerprint(&body(200, "w"));
        let sig = idx.signature_bytes(&fp);
        assert_eq!(sig.len(), 4 * (cfg.num_perm + cfg.lead_bands * cfg.lead_rows));
        assert_eq!(idx.keys_from_signature(&sig), Some(idx.band_keys(&fp)));
        assert_eq!(idx.band_keys(&fp).len(), cfg.bands + cfg.lead_bands);
        // A signature stored before the lead bands: re-fingerprinted, not guessed.
        assert_eq!(idx.keys_from_signature(&sig[..4 * cfg.num_perm]), None);
        // And the prefilter still reads it.
        let (n, whole) = (fp.shingles.len(), &sig[..4 * cfg.num_perm]);
        assert!(idx.plausible(&fp, n, whole));
    }

    #[test]
    fn candidates_are_capped_most_shared_first() {
        let mut cfg = Config::embedded().dedup;
        cfg.max_candidates = 3;
        let mut idx = NearDupIndex::new(&cfg);
        // Ten stored texts that share a growing part of the probe's words: the later
        // ones are closer to it, so they share more bands.
        let probe = body(400, "w");
        for i in 0..10 {
            let keep = 40 + 36 * i;
            let mut words: Vec<String> = probe[0].split(' ').take(keep).map(str::to_string).collect();
            words.extend((keep..400).map(|j| format!("x{i}_{j}")));
            idx.insert(i as i64 + 1, &idx.fingerprint(&[words.join(" ")])).unwrap();
        }
        let fp = idx.fingerprint(&probe);
        let all = {
            let mut uncapped = cfg.clone();
            uncapped.max_candidates = usize::MAX;
            let mut u = NearDupIndex::new(&uncapped);
            u.lsh = idx.lsh.clone();
            u.candidates(&fp)
        };
        assert!(all.len() > 3, "{all:?}");
        let capped = idx.candidates(&fp);
        assert_eq!(capped, all[..3].to_vec());
        // The closest stored text shares the most bands and comes first.
        assert_eq!(capped[0], 10);
    }

    #[test]
    fn facade_round_trip() {
        let cfg = Config::embedded().dedup;
        let mut idx = NearDupIndex::new(&cfg);
        let a = idx.fingerprint(&body(300, "w"));
        let b = idx.fingerprint(&body(300, "v"));
        idx.insert(1, &a).unwrap();
        idx.insert(2, &b).unwrap();
        let sets = |id: i64| match id {
            1 => Some(Shingled::from(&a)),
            2 => Some(Shingled::from(&b)),
            _ => None,
        };
        // Truncated copy of a: found, verified, matched to 1.
        let copy = idx.fingerprint(&body(240, "w"));
        let m = idx.best_match(&copy, sets, |_| Vec::new()).unwrap();
        assert_eq!(m.id, 1);
        assert!(m.evidence.containment > 0.99);
        assert!(!m.via_member);
        // Unrelated text: no match.
        assert!(idx.best_match(&idx.fingerprint(&body(300, "z")), sets, |_| Vec::new()).is_none());

        // Persisted form rebuilds the same index.
        let mut re = NearDupIndex::new(&cfg);
        re.insert_persisted(1, &idx.persisted_form(&a)).unwrap();
        let pb = idx.persisted_form(&b);
        re.load_persisted([(2, pb.as_slice())]).unwrap();
        assert_eq!(re.candidates(&copy), idx.candidates(&copy));
        assert_eq!(re.len(), 2);
        assert!(re.insert_persisted(3, &[]).is_err());
        assert!(re.insert_persisted(3, &[1, 2]).is_err());
        assert!(re.insert_persisted(3, &pb[..pb.len() - 1]).is_err());
        assert!(re.params_fingerprint().contains("bands=42x3"));
        let mut other = cfg.clone();
        other.seed += 1;
        assert_ne!(NearDupIndex::new(&other).params_fingerprint(), re.params_fingerprint());
        // Other seed: not re-bandable; other banding: re-bandable, and the keys made
        // from a signature equal the keys made from the text.
        assert!(!re.rebandable_from(&NearDupIndex::new(&other).params_fingerprint()));
        assert!(!re.rebandable_from(&re.params_fingerprint()));
        let mut old = cfg.clone();
        (old.bands, old.rows) = (32, 4);
        let old = NearDupIndex::new(&old);
        assert!(re.rebandable_from(&old.params_fingerprint()));
        assert_eq!(re.persisted_from_signature(&old.signature_bytes(&a)), Some(re.persisted_form(&a)));
        assert_eq!(re.persisted_from_signature(&[0; 12]), None);
    }

    #[test]
    fn explain_reports_passage() {
        let idx = NearDupIndex::new(&Config::embedded().dedup);
        let e = idx.explain(&body(100, "w"), &body(50, "w"));
        assert!(e.near_duplicate);
        assert_eq!(e.similarity.shared, 46);
        assert_eq!(e.longest_shared_passage.split(' ').count(), 50);
    }
}

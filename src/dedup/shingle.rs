//! Shingles: runs of `k` consecutive normalised syllables, hashed to u64.
//!
//! The hash is written out here (FNV-1a over the word's UTF-8 bytes, then a
//! murmur3-style finaliser; words combined in order), so it is the same on every
//! platform, Rust version and run: shingle sets and MinHash signatures computed today
//! stay comparable with those stored in a database long ago. `std`'s `DefaultHasher`
//! promises none of that.

use super::normalize;

/// FNV-1a 64-bit offset basis and prime.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The murmur3 64-bit finaliser: a bijection that spreads every input bit.
#[inline]
pub fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// Portable 64-bit hash of one word. The lowest bit is not hash: it is 1 when the
/// word contains a digit (see [`NUMERIC_BIT`]).
#[inline]
pub fn word_hash(w: &str) -> u64 {
    let mut h = FNV_OFFSET;
    let mut digit = false;
    for &b in w.as_bytes() {
        digit |= b.is_ascii_digit();
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    (fmix64(h) & !NUMERIC_BIT) | u64::from(digit)
}

/// The lowest bit of a word or shingle hash marks a *numeric* one (a word with a
/// digit, or a shingle containing such a word). Template stories (lottery draws,
/// prices, weather) share their wording and differ in their numbers; copies of one
/// story share their numbers too. Keeping the flag in the hash lets verification
/// count shared numeric shingles in the same merge, with no extra storage.
pub const NUMERIC_BIT: u64 = 1;

/// Portable hash of a run of word hashes (order matters); numeric when any word is.
#[inline]
pub fn combine(words: &[u64]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ (words.len() as u64);
    let mut numeric = 0;
    for &w in words {
        numeric |= w & NUMERIC_BIT;
        h = (h.rotate_left(23) ^ w).wrapping_mul(0x9fb2_1c65_1e98_df25);
    }
    (fmix64(h) & !NUMERIC_BIT) | numeric
}

/// The distinct shingle hashes of one text, sorted ascending (so intersections are a
/// linear merge and the set is its own compact serialised form).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShingleSet {
    hashes: Vec<u64>,
}

impl ShingleSet {
    /// Builds the set from arbitrary hashes (sorted and deduplicated here).
    pub fn from_hashes(mut hashes: Vec<u64>) -> Self {
        hashes.sort_unstable();
        hashes.dedup();
        hashes.shrink_to_fit();
        ShingleSet { hashes }
    }

    /// Number of distinct shingles.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The sorted, distinct hashes.
    pub fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// Number of hashes present in both sets (linear merge).
    pub fn intersection_len(&self, other: &ShingleSet) -> usize {
        self.intersection_counts(other).0
    }

    /// Numeric shingles in the set (see [`NUMERIC_BIT`]).
    pub fn numeric_len(&self) -> usize {
        self.hashes.iter().filter(|&&h| h & NUMERIC_BIT != 0).count()
    }

    /// (shared shingles, shared numeric shingles), in one linear merge.
    pub fn intersection_counts(&self, other: &ShingleSet) -> (usize, usize) {
        let (a, b) = (&self.hashes, &other.hashes);
        let (mut i, mut j, mut n, mut num) = (0, 0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    num += (a[i] & NUMERIC_BIT) as usize;
                    i += 1;
                    j += 1;
                }
            }
        }
        (n, num)
    }

    /// Little-endian u64s, 8 bytes per shingle (a compact stored form).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.hashes.len() * 8);
        for h in &self.hashes {
            out.extend_from_slice(&h.to_le_bytes());
        }
        out
    }

    /// Reads [`ShingleSet::to_bytes`]; `None` when the length is not a multiple of 8.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() % 8 != 0 {
            return None;
        }
        let hashes = bytes
            .chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                u64::from_le_bytes(a)
            })
            .collect();
        Some(Self::from_hashes(hashes))
    }
}

/// The hashes of the normalised words of all paragraphs, in order (paragraphs are
/// joined: a shingle may span a paragraph break, as it would in the one-line bodies
/// many scrapers produce).
pub fn word_hashes(body: &[String]) -> Vec<u64> {
    let mut out = Vec::with_capacity(body.iter().map(|p| p.len() / 5 + 1).sum());
    for p in body {
        normalize::for_each_word(p, |w| out.push(word_hash(w)));
    }
    out
}

/// The shingle set of a body: every run of `k` consecutive words. A text with fewer
/// than `k` words (but at least one) yields one shingle of all its words, so it still
/// has a fingerprint; the minimum-shingles rule keeps such texts from merging.
pub fn shingles(body: &[String], k: usize) -> ShingleSet {
    shingles_from_words(&word_hashes(body), k)
}

/// [`shingles`] on precomputed word hashes.
pub fn shingles_from_words(words: &[u64], k: usize) -> ShingleSet {
    ShingleSet::from_hashes(sequence_from_words(words, k))
}

/// The shingle hashes of a text in text order (repeats kept): what
/// [`Coverage::of`] walks to find shared runs and the gaps between them.
pub fn sequence_from_words(words: &[u64], k: usize) -> Vec<u64> {
    let k = k.max(1);
    if words.is_empty() {
        return Vec::new();
    }
    if words.len() < k {
        return vec![combine(words)];
    }
    words.windows(k).map(combine).collect()
}

/// How one text's shingles, in text order, are covered by another text's set: the
/// evidence that tells a copy with scattered small edits (short unshared gaps
/// between long shared runs) from another article that reuses some paragraphs of it
/// (long unshared blocks), which Jaccard and containment alone cannot.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Coverage {
    /// Longest run of consecutive shingles found in the other set.
    pub longest_run: usize,
    /// Share of the text's shingles that are shared or lie in an unshared gap of at
    /// most `max_gap` shingles (a gap at either end counts too).
    pub gap_filled: f64,
    /// Shared shingles that lie in runs of at least `long_run` consecutive shared
    /// shingles. A copy with scattered edits keeps nearly all of its shared shingles
    /// in such runs; an article by another newsroom on the same event shares many of
    /// its shingles in stock phrases of a few words.
    pub in_long_runs: usize,
}

impl Coverage {
    /// Walks `sequence` once, looking each shingle up in `other` (binary search).
    pub fn of(sequence: &[u64], other: &ShingleSet, max_gap: usize, long_run: usize) -> Coverage {
        if sequence.is_empty() {
            return Coverage::default();
        }
        let (mut run, mut longest, mut gap, mut filled) = (0usize, 0usize, 0usize, 0usize);
        let mut in_long = 0usize;
        let long_run = long_run.max(1);
        for h in sequence {
            if other.hashes.binary_search(h).is_ok() {
                if run + 1 == long_run {
                    in_long += long_run;
                } else if run + 1 > long_run {
                    in_long += 1;
                }
                run += 1;
                longest = longest.max(run);
                filled += 1;
                if gap <= max_gap {
                    filled += gap;
                }
                gap = 0;
            } else {
                run = 0;
                gap += 1;
            }
        }
        if gap <= max_gap {
            filled += gap;
        }
        Coverage {
            longest_run: longest,
            gap_filled: filled as f64 / sequence.len() as f64,
            in_long_runs: in_long,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &str) -> Vec<String> {
        vec![s.to_string()]
    }

    #[test]
    fn hashes_are_fixed() {
        // Pinned values: a change here invalidates every stored fingerprint and must
        // come with a bump of the dedup parameter version.
        assert_eq!(word_hash(""), fmix64(FNV_OFFSET) & !NUMERIC_BIT);
        assert_eq!(word_hash("a"), fmix64(0xaf63_dc4c_8601_ec8c) & !NUMERIC_BIT);
        assert_eq!(word_hash("6/45") & NUMERIC_BIT, 1);
        let s = shingles(&body("một hai ba bốn năm sáu"), 5);
        assert_eq!(s.len(), 2);
        let again = shingles(&body("MỘT hai, ba bốn năm sáu"), 5);
        assert_eq!(s, again);
    }

    #[test]
    fn order_matters_and_short_texts_have_one_shingle() {
        let a = shingles(&body("a b c d e"), 5);
        let b = shingles(&body("e d c b a"), 5);
        assert_eq!(a.len(), 1);
        assert_ne!(a, b);
        assert_eq!(shingles(&body("a b"), 5).len(), 1);
        assert!(shingles(&body(" ... "), 5).is_empty());
    }

    #[test]
    fn numeric_shingles_are_flagged() {
        let s = shingles(&body("a b c d e f g h i j k 2018"), 5);
        assert_eq!(s.len(), 8);
        assert_eq!(s.numeric_len(), 1);
        let t = shingles(&body("a b c d e f g h i j k 2019"), 5);
        assert_eq!(s.intersection_counts(&t), (7, 0));
    }

    #[test]
    fn paragraphs_are_joined() {
        let one = shingles(&body("a b c d e f g"), 5);
        let two = shingles(&["a b c".to_string(), "d e f g".to_string()], 5);
        assert_eq!(one, two);
    }

    #[test]
    fn coverage_tells_scattered_edits_from_reused_blocks() {
        let other = ShingleSet::from_hashes((0..100).collect());
        // Every tenth shingle edited away: short gaps, all filled.
        let edited: Vec<u64> = (0..100).map(|i| if i % 10 == 5 { 1000 + i } else { i }).collect();
        let c = Coverage::of(&edited, &other, 5, 10);
        assert_eq!(c.longest_run, 9);
        assert!((c.gap_filled - 1.0).abs() < 1e-9);
        // No run reaches 10; with runs of 5 counted long: the first run (0..5) and
        // the nine runs of 9, not the last run of 4 (96..100).
        assert_eq!(c.in_long_runs, 0);
        assert_eq!(Coverage::of(&edited, &other, 5, 5).in_long_runs, 5 + 9 * 9);
        // Half of it one new block of 50: the block is not filled.
        let reused: Vec<u64> = (0..50).chain(2000..2050).collect();
        let c = Coverage::of(&reused, &other, 5, 10);
        assert_eq!(c.longest_run, 50);
        assert!((c.gap_filled - 0.5).abs() < 1e-9);
        assert_eq!(c.in_long_runs, 50);
        // A short unshared head is filled, a long tail is not.
        let ends: Vec<u64> = (3000..3003).chain(0..10).chain(4000..4010).collect();
        let c = Coverage::of(&ends, &other, 5, 10);
        assert!((c.gap_filled - 13.0 / 23.0).abs() < 1e-9, "{c:?}");
        assert_eq!(Coverage::of(&[], &other, 5, 10), Coverage::default());
    }

    #[test]
    fn intersection_and_bytes_round_trip() {
        let a = ShingleSet::from_hashes(vec![5, 1, 3, 3, 9]);
        let b = ShingleSet::from_hashes(vec![3, 9, 10]);
        assert_eq!(a.len(), 4);
        assert_eq!(a.intersection_len(&b), 2);
        assert_eq!(ShingleSet::from_bytes(&a.to_bytes()), Some(a));
        assert_eq!(ShingleSet::from_bytes(&[1, 2, 3]), None);
    }
}

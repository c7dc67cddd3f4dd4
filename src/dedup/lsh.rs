//! LSH banding over MinHash signatures, with a compact in-memory index.
//!
//! A signature of `bands × rows` values is cut into `bands` bands; two texts become
//! candidates when any band is equal. The probability of that for Jaccard `J` is
//! `1 - (1 - J^rows)^bands`: with 32 × 4, 0.56 at J = 0.4, 0.87 at 0.5, 0.99 at 0.6, so
//! truncated and edited copies (J 0.4–0.7) are still found. Every candidate is then
//! verified exactly, so extra candidates cost time, never correctness.
//!
//! # Memory layout
//! Each band value is hashed with its band number into one 32-bit *band key*. The
//! index is a power-of-two array of buckets addressed by the top bits of the key; a
//! bucket is an exactly sized boxed slice of `u64` entries `key << 32 | id`. So an
//! article costs 8 bytes per band plus a small share of bucket headers (~270 bytes per
//! article with 32 bands, measured by the bench: 277–293), inserts and queries touch `bands`
//! short buckets whatever the size of the index (flat cost), and buckets split in two
//! when the average bucket grows past [`MAX_LOAD`] entries.
//!
//! Article ids are stored as `u32` (SQLite row ids from 1 up to 4 294 967 295).
//! Two unrelated band values share a 32-bit key with probability 2^-32 per stored
//! entry: with a million articles (32 M entries) about 0.25 spurious candidates per
//! query, which exact verification discards.

use super::shingle::{combine, fmix64};
use super::DedupError;

/// Buckets are split when they hold this many entries on average.
pub const MAX_LOAD: usize = 64;
const MIN_BUCKET_BITS: u32 = 8;

/// The band keys of a signature: one 32-bit key per band, band number mixed in, so
/// equal values in different bands never collide.
pub fn band_keys(sig: &[u32], bands: usize, rows: usize) -> Vec<u32> {
    let mut keys = Vec::with_capacity(bands);
    let mut buf = Vec::with_capacity(rows + 1);
    for b in 0..bands {
        buf.clear();
        buf.push(b as u64);
        for r in 0..rows {
            buf.push(u64::from(sig.get(b * rows + r).copied().unwrap_or(u32::MAX)));
        }
        keys.push((fmix64(combine(&buf)) >> 32) as u32);
    }
    keys
}

/// Probability that a pair with Jaccard `j` becomes a candidate.
pub fn candidate_probability(j: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - j.powi(rows as i32)).powi(bands as i32)
}

/// Articles collected for one [`LshIndex::extend_bulk`]: a flat list of entries, so a
/// start-up load of a million articles makes no per-article allocation.
#[derive(Debug, Default)]
pub struct BulkEntries {
    entries: Vec<u64>,
    articles: usize,
}

impl BulkEntries {
    pub fn with_capacity(articles: usize, bands: usize) -> Self {
        BulkEntries { entries: Vec::with_capacity(articles * bands), articles: 0 }
    }

    /// Adds one article's band keys; checks the band count and the id range.
    pub fn push(
        &mut self,
        bands: usize,
        id: i64,
        keys: impl ExactSizeIterator<Item = u32>,
    ) -> Result<(), DedupError> {
        if keys.len() != bands {
            return Err(DedupError::BandCount { expected: bands, found: keys.len() });
        }
        let id = to_u32_id(id)?;
        self.entries.extend(keys.map(|k| entry(k, id)));
        self.articles += 1;
        Ok(())
    }

    pub fn articles(&self) -> usize {
        self.articles
    }
}

/// The in-memory LSH index: band key → article ids.
#[derive(Debug, Clone)]
pub struct LshIndex {
    bands: usize,
    rows: usize,
    bucket_bits: u32,
    buckets: Vec<Box<[u64]>>,
    entries: usize,
    articles: usize,
}

#[inline]
fn entry(key: u32, id: u32) -> u64 {
    (u64::from(key) << 32) | u64::from(id)
}

#[inline]
fn entry_key(e: u64) -> u32 {
    (e >> 32) as u32
}

fn to_u32_id(id: i64) -> Result<u32, DedupError> {
    u32::try_from(id).map_err(|_| DedupError::IdOutOfRange(id))
}

impl LshIndex {
    pub fn new(bands: usize, rows: usize) -> Self {
        LshIndex {
            bands,
            rows,
            bucket_bits: MIN_BUCKET_BITS,
            buckets: vec![Box::default(); 1 << MIN_BUCKET_BITS],
            entries: 0,
            articles: 0,
        }
    }

    pub fn bands(&self) -> usize {
        self.bands
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of articles inserted (and not removed).
    pub fn len(&self) -> usize {
        self.articles
    }

    pub fn is_empty(&self) -> bool {
        self.articles == 0
    }

    /// The band keys of a signature under this index's banding.
    pub fn band_keys(&self, sig: &[u32]) -> Vec<u32> {
        band_keys(sig, self.bands, self.rows)
    }

    #[inline]
    fn bucket_of(&self, key: u32) -> usize {
        (key >> (32 - self.bucket_bits)) as usize
    }

    /// Makes room for `more` articles without intermediate splits.
    pub fn reserve(&mut self, more: usize) {
        let want = (self.entries + more * self.bands) / MAX_LOAD + 1;
        let mut bits = self.bucket_bits;
        while (1usize << bits) < want && bits < 32 {
            bits += 1;
        }
        self.resize(bits);
    }

    fn resize(&mut self, bits: u32) {
        if bits <= self.bucket_bits {
            return;
        }
        let old = std::mem::take(&mut self.buckets);
        let shift = 32 - bits;
        let mut counts = vec![0u32; 1 << bits];
        for b in &old {
            for &e in b.iter() {
                counts[(entry_key(e) >> shift) as usize] += 1;
            }
        }
        let mut fresh: Vec<Vec<u64>> = counts.iter().map(|&c| Vec::with_capacity(c as usize)).collect();
        for b in old {
            for &e in b.iter() {
                fresh[(entry_key(e) >> shift) as usize].push(e);
            }
        }
        self.buckets = fresh.into_iter().map(Vec::into_boxed_slice).collect();
        self.bucket_bits = bits;
    }

    fn grow_if_needed(&mut self) {
        if self.entries > MAX_LOAD << self.bucket_bits && self.bucket_bits < 32 {
            self.resize(self.bucket_bits + 1);
        }
    }

    /// Adds an article by its signature.
    pub fn insert(&mut self, id: i64, sig: &[u32]) -> Result<(), DedupError> {
        let keys = self.band_keys(sig);
        self.insert_keys(id, &keys)
    }

    /// Adds an article by its band keys (as persisted).
    pub fn insert_keys(&mut self, id: i64, keys: &[u32]) -> Result<(), DedupError> {
        if keys.len() != self.bands {
            return Err(DedupError::BandCount { expected: self.bands, found: keys.len() });
        }
        let id = to_u32_id(id)?;
        for &k in keys {
            let slot = self.bucket_of(k);
            let old = std::mem::take(&mut self.buckets[slot]);
            let mut v = Vec::with_capacity(old.len() + 1);
            v.extend_from_slice(&old);
            v.push(entry(k, id));
            self.buckets[slot] = v.into_boxed_slice();
        }
        self.entries += keys.len();
        self.articles += 1;
        self.grow_if_needed();
        Ok(())
    }

    /// Adds many articles at once (start-up): one allocation per touched bucket
    /// instead of one per entry.
    pub fn extend_keys<'a>(
        &mut self,
        items: impl IntoIterator<Item = (i64, &'a [u32])>,
    ) -> Result<(), DedupError> {
        let mut bulk = BulkEntries::default();
        for (id, keys) in items {
            bulk.push(self.bands, id, keys.iter().copied())?;
        }
        self.extend_bulk(bulk);
        Ok(())
    }

    /// Adds the articles collected in `bulk` (see [`BulkEntries`]).
    pub fn extend_bulk(&mut self, bulk: BulkEntries) {
        let BulkEntries { entries: new, articles } = bulk;
        self.reserve(articles);
        let mut counts = vec![0u32; self.buckets.len()];
        for &e in &new {
            counts[self.bucket_of(entry_key(e))] += 1;
        }
        let mut grouped: Vec<Vec<u64>> = self
            .buckets
            .iter_mut()
            .zip(&counts)
            .map(|(b, &c)| {
                let mut v = Vec::with_capacity(b.len() + c as usize);
                v.extend_from_slice(b);
                *b = Box::default();
                v
            })
            .collect();
        drop(counts);
        for &e in &new {
            let slot = self.bucket_of(entry_key(e));
            grouped[slot].push(e);
        }
        drop(new);
        self.buckets = grouped.into_iter().map(Vec::into_boxed_slice).collect();
        self.entries = self.buckets.iter().map(|b| b.len()).sum();
        self.articles += articles;
    }

    /// Removes an article (its band keys are needed to find its entries).
    pub fn remove_keys(&mut self, id: i64, keys: &[u32]) -> Result<(), DedupError> {
        let id = to_u32_id(id)?;
        let mut removed = 0;
        for &k in keys {
            let slot = self.bucket_of(k);
            let e = entry(k, id);
            if self.buckets[slot].contains(&e) {
                let v: Vec<u64> = self.buckets[slot].iter().copied().filter(|&x| x != e).collect();
                removed += self.buckets[slot].len() - v.len();
                self.buckets[slot] = v.into_boxed_slice();
            }
        }
        if removed > 0 {
            self.entries -= removed;
            self.articles = self.articles.saturating_sub(1);
        }
        Ok(())
    }

    /// Distinct candidate ids for a signature, most shared bands first.
    pub fn query(&self, sig: &[u32]) -> Vec<i64> {
        self.query_keys(&self.band_keys(sig))
    }

    /// Distinct candidate ids for band keys, most shared bands first (ties by id).
    pub fn query_keys(&self, keys: &[u32]) -> Vec<i64> {
        // In a large index every bucket is a cache miss. Touch the first entry of all
        // of them in a loop without dependencies first, so the misses overlap, then
        // scan: a large index then costs little more per query than a small one.
        let mut touch = 0u64;
        for &k in keys {
            let b = &self.buckets[self.bucket_of(k)];
            touch ^= b.first().copied().unwrap_or(0) ^ b.last().copied().unwrap_or(0);
        }
        std::hint::black_box(touch);
        let mut hits: Vec<u32> = Vec::new();
        for &k in keys {
            for &e in self.buckets[self.bucket_of(k)].iter() {
                if entry_key(e) == k {
                    hits.push(e as u32);
                }
            }
        }
        if hits.is_empty() {
            return Vec::new();
        }
        hits.sort_unstable();
        let mut counted: Vec<(u32, u32)> = Vec::new();
        for id in hits {
            match counted.last_mut() {
                Some((last, n)) if *last == id => *n += 1,
                _ => counted.push((id, 1)),
            }
        }
        counted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counted.into_iter().map(|(id, _)| i64::from(id)).collect()
    }

    /// Heap bytes held by the index, including an estimate of the allocator's
    /// per-allocation overhead (glibc: 8-byte header, 16-byte granularity).
    pub fn heap_bytes(&self) -> usize {
        let headers = self.buckets.capacity() * std::mem::size_of::<Box<[u64]>>();
        let data: usize = self
            .buckets
            .iter()
            .filter(|b| !b.is_empty())
            .map(|b| (b.len() * 8 + 8).div_ceil(16).max(2) * 16)
            .sum();
        headers + data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(seed: u32) -> Vec<u32> {
        (0..128u32).map(|i| (fmix64(u64::from(seed) << 8 | u64::from(i)) >> 40) as u32).collect()
    }

    #[test]
    fn probability_matches_issue_figures() {
        assert!((candidate_probability(0.4, 32, 4) - 0.56).abs() < 0.01);
        assert!((candidate_probability(0.5, 32, 4) - 0.87).abs() < 0.01);
        assert!(candidate_probability(0.6, 32, 4) > 0.98);
    }

    #[test]
    fn band_keys_depend_on_band_number() {
        let s = vec![7u32; 128];
        let k = band_keys(&s, 32, 4);
        assert_eq!(k.len(), 32);
        let distinct: std::collections::HashSet<_> = k.iter().collect();
        assert_eq!(distinct.len(), 32);
    }

    #[test]
    fn insert_query_remove() {
        let mut idx = LshIndex::new(32, 4);
        for i in 0..5000 {
            idx.insert(i, &sig(i as u32)).unwrap();
        }
        assert_eq!(idx.len(), 5000);
        assert!(idx.bucket_bits > MIN_BUCKET_BITS);
        assert_eq!(idx.query(&sig(42)), vec![42]);
        // One band changed: still found, alone.
        let mut s = sig(42);
        s[0] ^= 1;
        assert_eq!(idx.query(&s), vec![42]);
        assert!(idx.query(&sig(99_999)).is_empty());
        let keys = idx.band_keys(&sig(42));
        idx.remove_keys(42, &keys).unwrap();
        assert!(idx.query(&sig(42)).is_empty());
        assert_eq!(idx.len(), 4999);
        assert!(idx.insert(-1, &sig(1)).is_err());
        assert!(idx.insert_keys(1, &[1, 2, 3]).is_err());
    }

    #[test]
    fn bulk_equals_incremental() {
        let mut a = LshIndex::new(32, 4);
        let mut b = LshIndex::new(32, 4);
        let keys: Vec<Vec<u32>> = (0..3000).map(|i| a.band_keys(&sig(i))).collect();
        for (i, k) in keys.iter().enumerate() {
            a.insert_keys(i as i64, k).unwrap();
        }
        b.insert_keys(0, &keys[0]).unwrap();
        b.extend_keys(keys.iter().enumerate().skip(1).map(|(i, k)| (i as i64, k.as_slice()))).unwrap();
        assert_eq!(a.len(), b.len());
        for i in [0u32, 1, 1500, 2999] {
            assert_eq!(a.query(&sig(i)), b.query(&sig(i)));
            assert_eq!(a.query(&sig(i)), vec![i64::from(i)]);
        }
        assert!(b.heap_bytes() / b.len() < 300, "{}", b.heap_bytes() / b.len());
    }
}

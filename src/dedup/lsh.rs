//! LSH banding over MinHash signatures, with a compact in-memory index.
//!
//! A signature of `bands × rows` values is cut into `bands` bands; two texts become
//! candidates when any band is equal. The probability of that for Jaccard `J` is
//! `1 - (1 - J^rows)^bands`: with 32 × 4, 0.56 at J = 0.4, 0.87 at 0.5, 0.99 at 0.6, so
//! truncated and edited copies (J 0.4–0.7) are still found. Every candidate is then
//! verified exactly, so extra candidates cost time, never correctness.
//!
//! # Memory layout
//! Each band value is hashed with its band number into one 32-bit *band key*, and an
//! entry is the `u64` `key << 32 | id`. The index is one array of entries, an
//! *ordered linear-probing table*: key `k` has the home slot `k * homes >> 32`, and
//! the entries are kept in key order, each at its home or just after the entry before
//! it, whichever is further; the other slots are empty. So:
//!
//! - An article costs 8 bytes per band divided by the load (entries per home slot,
//!   0.87–0.92, 0.88 after a bulk load): 280–295 bytes with 32 bands, and nothing
//!   else: no bucket headers, no offsets array, one allocation in all.
//! - A query reads, for each key, from its home to the first greater key or empty
//!   slot, past the few entries displaced there (about `1 / (2 (1 - load))`, 4–6
//!   slots): one or two cache lines, whose addresses are known up front. They are
//!   all prefetched first, so the 32 cache misses of a query overlap, and a query
//!   into a million articles costs little more than one into ten thousand (the old
//!   layout, a boxed slice per bucket, cost two dependent misses per band and
//!   scanned ~64 entries).
//! - An insert puts the entry in its place and shifts the entries up to the next
//!   empty slot one slot right (`1 / (2 (1 - load)^2)`, 30–80 slots, a few lines,
//!   a `memmove`); a removal shifts the displaced entries after it back left. So the
//!   layout stays the one above: it depends only on the set of entries.
//! - The table grows in place (at 0.92, to 0.87): a `realloc` (large blocks are
//!   remapped by glibc, not copied, and there is never a second table) and one
//!   relayout pass from the back, since with more homes no entry moves left. Growth
//!   is geometric, so amortised O(1) per insert. A bulk load sorts the collected
//!   entries in place (radix) and lays them out the same way: the collected buffer
//!   becomes the table.
//!
//! The load trades memory for insert cost (the shift length grows as
//! `1 / (1 - load)^2`); query cost barely depends on it. A CSR layout (offsets per
//! bucket) was the alternative: it needs 8–16 more bytes per article and a second
//! dependent cache miss per key. Transparent huge pages (`MADV_HUGEPAGE`,
//! `MADV_COLLAPSE`) were measured too and gave nothing on the (virtualised)
//! development machine, so they are not used.
//!
//! Article ids are stored as `u32` (SQLite row ids from 1 up to 4 294 967 295).
//! Two unrelated band values share a 32-bit key with probability 2^-32 per stored
//! entry: with a million articles (32 M entries) about 0.25 spurious candidates per
//! query, which exact verification discards.

use super::shingle::{combine, fmix64};
use super::DedupError;

/// The band keys of a signature: one 32-bit key per band, band number mixed in, so
/// equal values in different bands never collide.
pub fn band_keys(sig: &[u32], bands: usize, rows: usize) -> Vec<u32> {
    let mut keys = Vec::with_capacity(bands);
    push_band_keys(&mut keys, sig, 0, bands, rows);
    keys
}

/// Appends the keys of `bands` bands of `rows` values of `sig`, numbered from
/// `first_band` on: a second signature (a text's lead) banded after the first gets
/// band numbers of its own, so its keys never equal the first one's.
pub fn push_band_keys(keys: &mut Vec<u32>, sig: &[u32], first_band: usize, bands: usize, rows: usize) {
    let mut buf = Vec::with_capacity(rows + 1);
    for b in 0..bands {
        buf.clear();
        buf.push((first_band + b) as u64);
        for r in 0..rows {
            buf.push(u64::from(sig.get(b * rows + r).copied().unwrap_or(u32::MAX)));
        }
        keys.push((fmix64(combine(&buf)) >> 32) as u32);
    }
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
    /// The table: the entries in key order, each at its home slot or just after the
    /// entry before it, whichever is further; [`EMPTY`] elsewhere (so no empty slot
    /// lies between an entry and its home). Its length is the homes (or the last
    /// entry, if further) plus a few spare slots; its capacity is its length.
    slots: Vec<u64>,
    /// Number of home slots: key `k` has home `k * homes >> 32`.
    homes: usize,
    /// Entries in `slots`.
    live: usize,
    /// Entries equal to [`EMPTY`]'s bit pattern (key 0 and id 0), which the table
    /// cannot hold: counted here instead.
    zero_entries: usize,
    articles: usize,
}

/// An unused slot. Bit-equal to the entry of key 0 and id 0, kept aside in
/// `zero_entries`.
const EMPTY: u64 = 0;
/// Load (entries per home slot, in thousandths) after a bulk load: 291 bytes per
/// article with 32 bands.
const BULK_LOAD: usize = 880;
/// Inserts grow the table when an insert would take it past this load...
const GROW_AT: usize = 920;
/// ...to this load: 294 bytes per article.
const GROW_TO: usize = 870;
/// Removals shrink the table below this load (to [`GROW_TO`]).
const SHRINK_AT: usize = 700;
const MIN_HOMES: usize = 64;
/// Slots per block when laying the table out (see [`LshIndex::spread`]).
const SPREAD_BLOCK: usize = 1024;
/// Cache lines prefetched per key, from its home, before a query (two cover the
/// usual scan)...
const PREFETCH_LINES: usize = 2;
/// ...and before an insert or a removal, which read on to the next empty slot.
const PREFETCH_LINES_INSERT: usize = 4;

#[inline]
fn entry(key: u32, id: u32) -> u64 {
    (u64::from(key) << 32) | u64::from(id)
}

#[inline]
fn entry_key(e: u64) -> u32 {
    (e >> 32) as u32
}

#[inline]
fn home_of(key: u32, homes: usize) -> usize {
    ((u64::from(key) * homes as u64) >> 32) as usize
}

/// Home slots for `entries` entries at `load` thousandths.
fn homes_for(entries: usize, load: usize) -> usize {
    ((entries as u64 * 1000).div_ceil(load as u64) as usize).max(MIN_HOMES)
}

/// Whether `entries` entries in `homes` home slots are past `load` thousandths.
fn over_load(entries: usize, homes: usize, load: usize) -> bool {
    entries as u64 * 1000 > homes as u64 * load as u64
}

/// Spare slots after the last home, for the entries displaced past it.
fn pad_for(homes: usize) -> usize {
    16 + homes / 512
}

fn to_u32_id(id: i64) -> Result<u32, DedupError> {
    u32::try_from(id).map_err(|_| DedupError::IdOutOfRange(id))
}

/// Index of the first empty slot of `s`, if any. Eight slots at a time, without a
/// branch per slot.
#[inline]
fn first_empty(s: &[u64]) -> Option<usize> {
    let mut chunks = s.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let mut m = 0u32;
        for (i, &v) in c.iter().enumerate() {
            m |= u32::from(v == EMPTY) << i;
        }
        if m != 0 {
            return Some(base + m.trailing_zeros() as usize);
        }
        base += 8;
    }
    chunks.remainder().iter().position(|&v| v == EMPTY).map(|i| base + i)
}

/// Index in `s` (which starts at slot `at`) of the first slot that is empty or
/// holds an entry at its home (one that cannot move left); `s.len()` if none.
#[inline]
fn first_stay(s: &[u64], at: usize, homes: usize) -> usize {
    let stays = |i: usize, v: u64| v == EMPTY || home_of(entry_key(v), homes) >= at + i;
    let mut chunks = s.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let mut m = 0u32;
        for (i, &v) in c.iter().enumerate() {
            m |= u32::from(stays(base + i, v)) << i;
        }
        if m != 0 {
            return base + m.trailing_zeros() as usize;
        }
        base += 8;
    }
    chunks.remainder().iter().enumerate().position(|(i, &v)| stays(base + i, v)).map_or(s.len(), |i| base + i)
}

/// Hints the CPU to fetch `s[i]`'s cache line (no-op where unsupported).
#[inline(always)]
fn prefetch(s: &[u64], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(p) = s.get(i) {
        // SAFETY: a prefetch is a hint with no effect on memory; the address is that
        // of a live element anyway.
        #[allow(unused_unsafe)]
        unsafe {
            core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                (p as *const u64).cast::<i8>(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (s, i);
}

/// The running maximum that lays out the table, over a run of slots: the next free
/// position is `max(home, next) + 1` after each entry. Over a run this composes to
/// `next ↦ max(from_zero, next + entries)`, so runs can be stepped independently.
#[derive(Clone, Copy, Default)]
struct Chain {
    from_zero: usize,
    entries: usize,
}

impl Chain {
    #[inline(always)]
    fn step(&mut self, v: u64, homes: usize) {
        let live = v != EMPTY;
        let p = home_of(entry_key(v), homes).max(self.from_zero);
        self.from_zero = if live { p + 1 } else { self.from_zero };
        self.entries += usize::from(live);
    }

    fn after(&self, next: usize) -> usize {
        self.from_zero.max(next + self.entries)
    }
}

/// One block's entries with their new positions, collected before any is moved.
struct Placed {
    vals: [u64; SPREAD_BLOCK],
    pos: [usize; SPREAD_BLOCK],
    n: usize,
}

impl Placed {
    fn new() -> Box<Self> {
        Box::new(Placed { vals: [0; SPREAD_BLOCK], pos: [0; SPREAD_BLOCK], n: 0 })
    }

    /// Collects the entries of `slots`, placed from `next` on.
    fn collect(&mut self, slots: &[u64], mut next: usize, homes: usize) {
        let mut n = 0;
        for &v in slots {
            let live = v != EMPTY;
            let p = home_of(entry_key(v), homes).max(next);
            (self.vals[n], self.pos[n]) = (v, p);
            next = if live { p + 1 } else { next };
            n += usize::from(live);
        }
        self.n = n;
    }

    /// [`Self::collect`] for two blocks of [`SPREAD_BLOCK`] slots, stepped together.
    fn collect2(a: (&mut Self, &[u64], usize), z: (&mut Self, &[u64], usize), homes: usize) {
        let ((a, sa, mut na), (z, sz, mut nz)) = (a, z);
        let (mut ia, mut iz) = (0, 0);
        for j in 0..SPREAD_BLOCK {
            let (va, vz) = (sa[j], sz[j]);
            let (la, lz) = (va != EMPTY, vz != EMPTY);
            let pa = home_of(entry_key(va), homes).max(na);
            let pz = home_of(entry_key(vz), homes).max(nz);
            (a.vals[ia], a.pos[ia]) = (va, pa);
            (z.vals[iz], z.pos[iz]) = (vz, pz);
            na = if la { pa + 1 } else { na };
            nz = if lz { pz + 1 } else { nz };
            ia += usize::from(la);
            iz += usize::from(lz);
        }
        (a.n, z.n) = (ia, iz);
    }

    /// Writes the block into `s`, clearing its range up to `upper`; returns the new
    /// `upper` (its first position). Its sources must all be read, and the slots
    /// from its first position on hold nothing unread.
    fn write(&self, s: &mut [u64], upper: usize) -> usize {
        if self.n == 0 {
            return upper;
        }
        let first = self.pos[0];
        debug_assert!(self.pos[self.n - 1] < upper);
        s[first..upper].fill(EMPTY);
        for j in 0..self.n {
            s[self.pos[j]] = self.vals[j];
        }
        first
    }
}

/// Bits of the key sorted on by the in-place pass of [`sort_by_key`]: 256 parts,
/// whose write positions stay in cache.
const SORT_TOP: u32 = 8;

/// Sorts entries by key (ids in any order). Up to [`SORT_SMALL`] entries with
/// [`sort_lsd`] (a scratch copy), beyond in place: one American-flag pass on the top
/// [`SORT_TOP`] bits of the key, then each part by the other bits with a scratch copy
/// of one part.
fn sort_by_key(v: &mut [u64]) {
    if v.len() <= SORT_SMALL {
        return sort_lsd(v);
    }
    let digit = |e: u64| (e >> (64 - SORT_TOP)) as usize;
    let mut starts = vec![0usize; (1 << SORT_TOP) + 1];
    for &e in v.iter() {
        starts[digit(e) + 1] += 1;
    }
    for d in 0..1 << SORT_TOP {
        starts[d + 1] += starts[d];
    }
    let mut next = starts[..1 << SORT_TOP].to_vec();
    // Each swap puts one entry where it belongs. Going through each part's unplaced
    // entries in order (rather than following the entry each swap displaces) keeps
    // the swaps independent of each other, so their cache misses overlap; rounds
    // repeat until every part is done, n swaps in all.
    let mut remaining: Vec<usize> = (0..1 << SORT_TOP).collect();
    while !remaining.is_empty() {
        remaining.retain(|&d| {
            let end = starts[d + 1];
            for p in next[d]..end {
                let to = digit(v[p]);
                let at = next[to];
                next[to] = at + 1;
                v.swap(p, at);
            }
            next[d] < end
        });
    }
    let mut scratch = Vec::new();
    for d in 0..1 << SORT_TOP {
        sort_low_bits(&mut v[starts[d]..starts[d + 1]], 32 - SORT_TOP, &mut scratch);
    }
}

/// Up to this many entries [`sort_by_key`] sorts through a scratch copy (8 MiB).
const SORT_SMALL: usize = 1 << 20;

/// Sorts entries by key with three counting passes of 11 bits (least significant
/// first) through a scratch copy: for up to a few million entries, where the copy is
/// small.
fn sort_lsd(v: &mut [u64]) {
    let mut counts = vec![[0usize; 1 << 11]; 3];
    for &e in v.iter() {
        let k = e >> 32;
        counts[0][(k & 0x7ff) as usize] += 1;
        counts[1][((k >> 11) & 0x7ff) as usize] += 1;
        counts[2][(k >> 22) as usize] += 1;
    }
    for c in counts.iter_mut() {
        let mut sum = 0;
        for x in c.iter_mut() {
            (*x, sum) = (sum, sum + *x);
        }
    }
    let mut tmp = vec![0u64; v.len()];
    let mut in_v = true;
    for (pass, c) in counts.iter_mut().enumerate() {
        let shift = 32 + 11 * pass;
        let (from, to): (&[u64], &mut [u64]) = if in_v { (&*v, &mut tmp) } else { (&tmp, &mut *v) };
        for &e in from {
            let at = &mut c[((e >> shift) & 0x7ff) as usize];
            to[*at] = e;
            *at += 1;
        }
        in_v = !in_v;
    }
    v.copy_from_slice(&tmp);
}

/// Sorts entries that share the top key bits by the other `bits`: counting passes
/// (least significant digit first) through `scratch`, with digits sized to the
/// number of entries.
fn sort_low_bits(v: &mut [u64], bits: u32, scratch: &mut Vec<u64>) {
    if v.len() < 256 {
        v.sort_unstable_by_key(|&e| entry_key(e));
        return;
    }
    let digit_bits = (v.len().ilog2().saturating_sub(3)).clamp(6, 12);
    let passes = bits.div_ceil(digit_bits);
    let digit_bits = bits.div_ceil(passes);
    if scratch.len() < v.len() {
        scratch.resize(v.len(), 0);
    }
    let tmp = &mut scratch[..v.len()];
    let mut counts = vec![0usize; 1 << digit_bits];
    let mask = (1u64 << digit_bits) - 1;
    let mut in_v = true;
    for pass in 0..passes {
        let shift = 32 + pass * digit_bits;
        let (from, to): (&[u64], &mut [u64]) = if in_v { (&*v, &mut *tmp) } else { (&*tmp, &mut *v) };
        counts.fill(0);
        for &e in from {
            counts[((e >> shift) & mask) as usize] += 1;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            (*c, sum) = (sum, sum + *c);
        }
        for &e in from {
            let c = &mut counts[((e >> shift) & mask) as usize];
            to[*c] = e;
            *c += 1;
        }
        in_v = !in_v;
    }
    if !in_v {
        v.copy_from_slice(tmp);
    }
}

/// Estimated bytes glibc takes for a `bytes`-byte allocation: 16-byte granularity
/// with an 8-byte header, or whole pages (and a 16-byte header) once it is large
/// enough to be mmapped.
fn allocation_size(bytes: usize) -> usize {
    if bytes == 0 {
        0
    } else if bytes >= 128 << 10 {
        (bytes + 16).next_multiple_of(4096)
    } else {
        (bytes + 8).div_ceil(16).max(2) * 16
    }
}

impl LshIndex {
    pub fn new(bands: usize, rows: usize) -> Self {
        LshIndex {
            bands,
            rows,
            slots: vec![EMPTY; MIN_HOMES + pad_for(MIN_HOMES)],
            homes: MIN_HOMES,
            live: 0,
            zero_entries: 0,
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
    fn home(&self, key: u32) -> usize {
        home_of(key, self.homes)
    }

    /// Makes room for `more` articles without intermediate growth.
    pub fn reserve(&mut self, more: usize) {
        let need = self.live + more * self.bands;
        if over_load(need, self.homes, GROW_AT) {
            self.rebuild(homes_for(need, GROW_TO));
        }
    }

    /// Re-lays the table out with `homes` home slots (growing, shrinking or just
    /// adding spare slots at the end), in place.
    fn rebuild(&mut self, homes: usize) {
        if homes < self.homes {
            // Entries may move left: pack them at the front first.
            self.compact();
        }
        self.spread(homes);
    }

    /// Packs the live entries at the front of `slots` (in key order) and truncates.
    fn compact(&mut self) {
        let mut w = 0;
        for p in 0..self.slots.len() {
            let v = self.slots[p];
            if v != EMPTY {
                self.slots[w] = v;
                w += 1;
            }
        }
        debug_assert_eq!(w, self.live);
        self.slots.truncate(w);
    }

    /// Lays the live entries of `slots` (in key order, anywhere) out as the table for
    /// `homes` home slots: each at its home or just after the entry before it,
    /// whichever is further, [`EMPTY`] elsewhere; and sizes the allocation exactly.
    ///
    /// In place, and one pass each way over blocks of [`SPREAD_BLOCK`] slots: the
    /// position the first entry of each block may take is computed front to back,
    /// then the blocks are moved back to front. That needs every entry's new position
    /// to be at or after its current one, which holds when `homes` does not decrease
    /// (the table is always laid out by this rule, inserts and removals keep it so,
    /// and every home only moves right) or when the entries are packed at the front.
    ///
    /// Positions are a running maximum, a chain of dependent steps; it is cut by
    /// block (see [`Chain`]) and a few blocks are stepped together.
    fn spread(&mut self, homes: usize) {
        let len = self.slots.len();
        let s = &self.slots[..];
        let blocks = len.div_ceil(SPREAD_BLOCK);
        let mut chains = vec![Chain::default(); blocks];
        let mut b = 0;
        while (b + 4) * SPREAD_BLOCK <= len {
            let mut c = [Chain::default(); 4];
            for j in 0..SPREAD_BLOCK {
                for (k, c) in c.iter_mut().enumerate() {
                    c.step(s[(b + k) * SPREAD_BLOCK + j], homes);
                }
            }
            chains[b..b + 4].copy_from_slice(&c);
            b += 4;
        }
        for (b, c) in chains.iter_mut().enumerate().skip(b) {
            for &v in &s[b * SPREAD_BLOCK..((b + 1) * SPREAD_BLOCK).min(len)] {
                c.step(v, homes);
            }
        }
        // `firsts[b]`: the first position block b's entries may take.
        let mut firsts = Vec::with_capacity(blocks);
        let mut next = 0usize;
        for c in &chains {
            firsts.push(next);
            next = c.after(next);
        }
        drop(chains);
        debug_assert!(next >= self.live);
        let end = homes.max(next) + pad_for(homes);
        if end > len {
            self.slots.reserve_exact(end - len);
            self.slots.resize(end, EMPTY);
        }
        let s = &mut self.slots[..];
        let mut upper = end;
        let mut a = Placed::new();
        let mut z = Placed::new();
        let mut b = blocks;
        // The last block alone (it may be short), then two at a time.
        if b > 0 && len % SPREAD_BLOCK != 0 {
            b -= 1;
            a.collect(&s[b * SPREAD_BLOCK..len], firsts[b], homes);
            upper = a.write(s, upper);
        }
        while b >= 2 {
            b -= 2;
            let (lo, hi) = (b * SPREAD_BLOCK, (b + 1) * SPREAD_BLOCK);
            Placed::collect2(
                (&mut a, &s[lo..hi], firsts[b]),
                (&mut z, &s[hi..hi + SPREAD_BLOCK], firsts[b + 1]),
                homes,
            );
            // Both blocks are read; block b + 1 lands after block b's old slots.
            upper = z.write(s, upper);
            upper = a.write(s, upper);
        }
        if b == 1 {
            a.collect(&s[..SPREAD_BLOCK.min(len)], firsts[0], homes);
            upper = a.write(s, upper);
        }
        s[..upper].fill(EMPTY);
        self.slots.truncate(end);
        self.slots.shrink_to_fit();
        self.homes = homes;
    }

    /// Starts fetching, for every key, [`PREFETCH_LINES_INSERT`] cache lines from its
    /// home, so that the cache misses of all the keys overlap.
    fn prefetch_homes(&self, keys: &[u32]) {
        for &k in keys {
            let h = self.home(k);
            for l in 0..PREFETCH_LINES_INSERT {
                prefetch(&self.slots, h + 8 * l);
            }
        }
    }

    /// Grows the table if `more` entries would take it past [`GROW_AT`].
    fn make_room(&mut self, more: usize) {
        let need = self.live + more;
        if over_load(need, self.homes, GROW_AT) {
            self.rebuild(homes_for(need, GROW_TO));
        }
    }

    /// Puts one entry (not [`EMPTY`]) in its place: after the entries of lower or
    /// equal keys from its home on, shifting the entries up to the next empty slot
    /// one slot right. False when there is no empty slot after its place.
    fn try_place(&mut self, e: u64) -> bool {
        let k = entry_key(e);
        let s = &mut self.slots[..];
        let mut p = home_of(k, self.homes);
        while p < s.len() && s[p] != EMPTY && entry_key(s[p]) <= k {
            p += 1;
        }
        let Some(gap) = s.get(p..).and_then(first_empty) else {
            return false;
        };
        s.copy_within(p..p + gap, p + 1);
        s[p] = e;
        true
    }

    /// Removes the entry at `p`, moving the following displaced entries one slot
    /// left (so no empty slot ever lies between an entry and its home).
    fn delete_at(&mut self, p: usize) {
        let homes = self.homes;
        let s = &mut self.slots[..];
        let r = p + 1 + first_stay(&s[p + 1..], p + 1, homes);
        s.copy_within(p + 1..r, p);
        s[r - 1] = EMPTY;
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
        self.make_room(keys.len());
        self.prefetch_homes(keys);
        for &k in keys {
            let e = entry(k, id);
            if e == EMPTY {
                self.zero_entries += 1;
                continue;
            }
            while !self.try_place(e) {
                // No empty slot after its place: re-spread, which adds spare slots
                // at the end.
                self.rebuild(self.homes);
            }
            self.live += 1;
        }
        self.articles += 1;
        Ok(())
    }

    /// Adds many articles at once (start-up): one sort and one layout pass instead
    /// of an insert per entry.
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

    /// Adds the articles collected in `bulk` (see [`BulkEntries`]): sorts them in
    /// place, merges them with the table's entries and lays the table out again at
    /// [`BULK_LOAD`]. Into an empty index the collected buffer becomes the table, so
    /// a start-up load needs no second copy of the entries.
    pub fn extend_bulk(&mut self, bulk: BulkEntries) {
        let BulkEntries { entries: mut new, articles } = bulk;
        let zeros = new.iter().filter(|&&e| e == EMPTY).count();
        if zeros > 0 {
            new.retain(|&e| e != EMPTY);
            self.zero_entries += zeros;
        }
        sort_by_key(&mut new);
        let old_homes = self.homes;
        if self.live == 0 {
            self.slots = new;
        } else {
            self.rebuild_merge(&new);
            drop(new);
        }
        self.live = self.slots.len();
        self.spread(homes_for(self.live, BULK_LOAD).max(old_homes));
        self.articles += articles;
    }

    /// Leaves in `slots` the table's entries merged with `new` (sorted), compact.
    fn rebuild_merge(&mut self, new: &[u64]) {
        self.compact();
        let m = self.slots.len();
        self.slots.reserve_exact(new.len());
        self.slots.resize(m + new.len(), EMPTY);
        let s = &mut self.slots[..];
        let (mut i, mut j, mut w) = (m, new.len(), m + new.len());
        while j > 0 {
            w -= 1;
            if i > 0 && entry_key(s[i - 1]) > entry_key(new[j - 1]) {
                i -= 1;
                s[w] = s[i];
            } else {
                j -= 1;
                s[w] = new[j];
            }
        }
    }

    /// Removes an article (its band keys are needed to find its entries).
    pub fn remove_keys(&mut self, id: i64, keys: &[u32]) -> Result<(), DedupError> {
        let id = to_u32_id(id)?;
        self.prefetch_homes(keys);
        let mut removed = 0;
        for &k in keys {
            let e = entry(k, id);
            if e == EMPTY {
                removed += std::mem::take(&mut self.zero_entries);
                continue;
            }
            let mut p = self.home(k);
            while let Some(&v) = self.slots.get(p) {
                if v == EMPTY || entry_key(v) > k {
                    break;
                }
                if v == e {
                    self.delete_at(p);
                    self.live -= 1;
                    removed += 1;
                } else {
                    p += 1;
                }
            }
        }
        if removed > 0 {
            self.articles = self.articles.saturating_sub(1);
            if !over_load(self.live, self.homes, SHRINK_AT) && self.homes > MIN_HOMES {
                self.rebuild(homes_for(self.live, GROW_TO));
            }
        }
        Ok(())
    }

    /// Distinct candidate ids for a signature, most shared bands first.
    pub fn query(&self, sig: &[u32]) -> Vec<i64> {
        self.query_keys(&self.band_keys(sig))
    }

    /// Distinct candidate ids for band keys, most shared bands first (ties by id).
    pub fn query_keys(&self, keys: &[u32]) -> Vec<i64> {
        let s = &self.slots[..];
        let mut hits: Vec<u32> = Vec::new();
        for chunk in keys.chunks(64) {
            // In a large index every key's slots are a cache miss: compute and
            // prefetch them all first so the misses overlap, then scan.
            let mut starts = [0usize; 64];
            for (st, &k) in starts.iter_mut().zip(chunk) {
                *st = self.home(k);
                for l in 0..PREFETCH_LINES {
                    prefetch(s, *st + 8 * l);
                }
            }
            for (&st, &k) in starts.iter().zip(chunk) {
                for &v in &s[st..] {
                    if v == EMPTY || entry_key(v) > k {
                        break;
                    }
                    if entry_key(v) == k {
                        hits.push(v as u32);
                    }
                }
            }
        }
        if self.zero_entries > 0 {
            for _ in keys.iter().filter(|&&k| k == 0) {
                hits.resize(hits.len() + self.zero_entries, 0);
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
    /// overhead (see [`allocation_size`]).
    pub fn heap_bytes(&self) -> usize {
        allocation_size(self.slots.capacity() * std::mem::size_of::<u64>())
    }
}

#[cfg(test)]
mod tests {
    use super::super::minhash::SplitMix64;
    use super::*;
    use std::collections::HashMap;

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
        assert!(idx.homes > MIN_HOMES);
        idx.check();
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

    #[test]
    fn heap_bytes_per_article_under_300_at_100k() {
        let n = 100_000u32;
        let mut g = SplitMix64::new(5);
        let mut bulk = BulkEntries::with_capacity(n as usize, 32);
        for id in 1..=n {
            bulk.push(32, i64::from(id), (0..32).map(|_| g.next() as u32)).unwrap();
        }
        let mut idx = LshIndex::new(32, 4);
        idx.extend_bulk(bulk);
        idx.check();
        assert!(idx.heap_bytes() / idx.len() < 300, "bulk: {}", idx.heap_bytes() / idx.len());
        // Grown one insert at a time, at its most spread out (just after growing).
        let mut inc = LshIndex::new(32, 4);
        let mut worst = 0;
        for id in 1..=n {
            let keys: Vec<u32> = (0..32).map(|_| g.next() as u32).collect();
            let homes = inc.homes;
            inc.insert_keys(i64::from(id), &keys).unwrap();
            if inc.homes != homes && id > 1000 {
                worst = worst.max(inc.heap_bytes() / inc.len());
            }
        }
        inc.check();
        assert!(worst > 0 && worst < 300, "one by one, after growing: {worst}");
        assert!(inc.heap_bytes() / inc.len() < 300);
    }

    impl LshIndex {
        /// Checks the table's invariants: entries in key order, each at or after its
        /// home with no empty slot in between, the counts right.
        fn check(&self) {
            let mut live = 0;
            let mut last_key = 0;
            let mut last_empty = None;
            for (p, &v) in self.slots.iter().enumerate() {
                if v == EMPTY {
                    last_empty = Some(p);
                    continue;
                }
                live += 1;
                let k = entry_key(v);
                assert!(k >= last_key, "order at {p}");
                last_key = k;
                let h = self.home(k);
                assert!(h <= p, "entry at {p} before its home {h}");
                assert!(last_empty.map_or(true, |q| q < h), "empty slot between home {h} and {p}");
            }
            assert_eq!(live, self.live);
            assert!(self.slots.len() >= self.homes);
            assert_eq!(self.slots.capacity(), self.slots.len());
        }
    }

    /// The reference: key → ids (a multiset, as the index).
    #[derive(Default)]
    struct Model {
        map: HashMap<u32, Vec<u32>>,
        articles: usize,
    }

    impl Model {
        fn insert(&mut self, id: u32, keys: &[u32]) {
            for &k in keys {
                self.map.entry(k).or_default().push(id);
            }
            self.articles += 1;
        }

        fn remove(&mut self, id: u32, keys: &[u32]) {
            let mut removed = 0;
            for &k in keys {
                if let Some(ids) = self.map.get_mut(&k) {
                    let before = ids.len();
                    ids.retain(|&x| x != id);
                    removed += before - ids.len();
                }
            }
            if removed > 0 {
                self.articles = self.articles.saturating_sub(1);
            }
        }

        fn query(&self, keys: &[u32]) -> Vec<i64> {
            let mut counts: HashMap<u32, u32> = HashMap::new();
            for k in keys {
                for &id in self.map.get(k).into_iter().flatten() {
                    *counts.entry(id).or_default() += 1;
                }
            }
            let mut v: Vec<(u32, u32)> = counts.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            v.into_iter().map(|(id, _)| i64::from(id)).collect()
        }
    }

    #[test]
    fn random_operations_match_a_hashmap_model() {
        const BANDS: usize = 8;
        let mut g = SplitMix64::new(2024);
        // Keys: mostly random, some from a pool (shared bands, ties, several entries
        // per key) and a few at the edges (0; near u32::MAX, the end of the table).
        let pool: Vec<u32> = (0..1000).map(|_| g.next() as u32).collect();
        let key = |g: &mut SplitMix64| match g.next() % 200 {
            0..=29 => pool[(g.next() % pool.len() as u64) as usize],
            30 => 0,
            31 => u32::MAX - (g.next() % 64) as u32,
            _ => g.next() as u32,
        };
        let mut idx = LshIndex::new(BANDS, 1);
        let mut model = Model::default();
        let mut stored: Vec<(u32, Vec<u32>)> = Vec::new();
        let mut next_id = 0u32;
        let (mut grows, mut shrinks, mut bulks) = (0, 0, 0);
        for step in 0..100_000u32 {
            let homes = idx.homes;
            // Phases: growing, shrinking, mixed.
            let phase = (step / 5000) % 3;
            let (insert, remove) = match phase {
                0 => (70, 85),
                1 => (5, 95),
                _ => (45, 85),
            };
            let op = g.next() % 100;
            if phase != 1 && g.next() % 200 == 0 {
                // A bulk load of up to a hundred articles.
                let n = (g.next() % 100) as usize;
                let mut bulk = BulkEntries::with_capacity(n, BANDS);
                for _ in 0..n {
                    next_id += 1;
                    let keys: Vec<u32> = (0..BANDS).map(|_| key(&mut g)).collect();
                    bulk.push(BANDS, i64::from(next_id), keys.iter().copied()).unwrap();
                    model.insert(next_id, &keys);
                    stored.push((next_id, keys));
                }
                idx.extend_bulk(bulk);
                bulks += 1;
            } else if op < insert {
                // Insert (ids 0 and u32::MAX included; sometimes an id again).
                let id = match g.next() % 50 {
                    0 => 0,
                    1 => u32::MAX,
                    2 if !stored.is_empty() => stored[(g.next() % stored.len() as u64) as usize].0,
                    _ => {
                        next_id += 1;
                        next_id
                    }
                };
                let keys: Vec<u32> = (0..BANDS).map(|_| key(&mut g)).collect();
                idx.insert_keys(i64::from(id), &keys).unwrap();
                model.insert(id, &keys);
                stored.push((id, keys));
            } else if op < remove {
                // Remove a stored article (or one never stored).
                let (id, keys) = if stored.is_empty() || g.next() % 10 == 0 {
                    ((g.next() % 1000) as u32, (0..BANDS).map(|_| key(&mut g)).collect())
                } else {
                    stored.swap_remove((g.next() % stored.len() as u64) as usize)
                };
                idx.remove_keys(i64::from(id), &keys).unwrap();
                model.remove(id, &keys);
            } else {
                // Queries: a stored article's keys, maybe one changed, or random keys.
                for _ in 0..4 {
                    let mut keys: Vec<u32> = if stored.is_empty() || g.next() % 3 == 0 {
                        (0..BANDS).map(|_| key(&mut g)).collect()
                    } else {
                        stored[(g.next() % stored.len() as u64) as usize].1.clone()
                    };
                    keys[0] ^= (g.next() % 2) as u32;
                    assert_eq!(idx.query_keys(&keys), model.query(&keys), "step {step}");
                }
            }
            grows += usize::from(idx.homes > homes);
            shrinks += usize::from(idx.homes < homes);
            assert_eq!(idx.len(), model.articles, "step {step}");
            if step % 2000 == 0 {
                idx.check();
            }
        }
        idx.check();
        for (_, keys) in stored.iter().step_by(5) {
            assert_eq!(idx.query_keys(keys), model.query(keys));
        }
        assert!(
            grows >= 10 && shrinks >= 3 && bulks >= 30,
            "{grows} grows, {shrinks} shrinks, {bulks} bulk loads"
        );
        // Remove everything: an empty index again, and small.
        for (id, keys) in stored.drain(..) {
            idx.remove_keys(i64::from(id), &keys).unwrap();
            model.remove(id, &keys);
        }
        assert_eq!(idx.len(), model.articles);
        assert_eq!((idx.live, idx.zero_entries), (0, 0));
        idx.check();
        assert!(idx.heap_bytes() < 4096, "{}", idx.heap_bytes());
    }

    #[test]
    fn crowded_keys_at_the_end_and_one_hot_key() {
        // Every key near u32::MAX: all entries pile up past the last home, in the
        // spare slots, which run out again and again. Plus one key shared by every
        // article (as short texts with equal signatures would).
        let mut idx = LshIndex::new(4, 1);
        let mut model = Model::default();
        let mut g = SplitMix64::new(3);
        let mut stored = Vec::new();
        for id in 1..=3000u32 {
            let keys = [u32::MAX - (g.next() % 5000) as u32, u32::MAX, 77, (g.next() % 100) as u32];
            idx.insert_keys(i64::from(id), &keys).unwrap();
            model.insert(id, &keys);
            stored.push((id, keys));
        }
        idx.check();
        for (id, keys) in stored.iter().step_by(3) {
            assert_eq!(idx.query_keys(keys), model.query(keys));
            idx.remove_keys(i64::from(*id), keys).unwrap();
            model.remove(*id, keys);
        }
        idx.check();
        for (_, keys) in stored.iter().step_by(7) {
            assert_eq!(idx.query_keys(keys), model.query(keys));
        }
        assert_eq!(idx.len(), 2000);
    }

    #[test]
    fn layout_at_block_edges() {
        // Bulk loads of exactly 0, 1, 2, 3, 4, 5, 9 blocks of entries and around
        // them (the layout walks blocks in fours and twos), then growth by inserts.
        let mut g = SplitMix64::new(11);
        for n in [1usize, 1023, 1024, 1025, 2048, 3072, 4096, 5120, 9216, 9219] {
            let mut idx = LshIndex::new(1, 1);
            let keys: Vec<u32> = (0..n).map(|_| g.next() as u32).collect();
            idx.extend_keys(keys.iter().enumerate().map(|(i, k)| (i as i64 + 1, std::slice::from_ref(k))))
                .unwrap();
            idx.check();
            for _ in 0..n / 5 + 10 {
                idx.insert_keys(1, &[g.next() as u32]).unwrap();
            }
            idx.check();
            for (i, k) in keys.iter().enumerate() {
                assert!(idx.query_keys(&[*k]).contains(&(i as i64 + 1)));
            }
        }
    }

    #[test]
    fn sort_by_key_sorts() {
        let mut g = SplitMix64::new(9);
        // Both ways (a scratch copy, in place), with keys sharing their top bits or
        // low bits, and a skewed top byte.
        for n in [0usize, 1, 100, 5000, 300_000, SORT_SMALL + 12_345] {
            let mut v: Vec<u64> = (0..n)
                .map(|i| match i % 4 {
                    0 => g.next() & 0xffff_0000_ffff_ffff,
                    1 => g.next() & 0x00ff_ffff_ffff_ffff,
                    _ => g.next(),
                })
                .collect();
            let mut want: Vec<u64> = v.clone();
            want.sort_unstable();
            sort_by_key(&mut v);
            assert!(v.windows(2).all(|w| entry_key(w[0]) <= entry_key(w[1])));
            v.sort_unstable();
            assert_eq!(v, want);
        }
    }
}

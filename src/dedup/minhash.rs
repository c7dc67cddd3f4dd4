//! MinHash signatures with permutations generated here from a seed.
//!
//! Permutation `i` is the multiply-shift hash `h_i(x) = (a_i * x + b_i) >> 32`
//! (wrapping 64-bit arithmetic, `a_i` odd) of the 64-bit shingle hash `x`. The
//! coefficients come from splitmix64, written out below, so the same seed gives the
//! same signatures on every platform and every version of every dependency (unlike
//! `rand`'s `StdRng`, whose stream is not promised stable).

use super::shingle::ShingleSet;

/// Version of the MinHash scheme (hash family, generator, signature width). Part of
/// [`MinHasher::params_fingerprint`].
pub const MINHASH_VERSION: u32 = 1;

/// splitmix64 (Steele, Lea, Flood 2014): a tiny portable generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The permutations of one parameter set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinHasher {
    seed: u64,
    a: Vec<u64>,
    b: Vec<u64>,
}

impl MinHasher {
    /// `num_perm` permutations drawn from `seed`.
    pub fn new(num_perm: usize, seed: u64) -> Self {
        let mut g = SplitMix64::new(seed);
        let mut a = Vec::with_capacity(num_perm);
        let mut b = Vec::with_capacity(num_perm);
        for _ in 0..num_perm {
            a.push(g.next() | 1);
            b.push(g.next());
        }
        MinHasher { seed, a, b }
    }

    pub fn num_perm(&self) -> usize {
        self.a.len()
    }

    /// The signature of a shingle set: per permutation, the minimum hash. An empty
    /// set has the all-`u32::MAX` signature.
    pub fn signature(&self, set: &ShingleSet) -> Vec<u32> {
        let mut sig = vec![u32::MAX; self.a.len()];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above), the only
                // requirement of calling a `#[target_feature(enable = "avx2")]` fn.
                unsafe { signature_avx2(&self.a, &self.b, set.hashes(), &mut sig) };
                return sig;
            }
        }
        signature_into(&self.a, &self.b, set.hashes(), &mut sig);
        sig
    }

    /// The first `k` values of the signature of a set given by its distinct hashes:
    /// the same permutations as [`Self::signature`], so a text's lead signature
    /// (see `NearDupIndex::band_keys`) costs `k` of them, not all.
    pub fn signature_prefix(&self, hashes: &[u64], k: usize) -> Vec<u32> {
        let k = k.min(self.a.len());
        let mut sig = vec![u32::MAX; k];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: as in `signature`: the CPU supports AVX2 (checked just above).
                unsafe { signature_avx2(&self.a[..k], &self.b[..k], hashes, &mut sig) };
                return sig;
            }
        }
        signature_into(&self.a[..k], &self.b[..k], hashes, &mut sig);
        sig
    }

    /// A short digest of the coefficients (FNV-1a over them), so two builds that
    /// generate different permutations from the same seed cannot pass as equal.
    pub fn coefficients_digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for v in self.a.iter().chain(&self.b) {
            for byte in v.to_le_bytes() {
                h ^= u64::from(byte);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// The MinHash loop; the same code is compiled twice, for the baseline target and
/// with AVX2 enabled (where the compiler vectorises the 64-bit multiplies), and both
/// give identical results.
/// Permutations per block of [`signature_into`]: their coefficients and running
/// minima stay in registers while all shingles stream past (AVX2: 8 u64 lanes = 2
/// registers each), instead of loading and storing the whole signature per shingle.
const BLOCK: usize = 16;

#[inline(always)]
fn signature_into(a: &[u64], b: &[u64], xs: &[u64], sig: &mut [u32]) {
    let n = sig.len().min(a.len()).min(b.len());
    let (a, b, sig) = (&a[..n], &b[..n], &mut sig[..n]);
    let mut sig_blocks = sig.chunks_exact_mut(BLOCK);
    for ((sb, ab), bb) in (&mut sig_blocks).zip(a.chunks_exact(BLOCK)).zip(b.chunks_exact(BLOCK)) {
        let ca: [u64; BLOCK] = std::array::from_fn(|j| ab[j]);
        let cb: [u64; BLOCK] = std::array::from_fn(|j| bb[j]);
        let mut m: [u32; BLOCK] = std::array::from_fn(|j| sb[j]);
        for &x in xs {
            for j in 0..BLOCK {
                let v = (ca[j].wrapping_mul(x).wrapping_add(cb[j]) >> 32) as u32;
                m[j] = m[j].min(v);
            }
        }
        sb.copy_from_slice(&m);
    }
    let done = n - sig_blocks.into_remainder().len();
    signature_simple(&a[done..], &b[done..], xs, &mut sig[done..]);
}

/// The plain loop: one shingle at a time over all permutations.
#[inline(always)]
fn signature_simple(a: &[u64], b: &[u64], xs: &[u64], sig: &mut [u32]) {
    let n = sig.len().min(a.len()).min(b.len());
    let (a, b, sig) = (&a[..n], &b[..n], &mut sig[..n]);
    for &x in xs {
        for ((s, &ai), &bi) in sig.iter_mut().zip(a).zip(b) {
            let v = (ai.wrapping_mul(x).wrapping_add(bi) >> 32) as u32;
            *s = (*s).min(v);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn signature_avx2(a: &[u64], b: &[u64], xs: &[u64], sig: &mut [u32]) {
    signature_into(a, b, xs, sig)
}

/// Fraction of equal positions: the MinHash estimate of Jaccard similarity.
pub fn estimate_jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let eq = a.iter().zip(b).filter(|(x, y)| x == y).count();
    eq as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::shingle::fmix64;

    #[test]
    fn splitmix_reference_values() {
        // Reference output of splitmix64 seeded with 0 (Vigna's splitmix64.c).
        let mut g = SplitMix64::new(0);
        assert_eq!(g.next(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(g.next(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn vectorised_and_portable_loops_agree() {
        // Blocked, blocked + AVX2, and the plain loop give the same signature, also
        // when the permutation count is not a multiple of the block.
        for perms in [128, 100, 7] {
            let m = MinHasher::new(perms, 3);
            let set = ShingleSet::from_hashes((0..500u64).map(fmix64).collect());
            let mut plain = vec![u32::MAX; perms];
            signature_simple(&m.a, &m.b, set.hashes(), &mut plain);
            let mut blocked = vec![u32::MAX; perms];
            signature_into(&m.a, &m.b, set.hashes(), &mut blocked);
            assert_eq!(blocked, plain);
            assert_eq!(m.signature(&set), plain);
        }
        let m = MinHasher::new(128, 3);
        // Pinned: signatures are stored (as band keys) and must never drift.
        let one = ShingleSet::from_hashes(vec![fmix64(1)]);
        let sig = m.signature(&one);
        let x = fmix64(1);
        assert_eq!(sig[0], (m.a[0].wrapping_mul(x).wrapping_add(m.b[0]) >> 32) as u32);
    }

    #[test]
    fn same_seed_same_permutations() {
        let m1 = MinHasher::new(128, 7);
        let m2 = MinHasher::new(128, 7);
        let m3 = MinHasher::new(128, 8);
        assert_eq!(m1, m2);
        assert_eq!(m1.coefficients_digest(), m2.coefficients_digest());
        assert_ne!(m1.coefficients_digest(), m3.coefficients_digest());
    }

    #[test]
    fn estimate_tracks_jaccard() {
        let m = MinHasher::new(256, 1);
        // |A ∩ B| = 600, |A ∪ B| = 1000 → J = 0.6
        // Shingle hashes are fmix64 outputs; use the same kind of input.
        let a = ShingleSet::from_hashes((0..800u64).map(fmix64).collect());
        let b = ShingleSet::from_hashes((200..1000u64).map(fmix64).collect());
        let est = estimate_jaccard(&m.signature(&a), &m.signature(&b));
        assert!((est - 0.6).abs() < 0.1, "{est}");
        assert_eq!(estimate_jaccard(&m.signature(&a), &m.signature(&a)), 1.0);
        assert!(m.signature(&ShingleSet::default()).iter().all(|&v| v == u32::MAX));
    }
}

//! Exact verification of LSH candidates, and the evidence shown by `why`.

use std::collections::HashMap;

use super::normalize;
use super::shingle::{combine, word_hash, Coverage, ShingleSet};
use crate::config::DedupConfig;

/// Exact set similarity of two shingle sets: the evidence kept for a near duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Similarity {
    /// |A ∩ B| / |A ∪ B|.
    pub jaccard: f64,
    /// |A ∩ B| / min(|A|, |B|): containment of the shorter text in the longer one.
    /// A truncated or chrome-padded copy has low Jaccard but containment near 1.
    pub containment: f64,
    /// |A ∩ B| / |A|.
    pub containment_a_in_b: f64,
    /// |A ∩ B| / |B|.
    pub containment_b_in_a: f64,
    /// |A ∩ B|: shared shingles.
    pub shared: usize,
    pub len_a: usize,
    pub len_b: usize,
    /// Shared numeric shingles (containing a word with a digit).
    pub numeric_shared: usize,
    pub numeric_len_a: usize,
    pub numeric_len_b: usize,
    /// numeric_shared / min(numeric_len_a, numeric_len_b): low for two template
    /// stories (lottery draws, prices) that share wording but not numbers.
    pub numeric_containment: f64,
    /// Distinct words with a digit (numbers, dates, codes) of each text, shared, and
    /// shared / the smaller count: an edit breaks up to `shingle_size` numeric
    /// shingles around one number but removes at most that number, so a copy of a
    /// text with few numbers keeps a high share here while a template story with
    /// other numbers does not. 0 when the texts' words were not given.
    pub numbers_a: usize,
    pub numbers_b: usize,
    pub numbers_shared: usize,
    pub number_containment: f64,
    /// Longest run of consecutive shingles of the shorter text found in the longer
    /// one (0 when the texts' shingle order was not given: [`verify`]).
    pub longest_run: usize,
    /// Share of the shorter text's shingles that are shared or sit in an unshared gap
    /// of at most `dedup.edit_gap` shingles ([`Coverage`]): near 1 for a copy with
    /// scattered edits, near its containment for an article that reuses some
    /// paragraphs of another. 0 when the order was not given.
    pub gap_filled: f64,
    /// Share of the shorter text's shingles (in order) lying in shared runs of at
    /// least `dedup.long_run` shingles: near the containment for a copy with
    /// scattered edits, well below it for an article by another newsroom whose shared
    /// shingles are partly stock phrases. 0 when the order was not given.
    pub long_run_containment: f64,
    /// Numbers replaced by other numbers in the same wording: unshared gaps of equal
    /// length at the same place in both texts, between the same shared shingles, made
    /// of numeric shingles only ("mã đề 215" / "mã đề 207", "ngày 29/9" / "ngày 3/9").
    /// The mark of a template story (exam answers of other exam codes, lottery draws
    /// of other days); an edited copy deletes or inserts words, it seldom swaps one
    /// number for another. Counted only for pairs sharing at least half of the shorter
    /// text whose numbers differ (0 otherwise, and when the order was not given).
    pub number_substitutions: usize,
    /// The other unshared gaps of the shorter text between two shared shingles (edits
    /// that are not number swaps), counted with `number_substitutions`: a template
    /// story is the same text but for its numbers, an edited copy differs elsewhere too.
    pub other_gaps: usize,
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

/// Exact Jaccard and containment of two shingle sets (linear merge).
pub fn verify(a: &ShingleSet, b: &ShingleSet) -> Similarity {
    let (shared, numeric_shared) = a.intersection_counts(b);
    let (la, lb) = (a.len(), b.len());
    let (na, nb) = (a.numeric_len(), b.numeric_len());
    Similarity {
        jaccard: ratio(shared, la + lb - shared),
        containment: ratio(shared, la.min(lb)),
        containment_a_in_b: ratio(shared, la),
        containment_b_in_a: ratio(shared, lb),
        shared,
        len_a: la,
        len_b: lb,
        numeric_shared,
        numeric_len_a: na,
        numeric_len_b: nb,
        numeric_containment: ratio(numeric_shared, na.min(nb)),
        numbers_a: 0,
        numbers_b: 0,
        numbers_shared: 0,
        number_containment: 0.0,
        longest_run: 0,
        gap_filled: 0.0,
        long_run_containment: 0.0,
        number_substitutions: 0,
        other_gaps: 0,
    }
}

/// A text as verification sees it: its shingle set, its shingles in order and its
/// distinct numeric words (sorted hashes).
#[derive(Debug, Clone, Copy)]
pub struct TextRef<'a> {
    pub set: &'a ShingleSet,
    pub sequence: &'a [u64],
    pub numbers: &'a [u64],
}

fn sorted_shared(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// [`verify`] plus the order evidence ([`Coverage`] of the shorter text, by distinct
/// shingles, in the longer one): `seq_a` and `seq_b` are the texts' shingles in order.
pub fn verify_ordered(a: TextRef<'_>, b: TextRef<'_>, max_gap: usize, long_run: usize) -> Similarity {
    let mut s = verify(a.set, b.set);
    if s.shared > 0 {
        let (c, n) = if a.set.len() <= b.set.len() {
            (Coverage::of(a.sequence, b.set, max_gap, long_run), a.sequence.len())
        } else {
            (Coverage::of(b.sequence, a.set, max_gap, long_run), b.sequence.len())
        };
        s.longest_run = c.longest_run;
        s.gap_filled = c.gap_filled;
        s.long_run_containment = ratio(c.in_long_runs, n);
    }
    s.numbers_a = a.numbers.len();
    s.numbers_b = b.numbers.len();
    s.numbers_shared = sorted_shared(a.numbers, b.numbers);
    s.number_containment = ratio(s.numbers_shared, s.numbers_a.min(s.numbers_b));
    // A swap needs a number of each text that the other lacks: in a text dense with
    // numbers, an edited word between two numbers leaves a numeric gap too.
    let only = (s.numbers_a - s.numbers_shared).min(s.numbers_b - s.numbers_shared);
    if s.containment >= 0.5 && only > 0 {
        let (shorter, longer) =
            if a.set.len() <= b.set.len() { (a.sequence, b.sequence) } else { (b.sequence, a.sequence) };
        (s.number_substitutions, s.other_gaps) = number_substitutions(shorter, longer, max_gap);
    }
    s
}

fn numeric(h: u64) -> bool {
    h & super::shingle::NUMERIC_BIT != 0
}

/// Positions remembered per shingle of `b` (bounds the work on repetitive texts).
const MAX_SWAP_POSITIONS: usize = 8;

/// The number substitutions of [`Similarity::number_substitutions`]: walks `a` once;
/// after each shared shingle, an unshared numeric gap of `a` counts when one of the
/// places of that shingle in `b` is followed by a numeric gap of the same length and
/// then the shingle that ends `a`'s gap (a repeated phrase has several places).
/// Returns (swaps, other gaps).
pub fn number_substitutions(a: &[u64], b: &[u64], max_gap: usize) -> (usize, usize) {
    let mut pos: HashMap<u64, Vec<usize>> = HashMap::with_capacity(b.len());
    for (j, &h) in b.iter().enumerate() {
        let v = pos.entry(h).or_default();
        if v.len() < MAX_SWAP_POSITIONS {
            v.push(j);
        }
    }
    let (mut count, mut other) = (0, 0);
    // The index in `a` of the last shingle found in `b`.
    let mut last: Option<usize> = None;
    for (i, h) in a.iter().enumerate() {
        if !pos.contains_key(h) {
            continue;
        }
        if let Some(pi) = last {
            let gap = i - pi - 1;
            let swapped = (1..=max_gap).contains(&gap)
                && a[pi + 1..i].iter().all(|&x| numeric(x))
                && pos[&a[pi]].iter().any(|&pj| {
                    b.get(pj + gap + 1) == Some(h) && b[pj + 1..pj + gap + 1].iter().all(|&x| numeric(x))
                });
            if swapped {
                count += 1;
            } else if gap > 0 {
                other += 1;
            }
        }
        last = Some(i);
    }
    (count, other)
}

/// The decision: both texts have at least `min_shingles` shingles (short texts, such
/// as captions or one-line briefs, are only ever exact duplicates), Jaccard reaches
/// `jaccard` or the containment of the shorter text reaches `containment`, and, when
/// both texts have at least `min_numeric_shingles` numeric shingles, the numeric
/// containment reaches `numeric_containment` or the share of shared numeric words
/// reaches `number_containment` (template stories with other numbers stay apart),
/// and the pair is not one text but for its numbers: `number_substitutions` numbers
/// swapped for others in the same wording with at most `template_other_gaps` other
/// differences (exam answers of another exam code, identical but for the code).
///
/// A copy that is truncated *and* edited falls below both thresholds (J 0.45-0.5,
/// C 0.6-0.7) though it is one text with a few words changed; it also passes when
/// its order evidence says so: at least `gap_min_containment` of it is shared, it
/// shares a run of `min_run` shingles, and all but `1 - gap_filled` of it is shared
/// or within edit-sized gaps. Another article reusing some paragraphs leaves whole
/// paragraphs unshared and stays apart.
pub fn is_near_duplicate(s: &Similarity, cfg: &DedupConfig) -> bool {
    // A copy with a few edits near its numbers loses numeric shingles but keeps
    // its numbers: `number_containment` (distinct numeric words) settles it. A text
    // with few numbers loses a large share of them to one deleted or edited number;
    // when every difference is edit-sized (`gap_filled`) and no number was swapped
    // for another in place, the numbers do not set the pair apart either.
    let numbers_agree = s.numeric_len_a.min(s.numeric_len_b) < cfg.min_numeric_shingles
        || s.numeric_containment >= cfg.numeric_containment
        || s.number_containment >= cfg.number_containment
        || (s.number_substitutions == 0 && s.gap_filled >= cfg.gap_filled);
    // One long shared run, or (copies of copies: two independently edited copies
    // have shorter runs) a shorter longest run with most of the text in long runs.
    let edited_copy = s.containment >= cfg.gap_min_containment
        && s.gap_filled >= cfg.gap_filled
        && (s.longest_run >= cfg.min_run
            || (s.longest_run >= cfg.short_min_run && s.long_run_containment >= cfg.long_run_containment));
    s.len_a.min(s.len_b) >= cfg.min_shingles
        && s.shared > 0
        && !(s.number_substitutions >= cfg.number_substitutions && s.other_gaps <= cfg.template_other_gaps)
        && (s.jaccard >= cfg.jaccard || s.containment >= cfg.containment || edited_copy)
        && numbers_agree
}

/// Shortest run that [`longest_shared_passage`] looks for (words).
const ANCHOR: usize = 3;
/// Positions remembered per anchor in the first text: bounds the cost on texts that
/// repeat a phrase many times.
const MAX_POSITIONS: usize = 8;

/// The longest run of consecutive normalised words (at least 3) found in both texts,
/// as normalised text; empty when there is none. Anchored on 3-word hashes, so the
/// cost is linear in the text lengths plus the length of the shared runs.
pub fn longest_shared_passage(a_text: &str, b_text: &str) -> String {
    let mut a: Vec<String> = Vec::new();
    normalize::for_each_word(a_text, |w| a.push(w.to_string()));
    let mut b: Vec<String> = Vec::new();
    normalize::for_each_word(b_text, |w| b.push(w.to_string()));
    if a.len() < ANCHOR || b.len() < ANCHOR {
        return String::new();
    }
    let ha: Vec<u64> = a.iter().map(|w| word_hash(w)).collect();
    let hb: Vec<u64> = b.iter().map(|w| word_hash(w)).collect();
    let mut anchors: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, win) in ha.windows(ANCHOR).enumerate() {
        let v = anchors.entry(combine(win)).or_default();
        if v.len() < MAX_POSITIONS {
            v.push(i);
        }
    }
    let (mut best_start, mut best_len) = (0usize, 0usize);
    // Highly repetitive texts have many maximal runs; cap the total work (the answer
    // is then the longest run found within the budget).
    let mut budget = 64 * (a.len() + b.len());
    'outer: for (j, win) in hb.windows(ANCHOR).enumerate() {
        let Some(starts) = anchors.get(&combine(win)) else {
            continue;
        };
        for &i in starts {
            // Only maximal starts: a run that extends to the left was measured
            // from its own start already.
            if i > 0 && j > 0 && a[i - 1] == b[j - 1] {
                continue;
            }
            let mut n = 0;
            while i + n < a.len() && j + n < b.len() && a[i + n] == b[j + n] {
                n += 1;
            }
            budget = budget.saturating_sub(n + 1);
            if n > best_len {
                best_len = n;
                best_start = i;
            }
            if budget == 0 {
                break 'outer;
            }
        }
    }
    if best_len < ANCHOR {
        return String::new();
    }
    a[best_start..best_start + best_len].join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> DedupConfig {
        crate::config::Config::embedded().dedup
    }

    #[test]
    fn similarity_figures() {
        let a = ShingleSet::from_hashes((0..100).collect());
        let b = ShingleSet::from_hashes((0..60).collect());
        let s = verify(&a, &b);
        assert_eq!(s.shared, 60);
        assert!((s.jaccard - 0.6).abs() < 1e-9);
        assert!((s.containment - 1.0).abs() < 1e-9);
        assert!((s.containment_a_in_b - 0.6).abs() < 1e-9);
        assert!((s.containment_b_in_a - 1.0).abs() < 1e-9);
        let e = verify(&ShingleSet::default(), &ShingleSet::default());
        assert_eq!(e.jaccard, 0.0);
        assert!(!is_near_duplicate(&e, &cfg()));
    }

    #[test]
    fn decision_needs_min_shingles() {
        let c = cfg();
        let short = ShingleSet::from_hashes((0..(c.min_shingles as u64 - 1)).collect());
        assert!(!is_near_duplicate(&verify(&short, &short), &c));
        let long = ShingleSet::from_hashes((0..200).collect());
        assert!(is_near_duplicate(&verify(&long, &long), &c));
        let half = ShingleSet::from_hashes((100..300).collect());
        assert!(!is_near_duplicate(&verify(&long, &half), &c));
    }

    fn text(words: &str) -> (ShingleSet, Vec<u64>, Vec<u64>) {
        let body = vec![words.to_string()];
        let hashes = super::super::shingle::word_hashes(&body);
        let seq = super::super::shingle::sequence_from_words(&hashes, 5);
        let mut nums: Vec<u64> = hashes.iter().copied().filter(|&w| numeric(w)).collect();
        nums.sort_unstable();
        nums.dedup();
        (ShingleSet::from_hashes(seq.clone()), seq, nums)
    }

    fn sim(a: &str, b: &str) -> Similarity {
        let (ta, tb) = (text(a), text(b));
        verify_ordered(
            TextRef { set: &ta.0, sequence: &ta.1, numbers: &ta.2 },
            TextRef { set: &tb.0, sequence: &tb.1, numbers: &tb.2 },
            12,
            10,
        )
    }

    /// Exam answers of two exam codes: one text but for the code. A copy with edits
    /// (a number deleted, words changed) is not a template.
    #[test]
    fn a_number_swapped_in_place_marks_a_template() {
        let c = cfg();
        let base: Vec<String> = (0..120)
            .map(|i| format!("từ{}", ["a", "b", "c", "d", "e", "g", "h"][i % 7].repeat(1 + i / 7)))
            .collect();
        let with_code = |code: &str| {
            let mut w = base.clone();
            w.insert(30, code.to_string());
            w.insert(10, "mã".to_string());
            w.join(" ")
        };
        let s = sim(&with_code("215"), &with_code("207"));
        assert_eq!((s.number_substitutions, s.other_gaps), (1, 0), "{s:?}");
        assert!(!is_near_duplicate(&s, &c), "{s:?}");
        // The same text with the number deleted instead, and words edited elsewhere:
        // no swap, a near duplicate.
        let mut edited = base.clone();
        edited.insert(10, "mã".to_string());
        for k in [50, 70, 90, 110] {
            edited[k] = format!("{}x", edited[k]);
        }
        let s = sim(&with_code("215"), &edited.join(" "));
        assert_eq!(s.number_substitutions, 0, "{s:?}");
        assert!(is_near_duplicate(&s, &c), "{s:?}");
        // A swap plus many other differences: an edited copy, not a template.
        let mut many = base.clone();
        many.insert(30, "207".to_string());
        many.insert(10, "mã".to_string());
        for k in [45, 55, 65, 75, 85, 95] {
            many[k] = format!("{}x", many[k]);
        }
        let s = sim(&with_code("215"), &many.join(" "));
        assert_eq!(s.number_substitutions, 1, "{s:?}");
        assert!(s.other_gaps > c.template_other_gaps, "{s:?}");
        assert!(is_near_duplicate(&s, &c), "{s:?}");
    }

    /// `n` words of `base` with every `every`-th block of `width` words replaced.
    fn blocks_replaced(base: &[String], every: usize, width: usize, tag: &str) -> String {
        base.iter()
            .enumerate()
            .map(|(i, w)| if i % every < width && i >= every { format!("{w}{tag}") } else { w.clone() })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Copies of copies: edits every ~38 words leave runs of ~28 shingles (under
    /// `min_run`) but all of the shared text in long runs; the same containment made of
    /// stock phrases (shared runs of a few shingles) stays apart.
    #[test]
    fn long_runs_carry_copies_with_short_longest_runs() {
        let c = cfg();
        // Words without digits (numbers bring the numeric rules in).
        let word = |p: &str, i: usize| {
            format!("{p}{}{}", (b'a' + (i / 26) as u8) as char, (b'a' + (i % 26) as u8) as char)
        };
        let base: Vec<String> = (0..300).map(|i| word("w", i)).collect();
        // The longer text: the story plus 300 words of its own (J stays low).
        let mut longer = base.clone();
        longer.extend((0..300).map(|i| word("own", i)));
        let longer = longer.join(" ");
        let copy = blocks_replaced(&base, 38, 7, "x");
        let s = sim(&copy, &longer);
        assert!(s.longest_run >= c.short_min_run && s.longest_run < c.min_run, "{s:?}");
        assert!(s.containment < c.containment && s.jaccard < c.jaccard, "{s:?}");
        assert!(s.long_run_containment >= c.long_run_containment, "{s:?}");
        assert!(is_near_duplicate(&s, &c), "{s:?}");
        // The same but for the long-run evidence: apart.
        let mut strict = c.clone();
        strict.long_run_containment = 1.0;
        assert!(!is_near_duplicate(&s, &strict), "{s:?}");
        // Shorter phrases: one run of ~28 shingles, then shared runs of 9 shingles
        // (13 words) between replaced words: containment above gap_min_containment,
        // little of it in long runs.
        let stock: Vec<String> = base
            .iter()
            .enumerate()
            .map(|(i, w)| if i == 29 || (i > 29 && i % 14 == 13) { format!("{w}y") } else { w.clone() })
            .collect();
        let s = sim(&stock.join(" "), &longer);
        assert!(s.longest_run >= c.short_min_run && s.containment >= c.gap_min_containment, "{s:?}");
        assert!(s.long_run_containment < c.long_run_containment, "{s:?}");
        assert!(!is_near_duplicate(&s, &c), "{s:?}");
    }

    #[test]
    fn longest_passage() {
        let a =
            "Hôm nay trời đẹp. Bộ trưởng hội đàm với Thượng tướng Cuba về hợp tác an ninh, sau đó ăn trưa.";
        let b = "Tin mới: bộ trưởng hội đàm với thượng tướng Cuba về hợp tác an ninh! Hết.";
        assert_eq!(
            longest_shared_passage(a, b),
            "bộ trưởng hội đàm với thượng tướng cuba về hợp tác an ninh"
        );
        assert_eq!(longest_shared_passage("a b c", "d e f"), "");
        assert_eq!(longest_shared_passage("", "d e f"), "");
        // Repetitive text stays bounded and correct.
        let rep = "x y z ".repeat(2000);
        assert_eq!(longest_shared_passage(&rep, "x y z x y").split(' ').count(), 5);
    }
}

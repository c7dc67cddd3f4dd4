//! Fingerprint normalisation: the form of the text that hashes and shingles see.
//!
//! Separate from the stored text, which keeps the source's spelling.
//!
//! What it does, in order:
//! 1. NFC (so NFD and NFC copies agree), lower case;
//! 2. "Ð"/"ð" (U+00D0/U+00F0, eth, often typed where "Đ" is meant) become "đ";
//! 3. punctuation and symbols become word breaks, whitespace collapses to one space;
//! 4. one canonical tone placement: NFC does not unify "hòa"/"hoà", "thủy"/"thuỷ",
//!    "úy"/"uý", "khỏe"/"khoẻ". We choose the "new style" (mark on the main vowel, the
//!    second letter of an open `oa`, `oe`, `uy`) and move a mark written on the first
//!    letter there. Only open syllables move: in "hoàn", "hoài", "khuyến" both styles
//!    already agree. After "q" the "u" belongs to the consonant, so a mark written on it
//!    ("qúy", "qùa") moves to the vowel that follows ("quý", "quà").
//!
//! What it deliberately does NOT do: fold digits (two lottery reports with different
//! numbers would merge) or strip diacritics (different words would merge).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Version of this normalisation; part of the dedup parameter fingerprint, so a
/// database fingerprinted with another normalisation is refused rather than mixed.
pub const NORMALIZE_VERSION: u32 = 1;

/// NFC, lower case, canonical tone placement, "Ð" → "đ", punctuation to space,
/// whitespace collapsed. Digits and diacritics are kept.
pub fn fingerprint_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for_each_word(s, |w| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    });
    out
}

/// Calls `f` with every normalised word (syllable) of `s`, in order: the words of
/// [`fingerprint_text`] without building the joined string.
pub fn for_each_word(s: &str, mut f: impl FnMut(&str)) {
    let mut word = String::with_capacity(32);
    let mut fixed = String::with_capacity(32);
    // NFC first: lower-casing a precomposed letter gives a precomposed letter.
    for c in s.nfc() {
        if c.is_alphanumeric() || (is_combining_mark(c) && !word.is_empty()) {
            for l in c.to_lowercase() {
                word.push(if l == 'ð' { 'đ' } else { l });
            }
        } else if !word.is_empty() {
            emit(&word, &mut fixed, &mut f);
            word.clear();
        }
    }
    if !word.is_empty() {
        emit(&word, &mut fixed, &mut f);
    }
}

fn emit(word: &str, buf: &mut String, f: &mut impl FnMut(&str)) {
    if canonical_tone(word, buf) {
        f(buf);
    } else {
        f(word);
    }
}

/// The five Vietnamese tone marks as combining characters.
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// Splits a precomposed lower-case vowel into (base vowel, tone mark) when it
/// carries a tone mark; the base keeps its quality mark (â, ê, ô, ơ, ư, ă).
fn split_tone(c: char) -> Option<(char, char)> {
    if c.is_ascii() {
        return None;
    }
    let mut it = std::iter::once(c).nfd();
    let base = it.next()?;
    let rest: Vec<char> = it.collect();
    let tone = rest.iter().copied().find(|m| TONES.contains(m))?;
    let mut s: String = std::iter::once(base)
        .chain(rest.into_iter().filter(|m| *m != tone))
        .collect();
    s = s.nfc().collect();
    let mut chars = s.chars();
    let b = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    Some((b, tone))
}

fn with_tone(base: char, tone: char) -> Option<char> {
    let s: String = [base, tone].iter().copied().nfc().collect();
    let mut it = s.chars();
    let c = it.next()?;
    if it.next().is_some() {
        None
    } else {
        Some(c)
    }
}

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư'
    ) || split_tone(c).is_some_and(|(b, _)| is_vowel(b))
}

/// Writes the canonical tone placement of `word` into `out` and returns true when it
/// differs from `word`; returns false (and leaves `out` unspecified) otherwise.
fn canonical_tone(word: &str, out: &mut String) -> bool {
    // Fast path: only non-ASCII words can carry a tone mark.
    if word.is_ascii() {
        return false;
    }
    let ends_open = word.ends_with(['a', 'e', 'y']);
    if !ends_open && !word.contains('q') {
        return false;
    }
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    // Case 1: open `oa`, `oe`, `uy` at the end of the word with the mark on the first
    // letter ("hòa", "khỏe", "thủy") → mark on the second ("hoà", "khoẻ", "thuỷ").
    if n >= 2 {
        let (c1, c2) = (chars[n - 2], chars[n - 1]);
        if let Some((b1, tone)) = split_tone(c1) {
            let pair_ok = matches!((b1, c2), ('o', 'a') | ('o', 'e') | ('u', 'y'));
            // The pair must be the whole vowel cluster ("uỳa" is not this case); a
            // "q" before "u" makes "u" consonantal, handled the same way (mark on y).
            let alone = n == 2 || !is_vowel(chars[n - 3]);
            if pair_ok && alone {
                if let Some(t2) = with_tone(c2, tone) {
                    out.clear();
                    out.extend(&chars[..n - 2]);
                    out.push(b1);
                    out.push(t2);
                    return true;
                }
            }
        }
    }
    // Case 2: "q" + marked "u" + vowel ("qúa", "qùy") → mark on the vowel after u.
    if let Some(qpos) = chars.iter().position(|&c| c == 'q') {
        if qpos + 2 < n {
            if let Some(('u', tone)) = split_tone(chars[qpos + 1]) {
                let next = chars[qpos + 2];
                if is_vowel(next) && split_tone(next).is_none() {
                    if let Some(t2) = with_tone(next, tone) {
                        out.clear();
                        out.extend(&chars[..=qpos]);
                        out.push('u');
                        out.push(t2);
                        out.extend(&chars[qpos + 3..]);
                        return true;
                    }
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    #[test]
    fn tone_placement_is_unified() {
        for (old, new) in [
            ("hòa", "hoà"),
            ("Hòa", "hoà"),
            ("thủy", "thuỷ"),
            ("úy", "uý"),
            ("ủy", "uỷ"),
            ("òa", "oà"),
            ("khỏe", "khoẻ"),
            ("òe", "oè"),
            ("họa", "hoạ"),
            ("lõa", "loã"),
            ("tụy", "tuỵ"),
            ("qúy", "quý"),
            ("qùa", "quà"),
        ] {
            assert_eq!(
                fingerprint_text(old),
                fingerprint_text(new),
                "{old} vs {new}"
            );
            assert_eq!(fingerprint_text(old), new, "{old}");
            assert_eq!(fingerprint_text(&nfd(old)), new, "NFD {old}");
            assert_eq!(fingerprint_text(&nfd(new)), new, "NFD {new}");
        }
    }

    #[test]
    fn other_words_are_left_alone() {
        for w in [
            "hoàn", "hoài", "quý", "quà", "giữa", "khuyến", "thuyền", "mùa", "múa", "của", "hoa",
            "thuy", "xoáy", "quyết", "khuya", "tuổi", "người", "thuở", "huệ", "nguyễn", "chỉ",
        ] {
            assert_eq!(fingerprint_text(w), w, "{w}");
            assert_eq!(fingerprint_text(&nfd(w)), w, "NFD {w}");
        }
    }

    #[test]
    fn eth_becomes_d_with_stroke() {
        assert_eq!(fingerprint_text("ÐÀ NẴNG"), "đà nẵng");
        assert_eq!(fingerprint_text("ðà"), "đà");
        assert_eq!(fingerprint_text("Đà"), "đà");
    }

    #[test]
    fn punctuation_and_whitespace() {
        assert_eq!(
            fingerprint_text("  Ngày 23/10, giá  5.000 đồng…\n(“Dân chủ”) - Hòa!"),
            "ngày 23 10 giá 5 000 đồng dân chủ hoà"
        );
        assert_eq!(fingerprint_text(""), "");
        assert_eq!(fingerprint_text(" ,.; "), "");
    }

    #[test]
    fn digits_and_diacritics_are_kept() {
        assert_ne!(
            fingerprint_text("giải 12345"),
            fingerprint_text("giải 00000")
        );
        assert_ne!(fingerprint_text("bàn"), fingerprint_text("bán"));
        assert_ne!(fingerprint_text("ma"), fingerprint_text("mà"));
    }

    #[test]
    fn nfd_equals_nfc() {
        let s = "Đại tướng Lương Tam Quang hội đàm, Cộng hòa Cuba, thủy sản, khỏe mạnh";
        assert_eq!(fingerprint_text(s), fingerprint_text(&nfd(s)));
    }

    #[test]
    fn for_each_word_matches_fingerprint_text() {
        let s = "Thủy điện Hòa Bình: 1.920 MW.";
        let mut words = Vec::new();
        for_each_word(s, |w| words.push(w.to_string()));
        assert_eq!(words.join(" "), fingerprint_text(s));
    }
}

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
pub fn for_each_word(s: &str, f: impl FnMut(&str)) {
    // Most input is NFC already (the cleaner emits NFC): skip the normaliser then.
    if crate::nfc::is_nfc(s) {
        words_of_nfc(s.chars(), f);
    } else {
        words_of_nfc(s.nfc(), f);
    }
}

/// Lower case of the letters Vietnamese text is made of (Latin-1, the regular part
/// of Latin Extended-A, ơ/ư, Latin Extended Additional), with "ð"/"Ð" → "đ"; `None`
/// for anything else (handled by the general, slower path).
#[inline]
fn fast_lower(c: char) -> Option<char> {
    let u = c as u32;
    let l = match u {
        0xD0 | 0xF0 => 0x111,
        0xD7 | 0xF7 => return None,
        0xC0..=0xDE => u + 0x20,
        0xDF..=0xFF => u,
        0x100..=0x12F | 0x14A..=0x177 | 0x1EA0..=0x1EF9 => u | 1,
        0x1A0 | 0x1A1 => 0x1A1,
        0x1AF | 0x1B0 => 0x1B0,
        _ => return None,
    };
    char::from_u32(l)
}

fn words_of_nfc(chars: impl Iterator<Item = char>, mut f: impl FnMut(&str)) {
    let mut word = String::with_capacity(32);
    let mut fixed = String::with_capacity(32);
    for c in chars {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                word.push(c.to_ascii_lowercase());
                continue;
            }
        } else if let Some(l) = fast_lower(c) {
            word.push(l);
            continue;
        } else if c.is_alphanumeric() || (is_combining_mark(c) && !word.is_empty()) {
            for l in c.to_lowercase() {
                word.push(if l == 'ð' { 'đ' } else { l });
            }
            continue;
        }
        if !word.is_empty() {
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

/// The twelve Vietnamese vowel letters (lower case) with their five tone marks, in
/// the order: none, grave, acute, hook above, tilde, dot below. A table rather than
/// NFD round trips: no allocation on the hot path.
const VOWELS: [[char; 6]; 12] = [
    ['a', 'à', 'á', 'ả', 'ã', 'ạ'],
    ['ă', 'ằ', 'ắ', 'ẳ', 'ẵ', 'ặ'],
    ['â', 'ầ', 'ấ', 'ẩ', 'ẫ', 'ậ'],
    ['e', 'è', 'é', 'ẻ', 'ẽ', 'ẹ'],
    ['ê', 'ề', 'ế', 'ể', 'ễ', 'ệ'],
    ['i', 'ì', 'í', 'ỉ', 'ĩ', 'ị'],
    ['o', 'ò', 'ó', 'ỏ', 'õ', 'ọ'],
    ['ô', 'ồ', 'ố', 'ổ', 'ỗ', 'ộ'],
    ['ơ', 'ờ', 'ớ', 'ở', 'ỡ', 'ợ'],
    ['u', 'ù', 'ú', 'ủ', 'ũ', 'ụ'],
    ['ư', 'ừ', 'ứ', 'ử', 'ữ', 'ự'],
    ['y', 'ỳ', 'ý', 'ỷ', 'ỹ', 'ỵ'],
];

/// (row, tone) of a lower-case vowel letter in [`VOWELS`]; tone 0 is no mark.
fn vowel(c: char) -> Option<(usize, usize)> {
    let u = c as u32;
    let plausible = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
        || (0xE0..=0x1B0).contains(&u)
        || (0x1EA0..=0x1EF9).contains(&u);
    if !plausible {
        return None;
    }
    VOWELS.iter().enumerate().find_map(|(r, row)| row.iter().position(|&v| v == c).map(|t| (r, t)))
}

/// Splits a precomposed lower-case vowel into (base vowel, tone) when it carries a
/// tone mark; the base keeps its quality mark (â, ê, ô, ơ, ư, ă).
fn split_tone(c: char) -> Option<(char, usize)> {
    match vowel(c) {
        Some((r, t)) if t > 0 => Some((VOWELS[r][0], t)),
        _ => None,
    }
}

fn with_tone(base: char, tone: usize) -> Option<char> {
    match vowel(base) {
        Some((r, 0)) => VOWELS[r].get(tone).copied(),
        _ => None,
    }
}

fn is_vowel(c: char) -> bool {
    vowel(c).is_some()
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
    // Vietnamese syllables are at most 7 letters; longer words are left alone.
    let mut buf = ['\0'; 12];
    let mut n = 0;
    for c in word.chars() {
        if n == buf.len() {
            return false;
        }
        buf[n] = c;
        n += 1;
    }
    let chars = &buf[..n];
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
            assert_eq!(fingerprint_text(old), fingerprint_text(new), "{old} vs {new}");
            assert_eq!(fingerprint_text(old), new, "{old}");
            assert_eq!(fingerprint_text(&nfd(old)), new, "NFD {old}");
            assert_eq!(fingerprint_text(&nfd(new)), new, "NFD {new}");
        }
    }

    #[test]
    fn other_words_are_left_alone() {
        for w in [
            "hoàn", "hoài", "quý", "quà", "giữa", "khuyến", "thuyền", "mùa", "múa", "của", "hoa", "thuy",
            "xoáy", "quyết", "khuya", "tuổi", "người", "thuở", "huệ", "nguyễn", "chỉ",
        ] {
            assert_eq!(fingerprint_text(w), w, "{w}");
            assert_eq!(fingerprint_text(&nfd(w)), w, "NFD {w}");
        }
    }

    #[test]
    fn fast_lower_agrees_with_std() {
        for u in 0xC0..=0x1EFF_u32 {
            let Some(c) = char::from_u32(u) else { continue };
            if let Some(l) = fast_lower(c) {
                let std: Vec<char> = c.to_lowercase().collect();
                let expect = if std == ['ð'] { 'đ' } else { std[0] };
                assert_eq!((std.len(), l), (1, expect), "U+{u:04X}");
            }
        }
        assert_eq!(fingerprint_text("ĐẠI TƯỚNG ỦY BAN HÒA"), "đại tướng uỷ ban hoà");
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
        assert_ne!(fingerprint_text("giải 12345"), fingerprint_text("giải 00000"));
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

//! Legacy Vietnamese encodings: Windows-1258 (decoded), VNI and TCVN3 (detected).
//!
//! Detection decodes a sample of the bytes with each candidate table and scores how
//! many of the resulting non-ASCII words are well-formed Vietnamese syllables
//! (Vietnamese letters only, at most one tone mark). The right table turns
//! "Vieät"/"ViÖt" into "Việt"; a wrong one leaves letters such as "ä", "Ö" or a tone
//! mark stranded on a consonant, which never occur in Vietnamese.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

/// A legacy encoding the detector knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    Windows1258,
    Vni,
    Tcvn3,
}

impl Legacy {
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Windows1258 => "Windows-1258",
            Legacy::Vni => "VNI",
            Legacy::Tcvn3 => "TCVN3 (ABC)",
        }
    }

    /// Decodes `bytes` with this table, NFC-normalised.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Legacy::Windows1258 => {
                let (text, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(bytes);
                text.nfc().collect()
            }
            Legacy::Vni => {
                let mut s = String::with_capacity(bytes.len() + bytes.len() / 4);
                for &b in bytes {
                    match vni(b) {
                        Some(t) => s.push_str(t),
                        None => push_1252(&mut s, b),
                    }
                }
                s.nfc().collect()
            }
            Legacy::Tcvn3 => {
                let mut s = String::with_capacity(bytes.len() + bytes.len() / 4);
                for &b in bytes {
                    match tcvn3(b) {
                        Some(c) => s.push(c),
                        None => push_1252(&mut s, b),
                    }
                }
                s
            }
        }
    }
}

fn push_1252(s: &mut String, b: u8) {
    if b.is_ascii() {
        s.push(b as char);
    } else {
        let one = [b];
        let (t, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&one);
        s.push_str(&t);
    }
}

/// VNI (Windows): a base letter followed by a byte carrying its marks ("Vieät" =
/// "Việt"), and a few letters of their own (ơ ư đ and the toned i's).
pub fn vni(b: u8) -> Option<&'static str> {
    Some(match b {
        0xE2 | 0xC2 => "\u{302}",
        0xE1 | 0xC1 => "\u{302}\u{301}",
        0xE0 | 0xC0 => "\u{302}\u{300}",
        0xE5 | 0xC5 => "\u{302}\u{309}",
        0xE3 | 0xC3 => "\u{302}\u{303}",
        0xE4 | 0xC4 => "\u{302}\u{323}",
        0xEA | 0xCA => "\u{306}",
        0xE9 | 0xC9 => "\u{306}\u{301}",
        0xE8 | 0xC8 => "\u{306}\u{300}",
        0xFA | 0xDA => "\u{306}\u{309}",
        0xFC | 0xDC => "\u{306}\u{303}",
        0xEB | 0xCB => "\u{306}\u{323}",
        0xF9 | 0xD9 => "\u{301}",
        0xF8 | 0xD8 => "\u{300}",
        0xFB | 0xDB => "\u{309}",
        0xF5 | 0xD5 => "\u{303}",
        0xEF | 0xCF => "\u{323}",
        0xF4 => "ơ",
        0xD4 => "Ơ",
        0xF6 => "ư",
        0xD6 => "Ư",
        0xF1 => "đ",
        0xD1 => "Đ",
        0xEC => "ì",
        0xCC => "Ì",
        0xED => "í",
        0xCD => "Í",
        0xE6 => "ỉ",
        0xC6 => "Ỉ",
        0xF3 => "ĩ",
        0xD3 => "Ĩ",
        0xF2 => "ị",
        0xD2 => "Ị",
        0xEE => "ỵ",
        0xCE => "Ỵ",
        _ => return None,
    })
}

/// TCVN3 (TCVN 5712:1993 VN3, the "ABC" fonts): precomposed letters in 0xA1–0xFE
/// ("ViÖt" = "Việt").
pub fn tcvn3(b: u8) -> Option<char> {
    const HIGH: &[(u8, char)] = &[
        (0xA1, 'Ă'),
        (0xA2, 'Â'),
        (0xA3, 'Ê'),
        (0xA4, 'Ô'),
        (0xA5, 'Ơ'),
        (0xA6, 'Ư'),
        (0xA7, 'Đ'),
        (0xA8, 'ă'),
        (0xA9, 'â'),
        (0xAA, 'ê'),
        (0xAB, 'ô'),
        (0xAC, 'ơ'),
        (0xAD, 'ư'),
        (0xAE, 'đ'),
        (0xB5, 'à'),
        (0xB6, 'ả'),
        (0xB7, 'ã'),
        (0xB8, 'á'),
        (0xB9, 'ạ'),
        (0xBB, 'ằ'),
        (0xBC, 'ẳ'),
        (0xBD, 'ẵ'),
        (0xBE, 'ắ'),
        (0xC6, 'ặ'),
        (0xC7, 'ầ'),
        (0xC8, 'ẩ'),
        (0xC9, 'ẫ'),
        (0xCA, 'ấ'),
        (0xCB, 'ậ'),
        (0xCC, 'è'),
        (0xCE, 'ẻ'),
        (0xCF, 'ẽ'),
        (0xD0, 'é'),
        (0xD1, 'ẹ'),
        (0xD2, 'ề'),
        (0xD3, 'ể'),
        (0xD4, 'ễ'),
        (0xD5, 'ế'),
        (0xD6, 'ệ'),
        (0xD7, 'ì'),
        (0xD8, 'ỉ'),
        (0xDC, 'ĩ'),
        (0xDD, 'í'),
        (0xDE, 'ị'),
        (0xDF, 'ò'),
        (0xE1, 'ỏ'),
        (0xE2, 'õ'),
        (0xE3, 'ó'),
        (0xE4, 'ọ'),
        (0xE5, 'ồ'),
        (0xE6, 'ổ'),
        (0xE7, 'ỗ'),
        (0xE8, 'ố'),
        (0xE9, 'ộ'),
        (0xEA, 'ờ'),
        (0xEB, 'ở'),
        (0xEC, 'ỡ'),
        (0xED, 'ớ'),
        (0xEE, 'ợ'),
        (0xEF, 'ù'),
        (0xF1, 'ủ'),
        (0xF2, 'ũ'),
        (0xF3, 'ú'),
        (0xF4, 'ụ'),
        (0xF5, 'ừ'),
        (0xF6, 'ử'),
        (0xF7, 'ữ'),
        (0xF8, 'ứ'),
        (0xF9, 'ự'),
        (0xFA, 'ỳ'),
        (0xFB, 'ỷ'),
        (0xFC, 'ỹ'),
        (0xFD, 'ý'),
        (0xFE, 'ỵ'),
    ];
    if b < 0xA1 {
        return None;
    }
    HIGH.iter().find(|(k, _)| *k == b).map(|&(_, c)| c)
}

/// How Vietnamese a text looks: `(plausible, total)` over the words that contain a
/// non-ASCII character.
pub fn plausibility(text: &str) -> (usize, usize) {
    let mut plausible = 0;
    let mut total = 0;
    for word in text.split(|c: char| !(c.is_alphabetic() || is_combining_mark(c))) {
        if word.is_ascii() {
            continue;
        }
        total += 1;
        if is_vietnamese_word(word) {
            plausible += 1;
        }
    }
    (plausible, total)
}

fn is_vietnamese_word(word: &str) -> bool {
    let mut tones = 0;
    let mut base = String::with_capacity(word.len());
    for c in word.chars() {
        match letter_tones(c) {
            Some(t) => tones += t,
            None => return false,
        }
        base.push(untoned_lower(c));
    }
    tones <= 1 && is_syllable(&base)
}

/// The letter without its tone mark, lower case ("Ệ" → 'ê').
fn untoned_lower(c: char) -> char {
    let lower = c.to_lowercase().next().unwrap_or(c);
    let mut parts = Vec::with_capacity(3);
    decompose_canonical(lower, |d| {
        if !matches!(d, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}') {
            parts.push(d);
        }
    });
    match parts.as_slice() {
        [b] => *b,
        [b, m] => unicode_normalization::char::compose(*b, *m).unwrap_or(*b),
        _ => lower,
    }
}

/// Initial consonant + one to three vowels + final consonant: the shape of every
/// Vietnamese syllable ("nghiêng", "khuya", "đường"), which Latin-1 words read
/// through a Vietnamese table ("cafộ") do not have.
fn is_syllable(s: &str) -> bool {
    const INITIALS: &[&str] = &[
        "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g", "h", "k",
        "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
    ];
    const FINALS: &[&str] = &["", "ng", "nh", "ch", "c", "m", "n", "p", "t"];
    let is_vowel = |c: char| "aăâeêioôơuưy".contains(c);
    INITIALS.iter().filter_map(|i| s.strip_prefix(i)).any(|rest| {
        let nucleus = rest.chars().take_while(|&c| is_vowel(c)).count();
        let tail: String = rest.chars().skip(nucleus).collect();
        (1..=3).contains(&nucleus) && FINALS.contains(&tail.as_str())
    })
}

/// `Some(number of tone marks)` when `c` is a Vietnamese letter.
fn letter_tones(c: char) -> Option<u32> {
    if c.is_ascii_alphabetic() || c == 'đ' || c == 'Đ' {
        return Some(0);
    }
    let mut base = None;
    let mut tones = 0u32;
    let mut modifiers = 0u32;
    let mut ok = true;
    let mut first = true;
    decompose_canonical(c, |d| {
        if first {
            first = false;
            base = Some(d.to_ascii_lowercase());
            return;
        }
        match d {
            '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}' => tones += 1,
            '\u{302}' if matches!(base, Some('a' | 'e' | 'o')) => modifiers += 1,
            '\u{306}' if base == Some('a') => modifiers += 1,
            '\u{31B}' if matches!(base, Some('o' | 'u')) => modifiers += 1,
            _ => ok = false,
        }
    });
    let vowel = matches!(base, Some('a' | 'e' | 'i' | 'o' | 'u' | 'y'));
    (ok && vowel && !first && tones + modifiers > 0 && tones <= 1 && modifiers <= 1).then_some(tones)
}

/// The legacy Vietnamese encoding `bytes` are most plausibly in, with its score, when
/// the sample has enough non-ASCII words to tell.
pub fn detect(bytes: &[u8]) -> Option<(Legacy, f64)> {
    let sample = &bytes[..bytes.len().min(256 * 1024)];
    let mut best: Option<(Legacy, f64)> = None;
    for enc in [Legacy::Windows1258, Legacy::Vni, Legacy::Tcvn3] {
        let (ok, total) = plausibility(&enc.decode(sample));
        if total == 0 {
            continue;
        }
        let score = ok as f64 / total as f64;
        if best.map_or(true, |(_, s)| score > s) {
            best = Some((enc, score));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(Legacy::Vni.decode(b"Vi\x65\xE4t Nam, Ng\xF6\xF4\xF8i"), "Việt Nam, Người");
        assert_eq!(Legacy::Tcvn3.decode(b"Vi\xD6t Nam, Ng\xAD\xEAi"), "Việt Nam, Người");
        assert_eq!(plausibility("Việt Nam hội đàm"), (3, 3));
        assert_eq!(plausibility("Vieät"), (0, 1));
        assert_eq!(plausibility("ViÖt"), (0, 1));
        assert_eq!(plausibility("nghiêng khuya đường Người"), (3, 3));
        assert_eq!(plausibility("cafộ fermộ"), (0, 2));
    }
}

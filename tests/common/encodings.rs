//! Encoders for test inputs: turn clean UTF-8 seed text into the legacy encodings
//! scraped archives use (independent of the decoder's own tables where possible).
#![allow(dead_code)]

use unicode_normalization::char::{compose, decompose_canonical};
use unicode_normalization::UnicodeNormalization;

const TONES: [char; 5] = ['\u{301}', '\u{300}', '\u{309}', '\u{303}', '\u{323}'];

fn decompose(c: char) -> (char, Vec<char>) {
    let mut v = Vec::new();
    decompose_canonical(c, |d| v.push(d));
    let base = v.remove(0);
    (base, v)
}

fn enc1258(c: char) -> Option<Vec<u8>> {
    let s = c.to_string();
    let (b, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&s);
    (!unmappable).then(|| b.into_owned())
}

/// Windows-1258 the way Vietnamese Windows software writes it: precomposed letters
/// where the code page has them, combining tone marks otherwise.
pub fn windows_1258(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in s.nfc() {
        if let Some(b) = enc1258(c) {
            out.extend(b);
            continue;
        }
        let (base, marks) = decompose(c);
        // Compose the base with one mark into a letter the code page has (ê + dot below).
        let mut done = false;
        for (i, &m) in marks.iter().enumerate() {
            if let Some(b) = compose(base, m).and_then(enc1258) {
                out.extend(b);
                for (j, &m2) in marks.iter().enumerate() {
                    if j != i {
                        out.extend(enc1258(m2).unwrap_or_else(|| panic!("cannot encode {c:?}")));
                    }
                }
                done = true;
                break;
            }
        }
        if !done {
            out.extend(enc1258(base).unwrap_or_else(|| panic!("cannot encode {c:?}")));
            for m in marks {
                out.extend(enc1258(m).unwrap_or_else(|| panic!("cannot encode {c:?}")));
            }
        }
    }
    out
}

/// VNI Windows: base letter + one byte for circumflex/breve and tone together.
pub fn vni(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in s.nfc() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        match c {
            'đ' => {
                out.push(0xF1);
                continue;
            }
            'Đ' => {
                out.push(0xD1);
                continue;
            }
            _ => {}
        }
        let (base, marks) = decompose(c);
        if !base.is_ascii_alphabetic() {
            out.push(b'?');
            continue;
        }
        let upper = base.is_ascii_uppercase();
        let shift = |b: u8| if upper { b - 0x20 } else { b };
        let tone = marks.iter().position(|m| TONES.contains(m)).map(|i| marks[i]);
        let tone_ix = tone.and_then(|t| TONES.iter().position(|&x| x == t));
        let lower = base.to_ascii_lowercase();
        if marks.contains(&'\u{31B}') {
            out.push(shift(if lower == 'o' { 0xF4 } else { 0xF6 }));
            if let Some(i) = tone_ix {
                out.push(shift([0xF9, 0xF8, 0xFB, 0xF5, 0xEF][i]));
            }
        } else if lower == 'i' && marks.len() == 1 {
            out.push(shift([0xED, 0xEC, 0xE6, 0xF3, 0xF2][tone_ix.unwrap_or(0)]));
        } else if lower == 'y' && tone == Some('\u{323}') {
            out.push(shift(0xEE));
        } else if marks.contains(&'\u{302}') {
            out.push(base as u8);
            out.push(shift(match tone_ix {
                None => 0xE2,
                Some(i) => [0xE1, 0xE0, 0xE5, 0xE3, 0xE4][i],
            }));
        } else if marks.contains(&'\u{306}') {
            out.push(base as u8);
            out.push(shift(match tone_ix {
                None => 0xEA,
                Some(i) => [0xE9, 0xE8, 0xFA, 0xFC, 0xEB][i],
            }));
        } else if let Some(i) = tone_ix {
            out.push(base as u8);
            out.push(shift([0xF9, 0xF8, 0xFB, 0xF5, 0xEF][i]));
        } else {
            out.push(b'?');
        }
    }
    out
}

/// TCVN3 (ABC): precomposed lower-case letters in 0xA1..0xFE (capitals with tones
/// come out lower case, as with the ABC fonts' single-font text).
pub fn tcvn3(s: &str) -> Vec<u8> {
    const TABLE: &str = "ĂÂÊÔƠƯĐăâêôơưđ";
    const TONED: &[(&str, u8)] = &[
        ("àảãáạ", 0xB5),
        ("ằẳẵắ", 0xBB),
        ("ặầẩẫấậ", 0xC6),
        ("è", 0xCC),
        ("ẻẽéẹềểễếệì", 0xCE),
        ("ỉ", 0xD8),
        ("ĩíịò", 0xDC),
        ("ỏõóọồổỗốộờởỡớợù", 0xE1),
        ("ủũúụừửữứựỳỷỹýỵ", 0xF1),
    ];
    let mut out = Vec::new();
    for c in s.nfc() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        if let Some(i) = TABLE.chars().position(|x| x == c) {
            out.push(0xA1 + i as u8);
            continue;
        }
        let lc = c.to_lowercase().next().unwrap_or(c);
        let mut found = None;
        for (run, start) in TONED {
            if let Some(i) = run.chars().position(|x| x == lc) {
                found = Some(start + i as u8);
            }
        }
        out.push(found.unwrap_or(b'?'));
    }
    out
}

pub fn utf16(s: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = std::iter::once(0xFEFF).filter(|_| bom).chain(s.encode_utf16());
    for u in units {
        if big_endian {
            out.extend(u.to_be_bytes());
        } else {
            out.extend(u.to_le_bytes());
        }
    }
    out
}

/// Deterministic pseudo-random bytes (xorshift).
pub fn random_bytes(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

//! A fast NFC check for the text this program sees.
//!
//! `unicode_normalization::is_nfc_quick` looks every character up in Unicode tables;
//! on Vietnamese text that was about a tenth of the fingerprint's cost. Nearly all
//! characters here are ASCII, Latin-1/Latin Extended letters, precomposed Vietnamese
//! letters (U+1E00–U+1EFF) or general punctuation, which are all NFC on their own and
//! never combine with a neighbour (canonical combining class 0, NFC_Quick_Check=Yes):
//! a text made only of them is NFC without a table lookup. Anything else falls back
//! to the full quick check. The test below checks the ranges against the tables.

use unicode_normalization::{is_nfc_quick, IsNormalized};

/// True for a character that is NFC by itself and blocks no composition:
/// below U+0300, U+1E00–U+1EFF, U+2010–U+206F.
#[inline]
pub fn is_trivially_nfc(c: char) -> bool {
    c < '\u{300}' || ('\u{1E00}'..='\u{1EFF}').contains(&c) || ('\u{2010}'..='\u{206F}').contains(&c)
}

/// True when `s` is certainly NFC (the quick check says Yes).
pub fn is_nfc(s: &str) -> bool {
    s.chars().all(is_trivially_nfc) || is_nfc_quick(s.chars()) == IsNormalized::Yes
}

/// `\r\n` and lone `\r` as `\n` (decoding and cleaning both need it: cleaning also
/// takes text that did not come through `decode`; here so `decode` need not import
/// `clean`).
pub fn unify_line_ends(chars: impl Iterator<Item = char>) -> impl Iterator<Item = char> {
    let mut chars = chars.peekable();
    std::iter::from_fn(move || {
        let c = chars.next()?;
        if c == '\r' {
            chars.next_if_eq(&'\n');
            return Some('\n');
        }
        Some(c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::char::canonical_combining_class;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn trivial_ranges_agree_with_the_unicode_tables() {
        let ranges = [0u32..0x300, 0x1E00..0x1F00, 0x2010..0x2070];
        for cp in ranges.into_iter().flatten() {
            let Some(c) = char::from_u32(cp) else { continue };
            assert!(is_trivially_nfc(c));
            assert_eq!(canonical_combining_class(c), 0, "U+{cp:04X}");
            let one = c.to_string();
            assert_eq!(is_nfc_quick(one.chars()), IsNormalized::Yes, "U+{cp:04X}");
            assert_eq!(one.nfc().collect::<String>(), one, "U+{cp:04X}");
        }
        assert!(!is_trivially_nfc('\u{301}'));
        assert!(!is_trivially_nfc('\u{2000}'));
    }

    #[test]
    fn falls_back_to_the_full_check() {
        assert!(is_nfc("Hòa bình — “hội đàm”"));
        assert!(!is_nfc("Ho\u{300}a"));
        assert!(is_nfc("東京"));
    }
}

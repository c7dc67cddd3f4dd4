//! Vietnamese accents in queries: which typed words carry diacritics, and which
//! spellings of such a word count as the same word.
//!
//! In Vietnamese the tones tell words apart (đàm, dâm, đâm, dám, đảm are all "dam"
//! once folded), so a word typed *with* diacritics must match that word only, while
//! a word typed without them matches every form (see `query.rs`). "The same word"
//! ignores case, NFC/NFD and where the tone mark sits (the old and new orthographies
//! write "hoà"/"hòa", "thuỷ"/"thủy", "khoẻ"/"khỏe"). A `d` in a word typed with
//! diacritics stays `d`: "dâm" and "đâm" are different words. (Typed without any
//! diacritic, `d` matches `đ` too: that is the folded search.)
//!
//! Backend-neutral: the store turns [`variants`] into its own query syntax (FTS5 `OR`
//! groups for SQLite; the same list works as an `= ANY` array for PostgreSQL).

use unicode_normalization::UnicodeNormalization;

/// The five Vietnamese tone marks, as combining characters.
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// Most spellings one typed word may expand to (the typed one first).
pub const MAX_VARIANTS: usize = 8;

fn is_tone(c: char) -> bool {
    TONES.contains(&c)
}

/// The form a word is compared in: NFC, lower case, `ð`/`Ð` (often typed for `Đ`) → `đ`.
pub fn typed_form(word: &str) -> String {
    word.nfc()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ð' { 'đ' } else { c })
        .collect::<String>()
        .nfc()
        .collect()
}

/// True when a word (in [`typed_form`]) carries a diacritic or `đ`: a word typed that
/// way asks for that exact spelling.
pub fn has_diacritics(typed: &str) -> bool {
    !typed.is_ascii() && typed != super::fold(typed)
}

/// True when no spelling of the word differs from it: no letter that can carry a
/// Vietnamese diacritic or be `đ` (digits, "tp", "hcm", "g20", other scripts). Such a
/// word matches the same rows whether it is looked up folded or accented.
pub fn is_neutral(typed: &str) -> bool {
    !has_diacritics(typed) && !typed.chars().any(|c| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'd'))
}

/// The word without its tone marks (NFC, quality marks such as `ô`, `ư` kept) and its
/// tone marks in order.
fn split_tones(typed: &str) -> (Vec<char>, Vec<char>) {
    let mut base = String::new();
    let mut tones = Vec::new();
    for c in typed.nfd() {
        if is_tone(c) {
            tones.push(c);
        } else {
            base.push(c);
        }
    }
    (base.nfc().collect(), tones)
}

fn is_vowel(c: char) -> bool {
    matches!(c.to_string().nfd().next(), Some('a' | 'e' | 'i' | 'o' | 'u' | 'y'))
}

/// Every spelling of a typed word that counts as the same word: the tone mark on each
/// vowel in turn. The typed form comes first; at most
/// [`MAX_VARIANTS`]. A word without diacritics has only itself.
pub fn variants(typed: &str) -> Vec<String> {
    let mut out = vec![typed.to_string()];
    if !has_diacritics(typed) {
        return out;
    }
    let (base, tones) = split_tones(typed);
    let mut placed: Vec<Vec<char>> = Vec::new();
    if tones.len() == 1 {
        for (i, &c) in base.iter().enumerate() {
            if is_vowel(c) {
                let mut s = String::new();
                for (j, &b) in base.iter().enumerate() {
                    s.push(b);
                    if i == j {
                        s.push(tones[0]);
                    }
                }
                placed.push(s.nfc().collect());
            }
        }
    } else {
        placed.push(typed.chars().collect());
    }
    for p in placed {
        let v: String = p.into_iter().collect();
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out.truncate(MAX_VARIANTS);
    out
}

/// True when `text_word` (a word of a text, in [`typed_form`]) is a spelling of the
/// typed word `typed` as [`variants`] defines it.
pub fn same_word(typed: &str, text_word: &str) -> bool {
    if typed == text_word {
        return true;
    }
    let (tb, mut tt) = split_tones(typed);
    let (ob, mut ot) = split_tones(text_word);
    tt.sort_unstable();
    ot.sort_unstable();
    tt == ot && tb == ob
}

/// True when `text_word` starts with a spelling of the typed prefix (for `word*`).
pub fn same_prefix(typed: &str, text_word: &str) -> bool {
    let n = typed.chars().count();
    let head: String = text_word.chars().take(n).collect();
    same_word(typed, &head) || text_word.starts_with(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diacritics_and_neutral_words() {
        for w in ["hội", "đàm", "đam", "hòa", "ơn"] {
            assert!(has_diacritics(&typed_form(w)), "{w}");
        }
        for w in ["hoi", "dam", "2024", "covid"] {
            assert!(!has_diacritics(&typed_form(w)), "{w}");
        }
        assert!(is_neutral("2024") && is_neutral("tp") && is_neutral("hcm") && is_neutral("g20"));
        assert!(!is_neutral("dam") && !is_neutral("hội"));
    }

    #[test]
    fn typed_form_is_case_and_normalisation_insensitive() {
        let nfd: String = "Hội Đàm".nfd().collect();
        assert_eq!(typed_form(&nfd), "hội đàm");
        assert_eq!(typed_form("HỘI ĐÀM"), "hội đàm");
        assert_eq!(typed_form("Ðà"), "đà");
    }

    #[test]
    fn tone_placement_and_d_variants() {
        let v = variants("hoà");
        assert_eq!(v[0], "hoà");
        assert!(v.contains(&"hòa".to_string()), "{v:?}");
        assert!(variants("thủy").contains(&"thuỷ".to_string()));
        assert_eq!(variants("đàm")[0], "đàm");
        assert!(!variants("dâm").contains(&"đâm".to_string()), "dâm and đâm are two words");
        assert_eq!(variants("dam"), ["dam"]);
        assert!(variants("nghiêng").len() <= MAX_VARIANTS);
    }

    #[test]
    fn same_word_is_the_variant_relation() {
        assert!(same_word("hoà", "hòa") && same_word("hòa", "hoà"));
        assert!(!same_word("dâm", "đâm") && !same_word("đâm", "dâm"));
        assert!(!same_word("đàm", "dâm") && !same_word("đàm", "đâm") && !same_word("đàm", "đam"));
        assert!(!same_word("đàm", "đảm"));
        for w in ["hoà", "thủy", "dâm", "khoẻ"] {
            for v in variants(w) {
                assert!(same_word(w, &v), "{w} / {v}");
            }
        }
        assert!(same_prefix("hộ", "hội") && !same_prefix("hồ", "hội"));
    }
}

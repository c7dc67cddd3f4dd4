//! Decoding: raw file bytes in, text out, or a reason the file is not article text.
//!
//! The order of the checks (README "Bad input" has the table):
//!
//! 1. empty file; known binary formats by their magic bytes (PNG, ZIP, PDF, gzip, …);
//! 2. byte-order marks: UTF-8, UTF-16 LE/BE, UTF-32 LE/BE;
//! 3. NUL bytes: UTF-16 without a BOM when the NULs fall in every other byte of
//!    mostly-ASCII text, otherwise a binary file; many other control bytes: binary;
//! 4. valid UTF-8 (checked for legacy-encoding mojibake such as "Vieät");
//! 5. UTF-8 with a few invalid bytes: accepted with U+FFFD replacement when the
//!    invalid bytes are at most 1 % of the file and the file has at least as many valid
//!    non-ASCII UTF-8 characters as invalid sequences; rejected when it is mostly
//!    UTF-8 with more damage than that;
//! 6. no UTF-8 evidence: legacy Vietnamese encodings: Windows-1258 is decoded (and
//!    NFC-normalised, it spells tones with combining marks), VNI and TCVN3 are
//!    recognised and rejected; otherwise chardetng's guess (e.g. Windows-1252) when it
//!    decodes without errors;
//! 7. the text: line endings to `\n`, stray control characters and BOMs dropped; then
//!    "empty file (only whitespace)" and "looks like HTML".

mod legacy;

use std::fmt;

pub use legacy::{plausibility, Legacy};

/// Why a file's bytes are not usable text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(pub String);

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn reject<T>(reason: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection(reason.into()))
}

/// Decoded text and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding the bytes were read as ("UTF-8", "UTF-16LE", "windows-1258", …).
    pub encoding: &'static str,
    /// Invalid sequences replaced by U+FFFD.
    pub replaced: usize,
}

/// Decodes a file's bytes to text.
pub fn decode(bytes: &[u8]) -> Result<String, Rejection> {
    decode_detailed(bytes).map(|d| d.text)
}

/// Decodes a file's bytes to text, saying which encoding was used. HTML is rejected
/// ("looks like HTML"): use [`decode_page`] where HTML pages are welcome.
pub fn decode_detailed(bytes: &[u8]) -> Result<Decoded, Rejection> {
    let (d, html) = decode_page(bytes)?;
    if let Some(why) = html {
        return reject(format!("looks like HTML ({why}); save the article text, not the page"));
    }
    Ok(d)
}

/// Decodes a file's bytes to text and says whether the text is an HTML page (and
/// why: `Some("starts with <!doctype html…")`). Content decides, not the file name.
///
/// For HTML the charset comes from the BOM, then a `<meta charset>` /
/// `http-equiv` declaration in the first 2 KB, then the detection used for text. One
/// exception: bytes that are valid UTF-8 with non-ASCII characters are read as UTF-8
/// whatever the page declares, because scrapers commonly re-encode pages to UTF-8
/// when saving them and keep the original declaration.
pub fn decode_page(bytes: &[u8]) -> Result<(Decoded, Option<String>), Rejection> {
    if bytes.is_empty() {
        return reject("empty file");
    }
    if let Some(kind) = magic(bytes) {
        return reject(format!("binary file ({kind})"));
    }
    if let Some(enc) = declared_charset(bytes) {
        let valid_utf8 = std::str::from_utf8(bytes).is_ok_and(|s| !s.is_ascii());
        if enc != encoding_rs::UTF_8 && !valid_utf8 && !bytes.starts_with(b"\xEF\xBB\xBF") {
            let (text, had_errors) = enc.decode_without_bom_handling(bytes);
            let replaced = if had_errors { text.matches('\u{FFFD}').count() } else { 0 };
            let text = tidy(text.into_owned());
            if let Some(why) = looks_like_html(&text) {
                return Ok((Decoded { text, encoding: enc.name(), replaced }, Some(why)));
            }
        }
    }
    let (mut raw, mut encoding, replaced) = to_text(bytes)?;
    if encoding == "UTF-8" {
        if let Some(once) = undo_double_utf8(&raw) {
            raw = once;
            encoding = "UTF-8 (encoded twice, repaired)";
        } else {
            mojibake(&raw)?;
        }
    }
    let text = tidy(raw);
    if text.chars().all(char::is_whitespace) {
        return reject("empty file (only whitespace)");
    }
    let html = looks_like_html(&text);
    Ok((Decoded { text, encoding, replaced }, html))
}

/// The charset a page declares in its first 2 KB (`<meta charset=…>` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">`), when encoding_rs knows it.
fn declared_charset(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(2048)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let meta = find(&lower, b"<meta")?;
    let at = meta + find(&lower[meta..], b"charset")? + b"charset".len();
    let rest = &lower[at..];
    let rest = &rest[rest.iter().position(|&b| b != b' ')?..];
    let rest = rest.strip_prefix(b"=")?;
    let rest = &rest[rest.iter().position(|&b| !matches!(b, b' ' | b'"' | b'\''))?..];
    let end = rest
        .iter()
        .position(|&b| matches!(b, b'"' | b'\'' | b' ' | b';' | b'>' | b'/'))
        .unwrap_or(rest.len());
    encoding_rs::Encoding::for_label(&rest[..end])
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Bytes to text by BOM, NUL pattern, UTF-8 validity and legacy detection.
fn to_text(bytes: &[u8]) -> Result<(String, &'static str, usize), Rejection> {
    // UTF-32 first: its LE BOM starts with the UTF-16 LE one.
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE\x00\x00") {
        return utf32(rest, false).map(|(s, n)| (s, "UTF-32LE", n));
    }
    if let Some(rest) = bytes.strip_prefix(b"\x00\x00\xFE\xFF") {
        return utf32(rest, true).map(|(s, n)| (s, "UTF-32BE", n));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, encoding_rs::UTF_16LE);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, encoding_rs::UTF_16BE);
    }
    if let Some(first_nul) = memchr(0, bytes) {
        return match bomless_utf16(bytes) {
            Some(enc) => utf16(bytes, enc),
            None => reject(format!("binary file (NUL byte at offset {first_nul})")),
        };
    }
    utf8(bytes)
}

/// UTF-8, strict or with the few-bad-bytes policy; legacy encodings when the bytes
/// show no sign of being UTF-8.
fn utf8(bytes: &[u8]) -> Result<(String, &'static str, usize), Rejection> {
    check_controls(bytes.iter().filter(|b| b.is_ascii()).map(|&b| b as char), bytes.len())?;
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8", 0));
    }
    let damage = utf8_damage(bytes);
    if damage.valid_multibyte >= damage.sequences && damage.valid_multibyte > 0 {
        // Evidence of UTF-8: a few damaged characters are replaced, more is rejected.
        if damage.invalid_bytes * 100 <= bytes.len() {
            let text = String::from_utf8_lossy(bytes).into_owned();
            return Ok((text, "UTF-8", damage.sequences));
        }
        return reject(format!(
            "damaged UTF-8: {} invalid bytes ({:.1} % of the file, first at offset {}); at most 1 % is repaired",
            damage.invalid_bytes,
            damage.invalid_bytes as f64 * 100.0 / bytes.len() as f64,
            damage.first_offset
        ));
    }
    legacy_text(bytes, damage.first_offset)
}

fn legacy_text(bytes: &[u8], first_invalid: usize) -> Result<(String, &'static str, usize), Rejection> {
    if let Some((enc, score)) = legacy::detect(bytes) {
        if score >= 0.7 {
            return match enc {
                // Only when it uses what sets Windows-1258 apart (Vietnamese letters or
                // combining tones); Western text goes to the general detector below.
                Legacy::Windows1258 if vietnamese_1258(bytes) => Ok((enc.decode(bytes), "windows-1258", 0)),
                Legacy::Windows1258 => legacy_fallback(bytes, first_invalid),
                Legacy::Vni | Legacy::Tcvn3 => reject(format!(
                    "legacy Vietnamese encoding {} (not supported; convert the file to UTF-8)",
                    enc.name()
                )),
            };
        }
    }
    legacy_fallback(bytes, first_invalid)
}

/// Bytes that mean different things in Windows-1258 and Windows-1252: Ă ă Đ đ Ơ ơ
/// Ư ư, the five combining tone marks and ₫.
fn vietnamese_1258(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| {
        matches!(
            b,
            0xC3 | 0xE3 | 0xD0 | 0xF0 | 0xD5 | 0xF5 | 0xDD | 0xFD | 0xCC | 0xEC | 0xD2 | 0xDE | 0xF2 | 0xFE
        )
    })
}

fn legacy_fallback(bytes: &[u8], first_invalid: usize) -> Result<(String, &'static str, usize), Rejection> {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(&bytes[..bytes.len().min(1024 * 1024)], true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    let (text, had_errors) = guess.decode_without_bom_handling(bytes);
    if had_errors || guess == encoding_rs::UTF_8 {
        return reject(format!(
            "not valid UTF-8 (invalid byte at offset {first_invalid}) and not in a recognised encoding"
        ));
    }
    Ok((text.into_owned(), guess.name(), 0))
}

struct Damage {
    invalid_bytes: usize,
    sequences: usize,
    valid_multibyte: usize,
    first_offset: usize,
}

fn utf8_damage(bytes: &[u8]) -> Damage {
    let mut d = Damage { invalid_bytes: 0, sequences: 0, valid_multibyte: 0, first_offset: usize::MAX };
    let mut offset = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                d.valid_multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                d.valid_multibyte += std::str::from_utf8(&rest[..valid])
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                let bad = e.error_len().unwrap_or(rest.len() - valid);
                d.first_offset = d.first_offset.min(offset + valid);
                d.invalid_bytes += bad;
                d.sequences += 1;
                offset += valid + bad;
                rest = &rest[valid + bad..];
            }
        }
    }
    if d.first_offset == usize::MAX {
        d.first_offset = 0;
    }
    d
}

fn utf16(
    bytes: &[u8],
    enc: &'static encoding_rs::Encoding,
) -> Result<(String, &'static str, usize), Rejection> {
    let (text, replaced) = match enc.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(t) => (t, 0),
        None => {
            let (t, _) = enc.decode_without_bom_handling(bytes);
            let n = t.chars().filter(|&c| c == '\u{FFFD}').count();
            (t, n)
        }
    };
    let units = bytes.len() / 2;
    if replaced > 0 && replaced * 100 > units.max(1) {
        return reject(format!("damaged {} text: {replaced} invalid code units", enc.name()));
    }
    check_controls(text.chars(), text.len())?;
    if let Some(pos) = text.find('\0') {
        return reject(format!("binary file (NUL character in {} text at offset {pos})", enc.name()));
    }
    Ok((text.into_owned(), enc.name(), replaced))
}

fn utf32(bytes: &[u8], big_endian: bool) -> Result<(String, usize), Rejection> {
    let mut s = String::with_capacity(bytes.len() / 4);
    let mut replaced = 0;
    for chunk in bytes.chunks(4) {
        let Ok(arr) = <[u8; 4]>::try_from(chunk) else {
            replaced += 1;
            continue;
        };
        let v = if big_endian { u32::from_be_bytes(arr) } else { u32::from_le_bytes(arr) };
        match char::from_u32(v) {
            Some(c) => s.push(c),
            None => {
                replaced += 1;
                s.push('\u{FFFD}');
            }
        }
    }
    if replaced * 100 > (bytes.len() / 4).max(1) {
        return reject(format!("damaged UTF-32 text: {replaced} invalid code units"));
    }
    check_controls(s.chars(), s.len())?;
    if s.contains('\0') {
        return reject("binary file (NUL character in UTF-32 text)");
    }
    Ok((s, replaced))
}

/// UTF-16 without a BOM: text that is mostly ASCII has a NUL in every other byte.
fn bomless_utf16(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let sample = &bytes[..bytes.len().min(64 * 1024) & !1];
    let units = sample.len() / 2;
    if units < 4 {
        return None;
    }
    let even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    // At least 30 % of the code units are ASCII/Latin-1 and the other half has
    // (almost) no NULs: UTF-16; random binary has NULs everywhere or rarely.
    if odd * 10 >= units * 3 && even * 50 <= units {
        Some(encoding_rs::UTF_16LE)
    } else if even * 10 >= units * 3 && odd * 50 <= units {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// More than 1 % control characters (other than tab, line feed, carriage return,
/// form feed, and a DOS end-of-file mark at the end), and at least 3, is a binary file.
fn check_controls(chars: impl Iterator<Item = char>, len: usize) -> Result<(), Rejection> {
    let mut n = 0usize;
    let mut last_ctrl_is_eof = false;
    for c in chars {
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0C}') {
            n += 1;
            last_ctrl_is_eof = c == '\u{1A}';
        } else {
            last_ctrl_is_eof = false;
        }
    }
    if last_ctrl_is_eof {
        n -= 1;
    }
    // A handful of strays in a short text is dirt (dropped below), not a binary file.
    if n >= 3 && n * 100 > len {
        return reject(format!("binary file ({n} control characters in {len} bytes)"));
    }
    Ok(())
}

fn is_stray_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0C}')) || c == '\u{FEFF}'
}

/// Line endings to `\n`; stray control characters, BOMs and NULs dropped.
fn tidy(s: String) -> String {
    // Fast path: nothing to change (no CR, form feed, C0/C1 control or BOM).
    let dirty = s.bytes().any(|b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7F)
        || s.contains('\u{FEFF}')
        || s.chars().any(|c| ('\u{80}'..='\u{9F}').contains(&c));
    if !dirty {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    for c in crate::nfc::unify_line_ends(s.chars()) {
        match c {
            '\u{0C}' => out.push('\n'),
            c if is_stray_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Well-known file formats by their first bytes.
fn magic(b: &[u8]) -> Option<&'static str> {
    const SIGS: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
        (b"PK\x03\x04", "ZIP archive"),
        (b"PK\x05\x06", "ZIP archive"),
        (b"PK\x07\x08", "ZIP archive"),
        (b"%PDF-", "PDF document"),
        (b"\x1F\x8B", "gzip archive"),
        (b"\xFD7zXZ\x00", "xz archive"),
        (b"7z\xBC\xAF\x27\x1C", "7-Zip archive"),
        (b"Rar!\x1A\x07", "RAR archive"),
        (b"\x28\xB5\x2F\xFD", "zstd archive"),
        (b"\x7FELF", "ELF executable"),
        (b"SQLite format 3\x00", "SQLite database"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "Microsoft Office document"),
        (b"OggS", "Ogg media"),
        (b"ID3\x03", "MP3 audio"),
        (b"ID3\x04", "MP3 audio"),
        (b"\xCA\xFE\xBA\xBE", "Java class or Mach-O binary"),
        (b"{\\rtf", "RTF document"),
    ];
    for (sig, name) in SIGS {
        if b.starts_with(sig) {
            return Some(name);
        }
    }
    if b.len() >= 12 && &b[..4] == b"RIFF" {
        return Some(match &b[8..12] {
            b"WEBP" => "WebP image",
            b"WAVE" => "WAV audio",
            b"AVI " => "AVI video",
            _ => "RIFF media",
        });
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return Some("MP4/QuickTime media");
    }
    if b.len() >= 6 && b.starts_with(b"BZh") && (b'1'..=b'9').contains(&b[3]) && b[4..].starts_with(b"1AY&SY")
    {
        return Some("bzip2 archive");
    }
    None
}

/// HTML markup: a document type or `<html>` at the start, or at least two tags of
/// HTML elements (a body with markup in it would store markup).
fn looks_like_html(text: &str) -> Option<String> {
    let head: String = text.trim_start().chars().take(64).flat_map(char::to_lowercase).collect();
    for start in ["<!doctype html", "<html", "<?xml", "<head", "<body"] {
        if head.starts_with(start) {
            return Some(format!("starts with {start}…"));
        }
    }
    const TAGS: &[&str] = &[
        "html",
        "head",
        "body",
        "div",
        "p",
        "span",
        "a",
        "script",
        "style",
        "meta",
        "link",
        "br",
        "table",
        "tr",
        "td",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "img",
        "article",
        "section",
        "nav",
        "header",
        "footer",
        "iframe",
        "form",
        "input",
        "figure",
        "figcaption",
        "strong",
        "em",
        "b",
        "i",
        "noscript",
        "title",
    ];
    let mut found = 0usize;
    let mut first: Option<String> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr(b'<', &bytes[i..]) {
        let start = i + off + 1;
        i = start;
        let rest = &bytes[start..];
        let name_start = usize::from(rest.first() == Some(&b'/'));
        let name_len = rest[name_start..].iter().take(12).take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 {
            continue;
        }
        let after = rest.get(name_start + name_len).copied();
        if !matches!(after, Some(b'>' | b' ' | b'/' | b'\t' | b'\n')) {
            continue;
        }
        let name = String::from_utf8_lossy(&rest[name_start..name_start + name_len]).to_ascii_lowercase();
        if TAGS.contains(&name.as_str()) {
            let closes = memchr(b'>', &rest[..rest.len().min(2048)]).is_some();
            if !closes {
                continue;
            }
            found += 1;
            if first.is_none() {
                first = Some(format!("<{}{name}>", if name_start == 1 { "/" } else { "" }));
            }
            if name == "script" || name == "html" || name == "body" || found >= 2 {
                return Some(format!("tags such as {}", first.unwrap_or_default()));
            }
        }
    }
    None
}

/// UTF-8 that was read as Windows-1252 and saved as UTF-8 again ("Viá»‡t"): when
/// the whole text maps back to Windows-1252 bytes that are valid UTF-8 with
/// non-ASCII characters, those bytes are the real text. Genuine text practically
/// never has that property (it needs sequences such as "á»" throughout).
fn undo_double_utf8(text: &str) -> Option<String> {
    let once = |s: &str| -> Option<String> {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(s);
        if unmappable {
            return None;
        }
        let t = String::from_utf8(bytes.into_owned()).ok()?;
        (t.chars().filter(|c| !c.is_ascii()).count() >= 3).then_some(t)
    };
    if text.is_ascii() {
        return None;
    }
    let sample = head(text, 256 * 1024);
    // Fast exit for ordinary Vietnamese UTF-8: letters such as "ệ" are not in
    // Windows-1252, so the text cannot be the result of that mistake.
    if sample.chars().any(|c| c as u32 > 0xFF && !WINDOWS_1252_EXTRAS.contains(c)) {
        return None;
    }
    if sample.len() < text.len() {
        // Cheap rejection on a sample before converting a large text.
        let cut = sample.char_indices().rev().nth(8).map_or(0, |(i, _)| i);
        once(&sample[..cut])?;
    }
    once(text)
}

/// Valid UTF-8 that is really VNI or TCVN3 read as Windows-1252/Latin-1 and saved
/// again ("Vieät Nam", "ViÖt Nam").
fn mojibake(text: &str) -> Result<(), Rejection> {
    let sample = head(text, 256 * 1024);
    // Fast exit: that mojibake always has Latin-1 letters Vietnamese does not use
    // ("ä", "ö", "ø", "Ö", "×", "¸", …).
    if !sample.chars().any(|c| ('\u{A1}'..='\u{FF}').contains(&c) && !VIETNAMESE_LATIN1.contains(c)) {
        return Ok(());
    }
    let (ok, total) = plausibility(sample);
    if total < 3 || ok * 2 >= total {
        return Ok(());
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(sample);
    if unmappable {
        return Ok(());
    }
    if let Some((enc @ (Legacy::Vni | Legacy::Tcvn3), score)) = legacy::detect(&bytes) {
        if score >= 0.8 {
            return reject(format!(
                "legacy Vietnamese encoding {} saved as UTF-8 (mojibake); convert from {} to UTF-8",
                enc.name(),
                enc.name()
            ));
        }
    }
    Ok(())
}

/// About the first `n` bytes of `text`, cut at a character boundary.
fn head(text: &str, n: usize) -> &str {
    let mut end = n.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Characters Windows-1252 has beyond Latin-1.
const WINDOWS_1252_EXTRAS: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";

/// Latin-1 letters that are also Vietnamese letters.
const VIETNAMESE_LATIN1: &str = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý";

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(b: &[u8]) -> String {
        decode(b).unwrap_err().0
    }

    #[test]
    fn basics() {
        assert_eq!(reason(b""), "empty file");
        assert_eq!(reason(b" \n\t\r\n"), "empty file (only whitespace)");
        assert_eq!(reason(b"\xEF\xBB\xBF"), "empty file (only whitespace)");
        assert!(reason(b"\x89PNG\r\n\x1a\n\0\0").starts_with("binary file (PNG"));
        assert!(reason(b"abc\0def").starts_with("binary file (NUL"));
        assert_eq!(decode(b"a\r\nb\rc").unwrap(), "a\nb\nc");
        assert_eq!(decode("Việt Nam".as_bytes()).unwrap(), "Việt Nam");
        assert!(reason(b"<!DOCTYPE html><p>x</p>").starts_with("looks like HTML"));
        assert!(reason(b"<div>a</div> <p>b</p>").starts_with("looks like HTML"));
        assert!(decode(b"1 < 2 and 3 > 2, a<b").is_ok());
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let s = "Việt Nam hội đàm ở Hà Nội";
        for (bom, enc) in
            [(&b"\xFF\xFE"[..], encoding_rs::UTF_16LE), (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE)]
        {
            let mut units: Vec<u8> = Vec::new();
            for u in s.encode_utf16() {
                if enc == encoding_rs::UTF_16LE {
                    units.extend(u.to_le_bytes());
                } else {
                    units.extend(u.to_be_bytes());
                }
            }
            let with_bom = [bom, &units].concat();
            assert_eq!(decode(&with_bom).unwrap(), s);
            assert_eq!(decode(&units).unwrap(), s);
        }
    }

    #[test]
    fn few_bad_bytes_repaired() {
        let mut b = "Việt Nam hội đàm. ".repeat(20).into_bytes();
        b.insert(30, 0xFF);
        let d = decode_detailed(&b).unwrap();
        assert_eq!(d.replaced, 1);
        assert!(d.text.contains('\u{FFFD}'));
    }

    /// `cargo test --release --lib -- --ignored decode_throughput --nocapture`
    #[test]
    #[ignore = "measurement, not a check"]
    fn decode_throughput() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/seeds");
        let mut files: Vec<Vec<u8>> = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            files.push(std::fs::read(e.path()).unwrap_or_default());
        }
        let total: usize = files.iter().map(Vec::len).sum::<usize>() * 2000;
        let t = std::time::Instant::now();
        for _ in 0..2000 {
            for f in &files {
                assert!(decode(f).is_ok());
            }
        }
        let s = t.elapsed().as_secs_f64();
        eprintln!(
            "decode: {:.0} MB/s, {:.0} files/s",
            total as f64 / s / 1e6,
            2000.0 * files.len() as f64 / s
        );
    }
}

//! The end of an article: the end mark "/." (also "./."), bylines and source lines.
//!
//! Vietnamese outlets close the article with "/." and may follow it with the agency
//! tag "(TTXVN/Vietnam+)", a byline in capitals "MINH NGUYỆT (TTXVN/VIETNAM+)",
//! "Nguồn: URL" or a teaser for another story. "/." also occurs inside URLs and paths,
//! so it counts only at the end of a sentence or line: followed by a space or the end,
//! in a token that is not a URL and has no other "/" (unless a "." precedes the mark).

use super::text::{is_capitalised, squash};

/// Byte offset of the first end mark in `line`, if any.
pub fn find_end_mark(line: &str, marks: &[String]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for mark in marks {
        let mut from = 0;
        while let Some(rel) = line[from..].find(mark.as_str()) {
            let p = from + rel;
            let end = p + mark.len();
            from = end;
            if p == 0 {
                continue;
            }
            let after_ok = line[end..].is_empty() || line[end..].starts_with(' ');
            if !after_ok {
                continue;
            }
            let tok_start = line[..p].rfind(' ').map_or(0, |i| i + 1);
            let tok = &line[tok_start..p];
            if tok.is_empty() || tok.contains("://") || tok.starts_with("www.") || tok.contains('@') {
                continue;
            }
            let dotted = tok.ends_with(['.', '…', '!', '?', '"', '”', ')']);
            if !dotted && (tok.contains('/') || tok.ends_with('/')) {
                continue;
            }
            if best.map_or(true, |(b, _)| p < b) {
                best = Some((p, end));
            }
            break;
        }
    }
    best
}

/// A short personal-name line: 1-6 capitalised words (hyphens, "và", "&" allowed),
/// no digits, not a sentence.
pub fn is_name_like(s: &str, min_words: usize) -> bool {
    let s = s.trim();
    if s.is_empty() || s.len() > 60 || s.contains(':') || s.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let ws: Vec<&str> = s.split_whitespace().collect();
    let named = ws.iter().filter(|w| !matches!(**w, "-" | "–" | "&" | "và" | ",")).count();
    if named < min_words || ws.len() > 6 {
        return false;
    }
    if let Some(first) = ws.first() {
        let f = first.to_lowercase();
        if matches!(f.as_str(), "theo" | "nguồn" | "ảnh" | "video" | "clip" | "tin" | "bài" | "xem" | "đọc")
        {
            return false;
        }
    }
    if s.ends_with(['.', '?', '!', '…', ':', ';']) {
        return false;
    }
    ws.iter().all(|w| matches!(*w, "-" | "–" | "&" | "và" | ",") || is_capitalised(w))
}

/// The author named by a byline ("MINH NGUYỆT (TTXVN/VIETNAM+)", "Đỗ Tuấn Anh/VOV",
/// "Diệp Vy (tổng hợp)"): the name before any "/" or "(".
pub fn byline_name(s: &str, min_words: usize) -> Option<String> {
    let s = strip_source_suffix(s.trim());
    let cut = s.find(['(', '/']).unwrap_or(s.len());
    let name = squash(s[..cut].trim_end_matches([' ', '-', '–', ',']));
    if is_name_like(&name, min_words) {
        Some(name)
    } else {
        None
    }
}

/// "Duy Anh Theo Mashable" -> "Duy Anh": a capitalised "Theo SOURCE" (1-4 capitalised
/// words, "/" allowed) after a name names the source, not the author.
fn strip_source_suffix(s: &str) -> &str {
    let Some(p) = s.find(" Theo ") else {
        return s;
    };
    let source = &s[p + 6..];
    let ws: Vec<&str> = source.split_whitespace().collect();
    if p > 0 && (1..=4).contains(&ws.len()) && ws.iter().all(|w| is_capitalised(w)) {
        s[..p].trim_end()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Vec<String> {
        vec!["/.".to_string()]
    }

    #[test]
    fn end_mark_at_sentence_end_only() {
        let s = "an ninh mạng./.";
        let (p, e) = find_end_mark(s, &m()).unwrap();
        assert_eq!((&s[..p], e), ("an ninh mạng.", s.len()));
        assert!(find_end_mark("đa phương.../.", &m()).is_some());
        assert!(find_end_mark("ký ngày 2/11/2012./. Tin khác", &m()).is_some());
        assert!(find_end_mark("xem www.hungvuong.edu.vn/doanhoi/. Thời gian", &m()).is_none());
        assert!(find_end_mark("http://example.com/./. x", &m()).is_none());
        assert!(find_end_mark("đường dẫn /usr/share/. tiếp", &m()).is_none());
        assert!(find_end_mark("tỷ lệ 1/.5 phần", &m()).is_none());
        assert!(find_end_mark("a/.b", &m()).is_none());
    }

    #[test]
    fn bylines() {
        assert_eq!(byline_name("MINH NGUYỆT (TTXVN/VIETNAM+)", 1).as_deref(), Some("MINH NGUYỆT"));
        assert_eq!(byline_name("Đỗ Tuấn Anh/VOV-Phnom Penh", 1).as_deref(), Some("Đỗ Tuấn Anh"));
        assert_eq!(byline_name("Khổng Hà- Nguyễn Lan", 2).as_deref(), Some("Khổng Hà- Nguyễn Lan"));
        assert!(byline_name("Theo VnExpress", 1).is_none());
        assert!(byline_name("Hai bên cũng ghi nhận", 1).is_none());
        assert_eq!(byline_name("Duy Anh Theo Mashable", 2).as_deref(), Some("Duy Anh"));
        assert_eq!(byline_name("P.Vy (tổng hợp)", 1).as_deref(), Some("P.Vy"));
    }
}

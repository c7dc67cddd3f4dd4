//! Related / most-read headline lists.
//!
//! Three shapes: a heading line followed by headline lines (often each printed twice);
//! ">> title >> title" / "» title" runs; and, in one-line bodies, a list glued into
//! the text ("... chấn thương TIN LIÊN QUAN title title Arsenal và Dortmund đã ...").
//! Stopword density does not separate headlines from prose in Vietnamese, so the
//! signals are position (after a heading or marker), missing sentence punctuation,
//! shortness, and where a capitalised word starts a lower-case run after a lower-case
//! word (the seam between two glued headlines, or between the list and the article).

use super::rules::{at_word_end, at_word_start, Rules};
use super::text::window;
use super::text::{
    ends_sentence, is_abbreviation, is_capitalised, is_lowercase_word, is_terminal, is_titlecase,
    no_sentence_end, words,
};

/// Longest headline we expect, in words; longer runs are article text.
const MAX_HEADLINE_WORDS: usize = 30;
/// Longest unpunctuated rest of a one-line body after a list heading that is taken as
/// the list ("... Xem thêm: "title" Tin mới: title title title"), in words: a few
/// headlines run together, never a paragraph of the article (which ends its sentences).
const MAX_LIST_TAIL_WORDS: usize = 4 * MAX_HEADLINE_WORDS;
/// Shortest unpunctuated line tail taken as one more list item (shorter tails are
/// bylines, "Bạch Dương", which the tail stage reads).
const MIN_TAIL_ITEM_WORDS: usize = 5;

/// True when a line inside a list reads as a headline rather than article prose.
pub fn is_headline_like(line: &str) -> bool {
    let n = line.split_whitespace().count();
    if n == 0 {
        return true;
    }
    if n > MAX_HEADLINE_WORDS {
        return false;
    }
    !ends_sentence(line) || n <= 15
}

fn is_marker(w: &str, rules: &Rules) -> bool {
    rules.markers.iter().any(|m| {
        w == m
            || (w.starts_with(m.as_str())
                && m.len() >= 2
                && w.len() > m.len()
                && w[m.len()..].starts_with(char::is_alphanumeric))
    })
}

/// Index (in `ws`) of the word where the text after a headline starting at `ws[0]`
/// resumes, or `ws.len()` when the headline runs to the end.
fn headline_end(ws: &[(usize, &str)], rules: &Rules) -> Option<usize> {
    for k in 1..ws.len() {
        let prev = ws[k - 1].1;
        let w = ws[k].1;
        if is_marker(w, rules) {
            return Some(k);
        }
        let prev_end = prev.trim_end_matches(['"', '”', '’', ')']);
        if prev_end.chars().last().is_some_and(|c| matches!(c, '?' | '!' | '.' | '…'))
            && !is_abbreviation(prev_end)
            && (is_capitalised(w) || w.starts_with(|c: char| c.is_ascii_digit()))
        {
            return Some(k);
        }
        if k >= 3 && is_seam(ws, k, rules) {
            return Some(k);
        }
        if k >= MAX_HEADLINE_WORDS {
            return None;
        }
    }
    Some(ws.len())
}

/// A capitalised word after a lower-case word and before a lower-case word: the start
/// of a new headline or of the article ("... triều cường Thấp thỏm lo ...").
fn is_seam(ws: &[(usize, &str)], k: usize, rules: &Rules) -> bool {
    let prev = ws[k - 1].1;
    let w = ws[k].1;
    let Some(&(_, next)) = ws.get(k + 1) else {
        return false;
    };
    if !is_titlecase(w) || !is_lowercase_word(next) {
        return false;
    }
    if prev.ends_with([',', ':', ';', '(', '-']) {
        return false;
    }
    let prev_end_terminal = prev.trim_end_matches(['"', '”', ')']).chars().last().is_some_and(is_terminal);
    if prev_end_terminal {
        return true;
    }
    // A word that only opens sentences ("Trước đó", "Theo ông") starts the article
    // again even after a proper noun ("... tại Lào Trước đó, ...").
    if rules.sentence_starters.contains(w) {
        return true;
    }
    is_lowercase_word(prev) && !rules.proper_noun_cues.contains(&prev.to_lowercase())
}

/// Removes ">> title >> title" and "» title" runs from one line.
pub fn strip_markers(line: &str, rules: &Rules) -> String {
    if !rules.markers.iter().any(|m| line.contains(m.as_str())) {
        return line.to_string();
    }
    let ws = words(line);
    let mut keep = vec![true; ws.len()];
    let mut k = 0;
    // Guillemets opened by « and not yet closed: a » closing one is a quote mark
    // ("l'ambiance « unique »."), not a related-list marker.
    let mut open_quotes = 0usize;
    while k < ws.len() {
        let w = ws[k].1;
        if open_quotes > 0 && w.starts_with('»') {
            open_quotes -= 1;
            k += 1;
            continue;
        }
        if !is_marker(w, rules) {
            open_quotes += w.matches('«').count();
            open_quotes = open_quotes.saturating_sub(w.matches('»').count());
            k += 1;
            continue;
        }
        // A run: marker, headline, marker, headline, ...
        let mut j = k;
        while j < ws.len() && is_marker(ws[j].1, rules) {
            // The marker may be glued to the first word (">>Tin").
            let start = if rules.markers.iter().any(|m| ws[j].1 == m) { j + 1 } else { j };
            let end = match slash_item_end(&ws, start, rules) {
                Some(e) => e,
                None => match headline_end(&ws[start.min(ws.len())..], rules) {
                    Some(e) => start + e,
                    None => (start + 15).min(ws.len()),
                },
            };
            // "/" separates further items of the same run (">> A / B / C").
            let mut end = end;
            while end + 1 < ws.len() && ws[end].1 == "/" {
                end = match slash_item_end(&ws, end + 1, rules) {
                    Some(e) => e,
                    None => match headline_end(&ws[end + 1..], rules) {
                        Some(e) => end + 1 + e,
                        None => (end + 16).min(ws.len()),
                    },
                };
            }
            for flag in keep.iter_mut().take(end).skip(j) {
                *flag = false;
            }
            j = end.max(j + 1);
        }
        // What is left of the line after the run, if it is headline-sized and has no
        // sentence end, is one more item (the scraper ran the last items together).
        let rest = &ws[j.min(ws.len())..];
        if (MIN_TAIL_ITEM_WORDS..=MAX_HEADLINE_WORDS).contains(&rest.len())
            && no_sentence_end(rest.iter().map(|&(_, w)| w))
        {
            j = ws.len();
        }
        // A run that ends the line is the page's related list; an unpunctuated
        // headline-sized segment right before it, after the last sentence, is one more
        // item of it printed without a marker ("... (-2,6%). PXS: Ngày GDKHQ tạm ứng
        // cổ tức đợt 1/2013 (7,5%) PVC: Ngày GDKHQ ... >> CTCK nhận định ...").
        if j >= ws.len() && k > 0 {
            let floor = k.saturating_sub(MAX_HEADLINE_WORDS + 1);
            let back = (floor..k).rev().find(|&i| !no_sentence_end(std::iter::once(ws[i].1)));
            if let Some(b) = back {
                if k - (b + 1) >= MIN_TAIL_ITEM_WORDS {
                    for flag in keep.iter_mut().take(k).skip(b + 1) {
                        *flag = false;
                    }
                }
            }
        }
        for flag in keep.iter_mut().take(j).skip(k) {
            *flag = false;
        }
        k = j;
    }
    join_kept(&ws, &keep)
}

/// Where a line that ends in a list closer ("... cùng kỳ năm trước Xem tiếp") stops
/// being article text: after its last full stop, when the run from there to the closer
/// (byline, source credit, the list's headlines) starts with a capital and has at most
/// `lists.closing_list_max_words` words. Only a full stop bounds the run: headlines end
/// in "?" or "!" ("... săm lốp niêm yết có cần 'run'? SRC hồ hởi ..."), the article's
/// last sentence in a full stop. `None` when the line does not end in a closer; the
/// closer's own start when the run is longer or has no capital start (only the closer
/// goes then). Looks back over a bounded number of words: linear.
pub fn closed_list_start(line: &str, rules: &Rules) -> Option<usize> {
    let re = rules.closer_re.as_ref()?;
    let max = rules.closing_list_max_words;
    // Only the line's end can match: a bounded window keeps the search short.
    let mut from = line.len().saturating_sub(64);
    while !line.is_char_boundary(from) {
        from += 1;
    }
    let m = re.find_at(line, from)?;
    let closer = m.start();
    if max == 0 {
        return Some(closer);
    }
    let before = line[..closer].trim_end();
    let mut words = 0;
    let mut end = before.len();
    loop {
        let start = before[..end].rfind(' ').map_or(0, |i| i + 1);
        let w = &before[start..end];
        let core = w.trim_end_matches(['"', '”', '’', ')', '»']);
        if words > 0 && core.ends_with('.') && !is_abbreviation(&before[..start + core.len()]) {
            let rest = before[end..].trim_start();
            return Some(if rest.starts_with(char::is_uppercase) { end } else { closer });
        }
        words += 1;
        if words > max || start == 0 {
            return Some(closer);
        }
        end = start - 1;
    }
}

/// In a "/"-separated run (">> A / B / C"), the index of the "/" that ends the item
/// starting at `start`, when one follows within a headline's length and before any
/// sentence end or marker: the separator, not capitalisation, bounds such items.
fn slash_item_end(ws: &[(usize, &str)], start: usize, rules: &Rules) -> Option<usize> {
    let stop = (start + MAX_HEADLINE_WORDS).min(ws.len());
    for k in start..stop {
        let w = ws[k].1;
        if w == "/" {
            return (k > start).then_some(k);
        }
        if k > start && is_marker(w, rules) {
            return None;
        }
        let ends = w.trim_end_matches(['"', '”', '’', ')']).ends_with(is_terminal);
        if ends && ws.get(k + 1).is_some_and(|&(_, n)| n != "/") {
            return None;
        }
    }
    None
}

fn join_kept(ws: &[(usize, &str)], keep: &[bool]) -> String {
    let mut out = String::new();
    for (i, &(_, w)) in ws.iter().enumerate() {
        if keep[i] {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

/// Byte offset of the first full stop that ends a sentence after `from` (the char
/// before it is lower-case, a digit or a closing quote), or the line's end.
fn first_sentence_end(s: &str, from: usize) -> usize {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(rel) = s[i..].find('.') {
        let p = i + rel;
        let prev = s[..p].chars().last();
        let after_ok = p + 1 >= s.len() || b[p + 1] == b' ' || b[p + 1] == b'"';
        if after_ok
            && prev.is_some_and(|c| c.is_lowercase() || c.is_ascii_digit() || matches!(c, '"' | '”' | ')'))
        {
            return p;
        }
        i = p + 1;
    }
    s.len()
}

/// Removes list headings glued inside a line together with their headlines. Returns
/// the remaining pieces (the list usually sat between two paragraphs).
pub fn strip_inline_headings(line: &str, rules: &Rules) -> Vec<String> {
    let Some(re) = rules.inline_heading_re.as_ref() else {
        return vec![line.to_string()];
    };
    let mut pieces = Vec::new();
    let mut cursor = 0;
    let mut search = 0;
    while search < line.len() {
        let Some(m) = re.find_at(line, search) else {
            break;
        };
        let text = m.as_str();
        let core_end = m.start() + text.trim_end_matches([' ', ':', '»', '>']).len();
        if !at_word_start(line, m.start()) || !at_word_end(line, core_end) {
            search = m.end();
            continue;
        }
        let caps = !text.chars().any(|c| c.is_lowercase());
        let colon = text.trim_end().ends_with([':', '»', '>']);
        // Title-case heading with a colon must start a sentence or the line.
        let before = line[..m.start()].trim_end();
        let at_sentence_start = before.is_empty()
            || before.ends_with(|c: char| is_terminal(c) || matches!(c, '"' | '”' | ')' | '-' | '*'));
        let next_capital = line[m.end()..].trim_start().starts_with(|c: char| c.is_uppercase());
        let line_start_list = m.start() == 0 && !colon && next_capital;
        // A title-case heading glued after a sentence ("... "bầu" Kiên. Tin liên quan
        // HPG: 6 tháng ... công ty con Công ty cổ phần ..."): a list only when the
        // article resumes at a seam before the next full sentence (checked below).
        let sentence_list = !colon && !caps && at_sentence_start && m.start() > 0 && next_capital;
        if !(caps || line_start_list || sentence_list || (colon && at_sentence_start)) {
            search = m.end();
            continue;
        }
        let body_start = if colon && !caps {
            // "Xem thêm: title" is one item.
            let ws = words(window(line, m.end(), 1000));
            let to_line_end = m.end() + 1000 >= line.len();
            // An unpunctuated rest of the line is the item (or the items run
            // together: "Xem thêm: "title" Tin mới: title title"), whatever its
            // capitals ("Xem thêm: Tường thuật: ... T-Ara tham dự").
            let list_tail =
                to_line_end && ws.len() <= MAX_LIST_TAIL_WORDS && no_sentence_end(ws.iter().map(|&(_, w)| w));
            match headline_end(&ws, rules) {
                _ if list_tail => line.len(),
                Some(k) if k < ws.len() => m.end() + ws[k].0,
                Some(_) if m.end() + 1000 >= line.len() => line.len(),
                Some(_) => m.end(),
                None => m.end(),
            }
        } else {
            let resume = resume_after_glued_list(line, m.end(), rules);
            if sentence_list && resume == m.end() {
                // No seam: "Tin mới" opened a sentence of the article.
                search = m.end();
                continue;
            }
            resume
        };
        let piece = line[cursor..m.start()].trim();
        if !piece.is_empty() {
            pieces.push(piece.to_string());
        }
        cursor = body_start;
        search = body_start.max(m.end());
    }
    let piece = line[cursor..].trim();
    if !piece.is_empty() {
        pieces.push(piece.to_string());
    }
    pieces
}

/// Where the article resumes after a glued headline list starting at `from`: the last
/// seam before the first full sentence, or the line's end when no sentence follows.
fn resume_after_glued_list(line: &str, from: usize, rules: &Rules) -> usize {
    let w = window(line, from, 2000);
    let stop = from + first_sentence_end(w, 0);
    if stop >= from + w.len() {
        // No sentence within reach: the list runs to the end, or this is not a list.
        return if from + w.len() >= line.len() { line.len() } else { from };
    }
    let ws = words(&line[from..stop]);
    let mut best = None;
    for k in 1..ws.len() {
        let prev = ws[k - 1].1;
        let ends_q = prev.trim_end_matches(['"', '”', ')']).ends_with(['?', '!']) && is_capitalised(ws[k].1);
        if ends_q || (k >= 2 && is_seam(&ws, k, rules)) {
            best = Some(from + ws[k].0);
        }
    }
    best.unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::builtin().unwrap()
    }

    #[test]
    fn marker_runs() {
        let r = rules();
        assert_eq!(
            strip_markers("trái phiếu đặc biệt. >> Xếp hàng bán nợ xấu cho VAMC >> Không có thị trường mua bán nợ, khó thành công Nợ nhóm 5 của các NHTM chiếm 70%.", &r),
            "trái phiếu đặc biệt. Nợ nhóm 5 của các NHTM chiếm 70%."
        );
        assert_eq!(
            strip_markers("thông tin đến độc giả. » Bắt vợ giám đốc » Bác sỹ bị xử tội gì? Bạch Dương", &r),
            "thông tin đến độc giả. Bạch Dương"
        );
    }

    #[test]
    fn glued_heading_list() {
        let r = rules();
        let p = strip_inline_headings(
            "trước cửa nhà... TIN LIÊN QUAN Dân TP HCM khốn đốn vì triều cường Thấp thỏm lo nhà cửa trôi sông Nước cống tràn ngập nhà Trong nhiều ngày qua, nhiều tuyến đường tại TPHCM chìm trong nước. Xe máy chết máy.",
            &r,
        );
        assert_eq!(
            p,
            vec![
                "trước cửa nhà...",
                "Trong nhiều ngày qua, nhiều tuyến đường tại TPHCM chìm trong nước. Xe máy chết máy."
            ]
        );
        let p = strip_inline_headings(
            "mặc định. Xem thêm: Giao thức https:// an toàn hơn? Dù động thái này đáng hoan nghênh.",
            &r,
        );
        assert_eq!(p, vec!["mặc định.", "Dù động thái này đáng hoan nghênh."]);
        let p = strip_inline_headings("Ông nói rằng xem thêm: không cần.", &r);
        assert_eq!(p.len(), 1);
        // A title-case heading glued after a sentence, its headlines, then the article.
        let p = strip_inline_headings(
            "liên quan đến bầu Kiên. Tin liên quan HPG: 6 tháng đầu năm không trích lập thêm Cổ phiếu tăng giá ngoạn mục nhờ hoàn nhập dự phòng Công ty cổ phần Hòa Phát công bố kết quả kinh doanh. Quý 3 lãi.",
            &r,
        );
        assert_eq!(
            p,
            vec![
                "liên quan đến bầu Kiên.",
                "Công ty cổ phần Hòa Phát công bố kết quả kinh doanh. Quý 3 lãi."
            ]
        );
        // A one-line page with a related list glued at its end: every headline goes,
        // abbreviations ("TP. Cẩm Phả") and colons inside them included.
        let p = strip_inline_headings(
            "Anh ta bị bắt ngay sau đó. Xem thêm: \"Quảng Ninh: Hé lộ nguyên nhân vụ người đàn ông bị đâm tử vong tại TP. Cẩm Phả\" Tin mới: Hà Nội: Xin số điện thoại khi đang nhậu nam thanh niên bị đâm tử vong Bi kịch của một gia đình, cháu xin toà giảm án cho ông Tìm người thân của 2 “siêu trộm nhí” gây ra gần 30 vụ trộm",
            &r,
        );
        assert_eq!(p, vec!["Anh ta bị bắt ngay sau đó."]);
        // "Tin mới" opening a sentence of the article (no seam before its end) stays.
        let s = "Hôm qua có mưa. Tin mới Nhất của đài cho biết trời sẽ nắng.";
        assert_eq!(strip_inline_headings(s, &r), vec![s.to_string()]);
    }

    /// A one-line page ending in a list closer: the byline, the source and the
    /// unmarked headlines before it go (a headline ending in "?" does not stop the
    /// run); a long unpunctuated run or a lower-case one is kept, only the closer goes.
    #[test]
    fn list_closed_by_a_link_at_the_line_end() {
        let r = rules();
        let line = "Hàng tồn kho cuối quý 3 còn 279 tỷ đồng. Phần lớn ở dạng nguyên vật liệu (55,6%). Minh Thư Theo Trí Thức Trẻ/HSX Cao su Sao vàng cán đích lợi nhuận sau 9 tháng Kumho Tires muốn đầu tư khủng, doanh nghiệp săm lốp có cần 'run'? SRC: Quyết định niêm yết bổ sung 2 triệu cổ phiếu Xem tiếp";
        let cut = closed_list_start(line, &r).unwrap_or(line.len());
        assert_eq!(
            &line[..cut],
            "Hàng tồn kho cuối quý 3 còn 279 tỷ đồng. Phần lớn ở dạng nguyên vật liệu (55,6%)."
        );
        assert!(closed_list_start("Giá vàng tăng. Theo DOJI, giá bán ra đạt 37 triệu đồng.", &r).is_none());
        let long = format!("Câu đầu tiên. {}Xem tiếp", "Một dòng dài không có dấu chấm câu nào ".repeat(20));
        assert_eq!(closed_list_start(&long, &r), long.rfind(" Xem tiếp"));
        let lower = "Câu đầu tiên. và rồi tất cả đều kết thúc Xem tiếp";
        assert_eq!(closed_list_start(lower, &r), lower.rfind(" Xem tiếp"));
    }

    #[test]
    fn closing_guillemets_are_quotes_not_markers() {
        let r = rules();
        for s in [
            "Le café a fermé ses portes. Les habitués regrettent déjà l’ambiance « unique ».",
            "Le café a fermé ses portes. Les habitués regrettent « unique » et partent.",
        ] {
            assert_eq!(strip_markers(s, &r), s);
        }
    }

    #[test]
    fn unmarked_item_before_a_closing_list() {
        let r = rules();
        assert_eq!(
            strip_markers("Giảm mạnh nhất là DHG (-2,6%). PXS: Ngày GDKHQ tạm ứng cổ tức đợt 1/2013 (7,5%) PVC: Ngày GDKHQ nhận cổ tức >> CTCK nhận định thị trường ngày 22/10 >> Góc nhìn kỹ thuật cho phiên 22/10", &r),
            "Giảm mạnh nhất là DHG (-2,6%)."
        );
    }

    #[test]
    fn headline_shapes() {
        assert!(is_headline_like("Quốc hội thông qua Luật Phòng, chống ma tuý (sửa đổi)"));
        assert!(!is_headline_like("Tại hội đàm, đồng chí Lázaro Alberto Álvarez Casas đã thông báo với Thứ trưởng Lê Văn Tuyến và Đoàn công tác về tình hình của Cuba nói chung."));
    }
}

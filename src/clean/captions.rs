//! Photo and video captions: a line or sentence run that ends in a credit
//! ("Ảnh: NAME", "(Ảnh: NAME/TTXVN)", "Ảnh TTXVN.", "Ảnh minh họa", "Clip: NAME").
//!
//! A credit's extent is fixed by its regex ("(Ảnh: ...)") or, after a label such as
//! "Ảnh:", by reading the name: capitalised words, agencies, initials ("P.V.",
//! "Đ.Hà"), "TTXVN phát". When the caption is glued to the next paragraph ("... Ảnh:
//! Phạm Kiên - TTXVN Hai bên cũng ghi nhận"), the name stops before the capitalised
//! word that starts a lower-case sentence.

use super::rules::{at_word_start, Rules};
use super::text::window;
use super::text::{
    ends_sentence, is_capitalised, is_lowercase_word, is_titlecase, sentence_spans, sentence_start_before,
    sentence_start_within, squash_normalized, words,
};

/// Longest caption (in words) taken when the credit ends its line.
const MAX_LINE_CAPTION_WORDS: usize = 80;
/// Longest sentence before a mid-line credit taken as its caption; a longer one is
/// article text and only the credit is removed.
const MAX_SENTENCE_CAPTION_WORDS: usize = 35;

/// The result of taking captions out of one line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// Captions, credit included, in order.
    pub captions: Vec<String>,
    /// The article text left, as pieces: a caption between two pieces was a paragraph break.
    pub pieces: Vec<String>,
}

/// End (byte offset) of the name after a credit label ending at `from`, or `None`
/// when what follows is not a name (then the label was prose, e.g. "Video: Trận đấu").
fn name_end(line: &str, from: usize, rules: &Rules) -> Option<usize> {
    let ws = words(window(line, from, 400));
    let mut accepted: Vec<(usize, &str)> = Vec::new();
    let mut next_idx = ws.len();
    for (k, &(off, w)) in ws.iter().enumerate() {
        if accepted.len() >= 8 {
            next_idx = k;
            break;
        }
        if w.ends_with(':') && !accepted.is_empty() {
            next_idx = k;
            break;
        }
        // A word that only opens sentences ends the name: the article goes on there
        // ("Ảnh: Tennis World | Việc Sharapova và Dimitrov yêu nhau ...").
        if !accepted.is_empty()
            && ((rules.sentence_starters.contains(w) && !rules.name_starters.contains(w))
                || rules.name_stops.contains(w))
        {
            next_idx = k;
            break;
        }
        let core = w.trim_end_matches([',', '.', ')', ';']);
        let connector = matches!(w, "-" | "–" | "/" | "&" | "|");
        let prev_caps = accepted.last().is_some_and(|(_, p)| {
            let p = p.trim_end_matches([',', '.']);
            p.chars().any(|c| c.is_alphabetic()) && !p.chars().any(|c| c.is_lowercase())
        });
        let name_word = rules.name_words.contains(&core.to_lowercase()) && (accepted.is_empty() || prev_caps);
        if connector || is_capitalised(w) || name_word {
            accepted.push((off, w));
            let initial = core.chars().count() <= 2 && core.chars().all(|c| c.is_uppercase() || c == '.');
            if w.ends_with('.') && !initial {
                next_idx = k + 1;
                break;
            }
        } else {
            next_idx = k;
            break;
        }
    }
    // The capitalised word before a lower-case one starts the next sentence.
    let next_word = ws.get(next_idx).map(|&(_, w)| w);
    let next_lower = next_word.is_some_and(|n| {
        (is_lowercase_word(n) && !rules.name_words.contains(&n.to_lowercase()))
            || n.starts_with(|c: char| c.is_ascii_digit())
    });
    if let Some(&(_, last)) = accepted.last() {
        if next_lower && is_titlecase(last) && !last.ends_with('.') {
            if accepted.len() == 1 {
                return None;
            }
            accepted.pop();
        }
    }
    while accepted.last().is_some_and(|&(_, w)| matches!(w, "-" | "–" | "/" | "&" | "|")) {
        accepted.pop();
    }
    let &(off, w) = accepted.last()?;
    Some(from + off + w.len())
}

/// Shortest and longest run (words) taken as a caption printed twice at a line start.
const DOUBLED_MIN_WORDS: usize = 8;
const DOUBLED_MAX_WORDS: usize = 40;

/// Byte length of a caption printed twice in a row at the start of `line` ("KLH gang
/// thép ... 1,15 triệu tấn/năm KLH gang thép ... 1,15 triệu tấn/năm Trong quý 3, ..."):
/// a run of words with no sentence end repeated verbatim right after itself is the
/// photo's caption (once over the photo, once under it), not article text.
fn doubled_caption(line: &str) -> Option<usize> {
    let ws: Vec<(usize, &str)> = words(window(line, 0, 4000));
    let max = DOUBLED_MAX_WORDS.min(ws.len() / 2);
    for n in DOUBLED_MIN_WORDS..=max {
        if (0..n).all(|k| ws[k].1 == ws[n + k].1) {
            let run = &line[..ws[n - 1].0 + ws[n - 1].1.len()];
            if ends_sentence(run) || run.contains(['.', '!', '?']) {
                return None;
            }
            let (off, w) = ws[2 * n - 1];
            return Some(off + w.len());
        }
    }
    None
}

/// Whether `line` starts with a caption printed twice ([`extract`] takes it out even
/// without a credit).
pub fn starts_with_doubled_caption(line: &str) -> bool {
    doubled_caption(line).is_some()
}

/// Shortest run after the label of a prefixed headline, in words.
const MIN_PREFIXED_HEADLINE_WORDS: usize = 4;
/// Longest line read as a prefixed headline (30 words of 1-7 letters in UTF-8).
const MAX_PREFIXED_HEADLINE_BYTES: usize = 400;

/// Whether `line` is a headline with a credit-like prefix ("Clip: Fan T-ara nhảy Sexy
/// love trước cổng Keangnam", "Video: ...", "Ảnh: ..."): sites put these labels in
/// front of titles of video and photo stories. It is one when the label opens the
/// line, the line reads as a headline (at most 30 words, no sentence end) and what
/// follows the label is a phrase, not a name: at least four words, one of them
/// lower-case. A credit line ("Ảnh: Phạm Kiên - TTXVN") has no lower-case word.
pub fn is_prefixed_headline(line: &str, rules: &Rules) -> bool {
    // A headline is short: only the line's first bytes are searched for the label (a
    // one-line body is not scanned again).
    if line.len() > MAX_PREFIXED_HEADLINE_BYTES {
        return false;
    }
    let Some(m) = rules.credit_re.find(window(line, 0, 64)) else {
        return false;
    };
    if m.start() != 0 || !m.as_str().trim_end().ends_with([':', '-']) || ends_sentence(line) {
        return false;
    }
    let rest: Vec<&str> = line[m.end()..].split_whitespace().collect();
    (MIN_PREFIXED_HEADLINE_WORDS..=30).contains(&rest.len())
        && rest.iter().any(|w| is_lowercase_word(w) && !rules.name_words.contains(&w.to_lowercase()))
}

/// Takes the captions out of `line`.
pub fn extract(line: &str, rules: &Rules) -> Split {
    let mut out = Split::default();
    // Once per line (a text repeated many times over is not a caption printed twice).
    let line = match doubled_caption(line) {
        Some(end) => {
            let first = line[..end].split_whitespace().count() / 2;
            let caption: Vec<&str> = line[..end].split_whitespace().take(first).collect();
            out.captions.push(caption.join(" "));
            line[end..].trim_start()
        }
        None => line,
    };
    let mut cursor = 0;
    let mut search = 0;
    while search < line.len() {
        // Locate with the fast engines; which kind of credit it is comes from an
        // anchored match (captures would run the slow capture engine).
        let Some(found) = rules.credit_re.find_at(line, search) else {
            break;
        };
        let m = found;
        if !at_word_start(line, m.start()) && m.as_str().starts_with(char::is_alphabetic) {
            search = m.end();
            continue;
        }
        let is_label = !rules.credit_complete_re.as_ref().is_some_and(|re| re.is_match(&line[m.start()..]));
        let mut credit_end = if is_label {
            match name_end(line, m.end(), rules) {
                Some(e) => e,
                None => {
                    search = m.end();
                    continue;
                }
            }
        } else if let Some(colon) =
            line[m.end()..].strip_prefix(':').or_else(|| line[m.end()..].strip_prefix(" :"))
        {
            // A credit phrase followed by a colon names someone: "Ảnh minh họa: Anh Quân".
            let from = line.len() - colon.len();
            name_end(line, from, rules).unwrap_or(m.end())
        } else {
            m.end()
        };
        // A closing bracket or full stop right after the credit belongs to it.
        if line[credit_end..].starts_with(['.', ')']) {
            credit_end += 1;
        }
        let before = line[cursor..m.start()].trim_end_matches([' ', '-', '–', ',']);
        let before_end = cursor + before.len();
        let rest_is_empty = line[credit_end..].trim_matches(|c: char| c == ' ' || c == '.').is_empty();
        let before_words = line[cursor..before_end].split_whitespace().count();
        let start = if rest_is_empty && before_words <= MAX_LINE_CAPTION_WORDS {
            cursor
        } else {
            let s = sentence_start_before(line, before_end, cursor);
            // A caption glued to the start of a paragraph may be as long as a caption
            // line; one in the middle of running text must be short. A credit that
            // ends the line after a long unpunctuated run closes a gallery: the
            // photos' captions glued together without a full stop ("550 SV ... đồng
            // diễn Flashmob ấn tượng Tiết mục mở màn ... Photo: Tài Teen – Hà Trung");
            // prose of that length always ends a sentence somewhere.
            let limit = if rest_is_empty && s > 0 {
                rules.gallery_max_words.max(MAX_SENTENCE_CAPTION_WORDS)
            } else if s == 0 {
                MAX_LINE_CAPTION_WORDS
            } else {
                MAX_SENTENCE_CAPTION_WORDS
            };
            if line[s..before_end].split_whitespace().count() <= limit {
                s
            } else {
                m.start()
            }
        };
        let piece = squash_normalized(&line[cursor..start]);
        if !piece.is_empty() && !is_copy_of_last_caption(&piece, &out.captions, rules) {
            out.pieces.push(piece);
        }
        let caption = squash_normalized(&line[start..credit_end]);
        if !caption.is_empty() {
            out.captions.push(caption);
        }
        cursor = credit_end;
        search = credit_end;
    }
    let piece = squash_normalized(&line[cursor..]);
    if !piece.is_empty() && !is_copy_of_last_caption(&piece, &out.captions, rules) {
        out.pieces.push(piece);
    }
    out
}

/// True when `piece` is the credit-less copy of the caption just taken out ("X. Ảnh:
/// NAME X."): some sites print the caption text twice around the photo.
fn is_copy_of_last_caption(piece: &str, captions: &[String], rules: &Rules) -> bool {
    let Some(last) = captions.last() else {
        return false;
    };
    if piece.len() > last.len() {
        return false;
    }
    let key = without_credit(last, rules);
    !key.is_empty() && comparable(piece) == key
}

/// Takes out credit-less captions glued between two sentences of a one-line body:
/// "... trách nhiệm cả. Ông A trả lời phóng viên chiều 1/11 Nhưng toàn bộ ...". The
/// caption is an unpunctuated run of `captions.uncredited_min_words`..=`uncredited_max_words`
/// (10-25) words after a sentence end, ended by a word
/// that only opens sentences (`lists.sentence_starters`, capitalised, followed by a
/// lower-case word) directly after a letter or digit: the lost boundary.
pub fn extract_uncredited(line: &str, rules: &Rules) -> Split {
    let mut out = Split::default();
    let Some(ac) = rules.starter_ac.as_ref() else {
        out.pieces.push(line.to_string());
        return out;
    };
    let b = line.as_bytes();
    let mut cursor = 0;
    for hit in ac.find_iter(line) {
        // The space before the starter.
        let Some(i) = hit.start().checked_sub(1) else { continue };
        if b[i] != b' ' {
            continue;
        }
        // The word after the space: capitalised, a sentence starter.
        let rest = &line[i + 1..];
        if !rest.starts_with(char::is_uppercase) {
            continue;
        }
        let wend = rest.find(' ').map_or(rest.len(), |e| e);
        let w = &rest[..wend];
        if !rules.sentence_starters.contains(w) {
            continue;
        }
        let next = &rest[wend..].trim_start();
        if !is_lowercase_word(next) {
            continue;
        }
        // The word before it ends in a letter or digit (no punctuation: lost boundary).
        if !line[..i].chars().next_back().is_some_and(char::is_alphanumeric) || i <= cursor {
            continue;
        }
        // ... and is not a word that goes on into the next one (`captions.continuing_words`:
        // "các thính giả của | Đêm nhạc sẽ ..."): no caption ends in "của", "tại", "và".
        let prev = line[..i].rsplit(' ').next().unwrap_or_default();
        if rules.continuing_words.contains(&prev.to_lowercase()) {
            continue;
        }
        // Back to the previous sentence end, or the start of the line: a lead photo's
        // caption glued before the first sentence ("Phun hóa chất ... ở Quảng Trị Tại
        // xã Triệu Thượng ..."). The look-back is bounded by the longest caption the
        // rule takes, so a long line with many triggers stays linear.
        let s = sentence_start_within(line, i, cursor, *rules.uncredited_words.end());
        let at_start = s == 0 && cursor == 0;
        if !at_start && (s == 0 || s <= cursor || b.get(s - 1) != Some(&b' ')) {
            continue;
        }
        let seg = &line[s..i];
        let n = seg.split(' ').count();
        if !rules.uncredited_words.contains(&n)
            || !caption_shaped(seg, !at_start || rules.name_starters.contains(w))
        {
            continue;
        }
        // An intertitle right after the photo: the caption, then a short title-case
        // run ("... đắp đê trước của nhà | Triều cường đạt kỷ lục mới | Theo ..."):
        // the intertitle is article text.
        let cap_len = intertitle_seam(seg, rules).unwrap_or(seg.len());
        out.pieces.push(line[cursor..s].trim().to_string());
        out.captions.push(seg[..cap_len].trim_end().to_string());
        if cap_len < seg.len() {
            out.pieces.push(seg[cap_len..].trim().to_string());
        }
        cursor = i + 1;
    }
    let piece = line[cursor..].trim();
    if !piece.is_empty() {
        out.pieces.push(piece.to_string());
    }
    out.pieces.retain(|p| !p.is_empty());
    out
}

/// Takes out the lead photo's caption printed as the first sentence without a credit
/// ("Chiếc Ipad “tố” trộm nhờ được cài GPS. Sáng 29.10, anh Quốc đến ..."): a short
/// first sentence (`captions.lead_caption_max_words`) ending in a full stop, directly
/// followed by a sentence that opens the way a news lead does, with its time
/// (`captions.lead_openers`: "Ngày 1/11, ...", "Chiều 4/11, ..."). A news story's
/// first sentence is that lead; what comes before it is the photo's.
pub fn take_lead_caption(paragraphs: &mut Vec<String>, rules: &Rules) -> Option<String> {
    let re = rules.lead_opener_re.as_ref()?;
    let max = rules.lead_caption_max_words;
    let first = paragraphs.first()?;
    // Only the first two sentences matter: a bounded window keeps this linear.
    let head = window(first, 0, 2000);
    let spans = sentence_spans(head);
    let &(a, b) = spans.first()?;
    let cap = &head[a..b];
    if !cap.ends_with('.') || cap.split(' ').count() > max || re.is_match(cap) {
        return None;
    }
    let next: &str = match spans.get(1) {
        Some(&(c, d)) => &head[c..d],
        None if b >= first.len() => paragraphs.get(1)?.as_str(),
        None => return None,
    };
    if !re.is_match(next) {
        return None;
    }
    let caption = cap.to_string();
    match spans.get(1) {
        Some(&(c, _)) => {
            paragraphs[0].drain(..c);
        }
        None => {
            paragraphs.remove(0);
        }
    }
    Some(caption)
}

/// Longest neighbour sentence (words) an echo caption is compared with: a caption
/// echoes a sentence of ordinary length; a longer run is not read word by word.
const MAX_ECHO_NEIGHBOUR_WORDS: usize = 200;

/// Takes out captions printed as a short sentence that echoes the sentence next to it
/// ("... Đình Bảo bứt phá tốc độ và dứt điểm lạnh lùng hạ gục thủ môn Prendegast, cân
/// bằng tỷ số trận đấu. Đình Bảo giúp U21 Việt Nam cân bằng tỷ số. Những phút còn lại
/// ..."; "Ông Quý Kiến Nghiệp. Theo hãng tin Xinhua, ông Quý Kiến Nghiệp bị sa thải"):
/// the photo's caption restates what the text beside it says. A sentence of
/// 4..=`captions.echo_max_words` words ending in a full stop, with no comma (a clause
/// of an argument) and no bare number (list lines such as prices and scores repeat
/// their words), whose words are at least `captions.echo_min_share` words of one
/// longer neighbouring sentence. Linear: each sentence is compared with its two
/// neighbours, bounded in length.
pub fn take_echo_captions(paragraphs: &mut [String], rules: &Rules) -> Vec<String> {
    let mut out = Vec::new();
    let max = rules.echo_max_words;
    if max < 4 {
        return out;
    }
    let lower_words = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.chars().flat_map(char::to_lowercase).collect())
            .collect()
    };
    for p in paragraphs.iter_mut() {
        let spans = sentence_spans(p);
        if spans.len() < 2 {
            continue;
        }
        let mut drop = vec![false; spans.len()];
        for k in 0..spans.len() {
            let (a, b) = spans[k];
            let t = &p[a..b];
            let n = t.split(' ').count();
            if !(4..=max).contains(&n)
                || !t.ends_with('.')
                || t.contains(", ")
                || t.split(|c: char| !c.is_alphanumeric())
                    .any(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()))
            {
                continue;
            }
            let mine = lower_words(t);
            let echoes = [k.checked_sub(1), Some(k + 1)].into_iter().flatten().any(|j| {
                let Some(&(c, d)) = spans.get(j) else { return false };
                if drop[j] {
                    return false;
                }
                let other = &p[c..d];
                let m = other.split(' ').count();
                if m <= n || m > MAX_ECHO_NEIGHBOUR_WORDS {
                    return false;
                }
                let theirs: std::collections::HashSet<String> = lower_words(other).into_iter().collect();
                let shared = mine.iter().filter(|w| theirs.contains(*w)).count();
                shared as f64 >= rules.echo_min_share * mine.len() as f64
            });
            if echoes {
                drop[k] = true;
            }
        }
        if !drop.iter().any(|&d| d) {
            continue;
        }
        let mut kept = String::with_capacity(p.len());
        for (&(a, b), &d) in spans.iter().zip(&drop) {
            if d {
                out.push(p[a..b].to_string());
                continue;
            }
            if !kept.is_empty() {
                kept.push(' ');
            }
            kept.push_str(&p[a..b]);
        }
        *p = kept;
    }
    out
}

/// Where an intertitle starts at the end of a credit-less caption run: the last
/// title-case word after a lower-case one (not a proper-noun cue: "sông Hồng") and
/// before a lower-case one, leaving at least `uncredited_min_words` words of caption
/// before it and 3 or more, but fewer than that, words of intertitle after it.
fn intertitle_seam(seg: &str, rules: &Rules) -> Option<usize> {
    let ws = words(seg);
    let min = *rules.uncredited_words.start();
    let n = ws.len();
    (min..n.saturating_sub(3) + 1).rev().find_map(|k| {
        let (off, w) = ws[k];
        let prev = ws[k - 1].1;
        let next = ws.get(k + 1)?.1;
        let tail = n - k;
        let seam = is_titlecase(w)
            && is_lowercase_word(next)
            && is_lowercase_word(prev)
            && prev.chars().last().is_some_and(char::is_alphanumeric)
            && !rules.proper_noun_cues.contains(&prev.to_lowercase());
        (seam && (3..min).contains(&tail)).then_some(off)
    })
}

/// Whether an unpunctuated run between two sentences reads as a caption rather than
/// article text: no colon (a headline-shaped intertitle: "ĐBQH Đỗ Văn Đương: Phải báo
/// cáo về án treo"), no quotation mark (a sentence quoting words, cut at a noun used
/// as a starter: "Có ý kiến cho rằng, không nên ghi từ “dân chủ” tại Điều 1 vì nội
/// dung | Điều này thể hiện ..."; on the 98 labelled vn-mds bodies this keeps that
/// sentence and lets one quoted caption through, R +0.0004, P -0.0001), no comma in its first three words (a sentence opener: "Cùng ngày,
/// Tân Hoa Xã ..."), and a last word that is not capitalised (a name that goes on into
/// the "starter": "Phan Văn | Sáng", "VKSND | Tối cao", or an intertitle ending in a
/// name). At the start of a line (a lead photo's caption, no intertitle there yet)
/// only a starter that can end a name, `captions.name_starters`, keeps the run:
/// "Phun hóa chất ... ở Quảng Trị | Tại xã ..." is a caption.
fn caption_shaped(seg: &str, name_starter: bool) -> bool {
    let words: Vec<&str> = seg.split(' ').collect();
    let ends_in_name = name_starter && words.last().is_some_and(|w| w.starts_with(char::is_uppercase));
    !seg.contains([':', '“', '”', '"']) && !words.iter().take(3).any(|w| w.ends_with(',')) && !ends_in_name
}

/// The caption without its credit, to recognise the credit-less copy some sites print
/// on the next line ("Quang cảnh cuộc hội đàm. Ảnh TTXVN." then "Quang cảnh cuộc hội đàm.").
pub fn without_credit(caption: &str, rules: &Rules) -> String {
    let cut = rules.credit_re.find(caption).map_or(caption.len(), |m| m.start());
    comparable(&caption[..cut])
}

/// Lower-case letters and digits only, single-spaced: for comparing near-identical lines.
pub fn comparable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

/// True when `line` reads like a caption by itself: short and not a sentence run.
pub fn is_short_fragment(line: &str) -> bool {
    line.split_whitespace().count() <= 12 && !ends_sentence(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::builtin().unwrap()
    }

    #[test]
    fn whole_line_caption() {
        let s = extract("Quang cảnh cuộc hội đàm. Ảnh TTXVN.", &rules());
        assert_eq!(s.captions, vec!["Quang cảnh cuộc hội đàm. Ảnh TTXVN."]);
        assert!(s.pieces.is_empty());
        let s = extract("Quang cảnh buổi hội đàm. Ảnh: TTXVN phát", &rules());
        assert_eq!(s.captions, vec!["Quang cảnh buổi hội đàm. Ảnh: TTXVN phát"]);
        let s = extract("Ông A duyệt đội danh dự. (Ảnh: Doãn Tấn/TTXVN)", &rules());
        assert_eq!(s.captions.len(), 1);
        assert!(s.pieces.is_empty());
    }

    #[test]
    fn caption_glued_to_paragraph_start() {
        let s = extract(
            "Hai ông chứng kiến Lễ ký. Ảnh: Phạm Kiên - TTXVN Hai bên cũng ghi nhận việc này.",
            &rules(),
        );
        assert_eq!(s.captions, vec!["Hai ông chứng kiến Lễ ký. Ảnh: Phạm Kiên - TTXVN"]);
        assert_eq!(s.pieces, vec!["Hai bên cũng ghi nhận việc này."]);
    }

    #[test]
    fn mid_line_credits() {
        let s = extract(
            "Mưa rất to. Hạt mưa đá to bằng quả cà chua bi. Ảnh: Minh Tiệp. Mưa đá rơi trắng sân. Ảnh: P.V. Sau đó trời tạnh.",
            &rules(),
        );
        assert_eq!(
            s.captions,
            vec!["Hạt mưa đá to bằng quả cà chua bi. Ảnh: Minh Tiệp.", "Mưa đá rơi trắng sân. Ảnh: P.V."]
        );
        assert_eq!(s.pieces, vec!["Mưa rất to.", "Sau đó trời tạnh."]);
    }

    #[test]
    fn caption_printed_twice_at_line_start() {
        let cap = "KLH gang thép Hòa Phát hoạt động đồng bộ cả hai giai đoạn";
        let s = extract(&format!("{cap} {cap} Trong quý 3, Hòa Phát có lãi. Hết."), &rules());
        assert_eq!(s.captions, vec![cap.to_string()]);
        assert_eq!(s.pieces, vec!["Trong quý 3, Hòa Phát có lãi. Hết."]);
        // A sentence repeated is not a caption (it has a sentence end); neither is a
        // short repeat.
        let twice =
            "Hòa Phát có lãi lớn trong quý ba năm nay. Hòa Phát có lãi lớn trong quý ba năm nay. Hết.";
        assert!(extract(twice, &rules()).captions.is_empty());
        assert!(extract("rất rất rất rất tốt rồi.", &rules()).captions.is_empty());
    }

    #[test]
    fn lead_caption_before_a_starter_that_is_not_a_name() {
        let r = rules();
        let line = "Phun hóa chất tiêu độc khử trùng cho đàn gia súc, gia cầm ở Quảng Trị Tại xã Triệu Thượng người dân chăn nuôi thả rông. Hết.";
        let s = extract_uncredited(line, &r);
        assert_eq!(s.captions.len(), 1, "{s:?}");
        assert!(s.pieces[0].starts_with("Tại xã"), "{s:?}");
        // A starter that ends names keeps the run ("... ông Phan Văn Sáng cho biết").
        let line = "Chủ tịch UBND tỉnh Quảng Nam là người đứng đầu ông Phan Văn Sáng cho biết việc này. Hết.";
        assert!(extract_uncredited(line, &r).captions.is_empty());
    }

    #[test]
    fn prefixed_headlines_are_not_credits() {
        let r = rules();
        assert!(is_prefixed_headline("Clip: Fan T-ara nhảy Sexy love trước cổng Keangnam", &r));
        assert!(!is_prefixed_headline("Ảnh: Phạm Kiên - TTXVN", &r));
        assert!(!is_prefixed_headline("Ảnh: TTXVN phát", &r));
        assert!(!is_prefixed_headline("Clip: Fan T-ara nhảy trước cổng. Sau đó họ về.", &r));
        let d = crate::clean::clean_default(
            "Clip: Fan T-ara nhảy Sexy love trước cổng Keangnam\n\nHàng trăm người hâm mộ đã tập trung từ sáng.",
        );
        assert_eq!(d.title.as_deref(), Some("Clip: Fan T-ara nhảy Sexy love trước cổng Keangnam"));
    }

    /// vn-mds 12279855: a quote cut at a sentence starter ("của | Đêm nhạc") after an
    /// ellipsis is one sentence, not a credit-less caption (it left the body).
    #[test]
    fn a_run_ending_in_a_continuing_word_is_not_a_caption() {
        let r = rules();
        let line = "Ông chia sẻ: “Tôi nóng lòng được nghe bản concerto nổi tiếng của Haydn… Tôi biết đây là cảm xúc cá nhân, nhưng tôi rất mong rằng các thính giả của Đêm nhạc sẽ phần nào chia sẻ với tôi điều này.”";
        let s = extract_uncredited(line, &r);
        assert!(s.captions.is_empty(), "{s:?}");
        // Ended by a noun instead, the same run reads as a caption.
        let s = extract_uncredited(&line.replace("thính giả của Đêm", "thính giả Đêm"), &r);
        assert_eq!(s.captions.len(), 1, "{s:?}");
    }

    /// vn-mds 12309263: "Nguồn: domain" with the text going on after it is the photo's
    /// credit; ending the line it is the article's source, and no sentence is taken.
    #[test]
    fn a_domain_after_nguon_mid_line_is_a_photo_credit() {
        let r = rules();
        let s = extract(
            "Hình ảnh hiện trường vụ tấn công. Nguồn: scmp.com Ông Mạnh Kiến Trụ đã đưa ra cáo buộc trên.",
            &r,
        );
        assert_eq!(s.captions, vec!["Hình ảnh hiện trường vụ tấn công. Nguồn: scmp.com"], "{s:?}");
        assert_eq!(s.pieces, vec!["Ông Mạnh Kiến Trụ đã đưa ra cáo buộc trên."], "{s:?}");
        let s = extract("Ông Mạnh Kiến Trụ đã đưa ra cáo buộc trên. Nguồn: scmp.com", &r);
        assert!(s.captions.is_empty(), "{s:?}");
    }

    /// vn-mds 9842561: "Thậm chí" only opens sentences, so the lost boundary before it
    /// ends a credit-less caption (`lists.sentence_starters`).
    #[test]
    fn tham_chi_opens_a_sentence_after_a_caption() {
        let line = "Thông tin này khiến không ít các fan buồn. Giá vẻ Kpop Festival sẽ không giảm mà hủy toàn bố vé thừa Thậm chí, an ninh cũng được thắt chặt hết mức.";
        let s = extract_uncredited(line, &rules());
        assert_eq!(s.captions, vec!["Giá vẻ Kpop Festival sẽ không giảm mà hủy toàn bố vé thừa"], "{s:?}");
    }

    /// vn-mds 12313414: a credit's name stops before a title that opens the next
    /// sentence ("Ảnh: Văn Kỳ | Bà Lê Đình Thái Hằng, ...").
    #[test]
    fn a_credit_name_stops_before_a_title() {
        let s = extract(
            "Cấp dưỡng chia thức ăn cho học sinh - Ảnh: Văn Kỳ Bà Lê Đình Thái Hằng, đại diện Ban thanh tra cho biết rất bức xúc.",
            &rules(),
        );
        assert_eq!(s.captions, vec!["Cấp dưỡng chia thức ăn cho học sinh - Ảnh: Văn Kỳ"], "{s:?}");
        assert!(s.pieces.iter().any(|p| p.starts_with("Bà Lê Đình Thái Hằng,")), "{s:?}");
    }

    #[test]
    fn a_run_quoting_words_is_a_sentence_not_a_caption() {
        let r = rules();
        let line = "Đề nghị giữ tên nước là Cộng hòa xã hội chủ nghĩa Việt Nam. Có ý kiến cho rằng, không nên ghi từ “dân chủ” tại Điều 1 vì nội dung Điều này thể hiện tính độc lập của quốc gia. Hết.";
        let s = extract_uncredited(line, &r);
        assert!(s.captions.is_empty(), "{s:?}");
        // The same run without the quoted words reads as a caption.
        let s = extract_uncredited(&line.replace(['“', '”'], ""), &r);
        assert_eq!(s.captions.len(), 1, "{s:?}");
    }

    #[test]
    fn prose_label_is_not_a_credit() {
        let s = extract("Video: Trận đấu diễn ra sôi nổi.", &rules());
        assert!(s.captions.is_empty());
    }

    #[test]
    fn gallery_of_captions_before_a_closing_credit() {
        // A line longer than a caption line: prose, then the gallery.
        let prose =
            "Ngày hội sinh viên diễn ra tại Đà Nẵng với nhiều hoạt động sôi nổi và hấp dẫn. ".repeat(6);
        let line = prose.clone() + "Dưới đây là một số hình ảnh ghi nhanh sáng nay. Sinh viên đồng diễn Flashmob ấn tượng Tiết mục mở màn lôi cuốn sự chú ý của người xem Ban tổ chức tặng hoa cho đại diện các trường tham gia ngày hội Sinh viên đọ tài ca hát trong phần thi tài năng Các cửa hàng công nghệ số thu hút đông đảo sinh viên khám phá Photo: Hà Trung";
        let s = extract(&line, &rules());
        assert_eq!(s.pieces, vec![format!("{prose}Dưới đây là một số hình ảnh ghi nhanh sáng nay.")]);
        assert_eq!(s.captions.len(), 1);
    }

    #[test]
    fn lead_caption_before_a_dated_lead() {
        let r = rules();
        let mut p =
            vec!["Hiện trường nơi xảy ra vụ việc. Vào hồi 14h ngày 1/11, người dân phát hiện một thi thể."
                .to_string()];
        assert_eq!(take_lead_caption(&mut p, &r).as_deref(), Some("Hiện trường nơi xảy ra vụ việc."));
        assert_eq!(p, vec!["Vào hồi 14h ngày 1/11, người dân phát hiện một thi thể."]);
        // A lead that does not open with its time keeps its first sentence.
        let mut p = vec!["Giá vàng tăng mạnh. Theo DOJI, giá bán ra đạt 37 triệu đồng.".to_string()];
        assert!(take_lead_caption(&mut p, &r).is_none());
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn echo_captions_restate_their_neighbour() {
        let r = rules();
        let mut p = vec!["Phút 65, Đình Bảo bứt phá tốc độ và dứt điểm lạnh lùng hạ gục thủ môn, giúp U21 Việt Nam cân bằng tỷ số trận đấu. Đình Bảo giúp U21 Việt Nam cân bằng tỷ số. Những phút còn lại diễn ra sôi nổi.".to_string()];
        assert_eq!(take_echo_captions(&mut p, &r), vec!["Đình Bảo giúp U21 Việt Nam cân bằng tỷ số."]);
        assert!(p[0].contains("Những phút còn lại") && p[0].starts_with("Phút 65"));
        // Price lines repeat their words and carry numbers: kept.
        let mut p = vec!["Công ty niêm yết giá vàng mua vào và bán ra 37,28 triệu đồng/lượng hôm nay. Giá bán ra 37 triệu đồng/lượng.".to_string()];
        assert!(take_echo_captions(&mut p, &r).is_empty());
    }

    #[test]
    fn intertitle_after_an_uncredited_caption_stays() {
        let s = extract_uncredited(
            "Người dân chờ nước rút mới dám vào nhà. Nước ngập khiến người dân phải đắp đê trước của nhà Triều cường đạt kỷ lục mới Theo trung tâm chống ngập, đỉnh triều là 1,58m.",
            &rules(),
        );
        assert_eq!(s.captions, vec!["Nước ngập khiến người dân phải đắp đê trước của nhà"]);
        assert!(s.pieces.iter().any(|p| p == "Triều cường đạt kỷ lục mới"), "{:?}", s.pieces);
    }
}

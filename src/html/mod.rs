//! HTML input: a decoded page in, the article's blocks and metadata out.
//!
//! `decode` turns bytes into text and says whether the text is HTML (content
//! sniffing, not the file name); this module parses it with html5ever (through
//! `scraper`: a spec-compliant, iterative tree builder), reads the metadata
//! ([`meta`]), and chooses the main content by text and link density ([`extract`]).
//! It produces *blocks*, not a `Document`: the text cleaner then runs over them
//! (`pipeline::process`), so one set of rules (furniture, lists, credits, end marks,
//! lead prefixes) serves text dumps and HTML pages alike. This module never imports
//! `clean`, and `decode` never imports either.

pub mod extract;
pub mod meta;
pub mod rules;

use std::io::Read;

use scraper::Html;

pub use self::rules::HtmlRules;

/// What a page yields before cleaning.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Body blocks in order, one per DOM block (the lead first).
    pub blocks: Vec<String>,
    pub captions: Vec<String>,
    /// Resolved metadata (see [`meta`] for the order).
    pub title: Option<String>,
    /// The title came from `<title>` only (no JSON-LD, OpenGraph or `h1`): a headline
    /// the text cleaner finds at the top of the body is better evidence.
    pub title_weak: bool,
    /// `YYYY-MM-DD` from the metadata, when any source carried a date.
    pub published: Option<String>,
    /// A person's name: JSON-LD Person, the visible byline, a right-aligned signature.
    pub author: Option<String>,
    /// `<meta name="author">` when it is not the outlet (used only when the text
    /// cleaner finds no byline either).
    pub meta_author: Option<String>,
    pub url: Option<String>,
    pub site_name: Option<String>,
    pub lang: Option<String>,
    /// Visible datelines (tried by the cleaner's date rules when `published` is none).
    pub datelines: Vec<String>,
    pub largest_block_words: u32,
}

/// Parses a page and extracts its article.
pub fn read(text: &str, rules: &HtmlRules) -> Page {
    let doc = Html::parse_document(text);
    let m = meta::read(&doc);
    let site = m.site_name.clone();
    let forced = m
        .url
        .as_deref()
        .and_then(meta::host)
        .and_then(|h| rules.site(&h))
        .and_then(|s| doc.select(&s.body).next())
        .map(|e| e.id());
    let pre_title = m
        .jsonld_title
        .clone()
        .or_else(|| m.og_title.clone())
        .map(|t| meta::strip_site(&t, site.as_deref(), false));
    let ex = extract::extract(&doc, rules, forced, pre_title.as_deref());
    let title_weak = pre_title.is_none() && ex.h1.is_none();
    let title = meta::title(
        pre_title,
        &ex.h1s,
        m.title_tag.as_deref(),
        site.as_deref(),
        rules.scoring.h1_title_overlap,
    );
    let published = meta::published(&m, &ex.datelines);
    let (author, meta_author) = meta::author(
        &m,
        &ex.bylines,
        ex.signature.as_deref(),
        || meta::byline_elements(&doc, rules),
        &rules.byline_roles,
        &rules.byline_sources,
    );
    Page {
        blocks: ex.body,
        captions: ex.captions,
        title,
        title_weak,
        published,
        author,
        meta_author,
        url: m.url,
        site_name: m.site_name,
        lang: m.lang,
        datelines: ex.datelines,
        largest_block_words: ex.largest_block_words,
    }
}

/// Elements with no end tag, or whose end tag is optional: they do not nest.
const NO_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "tbody", "thead", "tfoot",
    "colgroup", "rb", "rt", "rp", "!doctype",
];

/// The deepest element nesting the markup asks for, counted over the tags (an
/// upper-bound estimate, linear time, no parse). html5ever's tree builder checks
/// element scopes by walking its stack of open elements, so a page of a million
/// nested `div`s costs it quadratic time; such pages are refused before parsing
/// (browsers cap the depth for the same reason).
pub fn nesting_depth(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        i += off + 1;
        let close = b.get(i) == Some(&b'/');
        let start = i + usize::from(close);
        let len = b[start..].iter().take(16).take_while(|c| c.is_ascii_alphanumeric()).count();
        if len == 0 {
            continue;
        }
        let name = text[start..start + len].to_ascii_lowercase();
        if NO_NESTING.contains(&name.as_str()) {
            continue;
        }
        if close {
            depth = depth.saturating_sub(1);
            continue;
        }
        // "<x ... />": self-closing (only meaningful in SVG/MathML, cheap to honour).
        let end = b[start..].iter().take(4096).position(|&c| c == b'>').map(|e| start + e);
        if end.is_some_and(|e| e > 0 && b[e - 1] == b'/') {
            continue;
        }
        depth += 1;
        max = max.max(depth);
    }
    max
}

/// gzip's magic bytes.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Decompresses a gzip file, refusing output larger than `cap` bytes (a gzip bomb
/// is stopped after `cap + 1` bytes, never inflated whole).
pub fn gunzip(bytes: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut r = flate2::read::MultiGzDecoder::new(bytes).take(cap.saturating_add(1));
    r.read_to_end(&mut out).map_err(|e| format!("damaged gzip file: {e}"))?;
    if out.len() as u64 > cap {
        return Err(format!("gzip file inflates to more than {cap} bytes (html.max_decompressed_size)"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::meta::byline_text;
    use super::*;

    fn page(html: &str) -> Page {
        read(html, &HtmlRules::builtin().unwrap())
    }

    #[test]
    fn body_lead_caption_byline() {
        let p = page(
            r#"<html lang="vi"><head><title>Tin nóng - Báo A</title>
            <meta property="og:site_name" content="Báo A"><meta name="author" content="Báo A">
            <meta name="pubdate" content="2025-10-22T00:30:00+07:00"></head><body>
            <nav><a href="/">Trang chủ</a><a href="/x">Thời sự</a></nav>
            <h1>Tin nóng hôm nay</h1><p class="sapo">Đoạn mở đầu của bài viết này dài hơn tám chữ.</p>
            <div class="content"><p>Đoạn thứ nhất của bài viết có khá nhiều chữ để được tính là nội dung.</p>
            <figure><img src="a.jpg"><figcaption>Ảnh minh họa cho bài. Ảnh: A</figcaption></figure>
            <p>Đoạn thứ hai của bài viết cũng có khá nhiều chữ để được tính là nội dung.</p>
            <p style="text-align:right;"><strong>Nguyễn Văn A</strong></p></div>
            <div class="related"><a href="/1">Tin khác một</a><a href="/2">Tin khác hai</a></div>
            </body></html>"#,
        );
        assert_eq!(p.title.as_deref(), Some("Tin nóng hôm nay"));
        assert_eq!(p.published.as_deref(), Some("2025-10-22"));
        assert_eq!(p.author.as_deref(), Some("Nguyễn Văn A"));
        assert_eq!(p.meta_author, None, "the outlet is not a byline");
        assert_eq!(p.lang.as_deref(), Some("vi"));
        assert_eq!(p.captions, vec!["Ảnh minh họa cho bài. Ảnh: A"]);
        assert_eq!(p.blocks.len(), 3, "{:?}", p.blocks);
        assert!(p.blocks[0].starts_with("Đoạn mở đầu"));
    }

    /// A right-alignment class is as good as the style attribute for the signature rule
    /// (hints.right); a sidebar named "col-right" is no alignment.
    #[test]
    fn right_alignment_by_class() {
        let body = |sig: &str| {
            format!(
                r#"<html lang="vi"><body><h1>Tiêu đề bài viết ở đây</h1><div class="noi-dung">
                <p>Đoạn thứ nhất của bài viết có khá nhiều chữ để được tính là nội dung chính.</p>
                <p>Đoạn thứ hai của bài viết cũng có khá nhiều chữ để được tính là nội dung.</p>
                {sig}</div></body></html>"#
            )
        };
        let signed = body(r#"<p class="text-right"><strong>Hà An</strong></p>"#);
        let p = page(&signed);
        assert_eq!(p.author.as_deref(), Some("Hà An"));
        assert_eq!(p.blocks.len(), 2, "{:?}", p.blocks);
        let p = page(&body(r#"<p class="col-right"><strong>Hà An</strong></p>"#));
        assert_eq!(p.author, None);
        // The rule off (an empty `right` list): no byline (the short last line is then
        // trimmed from the body's edge as furniture).
        let base = rules::DEFAULT_HTML_RULES;
        let at = base.find("\nright = [").unwrap() + 1;
        let end = at + base[at..].find('\n').unwrap();
        let off_text = format!("{}right = []{}", &base[..at], &base[end..]);
        let off = HtmlRules::build_on(&off_text, None).unwrap();
        let p = read(&signed, &off);
        assert_eq!(p.author, None);
    }

    /// A data table of short cells inside the article does not cut the body in two
    /// (scoring.short_cell_weight); at short_weight (0.25) the table's cells outweigh the
    /// paragraphs and only the intro is kept.
    #[test]
    fn data_table_inside_the_article() {
        let mut rows = String::new();
        let schools = ["Booth", "Kellogg", "Wharton", "Sloan", "Stanford", "Harvard"];
        for (i, school) in schools.iter().cycle().take(40).enumerate() {
            rows.push_str(&format!(
                "<tr><td>{i}</td><td>{school}</td><td>3.{i}</td><td>72{i}</td><td>${i}75,000</td><td>4{i}%</td></tr>"
            ));
        }
        let html = format!(
            r#"<html><body><nav><a href="/">Home</a><a href="/a">About us</a></nav><article><h1>Business school rankings this year</h1>
            <p>Ranking reports in aggregate help an applicant see trends around each program and its brand.</p>
            <table><tr><th>Rank</th><th>School</th><th>GPA</th><th>GMAT</th><th>Salary</th><th>Yield</th></tr>{rows}</table>
            <p>The schools at the top have changed little in ten years, though their acceptance rates have fallen.</p>
            <p>Applicants should weigh fit and cost at least as much as a place in any one list of schools.</p>
            </article></body></html>"#
        );
        let p = page(&html);
        let body = p.blocks.join("\n");
        assert!(body.contains("Ranking reports") && body.contains("weigh fit"), "{body}");
        assert!(body.contains("Kellogg"), "{body}");
        let base = rules::DEFAULT_HTML_RULES;
        let off =
            HtmlRules::build_on(&base.replace("short_cell_weight = 0.0", "short_cell_weight = 0.25"), None)
                .unwrap();
        assert_eq!(off.scoring.short_cell_weight, 0.25);
        let body = read(&html, &off).blocks.join("\n");
        assert!(!(body.contains("Ranking reports") && body.contains("weigh fit")), "{body}");
    }

    #[test]
    fn dated_teaser_cards_are_chrome() {
        let mut cards = String::new();
        for (i, topic) in ["harbour dredging", "school meals", "bus lanes"].iter().enumerate() {
            cards.push_str(&format!(
                r#"<div class="card"><h3><a href="/story-{i}">Council votes on {topic} plan</a></h3>
                <span class="date">March {d}, 2024</span><p>Councillors met on {topic} and a short excerpt follows.</p>
                <a href="/story-{i}">Read more</a></div>"#,
                d = i + 3
            ));
        }
        let html = format!(
            r#"<html><body><nav><a href="/">Home</a><a href="/a">About us</a></nav><div class="entry"><h1>Flood defences finished a year early</h1>
            <p>The river wall along the old town was finished this week, a year before the date the council had set.</p>
            <p>Engineers said dry weather in the spring let crews pour concrete without the usual delays and stoppages.</p>
            <p>Residents who were flooded twice in five years said they would believe it when the next storm came.</p>
            <p>The council will now turn to the pumping station, whose upgrade is planned for the following winter.</p>
            <p>That work will close the towpath for three months, and the ferry will run a longer timetable while it lasts.</p>
            <p>Shop owners on the quay asked for a grant to repair cellars damaged in the floods of the last two winters.</p>
            <p>The mayor said the grant would be discussed at the next meeting, after the budget for the year is known.</p>
            {cards}</div></body></html>"#
        );
        let p = page(&html);
        let body = p.blocks.join("\n");
        assert!(body.contains("river wall") && body.contains("pumping station"), "{body}");
        assert!(!body.contains("Council votes") && !body.contains("short excerpt"), "{body}");
        let base = rules::DEFAULT_HTML_RULES;
        let off =
            HtmlRules::build_on(&base.replace("teaser_min_run = 3", "teaser_min_run = 0"), None).unwrap();
        assert_eq!(off.scoring.teaser_min_run, 0);
        let body = read(&html, &off).blocks.join("\n");
        assert!(body.contains("short excerpt"), "{body}");
        // Two cards are not a list: they may be the article's own boxes.
        let two = html
            .replacen(r#"<div class="card">"#, r#"<div class="other">"#, 1)
            .replacen("<h3>", "<p>", 1)
            .replacen("</h3>", "</p>", 1);
        let body = page(&two).blocks.join("\n");
        assert!(body.contains("met on bus lanes") && body.contains("pumping station"), "{body}");
    }

    #[test]
    fn a_related_stories_heading_ends_the_article() {
        let story = r#"<p>The river wall along the old town was finished this week, a year before the date the council had set.</p>
            <p>Engineers said dry weather in the spring let crews pour concrete without the usual delays and stoppages.</p>
            <p>Residents who were flooded twice in five years said they would believe it when the next storm came.</p>
            <p>The council will now turn to the pumping station, whose upgrade is planned for the following winter.</p>
            <p>That work will close the towpath for three months, and the ferry will run a longer timetable while it lasts.</p>"#;
        let related = r#"<h2>Related articles</h2>
            <p>Harbour dredging is to start in May, and the council says the channel will be deeper than before.</p>
            <figure><img src="a.jpg"><figcaption>The harbour at low tide</figcaption></figure>
            <p>School meals will cost less from the autumn term, after a vote that split the ruling group.</p>"#;
        let html = format!(
            r#"<html><body><div class="entry"><h1>Flood defences finished a year early</h1>
            <figure><img src="w.jpg"><figcaption>The new wall</figcaption></figure>{story}{related}</div></body></html>"#
        );
        let p = page(&html);
        let body = p.blocks.join("\n");
        assert!(body.contains("river wall") && body.contains("ferry will run"), "{body}");
        assert!(!body.contains("Harbour dredging") && !body.contains("School meals"), "{body}");
        assert_eq!(p.captions, vec!["The new wall".to_string()]);
        // With the rule off, density scoring keeps the excerpts: they are prose.
        let base = rules::DEFAULT_HTML_RULES;
        let off = HtmlRules::build_on(&base.replace("'related (?:articles|", "'no such (?:articles|"), None)
            .unwrap();
        let body = read(&html, &off).blocks.join("\n");
        assert!(body.contains("Harbour dredging"), "{body}");
        // Early in a long article the same heading is an inline box: the story goes on.
        let early = format!(
            r#"<html><body><div class="entry"><h1>Flood defences finished a year early</h1>{}{related}{story}{story}</div></body></html>"#,
            story.replacen("<p>", "<p>First. ", 1)
        );
        let body = page(&early).blocks.join("\n");
        assert!(body.contains("School meals") && body.matches("ferry will run").count() == 3, "{body}");
    }

    #[test]
    fn jsonld_person_not_organization() {
        let p = page(
            r#"<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"NewsArticle","headline":"H","datePublished":"2024-01-02T23:59:00-05:00",
             "author":[{"@type":"Organization","name":"Outlet"},{"@type":"Person","name":"Jane Doe"}]}]}
            </script></head><body><p>one two three four five six seven eight nine ten eleven.</p></body></html>"#,
        );
        assert_eq!(p.title.as_deref(), Some("H"));
        assert_eq!(p.author.as_deref(), Some("Jane Doe"));
        assert_eq!(p.published.as_deref(), Some("2024-01-02"));
    }

    #[test]
    fn byline_labels_are_not_names() {
        assert_eq!(byline_text("Written By").as_deref(), None);
        assert_eq!(byline_text("The Author").as_deref(), None);
        assert_eq!(byline_text("Name *").as_deref(), None);
        assert_eq!(byline_text("BY Jane Doe").as_deref(), Some("Jane Doe"));
        assert_eq!(byline_text("Author: Byron Smith").as_deref(), Some("Byron Smith"));
        assert_eq!(byline_text("Tác giả: Lê Phương").as_deref(), Some("Lê Phương"));
    }

    #[test]
    fn gzip_bounded() {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&vec![b'a'; 100_000]).unwrap();
        let gz = e.finish().unwrap();
        assert!(is_gzip(&gz));
        assert_eq!(gunzip(&gz, 100_000).unwrap().len(), 100_000);
        assert!(gunzip(&gz, 99_999).unwrap_err().contains("more than 99999"));
        assert!(gunzip(b"\x1f\x8bnope", 10).unwrap_err().contains("damaged gzip"));
    }
}

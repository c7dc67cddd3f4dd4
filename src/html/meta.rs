//! Page metadata: title, published date, author, canonical URL, site name, language.
//!
//! Each field is read from several places and the first one present wins, in the
//! order of htmldate and newspaper4k: structured data the publisher wrote for
//! machines first (JSON-LD `NewsArticle`/`Article`, then OpenGraph, then `<meta>`
//! names and `itemprop`), because it is exact and dated with its time zone; the
//! visible page (`<time datetime>`, a visible dateline, the `h1`) next; `<title>`
//! (minus its " | Site" suffix) last, because sites decorate it. An author is a
//! person: a JSON-LD author of type Organization, or a `<meta name="author">` equal to
//! the site name, is the outlet and never a byline.
//!
//! One flat pass over the node arena (no recursion), plus small bounded reads of the
//! text under the few elements that matter.

use scraper::node::Node;
use scraper::Html;
use serde_json::Value;

/// Metadata found in a page's markup (before the body is chosen).
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub jsonld_title: Option<String>,
    pub og_title: Option<String>,
    pub title_tag: Option<String>,
    /// JSON-LD `datePublished`, then the meta names, `itemprop`, `<time>`: first wins.
    pub dates: Vec<String>,
    pub jsonld_authors: Vec<String>,
    pub meta_author: Option<String>,
    pub url: Option<String>,
    pub site_name: Option<String>,
    pub lang: Option<String>,
}

/// Longest text read from one element for metadata (characters).
const MAX_META_TEXT: usize = 1000;

const ARTICLE_TYPES: &[&str] = &[
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "socialmediaposting",
    "liveblogposting",
    "techarticle",
    "scholarlyarticle",
    "report",
];

const DATE_META: &[&str] = &[
    "article:published_time",
    "og:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "article.published",
    "article_date_original",
    "datepublished",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "date",
    "og:updated_time",
];

/// Reads the metadata of a parsed page.
pub fn read(doc: &Html) -> Meta {
    let mut m = Meta::default();
    let mut date_meta: Vec<(usize, String)> = Vec::new();
    let mut itemprop_dates: Vec<String> = Vec::new();
    let mut time_dates: Vec<String> = Vec::new();
    let mut og_url = None;
    let mut canonical = None;
    let mut og_locale = None;
    let mut jsonld_site = None;
    let mut jsonld_url = None;
    let mut jsonld_lang = None;
    for node in doc.tree.nodes() {
        let Node::Element(e) = node.value() else { continue };
        match e.name() {
            "html" if m.lang.is_none() => {
                m.lang = e.attr("lang").or_else(|| e.attr("xml:lang")).map(str::to_string);
            }
            "title" if m.title_tag.is_none() => {
                m.title_tag = non_empty(text_of(node));
            }
            "link" => {
                let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
                if rel.split_whitespace().any(|r| r == "canonical") && canonical.is_none() {
                    canonical = e.attr("href").and_then(|h| non_empty(h.to_string()));
                }
            }
            "meta" => {
                let key = e.attr("property").or_else(|| e.attr("name")).or_else(|| e.attr("itemprop"));
                let (Some(key), Some(content)) = (key, e.attr("content")) else { continue };
                let key = key.trim().to_ascii_lowercase();
                let Some(content) = non_empty(squash(content)) else { continue };
                match key.as_str() {
                    "og:title" | "twitter:title" if m.og_title.is_none() => m.og_title = Some(content),
                    "og:url" if og_url.is_none() => og_url = Some(content),
                    "og:site_name" if m.site_name.is_none() => m.site_name = Some(content),
                    "og:locale" if og_locale.is_none() => og_locale = Some(content),
                    "author" | "article:author" | "byl" | "dc.creator" | "sailthru.author"
                        if m.meta_author.is_none() && !content.starts_with("http") =>
                    {
                        m.meta_author = Some(content)
                    }
                    k => {
                        if let Some(rank) = DATE_META.iter().position(|d| *d == k) {
                            date_meta.push((rank, content));
                        }
                    }
                }
            }
            "script"
                if e.attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json")) =>
            {
                let raw: String = node.children().filter_map(|c| c.value().as_text().map(|t| &**t)).collect();
                if let Ok(v) = serde_json::from_str::<Value>(raw.trim()) {
                    jsonld(&v, &mut m, &mut jsonld_site, &mut jsonld_url, &mut jsonld_lang);
                }
            }
            "time" => {
                if let Some(d) = e.attr("datetime").and_then(|d| non_empty(d.to_string())) {
                    time_dates.push(d);
                }
            }
            _ => {}
        }
        if e.name() != "meta" && e.attr("itemprop").is_some_and(|p| p.eq_ignore_ascii_case("datePublished")) {
            if let Some(d) = e
                .attr("content")
                .or_else(|| e.attr("datetime"))
                .map(str::to_string)
                .or_else(|| non_empty(text_of(node)))
            {
                itemprop_dates.push(d);
            }
        }
    }
    date_meta.sort_by_key(|(rank, _)| *rank);
    let jsonld_dates = std::mem::take(&mut m.dates);
    m.dates = jsonld_dates
        .into_iter()
        .chain(date_meta.into_iter().map(|(_, d)| d))
        .chain(itemprop_dates)
        .chain(time_dates)
        .collect();
    m.url = canonical.or(og_url).or(jsonld_url).filter(|u| u.starts_with("http"));
    m.site_name = m.site_name.or(jsonld_site);
    m.lang = m.lang.and_then(non_empty).or(jsonld_lang).or(og_locale.map(|l| l.replace('_', "-")));
    m
}

/// One JSON-LD value: arrays, `@graph`, and the article object's fields.
fn jsonld(
    v: &Value,
    m: &mut Meta,
    site: &mut Option<String>,
    url: &mut Option<String>,
    lang: &mut Option<String>,
) {
    // Bounded, iterative walk over arrays and @graph (no recursion on page input).
    let mut stack: Vec<&Value> = vec![v];
    let mut seen = 0;
    while let Some(v) = stack.pop() {
        seen += 1;
        if seen > 1000 {
            break;
        }
        match v {
            Value::Array(a) => stack.extend(a.iter().rev()),
            Value::Object(o) => {
                if let Some(g) = o.get("@graph") {
                    stack.push(g);
                }
                if !types(o.get("@type")).iter().any(|t| ARTICLE_TYPES.contains(&t.as_str())) {
                    continue;
                }
                if m.jsonld_title.is_none() {
                    m.jsonld_title =
                        o.get("headline").or_else(|| o.get("name")).and_then(string).and_then(non_empty);
                }
                if let Some(d) = o.get("datePublished").and_then(string).and_then(non_empty) {
                    m.dates.push(d);
                }
                if m.jsonld_authors.is_empty() {
                    m.jsonld_authors = persons(o.get("author"));
                }
                if site.is_none() {
                    *site =
                        o.get("publisher").and_then(|p| p.get("name")).and_then(string).and_then(non_empty);
                }
                if url.is_none() {
                    *url = o.get("url").and_then(string).or_else(|| {
                        o.get("mainEntityOfPage").and_then(|p| p.get("@id").or(Some(p))).and_then(string)
                    });
                }
                if lang.is_none() {
                    *lang = o.get("inLanguage").and_then(string).and_then(non_empty);
                }
            }
            _ => {}
        }
    }
}

fn types(t: Option<&Value>) -> Vec<String> {
    match t {
        Some(Value::String(s)) => vec![s.to_ascii_lowercase()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str()).map(str::to_ascii_lowercase).collect(),
        _ => Vec::new(),
    }
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(squash(&unescape(s))),
        _ => None,
    }
}

/// Character references in a JSON-LD string: plugins write the headline HTML-escaped
/// ("Tools &#8211; Spreadsheet", "Q&amp;A"), which JSON does not undo. Decoded by
/// html5ever, as the page's text is; a string with markup in it is left as it is.
fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') || s.contains('<') {
        return std::borrow::Cow::Borrowed(s);
    }
    let frag = Html::parse_fragment(s);
    std::borrow::Cow::Owned(frag.root_element().text().collect())
}

/// Names of the Person authors (Organizations are the outlet, not a byline).
fn persons(v: Option<&Value>) -> Vec<String> {
    let items: Vec<&Value> = match v {
        Some(Value::Array(a)) => a.iter().take(20).collect(),
        Some(x) => vec![x],
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for it in items {
        let name = match it {
            Value::String(s) => Some(squash(&unescape(s))),
            Value::Object(o) => {
                let t = types(o.get("@type"));
                if t.iter().any(|t| t == "organization" || t == "newsmediaorganization" || t == "corporation")
                {
                    None
                } else {
                    o.get("name").and_then(string)
                }
            }
            _ => None,
        };
        if let Some(n) = name.and_then(non_empty) {
            if !n.starts_with("http") && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// The text under a node (bounded), whitespace squashed.
pub fn text_of(node: ego_tree::NodeRef<'_, Node>) -> String {
    let mut s = String::new();
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            s.push_str(t);
            if s.len() > MAX_META_TEXT * 4 {
                break;
            }
        }
    }
    let s = squash(&s);
    s.chars().take(MAX_META_TEXT).collect()
}

/// Whitespace runs to one space, trimmed.
pub fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(s)
    } else {
        Some(t.to_string())
    }
}

/// The host of an absolute URL, lower-cased, without "www.".
pub fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    let auth = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    let h = auth.split(':').next()?.to_ascii_lowercase();
    let h = h.trim_start_matches("www.").to_string();
    (!h.is_empty()).then_some(h)
}

const MONTHS: &[&str] = &["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// A published date as `YYYY-MM-DD` from the forms pages use: ISO 8601 (the date
/// part as written, i.e. the local date of the page's own time zone: 00:30+07:00 is
/// that day), `d/m/yyyy` (Vietnamese order; `m/d/yyyy` only when the day cannot be
/// a month), `yyyy/mm/dd`, and English month names ("October 22, 2025", "22 Oct 2025").
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |t: &str| t.parse::<u32>().ok();
    let ok = |y: u32, mo: u32, d: u32| {
        ((1900..=2199).contains(&y) && (1..=12).contains(&mo) && (1..=31).contains(&d))
            .then(|| format!("{y:04}-{mo:02}-{d:02}"))
    };
    // ISO: yyyy-mm-dd or yyyy/mm/dd at the start.
    if b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && matches!(b[4], b'-' | b'/' | b'.') {
        let sep = b[4] as char;
        let mut parts = s.splitn(3, sep);
        let y = parts.next().and_then(num);
        let mo = parts.next().and_then(num);
        let d = parts
            .next()
            .map(|r| r.chars().take_while(char::is_ascii_digit).collect::<String>())
            .and_then(|d| num(&d));
        if let (Some(y), Some(mo), Some(d)) = (y, mo, d) {
            return ok(y, mo, d);
        }
    }
    // Tokens: numbers and words.
    let toks: Vec<&str> = s.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    // d/m/yyyy anywhere.
    for w in s.split(|c: char| c.is_whitespace() || c == ',') {
        let p: Vec<&str> = w.split(['/', '-', '.']).collect();
        if p.len() == 3
            && p.iter().all(|x| !x.is_empty() && x.len() <= 4 && x.bytes().all(|c| c.is_ascii_digit()))
            && p[2].len() == 4
        {
            let (a, m2, y) = (num(p[0])?, num(p[1])?, num(p[2])?);
            if let Some(d) = ok(y, m2, a) {
                return Some(d);
            }
            return ok(y, a, m2);
        }
    }
    // English month names.
    for (i, t) in toks.iter().enumerate() {
        let tl = t.to_ascii_lowercase();
        let Some(mo) = MONTHS.iter().position(|m| tl.len() >= 3 && tl.starts_with(m)) else { continue };
        let mo = mo as u32 + 1;
        let year = toks.iter().skip(i + 1).take(3).find_map(|x| (x.len() == 4).then(|| num(x)).flatten());
        let day_after = toks
            .get(i + 1)
            .and_then(|x| num(x.trim_end_matches(|c: char| c.is_alphabetic())))
            .filter(|d| *d <= 31);
        let day_before = i
            .checked_sub(1)
            .and_then(|j| toks.get(j))
            .and_then(|x| num(x.trim_end_matches(|c: char| c.is_alphabetic())))
            .filter(|d| *d <= 31);
        if let (Some(y), Some(d)) = (year, day_after.or(day_before)) {
            if let Some(r) = ok(y, mo, d) {
                return Some(r);
            }
        }
    }
    None
}

/// Strips a " | Site" / " - Site" suffix (or "Site | " prefix): always when the part
/// names the site, and for a `<title>` also a short last part after " | ".
pub fn strip_site(title: &str, site: Option<&str>, loose: bool) -> String {
    let seps = [" | ", " - ", " – ", " — ", " :: ", " · ", " » "];
    let t = title.trim();
    if let Some(site) = site.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()) {
        for sep in seps {
            if let Some((head, tail)) = t.rsplit_once(sep) {
                let tl = tail.trim().to_lowercase();
                if tl == site
                    || tl.replace(' ', "") == site.replace(' ', "")
                    || site.starts_with(&tl) && tl.len() >= 3
                {
                    return head.trim().to_string();
                }
            }
            if let Some((head, tail)) = t.split_once(sep) {
                if head.trim().to_lowercase() == site {
                    return tail.trim().to_string();
                }
            }
        }
    }
    if loose {
        for sep in [" | ", " - ", " – ", " — ", " :: "] {
            if let Some((head, tail)) = t.rsplit_once(sep) {
                if tail.split_whitespace().count() <= 4 && head.split_whitespace().count() >= 3 {
                    return head.trim().to_string();
                }
            }
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonld_strings_are_unescaped() {
        let doc = Html::parse_document(
            r#"<html><head><script type="application/ld+json">{"@type":"Article",
            "headline":"Tools &#8211; Q&amp;A","author":{"@type":"Person","name":"Ann O&#039;Neil"}}</script>
            </head><body></body></html>"#,
        );
        let m = read(&doc);
        assert_eq!(m.jsonld_title.as_deref(), Some("Tools – Q&A"));
        assert_eq!(m.jsonld_authors, vec!["Ann O'Neil".to_string()]);
    }

    #[test]
    fn dates_in_the_pages_own_zone() {
        assert_eq!(parse_date("2025-10-22T00:30:00+07:00").as_deref(), Some("2025-10-22"));
        assert_eq!(parse_date("2025-10-22T19:25:00Z").as_deref(), Some("2025-10-22"));
        assert_eq!(parse_date("Thứ tư, 22/10/2025, 19:25 (GMT+7)").as_deref(), Some("2025-10-22"));
        assert_eq!(parse_date("10/22/2025").as_deref(), Some("2025-10-22"));
        assert_eq!(parse_date("October 22, 2025").as_deref(), Some("2025-10-22"));
        assert_eq!(parse_date("Published 3 Sept 2024, 10:00").as_deref(), Some("2024-09-03"));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2025-13-40"), None);
    }

    #[test]
    fn site_suffixes() {
        assert_eq!(strip_site("Big story | The Paper", Some("The Paper"), false), "Big story");
        assert_eq!(strip_site("Big story - VnExpress", Some("VnExpress"), false), "Big story");
        assert_eq!(strip_site("A long title here - Site News", None, true), "A long title here");
        assert_eq!(strip_site("Hà Nội - Hải Phòng nối lại", None, false), "Hà Nội - Hải Phòng nối lại");
    }

    #[test]
    fn hosts() {
        assert_eq!(host("https://www.vnexpress.net/a-1.html").as_deref(), Some("vnexpress.net"));
        assert_eq!(host("http://u@Tuoitre.VN:8080/x").as_deref(), Some("tuoitre.vn"));
        assert_eq!(host("nope"), None);
    }
}

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
    /// Modification dates (`og:updated_time`, `article:modified_time`, JSON-LD
    /// `dateModified`): a page's published date only when nothing else dates it,
    /// after its visible datelines (an update is not the publication).
    pub updated: Vec<String>,
    /// Visible dates found without class hints, in page order: the text of a `<time>`
    /// without `datetime`, and short text nodes outside links and page chrome
    /// (`header`, `nav`, `footer`, `aside`) that read as a date. `h1_pos` is the index in
    /// this list of the first one after the page's first `h1` (where a dateline sits).
    pub visible_dates: Vec<String>,
    pub h1_pos: Option<usize>,
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
];

/// Meta names of a modification date (see [`Meta::updated`]).
const UPDATED_META: &[&str] = &[
    "og:updated_time",
    "article:modified_time",
    "datemodified",
    "last-modified",
    "lastmod",
    "dc.date.modified",
];

/// Visible dates kept from the page text (a bound on a page of many dated items).
const MAX_VISIBLE_DATES: usize = 16;

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
        if let Node::Text(t) = node.value() {
            if m.visible_dates.len() < MAX_VISIBLE_DATES && looks_dated(t) && visible_text(node) {
                m.visible_dates.push(squash(t));
            }
            continue;
        }
        let Node::Element(e) = node.value() else { continue };
        match e.name() {
            "h1" if m.h1_pos.is_none() => m.h1_pos = Some(m.visible_dates.len()),
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
                        } else if UPDATED_META.contains(&k) {
                            m.updated.push(content);
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
                } else if m.visible_dates.len() < MAX_VISIBLE_DATES && visible_text(node) {
                    // Its text nodes are not visited again as dates: they sit under it.
                    if let Some(t) = non_empty(text_of(node)).filter(|t| parse_date(t).is_some()) {
                        m.visible_dates.push(t);
                    }
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
    // First the Person nodes by `@id`: Yoast and other plugins write the article's
    // author as a reference (`{"@id": ".../#/schema/person/…"}`) to a node of the graph.
    let objects = jsonld_objects(v);
    let people: Vec<(String, String)> = objects
        .iter()
        .filter(|o| types(o.get("@type")).iter().any(|t| t == "person"))
        .filter_map(|o| {
            Some((o.get("@id").and_then(Value::as_str)?.to_string(), o.get("name").and_then(string)?))
        })
        .collect();
    for o in objects {
        if !types(o.get("@type")).iter().any(|t| ARTICLE_TYPES.contains(&t.as_str())) {
            continue;
        }
        if m.jsonld_title.is_none() {
            m.jsonld_title = o.get("headline").or_else(|| o.get("name")).and_then(string).and_then(non_empty);
        }
        if let Some(d) = o.get("datePublished").and_then(string).and_then(non_empty) {
            m.dates.push(d);
        }
        if let Some(d) = o.get("dateModified").and_then(string).and_then(non_empty) {
            m.updated.push(d);
        }
        if m.jsonld_authors.is_empty() {
            m.jsonld_authors = persons(o.get("author"), &people);
        }
        if site.is_none() {
            *site = o.get("publisher").and_then(|p| p.get("name")).and_then(string).and_then(non_empty);
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
}

/// The objects of a JSON-LD block in document order, through arrays and `@graph`: a
/// bounded (1000 values), iterative walk, no recursion on page input.
fn jsonld_objects(v: &Value) -> Vec<&serde_json::Map<String, Value>> {
    let mut out = Vec::new();
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
                out.push(o);
            }
            _ => {}
        }
    }
    out
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

/// Names of the Person authors (Organizations are the outlet, not a byline); a bare
/// `{"@id": …}` reference is looked up in `people` (the graph's Person nodes).
fn persons(v: Option<&Value>, people: &[(String, String)]) -> Vec<String> {
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
                } else if let Some(n) = o.get("name").and_then(string) {
                    Some(n)
                } else {
                    let id = o.get("@id").and_then(Value::as_str);
                    id.and_then(|id| people.iter().find(|(p, _)| p == id)).map(|(_, n)| n.clone())
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
    // Vietnamese month words: "ngày 22 tháng 10 năm 2025".
    for (i, t) in toks.iter().enumerate() {
        if !t.eq_ignore_ascii_case("tháng") && *t != "Tháng" && *t != "THÁNG" {
            continue;
        }
        let d = i.checked_sub(1).and_then(|j| toks.get(j)).and_then(|x| num(x));
        let mo = toks.get(i + 1).and_then(|x| num(x));
        let y = toks.iter().skip(i + 2).take(2).find_map(|x| (x.len() == 4).then(|| num(x)).flatten());
        if let (Some(d), Some(mo), Some(y)) = (d, mo, y) {
            if let Some(r) = ok(y, mo, d) {
                return Some(r);
            }
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

/// A text node that may be a visible dateline: short, with a year-like number, and
/// readable as a date.
fn looks_dated(t: &str) -> bool {
    let t = t.trim();
    if t.len() < 6 || t.len() > 120 {
        return false;
    }
    let b = t.as_bytes();
    let has_year = b.windows(4).any(|w| w.iter().all(u8::is_ascii_digit) && (w[0] == b'1' || w[0] == b'2'));
    has_year && parse_date(t).is_some()
}

/// Elements whose text is never a visible dateline of the article: links (lists of
/// other stories), page chrome by its tag, code, and `<time>` (read on its own).
const NOT_DATELINE: &[&str] = &[
    "a", "header", "nav", "footer", "aside", "script", "style", "noscript", "template", "title", "option",
    "select", "button", "time", "pre", "code", "textarea", "head",
];

/// True when no ancestor of `node` is one of [`NOT_DATELINE`] or hidden (a walk up
/// the tree, only for the few text nodes that read as dates).
fn visible_text(node: ego_tree::NodeRef<'_, Node>) -> bool {
    node.ancestors().all(|a| match a.value() {
        Node::Element(e) => {
            !NOT_DATELINE.contains(&e.name())
                && e.attr("hidden").is_none()
                && !e.attr("style").is_some_and(|s| s.replace(' ', "").contains("display:none"))
        }
        _ => true,
    })
}

/// A time of day in the text ("07:30", "7:30"): article datelines carry one, the
/// "today is …" bar at the top of a page does not.
fn has_clock(s: &str) -> bool {
    let b = s.as_bytes();
    (1..b.len().saturating_sub(2)).any(|i| {
        b[i] == b':' && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit() && b[i + 2].is_ascii_digit()
    })
}

/// An ISO 8601 timestamp written in UTC ("…T17:30:00Z", "+00:00"): its date part is
/// the UTC date, not necessarily the page's own.
fn is_utc(s: &str) -> bool {
    let s = s.trim();
    s.len() > 10
        && s.as_bytes()[10] == b'T'
        && (s.ends_with('Z') || s.ends_with("+00:00") || s.ends_with("+0000"))
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (Howard Hinnant's civil algorithm).
fn days(d: &str) -> Option<i64> {
    let mut p = d.splitn(3, '-').map(|x| x.parse::<i64>().ok());
    let (y, m, d) = (p.next()??, p.next()??, p.next()??);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The `YYYY-MM-DD` of a day count (inverse of [`days`]).
fn civil(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Hours east of UTC of the language's country when it has one time zone and no
/// daylight saving (the local date of a UTC timestamp on such a page).
const SINGLE_ZONE_LANGS: &[(&str, i64)] = &[("vi", 7), ("th", 7), ("km", 7), ("lo", 7)];

/// The published date (`YYYY-MM-DD`, the page's local date): the first of the
/// metadata dates that parses (JSON-LD, date metas, `itemprop`, `<time datetime>`);
/// then a visible dateline (`datelines`: elements with date hints, then the visible
/// dates found without hints), one with a time of day first; the modification date
/// last. A metadata date written in UTC is the page's local date only by chance: when
/// a visible dateline with a time of day is at most a day off, that local date wins;
/// failing one, a language with a single time zone (Vietnamese: UTC+7) shifts it.
pub fn published(m: &Meta, datelines: &[String]) -> Option<String> {
    // Visible: hinted datelines, then the unhinted ones after the h1, then before it.
    let after = m.h1_pos.unwrap_or(0).min(m.visible_dates.len());
    let visible: Vec<&String> = datelines
        .iter()
        .chain(&m.visible_dates[after..])
        .chain(m.visible_dates[..after].iter().rev())
        .collect();
    let clocked = visible.iter().filter(|d| has_clock(d)).find_map(|d| parse_date(d));
    if let Some((raw, d)) = m.dates.iter().find_map(|s| parse_date(s).map(|d| (s, d))) {
        if !is_utc(raw) {
            return Some(d);
        }
        if let Some(local) = clocked.as_ref() {
            if days(local).zip(days(&d)).is_some_and(|(a, b)| (a - b).abs() <= 1) {
                return Some(local.clone());
            }
        }
        let lang = m.lang.as_deref().unwrap_or("").to_ascii_lowercase();
        let offset = SINGLE_ZONE_LANGS.iter().find(|(l, _)| lang.split(['-', '_']).next() == Some(*l));
        let hour = raw.get(11..13).and_then(|h| h.parse::<i64>().ok());
        if let (Some((_, off)), Some(h), Some(n)) = (offset, hour, days(&d)) {
            if h + off >= 24 {
                return Some(civil(n + 1));
            }
        }
        return Some(d);
    }
    clocked
        .or_else(|| visible.iter().find_map(|d| parse_date(d)))
        .or_else(|| m.updated.iter().find_map(|d| parse_date(d)))
}

/// Lower-case ASCII letters and digits of a name, Vietnamese diacritics folded
/// ("Báo Lao Động" → "baolaodong"), in words.
fn folded_words(s: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            cur.push(c.to_ascii_lowercase());
        } else if unicode_normalization::char::is_combining_mark(c) {
            continue;
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Words that name the kind of outlet or its domain rather than the outlet itself
/// ("Báo điện tử …", "… Online", ".com.vn").
const MEDIA_WORDS: &[&str] = &[
    "bao",
    "dien",
    "tu",
    "tap",
    "chi",
    "online",
    "news",
    "newspaper",
    "the",
    "www",
    "vn",
    "com",
    "net",
    "org",
    "co",
    "uk",
    "info",
    "io",
    "tin",
    "tuc",
    "trang",
    "official",
    "site",
    "website",
];

/// An outlet's name as a comparison key: folded, the media words left out.
fn outlet_key(s: &str) -> String {
    folded_words(s).into_iter().filter(|w| !MEDIA_WORDS.contains(&w.as_str())).collect()
}

/// True when `name` names the outlet (its site name or its domain), not a person:
/// "Báo Lao Động" on laodong.vn, "VTV.vn" on vtv.vn, "thanhnien.vn", "TUOI TRE ONLINE"
/// with site name "Tuổi Trẻ Online". Publishers put themselves in the author fields.
pub fn is_outlet(name: &str, site: Option<&str>, url: Option<&str>) -> bool {
    let k = outlet_key(name);
    if k.is_empty() {
        return false;
    }
    // Only a name shaped like an outlet's (a domain, media words: "Báo …", "… Online",
    // capitals only, or one word) is matched against the domain, and against a site name
    // unless that one is shaped so: "Ben Nadel" on bennadel.com, site name "Ben Nadel",
    // is the person the site is named after; "Thanh Niên" with site name "Báo Thanh Niên"
    // is the outlet.
    let org = |s: &str| {
        let words = folded_words(s);
        s.contains('.')
            || words.len() <= 1
            || words.iter().any(|w| MEDIA_WORDS.contains(&w.as_str()))
            || !s.chars().any(char::is_lowercase)
    };
    let named_org = org(name);
    if site.is_some_and(|s| (named_org || org(s)) && outlet_key(s) == k) {
        return true;
    }
    if !named_org {
        return false;
    }
    let Some(h) = url.and_then(host) else { return false };
    h.split('.').filter(|l| !MEDIA_WORDS.contains(l)).any(|l| {
        let l: String = l.chars().filter(char::is_ascii_alphanumeric).collect();
        l == k || l.strip_prefix("bao").is_some_and(|r| r == k)
    })
}

/// Labels written before a name in a byline element.
const BYLINE_LABELS: &[&str] = &[
    "view all posts by",
    "all posts by",
    "posts by",
    "written by",
    "posted by",
    "reviewed by",
    "authored by",
    "article by",
    "reported by",
    "story by",
    "text by",
    "words by",
    "recipe by",
    "guide by",
    "by",
    "about the author",
    "the author",
    "author",
    "about",
    "tác giả",
    "bài và ảnh",
    "bài",
];

/// Words after a name in a byline element that are not the name: "Jane Doe Updated",
/// "Soliant on", "Jane says:", "Kyle Howells 15 min read", "Erin Spain 4 Comments",
/// "George Oates 3 weeks ago".
fn strip_byline_tail(t: &str) -> String {
    let mut words: Vec<&str> = t.split_whitespace().collect();
    loop {
        let n = words.len();
        let lw = |i: usize| words[i].trim_end_matches([':', ',']).to_lowercase();
        let num = |i: usize| words[i].parse::<u32>().is_ok();
        let cut = if n >= 2 && matches!(lw(n - 1).as_str(), "updated" | "on" | "says" | "said" | "wrote") {
            1
        } else if n >= 3 && lw(n - 2) == "updated" && lw(n - 1) == "on" {
            2
        } else if n >= 2 && lw(n - 1) == "read" && lw(n - 2).starts_with("min") {
            if n >= 3 && num(n - 3) {
                3
            } else {
                2
            }
        } else if n >= 3 && lw(n - 1).starts_with("comment") && num(n - 2) {
            2
        } else if n >= 4
            && lw(n - 1) == "ago"
            && num(n - 3)
            && ["minute", "hour", "day", "week", "month", "year"].iter().any(|u| lw(n - 2).starts_with(u))
        {
            3
        } else {
            0
        };
        if cut == 0 {
            break;
        }
        words.truncate(n - cut);
    }
    words.join(" ").trim_end_matches([':', ',']).to_string()
}

/// A byline element's text as a name: "By Jane Doe" → "Jane Doe"; `None` when it
/// does not read as one (too long, a date, a sentence, a label alone).
pub fn byline_text(s: &str) -> Option<String> {
    let mut t = s.trim();
    // "Authors of this article:", "Jane says:": a label waiting for its value.
    if t.ends_with(':') || t.contains("://") {
        return None;
    }
    // Labels before the name, case-insensitively ("Written by", "BY", "Author:"); a
    // label ending in "by" may be glued to the name ("ByJane Doe", "Written byAAA").
    loop {
        let before = t;
        for l in BYLINE_LABELS {
            let n = l.len();
            if t.len() < n || !t.is_char_boundary(n) || !t[..n].eq_ignore_ascii_case(l) {
                continue;
            }
            let next = t[n..].chars().next();
            let glued =
                l.ends_with("by") && t.as_bytes()[n - 1] == b'y' && next.is_some_and(char::is_uppercase);
            if next.map_or(true, |c| !c.is_alphanumeric()) || glued {
                t = t[n..].trim_start_matches(|c: char| c == ':' || c.is_whitespace());
            }
        }
        if t == before {
            break;
        }
    }
    let t = t.trim_matches(|c: char| c == '|' || c == '-' || c == ',' || c.is_whitespace());
    let t = strip_byline_tail(t);
    let t = t.as_str();
    // A name printed twice ("Colin Gray Colin Gray", "Kristian LarsenKristian Larsen").
    let t = {
        let half = t.len() / 2;
        let (a, b) = (t.get(..half).unwrap_or(""), t.get(half..).unwrap_or(""));
        if !a.is_empty() && a.trim() == b.trim() {
            a.trim()
        } else {
            t
        }
    };
    let words: Vec<&str> = t.split_whitespace().collect();
    let month_day = words.len() <= 3
        && words.first().is_some_and(|w| {
            let w = w.to_ascii_lowercase();
            MONTHS.iter().any(|m| w.starts_with(m))
        })
        && words.get(1).is_some_and(|d| d.trim_end_matches([',', '.']).parse::<u32>().is_ok_and(|d| d <= 31));
    if words.is_empty()
        || words.len() > 8
        || t.ends_with('.') && words.len() > 4
        || t.contains('*')
        || !t.chars().any(char::is_alphabetic)
        || t.bytes().filter(u8::is_ascii_digit).count() >= 4
        || month_day
    {
        return None;
    }
    Some(t.to_string())
}

/// A byline as a person's name: the first part that reads as one when the element
/// also holds a date or a section ("Dec. 19, 2025 · Niko Matsakis", "Kiersten · In:
/// Sides"), without a trailing credit in parentheses ("Hoàng Lâm (Tổng hợp)") or an
/// outlet after a slash ("Thu Hằng/VOV-Tây Bắc", "Minh Trang/VTV.vn"); `None` when
/// no part reads as a name or the name is the outlet's.
pub fn person(s: &str, site: Option<&str>, url: Option<&str>) -> Option<String> {
    s.split(['·', '•', '∙']).find_map(|part| {
        let name = byline_text(part)?;
        let mut n = name.as_str();
        if let Some(open) = n.rfind(" (").filter(|_| n.ends_with(')')) {
            if open > 0 {
                n = n[..open].trim_end();
            }
        }
        if let Some((head, tail)) = n.split_once('/') {
            let acronym = tail.split(|c: char| !c.is_alphanumeric()).next().is_some_and(|w| {
                w.chars().filter(|c| c.is_alphabetic()).count() >= 2
                    && w.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
            });
            if !head.trim().is_empty() && (acronym || is_outlet(tail, site, url)) {
                n = head.trim_end();
            }
        }
        (!n.is_empty() && !is_outlet(n, site, url)).then(|| n.to_string())
    })
}

/// Texts of the elements whose class or id carries a byline hint (the first few, in
/// page order, each bounded): the name alone when the hinted element is an inline
/// part of a longer line ("<span class=author>Lan Anh</span>, Theo Trí Thức Trẻ 07:30").
pub fn byline_elements(doc: &Html, rules: &super::HtmlRules) -> Vec<String> {
    use super::rules::kind;
    let mut out = Vec::new();
    let mut buf = String::new();
    for node in doc.tree.nodes() {
        let Node::Element(e) = node.value() else { continue };
        if e.attr("class").is_none() && e.attr("id").is_none() {
            continue;
        }
        buf.clear();
        buf.push_str(e.attr("class").unwrap_or(""));
        buf.push(' ');
        buf.push_str(e.attr("id").unwrap_or(""));
        buf.make_ascii_lowercase();
        let k = rules.hint_kinds(&buf);
        if k & kind::BYLINE == 0 || k & kind::AUTHOR_BIO != 0 || k & kind::CAPTION != 0 {
            continue;
        }
        // Not in page chrome (a comment's author in an aside, a footer's credits).
        let chrome = node.ancestors().any(|a| {
            a.value().as_element().is_some_and(|e| matches!(e.name(), "nav" | "footer" | "aside" | "head"))
        });
        if chrome {
            continue;
        }
        if let Some(t) = non_empty(text_of(node)) {
            out.push(t);
            if out.len() >= 8 {
                break;
            }
        }
    }
    out
}

/// A byline without the job title after the name: after ", ", " - ", " – " or " | " when
/// that part holds a role word (`hints.byline_roles`: "editor", "columnist", …), or from
/// the first role word after at least two words of name and before more words ("Rasmus
/// Barslund Founder & Lead Reviewer"); a byline that is a role ("The Currency editors",
/// "AAA Travel Editor, SMT") stays. Readers (and annotators) call the person by name; the role is furniture.
pub fn strip_role(name: &str, roles: &[String]) -> String {
    let is_role = |w: &str| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        roles.contains(&w)
    };
    for sep in [", ", " - ", " – ", " | "] {
        if let Some((head, tail)) = name.split_once(sep) {
            // A head that is itself a role ("AAA Travel Editor, SMT") is the byline.
            if head.split_whitespace().any(is_role) {
                return name.to_string();
            }
            if !head.trim().is_empty() && tail.split_whitespace().any(is_role) {
                return head.trim().to_string();
            }
        }
    }
    // A role word that ends the byline names the writer ("The Currency editors",
    // "Paycom Blog Contributor"); one followed by more words starts a title.
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.iter().enumerate().skip(2).find(|(i, w)| is_role(w) && i + 1 < words.len()) {
        Some((i, _)) => words[..i].join(" "),
        None => name.to_string(),
    }
}

/// A visible byline without the source credit after the name: "Thu Hà Theo Sức khỏe &
/// Đời sống", "Thu HàTheo …" (two inline spans with no space between), "Lan Anh | Nguồn:
/// VTC" → the name (`hints.byline_sources`: "Theo", "Nguồn"). The word must follow a name
/// (not start the byline: "Theo Walcott" is one) and come before a capitalised word; a
/// name list ("Anna Smith and Theo Jones", "Anna Smith & Theo Jones") is left as it is.
pub fn strip_source<'a>(s: &'a str, sources: &[String]) -> &'a str {
    for w in sources {
        for (i, _) in s.match_indices(w.as_str()) {
            let (head, rest) = (&s[..i], &s[i + w.len()..]);
            let after = rest.trim_start_matches(|c: char| c == ':' || c.is_whitespace());
            if after.len() == rest.len() || !after.chars().next().is_some_and(char::is_uppercase) {
                continue;
            }
            let glued = head.chars().next_back().is_some_and(char::is_lowercase);
            let spaced = head.ends_with(char::is_whitespace);
            let name = head
                .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '|' | '-' | '–' | '·' | ','));
            let listed = name.ends_with('&')
                || name.rsplit(char::is_whitespace).next().is_some_and(|l| matches!(l, "and" | "và" | "với"));
            if (glued || spaced) && name.chars().any(char::is_alphabetic) && !listed {
                return name;
            }
        }
    }
    s
}

/// The byline, in this order: the JSON-LD Person authors (an Organization, or a
/// Person named like the outlet, is the publisher: see [`is_outlet`]); the first
/// visible byline block (`bylines`, from the extractor) that reads as a name; the
/// right-aligned signature under the article; the byline elements' own texts (a name
/// in a `span` sharing its line with a date or a source). Returns it with the
/// `<meta name="author">` name when that is a person (used only when the text
/// cleaner finds no byline either).
///
/// A visible byline loses a trailing job title ("Charles Patterson, WCI Columnist",
/// "Will Judd Former Deputy Tech Editor"): see [`strip_role`]; and a source credit after
/// the name ("Thu Hà Theo Sức khỏe & Đời sống"): see [`strip_source`].
pub fn author(
    m: &Meta,
    bylines: &[String],
    signature: Option<&str>,
    elements: impl FnOnce() -> Vec<String>,
    roles: &[String],
    sources: &[String],
) -> (Option<String>, Option<String>) {
    let (site, url) = (m.site_name.as_deref(), m.url.as_deref());
    let authors: Vec<&str> =
        m.jsonld_authors.iter().map(String::as_str).filter(|a| !is_outlet(a, site, url)).collect();
    let visible = |b: &str| person(strip_source(b, sources), site, url).map(|n| strip_role(&n, roles));
    let author = (!authors.is_empty())
        .then(|| authors.join(", "))
        .or_else(|| bylines.iter().find_map(|b| visible(b)))
        .or_else(|| signature.and_then(visible))
        .or_else(|| elements().iter().find_map(|b| visible(b)));
    let meta_author = m.meta_author.as_deref().and_then(|a| person(a, site, url));
    (author, meta_author)
}

/// A structured title's short " | …" or " • …" suffixes ("… | Opinion", "… | Bridgestone
/// Tires", "… • Cory Dransfeldt"): a pipe or a bullet is furniture in a headline, where a
/// dash is not ("Hà Nội - Hải Phòng nối lại"), so only those are cut, only when at most
/// four words follow and at least three stay.
fn strip_pipe_suffix(t: &str) -> String {
    let mut t = t.trim();
    loop {
        let cut = [" | ", " • "].iter().filter_map(|sep| t.rsplit_once(sep)).find(|(head, tail)| {
            tail.split_whitespace().count() <= 4 && head.split_whitespace().count() >= 3
        });
        match cut {
            Some((head, _)) => t = head.trim_end(),
            None => return t.to_string(),
        }
    }
}

/// Lower-cased words (runs of letters and digits) of a title.
fn title_words(s: &str) -> std::collections::HashSet<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// The title: what readers see as the headline, the page's `h1`, when it is the
/// article's and not a logo or a menu, else the structured one (JSON-LD `headline`, then
/// `og:title`, its site suffix stripped), else `<title>` minus its site suffix.
///
/// Sites write `og:title` and `<title>` for search engines and sharing ("Best Apps to
/// Learn a Language in 2025 – Top 10 Picks") and the `h1` for readers ("Top 10: Best
/// Language Learning App"); annotators, like readers, take the `h1`. On the 711 WCXB
/// pages the first `h1` is the annotated title on 546, `og:title` on 345, JSON-LD on 194
/// (README, HTML input). An `h1` is the headline when at least `overlap` of its words are
/// words of the structured title or of `<title>` (its site part cut): a logo ("Houstonia
/// Magazine"), a "Menu" or a blog's name shares none. Without such an `h1`: the
/// structured title, unless the first `h1` is it without a decoration (" | Tarkett", a
/// cut-off `h1`): then the `h1`. Without a structured title: the first `h1`, then `<title>`.
pub fn title(
    structured: Option<String>,
    h1s: &[String],
    title_tag: Option<&str>,
    site: Option<&str>,
    overlap: f64,
) -> Option<String> {
    let k = |s: &str| -> String {
        s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
    };
    let site_key = site.map(k).filter(|s| !s.is_empty());
    let h1s: Vec<&str> = h1s
        .iter()
        .map(|h| h.trim())
        .filter(|h| h.split_whitespace().count() >= 2 && site_key.as_deref() != Some(k(h).as_str()))
        .collect();
    let structured = structured.map(|s| strip_pipe_suffix(&s));
    let tag = title_tag.map(|t| strip_site(t, site, true));
    let mut reference = std::collections::HashSet::new();
    for t in [structured.as_deref(), tag.as_deref()].into_iter().flatten() {
        reference.extend(title_words(t));
    }
    let headline = h1s.iter().find(|h| {
        let w = title_words(h);
        !w.is_empty()
            && w.iter().filter(|x| reference.contains(*x)).count() as f64 >= overlap * w.len() as f64
    });
    let h1 = h1s.first().copied();
    let t = match (structured, headline, h1) {
        (_, Some(h), _) if !reference.is_empty() => Some(h.to_string()),
        (Some(s), _, Some(h)) => {
            let (ks, kh) = (k(&s), k(h));
            if ks != kh
                && !kh.is_empty()
                && (ks.starts_with(&kh) || kh.starts_with(&ks) && ks.len() * 2 >= kh.len())
            {
                Some(h.to_string())
            } else {
                Some(s)
            }
        }
        (Some(s), _, None) => Some(s),
        (None, _, Some(h)) => Some(h.to_string()),
        (None, _, None) => tag,
    };
    t.filter(|t| !t.is_empty())
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
    fn vietnamese_datelines() {
        for (s, want) in [
            ("Thứ Tư, 22/10/2025 - 07:30", "2025-10-22"),
            ("22/10/2025 07:30 GMT+7", "2025-10-22"),
            ("Cập nhật: 07:30 22/10/2025", "2025-10-22"),
            ("Thứ Tư, 07:30, 22/10/2025", "2025-10-22"),
            ("22-10-2025 - 07:30 AM", "2025-10-22"),
            ("Thứ Tư, ngày 22/10/2025 07:30 AM (GMT+7)", "2025-10-22"),
            ("Hà Nội, ngày 5 tháng 8 năm 2024", "2024-08-05"),
        ] {
            assert_eq!(parse_date(s).as_deref(), Some(want), "{s}");
        }
    }

    fn meta_of(html: &str) -> Meta {
        read(&Html::parse_document(html))
    }

    #[test]
    fn utc_timestamps_take_the_pages_local_date() {
        // A visible dateline with a time of day, a day after the UTC date: the local date.
        let m = meta_of(
            r#"<html><head><meta property="article:published_time" content="2025-10-21T17:30:00Z"></head>
            <body><h1>T</h1><p>22/10/2025 00:30 (GMT+07:00)</p></body></html>"#,
        );
        assert_eq!(published(&m, &[]).as_deref(), Some("2025-10-22"));
        // No dateline: a Vietnamese page is UTC+7.
        let m = meta_of(
            r#"<html lang="vi"><head><meta property="article:published_time" content="2025-10-21T17:30:00.000Z">
            </head><body><h1>T</h1></body></html>"#,
        );
        assert_eq!(published(&m, &[]).as_deref(), Some("2025-10-22"));
        // An offset written by the page is its own: kept as written.
        let m = meta_of(
            r#"<html lang="vi"><head><meta property="article:published_time" content="2025-10-22T00:30:00+07:00">
            </head><body><h1>T</h1><p>21/10/2025 20:00</p></body></html>"#,
        );
        assert_eq!(published(&m, &[]).as_deref(), Some("2025-10-22"));
    }

    #[test]
    fn visible_dates_updates_and_today_bars() {
        // The "today" bar (no time of day) loses to the dateline; an update time loses
        // to both; a date in a link (another story) is not a dateline.
        let m = meta_of(
            r#"<html><head><meta property="og:updated_time" content="2025-10-23T09:00:00+07:00"></head>
            <body><div class="top">Thứ Tư, 03/12/2025</div><a href="/x">01/01/2020 10:00</a>
            <h1>T</h1><span>Thứ Tư, 07:30, 22/10/2025</span></body></html>"#,
        );
        assert_eq!(published(&m, &["Thứ Tư, 03/12/2025".to_string()]).as_deref(), Some("2025-10-22"));
        let m = meta_of(r#"<html><body><h1>T</h1><time>July 2, 2025</time></body></html>"#);
        assert_eq!(published(&m, &[]).as_deref(), Some("2025-07-02"));
        let m = meta_of(
            r#"<html><head><meta property="og:updated_time" content="2025-10-23T09:00:00+07:00"></head></html>"#,
        );
        assert_eq!(published(&m, &[]).as_deref(), Some("2025-10-23"));
    }

    #[test]
    fn outlets_are_not_authors() {
        let url = Some("https://laodong.vn/a.ldo");
        assert!(is_outlet("Báo Lao Động", Some("laodong.vn"), url));
        assert!(is_outlet("thanhnien.vn", None, Some("https://thanhnien.vn/x.htm")));
        assert!(is_outlet("VTV.vn", Some("BAO DIEN TU VTV"), None));
        assert!(is_outlet("TUOI TRE ONLINE", Some("Tuổi Trẻ Online"), None));
        assert!(is_outlet("Báo điện tử Chính phủ", None, Some("https://baochinhphu.vn/a.htm")));
        assert!(!is_outlet("Đình Trọng", Some("laodong.vn"), url));
        assert!(!is_outlet("Lao", Some("laodong.vn"), url));
        assert!(!is_outlet("Ben Nadel", Some("Ben Nadel"), Some("https://www.bennadel.com/blog/x.htm")));
        assert!(is_outlet("Kenh14.vn", Some("kenh14.vn"), None));
        assert!(is_outlet("Thanh Niên", Some("Báo Thanh Niên"), None));
    }

    #[test]
    fn bylines_as_names() {
        let p = |s: &str| person(s, Some("VOV"), Some("https://vov.vn/a"));
        assert_eq!(p("Thu Hằng/VOV-Tây Bắc").as_deref(), Some("Thu Hằng"));
        assert_eq!(p("Hoàng Lâm (Tổng hợp)").as_deref(), Some("Hoàng Lâm"));
        assert_eq!(p("Dec. 19, 2025 · Niko Matsakis").as_deref(), Some("Niko Matsakis"));
        assert_eq!(p("Báo điện tử VOV"), None);
        for (s, want) in [
            ("ByShivya Nath", Some("Shivya Nath")),
            ("Written byAAA Travel Editor", Some("AAA Travel Editor")),
            ("Byron Smith", Some("Byron Smith")),
            ("BYRON SMITH", Some("BYRON SMITH")),
            ("ByRhonda Krause Updated", Some("Rhonda Krause")),
            ("Kyle Howells 15 min read", Some("Kyle Howells")),
            ("Erin Spain 4 Comments", Some("Erin Spain")),
            ("George Oates 3 weeks ago", Some("George Oates")),
            ("Bryon Powell on", Some("Bryon Powell")),
            ("Colin Gray Colin Gray", Some("Colin Gray")),
            ("Text by Hunter Dukes", Some("Hunter Dukes")),
            ("View all posts by Craig Randall", Some("Craig Randall")),
            ("About the author", None),
            ("Authors of this article:", None),
            ("15 mins read", None),
            ("Dec 23", None),
            ("•", None),
        ] {
            assert_eq!(byline_text(s).as_deref(), want, "{s}");
        }
    }

    #[test]
    fn jsonld_author_by_reference() {
        let doc = Html::parse_document(
            r#"<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"Article","headline":"H","author":{"@id":"https://x.org/#/schema/person/1"}},
            {"@type":"Person","@id":"https://x.org/#/schema/person/1","name":"Jane Roe"}]}</script></head></html>"#,
        );
        assert_eq!(read(&doc).jsonld_authors, vec!["Jane Roe".to_string()]);
    }

    #[test]
    fn titles() {
        let t = |s: Option<&str>, h: Option<&str>| {
            let h1s: Vec<String> = h.into_iter().map(str::to_string).collect();
            title(s.map(str::to_string), &h1s, Some("Tag | Site"), None, 0.3)
        };
        assert_eq!(t(Some("Big story | Tarkett"), Some("Big story")).as_deref(), Some("Big story"));
        assert_eq!(
            t(Some("How meditation rewires brains | Opinion"), None).as_deref(),
            Some("How meditation rewires brains")
        );
        assert_eq!(
            t(Some("A brief intro to git • Cory Dransfeldt"), None).as_deref(),
            Some("A brief intro to git")
        );
        assert_eq!(
            t(Some("Cao tốc Đà Nẵng - Quảng Ngãi"), None).as_deref(),
            Some("Cao tốc Đà Nẵng - Quảng Ngãi")
        );
        assert_eq!(t(Some("Best apps – Top 10 Picks"), Some("Best apps")).as_deref(), Some("Best apps"));
        assert_eq!(t(Some("Giá xăng giảm"), Some("Một tiêu đề khác hẳn")).as_deref(), Some("Giá xăng giảm"));
        assert_eq!(t(None, Some("Tiêu đề h1")).as_deref(), Some("Tiêu đề h1"));
        assert_eq!(t(None, None).as_deref(), Some("Tag | Site"));
    }

    /// The readers' headline wins over the one written for search engines, when it is
    /// the article's (shares words with the structured title or `<title>`); a logo `h1`
    /// before it is skipped. At overlap 1.0 (the rule off for a partial match) the
    /// structured title stays.
    #[test]
    fn h1_headline_over_structured_title() {
        let h1s = vec!["Houstonia Magazine".to_string(), "Top 10: Best Language Learning App".to_string()];
        let og = || Some("Best Apps to Learn a Language in 2025 – Top 10 Picks".to_string());
        let tag = Some("Best Apps to Learn a Language in 2025 | Houstonia Magazine");
        assert_eq!(
            title(og(), &h1s, tag, Some("Houstonia Magazine"), 0.3).as_deref(),
            Some("Top 10: Best Language Learning App")
        );
        assert_eq!(
            title(og(), &h1s, tag, Some("Houstonia Magazine"), 1.0).as_deref(),
            Some("Best Apps to Learn a Language in 2025 – Top 10 Picks")
        );
        // An h1 sharing nothing with the titles (a blog's name) is no headline.
        let blog = vec!["Playful Tones".to_string()];
        assert_eq!(
            title(None, &blog, Some("Reflections on a UI Pipeline"), None, 0.3).as_deref(),
            Some("Playful Tones"),
            "without a structured title the first h1 still wins (unchanged)"
        );
        assert_eq!(
            title(Some("Reflections on a UI Pipeline".into()), &blog, None, None, 0.3).as_deref(),
            Some("Reflections on a UI Pipeline")
        );
    }

    #[test]
    fn job_titles_after_bylines() {
        let roles: Vec<String> =
            ["editor", "columnist", "founder", "former"].iter().map(|s| s.to_string()).collect();
        assert_eq!(strip_role("Charles Patterson, WCI Columnist", &roles), "Charles Patterson");
        assert_eq!(strip_role("Will Judd Former Deputy Tech Editor", &roles), "Will Judd");
        assert_eq!(
            strip_role("David Jackson - FullStack Editorial Team", &roles),
            "David Jackson - FullStack Editorial Team"
        );
        assert_eq!(strip_role("Hoàng Mạnh", &roles), "Hoàng Mạnh");
        assert_eq!(strip_role("The Currency editors", &roles), "The Currency editors");
        assert_eq!(strip_role("AAA Travel Editor, SMT", &roles), "AAA Travel Editor, SMT");
        assert_eq!(
            strip_role("Manoj Jain and Jagpreet Chhatwal", &roles),
            "Manoj Jain and Jagpreet Chhatwal"
        );
        // The rule off (no role words): the byline as written.
        assert_eq!(strip_role("Charles Patterson, WCI Columnist", &[]), "Charles Patterson, WCI Columnist");
    }

    #[test]
    fn source_credits_after_bylines() {
        let src: Vec<String> = ["Theo", "Nguồn"].iter().map(|s| s.to_string()).collect();
        assert_eq!(strip_source("Thu Hà Theo Sức khỏe & Đời sống", &src), "Thu Hà");
        assert_eq!(strip_source("Thu HàTheo Sức khỏe & Đời sống", &src), "Thu Hà");
        assert_eq!(strip_source("Lan Anh | Nguồn: VTC", &src), "Lan Anh");
        assert_eq!(strip_source("Lan Anh, Theo Trí Thức Trẻ", &src), "Lan Anh");
        assert_eq!(strip_source("Theo Walcott", &src), "Theo Walcott");
        assert_eq!(strip_source("Theodore Smith", &src), "Theodore Smith");
        assert_eq!(strip_source("Anna Smith and Theo Jones", &src), "Anna Smith and Theo Jones");
        assert_eq!(strip_source("Anna Smith & Theo Jones", &src), "Anna Smith & Theo Jones");
        assert_eq!(strip_source("Minh Anh theo dõi", &src), "Minh Anh theo dõi");
        // The rule off (no source words): the byline as written.
        assert_eq!(strip_source("Thu Hà Theo Sức khỏe & Đời sống", &[]), "Thu Hà Theo Sức khỏe & Đời sống");
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

//! Publication dates: the ` date YYYY-MM(-DD)` header, standalone date lines and
//! datelines ("Thứ Hai, 22/05/2017 - 10:15"), and a day named in the lead
//! ("Chiều 25/7") that completes a header giving only year and month.
//!
//! Dates are only read from these anchored shapes. A number pair such as "2023/12"
//! is never read as day/month (newspaper #967): days need a one- or two-digit day
//! before a one- or two-digit month, and in running text a time-of-day word before it.

use std::sync::OnceLock;

use regex::Regex;

/// A date as the document stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: Option<u8>,
}

impl Date {
    pub fn new(year: u32, month: u32, day: Option<u32>) -> Option<Date> {
        if !(1900..=2199).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if let Some(d) = day {
            let max = match month {
                2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            if d == 0 || d > max {
                return None;
            }
        }
        Some(Date { year: year as u16, month: month as u8, day: day.map(|d| d as u8) })
    }

    /// "YYYY-MM-DD" or "YYYY-MM".
    pub fn format(&self) -> String {
        match self.day {
            Some(d) => format!("{:04}-{:02}-{:02}", self.year, self.month, d),
            None => format!("{:04}-{:02}", self.year, self.month),
        }
    }
}

fn header_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[ \t\u{feff}]+date\s+(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:\s+|$)").expect("static regex")
    })
}

fn dateline_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?ix)^
            (?:(?:cập\ nhật|ngày\ đăng|đăng\ lúc|đăng\ ngày|ngày|xuất\ bản|published|updated)\s*:?\s*)?
            (?:(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|chủ\s+nhật|cn)\s*[,-]?\s*)?
            (?:ngày\s+)?
            (\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})
            (?:\s*[-,|]?\s*(?:lúc\s*)?\d{1,2}\s*[:h]\s*\d{2}(?:\s*:\s*\d{2})?\s*(?:am|pm|\(?gmt\s*\+\s*7\)?)?)?
            \s*$",
        )
        .expect("static regex")
    })
}

fn time_first_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^\d{1,2}\s*[:h]\s*\d{2}\s*(?:am|pm)?\s*[-,|]?\s*(?:(?:thứ\s+\S+|chủ\s+nhật)\s*,?\s*)?(?:ngày\s+)?(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
            .expect("static regex")
    })
}

fn day_in_text_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)(?:^|[^\p{L}\p{N}])(?:sáng|trưa|chiều|tối|đêm|ngày|hôm)(?:\s+(?:qua|nay|mai|hôm\s+qua))?\s*(?:\(\s*)?(\d{1,2})/(\d{1,2})(/\d{4})?",
        )
        .expect("static regex")
    })
}

/// The ` date YYYY-MM(-DD)` header at the very start: the date and the byte length of
/// the prefix to strip.
pub fn header(text: &str) -> Option<(Date, usize)> {
    let c = header_re().captures(text)?;
    let year = c[1].parse().ok()?;
    let month = c[2].parse().ok()?;
    let day = match c.get(3) {
        Some(d) => Some(d.as_str().parse().ok()?),
        None => None,
    };
    let date = Date::new(year, month, day)?;
    Some((date, c.get(0)?.end()))
}

/// A line that is only a date ("18/04/2024") or a dateline ("Thứ Hai, 22/05/2017 - 10:15").
pub fn date_line(line: &str) -> Option<Date> {
    let line = line.trim();
    // Every date line has a "d/m/yyyy" date: no digit, no date (skips the regexes).
    if line.len() > 80 || line.bytes().filter(u8::is_ascii_digit).nth(4).is_none() {
        return None;
    }
    let c = dateline_re().captures(line).or_else(|| time_first_re().captures(line))?;
    let day = c[1].parse().ok()?;
    let month = c[2].parse().ok()?;
    let year = c[3].parse().ok()?;
    Date::new(year, month, Some(day))
}

/// Completes a year-month date with a day named in `text` ("Chiều 25/7, ..."): the
/// first time-of-day mention whose month (and year, when given) agrees.
pub fn day_in_text(ym: Date, text: &str) -> Option<Date> {
    for c in day_in_text_re().captures_iter(text) {
        // "25/7/2017" is fine; "25/7/20" or "2/11/2012" with a different year is not.
        let (Ok(day), Ok(month)) = (c[1].parse::<u32>(), c[2].parse::<u32>()) else {
            continue;
        };
        if month != u32::from(ym.month) {
            continue;
        }
        if let Some(y) = c.get(3) {
            if y.as_str()[1..].parse::<u32>().ok() != Some(u32::from(ym.year)) {
                continue;
            }
        }
        // The match must not be the start of a longer number ("25/7/20").
        let end = c.get(0).map_or(0, |m| m.end());
        if text[end..].starts_with(|ch: char| ch.is_ascii_digit() || ch == '/') {
            continue;
        }
        if let Some(d) = Date::new(u32::from(ym.year), month, Some(day)) {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        let (d, n) = header(" date 2025-08-16 Đại tướng").unwrap();
        assert_eq!(d.format(), "2025-08-16");
        assert_eq!(&" date 2025-08-16 Đại tướng"[n..], "Đại tướng");
        assert_eq!(header(" date 2024-08 X").unwrap().0.format(), "2024-08");
        assert!(header(" date 2024-13 X").is_none());
        assert!(header("The date 2024-08 X").is_none());
        // The scraper writes the header with a leading space; a body paragraph that
        // merely starts with "date" is not a header.
        assert!(header("date 2024-08 X").is_none());
    }

    #[test]
    fn date_lines() {
        assert_eq!(date_line("18/04/2024").unwrap().format(), "2024-04-18");
        assert_eq!(date_line("Thứ Hai, 22/05/2017 - 10:15").unwrap().format(), "2017-05-22");
        assert_eq!(date_line("Chủ nhật, 3/9/2023, 07:00 (GMT+7)").unwrap().format(), "2023-09-03");
        assert_eq!(date_line("10:15 | 22/05/2017").unwrap().format(), "2017-05-22");
        assert!(date_line("31/02/2024").is_none());
        assert!(date_line("2023/12").is_none());
        assert!(date_line("18/04/2024 là ngày khai mạc").is_none());
    }

    #[test]
    fn day_completes_year_month() {
        let ym = Date::new(2017, 7, None).unwrap();
        assert_eq!(day_in_text(ym, "Chiều 25/7, tại Hà Nội").unwrap().format(), "2017-07-25");
        assert_eq!(day_in_text(ym, "ký ngày 2/11/2012. Sáng 3/7 tại").unwrap().format(), "2017-07-03");
        assert!(day_in_text(ym, "năm 2023/12 và 25/7").is_none(), "needs a time-of-day word");
        assert!(day_in_text(ym, "ngày 25/7/2016").is_none(), "year disagrees");
        assert!(day_in_text(Date::new(2024, 8, None).unwrap(), "chiều 27/8,").is_some());
    }
}

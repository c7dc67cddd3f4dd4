//! Vietnamese outlets' page layouts, end to end through the binary (`clean PAGE --json`).
//!
//! Each `tests/fixtures/html/vn-<outlet>.html` is written in one outlet's markup (its
//! menu, breadcrumb, share bar, tags, related / most-read boxes, comments and footer;
//! its JSON-LD / OpenGraph / meta as that outlet writes them, an Organization or the
//! outlet's own domain as the JSON-LD "author" included; its sapo, intertitles,
//! caption markup, byline and dateline styles), with original text. `vn-<outlet>.json`
//! holds what a reader of the page would call the article: title, the published local
//! date, the byline, the body paragraphs (sapo first, lead prefixes such as "(NLĐO) -"
//! left out) and the captions. The scores are those the held-out pages are judged by:
//! body word-F1 >= 0.99, no caption text in the body, every caption found, and title,
//! date and byline exact.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn pages() -> Vec<PathBuf> {
    let dir = fixtures().join("html");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vn-") && n.ends_with(".html"))
        })
        .collect();
    v.sort();
    v
}

fn clean_json(path: &Path) -> Value {
    let out = bin().arg("clean").arg("--json").arg(path).output().unwrap();
    assert!(
        out.status.success(),
        "clean {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().map_or(Vec::new(), |a| a.iter().filter_map(|s| s.as_str()).map(str::to_string).collect())
}

/// Lower-case words joined by one space: "caption in the body" ignores case and punctuation.
fn norm(s: &str) -> String {
    words(s).join(" ")
}

#[test]
fn at_least_ten_outlets() {
    let outlets: std::collections::BTreeSet<String> = pages()
        .iter()
        .map(|p| {
            let e: Value =
                serde_json::from_str(&std::fs::read_to_string(p.with_extension("json")).unwrap()).unwrap();
            e["outlet"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(outlets.len() >= 10, "{outlets:?}");
}

#[test]
fn vietnamese_outlets_body_captions_title_date_byline() {
    let pages = pages();
    assert!(!pages.is_empty());
    let mut failures: Vec<String> = Vec::new();
    let mut right: HashMap<&str, usize> = HashMap::new();
    for p in &pages {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(p.with_extension("json")).unwrap()).unwrap();
        let doc = clean_json(p);
        let body = strs(&doc["body"]);
        let mut fail = |field: &str, msg: String| failures.push(format!("{name}: {field}: {msg}"));

        let score = f1(&body.join("\n"), &strs(&want["body"]).join("\n"));
        if score >= 0.99 {
            *right.entry("body F1 >= 0.99").or_default() += 1;
        } else {
            fail("body", format!("F1 {score:.3}: {body:?}"));
        }
        let all = norm(&body.join("\n"));
        let wanted_caps = strs(&want["captions"]);
        let leaked: Vec<&String> = wanted_caps.iter().filter(|c| all.contains(&norm(c))).collect();
        if leaked.is_empty() {
            *right.entry("no caption in body").or_default() += 1;
        } else {
            fail("caption in body", format!("{leaked:?}"));
        }
        let got_caps = strs(&doc["captions"]);
        let missing: Vec<&String> = wanted_caps.iter().filter(|c| !got_caps.contains(c)).collect();
        if missing.is_empty() {
            *right.entry("captions found").or_default() += 1;
        } else {
            fail("captions", format!("missing {missing:?}, got {got_caps:?}"));
        }
        for field in ["title", "published", "author"] {
            if doc[field] == want[field] {
                *right.entry(field).or_default() += 1;
            } else {
                fail(field, format!("got {}, want {}", doc[field], want[field]));
            }
        }
    }
    let mut fields: Vec<_> = right.iter().map(|(k, v)| format!("{k} {v}/{}", pages.len())).collect();
    fields.sort();
    eprintln!("{} pages: {}", pages.len(), fields.join(", "));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

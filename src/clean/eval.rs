//! Token-level precision / recall / F1 of a cleaned body against a reference, as the
//! issue defines it: multisets of lower-cased word tokens (runs of letters/digits).
//! Shared by the gold tests, the vn-mds tests and `examples/clean_eval.rs`.

use std::collections::HashMap;

/// Lower-cased word tokens of `text`.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).collect())
        .collect()
}

/// Precision, recall and F1 of `got` against `want` (token multisets).
pub fn prf(got: &[String], want: &[String]) -> (f64, f64, f64) {
    let g = tokens(&got.join("\n"));
    let w = tokens(&want.join("\n"));
    if g.is_empty() && w.is_empty() {
        return (1.0, 1.0, 1.0);
    }
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for t in &w {
        *counts.entry(t.as_str()).or_default() += 1;
    }
    let mut overlap = 0usize;
    for t in &g {
        if let Some(c) = counts.get_mut(t.as_str()) {
            if *c > 0 {
                *c -= 1;
                overlap += 1;
            }
        }
    }
    let p = if g.is_empty() { 0.0 } else { overlap as f64 / g.len() as f64 };
    let r = if w.is_empty() { 0.0 } else { overlap as f64 / w.len() as f64 };
    let f = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
    (p, r, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_on_multisets() {
        let a = vec!["Hội đàm, hội đàm.".to_string()];
        assert_eq!(prf(&a, &a), (1.0, 1.0, 1.0));
        let b = vec!["hội đàm".to_string()];
        let (p, r, _) = prf(&b, &a);
        assert_eq!((p, r), (1.0, 0.5));
    }
}

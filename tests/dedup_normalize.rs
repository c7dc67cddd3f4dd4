//! Properties of the fingerprint normalisation.

use news_ingest::dedup::normalize::fingerprint_text;
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// Vietnamese-ish text: syllables from letters with and without marks, digits and
/// punctuation, in either case.
fn viet_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("hòa"),
            Just("hoà"),
            Just("Thủy"),
            Just("thuỷ"),
            Just("úy"),
            Just("uý"),
            Just("quý"),
            Just("qúy"),
            Just("hoàn"),
            Just("giữa"),
            Just("Ðà"),
            Just("Đà"),
            Just("khỏe"),
            Just("KHOẺ"),
            Just("2024"),
            Just("6/45"),
            Just("5.000"),
            Just(", "),
            Just("“"),
            Just("…"),
            Just("người"),
            Just("Nguyễn"),
            Just("x"),
        ],
        0..40,
    )
    .prop_map(|v| v.join(" "))
}

proptest! {
    #[test]
    fn idempotent(s in viet_text()) {
        let once = fingerprint_text(&s);
        prop_assert_eq!(fingerprint_text(&once), once);
    }

    #[test]
    fn unicode_form_and_case_do_not_matter(s in viet_text()) {
        let nfd: String = s.nfd().collect();
        prop_assert_eq!(fingerprint_text(&nfd), fingerprint_text(&s));
        prop_assert_eq!(fingerprint_text(&s.to_uppercase()), fingerprint_text(&s.to_lowercase()));
    }

    #[test]
    fn arbitrary_input_never_panics(s in ".*") {
        let out = fingerprint_text(&s);
        prop_assert!(!out.starts_with(' ') && !out.ends_with(' ') && !out.contains("  "));
    }
}

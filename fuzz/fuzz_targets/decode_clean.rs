//! Any bytes through decode → clean → fingerprint: must not panic; accepted text has
//! no control characters left; cleaning is idempotent on its own output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use news_ingest::clean::Cleaner;
use news_ingest::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = news_ingest::decode::decode(data) else { return };
    assert!(!text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
    let cleaner = Cleaner::from_config(&Config::embedded().clean).expect("embedded rules");
    let body = cleaner.clean(&text).body;
    let _ = news_ingest::dedup::content_sha256(&body);
    assert_eq!(cleaner.clean(&body.join("\n\n")).body, body);
});

//! Near-duplicate detection on small fixture texts (no shared corpus needed).

use std::path::Path;

use news_ingest::config::Config;
use news_ingest::dedup::{content_sha256, Fingerprint, NearDupIndex, Shingled};
use unicode_normalization::UnicodeNormalization;

fn seed(prefix: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let path = std::fs::read_dir(&dir)
        .expect("seeds fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)))
        .expect("seed file");
    let text = std::fs::read_to_string(path).expect("seed text");
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// Old ↔ new tone placement on the common words of the fixtures.
fn swap_tones(s: &str) -> String {
    s.replace("hòa", "hoà")
        .replace("Hòa", "Hoà")
        .replace("ủy", "uỷ")
        .replace("Ủy", "Uỷ")
        .replace("thủy", "thuỷ")
}

fn syndicated_copy(body: &[String]) -> Vec<String> {
    let words: usize = body.iter().map(|p| p.split_whitespace().count()).sum();
    let mut keep = words * 3 / 4;
    let mut out = vec!["Tin liên quan".to_string(), "Chia sẻ".to_string()];
    for p in body {
        let w: Vec<&str> = p.split_whitespace().collect();
        let take = w.len().min(keep);
        keep -= take;
        if take > 0 {
            out.push(swap_tones(&w[..take].join(" ")).nfd().collect());
        }
    }
    out.push("Tag: Bộ Công an, Cuba".to_string());
    out
}

fn sets(list: Vec<(i64, &Fingerprint)>) -> impl FnMut(i64) -> Option<Shingled> + '_ {
    move |id| list.iter().find(|(i, _)| *i == id).map(|(_, f)| Shingled::from(*f))
}

fn no_members(_: i64) -> Vec<Shingled> {
    Vec::new()
}

#[test]
fn syndicated_copy_of_seed_000_is_a_near_duplicate() {
    let cfg = Config::embedded().dedup;
    let mut idx = NearDupIndex::new(&cfg);
    let original = seed("000");
    let fp = idx.fingerprint(&original);
    idx.insert(7, &fp).unwrap();
    let copy = idx.fingerprint(&syndicated_copy(&original));
    assert_ne!(copy.content_sha256, fp.content_sha256);
    let m = idx.best_match(&copy, sets(vec![(7, &fp)]), no_members).expect("matched");
    let (id, sim) = (m.id, m.evidence);
    assert_eq!(id, 7);
    assert!(sim.containment >= 0.9, "{sim:?}");
}

#[test]
fn nfd_and_tone_placement_give_the_same_content_hash() {
    let original = seed("000");
    let variant: Vec<String> = original.iter().map(|p| swap_tones(p).nfd().collect()).collect();
    assert_eq!(content_sha256(&original), content_sha256(&variant));
}

#[test]
fn seeds_000_and_001_stay_apart() {
    let cfg = Config::embedded().dedup;
    let mut idx = NearDupIndex::new(&cfg);
    let a = idx.fingerprint(&seed("000"));
    let b = idx.fingerprint(&seed("001"));
    idx.insert(1, &a).unwrap();
    assert!(idx.best_match(&b, sets(vec![(1, &a)]), no_members).is_none());
    let (sim, dup) = idx.judge(&Shingled::from(&a), &Shingled::from(&b));
    assert!(!dup && sim.jaccard < 0.2, "{sim:?}");
}

const STOCK: &str = "đấu tranh phòng, chống tội phạm có tổ chức, tội phạm xuyên quốc gia, tội phạm sử dụng công nghệ cao, khủng bố, mua bán người, ma tuý, rửa tiền";

#[test]
fn a_shared_stock_phrase_list_does_not_merge() {
    let cfg = Config::embedded().dedup;
    let idx = NearDupIndex::new(&cfg);
    let a = vec![format!(
        "Hai bên nhất trí tăng cường hợp tác trong {STOCK}. Bộ trưởng Công an tiếp Đại sứ Nhật Bản tại Hà Nội, trao đổi về đào tạo cán bộ và trao đổi thông tin."
    )];
    let b = vec![format!(
        "Hội nghị tại Đà Nẵng bàn về {STOCK}. Đoàn công tác của tỉnh Quảng Nam đã làm việc với lực lượng biên phòng về tình hình an ninh vùng biển năm 2024."
    )];
    let ex = idx.explain(&a, &b);
    assert!(!ex.near_duplicate, "{ex:?}");
    assert!(ex.longest_shared_passage.contains("tội phạm xuyên quốc gia"));
}

#[test]
fn template_stories_with_other_numbers_stay_apart() {
    let cfg = Config::embedded().dedup;
    let idx = NearDupIndex::new(&cfg);
    let draw = |date: &str, nums: &str, jackpot: &str| {
        vec![format!(
            "Kết quả xổ số Vietlott loại hình Mega 6/45 hôm nay chưa tìm được người trúng giải, giá trị giải jackpot tăng lên hơn {jackpot} tỷ đồng. \
             Kết quả quay số mở thưởng của công ty Xổ số điện toán Việt Nam hôm nay {date} cho thấy, bộ số may mắn là {nums}. \
             Căn cứ kết quả, Vietlott chưa xác định được người trúng giải jackpot trị giá hơn {jackpot} tỷ đồng. \
             Cũng tại kỳ quay số ngày {date}, Vietlott xác định có 21 người trúng giải nhất, mỗi người nhận 10 triệu đồng, \
             cùng hàng nghìn người trúng giải nhì và giải ba. Giải jackpot sẽ được cộng dồn sang kỳ quay số tiếp theo vào tối thứ Tư."
        )]
    };
    let a = draw("8/6/2018", "04 - 13 - 32 - 35 - 40 - 42", "23");
    let b = draw("6/6/2018", "06 - 20 - 22 - 26 - 43 - 44", "21");
    let ex = idx.explain(&a, &b);
    assert!(ex.similarity.containment > 0.5, "templates share most wording: {ex:?}");
    assert!(!ex.near_duplicate, "{ex:?}");
    // The same draw reported twice is a duplicate.
    assert!(idx.explain(&a, &draw("8/6/2018", "04 - 13 - 32 - 35 - 40 - 42", "23")).near_duplicate);
}

#[test]
fn copies_compare_with_canonical_articles_only() {
    // A, then B = A with its second half replaced, then C = B with its first half
    // replaced: B is a copy of A and is not indexed, so C (nothing in common with A)
    // cannot be chained onto A.
    let cfg = Config::embedded().dedup;
    let mut idx = NearDupIndex::new(&cfg);
    let words = |tag: &str, n: usize| (0..n).map(|i| format!("{tag}{i}")).collect::<Vec<_>>().join(" ");
    let a = vec![format!("{} {}", words("a", 150), words("b", 50))];
    let b = vec![format!("{} {}", words("a", 150), words("c", 50))];
    let c = vec![format!("{} {}", words("d", 150), words("c", 50))];
    let fa = idx.fingerprint(&a);
    idx.insert(1, &fa).unwrap();
    let fb = idx.fingerprint(&b);
    assert!(idx.best_match(&fb, sets(vec![(1, &fa)]), no_members).is_some());
    let fc = idx.fingerprint(&c);
    assert!(idx.best_match(&fc, sets(vec![(1, &fa)]), no_members).is_none());
}

#[test]
fn index_rebuilds_from_persisted_form() {
    let cfg = Config::embedded().dedup;
    let mut idx = NearDupIndex::new(&cfg);
    let a = idx.fingerprint(&seed("000"));
    let b = idx.fingerprint(&seed("001"));
    let stored = [(1i64, idx.persisted_form(&a)), (2, idx.persisted_form(&b))];
    assert_eq!(stored[0].1.len(), 3 + 4 * (cfg.bands + cfg.lead_bands));
    idx.load_persisted(stored.iter().map(|(i, s)| (*i, s.as_slice()))).unwrap();
    let copy = idx.fingerprint(&syndicated_copy(&seed("000")));
    assert_eq!(idx.candidates(&copy).first(), Some(&1));
    assert!(idx.insert_persisted(3, b"garbage").is_err());
}

//! Adversarial inputs for the cleaner and decoder: each rule's trigger repeated,
//! millions of tiny lines, one huge line. Shared by `tests/clean_linear.rs` (peak
//! memory, counted) and `examples/clean_cost.rs` (instruction counts under
//! callgrind, `benches/linear.sh`).

/// A named generator of adversarial input of about `n` bytes.
pub type Gen = (&'static str, fn(usize) -> Vec<u8>);

fn rep(unit: &str, n: usize, tail: &str) -> Vec<u8> {
    let mut s = unit.repeat(n / unit.len().max(1));
    s.push_str(tail);
    s.into_bytes()
}

/// Every generator, by name.
pub fn generators() -> Vec<Gen> {
    vec![
        ("lead prefixes", |n| rep("(PLO)- ", n, "Nội dung bài báo hôm nay.\n")),
        ("site lead prefixes", |n| rep("VTV.vn - ", n, "Nội dung bài báo.\n")),
        ("tiny lines", |n| rep("a b\n", n, "")),
        ("empty lines", |n| rep("\n\n\n.\n", n, "Nội dung.\n")),
        ("one huge line", |n| rep("Từ ngữ ", n, "\n")),
        ("captions", |n| rep("Ảnh: Phạm Kiên - TTXVN ", n, "\n")),
        ("caption lines", |n| rep("Ảnh minh họa. (Ảnh: TTXVN)\n", n, "")),
        ("end marks", |n| rep("Câu văn. /. ", n, "\n")),
        ("end mark lines", |n| rep("Câu văn kết thúc./.\n", n, "")),
        ("list markers", |n| rep("- mục một\n", n, "")),
        ("inline markers", |n| rep(">> Tin mới ", n, "\n")),
        ("glued sentences", |n| rep("câu.Câu ", n, "\n")),
        ("glued, no spaces", |n| rep("câu.Câu", n, "\n")),
        ("date lines", |n| rep("Thứ Hai, 22/05/2017 - 10:15\n", n, "Nội dung.\n")),
        ("headings", |n| rep("TIN LIÊN QUAN\nTiêu đề một dòng\n", n, "Nội dung.\n")),
        ("inline headings", |n| rep("TIN LIÊN QUAN Tiêu đề ", n, "\n")),
        ("furniture lines", |n| rep("Chia sẻ\n", n, "Nội dung.\n")),
        ("inline furniture", |n| rep("[quảng cáo] ", n, "Nội dung.\n")),
        ("sentence starters", |n| rep("việc này Trước đó ông ", n, "\n")),
        ("repeated sentences", |n| rep("Một hai ba bốn năm. ", n, "\n")),
        ("repeated lines", |n| rep("Một hai ba bốn năm sáu bảy.\n", n, "")),
        ("seam before repeats", |n| {
            let mut s = String::from("Một hai ba bốn năm. ");
            s.push_str(&"Từ ".repeat(n / 4));
            s.push_str("cuối. Một hai ba bốn năm. Một hai ba bốn năm.\n");
            s.into_bytes()
        }),
        ("combining marks", |n| rep("a\u{301}\u{301}\u{301} ", n, "\n")),
        ("CRLF and NBSP", |n| rep("Từ\u{a0}ngữ\r\n", n, "")),
    ]
}

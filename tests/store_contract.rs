//! The store contract (`store::WriteStore`, `store::ReadStore`), written once and run
//! against every backend by `store_contract_suite!` (Quickwit's metastore test suite
//! is the model). Each test gets a fresh, empty database from the backend's
//! `fresh()`, writes through the writing side and checks through the reading side,
//! as the pipeline and the commands do.

use news_ingest::config::Config;
use news_ingest::dedup::NearDupIndex;
use news_ingest::store::{
    self, DateRange, Fate, FileKey, KeyLocks, NearEvidence, NewText, ParsedQuery, ReadStore, Status, Target,
    WriteStore,
};
use news_ingest::Document;

mod common;

/// A database for one test, removed when dropped.
pub struct Fresh {
    pub target: Target,
    _guard: Box<dyn std::any::Any>,
}

fn key(path: &str, size: u64) -> FileKey {
    FileKey {
        path: path.to_string(),
        path_bytes: path.as_bytes().to_vec(),
        size,
        mtime_ns: 1_700_000_000_000_000_000,
        access: 0,
    }
}

fn doc(title: &str, paragraphs: &[&str]) -> Document {
    Document {
        title: Some(title.to_string()),
        published: Some("2025-10-22".to_string()),
        author: Some("Lê Phương".to_string()),
        captions: vec!["Toàn cảnh buổi hội đàm. Ảnh: TTXVN".to_string()],
        body: paragraphs.iter().map(|p| p.to_string()).collect(),
        url: Some("https://example.vn/a.html".to_string()),
        site_name: Some("Example".to_string()),
        lang: Some("vi".to_string()),
    }
}

const P1: &str = "Chiều 22/10, tại Hà Nội, Bộ trưởng đã có cuộc hội đàm với đoàn công tác của tỉnh về phát triển kinh tế xã hội.";
const P2: &str = "Hai bên thống nhất đẩy mạnh hợp tác trong lĩnh vực giao thông, nông nghiệp và chuyển đổi số trong giai đoạn tới.";
const P3: &str = "Dịp này, lãnh đạo tỉnh mời đoàn tham dự lễ khởi công dự án đường cao tốc vào tháng sau.";

struct Texts {
    near: NearDupIndex,
}

impl Texts {
    fn new() -> Texts {
        Texts { near: NearDupIndex::new(&Config::embedded().dedup) }
    }

    /// Records `d` as a new article from `path`.
    fn store(&self, w: &mut dyn WriteStore, path: &str, d: &Document) -> store::Recorded {
        let fp = self.near.fingerprint(&d.body);
        let persisted = self.near.persisted_form(&fp);
        let sig = self.near.signature_bytes(&fp);
        let keys = self.near.band_keys(&fp);
        let text = NewText {
            keys: &keys,
            doc: d,
            content_sha256: &fp.content_sha256,
            fingerprint: &persisted,
            shingles: fp.shingles.len(),
            signature: &sig,
        };
        let sha = format!("{:064x}", path.len() * 7919 + path.bytes().map(u64::from).sum::<u64>() as usize);
        w.record(&key(path, 100), Some(&sha), Fate::Stored { text }).expect("record stored")
    }
}

impl Texts {
    /// Records `part` from `path` as a near copy (a member) of article `id`.
    fn member(&self, w: &mut dyn WriteStore, path: &str, id: i64, part: &[String]) -> store::Recorded {
        let fp = self.near.fingerprint(part);
        let evidence = NearEvidence { jaccard: 0.6, containment: 1.0, shared_shingles: 30 };
        let fate = Fate::Member {
            article_id: id,
            evidence,
            body: part,
            fingerprint: &self.near.persisted_form(&fp),
            keys: &self.near.band_keys(&fp),
        };
        let sha = format!("{:064x}", path.len() * 104729 + path.bytes().map(u64::from).sum::<u64>() as usize);
        w.record(&key(path, 90), Some(&sha), fate).expect("record member")
    }
}

fn writer(f: &Fresh) -> Box<dyn WriteStore> {
    store::open_writer(&f.target, &Config::embedded().database).expect("open writer")
}

fn reader(f: &Fresh) -> Box<dyn ReadStore> {
    store::open_reader(&f.target, &Config::embedded().database).expect("open reader")
}

/// The entries of keys that were locked (a lone writer never has to commit first).
fn held(locks: KeyLocks) -> Vec<(i64, Vec<u8>)> {
    match locks {
        KeyLocks::Held(entries) => entries,
        KeyLocks::CommitFirst => panic!("a lone writer was asked to commit first"),
    }
}

pub fn stored_article_reads_back(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let d = doc("Hội đàm", &[P1, P2]);
    let r = t.store(w.as_mut(), "/in/a.txt", &d);
    assert_eq!(r.status, Status::Stored);
    let id = r.article_id.expect("an article id");
    w.commit().unwrap();
    let rd = reader(&f);
    let a = rd.article(id).unwrap().expect("article");
    assert_eq!(a.title.as_deref(), Some("Hội đàm"));
    assert_eq!(a.body, vec![P1.to_string(), P2.to_string()]);
    assert_eq!(a.captions, d.captions);
    assert_eq!(a.author.as_deref(), Some("Lê Phương"));
    assert_eq!(a.published.as_deref(), Some("2025-10-22"));
    assert_eq!(
        (a.url.as_deref(), a.site_name.as_deref(), a.lang.as_deref()),
        (d.url.as_deref(), Some("Example"), Some("vi"))
    );
    assert_eq!(rd.article_paragraphs(id).unwrap(), Some(d.body.clone()));
    assert_eq!(rd.article_paragraphs(id + 1000).unwrap(), None);
    let sources = rd.sources_of(id).unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!((sources[0].path.as_str(), sources[0].status), ("/in/a.txt", Status::Stored));
    let c = rd.counts().unwrap();
    assert_eq!((c.files, c.articles, c.rejected), (1, 1, 0));
}

pub fn rollback_discards_the_batch(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    t.store(w.as_mut(), "/in/a.txt", &doc("A", &[P1]));
    w.rollback();
    w.begin().unwrap();
    w.record(&key("/in/b.txt", 5), Some(&"b".repeat(64)), Fate::Rejected { reason: "binary file" }).unwrap();
    w.commit().unwrap();
    let c = reader(&f).counts().unwrap();
    assert_eq!((c.files, c.articles, c.rejected), (1, 0, 1));
}

pub fn catalog_sees_the_open_batch(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let d = doc("A", &[P1, P2]);
    let r = t.store(w.as_mut(), "/in/a.txt", &d);
    let id = r.article_id.unwrap();
    let fp = t.near.fingerprint(&d.body);
    let cat = w.as_catalog();
    assert_eq!(cat.article_by_content(&fp.content_sha256).unwrap(), Some(id));
    assert_eq!(cat.article_paragraphs(id).unwrap(), Some(d.body.clone()));
    let (n, sig) = cat.signature(id).unwrap().expect("signature");
    assert_eq!((n, sig), (fp.shingles.len(), t.near.signature_bytes(&fp)));
    assert_eq!(cat.article_with_text_from(b"/in/a.txt").unwrap(), Some(id));
    assert_eq!(cat.article_with_text_from(b"/in/other.txt").unwrap(), None);
    let sha = format!(
        "{:064x}",
        "/in/a.txt".len() * 7919 + "/in/a.txt".bytes().map(u64::from).sum::<u64>() as usize
    );
    assert_eq!(cat.fate_of_bytes(&sha).unwrap(), Some((Some(id), None)));
    assert!(w.seen_same_bytes(&key("/in/a.txt", 100), &sha).unwrap());
    assert!(!w.seen_same_bytes(&key("/in/b.txt", 100), &sha).unwrap());
    w.commit().unwrap();
}

pub fn duplicates_members_and_clusters(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let d = doc("A", &[P1, P2, P3]);
    let id = t.store(w.as_mut(), "/in/a.txt", &d).article_id.unwrap();
    let dup = w
        .record(&key("/in/copy.txt", 100), Some(&"c".repeat(64)), Fate::Duplicate { article_id: Some(id) })
        .unwrap();
    assert_eq!((dup.status, dup.article_id), (Status::Duplicate, Some(id)));
    let part = vec![P1.to_string(), P2.to_string()];
    let fp = t.near.fingerprint(&part);
    let persisted = t.near.persisted_form(&fp);
    let evidence = NearEvidence { jaccard: 0.6, containment: 1.0, shared_shingles: 30 };
    let m = w
        .record(
            &key("/in/near.txt", 90),
            Some(&"d".repeat(64)),
            Fate::Member {
                article_id: id,
                evidence,
                body: &part,
                fingerprint: &persisted,
                keys: &t.near.band_keys(&fp),
            },
        )
        .unwrap();
    assert_eq!((m.status, m.article_id), (Status::NearDuplicate, Some(id)));
    assert_eq!(w.as_catalog().member_paragraphs(id, 10).unwrap(), vec![part.clone()]);
    let mut entries = Vec::new();
    w.for_each_index_entry(&mut |aid, data| entries.push((aid, data.to_vec()))).unwrap();
    assert_eq!(entries.len(), 2, "the article's entry and its member's");
    assert!(entries.iter().all(|(aid, _)| *aid == id));
    assert!(entries.iter().any(|(_, d)| *d == persisted));
    w.commit().unwrap();

    let rd = reader(&f);
    let c = rd.counts().unwrap();
    assert_eq!((c.files, c.articles, c.exact_duplicates, c.near_duplicates), (3, 1, 1, 1));
    let sources = rd.sources_of(id).unwrap();
    let near = sources.iter().find(|s| s.status == Status::NearDuplicate).expect("near row");
    assert_eq!((near.jaccard, near.containment, near.shared_shingles), (Some(0.6), Some(1.0), Some(30)));
    assert_eq!(near.similarity, Some(1.0));
    let mut clusters = Vec::new();
    rd.for_each_cluster(2, &mut |head, files| {
        clusters.push((head.id, head.size, files.len()));
        Ok(())
    })
    .unwrap();
    assert_eq!(clusters, vec![(id, 3, 3)]);
    let mut exported = Vec::new();
    rd.for_each_article(&DateRange::default(), &mut |a, files| {
        exported.push((a.id, files.len()));
        Ok(())
    })
    .unwrap();
    assert_eq!(exported, vec![(id, 3)]);
}

pub fn fuller_text_replaces_and_keeps_history(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let short = doc("Ngắn", &[P1, P2]);
    let id = t.store(w.as_mut(), "/in/short.txt", &short).article_id.unwrap();
    let full = doc("Đầy đủ", &[P1, P2, P3]);
    let fp = t.near.fingerprint(&full.body);
    let persisted = t.near.persisted_form(&fp);
    let sig = t.near.signature_bytes(&fp);
    let keys = t.near.band_keys(&fp);
    let text = NewText {
        keys: &keys,
        doc: &full,
        content_sha256: &fp.content_sha256,
        fingerprint: &persisted,
        shingles: fp.shingles.len(),
        signature: &sig,
    };
    let evidence = NearEvidence { jaccard: 0.7, containment: 1.0, shared_shingles: 40 };
    let r = w
        .record(
            &key("/in/full.txt", 120),
            Some(&"f".repeat(64)),
            Fate::Replaced {
                article_id: id,
                status: Status::NearDuplicate,
                evidence,
                text,
                reason: "fullest",
            },
        )
        .unwrap();
    assert_eq!((r.status, r.article_id), (Status::NearDuplicate, Some(id)));
    // The catalog answers with the new text at once; the old one is a member.
    assert_eq!(w.as_catalog().article_by_content(&fp.content_sha256).unwrap(), Some(id));
    assert_eq!(w.as_catalog().member_paragraphs(id, 10).unwrap(), vec![short.body.clone()]);
    assert_eq!(w.as_catalog().signature(id).unwrap().map(|s| s.1), Some(sig.clone()));
    w.commit().unwrap();
    let rd = reader(&f);
    let a = rd.article(id).unwrap().unwrap();
    assert_eq!(a.body, full.body);
    assert_eq!(a.title.as_deref(), Some("Đầy đủ"));
    assert_eq!(a.text_source.as_deref(), Some("/in/full.txt"));
    let revs = rd.revisions(id).unwrap();
    assert_eq!(revs.len(), 1);
    assert_eq!((revs[0].body.clone(), revs[0].reason.as_str()), (short.body.clone(), "fullest"));
    assert_eq!(revs[0].replaced_by.as_deref(), Some("/in/full.txt"));
}

/// A text that replaced an article's text as the fuller copy and then turned out to
/// hold two stories gives the earlier text back: title, body, text source and
/// signature are the earlier text's again, the revision leaves the history, and the
/// glued text stays a member under its file. An article whose text replaced none
/// (its first-seen file's) has nothing to restore.
pub fn restoring_the_text_a_glued_page_replaced(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let first = doc("Câu chuyện một", &[P1, P2]);
    let id = t.store(w.as_mut(), "/in/one.txt", &first).article_id.unwrap();
    let other = t.store(w.as_mut(), "/in/other.txt", &doc("Khác", &[P3])).article_id.unwrap();
    let nothing = w.restore_previous_text(id, &mut |_| panic!("no revision to index")).unwrap();
    assert!(!nothing, "the first-seen text replaced nothing");
    let glued = doc("Câu chuyện một và hai", &[P1, P2, P3]);
    let fp = t.near.fingerprint(&glued.body);
    let (persisted, sig, keys) =
        (t.near.persisted_form(&fp), t.near.signature_bytes(&fp), t.near.band_keys(&fp));
    let text = NewText {
        keys: &keys,
        doc: &glued,
        content_sha256: &fp.content_sha256,
        fingerprint: &persisted,
        shingles: fp.shingles.len(),
        signature: &sig,
    };
    let evidence = NearEvidence { jaccard: 0.7, containment: 1.0, shared_shingles: 40 };
    let fate =
        Fate::Replaced { article_id: id, status: Status::NearDuplicate, evidence, text, reason: "fullest" };
    w.record(&key("/in/glued.txt", 130), Some(&"9".repeat(64)), fate).unwrap();
    w.commit().unwrap();
    w.begin().unwrap();
    let restored_fp = t.near.fingerprint(&first.body);
    let mut seen = Vec::new();
    let done = w
        .restore_previous_text(id, &mut |body| {
            seen = body.to_vec();
            let keys = t.near.band_keys(&restored_fp);
            store::IndexForm {
                fingerprint: t.near.persisted_form(&restored_fp),
                keys,
                shingles: restored_fp.shingles.len(),
                signature: t.near.signature_bytes(&restored_fp),
            }
        })
        .unwrap();
    assert!(done);
    assert_eq!(seen, first.body, "the earlier text is what gets indexed");
    // Inside the batch the catalog answers with the restored text at once.
    assert_eq!(w.as_catalog().article_by_content(&restored_fp.content_sha256).unwrap(), Some(id));
    assert_eq!(w.as_catalog().article_by_content(&fp.content_sha256).unwrap(), None);
    assert_eq!(
        w.as_catalog().signature(id).unwrap().map(|s| s.1),
        Some(t.near.signature_bytes(&restored_fp))
    );
    assert!(w.as_catalog().member_paragraphs(id, 10).unwrap().contains(&glued.body));
    w.commit().unwrap();
    let rd = reader(&f);
    let a = rd.article(id).unwrap().unwrap();
    assert_eq!((a.title.as_deref(), &a.body), (Some("Câu chuyện một"), &first.body));
    assert_eq!(a.text_source.as_deref(), Some("/in/one.txt"));
    assert!(rd.revisions(id).unwrap().is_empty(), "the restored text left the history");
    // The glued page is still one of the article's files; the other article is untouched.
    let files: Vec<String> = rd.sources_of(id).unwrap().into_iter().map(|s| s.path).collect();
    assert!(files.iter().any(|p| p == "/in/glued.txt"), "{files:?}");
    assert_eq!(rd.article(other).unwrap().unwrap().title.as_deref(), Some("Khác"));
    // Restored once: the text now replaced nothing.
    w.begin().unwrap();
    assert!(!w.restore_previous_text(id, &mut |_| panic!("nothing left to restore")).unwrap());
    w.commit().unwrap();
}

pub fn ledger_lookups_and_corrections(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let id = t.store(w.as_mut(), "/in/a.txt", &doc("A", &[P1, P2])).article_id.unwrap();
    w.record(&key("/in/bad.txt", 7), Some(&"e".repeat(64)), Fate::Rejected { reason: "binary file" })
        .unwrap();
    w.record(&key("/in/gone.txt", 8), None, Fate::Rejected { reason: "Permission denied (os error 13)" })
        .unwrap();
    w.commit().unwrap();
    {
        let rd = reader(&f);
        assert!(rd.seen_unchanged(&key("/in/a.txt", 100)).unwrap());
        assert!(!rd.seen_unchanged(&key("/in/a.txt", 101)).unwrap(), "another size is another version");
        assert_eq!(rd.status_unchanged(&key("/in/bad.txt", 7)).unwrap(), Some(Status::Rejected));
        assert_eq!(rd.status_unchanged(&key("/in/none.txt", 7)).unwrap(), None);
        let (shown, total) = rd.rejected_since(0, 1).unwrap();
        assert_eq!((shown.len(), total), (1, 2));
        assert!(rd.max_source_id().unwrap() >= 3);
        let mut all = Vec::new();
        rd.for_each_source(Some(Status::Rejected), &mut |s| {
            all.push(s.path.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(all, vec!["/in/bad.txt".to_string(), "/in/gone.txt".to_string()]);
        let reasons = rd.rejection_reasons().unwrap();
        assert_eq!(reasons.iter().map(|r| r.1).sum::<u64>(), 2);
    }
    w.begin().unwrap();
    assert_eq!(w.forget_path("/in/bad.txt").unwrap(), (1, 0));
    assert_eq!(w.forget_path("/in/a.txt").unwrap(), (0, 1), "a stored file's row holds its article");
    assert_eq!(w.forget_status(Status::Rejected).unwrap(), 1);
    assert_eq!(w.delete_article(id + 1000).unwrap(), None);
    assert_eq!(w.delete_article(id).unwrap(), Some(1));
    w.commit().unwrap();
    let c = reader(&f).counts().unwrap();
    assert_eq!((c.files, c.articles, c.rejected), (0, 0, 0));
    let mut entries = 0;
    w.for_each_index_entry(&mut |_, _| entries += 1).unwrap();
    assert_eq!(entries, 0, "deleting an article removes its index entries");
}

pub fn meta_and_search(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    assert_eq!(w.meta_get("contract_key").unwrap(), None);
    w.meta_set("contract_key", "1").unwrap();
    w.meta_set("contract_key", "2").unwrap();
    assert_eq!(w.meta_get("contract_key").unwrap().as_deref(), Some("2"));
    w.begin().unwrap();
    let a = t.store(w.as_mut(), "/in/a.txt", &doc("Hội đàm cấp cao", &[P1, P2])).article_id.unwrap();
    let b = t.store(w.as_mut(), "/in/b.txt", &doc("Khởi công cao tốc", &[P3])).article_id.unwrap();
    w.commit().unwrap();
    let rd = reader(&f);
    assert_eq!(rd.meta_get("contract_key").unwrap().as_deref(), Some("2"));
    let limits = Config::embedded().search;
    let hits = |q: &str| -> Vec<i64> {
        rd.search(&ParsedQuery::parse(q), &DateRange::default(), 10, &limits)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.id)
            .collect()
    };
    assert_eq!(hits("hoi dam"), vec![a], "folded query finds the accented text");
    assert_eq!(hits("hội đàm"), vec![a]);
    assert_eq!(hits("khởi công"), vec![b]);
    assert_eq!(hits("đàm"), vec![a]);
    assert!(hits("hỏi").is_empty(), "a typed tone mark matches only that word");
    assert!(hits("").is_empty());
    let both = hits("tỉnh");
    assert_eq!(both.len(), 2);
    let n = w.reindex(&mut |_| {}).unwrap();
    assert_eq!(n, 2);
    assert_eq!(hits("hoi dam"), vec![a], "search works after a reindex");
    let stats = rd.store_stats(7).unwrap();
    assert_eq!(stats.indexed_articles, 2);
}

/// Re-banding (`pipeline::writer::check_dedup_params`) rewrites every index entry:
/// the article's text and its members get their new forms and band keys, and a
/// writer opened afterwards loads only those (a shared store's band table too: a
/// key lock on the new keys finds the article, none on the old ones).
pub fn rebanding_rewrites_every_index_entry(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let id = t.store(w.as_mut(), "/in/a.txt", &doc("A", &[P1, P2, P3])).article_id.unwrap();
    t.member(w.as_mut(), "/in/near.txt", id, &[P1.to_string(), P2.to_string()]);
    w.commit().unwrap();
    drop(w);

    // Other banding: other keys, other forms.
    let mut cfg = Config::embedded().dedup;
    (cfg.bands, cfg.rows, cfg.lead_bands) = (32, 4, 0);
    let other = NearDupIndex::new(&cfg);
    let old_keys = t.near.band_keys(&t.near.fingerprint(&doc("A", &[P1, P2, P3]).body));
    let mut w = writer(&f);
    w.begin().unwrap();
    let mut new_forms = Vec::new();
    let mut new_keys = Vec::new();
    for (aid, _) in w.fingerprinted_after(0, 100).unwrap() {
        let body = w.as_catalog().article_paragraphs(aid).unwrap().expect("body");
        let fp = other.fingerprint(&body);
        let keys = other.band_keys(&fp);
        w.set_fingerprint(aid, &other.persisted_form(&fp), &keys).unwrap();
        new_forms.push(other.persisted_form(&fp));
        new_keys = keys;
    }
    for (mid, body) in w.members_after(0, 100).unwrap() {
        let fp = other.fingerprint(&body);
        w.set_member_fingerprint(mid, &other.persisted_form(&fp), &other.band_keys(&fp)).unwrap();
        new_forms.push(other.persisted_form(&fp));
    }
    w.commit().unwrap();
    drop(w);
    assert_eq!(new_forms.len(), 2, "the article's text and its member");

    let mut w = writer(&f);
    let mut entries = Vec::new();
    w.for_each_index_entry(&mut |aid, data| entries.push((aid, data.to_vec()))).unwrap();
    entries.sort();
    let mut want: Vec<(i64, Vec<u8>)> = new_forms.into_iter().map(|d| (id, d)).collect();
    want.sort();
    assert_eq!(entries, want, "only the new forms are loaded");
    w.begin().unwrap();
    let stale = held(w.lock_keys(&old_keys).unwrap());
    assert!(
        stale.is_empty(),
        "entries still under the old keys: {:?}",
        stale.iter().map(|e| e.0).collect::<Vec<_>>()
    );
    drop(w);
    // A shared store answers a lock on the new keys with the article; the embedded
    // one keeps no band table and answers nothing (its writer loaded everything).
    let mut w = writer(&f);
    w.begin().unwrap();
    let found = held(w.lock_keys(&new_keys).unwrap());
    assert!(found.iter().all(|(aid, _)| *aid == id));
    if matches!(f.target, Target::Postgres(_)) {
        assert!(!found.is_empty(), "the new keys find the article in the shared band table");
    }
}

/// `merge_articles`: the younger article's files, members and text move to the
/// older one, its first file becomes a near duplicate, it is gone, the counts still
/// add up, and every text stays indexed under the surviving article.
pub fn merging_articles_moves_everything(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let a = t.store(w.as_mut(), "/in/a.txt", &doc("A", &[P1, P2])).article_id.unwrap();
    let b = t.store(w.as_mut(), "/in/b.txt", &doc("B", &[P2, P3])).article_id.unwrap();
    t.member(w.as_mut(), "/in/b-part.txt", b, &[P3.to_string()]);
    let ev = NearEvidence { jaccard: 0.33, containment: 0.5, shared_shingles: 12 };
    assert!(w.merge_articles(a, b, ev).unwrap());
    assert!(!w.merge_articles(a, b, ev).unwrap(), "b is gone: nothing to merge");
    assert!(!w.merge_articles(a, a, ev).unwrap());
    let members = w.as_catalog().member_paragraphs(a, 10).unwrap();
    assert_eq!(members.len(), 2, "b's member and b's own text: {members:?}");
    assert!(members.contains(&vec![P2.to_string(), P3.to_string()]));
    assert_eq!(w.as_catalog().article_paragraphs(b).unwrap(), None);
    let mut entries = Vec::new();
    w.for_each_index_entry(&mut |aid, _| entries.push(aid)).unwrap();
    assert_eq!(entries, vec![a; 3], "a's text, b's text and b's member, all under a");
    w.commit().unwrap();
    drop(w);

    let rd = reader(&f);
    assert!(rd.article(b).unwrap().is_none());
    let c = rd.counts().unwrap();
    assert_eq!((c.files, c.articles, c.near_duplicates), (3, 1, 2));
    let sources = rd.sources_of(a).unwrap();
    assert_eq!(sources.len(), 3);
    let was_b = sources.iter().find(|s| s.path == "/in/b.txt").expect("b's file");
    assert_eq!(
        (was_b.status, was_b.jaccard, was_b.containment),
        (Status::NearDuplicate, Some(0.33), Some(0.5))
    );
    // A writer opened later loads every text under the surviving article.
    let w = writer(&f);
    let mut entries = Vec::new();
    w.for_each_index_entry(&mut |aid, _| entries.push(aid)).unwrap();
    assert_eq!(entries, vec![a; 3]);
}

/// A glued text that came first has no earlier text to give back: its member holding
/// the article's own story becomes the text (body, content hash, signature, text
/// source), title and captions stay, and the glued text becomes a member, still
/// indexed. A body that is no member, or one another article has, changes nothing.
pub fn taking_a_members_text(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let glued = doc("A", &[P1, P2, P3]);
    let id = t.store(w.as_mut(), "/in/glued.txt", &glued).article_id.unwrap();
    let own = vec![P1.to_string(), P2.to_string()];
    t.member(w.as_mut(), "/in/own.txt", id, &own);
    let other = t.store(w.as_mut(), "/in/other.txt", &doc("B", &[P3])).article_id.unwrap();
    let form = |body: &[String]| {
        let fp = t.near.fingerprint(body);
        let keys = t.near.band_keys(&fp);
        let form = store::IndexForm {
            fingerprint: t.near.persisted_from_keys(&keys),
            keys,
            shingles: fp.shingles.len(),
            signature: t.near.signature_bytes(&fp),
        };
        (fp.content_sha256, form)
    };
    let p3 = vec![P3.to_string()];
    let (sha3, form3) = form(&p3);
    assert!(!w.take_member_text(id, &p3, &sha3, &form3).unwrap(), "not a member of the article");
    let (sha, own_form) = form(&own);
    assert!(w.take_member_text(id, &own, &sha, &own_form).unwrap());
    assert_eq!(w.as_catalog().article_by_content(&sha).unwrap(), Some(id));
    assert_eq!(w.as_catalog().article_paragraphs(id).unwrap(), Some(own.clone()));
    assert_eq!(w.as_catalog().signature(id).unwrap().map(|s| s.1), Some(own_form.signature.clone()));
    assert_eq!(w.as_catalog().member_paragraphs(id, 10).unwrap(), vec![glued.body.clone()]);
    assert!(!w.take_member_text(id, &own, &sha, &own_form).unwrap(), "no longer a member");
    let mut entries = Vec::new();
    w.for_each_index_entry(&mut |aid, _| entries.push(aid)).unwrap();
    entries.sort();
    assert_eq!(entries, vec![id, id, other], "both texts of the article stay indexed");
    w.commit().unwrap();
    let rd = reader(&f);
    let a = rd.article(id).unwrap().unwrap();
    assert_eq!((a.title.as_deref(), a.body.clone()), (Some("A"), own));
    assert_eq!(a.text_source.as_deref(), Some("/in/own.txt"));
    assert_eq!(rd.sources_of(id).unwrap().len(), 2, "both files stay the article's");
}

/// A file recorded onto an article that a merge removed (another writer merged it
/// away after this writer's decision) goes to the article it was merged into: a
/// member there, a duplicate of it, and a text that was to replace the merged one's
/// becomes a member, the survivor's text kept. Merges chain: a later merge of the
/// survivor takes the earlier ids along.
pub fn recording_onto_a_merged_article_follows_the_merge(f: Fresh) {
    let t = Texts::new();
    let mut w = writer(&f);
    w.begin().unwrap();
    let a = t.store(w.as_mut(), "/in/a.txt", &doc("A", &[P1, P2])).article_id.unwrap();
    let b = t.store(w.as_mut(), "/in/b.txt", &doc("B", &[P2, P3])).article_id.unwrap();
    let c = t.store(w.as_mut(), "/in/c.txt", &doc("C", &[P3, P1])).article_id.unwrap();
    let ev = NearEvidence { jaccard: 0.33, containment: 0.5, shared_shingles: 12 };
    assert!(w.merge_articles(a, b, ev).unwrap());
    w.commit().unwrap();

    w.begin().unwrap();
    let r = t.member(w.as_mut(), "/in/b-copy.txt", b, &[P3.to_string()]);
    assert_eq!((r.status, r.article_id), (Status::NearDuplicate, Some(a)));
    let r = w
        .record(&key("/in/b-dup.txt", 80), Some(&"d".repeat(64)), Fate::Duplicate { article_id: Some(b) })
        .unwrap();
    assert_eq!((r.status, r.article_id), (Status::Duplicate, Some(a)));
    let full = doc("B, fuller", &[P2, P3, P1]);
    let fp = t.near.fingerprint(&full.body);
    let (persisted, sig, keys) =
        (t.near.persisted_form(&fp), t.near.signature_bytes(&fp), t.near.band_keys(&fp));
    let text = NewText {
        keys: &keys,
        doc: &full,
        content_sha256: &fp.content_sha256,
        fingerprint: &persisted,
        shingles: fp.shingles.len(),
        signature: &sig,
    };
    let fate = Fate::Replaced {
        article_id: b,
        status: Status::NearDuplicate,
        evidence: ev,
        text,
        reason: "fullest",
    };
    let r = w.record(&key("/in/b-full.txt", 130), Some(&"e".repeat(64)), fate).unwrap();
    assert_eq!((r.status, r.article_id), (Status::NearDuplicate, Some(a)));
    assert!(
        w.as_catalog().member_paragraphs(a, 10).unwrap().contains(&full.body),
        "the fuller copy is a member"
    );
    w.commit().unwrap();
    let rd = reader(&f);
    let got = rd.article(a).unwrap().unwrap();
    assert_eq!((got.title.as_deref(), got.body.clone()), (Some("A"), vec![P1.to_string(), P2.to_string()]));
    assert!(rd.revisions(a).unwrap().is_empty(), "nothing replaced a's text");
    let paths: Vec<String> = rd.sources_of(a).unwrap().into_iter().map(|s| s.path).collect();
    for p in ["/in/b-copy.txt", "/in/b-dup.txt", "/in/b-full.txt"] {
        assert!(paths.contains(&p.to_string()), "{p} under a: {paths:?}");
    }
    assert_eq!((rd.merged_into(b).unwrap(), rd.merged_into(a).unwrap()), (Some(a), None));

    // The survivor merged in turn: both earlier ids lead to the last survivor.
    w.begin().unwrap();
    assert!(w.merge_articles(c, a, ev).unwrap());
    let r = t.member(w.as_mut(), "/in/b-late.txt", b, &[P2.to_string()]);
    assert_eq!(r.article_id, Some(c));
    let r = t.member(w.as_mut(), "/in/a-late.txt", a, &[P1.to_string()]);
    assert_eq!(r.article_id, Some(c));
    w.commit().unwrap();
    let rd = reader(&f);
    assert_eq!(rd.counts().unwrap().articles, 1);
    assert_eq!((rd.merged_into(a).unwrap(), rd.merged_into(b).unwrap()), (Some(c), Some(c)));
}

/// Claims: a shared store refuses a claim on a file recorded with the same size and
/// mtime, settles a claim with the file's ledger row, and gives every claim of this
/// process back at once; a store with one writer always grants and holds none.
pub fn claims_settle_and_release(f: Fresh) {
    let t = Texts::new();
    let shared = matches!(f.target, Target::Postgres(_));
    let mut w = writer(&f);
    let r = reader(&f);
    let lease = std::time::Duration::from_secs(600);
    let (a, b) = (key("/in/a.txt", 100), key("/in/b.txt", 100));
    assert!(r.claim(&a, lease).unwrap(), "an unknown file is granted");
    assert!(r.claim(&a, lease).unwrap(), "a worker may renew its own claim");
    w.begin().unwrap();
    t.store(w.as_mut(), "/in/a.txt", &doc("Một", &[P1, P2]));
    w.commit().unwrap();
    assert_eq!(r.claim(&a, lease).unwrap(), !shared, "a recorded file is not claimed again");
    assert_eq!(r.release_claims().unwrap(), 0, "the claim was settled with the ledger row");
    assert!(r.claim(&b, lease).unwrap());
    assert_eq!(r.release_claims().unwrap(), u64::from(shared), "the open claim is released");
    assert_eq!(r.release_claims().unwrap(), 0, "and only once");
}

/// Runs every contract test against one backend: `$fresh` returns a [`Fresh`]
/// database, or `None` when the backend's server cannot be started at all (the
/// reason is printed; CI sets `NEWS_INGEST_REQUIRE_PG=1`, which makes that a failure).
#[macro_export]
macro_rules! store_contract_suite {
    ($backend:ident, $fresh:expr) => {
        mod $backend {
            use super::*;
            macro_rules! case {
                ($name:ident) => {
                    #[test]
                    fn $name() {
                        if let Some(fresh) = $fresh {
                            super::$name(fresh);
                        }
                    }
                };
            }
            case!(stored_article_reads_back);
            case!(rollback_discards_the_batch);
            case!(catalog_sees_the_open_batch);
            case!(duplicates_members_and_clusters);
            case!(fuller_text_replaces_and_keeps_history);
            case!(restoring_the_text_a_glued_page_replaced);
            case!(ledger_lookups_and_corrections);
            case!(meta_and_search);
            case!(rebanding_rewrites_every_index_entry);
            case!(merging_articles_moves_everything);
            case!(recording_onto_a_merged_article_follows_the_merge);
            case!(taking_a_members_text);
            case!(claims_settle_and_release);
        }
    };
}

fn fresh_sqlite() -> Option<Fresh> {
    let dir = tempfile::tempdir().expect("temp dir");
    Some(Fresh { target: Target::parse(&dir.path().join("contract.db")), _guard: Box::new(dir) })
}

fn fresh_postgres() -> Option<Fresh> {
    let db = common::pg::database()?;
    Some(Fresh { target: Target::parse(std::path::Path::new(&db.url)), _guard: Box::new(db) })
}

store_contract_suite!(sqlite, fresh_sqlite());
store_contract_suite!(postgres, fresh_postgres());

/// Two writers of one PostgreSQL store lock band keys batch by batch. A batch holds
/// the keys of several texts, so sorting each text's keys is not enough: a writer
/// that waited for a key below one it holds could close a cycle with another writer
/// (PostgreSQL then aborts one batch: "deadlock detected"). Such a key is only
/// tried; when another writer has it, the answer is to commit first.
#[test]
fn postgres_writers_never_wait_below_their_own_keys() {
    let Some(f) = fresh_postgres() else { return };
    let mut w1 = writer(&f);
    let mut w2 = writer(&f);
    w1.begin().unwrap();
    w2.begin().unwrap();
    held(w1.lock_keys(&[100]).unwrap());
    held(w2.lock_keys(&[50]).unwrap());
    // Below w1's 100 and free: taken without waiting, with a key above.
    held(w1.lock_keys(&[40, 150]).unwrap());
    // Below w1's keys and held by w2: w1 must not wait (w2 may be about to wait for
    // 100). Run on a thread, so a wait shows as a failure, not a hung test.
    let (tx, rx) = std::sync::mpsc::channel();
    let t = std::thread::spawn(move || {
        let answer = w1.lock_keys(&[50]).map(|l| matches!(l, KeyLocks::CommitFirst));
        let _ = tx.send(answer.map_err(|e| format!("{e:#}")));
        w1
    });
    let answer = rx.recv_timeout(std::time::Duration::from_secs(10));
    if answer.is_err() {
        // Let w1's wait end so the thread can be joined, then fail.
        w2.commit().unwrap();
    }
    let mut w1 = t.join().unwrap();
    assert_eq!(answer.expect("w1 waited for a key below its own"), Ok(true), "w1 is told to commit first");
    w1.commit().unwrap();
    // Its locks gone, w2 takes 100 at once, and w1 starts a new batch with 50 in order.
    held(w2.lock_keys(&[100]).unwrap());
    w2.commit().unwrap();
    w1.begin().unwrap();
    held(w1.lock_keys(&[50, 100]).unwrap());
    w1.commit().unwrap();
}

/// A merge and another writer adding a member to the merged article at once: the
/// merge waits for that writer's commit and moves its file and member too (before,
/// the article's delete cascaded over them: the file's ledger row was lost).
#[test]
fn postgres_merge_keeps_a_concurrent_writers_member() {
    let Some(f) = fresh_postgres() else { return };
    let t = Texts::new();
    let mut w1 = writer(&f);
    w1.begin().unwrap();
    let a = t.store(w1.as_mut(), "/in/a.txt", &doc("A", &[P1, P2])).article_id.unwrap();
    let b = t.store(w1.as_mut(), "/in/b.txt", &doc("B", &[P2, P3])).article_id.unwrap();
    w1.commit().unwrap();
    let mut w2 = writer(&f);
    w2.begin().unwrap();
    t.member(w2.as_mut(), "/in/b-late.txt", b, &[P3.to_string()]);
    let merge = std::thread::spawn(move || {
        w1.begin().unwrap();
        let ev = NearEvidence { jaccard: 0.33, containment: 0.5, shared_shingles: 12 };
        let merged = w1.merge_articles(a, b, ev).unwrap();
        w1.commit().unwrap();
        merged
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    w2.commit().unwrap();
    assert!(merge.join().unwrap(), "the merge went through");
    let rd = reader(&f);
    let paths: Vec<String> = rd.sources_of(a).unwrap().into_iter().map(|s| s.path).collect();
    assert!(paths.contains(&"/in/b-late.txt".to_string()), "the late member's file moved: {paths:?}");
    assert_eq!(rd.counts().unwrap().files, 3, "no ledger row lost");
}

/// The race behind `recording_onto_a_merged_article_follows_the_merge`, with two
/// real connections: one writer merges an article away while another, which decided
/// on that article, records a copy onto it. The copy's ledger row waits for the
/// merge, then goes to the survivor (before: a foreign-key error rolled the whole
/// batch back, and `run` ended with it).
#[test]
fn postgres_a_copy_recorded_onto_an_article_being_merged_away_follows_the_merge() {
    let Some(f) = fresh_postgres() else { return };
    let t = Texts::new();
    let mut w1 = writer(&f);
    w1.begin().unwrap();
    let a = t.store(w1.as_mut(), "/in/a.txt", &doc("A", &[P1, P2])).article_id.unwrap();
    let b = t.store(w1.as_mut(), "/in/b.txt", &doc("B", &[P2, P3])).article_id.unwrap();
    w1.commit().unwrap();
    w1.begin().unwrap();
    let ev = NearEvidence { jaccard: 0.33, containment: 0.5, shared_shingles: 12 };
    assert!(w1.merge_articles(a, b, ev).unwrap(), "merged, not yet committed");
    let target = f.target.clone();
    let copy = std::thread::spawn(move || {
        let t = Texts::new();
        let mut w2 = store::open_writer(&target, &Config::embedded().database).expect("open writer");
        w2.begin().unwrap();
        let r = t.member(w2.as_mut(), "/in/b-copy.txt", b, &[P3.to_string()]);
        w2.commit().unwrap();
        r
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    w1.commit().unwrap();
    let r = copy.join().unwrap();
    assert_eq!((r.status, r.article_id), (Status::NearDuplicate, Some(a)));
    let rd = reader(&f);
    let paths: Vec<String> = rd.sources_of(a).unwrap().into_iter().map(|s| s.path).collect();
    assert!(paths.contains(&"/in/b-copy.txt".to_string()), "{paths:?}");
    assert_eq!(rd.counts().unwrap().files, 3);
}

#!/usr/bin/env python3
"""The peer pipeline news-ingest is compared with (issue: throughput and scale).

Same job as the field notes' reference: read every file, NFC, 5-word shingles,
MinHash with 128 permutations, LSH at threshold 0.8 (query, then insert unless a
candidate was found), and every file's row in SQLite in one transaction.

    peer_pipeline.py rensa|datasketch CORPUS_DIR

Prints one JSON line: {"peer", "files", "duplicates", "seconds"}.
"""
import json
import os
import sqlite3
import sys
import tempfile
import time
import unicodedata

NUM_PERM = 128
THRESHOLD = 0.8


def shingles(text, k=5):
    words = text.split()
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def main():
    peer, corpus = sys.argv[1], sys.argv[2]
    files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".txt"))
    if peer == "rensa":
        from rensa import RMinHash, RMinHashLSH

        lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=16)

        def sketch(sh):
            m = RMinHash(num_perm=NUM_PERM, seed=42)
            m.update(list(sh))
            return m

        def query(m):
            return lsh.query(m)

        def insert(key, m):
            lsh.insert(key, m)
    elif peer == "datasketch":
        from datasketch import MinHash, MinHashLSH

        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)

        def sketch(sh):
            # update_batch hashes all shingles in one numpy pass: datasketch's fast
            # path (per-shingle update() is ~4x slower and would flatter us).
            m = MinHash(num_perm=NUM_PERM, seed=42)
            m.update_batch([s.encode("utf-8") for s in sh])
            return m

        def query(m):
            return lsh.query(m)

        def insert(key, m):
            lsh.insert(key, m)
    else:
        sys.exit(f"unknown peer {peer!r}: rensa or datasketch")

    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "peer.db"))
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, path TEXT, body TEXT, dup_of INTEGER)")
        start = time.perf_counter()
        dups = 0
        db.execute("BEGIN")
        for i, path in enumerate(files):
            with open(path, "rb") as f:
                text = unicodedata.normalize("NFC", f.read().decode("utf-8", "replace"))
            m = sketch(shingles(text))
            found = query(m)
            dup_of = None
            if found:
                dups += 1
                dup_of = int(min(found))
            else:
                insert(i, m)
            db.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", (i, path, text, dup_of))
        db.commit()
        seconds = time.perf_counter() - start
    print(json.dumps({"peer": peer, "files": len(files), "duplicates": dups, "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()

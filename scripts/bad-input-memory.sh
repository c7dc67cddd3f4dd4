#!/bin/sh
# Peak memory (max RSS) and time of `news-ingest run` on pathological files:
# a 10 MB single-line file, one line repeated a million times (12 MB), and the two
# together. Usage: scripts/bad-input-memory.sh [path/to/news-ingest]
# (default: target/release/news-ingest; build it with `cargo build --release`).
set -eu
BIN=${1:-target/release/news-ingest}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/line" "$TMP/lines" "$TMP/both"
python3 - "$TMP" <<'PY'
import sys, itertools
d = sys.argv[1]
words = ["Việt", "Nam", "hội", "đàm", "kinh", "tế", "xã", "hội", "phát", "triển"]
out, n = [], 0
for i in itertools.count():
    w = words[i % len(words)] + ("." if i % 13 == 12 else " ")
    out.append(w); n += len(w.encode())
    if n >= 10 << 20: break
line = "".join(out).encode()
open(f"{d}/line/one-line.txt", "wb").write(line)
open(f"{d}/both/one-line.txt", "wb").write(line)
lines = ("Việt Nam.\n" * 1_000_000).encode()
open(f"{d}/lines/million-lines.txt", "wb").write(lines)
open(f"{d}/both/million-lines.txt", "wb").write(lines)
PY
for case in line lines both; do
    /usr/bin/time -f "$case: max RSS %M KiB, %e s wall, %U s user" \
        "$BIN" --db "$TMP/$case.db" run --json "$TMP/$case" >"$TMP/$case.json"
    echo "  summary: $(cat "$TMP/$case.json")"
done

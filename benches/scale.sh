#!/usr/bin/env bash
# Scale run: N distinct articles (default 1,000,000) made from the real corpus, ingested
# by `news-ingest run` into a fresh database; reports the per-article cost over the run
# (first vs last 10k files), the near-dup index size per article, peak RSS, and the
# start-up time of `watch` (index load) on the resulting database.
#
#   benches/scale.sh [N] [CORPUS_DIR]      (work files under target/scale/)
#
# SCALE_UNIT=sentence mixes sentences instead of paragraphs (see benches/scale_gen.py):
# near-duplicate candidates then stay rare, so the run shows how the store's own costs
# grow; the default, paragraph mixes, also makes candidates grow with the store.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
corpus="${2:-${NEWS_INGEST_CORPUS:-../shared/corpus/vietnews}}"
unit="${SCALE_UNIT:-paragraph}"
if [ ! -d "$corpus" ]; then
  echo "corpus not found: $corpus (give a directory of .txt articles or set NEWS_INGEST_CORPUS)" >&2
  exit 1
fi
cargo build --release --quiet
bin=$PWD/target/release/news-ingest
work=target/scale/$n
if [ "$unit" != paragraph ]; then work="$work-$unit"; fi
mkdir -p "$work"
if [ ! -f "$work/in.done" ]; then
  rm -rf "$work/in"
  echo "generating $n articles into $work/in ..."
  python3 benches/scale_gen.py "$corpus" "$work/in" "$n" 1 "$unit"
  touch "$work/in.done"
fi
rm -f "$work"/scale.db*
echo "ingesting ..."
/usr/bin/time -f '%e %M' -o "$work/time" \
  "$bin" --db "$work/scale.db" --log-format json run --json "$work/in" >"$work/summary.json" 2>"$work/log.jsonl"
read -r secs kb <"$work/time"
echo "summary: $(cat "$work/summary.json")"
python3 - "$work/log.jsonl" "$secs" "$kb" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    f = r.get("fields", {})
    if f.get("message") == "progress":
        rows.append((f["files"], f["seconds"], f["index_articles"], f["index_bytes"], f.get("candidates_verified", 0), f.get("candidates_prefiltered", 0),
                     f.get("near_seconds", 0.0), f.get("commit_seconds", 0.0), f.get("idle_seconds", 0.0)))
if len(rows) < 3:
    sys.exit("not enough progress lines (need N >= 30000)")
first = rows[0][1] / rows[0][0] * 1e6
last = (rows[-1][1] - rows[-2][1]) / (rows[-1][0] - rows[-2][0]) * 1e6
print(f"wall {float(sys.argv[2]):.1f} s, peak RSS {int(sys.argv[3]) / 1024:.0f} MB")
print(f"per-article cost: first {rows[0][0]} files {first:.0f} us, last 10k ({rows[-2][0]}-{rows[-1][0]}) {last:.0f} us, ratio {last / first:.2f}")
print(f"near-dup index: {rows[-1][2]} articles, {rows[-1][3] / max(rows[-1][2], 1):.0f} bytes per article")
print(f"candidates verified per file: first {rows[0][0]} files {rows[0][4] / rows[0][0]:.2f}, last 10k {(rows[-1][4] - rows[-2][4]) / (rows[-1][0] - rows[-2][0]):.2f}")
# Single windows are noisy on a shared machine: the README quotes the median of the
# first ten windows against the median of the last ten.
import statistics
per, prev = [], (0, 0.0, 0, 0, 0, 0, 0.0, 0.0, 0.0)
for r in rows:
    n = r[0] - prev[0]
    per.append([(r[i] - prev[i]) / n * 1e6 for i in (1, 6, 7, 8)])  # total, near, commit, idle
    prev = r
k = min(10, len(per) // 2)
def ratio(name, f):
    a = statistics.median(f(p) for p in per[:k])
    b = statistics.median(f(p) for p in per[-k:])
    print(f"  {name}: {a:.0f} -> {b:.0f} us ({b / a:.2f}x)" if a > 0 else f"  {name}: {a:.0f} -> {b:.0f} us")
print(f"median of the first {k} windows vs the last {k}, us per file:")
ratio("per-article cost", lambda p: p[0])
ratio("writer, near-dup candidate checks", lambda p: p[1])
ratio("writer, commits", lambda p: p[2])
ratio("writer, everything but candidate checks", lambda p: p[0] - p[3] - p[1])
print("per 10k files: us per file; candidates verified, dropped by signature per file;")
print("writer us per file spent on near-dup candidates, in commits, and idle (waiting for workers)")
print(f"  {'files':>8} {'us':>6} {'verif':>6} {'dropped':>7} {'near':>6} {'commit':>6} {'idle':>6}")
prev = (0, 0.0, 0, 0, 0, 0, 0.0, 0.0, 0.0)
for r in rows:
    n = r[0] - prev[0]
    us = lambda i: (r[i] - prev[i]) / n * 1e6
    print(f"  {r[0]:>8} {us(1):6.0f} {(r[4] - prev[4]) / n:6.2f} {(r[5] - prev[5]) / n:7.2f} {us(6):6.0f} {us(7):6.0f} {us(8):6.0f}")
    prev = r
PY
# watch start-up on the big database: time until the index is loaded.
mkdir -p "$work/empty"
start=$(date +%s.%N)
"$bin" --db "$work/scale.db" --log-format json watch "$work/empty" 2>"$work/watch.log" &
pid=$!
for _ in $(seq 600); do
  if grep -q "near-duplicate index loaded" "$work/watch.log"; then break; fi
  sleep 0.05
done
ready=$(date +%s.%N)
kill -TERM "$pid"; wait "$pid" || true
awk -v a="$start" -v b="$ready" 'BEGIN { printf "watch ready (index loaded) in %.2f s\n", b - a }'

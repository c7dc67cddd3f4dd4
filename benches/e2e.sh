#!/usr/bin/env bash
# End-to-end benchmark: `news-ingest run` over a corpus into a fresh database, then the
# Python peers (rensa, datasketch) on the same corpus on the same machine, and the ratios.
#
#   benches/e2e.sh [CORPUS_DIR] [--no-peers] [--runs N]
#
# CORPUS_DIR defaults to $NEWS_INGEST_CORPUS, then ../shared/corpus/vietnews.
# The peers are installed with pip into target/peers-venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${NEWS_INGEST_CORPUS:-../shared/corpus/vietnews}"
peers=1
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --no-peers) peers=0 ;;
    --runs) shift; runs="$1" ;;
    *) corpus="$1" ;;
  esac
  shift
done
if [ ! -d "$corpus" ]; then
  echo "corpus not found: $corpus" >&2
  echo "give a directory of .txt articles (e.g. ../shared/corpus/vietnews) or set NEWS_INGEST_CORPUS" >&2
  exit 1
fi

cargo build --release --quiet
bin=target/release/news-ingest
files=$(find "$corpus" -name '*.txt' | wc -l)
bytes=$(find "$corpus" -name '*.txt' -printf '%s\n' | awk '{s+=$1} END {print s}')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "corpus: $corpus ($files files, $bytes bytes); $(nproc) cores; runs: $runs"
secs=()
rss=()
for i in $(seq "$runs"); do
  rm -f "$tmp"/bench.db*
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" --db "$tmp/bench.db" run --json "$corpus" >"$tmp/summary.json" 2>"$tmp/log"
  read -r s k <"$tmp/time"
  secs+=("$s"); rss+=("$k")
  echo "  run $i: ${s}s, peak RSS $((k / 1024)) MB, $(cat "$tmp/summary.json")"
done
ours=$(printf '%s\n' "${secs[@]}" | median)
peak=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
awk -v s="$ours" -v f="$files" -v b="$bytes" -v k="$peak" 'BEGIN {
  printf "news-ingest: median %.2f s, %.0f articles/s, %.1f MB/s, peak RSS %.0f MB\n", s, f / s, b / s / 1e6, k / 1024 }'

if [ "$peers" = 1 ]; then
  venv=target/peers-venv
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet datasketch rensa
  fi
  for peer in rensa datasketch; do
    ps=()
    for i in $(seq "$runs"); do
      out=$("$venv/bin/python" benches/peers/peer_pipeline.py "$peer" "$corpus")
      ps+=("$(echo "$out" | sed 's/.*"seconds": \([0-9.]*\).*/\1/')")
      echo "  $peer run $i: $out"
    done
    m=$(printf '%s\n' "${ps[@]}" | median)
    awk -v p="$peer" -v m="$m" -v s="$ours" 'BEGIN {
      printf "%s: median %.2f s; time ratio %s / news-ingest = %.2f (above 1: news-ingest is faster)\n", p, m, p, m / s }'
  done
fi

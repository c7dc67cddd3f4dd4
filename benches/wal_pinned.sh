#!/usr/bin/env bash
# The WAL bound with a long reader paused: an `export` blocked on a pipe nobody reads
# while `run` ingests a big batch. Samples the WAL file's size every 0.2 s during the
# run and prints the largest, the size after the run, and whether the export was still
# blocked (it must be, for the measurement to mean anything).
#
#   benches/wal_pinned.sh [N_FILES] [CORPUS_DIR]   (default 25000, ../shared/corpus/vietnews)
#
# The first 10 % of the files make the database the export reads; the rest are the
# run measured. The same run without the export is measured first, as the baseline.
# Work files under target/wal_pinned/. Uses the dev build unless WAL_BIN names a binary.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-25000}"
corpus="${2:-${NEWS_INGEST_CORPUS:-../shared/corpus/vietnews}}"
if [ ! -d "$corpus" ]; then
  echo "corpus not found: $corpus (give a directory of .txt articles or set NEWS_INGEST_CORPUS)" >&2
  exit 1
fi
if [ -z "${WAL_BIN:-}" ]; then
  cargo build --quiet
  bin=$PWD/target/debug/news-ingest
else
  bin=$WAL_BIN
fi
work=$PWD/target/wal_pinned
rm -rf "$work"
mkdir -p "$work/first" "$work/rest"
mapfile -t files < <(find "$corpus" -maxdepth 1 -type f -name '*.txt' | sort | head -n "$n")
total=${#files[@]}
first=$((total / 10))
printf '%s\0' "${files[@]:0:first}" | xargs -0 cp -t "$work/first"
printf '%s\0' "${files[@]:first}" | xargs -0 cp -t "$work/rest"
measure() { # $1 = with | without (the blocked export)
db=$work/$1.db
export NEWS_INGEST_DB=$db
"$bin" --quiet run "$work/first" >/dev/null
# A pipe nobody reads: `sleep` never reads its standard input.
sleeper=""
exporter=""
if [ "$1" = with ]; then
  fifo=$work/export.fifo
  rm -f "$fifo"
  mkfifo "$fifo"
  sleep 100000 <"$fifo" &
  sleeper=$!
  "$bin" export >"$fifo" &
  exporter=$!
  sleep 2
  if ! kill -0 "$exporter" 2>/dev/null; then
    echo "export finished before the run: the database is too small to fill the pipe" >&2
    kill "$sleeper" 2>/dev/null || true
    exit 1
  fi
fi
wal=$db-wal
max=0
start=$(date +%s.%N)
"$bin" --quiet run "$work/rest" >"$work/run.out" &
runner=$!
while kill -0 "$runner" 2>/dev/null; do
  s=$(stat -c %s "$wal" 2>/dev/null || echo 0)
  if ((s > max)); then max=$s; fi
  sleep 0.2
done
wait "$runner"
end=$(date +%s.%N)
after=$(stat -c %s "$wal" 2>/dev/null || echo 0)
blocked=no
if [ -n "$exporter" ] && kill -0 "$exporter" 2>/dev/null; then blocked=yes; fi
if [ -n "$exporter" ]; then kill "$exporter" "$sleeper" 2>/dev/null || true; fi
wait 2>/dev/null || true
articles=$("$bin" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["articles"])')
printf '%-8s export: files %d (%d before, %d in the measured run, %.0f s), articles %s, export blocked at the end: %s, largest WAL %.1f MB, after the run %.1f MB\n' \
  "$1" "$total" "$first" $((total - first)) "$(echo "$end - $start" | bc)" "$articles" "$blocked" \
  "$(echo "$max / 1000000" | bc -l)" "$(echo "$after / 1000000" | bc -l)"
}
measure without
measure with

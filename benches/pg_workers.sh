#!/usr/bin/env bash
# Workers on one PostgreSQL database: files/s for 1, 2 and 4 `news-ingest run`
# processes over one directory (each claims files, so each file is read once),
# beside one SQLite run over the same files, on this machine.
#
#   benches/pg_workers.sh [N_FILES] [CORPUS_DIR]
#
# Reads the first N_FILES (default 3000) of ../shared/corpus/vietnews (or
# CORPUS_DIR); says so and stops when it is absent. Starts a throwaway cluster with
# .ci/pg-cluster.sh (settings printed) and stops it at the end. Uses the binary in
# target/release when present (else target/debug; the output says which).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3000}
corpus=${2:-../shared/corpus/vietnews}
if [[ ! -d "$corpus" ]]; then echo "corpus $corpus not found: pass a directory of text files" >&2; exit 1; fi
bin=target/release/news-ingest
[[ -x $bin ]] || bin=target/debug/news-ingest
[[ -x $bin ]] || { echo "build first: cargo build --release" >&2; exit 1; }
work=$(mktemp -d /tmp/news-ingest-pgbench.XXXXXX)
trap 'bash .ci/pg-cluster.sh stop "$work/pg" >/dev/null 2>&1; rm -rf "$work"' EXIT
mkdir -p "$work/in"
{ find "$corpus" -type f -name '*.txt' | sort | head -n "$n" >"$work/list"; } || true
xargs -a "$work/list" -d '\n' cp -t "$work/in/"
files=$(ls "$work/in" | wc -l)
bytes=$(du -sb "$work/in" | cut -f1)
admin=$(bash .ci/pg-cluster.sh start "$work/pg")
port=$(cat "$work/pg/port")
echo "binary: $bin; $files files, $bytes bytes; $(nproc) cores"
echo "PostgreSQL: $(psql "$admin" -Atc 'show server_version'); settings: fsync=off synchronous_commit=off full_page_writes=off max_connections=200 max_locks_per_transaction=256 (.ci/pg-cluster.sh)"
printf '%-22s %8s %8s\n' backend seconds files/s
t0=$(date +%s.%N)
"$bin" -q --db "$work/one.db" run --json "$work/in" >"$work/sqlite.json"
t1=$(date +%s.%N)
printf '%-22s %8.2f %8.1f\n' "sqlite, 1 process" "$(echo "$t1 - $t0" | bc)" "$(echo "$files / ($t1 - $t0)" | bc -l)"
for w in 1 2 4; do
    psql "$admin" -qc "CREATE DATABASE bench_$w" >/dev/null
    url="postgresql://postgres@127.0.0.1:$port/bench_$w"
    # Create the schema first, so the timing is ingest only.
    "$bin" -q --db "$url" run --json "$work/in" --include 'no-such-file' >/dev/null
    t0=$(date +%s.%N)
    pids=()
    for _ in $(seq "$w"); do "$bin" -q --db "$url" run --json "$work/in" >"$work/pg_${w}_$RANDOM.json" & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p"; done
    t1=$(date +%s.%N)
    recorded=$(psql "$url" -Atc "SELECT count(*) FROM sources")
    articles=$(psql "$url" -Atc "SELECT count(*) FROM articles")
    printf '%-22s %8.2f %8.1f   (%s files recorded, %s articles)\n' "postgres, $w worker(s)" "$(echo "$t1 - $t0" | bc)" "$(echo "$files / ($t1 - $t0)" | bc -l)" "$recorded" "$articles"
done
echo "sqlite: $(cat "$work/sqlite.json")"

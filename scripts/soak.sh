#!/usr/bin/env bash
# Memory soak for `news-ingest watch`: N files appear at once in the watched
# directory; peak RSS must stay flat (bounded channels, bounded daemon state).
#
# Usage: scripts/soak.sh [N] [MODE]
#   N     number of files (default 100000), made from tests/fixtures/seeds with a
#         varying paragraph so that every file is a distinct article
#   MODE  "during" (default): the daemon runs on an empty directory and all files
#         are renamed into it at once (event overflow -> rescans);
#         "before": the files are there when the daemon starts (initial backlog)
# Env:   BIN=path/to/news-ingest (default target/release/news-ingest, built if
#        missing), KEEP=1 keeps the work directory, SOAK_DIR=where to put it.
#
# Prints peak RSS (VmHWM), RSS along the way, and files/s from the moment the
# files appeared until the last one was committed; then SIGTERMs the daemon and
# checks it exits 0.
set -euo pipefail

N=${1:-100000}
MODE=${2:-during}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/news-ingest}
if [ ! -x "$BIN" ]; then
    (cd "$ROOT" && cargo build --release)
fi
command -v python3 >/dev/null || { echo "soak.sh needs python3 to generate files" >&2; exit 2; }

WORK=$(mktemp -d "${SOAK_DIR:-${TMPDIR:-/tmp}}/news-soak.XXXXXX")
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; fi
    if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

mkdir -p "$WORK/stage/batch" "$WORK/in"
echo "generating $N files in $WORK/stage ..."
python3 - "$ROOT/tests/fixtures/seeds" "$WORK/stage/batch" "$N" <<'EOF'
import os, sys
seeds_dir, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
seeds = [open(os.path.join(seeds_dir, f), encoding="utf-8").read() for f in sorted(os.listdir(seeds_dir))]
for i in range(n):
    s = seeds[i % len(seeds)]
    at = s.find("\n\n")
    at = 0 if at < 0 else at
    extra = f"\n\nBản tin bổ sung số {i}: phóng viên ghi nhận thêm thông tin mới, mã kiểm tra {i * 7919 % 1000003}."
    # One flat directory: the worst case for a directory walk.
    with open(os.path.join(out, f"a{i:07d}.txt"), "w", encoding="utf-8") as f:
        f.write(s[:at] + extra + s[at:])
EOF

cat > "$WORK/soak.toml" <<'EOF'
[watch]
settle_ms = 500
summary_interval_ms = 5000
shutdown_timeout_ms = 30000
EOF
DB="$WORK/soak.db"

if [ "$MODE" = before ]; then
    rmdir "$WORK/in"
    mv "$WORK/stage/batch" "$WORK/in"
fi
"$BIN" --db "$DB" --config "$WORK/soak.toml" watch "$WORK/in" 2>"$WORK/daemon.log" &
PID=$!

rss() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$PID/status" 2>/dev/null || echo 0; }
files() { "$BIN" --db "$DB" stats --json 2>/dev/null | sed -n 's/.*"files":\([0-9]*\).*/\1/p'; }

# Wait for the daemon to be up (signal handlers installed, first scan done or running).
for _ in $(seq 1 600); do
    grep -q "watching" "$WORK/daemon.log" 2>/dev/null && break
    sleep 0.1
done
if [ "$MODE" = during ]; then
    for _ in $(seq 1 600); do
        grep -q "initial scan done" "$WORK/daemon.log" && break
        sleep 0.1
    done
    echo "rss before the files appear: $(rss VmRSS) kB"
    # One rename: every file appears in the watched directory at once.
    mv "$WORK/stage/batch" "$WORK/in/batch"
fi
START=$(date +%s.%N)
echo "files appeared; waiting until all $N are committed ..."
last_report=0
while :; do
    if ! kill -0 "$PID" 2>/dev/null; then
        echo "daemon died; log:" >&2
        tail -20 "$WORK/daemon.log" >&2
        exit 1
    fi
    n=$(files); n=${n:-0}
    pct=$((n * 100 / N))
    if [ "$pct" -ge $((last_report + 10)) ] || [ "$n" -ge "$N" ]; then
        printf '  %3d%%  files %7d  VmRSS %7s kB  VmHWM %7s kB\n' "$pct" "$n" "$(rss VmRSS)" "$(rss VmHWM)"
        last_report=$pct
    fi
    [ "$n" -ge "$N" ] && break
    sleep 0.5
done
END=$(date +%s.%N)
HWM=$(rss VmHWM)
RSS=$(rss VmRSS)
T0=$(date +%s.%N)
kill -TERM "$PID"
set +e
wait "$PID"
CODE=$?
set -e
PID=""
T1=$(date +%s.%N)
python3 - "$N" "$START" "$END" "$HWM" "$RSS" "$CODE" "$T0" "$T1" "$MODE" <<'EOF'
import sys
n, start, end, hwm, rss, code, t0, t1, mode = sys.argv[1:]
secs = float(end) - float(start)
print(f"N={n} mode={mode}: {secs:.1f} s, {int(n) / secs:.0f} files/s, "
      f"peak RSS (VmHWM) {int(hwm) / 1024:.1f} MiB, RSS at the end {int(rss) / 1024:.1f} MiB, "
      f"SIGTERM -> exit {code} in {float(t1) - float(t0):.2f} s")
EOF
grep -c '"level":"WARN"\| WARN ' "$WORK/daemon.log" | sed 's/^/warnings in the log: /' || true
[ "$CODE" = 0 ]

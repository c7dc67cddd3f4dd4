#!/usr/bin/env bash
# Linear time on adversarial text, counted in instructions (not wall time): every
# generator of benches/common/adversarial.rs is decoded and cleaned at N and 2N bytes
# under callgrind, counting only the decode + clean call (`measured` in
# examples/clean_cost.rs, so building the rules is not counted), and the ratio of the
# two counts must be at most 2.5 (2x the input: 2x the work plus a margin).
#
#   benches/linear.sh [N_BYTES]        (default 131072; needs valgrind)
#   LINEAR_ONLY="tiny lines" benches/linear.sh    (one generator)
#
# Instruction counts are deterministic for a given build and input, so one run per
# size is enough, on a loaded machine too. Exit status 1 when a ratio exceeds 2.5.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-131072}"
command -v valgrind >/dev/null || { echo "valgrind not found (apt-get install valgrind)" >&2; exit 2; }
cargo build --quiet --example clean_cost
bin=target/debug/examples/clean_cost
count() {
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*clean_cost*measured*' \
    "$bin" "$1" "$2" >/dev/null 2>&1
  # The totals line of the profile: instructions executed in the collected function.
  awk '/^(summary|totals):/ { print $2; exit }' "$out"
  rm -f "$out"
}
fail=0
printf '%-22s %14s %14s %7s\n' generator "Ir at $n" "Ir at $((2 * n))" ratio
while IFS= read -r name; do
  if [ -n "${LINEAR_ONLY:-}" ] && [ "$name" != "$LINEAR_ONLY" ]; then continue; fi
  a=$(count "$name" "$n")
  b=$(count "$name" $((2 * n)))
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')
  flag=""
  if awk -v r="$ratio" 'BEGIN { exit !(r > 2.5) }'; then flag="  > 2.5"; fail=1; fi
  printf '%-22s %14s %14s %7s%s\n' "$name" "$a" "$b" "$ratio" "$flag"
done < <("$bin" --list)
exit $fail

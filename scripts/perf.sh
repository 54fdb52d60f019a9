#!/usr/bin/env bash
# Measures the performance targets of docs/performance.md on this machine.
#   scripts/perf.sh          targets (medians of 5 runs), the cost-growth table and
#                            the engine/floor ratio (examples/floor_ratio.rs)
#   RUNS=3 scripts/perf.sh   fewer runs
#   scripts/perf.sh --ab OLD NEW [FILE]
#                            two builds timed in alternation (the machine drifts by
#                            +-20 % within an hour, so never compare runs made apart):
#                            RUNS pairs (default 9) of 10^5 paths, medians of each
# Needs a release build (cargo build --release); writes only under a temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=./target/release/cashrisk
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One line per run: "wall-seconds simulation-seconds paths/s invoices/s peak-MiB",
# the wall time being the whole process (bash's time), the rest from --timing.
timing() {
  local line wall
  TIMEFORMAT=%R
  wall=$( { time "$bin" run "$@" --no-charts --quiet --timing --out "$tmp/out" >"$tmp/log" 2>&1; } 2>&1)
  line=$(sed -n 's/^timing: [0-9]* paths in \([0-9.]*\) s on [0-9]* threads*: \([0-9]*\) paths\/s, \([0-9.e+]*\) invoices\/s.*peak memory \([0-9.]*\) MiB.*/\1 \2 \3 \4/p' "$tmp/log")
  echo "$wall $line"
}

# The median over $runs runs of each column of `timing`.
median() {
  for _ in $(seq "$runs"); do timing "$@"; done |
    sort -n -k1,1 | awk -v n="$runs" 'NR == int((n + 1) / 2)'
}

if [ "${1:-}" = --ab ]; then
  old=$2 new=$3 file=${4:-scenarios/textile_exporter.toml} runs=${RUNS:-9}
  : >"$tmp/old" && : >"$tmp/new"
  for _ in $(seq "$runs"); do
    for side in old new; do
      bin=${!side}
      timing "$file" --paths 100000 >>"$tmp/$side"
    done
  done
  echo "$runs runs of $file at 10^5 paths, in alternation (simulation seconds):"
  for side in old new; do
    printf '%s %s: median %s s (min %s, max %s)\n' "$side" "${!side}" \
      "$(sort -n -k2,2 "$tmp/$side" | awk -v n="$runs" 'NR == int((n + 1) / 2) {print $2}')" \
      "$(sort -n -k2,2 "$tmp/$side" | awk 'NR == 1 {print $2}')" \
      "$(sort -n -k2,2 "$tmp/$side" | awk 'END {print $2}')"
  done
  exit 0
fi
[ -x "$bin" ] || cargo build --release --quiet
runs=${RUNS:-5}

example=scenarios/textile_exporter.toml
echo "| run | whole process, s | simulation, s | paths/s | invoices/s | peak MiB |"
echo "|---|---|---|---|---|---|"
for spec in "10^4 paths:--paths 10000" "10^5 paths:--paths 100000" \
  "10^5 paths, 1 thread:--paths 100000 --threads 1" "10^6 paths:--paths 1000000"; do
  label=${spec%%:*}
  # shellcheck disable=SC2086
  read -r w s p i m <<<"$(median "$example" ${spec#*:})"
  echo "| $label | $w | $s | $p | $i | $m |"
done

echo
echo "| change to the example (20,000 paths) | simulation, s | paths/s | invoices/s |"
echo "|---|---|---|---|"
variant() {
  local label=$1 file=$tmp/variant.toml
  shift
  sed "$@" "$example" >"$file"
  read -r _ s p i _ <<<"$(median "$file" --paths 20000)"
  echo "| $label | $s | $p | $i |"
}
variant "as is" -e ''
variant "group of 50 buyers" -e 's/^count = 150$/count = 50/'
variant "group of 450 buyers" -e 's/^count = 150$/count = 450/'
variant "group invoices_per_month = 2" -e 's/^count = 150$/count = 150\ninvoices_per_month = 2/'
variant "group invoices_per_month = 4" -e 's/^count = 150$/count = 150\ninvoices_per_month = 4/'
variant "horizon 730 days" -e 's/^horizon_days = 365$/horizon_days = 730/'
variant "horizon 1,460 days" -e 's/^horizon_days = 365$/horizon_days = 1460/'

echo
echo "engine against the random-number floor, timed in alternation (3 runs):"
cargo build --release --quiet --example floor_ratio
for _ in 1 2 3; do ./target/release/examples/floor_ratio "$example"; done

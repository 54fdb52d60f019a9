#!/usr/bin/env bash
# Checks that two builds give the same figures: every example scenario (and the
# template) at 1,003 paths on 1 and 2 threads, through run, run --break-even, stress,
# sensitivity and a sweep, every file written and the terminal output compared byte
# for byte.
#   scripts/same-figures.sh OLD_BINARY [NEW_BINARY]   (NEW defaults to target/release)
# A refactoring must pass this against the binary from before it. Where summary.json
# differs, scripts/same-keys.py says whether only keys were added (a change that adds
# figures) or a figure changed.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1")
new=$(realpath "${2:-target/release/cashrisk}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for file in scenarios/*.toml scenarios/templates/*.toml; do
  stem=$(basename "$file" .toml)
  for threads in 1 2; do
    for cmd in run break-even stress sensitivity sweep; do
      case $cmd in
        break-even) args=(run "$file" --break-even) ;;
        sweep) args=(sweep "$file" --set "company.credit_line=0:300000:3") ;;
        *) args=("$cmd" "$file") ;;
      esac
      for side in old new; do
        bin=$old; [ "$side" = new ] && bin=$new
        out="$tmp/$side/$stem-$cmd-$threads"
        "$bin" "${args[@]}" --paths 1003 --threads "$threads" --quiet \
          --out "$out" >"$tmp/$side.stdout" 2>"$tmp/$side.stderr" || true
        # The output folder's name appears in the terminal output: make it neutral.
        sed -i "s#$tmp/$side#OUT#g" "$tmp/$side.stdout" "$tmp/$side.stderr"
      done
      if ! diff -q "$tmp/old.stdout" "$tmp/new.stdout" >/dev/null ||
        ! diff -q "$tmp/old.stderr" "$tmp/new.stderr" >/dev/null ||
        ! diff -rq "$tmp/old/$stem-$cmd-$threads" "$tmp/new/$stem-$cmd-$threads" >/dev/null; then
        echo "DIFFERENT: $cmd $file on $threads thread(s)"
        diff "$tmp/old.stdout" "$tmp/new.stdout" | head -5 || true
        diff -rq "$tmp/old/$stem-$cmd-$threads" "$tmp/new/$stem-$cmd-$threads" | head -5 || true
        for json in "$tmp/old/$stem-$cmd-$threads"/summary.json; do
          [ -f "$json" ] || continue
          scripts/same-keys.py "$json" "$tmp/new/$stem-$cmd-$threads/summary.json" || true
        done
        status=1
      else
        echo "same: $cmd $file on $threads thread(s) ($(find "$tmp/new/$stem-$cmd-$threads" -type f | wc -l) files)"
      fi
    done
  done
done
exit $status

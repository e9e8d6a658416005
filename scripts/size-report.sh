#!/usr/bin/env bash
# Reports what a visitor downloads: each file of dist/ and the total, gzip -9.
# Writes target/size-report.txt. Fails only when the whole app exceeds its
# 400 KiB ceiling: the size is deterministic, so this check cannot flake.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET_KIB=400
shopt -s nullglob
files=(dist/*.wasm dist/*.js dist/*.css dist/*.html)
[ ${#files[@]} -gt 0 ] || { echo "size-report: dist/ is empty; run make dist" >&2; exit 1; }
mkdir -p target
report=target/size-report.txt
total=0
printf '%-48s %10s %10s\n' file bytes 'gzip -9' >"$report"
for f in "${files[@]}"; do
  raw=$(wc -c <"$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total=$((total + gz))
  printf '%-48s %10d %10d\n' "$f" "$raw" "$gz" >>"$report"
done
printf 'total (wasm+js+css+html, gzip -9): %d bytes = %d.%d KiB of a %d KiB budget\n' \
  "$total" $((total / 1024)) $(((total % 1024) * 10 / 1024)) "$BUDGET_KIB" >>"$report"
cat "$report"
if [ "$total" -gt $((BUDGET_KIB * 1024)) ]; then
  echo "size-report: over the ${BUDGET_KIB} KiB budget" >&2
  exit 1
fi

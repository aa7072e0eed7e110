#!/usr/bin/env bash
# Prints the wall time of every object file of the last build of a build directory (from ninja's
# log; objects the build no longer has are left out), slowest first, and flags any translation
# unit over the 20 s budget. Build it first, one job at a time for clean figures:
#   cmake --build build -j 1;  bash scripts/compile_times.sh build
set -euo pipefail
build=${1:-build}
log="$build/.ninja_log"
[ -f "$log" ] || { echo "compile_times: no $log (build with the Ninja generator first)" >&2; exit 2; }
# .ninja_log v5: start_ms end_ms mtime target hash; keep the last entry of each current object
ninja -C "$build" -t targets all | sed -n 's/^\(.*\.o\): .*/\1/p' | sort -u > "$build/.objects"
awk -F'\t' 'NR == FNR { keep[$1] = 1; next } FNR > 1 && ($4 in keep) { t[$4] = ($2 - $1) / 1000.0 }
            END { for (k in t) printf "%7.1f  %s\n", t[k], k }' "$build/.objects" "$log" |
  sort -rn | awk '{ print } $1 > 20 { over++ } END { if (over) printf "%d translation unit(s) over 20 s\n", over }'

#!/usr/bin/env bash
# Fuzzes every reader of untrusted input with libFuzzer (Debian's clang, ASan + UBSan):
#   fuzz_eval     nais-eval's specs (every device; MBConv spaces, spaces and networks of layers)
#                 and nais-hotnas's (read, workloads built; the searches are not run), and
#                 nais-bundle's (read, its "evaluate" task run), nais-map's (read and run)
#   fuzz_sweep    nais-sweep's specs, and the first points of the sweep they describe
#   fuzz_network  network descriptions (nais-net), analysis and the to_json round trip
#   fuzz_space    space descriptions, every candidate, the network of a choice, GPU keys
#   fuzz_tables   GPU latency tables: nais's CSV, the measured per-shape format, signature CSV
#
#   bash scripts/fuzz.sh [SECONDS] [HARNESS...]   a campaign of SECONDS (default 60) per harness;
#                                                 prints execs, coverage and findings per harness
#   bash scripts/fuzz.sh --replay [HARNESS...]    runs every seed and regression input once
#   bash scripts/fuzz.sh --replay-with DIR        the same with the harnesses a sanitizer build
#                                                 made in DIR (cmake -DNAIS_FUZZ=ON; CI's ctest)
#
# Seeds: the specs, networks, spaces and tables under tests/ and examples/, and the regression
# inputs under tests/fuzz/corpus/HARNESS/ (add a finding's input there once it is fixed). A
# campaign's corpus grows in build-fuzz/corpus/HARNESS; findings land in build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ -n "${NAIS_FUZZ_NO_DEPS:-}" ] || NAIS_WITH_FUZZ=1 bash scripts/install-deps.sh

replay=0
seconds=60
prebuilt=""
if [ "${1:-}" = "--replay-with" ]; then
  replay=1
  prebuilt=$(cd "$2" && pwd)
  shift 2
elif [ "${1:-}" = "--replay" ]; then
  replay=1
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
all=(fuzz_eval fuzz_sweep fuzz_network fuzz_space fuzz_tables)
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then harnesses=("${all[@]}"); fi

if [ -n "$prebuilt" ]; then
  out=$prebuilt  # the harnesses a sanitizer build made (cmake -DNAIS_FUZZ=ON)
  mkdir -p "$out/findings"
else
  # a replay only runs the seeds once: -O0 builds in half the time (its own directory, so a
  # campaign's -O1 objects are not mixed with it)
  if [ $replay = 1 ]; then
    opt=-O0
    out=${NAIS_FUZZ_DIR:-build-fuzz-replay}
  else
    opt=-O1
    out=${NAIS_FUZZ_DIR:-build-fuzz}
  fi
  mkdir -p "$out/obj" "$out/findings"
  eigen_inc=$(pkg-config --cflags eigen3 2>/dev/null || echo -isystem /usr/include/eigen3)
  common=(-std=c++20 -g "$opt" -Iinclude -Itools $eigen_inc -DNAIS_FUZZ_CLI_DIR="\"$root/tests/cli\""
          -fno-sanitize-recover=undefined)
  link=(-fsanitize=fuzzer,address,undefined)
  objflags=(-fsanitize=fuzzer-no-link,address,undefined)

  # the readers' translation units (every nais_eval/*.cpp but main.cpp, and json_io.cpp), shared by
  # the spec harnesses (built once, in parallel)
  eval_objs=()
  pids=()
  for src in tools/json_io.cpp tools/nais_eval/*.cpp; do
    tu=$(basename "$src" .cpp)
    [ "$tu" = main ] && continue
    obj="$out/obj/$tu.o"
    eval_objs+=("$obj")
    if [ ! -f "$obj" ] || [ -n "$(find tools include -newer "$obj" -name '*.[ch]pp' -print -quit)" ]; then
      clang++ "${common[@]}" "${objflags[@]}" -c "$src" -o "$obj" & pids+=($!)
      if [ ${#pids[@]} -ge "$(nproc)" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
    fi
  done
  for p in "${pids[@]}"; do wait "$p"; done

  build() {  # harness
    local h=$1 exe="$out/$1" extra=()
    case $h in fuzz_eval | fuzz_sweep) extra=("${eval_objs[@]}") ;; *) extra=("$out/obj/json_io.o") ;; esac
    if [ ! -f "$exe" ] || [ -n "$(find tools include tests/fuzz -newer "$exe" -name '*.[ch]pp' -print -quit)" ]; then
      clang++ "${common[@]}" "${link[@]}" "tests/fuzz/$h.cpp" "${extra[@]}" -o "$exe"
    fi
  }
fi

seeds() {  # harness: the seed files, one per line
  case $1 in
    fuzz_eval) ls tests/cli/*.json examples/mapping/*.json examples/dataflow/*.json | grep -v -e '/sweep_' -e '/net_' ;;
    fuzz_sweep) ls tests/cli/sweep_*.json tests/cli/space_sweep.json examples/sweep/*.json ;;
    fuzz_network) ls tests/cli/net_*.json examples/networks/*.json ;;
    fuzz_space) ls examples/spaces/*.json tests/cli/space_tiny.json tests/cli/net_small.json ;;
    fuzz_tables) ;;  # tests/fuzz/corpus/fuzz_tables holds its seeds (a selector byte + a table)
  esac
  if [ -d "tests/fuzz/corpus/$1" ]; then find "tests/fuzz/corpus/$1" -type f; fi
}

# libFuzzer's options per harness: inputs are small documents; a spec evaluates in microseconds
options() {
  local h=$1
  echo "-dict=tests/fuzz/dict/$h.dict -max_len=8192 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024"
}

# the harnesses, two builds at a time
if [ -z "$prebuilt" ]; then
  running=0
  for h in "${harnesses[@]}"; do
    build "$h" &
    running=$((running + 1))
    if [ $running -ge 2 ]; then wait -n; running=$((running - 1)); fi
  done
  wait
fi

status=0
printf '%-14s %12s %10s %10s %9s\n' harness execs exec/s coverage findings
for h in "${harnesses[@]}"; do
  log="$out/$h.log"
  if [ $replay = 1 ]; then
    mapfile -t files < <(seeds "$h")
    # shellcheck disable=SC2046
    if ASAN_OPTIONS=detect_leaks=1 "$out/$h" $(options "$h") -runs=0 "${files[@]}" >"$log" 2>&1; then
      printf '%-14s %12s %10s %10s %9s\n' "$h" "${#files[@]} in" - - 0
    else
      printf '%-14s %12s %10s %10s %9s\n' "$h" "${#files[@]} in" - - "FAILED"
      tail -30 "$log"
      status=1
    fi
    continue
  fi
  corpus="$out/corpus/$h"
  mkdir -p "$corpus"
  seeds "$h" | while read -r f; do cp -n "$f" "$corpus/" 2>/dev/null || true; done
  before=$(find "$out/findings" -name "$h-*" | wc -l)
  # shellcheck disable=SC2046
  ASAN_OPTIONS=detect_leaks=1 "$out/$h" $(options "$h") -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$out/findings/$h-" "$corpus" >"$log" 2>&1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  found=$(( $(find "$out/findings" -name "$h-*" | wc -l) - before ))
  printf '%-14s %12s %10s %10s %9s\n' "$h" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$found"
  if [ "$found" -gt 0 ]; then status=1; fi
done
exit $status

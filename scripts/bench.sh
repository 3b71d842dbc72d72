#!/usr/bin/env bash
# Reproduces the README's performance figures in one command: installs what is missing, builds
# the benchmarks and the CLI as users get them (the `release` preset: kernels dispatched at run
# time), runs them on the best target, and prints each figure with its target
# (scripts/bench-summary.awk); then the full run on every target this processor supports
# (FABRISK_TARGET), and beside it a -march=native compile of the same source (its own build,
# build-bench-native; FABRISK_BENCH_SKIP_BUILDS=1 leaves it out). Takes about 4 minutes after
# the builds on the 2-core development machine; --quick about 30 seconds (fewer repetitions,
# and the CLI at 10^6 trials only, so the 10^8-trial figures are not judged).
# Raw results (Google Benchmark CSV, GNU time) are kept in build/bench-results/.
# Run it on an otherwise idle machine: a busy one measures the other work.
set -euo pipefail
cd "$(dirname "$0")/.."
repetitions=7 min_time=0.5 cli_trials=(1000000 100000000)
case "${1:-}" in
  "") ;;
  --quick) repetitions=2 min_time=0.1 cli_trials=(1000000) ;;
  *) echo "usage: scripts/bench.sh [--quick]" >&2; exit 2 ;;
esac

scripts/install-deps.sh time  # GNU time, for the CLI's peak memory
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target throughput_bench growth_bench statistics_bench whatif_bench run_state_bench fabrisk_cli >/dev/null

results=build/bench-results
mkdir -p "$results"
# Repetitions run in random order across a benchmark's cases, so that every case samples the
# machine's drift alike (this shared VM's speed moves by 5-10% from minute to minute): the
# ratios between cases, such as one thread against two, are then fair.
bench() {  # bench NAME [ARGS...]: runs build/bench/NAME into $results/NAME.csv
  local name=$1
  shift
  "build/bench/$name" --benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time" \
    --benchmark_enable_random_interleaving=true --benchmark_format=csv "$@" >"$results/$name.csv" 2>"$results/$name.log" ||
    { echo "bench.sh: build/bench/$name failed; its messages are in $results/$name.log" >&2; exit 1; }
}

echo "fabrisk benchmarks, $(date -u +%Y-%m-%d), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "best of $repetitions repetitions of at least ${min_time} s each, in random order; $(build/fabrisk --version | tail -1)"
echo
bench throughput_bench
: >"$results/cli.txt"
for n in "${cli_trials[@]}"; do
  /usr/bin/time -o "$results/time.txt" -f "%e %M" build/fabrisk run --trials "$n" --threads 2 >/dev/null
  echo "$n $(cat "$results/time.txt")" >>"$results/cli.txt"
done
awk -f scripts/bench-summary.awk "$results/throughput_bench.csv" "$results/cli.txt"

echo
echo "growth: draw, model and statistics, 1 thread, 20,000 trials (the pilot's fixed cost included)"
bench growth_bench
awk -v per=us -v item=trial -f scripts/bench-summary.awk "$results/growth_bench.csv"

echo
echo "statistics sink: the default scenario's 10 outputs, a chunk of 2,048 trials at a time"
bench statistics_bench
awk -v per=ns -v item=value -f scripts/bench-summary.awk "$results/statistics_bench.csv"

echo
echo "what if: compare (the default scenario against it without SoftBank, 10^6 trials, 2 threads) against the two runs"
bench whatif_bench
awk -F, '$1 == "\"BM_Compare/process_time/real_time\"" && (c == "" || $3 < c) { c = $3 }
         $1 == "\"BM_Compare/process_time/real_time\"" && (cc == "" || $4 < cc) { cc = $4 }
         $1 == "\"BM_TwoRuns/process_time/real_time\"" && (t == "" || $3 < t) { t = $3 }
         $1 == "\"BM_TwoRuns/process_time/real_time\"" && (tc == "" || $4 < tc) { tc = $4 }
         END { printf "  compare %.0f ms, the two runs %.0f ms: compare costs %.2f× the two runs\n", c, t, c / t
               printf "  CPU time of both threads: compare %.0f ms, the two runs %.0f ms, %.2f×\n", cc, tc, cc / tc }' "$results/whatif_bench.csv"

echo
echo "run states: what a rank sends in the final reduction, and one step of its tree (docs/parallel.md)"
bench run_state_bench
awk -F, '$1 ~ /^"BM_(SaveState|CombineStates)(\/real_time)?"$/ && (t[$1] == "" || $3 < t[$1]) { t[$1] = $3; b[$1] = $NF }
         END { for (k in t) { n = k; gsub(/"|\/real_time/, "", n); printf "  %-18s %7.2f ms  (a state of %d bytes)\n", n, t[k], b[k] } }' \
  "$results/run_state_bench.csv"

# One rank against two of one thread each, where the CLI was built with MPI (scripts/test.sh
# builds so) and mpirun is there.
if command -v mpirun >/dev/null 2>&1 && grep -q '^FABRISK_WITH_MPI:BOOL=ON' build/CMakeCache.txt; then
  echo
  echo "MPI: 10^7 trials, ranks of one thread each (wall time)"
  root=()
  [ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
  for np in 1 2; do
    /usr/bin/time -o "$results/mpi-$np.txt" -f "%e" mpirun --quiet --oversubscribe "${root[@]}" -np $np \
      build/fabrisk run -q --trials 10000000 --threads 1 --json "$results/mpi-$np.json"
    printf '  %d rank(s): %s s\n' $np "$(cat "$results/mpi-$np.txt")"
  done
  cmp -s "$results/mpi-1.json" "$results/mpi-2.json" && echo "  the two JSON files are identical" ||
    { echo "bench.sh: 1 and 2 ranks wrote different JSON" >&2; exit 1; }
fi

# The full run on each target (FABRISK_TARGET), 1 and 2 threads, and a -march=native compile of
# the same source (every inline function compiled for this processor; its kernels are its one
# target), all measured in this run.
best() {  # best FILE CASE: the highest items_per_second of that case, in M/s
  awk -F, -v c="\"$2\"" '$1 == c && $7 > m { m = $7 } END { printf "%.2f", m / 1e6 }' "$1"
}
full_run() {  # full_run BINARY OUT: BM_FullRun into OUT
  "$1" --benchmark_filter='BM_FullRun' --benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time" \
    --benchmark_enable_random_interleaving=true --benchmark_format=csv >"$2" 2>"${2%.csv}.log" ||
    { echo "bench.sh: $1 failed; its messages are in ${2%.csv}.log" >&2; exit 1; }
}
echo
echo "full run by target: best trials/s, 1 and 2 threads (one binary, FABRISK_TARGET)"
printf '  %-40s %8s %8s\n' target "1 thread" "2 threads"
targets=$(build/fabrisk --version | sed -n 's/.*supports \(.*\))$/\1/p' | tr -d ,)
for t in $targets; do
  FABRISK_TARGET=$t full_run build/bench/throughput_bench "$results/throughput_bench-$t.csv"
  f=$results/throughput_bench-$t.csv
  printf '  %-40s %7s M %7s M\n' "$t" "$(best "$f" BM_FullRun/1/real_time)" "$(best "$f" BM_FullRun/2/real_time)"
done
if [ -z "${FABRISK_BENCH_SKIP_BUILDS:-}" ]; then
  dir=build-bench-native
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-march=native" -DFABRISK_BUILD_TESTS=OFF \
    -DFABRISK_BUILD_CLI=OFF -DFABRISK_BUILD_EXAMPLES=OFF -DFABRISK_INSTALL=OFF >/dev/null
  cmake --build "$dir" -j"$(nproc)" --target throughput_bench >"$results/native-build.log" 2>&1 ||
    { echo "bench.sh: the -march=native build failed; its messages are in $results/native-build.log" >&2; exit 1; }
  full_run "$dir/bench/throughput_bench" "$results/throughput_bench-native.csv"
  f=$results/throughput_bench-native.csv
  printf '  %-40s %7s M %7s M\n' "-march=native compile (not dispatched)" "$(best "$f" BM_FullRun/1/real_time)" "$(best "$f" BM_FullRun/2/real_time)"
fi

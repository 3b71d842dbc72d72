#!/usr/bin/env bash
# Reproduces the README's performance figures in one command: installs what is missing, builds
# the benchmarks and the CLI for this machine (the `native` preset), runs them, and prints each
# figure with its target (scripts/bench-summary.awk). Takes about 2 minutes after the build on
# the 2-core development machine, plus a portable and an x86-64-v3 build of throughput_bench
# (FABRISK_BENCH_SKIP_BUILDS=1 leaves them out); --quick about 10 seconds (fewer repetitions, and the CLI
# at 10^6 trials only, so the 10^8-trial figures are not judged).
# Raw results (Google Benchmark CSV, GNU time) are kept in build-native/bench-results/.
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
cmake --preset native >/dev/null
cmake --build --preset native -j"$(nproc)" --target throughput_bench growth_bench statistics_bench fabrisk_cli >/dev/null

results=build-native/bench-results
mkdir -p "$results"
# Repetitions run in random order across a benchmark's cases, so that every case samples the
# machine's drift alike (this shared VM's speed moves by 5-10% from minute to minute): the
# ratios between cases, such as one thread against two, are then fair.
bench() {  # bench NAME: runs build-native/bench/NAME into $results/NAME.csv
  "build-native/bench/$1" --benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time" \
    --benchmark_enable_random_interleaving=true --benchmark_format=csv >"$results/$1.csv" 2>"$results/$1.log" ||
    { echo "bench.sh: build-native/bench/$1 failed; its messages are in $results/$1.log" >&2; exit 1; }
}

echo "fabrisk benchmarks, $(date -u +%Y-%m-%d), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "best of $repetitions repetitions of at least ${min_time} s each, in random order"
echo
bench throughput_bench
: >"$results/cli.txt"
for n in "${cli_trials[@]}"; do
  /usr/bin/time -o "$results/time.txt" -f "%e %M" build-native/fabrisk run --trials "$n" --threads 2 >/dev/null
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

# The same source built for each instruction set (until one binary dispatches at run time, a
# build's -march decides its vector width): the full run, 1 and 2 threads, from one
# throughput_bench per build, the native build's figures from above.
if [ "$(uname -m)" = x86_64 ] && [ -z "${FABRISK_BENCH_SKIP_BUILDS:-}" ]; then
  echo
  echo "full run by build (vector width): best trials/s, 1 and 2 threads"
  for march in x86-64 x86-64-v3; do
    dir=build-bench-$march
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-march=$march" -DFABRISK_BUILD_TESTS=OFF \
      -DFABRISK_BUILD_CLI=OFF -DFABRISK_BUILD_EXAMPLES=OFF -DFABRISK_INSTALL=OFF >/dev/null
    cmake --build "$dir" -j"$(nproc)" --target throughput_bench >/dev/null
    "$dir/bench/throughput_bench" --benchmark_filter='BM_FullRun' --benchmark_repetitions="$repetitions" \
      --benchmark_min_time="$min_time" --benchmark_enable_random_interleaving=true --benchmark_format=csv \
      >"$results/throughput_bench-$march.csv" 2>"$results/throughput_bench-$march.log"
  done
  best() {  # best FILE CASE: the highest items_per_second of that case, in M/s
    awk -F, -v c="\"$2\"" '$1 == c && $7 > m { m = $7 } END { printf "%.2f", m / 1e6 }' "$1"
  }
  printf '  %-34s %8s %8s\n' build "1 thread" "2 threads"
  for march in x86-64 x86-64-v3; do
    f=$results/throughput_bench-$march.csv
    label=$([ "$march" = x86-64 ] && echo "portable (SSE2, 2 lanes)" || echo "x86-64-v3 (AVX2, 4 lanes)")
    printf '  %-34s %7s M %7s M\n' "$label" "$(best "$f" BM_FullRun/1/real_time)" "$(best "$f" BM_FullRun/2/real_time)"
  done
  f=$results/throughput_bench.csv
  printf '  %-34s %7s M %7s M\n' "native (AVX-512, 8 lanes)" "$(best "$f" BM_FullRun/1/real_time)" "$(best "$f" BM_FullRun/2/real_time)"
fi

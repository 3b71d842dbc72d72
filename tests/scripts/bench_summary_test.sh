#!/bin/sh
# Tests scripts/bench-summary.awk, which turns the benchmarks' CSV output into the README's
# performance figures and judges them against the performance targets.
# Usage: bench_summary_test.sh SOURCE_DIR WORK_DIR
set -eu
summary="$1/scripts/bench-summary.awk"
work="$2"
mkdir -p "$work"
failures=0
check() {  # check DESCRIPTION FILE PATTERN: FILE has a line matching PATTERN (fixed string)
  if grep -qF -- "$3" "$2"; then :; else
    echo "FAIL: $1: no line with \"$3\" in:"; cat "$2"; failures=$((failures + 1))
  fi
}
header='name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label,error_occurred,error_message'

row() {  # row NAME RATE: one result row of throughput_bench's CSV, RATE trials a second
  printf '"%s",1,1,1,ns,,%s,,,\n' "$1" "$2"
}
throughput_csv() {  # throughput_csv UNIFORMS FLOOR MODEL ONE TWO: one repetition of every case
  echo "$header"
  row BM_DrawUniformsOnly "$1"; row BM_DrawInputsOnly "$2"; row BM_DrawAndModel "$3"
  row BM_FullRun/1/real_time "$4"; row BM_FullRun/2/real_time "$5"
}

# Every target met. Of three repetitions a case, the best counts, which is neither its first
# row nor its last; aggregate rows (named NAME_mean and so on) do not, whatever their rates.
slower() { throughput_csv 1.9e+07 2.9e+06 2.4e+06 2.0e+06 3.9e+06 | tail -n +2; }
{ echo "$header"; slower; throughput_csv 2e+07 3e+06 2.5e+06 2.1e+06 4.1e+06 | tail -n +2; slower; } >"$work/met.csv"
for aggregate in BM_DrawUniformsOnly_mean BM_DrawInputsOnly_stddev BM_FullRun/1/real_time_cv; do
  row "$aggregate" 9e+09 >>"$work/met.csv"
done
printf '1000000 0.40 13500\n100000000 38.00 14000\n' >"$work/met-cli.txt"
awk -f "$summary" "$work/met.csv" "$work/met-cli.txt" >"$work/met.out"
check "floor" "$work/met.out" "draw-only floor (all random inputs)        3.00 M        333   1.00×"
check "draw and model" "$work/met.out" "draw and model, no statistics              2.50 M        400   1.20×"
check "one thread" "$work/met.out" "full run, 1 thread                         2.10 M        476   1.43×"
check "two threads" "$work/met.out" "full run, 2 threads                        4.10 M        244"
check "uniforms" "$work/met.out" "uniforms only                             20.00 M         50"
check "scaling" "$work/met.out" "scaling, 1 to 2 threads: 1.95×"
check "target 1" "$work/met.out" "target 1, throughput (≥ 1.5 M/s on 1 thread, ≥ 3 M/s on 2): met (2.10 M, 4.10 M)"
check "target 2" "$work/met.out" "target 2, full run ≤ 1.5× the draw-only floor: met (1.43×)"
check "target 3" "$work/met.out" "target 3, scaling ≥ 1.9× from 1 to 2 threads: met (1.95×)"
check "CLI" "$work/met.out" "CLI, 100000000 trials: 38.00 s, peak RSS 14.0 MB"
check "target 1, CLI" "$work/met.out" "target 1, CLI (10^8 trials in under a minute): met (38.0 s)"
check "target 4" "$work/met.out" "target 4, peak RSS at 10^8 within 10% of 10^6: met (14.0 against 13.5 MB)"

# Each target just missed: 1.51× the floor, 1.89× scaling, 1.49 M/s, 61 s, 11% more memory.
throughput_csv 2e+07 2.25e+06 1.6e+06 1.49e+06 2.8161e+06 >"$work/missed.csv"
printf '100000000 61.00 14985\n1000000 0.40 13500\n' >"$work/missed-cli.txt"
awk -f "$summary" "$work/missed.csv" "$work/missed-cli.txt" >"$work/missed.out"
check "target 1 missed" "$work/missed.out" "target 1, throughput (≥ 1.5 M/s on 1 thread, ≥ 3 M/s on 2): not met (1.49 M, 2.82 M)"
check "target 2 missed" "$work/missed.out" "target 2, full run ≤ 1.5× the draw-only floor: not met (1.51×)"
check "target 3 missed" "$work/missed.out" "target 3, scaling ≥ 1.9× from 1 to 2 threads: not met (1.89×)"
check "target 1, CLI missed" "$work/missed.out" "target 1, CLI (10^8 trials in under a minute): not met (61.0 s)"
check "target 4 missed" "$work/missed.out" "target 4, peak RSS at 10^8 within 10% of 10^6: not met (15.0 against 13.5 MB)"

# Without CLI runs, the CLI targets are not judged.
awk -f "$summary" "$work/met.csv" >"$work/no-cli.out"
if grep -q "CLI\|target 4" "$work/no-cli.out"; then echo "FAIL: CLI targets judged without CLI runs"; failures=$((failures + 1)); fi

# A missing case or a malformed CLI line is an error that names it.
grep -v DrawAndModel "$work/met.csv" >"$work/partial.csv"
if awk -f "$summary" "$work/partial.csv" >/dev/null 2>"$work/partial.err"; then
  echo "FAIL: a CSV without BM_DrawAndModel was accepted"; failures=$((failures + 1))
fi
check "missing case" "$work/partial.err" "bench-summary: no BM_DrawAndModel results in the CSV"
printf '1000000 0.40\n' >"$work/bad-cli.txt"
if awk -f "$summary" "$work/met.csv" "$work/bad-cli.txt" >/dev/null 2>"$work/bad-cli.err"; then
  echo "FAIL: a CLI line without its RSS was accepted"; failures=$((failures + 1))
fi
check "malformed CLI line" "$work/bad-cli.err" "bad-cli.txt:1: expected \"trials seconds peak-RSS-KB\", got \"1000000 0.40\""
if awk -f "$summary" /dev/null >/dev/null 2>"$work/empty.err"; then
  echo "FAIL: an empty CSV was accepted"; failures=$((failures + 1))
fi
check "empty CSV" "$work/empty.err" "no benchmark CSV header"

# Per-item mode: best time per item, in the order the cases ran; a case without items per run.
cat >"$work/growth.csv" <<CSV
$header,"fabs","steps"
"BM_Fabs/360",8,90,90,ms,,222000,,,,360,48
"BM_Fabs/360",8,90,90,ms,,250000,,,,360,48
"BM_Fabs/36",36,19,19,ms,,1e+06,,,,36,48
"BM_Fabs/36_mean",2,19,19,ms,,1e+06,,,,36,48
"BM_Fabs/36_median",2,19,19,ms,,1e+06,,,,36,48
"BM_Fabs/36_stddev",2,0.1,0.1,ms,,1000,,,,0,0
"BM_Fabs/36_cv",2,0.01,0.01,ms,,0.001,,,,0,0
"BM_Summary",10,208.5,208.5,us,,,,,,36,48
CSV
awk -v per=us -v item=trial -f "$summary" "$work/growth.csv" >"$work/growth.out"
check "per trial" "$work/growth.out" "BM_Fabs/360                          4.00 µs a trial"
check "order" "$work/growth.out" "BM_Fabs/36                           1.00 µs a trial"
check "per run" "$work/growth.out" "BM_Summary                         208.50 us a run"
[ "$(awk '{ printf "%s ", $1 }' "$work/growth.out")" = "BM_Fabs/360 BM_Fabs/36 BM_Summary " ] || {
  echo "FAIL: expected the three cases in the order they ran, without aggregates:"; cat "$work/growth.out"; failures=$((failures + 1)); }
awk -v per=ns -v item=value -f "$summary" "$work/growth.csv" >"$work/values.out"
check "per value" "$work/values.out" "BM_Fabs/36                        1000.00 ns a value"

if [ "$failures" -ne 0 ]; then echo "$failures checks failed"; exit 1; fi
echo "all bench-summary checks passed"

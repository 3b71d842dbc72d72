# Summarizes throughput_bench's CSV output (Google Benchmark, --benchmark_format=csv, any
# number of repetitions) against the performance targets: each case's best trials a second
# over its repetitions, its time relative to the draw-only floor, and the scaling from one
# thread to two. An optional second file holds CLI runs, one "trials seconds peak-RSS-KB" line
# each (GNU time's "%e %M"), for the CLI and memory targets.
#
#   awk -f scripts/bench-summary.awk throughput.csv [cli.txt]
#
# With -v per=us (or ns) and optionally -v item=NAME, any benchmark's CSV instead gives each
# case's best time per item (a trial for growth_bench, a value for statistics_bench), in the
# order the cases ran.
#
# Written for POSIX awk (Debian's default is mawk). Exits 1, naming what is missing, if a case
# or a column is absent; the verdicts themselves never change the exit status.

function fail(message) {
    print "bench-summary: " message > "/dev/stderr"
    failed = 1
    exit 1
}
function rate(x) {
    if (x >= 1e6) return sprintf("%.2f M", x / 1e6)
    return sprintf("%.0f k", x / 1e3)
}
function verdict(ok) { return ok ? "met" : "not met" }

BEGIN {
    FS = ","
    label["BM_DrawUniformsOnly"] = "uniforms only"
    label["BM_DrawInputsOnly"] = "draw-only floor (all random inputs)"
    label["BM_DrawAndModel"] = "draw and model, no statistics"
    label["BM_FullRun/1/real_time"] = "full run, 1 thread"
    label["BM_FullRun/2/real_time"] = "full run, 2 threads"
    order[1] = "BM_DrawUniformsOnly"; order[2] = "BM_DrawInputsOnly"; order[3] = "BM_DrawAndModel"
    order[4] = "BM_FullRun/1/real_time"; order[5] = "BM_FullRun/2/real_time"
    cases = 5
}

# The benchmark CSV: find the columns by name in the header.
FNR == NR && /^name,/ {
    for (i = 1; i <= NF; ++i) column[$i] = i
    if (!("items_per_second" in column) || !("real_time" in column) || !("time_unit" in column))
        fail(FILENAME ": expected Google Benchmark's CSV header (name, real_time, time_unit, items_per_second, ...)")
    header = 1
    next
}
FNR == NR {
    if (!header) next  # Google Benchmark's context lines, if they were captured
    name = $1
    gsub(/"/, "", name)
    if (name ~ /_(mean|median|stddev|cv)$/) next  # aggregates: the best single repetition counts
    per_second = $(column["items_per_second"]) + 0
    if (!(name in best)) seen[++names] = name
    if (!(name in best) || per_second > best[name]) best[name] = per_second
    time = $(column["real_time"]) + 0  # for cases that count no items
    if (!(name in fastest) || time < fastest[name]) fastest[name] = time
    unit[name] = $(column["time_unit"])
    next
}

# CLI runs, in the order given.
{
    count = split($0, field, " ")
    if (count == 0) next
    if (count != 3) fail(FILENAME ":" FNR ": expected \"trials seconds peak-RSS-KB\", got \"" $0 "\"")
    ++cli_runs
    cli_trials[cli_runs] = field[1] + 0
    cli_seconds[cli_runs] = field[2] + 0
    cli_rss[cli_runs] = field[3] + 0
    if (cli_trials[cli_runs] == 1e6) at_1e6 = cli_runs
    if (cli_trials[cli_runs] == 1e8) at_1e8 = cli_runs
}

END {
    if (failed) exit 1
    if (!header) fail("no benchmark CSV header (run the benchmark with --benchmark_format=csv)")
    if (per != "") {
        if (per != "us" && per != "ns") fail("per must be us or ns, not " per)
        if (!names) fail("no benchmark results in the CSV")
        if (item == "") item = "item"
        for (i = 1; i <= names; ++i) {
            if (best[seen[i]] <= 0) {
                printf "%-30s %10.2f %s a run\n", seen[i], fastest[seen[i]], unit[seen[i]]
                continue
            }
            printf "%-30s %10.2f %s a%s %s\n", seen[i], (per == "us" ? 1e6 : 1e9) / best[seen[i]], (per == "us" ? "µs" : "ns"),
                   (item ~ /^[aeiou]/ ? "n" : ""), item
        }
        exit 0
    }
    for (i = 1; i <= cases; ++i)
        if (!(order[i] in best) || best[order[i]] <= 0) fail("no " order[i] " results in the CSV")
    floor = best["BM_DrawInputsOnly"]
    one = best["BM_FullRun/1/real_time"]
    two = best["BM_FullRun/2/real_time"]

    printf "%-38s %10s %10s   %s\n", "case (default scenario)", "trials/s", "ns/trial", "time / draw-only"
    for (i = 1; i <= cases; ++i) {
        name = order[i]
        printf "%-38s %10s %10.0f", label[name], rate(best[name]), 1e9 / best[name]
        if (i >= 2 && i <= 4) printf "   %.2f×", floor / best[name]  # the single-thread cases
        printf "\n"
    }
    printf "scaling, 1 to 2 threads: %.2f×\n\n", two / one

    printf "target 1, throughput (≥ 1.5 M/s on 1 thread, ≥ 3 M/s on 2): %s (%s, %s)\n",
           verdict(one >= 1.5e6 && two >= 3e6), rate(one), rate(two)
    printf "target 2, full run ≤ 1.5× the draw-only floor: %s (%.2f×)\n", verdict(floor / one <= 1.5), floor / one
    printf "target 3, scaling ≥ 1.9× from 1 to 2 threads: %s (%.2f×)\n", verdict(two >= 1.9 * one), two / one
    for (i = 1; i <= cli_runs; ++i)
        printf "CLI, %.0f trials: %.2f s, peak RSS %.1f MB\n", cli_trials[i], cli_seconds[i], cli_rss[i] / 1000
    if (at_1e8)
        printf "target 1, CLI (10^8 trials in under a minute): %s (%.1f s)\n", verdict(cli_seconds[at_1e8] < 60), cli_seconds[at_1e8]
    if (at_1e6 && at_1e8)
        printf "target 4, peak RSS at 10^8 within 10%% of 10^6: %s (%.1f against %.1f MB)\n",
               verdict(cli_rss[at_1e8] <= 1.1 * cli_rss[at_1e6]), cli_rss[at_1e8] / 1000, cli_rss[at_1e6] / 1000
}

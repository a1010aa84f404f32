# shellcheck shell=bash
# Shared helpers of bench/run and the bench/NN_*.sh scripts: quick mode, progress, and
# the machine-readable results that bench/report turns into bench/REPORT.md. Sourced, not run.
#
# When BENCH_OUT names a file, results are appended to it, one record a line, fields
# separated by tabs (no field holds a tab):
#   target  AREA  WHAT  FIGURE  BASELINE  UNIT  RATIO  OP  BOUND  VERDICT
#       a figure measured against its baseline in the same run; RATIO is FIGURE / BASELINE
#       to 3 decimals, judged against BOUND by OP (">=", "<=", or "within", BOUND then
#       "LOW-HIGH", both included); VERDICT is met or MISSED.
#   figure  AREA  WHAT  VALUE  UNIT             a figure with no target, for the record
#   plot    ID  TITLE  XLABEL  YLABEL  OPTIONS  a plot (OPTIONS: words among logx, logy)
#   point   ID  SERIES  X  Y                    one point of a series of plot ID
#   info    KEY  VALUE                          the machine and the run (written by bench/run)
#   script  NAME  EXIT  SECONDS  LOAD_AT_START  LOAD_AT_END   (written by bench/run)
# When BENCH_PROGRESS names a file, progress lines "EPOCH<tab>SCRIPT<tab>TEXT" are appended
# to it (bench/report shows them while the benchmarks run).

# The first argument in quick mode (BENCH_QUICK=1: few rounds, small data, for developing
# the benchmarks and the report; its figures mean little), else the second.
quick() {
    if [ "${BENCH_QUICK:-0}" = 1 ]; then echo "$1"; else echo "$2"; fi
}

# Appends one record (its fields as arguments) to $BENCH_OUT, if set.
emit() {
    [ -n "${BENCH_OUT:-}" ] || return 0
    local IFS=$'\t'
    echo "$*" >>"$BENCH_OUT"
}

# Notes progress: TEXT, for bench/report's display.
progress() {
    [ -n "${BENCH_PROGRESS:-}" ] || return 0
    printf '%s\t%s\t%s\n' "$(date +%s)" "${BENCH_SCRIPT:-bench}" "$*" >>"$BENCH_PROGRESS"
}

# A step: its heading in the human output ("-- TEXT"), and progress.
step() {
    echo "-- $*"
    progress "$*"
}

# The rule that judges a ratio, as an awk function (used here and by bench/run; bench/report
# has the same rule in Python).
JUDGE_AWK='function judge(r, op, b,   lh) {
    if (op == ">=") return r + 0 >= b + 0
    if (op == "<=") return r + 0 <= b + 0
    if (op == "within") { split(b, lh, "-"); return r + 0 >= lh[1] + 0 && r + 0 <= lh[2] + 0 }
    return 0
}'

# The ratio A / B to 3 decimals.
ratio3() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b == 0) ? 0 : a / b }'; }

# Records a target and prints its verdict (met or MISSED):
#   target AREA WHAT FIGURE BASELINE UNIT OP BOUND
# The ratio is FIGURE / BASELINE, to 3 decimals.
target() {
    local area=$1 what=$2 figure=$3 baseline=$4 unit=$5 op=$6 bound=$7 ratio verdict
    ratio=$(ratio3 "$figure" "$baseline")
    verdict=$(awk -v r="$ratio" -v op="$op" -v b="$bound" "$JUDGE_AWK"'
        BEGIN { print judge(r, op, b) ? "met" : "MISSED" }')
    emit target "$area" "$what" "$figure" "$baseline" "$unit" "$ratio" "$op" "$bound" "$verdict"
    progress "  $verdict: $what: ratio $ratio (target $op $bound)"
    echo "$verdict"
}

# Records a figure with no target: figure AREA WHAT VALUE UNIT
figure() { emit figure "$@"; }

# Declares a plot: plot_def ID TITLE XLABEL YLABEL [OPTIONS]
plot_def() { emit plot "$1" "$2" "$3" "$4" "${5:-}"; }

# One point of a plot's series: point ID SERIES X Y
point() { emit point "$@"; }

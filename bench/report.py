#!/usr/bin/env python3
"""Writes the benchmark report (bench/REPORT.md) and its plots (bench/plots/*.png) from the
results of one bench/run: the tab-separated records of its BENCH_OUT (bench/lib.sh
describes them), its output and its exit status. Run by bench/report; run it alone to
write the report again from a results directory:

    bench/report.py --results bench/results

Judges every target again from its ratio and bound. Exit status: 0 when every target was
met, 1 when one was missed, 2 when a benchmark failed or none ran. Standard library only;
the plots need gnuplot (Debian's gnuplot-nox, pngcairo terminal).
"""
import argparse
import datetime
import math
import os
import shutil
import subprocess
import sys

OPS = {">=": "≥", "<=": "≤"}

# What each plot shows, under its picture (plots not named here get none).
PLOT_NOTES = {
    "users": "Transactions per second of `auth_has_role` and of the hand-written recursive "
             "query it replaces, on data sets of growing size (each user a member of one "
             "product, with two grants), 2 pgbench clients, prepared statements, random "
             "questions; median of the alternating rounds. A flat line means the check's cost "
             "does not grow with the number of users.",
    "latency": "Average latency of one `auth_has_role` call (1 pgbench client, round trip "
               "included) on the same data sets. The target compares two of these sizes.",
    "argon2": "Time of one password check (`auth_verify_password`: one Argon2id verification "
              "at the stored hash's settings) for each `auth.pwhash_memlimit` and "
              "`auth.pwhash_opslimit`, median in one backend. A login costs this much; the "
              "default is t=2, 64 MiB.",
    "clients": "Transactions per second as pgbench clients (and as many threads) are added, "
               "prepared statements, median of the alternating rounds: `auth_has_role` and "
               "its hand-written query on the main authorization data set, `auth_session_user` "
               "and the hand lookup of the token hash on 100,000 sessions. pgbench runs on the "
               "same machine, so past the number of cores clients share them with it.",
}


def judge(ratio, op, bound):
    """True when ratio meets op bound (the rule of bench/lib.sh's JUDGE_AWK)."""
    try:
        r = float(ratio)
        if op == ">=":
            return r >= float(bound)
        if op == "<=":
            return r <= float(bound)
        if op == "within":
            low, high = bound.split("-")
            return float(low) <= r <= float(high)
    except ValueError:
        pass
    return False


def number(value, unit=""):
    """A figure as shown: thousands separated, decimals by size."""
    try:
        v = float(value)
    except ValueError:
        return value or "—"
    if unit == "answers" or (v.is_integer() and abs(v) >= 1):
        text = f"{v:,.0f}"
    elif abs(v) >= 100:
        text = f"{v:,.0f}"
    elif abs(v) >= 10:
        text = f"{v:.1f}"
    elif abs(v) >= 1:
        text = f"{v:.2f}"
    else:
        text = f"{v:.3f}"
    return f"{text} {unit}".strip()


def short_x(x):
    """An axis label: 1000 -> 1k, 1000000 -> 1M."""
    v = float(x)
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if v >= size and (v / size).is_integer():
            return f"{v / size:.0f}{suffix}"
    return f"{v:g}"


def target_text(op, bound):
    if op == "within":
        low, high = bound.split("-")
        return f"{low} to {high}"
    return f"{OPS.get(op, op)} {bound}"


def cell(text):
    return str(text).replace("|", "\\|")


def load_records(path):
    records = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    records.append(line.split("\t"))
    return records


def gnuplot_quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def draw(plot_id, meta, series, png):
    """Draws one plot with gnuplot; returns an error message or None."""
    title, xlabel, ylabel, options = meta
    xs = sorted({x for points in series.values() for x, _ in points})
    lines = [
        "set terminal pngcairo noenhanced size 960,640 font 'DejaVu Sans,11'",
        f"set output {gnuplot_quote(png)}",
        f"set title {gnuplot_quote(title)} font ',13'",
        f"set xlabel {gnuplot_quote(xlabel)}",
        f"set ylabel {gnuplot_quote(ylabel)}",
        "set grid",
        # The key under the x axis's label, one line a series, in a bottom margin made for it.
        f"set bmargin {4.5 + 1.3 * len(series):.1f}",
        f"set key at screen 0.5, character {1.3 * len(series) + 0.6:.1f} center top vertical Left reverse "
        "spacing 1.3 samplen 3 box lw 0.5 width 1",
        "set autoscale xfix",
        "set yrange [0:*]",
        "set offsets graph 0.05, graph 0.05, graph 0.08, 0",
        "set format y '%g'",
    ]
    if "logx" in options.split():
        lines.append("set logscale x")
    lines.append("set xtics (" + ", ".join(f"{gnuplot_quote(short_x(x))} {x:g}" for x in xs) + ")")
    plots = []
    for i, (name, points) in enumerate(series.items()):
        block = f"$s{i}"
        lines.append(f"{block} << EOD")
        for x, y in sorted(points):
            lines.append(f"{x:g} {y:g}")
        lines.append("EOD")
        plots.append(f"{block} using 1:2 with linespoints lw 2 pt {(5, 7, 9, 11, 13)[i % 5]} ps 1.3 "
                     f"lc {i + 1} title {gnuplot_quote(name)}")
    lines.append("plot " + ", \\\n     ".join(plots))
    try:
        done = subprocess.run(["gnuplot"], input="\n".join(lines) + "\n", text=True,
                              capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"gnuplot failed: {e}"
    if done.returncode != 0 or not os.path.exists(png):
        return "gnuplot failed: " + done.stderr.strip().replace("\n", " ")
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--results", default=os.path.join(here, "results"),
                        help="the directory of results.tsv and output.txt (default bench/results)")
    parser.add_argument("--report", default=os.path.join(here, "REPORT.md"))
    parser.add_argument("--plots", default=None, help="default: plots/ beside the report")
    parser.add_argument("--run-status", type=int, default=None, help="bench/run's exit status")
    args = parser.parse_args()
    report_dir = os.path.dirname(os.path.abspath(args.report))
    plots_dir = args.plots or os.path.join(report_dir, "plots")
    records = load_records(os.path.join(args.results, "results.tsv"))

    info, targets, figures, plots, points, scripts = {}, [], [], {}, {}, []
    for r in records:
        kind = r[0]
        if kind == "info" and len(r) >= 3:
            info[r[1]] = r[2]
        elif kind == "target" and len(r) >= 10:
            targets.append(r[1:10] + [judge(r[6], r[7], r[8])])
        elif kind == "figure" and len(r) >= 5:
            figures.append(r[1:5])
        elif kind == "plot" and len(r) >= 5:
            plots.setdefault(r[1], (r[2], r[3], r[4], r[5] if len(r) > 5 else ""))
        elif kind == "point" and len(r) >= 5:
            try:
                points.setdefault(r[1], {}).setdefault(r[2], []).append((float(r[3]), float(r[4])))
            except ValueError:
                pass
        elif kind == "script" and len(r) >= 6:
            scripts.append(r[1:6])

    missed = [t for t in targets if not t[9]]
    failed = [s for s in scripts if s[1] != "0"]
    broken = not scripts or (args.run_status is not None and args.run_status >= 2)
    quick = info.get("mode") == "quick"

    # Plots first, so that the report can say which failed.
    # Every plot of an earlier report goes, so that none is left stale beside this one.
    for plot_id in set(PLOT_NOTES) | set(plots):
        old = os.path.join(plots_dir, plot_id + ".png")
        if os.path.exists(old):
            os.remove(old)
    if points:
        os.makedirs(plots_dir, exist_ok=True)
    drawn, plot_errors = {}, {}
    have_gnuplot = shutil.which("gnuplot") is not None
    for plot_id, meta in plots.items():
        if plot_id not in points:
            continue
        png = os.path.join(plots_dir, plot_id + ".png")
        error = draw(plot_id, meta, points[plot_id], png) if have_gnuplot else "gnuplot is not installed"
        if error:
            plot_errors[plot_id] = error
        else:
            drawn[plot_id] = os.path.relpath(png, report_dir)

    out = []
    w = out.append
    w("# Benchmark report")
    w("")
    if quick:
        w("> **Quick mode** (`BENCH_QUICK=1`): few rounds on small data sets, for developing the "
          "benchmarks. Its figures do not measure the extension; do not commit this report.")
        w("")
    seconds = int(info.get("seconds", "0") or 0)
    w(f"Made by `bench/report` from a run of `bench/run` started {info.get('started', 'at an unknown time')}, "
      f"which took {seconds // 60} min {seconds % 60} s. Every ratio compares runs interleaved in the "
      "same minutes on this machine; absolute figures depend on the machine and its load.")
    w("")
    if not records:
        w(f"**No results**: `{args.results}` has no records of a run.")
    elif broken and not scripts:
        w("**The run failed before any benchmark ran**"
          + (f" (bench/run's exit status {args.run_status})" if args.run_status is not None else "")
          + "; see its output.")
    else:
        if failed:
            w("**Benchmarks that failed**: " + ", ".join(f"`{s[0]}` (exit status {s[1]})" for s in failed)
              + "; their targets after the failure were not measured.")
            w("")
        if missed:
            w(f"**{len(missed)} of {len(targets)} targets MISSED**:")
            w("")
            for t in missed:
                w(f"- {t[1]}: ratio {t[5]}, target {target_text(t[6], t[7])}")
        elif targets:
            w(f"**All {len(targets)} targets met.**" if not failed else f"**The {len(targets)} targets measured were met.**")
        else:
            w("**No target was measured.**")
    output = os.path.join(args.results, "output.txt")
    if os.path.exists(output):
        w("")
        w(f"Full output: [{os.path.relpath(output, report_dir)}]({os.path.relpath(output, report_dir)}); "
          f"records: [{os.path.relpath(os.path.join(args.results, 'results.tsv'), report_dir)}]"
          f"({os.path.relpath(os.path.join(args.results, 'results.tsv'), report_dir)}).")
    w("")

    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    for key, label in (("nproc", "cores (`nproc`)"), ("cpu", "CPU"), ("memory", "memory"),
                       ("system", "system"), ("postgresql", "PostgreSQL"), ("extension", "extension"),
                       ("commit", "commit (`git describe --dirty`)"),
                       ("load_start", "load average (1, 5, 15 min) before the build"),
                       ("load_benchmarks", "load average when the benchmarks started"),
                       ("load_end", "load average at the end"),
                       ("mode", "mode"), ("settings", "settings from the environment")):
        if info.get(key):
            w(f"| {label} | {cell(info[key])} |")
    w("")
    try:
        load = float(info.get("load_start", "").split()[0])
        if load > 0.5:
            w(f"The machine was not quiet: the 1-minute load average was {load:g} on "
              f"{info.get('nproc', '?')} cores before the run began. Absolute figures are lower "
              "than on a quiet machine, and the ratios noisier.")
            w("")
    except (ValueError, IndexError):
        pass
    if scripts:
        w("| benchmark | time | exit status | load average at start → end |")
        w("|---|---|---|---|")
        for name, rc, secs, load0, load1 in scripts:
            secs = int(secs)
            w(f"| `{name}` | {secs // 60} min {secs % 60} s | {rc} | {load0} → {load1} |")
        w("")

    areas = []
    for t in targets:
        if t[0] not in areas:
            areas.append(t[0])
    for f in figures:
        if f[0] not in areas:
            areas.append(f[0])
    for area in areas:
        w(f"## {area}")
        w("")
        rows = [t for t in targets if t[0] == area]
        if rows:
            w("| what | figure | baseline, same run | ratio | target | result |")
            w("|---|---|---|---|---|---|")
            for _, what, fig, base, unit, ratio, op, bound, _verdict, ok in rows:
                w(f"| {cell(what)} | {number(fig, unit)} | {number(base, unit)} | {ratio} | "
                  f"{target_text(op, bound)} | {'met' if ok else '**MISSED**'} |")
            w("")
        rows = [f for f in figures if f[0] == area]
        if rows:
            w("Other figures (no target):")
            w("")
            w("| what | figure |")
            w("|---|---|")
            for _, what, value, unit in rows:
                w(f"| {cell(what)} | {number(value, unit)} |")
            w("")

    if plots:
        w("## Plots")
        w("")
    for plot_id, (title, xlabel, ylabel, _options) in plots.items():
        if plot_id not in points:
            continue
        w(f"### {title}")
        w("")
        if plot_id in drawn:
            w(f"![{title}]({drawn[plot_id]})")
        else:
            w(f"(no picture: {plot_errors.get(plot_id)})")
        w("")
        if plot_id in PLOT_NOTES:
            w(PLOT_NOTES[plot_id])
            w("")
        series = points[plot_id]
        xs = sorted({x for p in series.values() for x, _ in p})
        w(f"| {cell(xlabel.replace(' (log scale)', ''))} | " + " | ".join(cell(name) for name in series) + " |")
        w("|---" * (len(series) + 1) + "|")
        for x in xs:
            row = []
            for p in series.values():
                ys = [y for px, y in p if px == x]
                row.append(number(ys[0]) if ys else "—")
            w(f"| {x:,.0f} | " + " | ".join(row) + " |")
        w(f"\nEach cell: {cell(ylabel)}.")
        w("")

    os.makedirs(report_dir, exist_ok=True)
    with open(args.report, "w", encoding="utf-8") as f:
        f.write("\n".join(out).rstrip("\n") + "\n")

    # The summary on the terminal.
    print(f"report: {os.path.relpath(args.report)}; plots: {', '.join(sorted(drawn.values())) or 'none'}")
    for plot_id, error in plot_errors.items():
        print(f"plot {plot_id}: {error}")
    for t in missed:
        print(f"MISSED: {t[1]}: ratio {t[5]} (target {target_text(t[6], t[7])})")
    for s in failed:
        print(f"FAILED: {s[0]} (exit status {s[1]})")
    print(f"{len(targets)} targets, {len(targets) - len(missed)} met, {len(missed)} missed"
          + (" (quick mode: the figures mean little)" if quick else ""))
    if broken or failed or not targets:
        return 2
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

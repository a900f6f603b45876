"""Turn one bench run's measurements into bench/results/latest.json (+ a dated copy) and a table.

    report.py RUN_DIR RESULTS_DIR [--import-only]

Reads what run.sh and measure.py left in RUN_DIR: meta.json, NAME.json (wall time, CPU per
process tree, rows filed), NAME.wrk.json (wrk's figures), the pgbench per-transaction logs and
import.json (import_bench.py). With --import-only (``run.sh import``) only the student import
was measured: its figures go to RESULTS_DIR/latest-import.json, and latest.json is left alone.
The dashboard part's dashboards.json and generate.json become keys through bench/dashboards.py;
--dashboards-only (``run.sh dashboards``) writes them to RESULTS_DIR/latest-dashboards.json.
Keys of the JSON are stable (design.md, "Public interfaces"): each names the figure and its unit.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from dashboards import dashboard_keys, dashboards_only, print_dashboards  # bench/dashboards.py

TARGETS = {
    # figure: (kind, threshold)
    "submit_office": ("pct_of_pg", 20.0),
    "submit_online": ("pct_of_pg", 20.0),
    "track": ("pct_of_pg", 6.0),
    "queue": ("p99_ms_at_most", 150.0),
}
# The student import (issue 7): rows/s of `pishkhan import-students`, and its share of
# PostgreSQL's own COPY of the same rows.
IMPORT_TARGET_ROWS_PER_S = 50_000
IMPORT_TARGET_COPY_RATIO = 0.5


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def pgbench(run: Path, name: str) -> dict[str, Any]:
    out = (run / f"{name}.out").read_text() if (run / f"{name}.out").exists() else ""
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    latencies = []
    for log in glob.glob(str(run / f"{name}_log.*")):
        with open(log) as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 3 and fields[2].isdigit():
                    latencies.append(int(fields[2]) / 1000)
    latencies.sort()
    return {
        "per_s": round(float(tps.group(1)), 1) if tps else None,
        "p50_ms": round(percentile(latencies, 50), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 2) if latencies else None,
        "failed": int(failed.group(1)) if failed else None,
        "transactions": len(latencies),
    }


def wrk(run: Path, name: str) -> dict[str, Any]:
    figures = load(run / f"{name}.wrk.json")
    record = load(run / f"{name}.json")
    if not figures:
        return {}
    seconds = figures["duration_us"] / 1e6
    requests = figures["requests"]
    errors = sum(figures[k] for k in figures if k.startswith("errors_"))
    result: dict[str, Any] = {
        "requests": requests,
        "seconds": round(seconds, 2),
        "errors": errors,
        "p50_ms": round(figures["p50_us"] / 1000, 2),
        "p99_ms": round(figures["p99_us"] / 1000, 2),
    }
    # A submission counts when it filed a request (the database says so), not when the page
    # answered: a form shown again with errors is a 200 to wrk.
    done = record.get("rows_created", requests - errors)
    result["per_s"] = round(done / seconds, 1) if seconds else None
    if "rows_created" in record:
        result["filed"] = done
    cpu = record.get("cpu_s", {})
    if done and cpu:
        result["cpu_ms_per_request"] = {k: round(v * 1000 / done, 2) for k, v in cpu.items()}
    return result


def machine() -> dict[str, Any]:
    memory_kb = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    model = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "memory_mb": memory_kb // 1024, "cpu": model}


def student_import(run: Path) -> dict[str, Any]:
    """import_bench.py's figures as JSON keys: import_rows_per_s, import_copy_rows_per_s,
    import_copy_ratio (the import's rate over COPY's), import_update_rows_per_s, …"""
    figures = load(run / "import.json")
    if not figures:
        return {}
    out: dict[str, Any] = {
        "import_rows": figures["rows"],
        "import_students": figures.get("students"),
        "import_rows_per_s": figures["import_rows_per_s"],
        "import_seconds": figures["import_seconds"],
        "import_copy_rows_per_s": figures["copy_rows_per_s"],
        "import_copy_seconds": figures["copy_seconds"],
        "import_copy_ratio": round(figures["import_rows_per_s"] / figures["copy_rows_per_s"], 3),
        "import_update_rows_per_s": figures["update_rows_per_s"],
        "import_update_seconds": figures["update_seconds"],
        "import_startup_seconds": figures["startup_seconds"],
        "import_workers": figures.get("workers"),
    }
    for run_name, prefix in (
        ("import", "import"),
        ("copy", "import_copy"),
        ("update", "import_update"),
    ):
        for part in ("client", "db"):
            key = f"{run_name}_{part}_cpu_us_per_row"
            if key in figures:
                out[f"{prefix}_{part}_cpu_us_per_row"] = figures[key]
    out["import_target"] = (
        "PASS"
        if out["import_rows_per_s"] >= IMPORT_TARGET_ROWS_PER_S
        and out["import_copy_ratio"] >= IMPORT_TARGET_COPY_RATIO
        else "FAIL"
    )
    return out


def print_import(out: dict[str, Any]) -> None:
    if "import_rows_per_s" not in out:
        return
    target = (
        f">= {IMPORT_TARGET_COPY_RATIO:.0%} & {IMPORT_TARGET_ROWS_PER_S // 1000}k "
        f"{out['import_target']}"
    )
    label = f"student import ({out['import_rows']:,} rows)"
    print(
        f"{label:34} {fmt(out['import_rows_per_s'], '{:,.0f}'):>9} {'':>8} {'':>8} "
        f"{fmt(out['import_copy_rows_per_s'], '{:,.0f}'):>13} "
        f"{fmt(100 * out['import_copy_ratio'], '{:.1f} %'):>7} {target:>14}"
    )
    print(
        f"{'student re-import (in place)':34} {fmt(out['import_update_rows_per_s'], '{:,.0f}'):>9}"
    )
    print(
        f"{'':34} the import's start-up {fmt(out['import_startup_seconds'], '{:.2f}')} s of "
        f"{fmt(out['import_seconds'], '{:.2f}')} s; CPU us/row: import "
        f"{fmt(out.get('import_client_cpu_us_per_row'), '{:.1f}')} + PostgreSQL "
        f"{fmt(out.get('import_db_cpu_us_per_row'), '{:.1f}')}, COPY: PostgreSQL "
        f"{fmt(out.get('import_copy_db_cpu_us_per_row'), '{:.1f}')}"
    )


def import_only(run: Path, results: Path) -> None:
    out = student_import(run)
    meta = load(run / "meta.json")
    for key, value in meta.get("setup", {}).items():
        out[key] = value
    out["machine"] = machine()
    out["at"] = meta.get("at") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results.mkdir(parents=True, exist_ok=True)
    (results / "latest-import.json").write_text(
        json.dumps(out, indent=1, ensure_ascii=False) + "\n"
    )
    m = out["machine"]
    print()
    print(f"Pishkhan bench, the student import alone, {out['at']}: {m['cores']} cores")
    if out.get("python"):
        print(f"Python: {out['python']}")
    if out.get("postgres"):
        print(f"PostgreSQL {out['postgres']} ({out.get('durability', '')})")
    header = (
        f"{'':34} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8} {'PostgreSQL/s':>13} "
        f"{'share':>7} {'target':>14}"
    )
    print(header)
    print("-" * len(header))
    print_import(out)
    print()


def main() -> None:
    run, results = Path(sys.argv[1]), Path(sys.argv[2])
    if "--import-only" in sys.argv[3:]:
        import_only(run, results)
        return
    if "--dashboards-only" in sys.argv[3:]:
        dashboards_only(run, results, machine())
        return
    meta = load(run / "meta.json")
    pg_submit, pg_track = pgbench(run, "pg_submit"), pgbench(run, "pg_track")
    rows = {
        "submit_office": wrk(run, "submit_office"),
        "submit_online": wrk(run, "submit_online"),
        "track": wrk(run, "track"),
        # The same look-ups from a browser without JavaScript: the whole page (no target).
        "track_full_page": wrk(run, "track_full_page"),
        "queue": wrk(run, "queue"),
    }
    bare = {"bare_track": wrk(run, "bare_track"), "bare_submit": wrk(run, "bare_submit")}
    limits = {
        "submit_office": pg_submit,
        "submit_online": pg_submit,
        "track": pg_track,
        "track_full_page": pg_track,
    }
    bare_limits = {"bare_track": pg_track, "bare_submit": pg_submit}
    at = meta.get("at") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    out: dict[str, Any] = {}
    for name, figures in rows.items():
        out[f"{name}_per_s"] = figures.get("per_s")
        out[f"{name}_p50_ms"] = figures.get("p50_ms")
        out[f"{name}_p99_ms"] = figures.get("p99_ms")
    out["submit_pg_limit_per_s"] = pg_submit["per_s"]
    out["submit_pg_p50_ms"] = pg_submit["p50_ms"]
    out["submit_pg_p99_ms"] = pg_submit["p99_ms"]
    out["track_pg_limit_per_s"] = pg_track["per_s"]
    out["track_pg_p50_ms"] = pg_track["p50_ms"]
    out["track_pg_p99_ms"] = pg_track["p99_ms"]
    verdicts: dict[str, str] = {}
    for name, (kind, threshold) in TARGETS.items():
        figures = rows[name]
        if kind == "pct_of_pg":
            limit = limits[name]["per_s"]
            pct = (
                100 * figures["per_s"] / limit
                if figures.get("per_s") is not None and limit
                else None
            )
            out[f"{name}_pct_of_pg"] = None if pct is None else round(pct, 2)
            # Judged on the exact share: 5.98 % is not 6 % because the table shows one decimal.
            verdicts[name] = "n/a" if pct is None else ("PASS" if pct >= threshold else "FAIL")
        else:
            p99 = figures.get("p99_ms")
            verdicts[name] = "n/a" if p99 is None else ("PASS" if p99 <= threshold else "FAIL")
        out[f"{name}_target"] = verdicts[name]
    out["queue_ms_p99_target"] = TARGETS["queue"][1]
    if rows["track_full_page"].get("per_s") and pg_track["per_s"]:
        out["track_full_page_pct_of_pg"] = round(
            100 * rows["track_full_page"]["per_s"] / pg_track["per_s"], 1
        )
    # Calibration: bare views on the same stack, and how much of their speed the pages keep.
    for name, figures in bare.items():
        if figures:
            limit = bare_limits[name]["per_s"]
            out[f"{name}_per_s"] = figures.get("per_s")
            out[f"{name}_p50_ms"] = figures.get("p50_ms")
            out[f"{name}_p99_ms"] = figures.get("p99_ms")
            out[f"{name}_pct_of_pg"] = (
                round(100 * figures["per_s"] / limit, 1) if figures.get("per_s") and limit else None
            )
            for tree, ms in figures.get("cpu_ms_per_request", {}).items():
                out[f"{name}_{tree}_cpu_ms_per_request"] = ms
    for page, base in (("track", "bare_track"), ("submit_office", "bare_submit")):
        if out.get(f"{page}_per_s") and out.get(f"{base}_per_s"):
            out[f"{page}_pct_of_bare"] = round(100 * out[f"{page}_per_s"] / out[f"{base}_per_s"], 1)
    out["requests_in_db"] = meta.get("requests_in_db")
    if meta.get("submit_online_not_measured"):
        out["submit_online_not_measured"] = meta["submit_online_not_measured"]
    for name, figures in rows.items():
        # CPU ms each process tree spent per request: app, db, worker, redis, loadgen.
        for tree, ms in figures.get("cpu_ms_per_request", {}).items():
            out[f"{name}_{tree}_cpu_ms_per_request"] = ms
        if figures.get("errors"):
            out[f"{name}_errors"] = figures["errors"]
    for key, value in meta.get("setup", {}).items():
        if isinstance(value, dict):
            for part, item in value.items():
                out[f"{key}_{part}"] = item
        else:
            out[key] = value
    out.update(student_import(run))
    out.update(dashboard_keys(run))
    out["machine"] = machine()
    out["at"] = at

    results.mkdir(parents=True, exist_ok=True)
    latest = results / "latest.json"
    latest.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    stamp = re.sub(r"[^0-9T]", "", at.split("+")[0])[:15]
    shutil.copyfile(latest, results / f"{stamp}.json")
    print_table(out, rows, limits, verdicts, meta)
    print_calibration(out, bare, bare_limits)
    print_dashboards(out)


def fmt(value: Any, pattern: str = "{:,.1f}") -> str:
    return "—" if value is None else pattern.format(value)


def print_table(
    out: dict[str, Any],
    rows: dict[str, dict[str, Any]],
    limits: dict[str, dict[str, Any]],
    verdicts: dict[str, str],
    meta: dict[str, Any],
) -> None:
    setup = meta.get("setup", {})
    m = out["machine"]
    print()
    print(
        f"Pishkhan bench, {out['at']}: {m['cores']} cores, {m['memory_mb'] // 1024} GiB, "
        f"{fmt(out['requests_in_db'], '{:,}')} requests in the database"
    )
    if "python" in setup:
        print(f"Python: {setup['python']}")
    if setup:
        print(
            f"PostgreSQL {setup.get('postgres', '')} ({setup.get('durability', '')}); "
            f"gunicorn {setup.get('gunicorn', '')}; load: {setup.get('load', '')}"
        )
    header = (
        f"{'':34} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8} {'PostgreSQL/s':>13} "
        f"{'share':>7} {'target':>14}"
    )
    print(header)
    print("-" * len(header))
    labels = {
        "submit_office": "submit, office counter POST",
        "submit_online": "submit, citizen online POST",
        "track": "tracking look-up POST (htmx)",
        "track_full_page": "tracking, whole page (no JS)",
        "queue": "officer's queue GET",
    }
    for name, label in labels.items():
        figures = rows[name]
        kind, threshold = TARGETS.get(name, ("pct_of_pg", None))
        if kind == "pct_of_pg":
            limit = limits[name]["per_s"]
            pct = out.get(f"{name}_pct_of_pg")
            target = f">= {threshold:g} % {verdicts[name]}" if threshold else "(no target)"
            share = fmt(pct, "{:.2f} %" if threshold else "{:.1f} %")
        else:
            limit, share = None, ""
            target = f"p99 <= {threshold:g} {verdicts[name]}"
        if not figures:
            reason = out.get(f"{name}_not_measured", "not measured")
            print(f"{label:34} not measured: {reason}")
            continue
        print(
            f"{label:34} {fmt(figures.get('per_s')):>9} {fmt(figures.get('p50_ms')):>8} "
            f"{fmt(figures.get('p99_ms')):>8} {fmt(limit):>13} {share:>7} {target:>14}"
        )
    print_import(out)
    print(
        f"{'PostgreSQL alone (pgbench)':34} submit: {fmt(limits['submit_office']['per_s'])}/s "
        f"(p50 {fmt(limits['submit_office']['p50_ms'], '{:.1f}')} ms), "
        f"look-up: {fmt(limits['track']['per_s'])}/s "
        f"(p50 {fmt(limits['track']['p50_ms'], '{:.2f}')} ms)"
    )


def print_calibration(
    out: dict[str, Any], bare: dict[str, dict[str, Any]], limits: dict[str, dict[str, Any]]
) -> None:
    labels = {
        "bare_track": "calibration: bare look-up view",
        "bare_submit": "calibration: bare 2-insert view",
    }
    for name, label in labels.items():
        figures = bare[name]
        if not figures:
            continue
        print(
            f"{label:34} {fmt(figures.get('per_s')):>9} {fmt(figures.get('p50_ms')):>8} "
            f"{fmt(figures.get('p99_ms')):>8} {fmt(limits[name]['per_s']):>13} "
            f"{fmt(out.get(f'{name}_pct_of_pg'), '{:.1f} %'):>7}"
        )
    kept = [
        f"{label} {fmt(out.get(key), '{:.0f} %')}"
        for key, label in (
            ("track_pct_of_bare", "tracking"),
            ("submit_office_pct_of_bare", "counter submit"),
        )
        if out.get(key) is not None
    ]
    if kept:
        print(f"{'share of a bare view kept':34} " + ", ".join(kept))
    print()


if __name__ == "__main__":
    main()

"""The dashboard part of `make bench` (bench/insights.sh runs it; bench/README.md).

    dashboards.py OUT.json [--url BASE_URL] [--runs N] [--groupby-runs N]

Against the database of DATABASE_URL (PostgreSQL, the requests `pishkhan generate` made, rollups
current, VACUUM ANALYZE done), times four dashboard answers — the national view and Tehran's
provincial view, over the last 30 days and over all time — two ways:

* from the rollups, as the dashboards read them (docs/insights.md): the period's status cells
  (day cells up to 62 days, month cells beyond), its decision cells (count, SLA breaches,
  turnaround histogram), "where time goes" from the step cells of the months it touches, and
  for a province its offices' month cells. With --url, the real pages too, over HTTP, signed
  in as the demo's regulator (national) and Tehran's supervisor (provincial), as a browser asks
  for them (`/insights/?preset=30d`, `/province/23/?preset=all`, ...);
* the same figures by plain GROUP BY over the requests table and the audit events (decisions and
  time in states from the events, with percentiles), as one would without rollups.

Each answer is all its queries in a row on one connection; p50/p99 over --runs runs (rollups,
pages) and --groupby-runs runs (GROUP BY: slow, so few runs: its p99 is then the slowest run).
Also each rollup's size and compression (requests per cell). Writes OUT.json for report.py,
whose ``dashboard_keys``/``print_dashboards`` below turn it into keys and table rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

DECISIONS = ("approved", "issued", "rejected")
ROLLUPS = (
    "statusday",
    "statusmonth",
    "statusyear",
    "nationalstatusday",
    "nationalstatusmonth",
    "nationalstatusyear",
    "provincefiledday",
    "provincefiledmonth",
    "provincefiledyear",
    "officestatusmonth",
    "officestatusyear",
    "decisionday",
    "decisionmonth",
    "decisionyear",
    "nationaldecisionday",
    "nationaldecisionmonth",
    "nationaldecisionyear",
    "provincedecidedday",
    "provincedecidedmonth",
    "provincedecidedyear",
    "officedecisionmonth",
    "officedecisionyear",
    "stepmonth",
    "stepyear",
    "nationalstepmonth",
    "nationalstepyear",
)
HIST = ", ".join(f"sum(b{k:02d})" for k in range(15))
TEHRAN_SCI = "23"
TARGET_P99_MS = 300.0
ANSWERS = (("national", "30d"), ("national", "all"), ("provincial", "30d"), ("provincial", "all"))
PAGES = {
    "national": ("regulator", "/insights/"),
    "provincial": ("supervisor-tehran", f"/province/{TEHRAN_SCI}/"),
}
PASSWORD = "pishkhan-demo-1405"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


# --- the queries ---------------------------------------------------------------------------------


def rollup_queries(view: str, period: str, ctx: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """What a dashboard page reads for the figures (insights.plan, insights.selectors): the last
    30 days from day cells (the months of "where time goes" from month cells), all time from
    year cells (one per key and Jalali year) and its series from month cells; the national view
    from the national cells (no province) but for its table by province (the province cells
    without the service)."""
    province = "AND province_id = %(p)s" if view == "provincial" else ""
    nation = "national" if view == "national" else ""
    if period == "30d":
        grain, when, series = "day", "day", "day"
        span = "day BETWEEN %(first)s AND %(last)s"
        steps, months = "month", "month BETWEEN %(first_month)s AND %(last)s"
    else:
        grain, when, series = "year", "year", "month"
        span = months = "TRUE"
        steps = "year"
    by = "province_id" if view == "national" else "agency_id, service_id"
    status, decision = f"insights_{nation}status{grain}", f"insights_{nation}decision{grain}"
    by_status, by_decision = f"insights_status{grain}", f"insights_decision{grain}"
    if view == "national":
        by_status, by_decision = (
            f"insights_provincefiled{grain}",
            f"insights_provincedecided{grain}",
        )
    queries = [
        # requests filed in the period by service, status and channel (totals, online share)
        f"SELECT agency_id, service_id, status, channel, sum(requests) FROM {status} "
        f"WHERE {span} {province} GROUP BY agency_id, service_id, status, channel",
        # by province (national: the province cells without the service) or by service
        f"SELECT {by}, sum(requests), sum(requests) FILTER (WHERE channel = 'online') "
        f"FROM {by_status} WHERE {span} {province} GROUP BY {by}",
        # the period's series, by day or month
        f"SELECT {series}, channel, sum(requests) FROM insights_{nation}status{series} "
        f"WHERE {span.replace(when, series)} {province} GROUP BY {series}, channel",
        # decisions: how many, SLA breaches, turnaround histogram (median, 90th percentile)
        f"SELECT service_id, channel, sum(count), sum(breached), sum(total_seconds), {HIST} "
        f"FROM {decision} WHERE {span} {province} GROUP BY service_id, channel",
        f"SELECT {by}, sum(count), sum(breached), {HIST} FROM {by_decision} "
        f"WHERE {span} {province} GROUP BY {by}",
        # where time goes: the months the period touches
        f"SELECT state, sum(count), sum(total_seconds), {HIST} FROM insights_{nation}step{steps} "
        f"WHERE {months.replace('month', steps)} {province} GROUP BY state",
    ]
    if view == "provincial":
        office = "month" if period == "30d" else "year"
        queries += [
            f"SELECT office_id, sum(requests) FROM insights_officestatus{office} "
            f"WHERE province_id = %(p)s AND {months.replace('month', office)} GROUP BY office_id",
            f"SELECT office_id, sum(count), sum(breached), {HIST} "
            f"FROM insights_officedecision{office} "
            f"WHERE province_id = %(p)s AND {months.replace('month', office)} GROUP BY office_id",
        ]
    return [(sql, ctx) for sql in queries]  # type: ignore[misc]


def groupby_queries(view: str, period: str, ctx: dict[str, Any]) -> list[tuple[str, Any]]:
    """The same figures straight from the requests and their audit events."""
    province = "AND r.province_id = %(p)s" if view == "provincial" else ""
    filed = "r.submitted_at >= %(start)s" if period == "30d" else "TRUE"
    decided = "e.created_at >= %(start)s" if period == "30d" else "TRUE"
    by = "r.province_id" if view == "national" else "r.agency_id, r.service_id"
    local = "(r.submitted_at AT TIME ZONE 'Asia/Tehran')::date"
    decisions = ", ".join(f"'{d}'" for d in DECISIONS)
    events = (
        "FROM core_auditevent e JOIN cases_servicerequest r ON r.id = CAST(e.subject_id AS bigint) "
        "WHERE e.subject_type = 'service_request'"
    )
    turnaround = "date_part('epoch', e.created_at - r.submitted_at)"
    queries = [
        f"SELECT r.status, r.channel, count(*) FROM cases_servicerequest r WHERE {filed} "
        f"{province} GROUP BY r.status, r.channel",
        f"SELECT {by}, count(*), count(*) FILTER (WHERE r.channel = 'online') "
        f"FROM cases_servicerequest r WHERE {filed} {province} GROUP BY {by}",
        f"SELECT {local}, count(*) FROM cases_servicerequest r WHERE {filed} {province} "
        f"GROUP BY {local}",
        f"SELECT e.to_state, count(*), "
        f"count(*) FILTER (WHERE (e.created_at AT TIME ZONE 'Asia/Tehran')::date > r.sla_due_on), "
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {turnaround}), "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {turnaround}) {events} "
        f"AND e.to_state IN ({decisions}) AND e.from_state NOT IN ({decisions}) AND {decided} "
        f"{province} GROUP BY e.to_state",
        f"SELECT {by}, count(*), "
        f"count(*) FILTER (WHERE (e.created_at AT TIME ZONE 'Asia/Tehran')::date > r.sla_due_on) "
        f"{events} AND e.to_state IN ({decisions}) AND e.from_state NOT IN ({decisions}) "
        f"AND {decided} {province} GROUP BY {by}",
        # where time goes: each state-changing event against the one before it
        "SELECT from_state, count(*), avg(spent), "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY spent), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY spent) FROM ("
        "SELECT e.from_state, e.created_at, date_part('epoch', e.created_at - lag(e.created_at) "
        "OVER (PARTITION BY e.subject_id ORDER BY e.sequence)) AS spent, r.province_id "
        f"{events} AND e.to_state <> '' {province}) s "
        f"WHERE from_state <> '' AND {decided.replace('e.', 's.')} GROUP BY from_state",
    ]
    if view == "provincial":
        queries += [
            "SELECT r.office_id, r.status, count(*) FROM cases_servicerequest r "
            f"WHERE r.office_id IS NOT NULL AND {filed} {province} GROUP BY r.office_id, r.status",
            f"SELECT r.office_id, count(*) {events} AND e.to_state IN ({decisions}) "
            f"AND e.from_state NOT IN ({decisions}) AND r.office_id IS NOT NULL AND {decided} "
            f"{province} GROUP BY r.office_id",
        ]
    return [(sql, ctx) for sql in queries]


# --- measuring -----------------------------------------------------------------------------------


def time_answer(cursor: Any, queries: list[tuple[str, Any]]) -> float:
    started = time.perf_counter()
    for sql, params in queries:
        cursor.execute(sql, params)
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def measure_sql(dsn: str, runs: int, groupby_runs: int) -> dict[str, Any]:
    import psycopg

    out: dict[str, Any] = {"answers": {}, "rollups": {}}
    with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT id FROM core_province WHERE sci_code = %s", [TEHRAN_SCI])
        province = cursor.fetchone()[0]
        cursor.execute("SELECT (now() AT TIME ZONE 'Asia/Tehran')::date")
        today = cursor.fetchone()[0]
        first = today - dt.timedelta(days=29)
        cursor.execute(
            "SELECT max(month) FROM insights_statusmonth WHERE month <= %s", [first]
        )  # the Jalali month the period starts in (month cells start on its first day)
        first_month = cursor.fetchone()[0] or first
        start = dt.datetime.combine(first, dt.time(), dt.timezone(dt.timedelta(hours=3.5)))
        ctx = {"p": province, "first": first, "last": today, "first_month": first_month,
               "start": start}  # fmt: skip
        cursor.execute("SELECT count(*) FROM cases_servicerequest")
        out["requests"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM core_auditevent")
        out["events"] = cursor.fetchone()[0]
        for name in ROLLUPS:
            cursor.execute(f"SELECT count(*) FROM insights_{name}")
            rows = cursor.fetchone()[0]
            out["rollups"][name] = {
                "rows": rows,
                "requests_per_cell": round(out["requests"] / rows, 1) if rows else None,
            }
        for view, period in ANSWERS:
            key = f"{view}_{period}"
            rollup = rollup_queries(view, period, ctx)
            plain = groupby_queries(view, period, ctx)
            time_answer(cursor, rollup)  # warm
            rollup_ms = [time_answer(cursor, rollup) for _ in range(runs)]
            plain_ms = [time_answer(cursor, plain) for _ in range(groupby_runs)]
            out["answers"][key] = {
                "rollup_p50_ms": round(percentile(rollup_ms, 50), 2),
                "rollup_p99_ms": round(percentile(rollup_ms, 99), 2),
                "groupby_p50_ms": round(percentile(plain_ms, 50), 2),
                "groupby_p99_ms": round(percentile(plain_ms, 99), 2),
                "queries": len(rollup),
            }
            print(f"  {key}: rollups {out['answers'][key]['rollup_p50_ms']} ms, GROUP BY "
                  f"{out['answers'][key]['groupby_p50_ms']} ms (p50)", flush=True)  # fmt: skip
    out["runs"], out["groupby_runs"] = runs, groupby_runs
    return out


class Browser:
    """A signed-in session over HTTP (as bench/sessions.py signs in)."""

    def __init__(self, base: str, username: str) -> None:
        import http.cookiejar
        import urllib.request

        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get("/accounts/login/")
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        status, _ = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        if not any(c.name == "sessionid" for c in self.jar):
            raise RuntimeError(f"{username} could not sign in (HTTP {status})")

    def get(self, path: str) -> tuple[int, bytes]:
        import urllib.error

        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, bytes]:
        import urllib.error
        import urllib.parse
        import urllib.request

        request = urllib.request.Request(
            self.base + path, data=urllib.parse.urlencode(data).encode()
        )
        request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def measure_pages(base: str, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    browsers: dict[str, Browser] = {}
    for view, period in ANSWERS:
        username, path = PAGES[view]
        if username not in browsers:
            browsers[username] = Browser(base, username)
        browser = browsers[username]
        url = f"{path}?preset={period}"
        status, _ = browser.get(url)  # warm
        if status != 200:
            raise RuntimeError(f"{url} answered {status} to {username}")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            status, _ = browser.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{url} answered {status} to {username}")
        out[f"{view}_{period}"] = {
            "page_p50_ms": round(percentile(times, 50), 2),
            "page_p99_ms": round(percentile(times, 99), 2),
            "url": url,
        }
        print(f"  page {url} as {username}: {out[f'{view}_{period}']['page_p50_ms']} ms (p50)",
              flush=True)  # fmt: skip
    return out


# --- for report.py -------------------------------------------------------------------------------


def dashboard_keys(run: Path) -> dict[str, Any]:
    """dashboards.json (and generate.json) as latest.json keys. ``dashboard_p99_ms`` is the
    slowest of the four answers' p99: from the pages when they were measured, else from the
    rollup queries (``dashboard_source`` says which)."""
    path = run / "dashboards.json"
    if not path.exists():
        return {}
    figures = json.loads(path.read_text())
    out: dict[str, Any] = {"dashboard_requests_in_db": figures["requests"]}
    out["dashboard_events_in_db"] = figures["events"]
    pages = figures.get("pages") or {}
    rollup_p99 = max(a["rollup_p99_ms"] for a in figures["answers"].values())
    groupby_p99 = max(a["groupby_p99_ms"] for a in figures["answers"].values())
    if pages:
        out["dashboard_p99_ms"] = max(p["page_p99_ms"] for p in pages.values())
        out["dashboard_source"] = "pages over HTTP"
    else:
        out["dashboard_p99_ms"] = rollup_p99
        out["dashboard_source"] = "rollup queries (SQL)"
        if figures.get("pages_not_measured"):
            out["dashboard_pages_not_measured"] = figures["pages_not_measured"]
    out["dashboard_rollup_sql_p99_ms"] = rollup_p99
    out["dashboard_groupby_p99_ms"] = groupby_p99
    for key, answer in figures["answers"].items():
        for name, value in answer.items():
            if name.endswith("_ms"):
                out[f"dashboard_{key}_{name}"] = value
        page = pages.get(key)
        if page:
            out[f"dashboard_{key}_page_p50_ms"] = page["page_p50_ms"]
            out[f"dashboard_{key}_page_p99_ms"] = page["page_p99_ms"]
        if answer["rollup_p50_ms"]:
            out[f"dashboard_{key}_groupby_ratio"] = round(
                answer["groupby_p50_ms"] / answer["rollup_p50_ms"], 1
            )
    for name, rollup in figures["rollups"].items():
        out[f"dashboard_{name}_rows"] = rollup["rows"]
        out[f"dashboard_{name}_requests_per_cell"] = rollup["requests_per_cell"]
    out["dashboard_target"] = "PASS" if out["dashboard_p99_ms"] <= TARGET_P99_MS else "FAIL"
    out["dashboard_ms_p99_target"] = TARGET_P99_MS
    generated = run / "generate.json"
    if generated.exists():
        made = json.loads(generated.read_text())
        out["generate_requests_per_s"] = made["requests_per_s"]
        out["generate_events_per_s"] = made["events_per_s"]
        out["generate_seconds"] = made["seconds"]
        out["generate_index_seconds"] = made["index_seconds"]
        out["generate_rollup_seconds"] = made["rollup_seconds"]
    return out


def print_dashboards(out: dict[str, Any]) -> None:
    if "dashboard_p99_ms" not in out:
        return
    print(
        f"dashboards at {out['dashboard_requests_in_db']:,} requests "
        f"({out['dashboard_events_in_db']:,} events); p99 <= {TARGET_P99_MS:g} ms "
        f"{out['dashboard_target']} ({out['dashboard_source']})"
    )
    print(
        f"{'':34} {'pages':>15} {'rollup SQL':>15} {'GROUP BY':>17} {'ratio':>7}"
        f"\n{'':34} {'p50/p99 ms':>15} {'p50/p99 ms':>15} {'p50/p99 ms':>17} {'p50':>7}"
    )
    for view, period in ANSWERS:
        key = f"dashboard_{view}_{period}"
        page = (
            f"{out[key + '_page_p50_ms']:.0f}/{out[key + '_page_p99_ms']:.0f}"
            if key + "_page_p50_ms" in out
            else "—"
        )
        rollup = f"{out[key + '_rollup_p50_ms']:.1f}/{out[key + '_rollup_p99_ms']:.1f}"
        plain = f"{out[key + '_groupby_p50_ms']:,.0f}/{out[key + '_groupby_p99_ms']:,.0f}"
        label = f"  {view}, {'last 30 days' if period == '30d' else 'all time'}"
        ratio = f"{out.get(key + '_groupby_ratio', 0):,.0f}x"
        print(f"{label:34} {page:>15} {rollup:>15} {plain:>17} {ratio:>7}")
    cells = ", ".join(
        f"{name} {out[f'dashboard_{name}_rows']:,} ({out[f'dashboard_{name}_requests_per_cell']})"
        for name in ROLLUPS
        if out.get(f"dashboard_{name}_rows") is not None
    )
    print(f"  cells (requests per cell): {cells}")
    if "generate_requests_per_s" in out:
        print(
            f"  pishkhan generate: {out['generate_requests_per_s']:,} requests/s, "
            f"{out['generate_events_per_s']:,} events/s ({out['generate_seconds']:.0f} s; indexes "
            f"{out['generate_index_seconds']:.0f} s, rollups in SQL "
            f"{out['generate_rollup_seconds']:.0f} s)"
        )


def dashboards_only(run: Path, results: Path, machine: dict[str, Any]) -> None:
    """`run.sh dashboards`: the dashboard part alone, into RESULTS/latest-dashboards.json
    (latest.json keeps the last full run)."""
    out = dashboard_keys(run)
    meta = json.loads((run / "meta.json").read_text()) if (run / "meta.json").exists() else {}
    for key, value in meta.get("setup", {}).items():
        out[key] = value
    out["machine"] = machine
    out["at"] = meta.get("at") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results.mkdir(parents=True, exist_ok=True)
    (results / "latest-dashboards.json").write_text(
        json.dumps(out, indent=1, ensure_ascii=False) + "\n"
    )
    print()
    print(f"Pishkhan bench, the dashboards alone, {out['at']}: {machine['cores']} cores")
    print_dashboards(out)
    print()


def main() -> None:
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    out_path = Path(args[0])

    def option(name: str, default: str) -> str:
        return args[args.index(name) + 1] if name in args else default

    runs = int(option("--runs", os.environ.get("BENCH_DASHBOARD_RUNS", "30")))
    groupby_default = os.environ.get("BENCH_DASHBOARD_GROUPBY_RUNS", "3")
    groupby_runs = int(option("--groupby-runs", groupby_default))
    dsn = os.environ["DATABASE_URL"]
    figures = measure_sql(dsn, runs, groupby_runs)
    url = option("--url", "")
    if url:
        try:
            figures["pages"] = measure_pages(url, runs)
        except Exception as exc:  # the pages are not there (yet): say so, keep the SQL figures
            figures["pages_not_measured"] = f"{type(exc).__name__}: {exc}"[:300]
            print(f"  pages not measured: {figures['pages_not_measured']}")
    out_path.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

"""Run one load generator and record what it cost.

    measure.py NAME [--count-requests] -- COMMAND...

Runs COMMAND (wrk or pgbench) with its output in $BENCH_RUN_DIR/NAME.out, and writes
$BENCH_RUN_DIR/NAME.json: the wall time, the CPU seconds each process tree used meanwhile
(BENCH_TREES="app:PID db:PID worker:PID ...", read from /proc, plus the load generator itself:
robust to other load on the machine), and with --count-requests the service requests the run
filed (counted in the database, so a form shown again with errors is not a submission).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    return children


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process, including its children that have exited and been waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime are fields 14-17 of stat (11-14 after the command name)
    return sum(int(value) for value in fields[11:15]) / TICK


def snapshot(trees: dict[str, int]) -> dict[str, dict[int, float]]:
    children = _children()
    result = {}
    for name, root in trees.items():
        pids, index = [root], 0
        while index < len(pids):
            pids.extend(children.get(pids[index], []))
            index += 1
        result[name] = {pid: _cpu_seconds(pid) for pid in pids}
    return result


def count_requests() -> int:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        row = connection.execute("SELECT count(*) FROM cases_servicerequest").fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    separator = sys.argv.index("--")
    name, options, command = sys.argv[1], sys.argv[2:separator], sys.argv[separator + 1 :]
    run_dir = Path(os.environ["BENCH_RUN_DIR"])
    trees = {
        label: int(pid)
        for label, pid in (item.split(":") for item in os.environ.get("BENCH_TREES", "").split())
    }
    counting = "--count-requests" in options
    rows_before = count_requests() if counting else 0
    before = snapshot(trees)
    children_before = os.times()
    started = time.monotonic()
    with open(run_dir / f"{name}.out", "w") as out:
        outcome = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    wall = time.monotonic() - started
    after = snapshot(trees)
    children_after = os.times()
    loadgen = (children_after.children_user + children_after.children_system) - (
        children_before.children_user + children_before.children_system
    )
    record: dict[str, object] = {
        "name": name,
        "command": " ".join(command),
        "exit": outcome.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": {
            label: round(sum(t - before[label].get(pid, 0.0) for pid, t in after[label].items()), 3)
            for label in trees
        }
        | {"loadgen": round(loadgen, 3)},
    }
    if counting:
        record["rows_created"] = count_requests() - rows_before
    (run_dir / f"{name}.json").write_text(json.dumps(record, indent=1))
    if outcome.returncode != 0:
        sys.exit(f"{name}: {command[0]} failed, see {run_dir / (name + '.out')}")


if __name__ == "__main__":
    main()

"""Time ``pishkhan import-students`` against PostgreSQL's own COPY of the same rows, on the
database DATABASE_URL names: the measurement of ``bench/run.sh import`` (bench/import_bench.py,
docs/education.md "Speed") without starting a server of its own.

    DATABASE_URL=postgres://... .venv/bin/python tools/bench_education_import.py [ROWS]

Migrates, loads the counties, writes ROWS (default 200,000) realistic student rows, and measures
COPY, the import and the re-import into the emptied education tables. It EMPTIES THEM: use a
database of its own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pishkhan.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL database (the measurement COPYs)")
    call_command("migrate", verbosity=0)
    call_command("loaddata", "geography", verbosity=0)
    bench = Path(__file__).resolve().parents[1] / "bench" / "import_bench.py"
    spec = importlib.util.spec_from_file_location("import_bench", bench)
    assert spec is not None and spec.loader is not None
    import_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(import_bench)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "students.csv"
        import_bench.generate(path, rows)
        import_bench.prepare(path, Path(folder) / "floor")
        result = Path(folder) / "import.json"
        import_bench.measure(path, Path(folder) / "floor", result)
        print(json.dumps(json.loads(result.read_text()), indent=1))


if __name__ == "__main__":
    main()

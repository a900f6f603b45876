"""The WSGI module loads what every worker needs before the fork and leaves start-up's objects
out of the garbage collector's full walks."""

import os
import subprocess
import sys

# Loads the WSGI application as gunicorn does and reports what the collector still tracks.
LOAD_WSGI = (
    "import gc, sys\n"
    "import pishkhan.wsgi\n"
    "print(gc.get_freeze_count())\n"
    "print(len(gc.get_objects()))\n"
    "print(int('pishkhan.cases.views.agency' in sys.modules))\n"
    "print(int('holidays.countries.iran' in sys.modules))\n"
)


def test_start_up_objects_are_frozen_after_the_urlconf_is_loaded():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="pishkhan.settings")
    result = subprocess.run(
        [sys.executable, "-c", LOAD_WSGI], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    frozen, tracked, views_loaded, holidays_loaded = (int(line) for line in result.stdout.split())
    # Everything loaded so far is frozen: a full collection walks almost nothing of it.
    assert frozen > 50_000
    assert tracked < frozen / 20
    # The URLconf (and so every view module) was imported before the freeze, not on the first
    # request of each worker.
    assert views_loaded == 1
    # So was the holiday package's country module, which the first calendar loads (40 ms).
    assert holidays_loaded == 1

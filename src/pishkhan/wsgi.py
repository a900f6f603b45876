import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from pishkhan.core.workdays import WorkingCalendar

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pishkhan.settings")
application = get_wsgi_application()

# What start-up loaded (settings, apps, models, the URLconf and every view module it imports:
# a couple of hundred thousand objects) lives as long as the process. CPython's full
# collection walks all of it, and each one cost a worker 100–270 ms on the bench machine, one
# page answer made that much slower: it was the officer's queue's p99. gc.freeze() moves those
# objects to a permanent generation no collection walks. Under gunicorn's preload_app this
# runs once in the master before it forks, so the workers also keep those memory pages
# shared instead of copying them when a collection touches them. See docs/performance.md (20).
import_module(settings.ROOT_URLCONF)
# The holiday package loads a country's module and its tables the first time a calendar is built
# (about 40 ms): done here, before the fork, each worker's first submission does not pay for it.
# No database is touched (the overrides are read per process, core.calendar).
WorkingCalendar()
gc.freeze()

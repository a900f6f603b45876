"""Calibration only (`make bench`, BENCH_BARE): the app's settings with two bare views added."""

from pishkhan.settings import *  # noqa: F403

ROOT_URLCONF = "bare_urls"

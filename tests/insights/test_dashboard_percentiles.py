"""Medians and 90th percentiles read from histogram buckets: the upper bound of the bucket where
the cumulative count reaches the percentile; "> 90 days" for the overflow bucket."""

from __future__ import annotations

import pytest
from django.utils import translation

from pishkhan.insights.models import BUCKET_HOURS, BUCKETS
from pishkhan.insights.selectors import Histogram, percentile_bucket
from pishkhan.insights.tables import bucket_label


def _buckets(**counts: int) -> tuple[int, ...]:
    values = [0] * BUCKETS
    for name, n in counts.items():
        values[int(name[1:])] = n
    return tuple(values)


def test_nothing_counted_has_no_percentile():
    assert percentile_bucket([0] * BUCKETS, 50) is None
    assert Histogram().median is None and Histogram().p90 is None
    assert Histogram().breach_rate is None and Histogram().average_hours is None


def test_one_duration_is_its_own_median_and_90th_percentile():
    buckets = _buckets(b03=1)
    assert percentile_bucket(buckets, 50) == 3
    assert percentile_bucket(buckets, 90) == 3


def test_the_cumulative_count_reaching_the_percentile_decides():
    # 10 durations: 5 in bucket 0, 4 in bucket 2, 1 in bucket 7.
    buckets = _buckets(b00=5, b02=4, b07=1)
    assert percentile_bucket(buckets, 50) == 0  # 5 of 10 reach half exactly
    assert percentile_bucket(buckets, 90) == 2  # 9 of 10
    assert percentile_bucket(buckets, 91) == 7
    assert percentile_bucket(buckets, 100) == 7
    # Two durations: the median is the first's bucket, the 90th percentile the second's.
    assert percentile_bucket(_buckets(b01=1, b09=1), 50) == 1
    assert percentile_bucket(_buckets(b01=1, b09=1), 90) == 9


def test_the_overflow_bucket_reads_more_than_90_days():
    histogram = Histogram(count=3, buckets=_buckets(b13=1, b14=2))
    assert histogram.median == BUCKETS - 1 and histogram.p90 == BUCKETS - 1
    with translation.override("en"):
        assert bucket_label(histogram.median, "en") == "more than 90 days"
        assert bucket_label(13, "en") == "up to 90 days"
    with translation.override("fa"):
        assert bucket_label(histogram.median, "fa") == "بیش از ۹۰ روز"
        assert bucket_label(13, "fa") == "تا ۹۰ روز"


@pytest.mark.parametrize(
    ("index", "label"),
    [(0, "up to 1 hour"), (1, "up to 4 hours"), (3, "up to 1 day"), (4, "up to 2 days")],
)
def test_bucket_labels_are_their_upper_bounds(index, label):
    assert BUCKET_HOURS[index] in (1, 4, 24, 48)
    with translation.override("en"):
        assert bucket_label(index, "en") == label


def test_histograms_add_bucket_by_bucket():
    one = Histogram(2, 100, 1, _buckets(b00=1, b03=1))
    other = Histogram(1, 50, 0, _buckets(b03=1))
    total = one + other
    assert total.count == 3 and total.total_seconds == 150 and total.breached == 1
    assert total.buckets == _buckets(b00=1, b03=2)
    assert total.breach_rate == pytest.approx(100 / 3)

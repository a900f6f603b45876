"""Rollups: the figures the dashboards show, kept per cell of a few chosen grains, so that a page
reads a few thousand cells, never the requests table. docs/insights.md defines every figure.

Grains (why these: docs/insights.md "Grains"):

* status cells — requests by the day (and the Jalali month) they were filed, by province,
  service (with its agency) and channel, counted in the status they are in now;
* office status cells — the same by Jalali month and office (county comes from the office);
* decision cells — first decisions (approved, rejected, issued) by the day and month they were
  made: how many, how many after the SLA's due date, and the turnaround's histogram;
* office decision cells — the same by month and office;
* step cells — time spent in each workflow state before leaving it, by month, province and
  service: "where time goes".

Times are histograms with fixed bucket bounds (``BUCKET_HOURS``), so a median or 90th percentile
is read from the cells of any range without touching the requests.

Cells are never written by the request's own transaction (all requests of one service and
province on one day would queue on one row): each state change appends a ``PendingChange`` in
its transaction, and ``rollups.fold`` moves pending changes into the cells, deleting them in the
same transaction — none lost, none counted twice.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Upper bounds of the histogram buckets, in hours (the last bucket is everything above).
BUCKET_HOURS = (1, 4, 8, 24, 48, 72, 120, 168, 240, 336, 504, 720, 1440, 2160)
BUCKETS = len(BUCKET_HOURS) + 1
BUCKET_FIELDS = tuple(f"b{index:02d}" for index in range(BUCKETS))


class Cell(models.Model):
    KEY: tuple[str, ...] = ()
    # What it counts ("status", "office_status", "decision", "office_decision", "step") and its
    # time's column (the grain): "day", "month" (first day of the Jalali month) or "year" (first
    # day of the Jalali year). ``rollups.Tally`` and ``rollups_sql`` fill every cell from these.
    FAMILY = ""
    GRAIN = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return " · ".join(str(getattr(self, name)) for name in self.KEY)


class ServiceCell(Cell):
    """Where: the province, and the service with its agency (ids: cells are written in bulk by
    SQL and read by aggregate, never joined row by row)."""

    province_id = models.IntegerField()
    agency_id = models.IntegerField()
    service_id = models.IntegerField()

    class Meta:
        abstract = True


class NationalCell(Cell):
    """Where, for the whole country: the service with its agency, every province together (the
    national pages' cells: a thirty-first of the cells to read, or less)."""

    agency_id = models.IntegerField()
    service_id = models.IntegerField()

    class Meta:
        abstract = True


class ProvinceCell(Cell):
    """Where: the province and the agency, every service together (the national pages' table by
    province: its cells without the service's 38-fold split)."""

    province_id = models.IntegerField()
    agency_id = models.IntegerField()

    class Meta:
        abstract = True


class HistogramValues(models.Model):
    """How many, their total seconds and their histogram."""

    count = models.BigIntegerField(default=0)
    total_seconds = models.BigIntegerField(default=0)
    # One column per bucket of BUCKET_HOURS (b00: up to 1 hour ... b14: above 90 days).
    b00 = models.BigIntegerField(default=0)
    b01 = models.BigIntegerField(default=0)
    b02 = models.BigIntegerField(default=0)
    b03 = models.BigIntegerField(default=0)
    b04 = models.BigIntegerField(default=0)
    b05 = models.BigIntegerField(default=0)
    b06 = models.BigIntegerField(default=0)
    b07 = models.BigIntegerField(default=0)
    b08 = models.BigIntegerField(default=0)
    b09 = models.BigIntegerField(default=0)
    b10 = models.BigIntegerField(default=0)
    b11 = models.BigIntegerField(default=0)
    b12 = models.BigIntegerField(default=0)
    b13 = models.BigIntegerField(default=0)
    b14 = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class Histogram(ServiceCell, HistogramValues):
    class Meta:
        abstract = True


class NationalHistogram(NationalCell, HistogramValues):
    class Meta:
        abstract = True


class ProvinceHistogram(ProvinceCell, HistogramValues):
    class Meta:
        abstract = True


class StatusDay(ServiceCell):
    day = models.DateField()
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=40)
    requests = models.BigIntegerField(default=0)

    KEY = ("day", "province_id", "agency_id", "service_id", "channel", "status")
    FAMILY, GRAIN = "status", "day"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "province_id", "service_id", "channel", "status", "agency_id"],
                name="insights_statusday_key",
            )
        ]
        verbose_name = _("status cell (day)")


class StatusMonth(ServiceCell):
    month = models.DateField(help_text="first day of the Jalali month")
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=40)
    requests = models.BigIntegerField(default=0)

    KEY = ("month", "province_id", "agency_id", "service_id", "channel", "status")
    FAMILY, GRAIN = "status", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "province_id", "service_id", "channel", "status", "agency_id"],
                name="insights_statusmonth_key",
            )
        ]
        # A province over a long period (the key leads with the month).
        indexes = [models.Index(fields=["province_id", "month"], name="insights_sm_province")]
        verbose_name = _("status cell (month)")


class OfficeStatusMonth(ServiceCell):
    month = models.DateField()
    office_id = models.IntegerField()
    status = models.CharField(max_length=40)
    requests = models.BigIntegerField(default=0)

    KEY = ("month", "office_id", "province_id", "agency_id", "service_id", "status")
    FAMILY, GRAIN = "office_status", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "office_id", "service_id", "status", "province_id", "agency_id"],
                name="insights_officestatusmonth_key",
            )
        ]
        indexes = [
            models.Index(fields=["province_id", "month"], name="insights_osm_province"),
            models.Index(fields=["office_id", "month"], name="insights_osm_office"),
        ]
        verbose_name = _("office status cell (month)")


class DecisionDay(Histogram):
    day = models.DateField()
    channel = models.CharField(max_length=10)
    decision = models.CharField(max_length=40)
    breached = models.BigIntegerField(default=0)

    KEY = ("day", "province_id", "agency_id", "service_id", "channel", "decision")
    FAMILY, GRAIN = "decision", "day"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "province_id", "service_id", "channel", "decision", "agency_id"],
                name="insights_decisionday_key",
            )
        ]
        verbose_name = _("decision cell (day)")


class DecisionMonth(Histogram):
    month = models.DateField()
    channel = models.CharField(max_length=10)
    decision = models.CharField(max_length=40)
    breached = models.BigIntegerField(default=0)

    KEY = ("month", "province_id", "agency_id", "service_id", "channel", "decision")
    FAMILY, GRAIN = "decision", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "province_id", "service_id", "channel", "decision", "agency_id"],
                name="insights_decisionmonth_key",
            )
        ]
        indexes = [models.Index(fields=["province_id", "month"], name="insights_dm_province")]
        verbose_name = _("decision cell (month)")


class OfficeDecisionMonth(Histogram):
    month = models.DateField()
    office_id = models.IntegerField()
    decision = models.CharField(max_length=40)
    breached = models.BigIntegerField(default=0)

    KEY = ("month", "office_id", "province_id", "agency_id", "service_id", "decision")
    FAMILY, GRAIN = "office_decision", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "office_id", "service_id", "decision", "province_id", "agency_id"],
                name="insights_officedecisionmonth_key",
            )
        ]
        indexes = [
            models.Index(fields=["province_id", "month"], name="insights_odm_province"),
            models.Index(fields=["office_id", "month"], name="insights_odm_office"),
        ]
        verbose_name = _("office decision cell (month)")


class StepMonth(Histogram):
    month = models.DateField()
    state = models.CharField(max_length=40)

    KEY = ("month", "province_id", "agency_id", "service_id", "state")
    FAMILY, GRAIN = "step", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "province_id", "service_id", "state", "agency_id"],
                name="insights_stepmonth_key",
            )
        ]
        indexes = [models.Index(fields=["province_id", "month"], name="insights_stm_province")]
        verbose_name = _("step cell (month)")


# --- the coarse grains: Jalali years, and the whole country ----------------------------------
# A long range is read from the coarsest cells that fit it (``insights.plan``): whole Jalali
# years from year cells, the months left from month cells, the days left from day cells. The
# national pages read the national cells (no province): the province multiplies the cells by up
# to 31 and a national figure never needs it (the "by province" table reads the province cells).


class StatusYear(ServiceCell):
    year = models.DateField(help_text="first day of the Jalali year")
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=40)
    requests = models.BigIntegerField(default=0)

    KEY = ("year", "province_id", "agency_id", "service_id", "channel", "status")
    FAMILY, GRAIN = "status", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province_id", "service_id", "channel", "status", "agency_id"],
                name="insights_statusyear_key",
            )
        ]
        indexes = [models.Index(fields=["province_id", "year"], name="insights_sy_province")]
        verbose_name = _("status cell (year)")


class OfficeStatusYear(ServiceCell):
    year = models.DateField()
    office_id = models.IntegerField()
    status = models.CharField(max_length=40)
    requests = models.BigIntegerField(default=0)

    KEY = ("year", "office_id", "province_id", "agency_id", "service_id", "status")
    FAMILY, GRAIN = "office_status", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "office_id", "service_id", "status", "province_id", "agency_id"],
                name="insights_officestatusyear_key",
            )
        ]
        indexes = [
            models.Index(fields=["province_id", "year"], name="insights_osy_province"),
            models.Index(fields=["office_id", "year"], name="insights_osy_office"),
        ]
        verbose_name = _("office status cell (year)")


class DecisionYear(Histogram):
    year = models.DateField()
    channel = models.CharField(max_length=10)
    decision = models.CharField(max_length=40)
    breached = models.BigIntegerField(default=0)

    KEY = ("year", "province_id", "agency_id", "service_id", "channel", "decision")
    FAMILY, GRAIN = "decision", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province_id", "service_id", "channel", "decision", "agency_id"],
                name="insights_decisionyear_key",
            )
        ]
        indexes = [models.Index(fields=["province_id", "year"], name="insights_dy_province")]
        verbose_name = _("decision cell (year)")


class OfficeDecisionYear(Histogram):
    year = models.DateField()
    office_id = models.IntegerField()
    decision = models.CharField(max_length=40)
    breached = models.BigIntegerField(default=0)

    KEY = ("year", "office_id", "province_id", "agency_id", "service_id", "decision")
    FAMILY, GRAIN = "office_decision", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "office_id", "service_id", "decision", "province_id", "agency_id"],
                name="insights_officedecisionyear_key",
            )
        ]
        indexes = [
            models.Index(fields=["province_id", "year"], name="insights_ody_province"),
            models.Index(fields=["office_id", "year"], name="insights_ody_office"),
        ]
        verbose_name = _("office decision cell (year)")


class StepYear(Histogram):
    year = models.DateField()
    state = models.CharField(max_length=40)

    KEY = ("year", "province_id", "agency_id", "service_id", "state")
    FAMILY, GRAIN = "step", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province_id", "service_id", "state", "agency_id"],
                name="insights_stepyear_key",
            )
        ]
        indexes = [models.Index(fields=["province_id", "year"], name="insights_sty_province")]
        verbose_name = _("step cell (year)")


class NationalStatusDay(NationalCell):
    day = models.DateField()
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=40)
    requests = models.BigIntegerField(default=0)

    KEY = ("day", "agency_id", "service_id", "channel", "status")
    FAMILY, GRAIN = "status", "day"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service_id", "channel", "status", "agency_id"],
                name="insights_nationalstatusday_key",
            )
        ]
        verbose_name = _("national status cell (day)")


class NationalStatusMonth(NationalCell):
    month = models.DateField()
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=40)
    requests = models.BigIntegerField(default=0)

    KEY = ("month", "agency_id", "service_id", "channel", "status")
    FAMILY, GRAIN = "status", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "service_id", "channel", "status", "agency_id"],
                name="insights_nationalstatusmonth_key",
            )
        ]
        verbose_name = _("national status cell (month)")


class NationalStatusYear(NationalCell):
    year = models.DateField()
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=40)
    requests = models.BigIntegerField(default=0)

    KEY = ("year", "agency_id", "service_id", "channel", "status")
    FAMILY, GRAIN = "status", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "service_id", "channel", "status", "agency_id"],
                name="insights_nationalstatusyear_key",
            )
        ]
        verbose_name = _("national status cell (year)")


class NationalDecisionDay(NationalHistogram):
    day = models.DateField()
    channel = models.CharField(max_length=10)
    decision = models.CharField(max_length=40)
    breached = models.BigIntegerField(default=0)

    KEY = ("day", "agency_id", "service_id", "channel", "decision")
    FAMILY, GRAIN = "decision", "day"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service_id", "channel", "decision", "agency_id"],
                name="insights_nationaldecisionday_key",
            )
        ]
        verbose_name = _("national decision cell (day)")


class NationalDecisionMonth(NationalHistogram):
    month = models.DateField()
    channel = models.CharField(max_length=10)
    decision = models.CharField(max_length=40)
    breached = models.BigIntegerField(default=0)

    KEY = ("month", "agency_id", "service_id", "channel", "decision")
    FAMILY, GRAIN = "decision", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "service_id", "channel", "decision", "agency_id"],
                name="insights_nationaldecisionmonth_key",
            )
        ]
        verbose_name = _("national decision cell (month)")


class NationalDecisionYear(NationalHistogram):
    year = models.DateField()
    channel = models.CharField(max_length=10)
    decision = models.CharField(max_length=40)
    breached = models.BigIntegerField(default=0)

    KEY = ("year", "agency_id", "service_id", "channel", "decision")
    FAMILY, GRAIN = "decision", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "service_id", "channel", "decision", "agency_id"],
                name="insights_nationaldecisionyear_key",
            )
        ]
        verbose_name = _("national decision cell (year)")


class NationalStepMonth(NationalHistogram):
    month = models.DateField()
    state = models.CharField(max_length=40)

    KEY = ("month", "agency_id", "service_id", "state")
    FAMILY, GRAIN = "step", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "service_id", "state", "agency_id"],
                name="insights_nationalstepmonth_key",
            )
        ]
        verbose_name = _("national step cell (month)")


class NationalStepYear(NationalHistogram):
    year = models.DateField()
    state = models.CharField(max_length=40)

    KEY = ("year", "agency_id", "service_id", "state")
    FAMILY, GRAIN = "step", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "service_id", "state", "agency_id"],
                name="insights_nationalstepyear_key",
            )
        ]
        verbose_name = _("national step cell (year)")


class ProvinceFiledDay(ProvinceCell):
    """Requests filed, by day, province, agency and channel: the status cells summed over the
    services and the statuses (a request's moves between statuses cancel out)."""

    day = models.DateField()
    channel = models.CharField(max_length=10)
    requests = models.BigIntegerField(default=0)

    KEY = ("day", "province_id", "agency_id", "channel")
    FAMILY, GRAIN = "status", "day"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "province_id", "channel", "agency_id"],
                name="insights_provincefiledday_key",
            )
        ]
        verbose_name = _("province filing cell (day)")


class ProvinceFiledMonth(ProvinceCell):
    """Requests filed, by month, province, agency and channel: the status cells summed over the
    services and the statuses (a request's moves between statuses cancel out)."""

    month = models.DateField()
    channel = models.CharField(max_length=10)
    requests = models.BigIntegerField(default=0)

    KEY = ("month", "province_id", "agency_id", "channel")
    FAMILY, GRAIN = "status", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "province_id", "channel", "agency_id"],
                name="insights_provincefiledmonth_key",
            )
        ]
        verbose_name = _("province filing cell (month)")


class ProvinceFiledYear(ProvinceCell):
    """Requests filed, by year, province, agency and channel: the status cells summed over the
    services and the statuses (a request's moves between statuses cancel out)."""

    year = models.DateField()
    channel = models.CharField(max_length=10)
    requests = models.BigIntegerField(default=0)

    KEY = ("year", "province_id", "agency_id", "channel")
    FAMILY, GRAIN = "status", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province_id", "channel", "agency_id"],
                name="insights_provincefiledyear_key",
            )
        ]
        verbose_name = _("province filing cell (year)")


class ProvinceDecidedDay(ProvinceHistogram):
    """Decisions, by day, province, agency and channel: the decision cells summed over the
    services and the decisions."""

    day = models.DateField()
    channel = models.CharField(max_length=10)
    breached = models.BigIntegerField(default=0)

    KEY = ("day", "province_id", "agency_id", "channel")
    FAMILY, GRAIN = "decision", "day"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "province_id", "channel", "agency_id"],
                name="insights_provincedecidedday_key",
            )
        ]
        verbose_name = _("province decision cell (day)")


class ProvinceDecidedMonth(ProvinceHistogram):
    """Decisions, by month, province, agency and channel: the decision cells summed over the
    services and the decisions."""

    month = models.DateField()
    channel = models.CharField(max_length=10)
    breached = models.BigIntegerField(default=0)

    KEY = ("month", "province_id", "agency_id", "channel")
    FAMILY, GRAIN = "decision", "month"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "province_id", "channel", "agency_id"],
                name="insights_provincedecidedmonth_key",
            )
        ]
        verbose_name = _("province decision cell (month)")


class ProvinceDecidedYear(ProvinceHistogram):
    """Decisions, by year, province, agency and channel: the decision cells summed over the
    services and the decisions."""

    year = models.DateField()
    channel = models.CharField(max_length=10)
    breached = models.BigIntegerField(default=0)

    KEY = ("year", "province_id", "agency_id", "channel")
    FAMILY, GRAIN = "decision", "year"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province_id", "channel", "agency_id"],
                name="insights_provincedecidedyear_key",
            )
        ]
        verbose_name = _("province decision cell (year)")


class PendingChange(models.Model):
    """One state change of a request, written in its transaction, waiting to be folded into the
    cells. It carries every dimension the cells need, so folding reads nothing else."""

    request_id = models.BigIntegerField()
    at = models.DateTimeField()
    # When the request entered ``from_state`` (its previous state-changing event); None at filing.
    since = models.DateTimeField(null=True)
    from_state = models.CharField(max_length=40)
    to_state = models.CharField(max_length=40)
    submitted_at = models.DateTimeField()
    sla_due_on = models.DateField()
    province_id = models.IntegerField()
    agency_id = models.IntegerField()
    service_id = models.IntegerField()
    channel = models.CharField(max_length=10)
    office_id = models.IntegerField(null=True)

    class Meta:
        verbose_name = _("pending change")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_state} -> {self.to_state}"

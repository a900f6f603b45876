"""Tables: what a dashboard shows, once. The server renders each table as HTML; its chart (if
any) reads the same numbers from a ``json_script``; its CSV and XLSX exports write the same
cells, with small counts suppressed (``exports``).

A cell keeps the text shown on the page, the value written to an export, and the counts it was
computed from (``sources``): a count of requests, decisions, ratings or complaints from 1 to 4 —
or a figure computed from one — is suppressed in exports. A count also has a ``key`` naming the
figure it is on its page, a figure computed from counts the keys it can be worked out from
(``basis``), and a table the groups of its counts that add up to a total published elsewhere
(``groups``): what ``suppression`` needs to hide a few more counts, so that none of the
suppressed ones can be worked back by subtraction across the tables of a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from pishkhan.core.i18n import active_language
from pishkhan.core.jalali import MONTHS_EN, MONTHS_FA, format_jalali_numeric, to_jalali
from pishkhan.core.money import PERSIAN_THOUSANDS_SEPARATOR
from pishkhan.core.text import has_persian_script, to_persian_digits

from .selectors import bucket_upper_hours

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"
# A figure computed from a suppressed count (a total, a share, a rate, an average): not "<5",
# which would say something false of a total of 12 made of 9 and 3.
SUPPRESSED_DERIVED = "*"
# A count hidden only so that a suppressed one cannot be worked out by subtraction from a total
# published elsewhere (secondary suppression): "x", as Statistics Canada marks it.
SUPPRESSED_COMPLEMENT = "x"
DASH = "—"

# What a count is on its page, e.g. ("filed", "office", "service", 12): the requests filed at
# offices for service 12. Two tables showing the same figure give it the same key.
Key = tuple[Any, ...]
# The counts a computed figure can be worked out from: each tuple one way (all of its counts
# needed); one way is enough. Most figures have one way; a cumulative share two (the counts up
# to it, or the counts after it, with the total).
Basis = tuple[tuple[Key, ...], ...]


def of(*keys: Key) -> Basis:
    """A figure worked out from these counts, all of them."""
    return (keys,)


def is_small(count: int) -> bool:
    """A count of people's requests (or decisions, ratings, complaints) too small to publish."""
    return 0 < count < SUPPRESS_BELOW


# --- numbers in the page's language --------------------------------------------------------------


def _digits(text: str, language: str) -> str:
    return to_persian_digits(text) if language == "fa" else text


def number(value: int, language: str) -> str:
    text = f"{value:,}"
    if language == "fa":
        return to_persian_digits(text.replace(",", PERSIAN_THOUSANDS_SEPARATOR))
    return text


def decimal(value: float, language: str, places: int = 1) -> str:
    text = f"{value:,.{places}f}"
    if language == "fa":
        return to_persian_digits(text.replace(",", PERSIAN_THOUSANDS_SEPARATOR).replace(".", "٫"))
    return text


def percent(value: float, language: str) -> str:
    return decimal(value, language) + ("٪" if language == "fa" else "%")


def bucket_label(index: int, language: str, *, ascii_digits: bool = False) -> str:
    """A bucket by its upper bound: "up to 2 days"; the last one "more than 90 days"."""
    return _bucket_label(index, language, get_language() or "", ascii_digits)


@lru_cache(maxsize=256)
def _bucket_label(index: int, language: str, active: str, ascii_digits: bool) -> str:
    # A page shows the same fifteen labels hundreds of times; plural rules are slow to apply.
    hours = bucket_upper_hours(index)
    if hours is None:
        text = _("more than 90 days")
    elif hours < 24:
        text = ngettext("up to %(n)s hour", "up to %(n)s hours", hours) % {"n": hours}
    else:
        days = hours // 24
        text = ngettext("up to %(n)s day", "up to %(n)s days", days) % {"n": days}
    return text if ascii_digits else _digits(text, language)


def day_label(day: dt.date, language: str, *, with_year: bool = False) -> str:
    j = to_jalali(day)
    months = MONTHS_FA if language == "fa" else MONTHS_EN
    text = f"{j.day} {months[j.month - 1]}" + (f" {j.year}" if with_year else "")
    return _digits(text, language)


def month_label(month: dt.date, language: str) -> str:
    j = to_jalali(month)
    months = MONTHS_FA if language == "fa" else MONTHS_EN
    return _digits(f"{months[j.month - 1]} {j.year}", language)


# --- cells and tables ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str  # on the page
    value: Any = None  # in exports (None: an empty cell)
    sources: tuple[int, ...] = ()  # the counts of people's requests it is computed from
    numeric: bool = False
    href: str = ""
    key: Key | None = None  # a count: the figure it is, on its page
    basis: Basis = ()  # a figure computed from counts: the counts it can be worked out from

    @property
    def suppressed(self) -> bool:
        """Suppressed for a small count (primary suppression)."""
        return any(is_small(count) for count in self.sources)

    def exported(self, hidden: Collection[Key] = frozenset()) -> Any:
        """What an export writes, ``hidden`` the keys of the page's counts not written (the
        small ones and their complements, ``suppression.hidden_counts``): "<5" for a small
        count, "x" for a count hidden as a complement, "*" for a figure computed from either
        (unless it can be worked out from published counts anyway)."""
        if self.suppressed:
            return SUPPRESSED if self.sources == (self.value,) else SUPPRESSED_DERIVED
        if self.key is not None and self.key in hidden:
            return SUPPRESSED_COMPLEMENT
        if self.basis and all(any(k in hidden for k in way) for way in self.basis):
            return SUPPRESSED_DERIVED
        return self.value

    def html(self, tag: str = "td", scope: str = "") -> str:
        """The cell as HTML (escaped). Tables are rendered here, not cell by cell in a
        template: a national page has thousands of cells, and the template engine would spend
        more on them than the database spends on the figures."""
        content = str(escape(self.text))
        if self.href:
            content = f'<a href="{escape(self.href)}">{content}</a>'
        attributes = f' scope="{scope}"' if scope else ""
        if self.numeric:
            attributes += ' class="text-end text-nowrap"'
        else:
            if tag == "th":
                attributes += ' class="fw-normal"'
            # A Persian-only name (a county, an office) on a page in another language: spoken
            # with a Persian voice (WCAG 3.1.2; decision 54).
            if has_persian_script(self.text) and active_language() != "fa":
                attributes += ' lang="fa"'
        return f"<{tag}{attributes}>{content}</{tag}>"


def text(value: str, href: str = "", *, export: str | None = None) -> Cell:
    return Cell(value, value if export is None else export, href=href)


def count(n: int, language: str, *parts: int, key: Key | None = None, basis: Basis = ()) -> Cell:
    """A count of requests (decisions, ratings, complaints), the figure ``key``; a total of
    ``parts`` (the counts ``basis``) when given — suppressed in exports with any of them."""
    if parts:
        return Cell(number(n, language), n, parts, numeric=True, basis=basis)
    return Cell(number(n, language), n, (n,), numeric=True, key=key)


def plain(n: int | None, language: str) -> Cell:
    """A number that is no count of people's requests (offices, capacity, population)."""
    if n is None:
        return Cell(DASH, None, numeric=True)
    return Cell(number(n, language), n, numeric=True)


def share(value: float | None, language: str, *sources: int, basis: Basis = ()) -> Cell:
    if value is None:
        return Cell(DASH, None, sources, numeric=True)
    return Cell(percent(value, language), round(value, 1), sources, numeric=True, basis=basis)


def plain_share(value: float | None, language: str) -> Cell:
    if value is None:
        return Cell(DASH, None, numeric=True)
    return Cell(percent(value, language), round(value, 1), numeric=True)


def fraction(
    value: float | None, language: str, *sources: int, places: int = 1, basis: Basis = ()
) -> Cell:
    if value is None:
        return Cell(DASH, None, sources, numeric=True)
    return Cell(
        decimal(value, language, places),
        round(value, places),
        sources,
        numeric=True,
        basis=basis,
    )


def bucket(index: int | None, language: str, n: int, key: Key | None = None) -> Cell:
    """A median or 90th percentile, read from the buckets of ``n`` durations (the count
    ``key``)."""
    if index is None:
        return Cell(DASH, None, (n,), numeric=True)
    return Cell(
        bucket_label(index, language),
        bucket_label(index, language, ascii_digits=True),
        (n,),
        numeric=True,
        basis=of(key) if key is not None else (),
    )


def period_cell(day: dt.date, grain: str, language: str) -> Cell:
    """A day or a Jalali month: in words on the page, ``1405/09/10`` or ``1405/09`` in exports."""
    if grain == "day":
        return Cell(day_label(day, language, with_year=True), format_jalali_numeric(day))
    j = to_jalali(day)
    return Cell(month_label(day, language), f"{j.year:04d}/{j.month:02d}")


@dataclass(frozen=True)
class Group:
    """Counts that add up to a total published elsewhere. ``total``: the counts of the page that
    total is the sum of (an agency's requests, at offices: its cell in the table by agency; all
    requests: those at offices and online) — those the page has are part of the group; a total
    the page does not have is published above it (the page's own totals are a row of the page
    above; an agency's are its own pages') and taken as known."""

    members: tuple[Key, ...]
    total: tuple[Key, ...] = ()


@dataclass
class Table:
    key: str  # names the table in its export's address (?table=key)
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    footer: list[Cell] | None = None  # a total row, on the page only
    note: str = ""
    empty: str = ""
    chart: dict[str, Any] | None = None
    chart_label: str = ""
    # Counts the table shows only through figures computed from them (a province's online
    # requests, behind its total and online share; late decisions, behind a breach rate).
    behind: dict[Key, int] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)

    def counts(self) -> Iterator[tuple[Key, int]]:
        """The table's counts, by key: those in its cells and those behind them."""
        for row in self.rows:
            for cell in row:
                if cell.key is not None:
                    yield cell.key, cell.value
        yield from self.behind.items()

    @property
    def numeric_columns(self) -> list[bool]:
        if not self.rows:
            return [False] * len(self.columns)
        return [cell.numeric for cell in self.rows[0]]

    @property
    def body_html(self) -> str:
        """The rows, as the page shows them (the first cell of each heads its row)."""
        # Every text is escaped by Cell.html.
        return mark_safe(
            "".join(
                "<tr>"
                + row[0].html("th", "row")
                + "".join(cell.html() for cell in row[1:])
                + "</tr>"
                for row in self.rows
            )
        )

    @property
    def footer_html(self) -> str:
        if not self.footer:
            return ""
        cells = self.footer[0].html("th", "row") + "".join(c.html() for c in self.footer[1:])
        return mark_safe(f'<tr class="fw-bold">{cells}</tr>')

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def data_id(self) -> str:
        return f"chart-data-{self.key}"


def bar_chart(
    labels: list[str],
    datasets: Sequence[tuple[str, Sequence[float | None]]],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    unit: str = "",
) -> dict[str, Any]:
    """What the page's script gives Chart.js: labels made here (Jalali, Persian digits) and the
    same numbers as the table."""
    return {
        "type": "bar",
        "labels": labels,
        "datasets": [{"label": label, "data": data} for label, data in datasets],
        "horizontal": horizontal,
        "stacked": stacked,
        "unit": unit,
        # Horizontal bars get room for each label; time runs along a fixed height.
        "height": max(200, 30 * len(labels) + 70) if horizontal else 280,
    }

"""Secondary suppression: the counts an export of a page leaves out, so that no small count can be
worked back by subtraction across the page's tables (docs/decisions.md, 52).

A count from 1 to 4 is suppressed (primary suppression: "<5"). A group of counts that adds up to
a total published elsewhere — an agency's services and the agency's own figure, the days of a
period and the period's, the statuses and the requests at offices and online — would give it
back: the total less the other counts. So in every group with exactly one count hidden another
one is hidden too (a complement, "x"): the smallest count of the group that is not zero (a zero
hides nothing, and it is what the table shows for what it does not count) — one of the counts
the group adds up, never its total (a total on the page, such as the requests at offices, is
the sum of other breakdowns too). A complement can leave another group with one count hidden;
each such group gets its own, until none is left.

A pure function of the tables' counts and groups (``tables.Table.counts``, ``groups``), the same
for every table of a page: the view computes it once per export of the page.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

from .tables import Key, Table, is_small


def hidden_counts(tables: Iterable[Table]) -> frozenset[Key]:
    """The keys of the counts an export of these tables leaves out: the small ones and their
    complements. Linear in the number of counts and group members: each group is completed at
    most once (a group's hidden counts only grow, so it has exactly one at most once)."""
    tables = list(tables)
    value: dict[Key, int] = {}
    for table in tables:
        value.update(table.counts())
    hidden = {key for key, n in value.items() if is_small(n)}

    # Each group's counts on the page: its members, then its total's (counted, never chosen).
    groups: list[list[Key]] = []
    chosen_from: list[int] = []
    for table in tables:
        for group in table.groups:
            members = [key for key in group.members if key in value]
            counts = members + [key for key in group.total if key in value]
            if len(counts) > 1:
                groups.append(counts)
                chosen_from.append(len(members))
    groups_of: dict[Key, list[int]] = defaultdict(list)
    hidden_in = [0] * len(groups)  # how many of each group's counts are hidden
    for index, counts in enumerate(groups):
        for key in counts:
            groups_of[key].append(index)
        hidden_in[index] = sum(key in hidden for key in counts)

    waiting = deque(index for index, n in enumerate(hidden_in) if n == 1)
    while waiting:
        index = waiting.popleft()
        if hidden_in[index] != 1:
            continue
        candidates = [
            (value[key], position, key)
            for position, key in enumerate(groups[index][: chosen_from[index]])
            if key not in hidden and value[key] > 0
        ]
        if not candidates:
            # The hidden count is the group's only one above zero: it equals the total, as
            # small, and suppressed wherever that is published.
            continue
        _n, _position, complement = min(candidates)
        hidden.add(complement)
        for other in groups_of[complement]:
            hidden_in[other] += 1
            if hidden_in[other] == 1:
                waiting.append(other)
    return frozenset(hidden)

"""Listeners to state changes. Higher layers (rollups, notifications) register here; the engine
calls them inside the transaction of the change, so they see it or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StateChange:
    subject_type: str
    subject: Any
    action: str
    from_state: str
    to_state: str
    actor: Any
    comment: str
    # The time of the change as its audit event records it (None where a caller has no event):
    # rollups count by it, so that rebuilding them from the event log gives the same figures.
    at: dt.datetime | None = None


Listener = Callable[[StateChange], None]
_listeners: list[Listener] = []


def register(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def emit(change: StateChange) -> None:
    for listener in list(_listeners):
        listener(change)

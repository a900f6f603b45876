"""Listeners to state changes. Higher layers (rollups, notifications) register here; the engine
calls them inside the transaction of the change, so they see it or nothing."""

from __future__ import annotations

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


Listener = Callable[[StateChange], None]
_listeners: list[Listener] = []


def register(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def emit(change: StateChange) -> None:
    for listener in list(_listeners):
        listener(change)

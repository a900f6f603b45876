"""A workflow definition is data: states, the initial and final states, and transitions.

Format (docs/workflows.md)::

    {"states": {"submitted": {"label_fa": "ثبت‌شده", "label_en": "Submitted"}, ...},
     "initial": "submitted",
     "final": ["delivered", "rejected", "cancelled"],
     "transitions": [{"action": "approve", "from": ["in_review"], "to": "approved",
                      "roles": ["agency_officer"], "comment_required": false,
                      "label_fa": "تایید", "label_en": "Approve"}, ...]}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DefinitionError(ValueError):
    """The definition itself is malformed."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    comment_required: bool
    label_fa: str
    label_en: str
    # The subject's fees must be settled first (a request's invoice paid, or owing nothing):
    # checked by the guard the payments app registers (engine.register_guard).
    requires_payment: bool = False

    def label(self, language: str) -> str:
        return self.label_en if language == "en" and self.label_en else self.label_fa


@dataclass(frozen=True)
class Definition:
    states: dict[str, dict[str, str]]
    initial: str
    final: frozenset[str]
    transitions: tuple[Transition, ...]

    @classmethod
    def parse(cls, data: Any, known_roles: set[str] | None = None) -> Definition:
        """Parse and check a definition; raise DefinitionError naming the first problem."""
        if not isinstance(data, dict):
            raise DefinitionError("a definition is an object with states and transitions")
        states = data.get("states")
        if not isinstance(states, dict) or not states:
            raise DefinitionError("'states' must be a non-empty object")
        for name, labels in states.items():
            if not isinstance(labels, dict) or not labels.get("label_fa"):
                raise DefinitionError(f"state '{name}' needs a label_fa")
        initial = data.get("initial")
        if initial not in states:
            raise DefinitionError(f"initial state '{initial}' is not among the states")
        final = data.get("final") or []
        if not isinstance(final, list) or any(f not in states for f in final):
            raise DefinitionError("every final state must be among the states")
        transitions = []
        actions_by_source: set[tuple[str, str]] = set()
        for i, spec in enumerate(data.get("transitions") or []):
            if not isinstance(spec, dict):
                raise DefinitionError(f"transition {i + 1} must be an object")
            action = spec.get("action")
            sources = spec.get("from")
            target = spec.get("to")
            roles = spec.get("roles")
            if not action or not isinstance(action, str):
                raise DefinitionError(f"transition {i + 1} has no action")
            if (
                not isinstance(sources, list)
                or not sources
                or any(s not in states for s in sources)
            ):
                raise DefinitionError(f"transition '{action}': every 'from' must be a state")
            if target not in states:
                raise DefinitionError(f"transition '{action}': 'to' must be a state")
            if any(s in final for s in sources):
                raise DefinitionError(f"transition '{action}' leaves a final state")
            if not isinstance(roles, list) or not roles:
                raise DefinitionError(f"transition '{action}' names no roles")
            if known_roles is not None and (unknown := set(roles) - known_roles):
                raise DefinitionError(f"transition '{action}': unknown roles {sorted(unknown)}")
            for source in sources:
                if (source, action) in actions_by_source:
                    raise DefinitionError(f"action '{action}' is defined twice from '{source}'")
                actions_by_source.add((source, action))
            transitions.append(
                Transition(
                    action=action,
                    sources=tuple(sources),
                    target=str(target),
                    roles=tuple(roles),
                    comment_required=bool(spec.get("comment_required", False)),
                    requires_payment=bool(spec.get("requires_payment", False)),
                    label_fa=spec.get("label_fa") or action,
                    label_en=spec.get("label_en") or action,
                )
            )
        return cls(states, str(initial), frozenset(final), tuple(transitions))

    def state_label(self, state: str, language: str) -> str:
        labels = self.states.get(state, {})
        if language == "en" and labels.get("label_en"):
            return labels["label_en"]
        return labels.get("label_fa", state)

    def available(self, state: str, role: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources and role in t.roles]

    def find(self, state: str, action: str) -> Transition | None:
        for transition in self.transitions:
            if transition.action == action and state in transition.sources:
                return transition
        return None

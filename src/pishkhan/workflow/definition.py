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

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from pishkhan.core.i18n import active_language, list_separator
from pishkhan.core.text import digits_for_language


class DefinitionError(ValueError):
    """The definition itself is malformed."""


def _shown(value: Any) -> str:
    """A value from the JSON as it was written (``null``, ``[]``, ``"nowhere"``)."""
    return json.dumps(value, ensure_ascii=False)


def _listed(names: list[str]) -> str:
    return list_separator().join(names)


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
        """Parse and check a definition; raise DefinitionError naming the first problem, in the
        active language (the admin shows it under the definition). JSON's own names (states,
        from, to, roles…) are quoted as written; any value of any type is refused, not a 500."""
        if not isinstance(data, dict):
            raise DefinitionError(
                _("A definition is a JSON object with “states”, “initial” and “transitions”.")
            )
        states = data.get("states")
        if not isinstance(states, dict) or not states:
            raise DefinitionError(_("“states” must be an object with at least one state."))

        def is_state(value: Any) -> bool:
            return isinstance(value, str) and value in states

        for name, labels in states.items():
            label = labels.get("label_fa") if isinstance(labels, dict) else None
            if not isinstance(label, str) or not label.strip():
                raise DefinitionError(
                    _("State “%(state)s” needs a Persian label (“label_fa”).") % {"state": name}
                )
        initial = data.get("initial")
        if not is_state(initial):
            raise DefinitionError(
                _("The initial state (“initial”) must be one of the states, not %(value)s.")
                % {"value": _shown(initial)}
            )
        final = data.get("final") or []
        if not isinstance(final, list) or not all(is_state(f) for f in final):
            raise DefinitionError(_("Every final state (“final”) must be one of the states."))
        transitions = []
        actions_by_source: set[tuple[str, str]] = set()
        specs = data.get("transitions") or []
        if not isinstance(specs, list):
            raise DefinitionError(_("“transitions” must be a list of transitions."))
        for i, spec in enumerate(specs):
            number = digits_for_language(i + 1, active_language())
            if not isinstance(spec, dict):
                raise DefinitionError(
                    _("Transition %(number)s must be an object.") % {"number": number}
                )
            action = spec.get("action")
            sources = spec.get("from")
            target = spec.get("to")
            roles = spec.get("roles")
            if not action or not isinstance(action, str):
                raise DefinitionError(
                    _("Transition %(number)s has no action (“action”).") % {"number": number}
                )
            if not isinstance(sources, list) or not sources or not all(map(is_state, sources)):
                raise DefinitionError(
                    _("Transition “%(action)s”: every state in “from” must be one of the states.")
                    % {"action": action}
                )
            if not is_state(target):
                raise DefinitionError(
                    _("Transition “%(action)s”: “to” must be one of the states.")
                    % {"action": action}
                )
            if any(s in final for s in sources):
                raise DefinitionError(
                    _("Transition “%(action)s” leaves a final state.") % {"action": action}
                )
            if (
                not isinstance(roles, list)
                or not roles
                or not all(isinstance(r, str) for r in roles)
            ):
                raise DefinitionError(
                    _("Transition “%(action)s” names no roles (“roles”).") % {"action": action}
                )
            if known_roles is not None and (unknown := set(roles) - known_roles):
                raise DefinitionError(
                    _("Transition “%(action)s” names roles that do not exist: %(roles)s.")
                    % {"action": action, "roles": _listed(sorted(unknown))}
                )
            for source in sources:
                if (source, action) in actions_by_source:
                    raise DefinitionError(
                        _("Action “%(action)s” is defined twice from state “%(state)s”.")
                        % {"action": action, "state": source}
                    )
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

"""The condition vocabulary of routing rules (``when:``), parsed from data, never evaluated
as code.

A ``when`` mapping holds when every one of its keys holds. A value that is a list means
"any of these". Keys:

==========================  ===============================================================
``format``                  the format the case arrived in (``damrongtham``, ``occ``, ...)
``sender``                  the sending agency's code
``sender_level``            ``district`` / ``provincial`` / ``central``
``sender_province``         the sender's province code (2 digits)
``incident_province``       province of the incident (else derived from its district)
``complainant_province``    province of the complainant's address
``target_agency``           the agency the sender asked for
``complexity``              ``general`` / ``complex``
``has_escalation``          ``true`` / ``false``: the case carries an escalation
``has_target_agency``       ``true`` / ``false``: the sender named a target agency
``codes``                   ``{scheme: value}``: the code the case arrived with under that
                            scheme, e.g. ``{damrongtham.sub_type: "108"}`` (not crosswalked:
                            name the scheme of the format you mean)
``any``                     a list of ``when`` mappings, at least one of which holds
``all``                     a list of ``when`` mappings, all of which hold
``not``                     a ``when`` mapping that must not hold
==========================  ===============================================================

Codes are strings: write ``"02"``, not ``02`` (YAML would read the number 2). Every
condition explains itself: :meth:`Condition.check` returns ``None`` when it holds, else a
short sentence saying why not, which is what ``saphan route --explain`` shows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from saphan.directory import Level
from saphan.errors import Problem
from saphan.routing.facts import Facts

_STRING_KEYS: Mapping[str, Callable[[Facts], str | None]] = {
    "format": lambda f: f.format,
    "sender": lambda f: f.sender,
    "sender_level": lambda f: f.sender_level,
    "sender_province": lambda f: f.sender_province,
    "incident_province": lambda f: f.incident_province,
    "complainant_province": lambda f: f.complainant_province,
    "target_agency": lambda f: f.target_agency,
    "complexity": lambda f: f.complexity,
}
_ALLOWED: Mapping[str, frozenset[str]] = {
    "sender_level": frozenset(level.value for level in Level),
    "complexity": frozenset({"general", "complex"}),
}
_BOOL_KEYS: Mapping[str, Callable[[Facts], bool]] = {
    "has_escalation": lambda f: f.has_escalation,
    "has_target_agency": lambda f: f.target_agency is not None,
}
KEYS = frozenset({*_STRING_KEYS, *_BOOL_KEYS, "codes", "any", "all", "not"})


class Condition(ABC):
    @abstractmethod
    def check(self, facts: Facts) -> str | None:
        """``None`` when the condition holds, else why it does not."""

    def holds(self, facts: Facts) -> bool:
        return self.check(facts) is None


@dataclass(frozen=True, slots=True)
class Always(Condition):
    def check(self, facts: Facts) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class OneOf(Condition):
    key: str
    values: frozenset[str]

    def check(self, facts: Facts) -> str | None:
        actual = _STRING_KEYS[self.key](facts)
        if actual in self.values:
            return None
        wanted = " or ".join(sorted(self.values))
        return f"{self.key} is {actual or 'not known'}, not {wanted}"


@dataclass(frozen=True, slots=True)
class Flag(Condition):
    key: str
    expected: bool

    def check(self, facts: Facts) -> str | None:
        actual = _BOOL_KEYS[self.key](facts)
        return None if actual == self.expected else f"{self.key} is {str(actual).lower()}"


@dataclass(frozen=True, slots=True)
class CodeIs(Condition):
    scheme: str
    values: frozenset[str]

    def check(self, facts: Facts) -> str | None:
        actual = facts.codes.get(self.scheme)
        if actual in self.values:
            return None
        wanted = " or ".join(sorted(self.values))
        return f"{self.scheme} is {actual or 'absent'}, not {wanted}"


@dataclass(frozen=True, slots=True)
class All(Condition):
    parts: tuple[Condition, ...]

    def check(self, facts: Facts) -> str | None:
        for part in self.parts:
            why = part.check(facts)
            if why is not None:
                return why
        return None


@dataclass(frozen=True, slots=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def check(self, facts: Facts) -> str | None:
        reasons = []
        for part in self.parts:
            why = part.check(facts)
            if why is None:
                return None
            reasons.append(why)
        return "none of: " + "; ".join(reasons)


@dataclass(frozen=True, slots=True)
class Not(Condition):
    part: Condition

    def check(self, facts: Facts) -> str | None:
        return "the 'not' condition holds" if self.part.holds(facts) else None


def parse_condition(data: Any, path: str, problems: list[Problem]) -> Condition:
    """Parse a ``when`` mapping; problems are appended with their paths."""
    if data is None:
        return Always()
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "a condition is a mapping of the keys listed in the docs"))
        return Always()
    parts: list[Condition] = []
    for key, value in data.items():
        where = f"{path}/{key}"
        if key in _STRING_KEYS:
            values = _strings(value, where, problems)
            allowed = _ALLOWED.get(key)
            for bad in sorted(values - allowed) if allowed else ():
                problems.append(Problem(where, f"{bad!r} is not one of {sorted(allowed or ())}"))
            parts.append(OneOf(key, values))
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                problems.append(Problem(where, "must be true or false"))
            parts.append(Flag(key, bool(value)))
        elif key == "codes":
            if not isinstance(value, Mapping) or not value:
                problems.append(Problem(where, "must map a scheme to a code, e.g. pmo1111.topic"))
                continue
            for scheme, code in value.items():
                if not isinstance(scheme, str) or "." not in scheme:
                    problems.append(Problem(where, f"{scheme!r} is not a scheme (format.field)"))
                    continue
                parts.append(CodeIs(scheme, _strings(code, f"{where}/{scheme}", problems)))
        elif key in ("any", "all"):
            items = _sequence(value, where, problems)
            subs = tuple(parse_condition(v, f"{where}/{i}", problems) for i, v in enumerate(items))
            parts.append(AnyOf(subs) if key == "any" else All(subs))
        elif key == "not":
            parts.append(Not(parse_condition(value, where, problems)))
        else:
            problems.append(Problem(where, f"unknown condition (known: {', '.join(sorted(KEYS))})"))
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def _strings(value: Any, where: str, problems: list[Problem]) -> frozenset[str]:
    items = value if isinstance(value, list) else [value]
    out: set[str] = set()
    for item in items:
        if isinstance(item, str) and item:
            out.add(item)
        else:
            problems.append(
                Problem(where, f'{item!r} is not a text value (quote codes such as "02")')
            )
    return frozenset(out)


def _sequence(value: Any, where: str, problems: list[Problem]) -> Sequence[Any]:
    if isinstance(value, list) and value:
        return value
    problems.append(Problem(where, "must be a non-empty list of conditions"))
    return []


__all__ = ["KEYS", "Condition", "parse_condition"]

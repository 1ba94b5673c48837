"""Destination and reason templates of routing rules: text with ``{variable}`` holes.

A hole names one or more variables of :data:`~saphan.routing.facts.VARIABLE_PATHS`,
separated by ``|``: the first that has a value is used (``{incident_province|
complainant_province}``: the incident's province, else the complainant's). Nothing else
is interpreted: no expressions, no attribute access, no ``eval``. Unknown variables are
refused when the policy is loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from saphan.routing.facts import VARIABLE_PATHS, Facts

_HOLE = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"^[a-z_]+$")


@dataclass(frozen=True, slots=True)
class Filled:
    """A filled template: the text, or the holes that had no value; and what was used."""

    text: str | None
    used: tuple[str, ...]
    missing: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    #: literal text and holes, alternately: literal, hole, literal, ..., literal
    parts: tuple[str | tuple[str, ...], ...]

    @classmethod
    def parse(cls, source: str) -> Template:
        """Parse ``source``; ``ValueError`` names an unknown variable or a bad hole."""
        parts: list[str | tuple[str, ...]] = []
        pos = 0
        for m in _HOLE.finditer(source):
            parts.append(source[pos : m.start()])
            names = tuple(n.strip() for n in m.group(1).split("|"))
            for name in names:
                if not _NAME.match(name) or name not in VARIABLE_PATHS:
                    known = ", ".join(sorted(VARIABLE_PATHS))
                    raise ValueError(f"unknown variable {name!r} in {source!r} (known: {known})")
            parts.append(names)
            pos = m.end()
        rest = source[pos:]
        if "{" in rest or "}" in rest or any("{" in p or "}" in p for p in parts[::2]):
            raise ValueError(f"unbalanced braces in {source!r}")
        parts.append(rest)
        return cls(source, tuple(parts))

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(n for p in self.parts if isinstance(p, tuple) for n in p)

    def fill(self, facts: Facts) -> Filled:
        out: list[str] = []
        used: list[str] = []
        missing: list[tuple[str, ...]] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = None
            for name in part:
                value = facts.value(name)
                if value is not None:
                    used.append(name)
                    break
            if value is None:
                missing.append(part)
            else:
                out.append(value)
        return Filled(None if missing else "".join(out), tuple(used), tuple(missing))

    def text(self, facts: Facts, absent: str = "?") -> str:
        """The filled text, with ``absent`` in holes without a value (for explanations)."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(next((v for n in part if (v := facts.value(n))), absent))
        return "".join(out)


__all__ = ["Filled", "Template"]

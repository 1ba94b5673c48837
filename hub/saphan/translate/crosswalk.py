"""Code tables and crosswalks, loaded from ``mappings/crosswalks.yaml`` and ``codes.yaml``.

Pure lookups over data: no agency-specific logic lives here. A *scheme* is
``"<format>.<field>"``; a case carries the codes it arrived with in ``Case.codes`` and
:meth:`Crosswalks.resolve` finds the value for another scheme: the case's own value if it
has one, else the shortest chain of agreed tables from a value it has, else the scheme's
fallback, else a chain from another scheme's fallback.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from saphan.errors import ConfigError
from saphan.paths import mappings_dir


@dataclass(frozen=True)
class EnumTable:
    decode: Mapping[str, str]
    encode: Mapping[str, str]


class Crosswalks:
    """The agreed tables, queryable in every direction."""

    def __init__(self, data: Mapping[str, Any], codes: Mapping[str, Mapping[str, str]]):
        try:
            self._enums: dict[str, EnumTable] = {}
            for _meaning, schemes in (data.get("enums") or {}).items():
                for scheme, table in schemes.items():
                    self._enums[scheme] = EnumTable(
                        decode={str(k): str(v) for k, v in table["decode"].items()},
                        encode={str(k): str(v) for k, v in table["encode"].items()},
                    )
            self._tables: dict[tuple[str, str], dict[str, str]] = {}
            for item in data.get("crosswalks") or []:
                key = (str(item["from"]), str(item["to"]))
                self._tables[key] = {str(k): str(v) for k, v in item["map"].items()}
            self._fallbacks = {str(k): str(v) for k, v in (data.get("fallbacks") or {}).items()}
            self._codes = {s: {str(k): str(v) for k, v in t.items()} for s, t in codes.items()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"crosswalk data is malformed: {exc!r}") from exc

    # -- code lists ----------------------------------------------------------------------

    def codes(self, scheme: str) -> Mapping[str, str]:
        """Code → label for a scheme (empty when unknown)."""
        return self._codes.get(scheme, {})

    def label(self, scheme: str, code: str) -> str | None:
        return self._codes.get(scheme, {}).get(code)

    def is_code(self, scheme: str, code: str) -> bool:
        return code in self._codes.get(scheme, {})

    # -- enums (status, escalation reason) -----------------------------------------------

    def decode(self, scheme: str, code: str) -> str | None:
        """Canonical meaning of a format's code, or None when the code is unknown."""
        return self._enum(scheme).decode.get(code)

    def encode(self, scheme: str, meaning: str) -> str:
        """The format's code for a canonical meaning (every meaning has one)."""
        try:
            return self._enum(scheme).encode[meaning]
        except KeyError:
            raise ConfigError(f"{scheme} has no code for {meaning!r}") from None

    def _enum(self, scheme: str) -> EnumTable:
        try:
            return self._enums[scheme]
        except KeyError:
            raise ConfigError(f"no enum table for scheme {scheme!r}") from None

    # -- crosswalks ------------------------------------------------------------------------

    def table(self, source: str, target: str) -> Mapping[str, str] | None:
        return self._tables.get((source, target))

    def translate(self, source: str, code: str, target: str) -> str | None:
        """``code`` of ``source`` as ``target``, through the shortest chain of tables."""
        if source == target:
            return code
        seen = {source}
        queue: deque[tuple[str, str]] = deque([(source, code)])
        while queue:
            scheme, value = queue.popleft()
            for (a, b), table in self._tables.items():
                if a != scheme or b in seen or value not in table:
                    continue
                if b == target:
                    return table[value]
                seen.add(b)
                queue.append((b, table[value]))
        return None

    def resolve(self, codes: Mapping[str, str], target: str) -> str | None:
        """The value a case with ``codes`` has for ``target`` (see module docstring)."""
        if target in codes:
            return codes[target]
        for scheme, value in codes.items():
            found = self.translate(scheme, value, target)
            if found is not None:
                return found
        if target in self._fallbacks:
            return self._fallbacks[target]
        for scheme, value in self._fallbacks.items():
            if scheme in codes:
                continue
            found = self.translate(scheme, value, target)
            if found is not None:
                return found
        return None


def load_crosswalks(directory: Path) -> Crosswalks:
    try:
        data = yaml.safe_load((directory / "crosswalks.yaml").read_text(encoding="utf-8"))
        codes = yaml.safe_load((directory / "codes.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read crosswalks in {directory}: {exc}") from exc
    return Crosswalks(data, codes)


@cache
def crosswalks() -> Crosswalks:
    """The crosswalks of the configured ``mappings/`` folder (read once per process)."""
    return load_crosswalks(mappings_dir())

"""Finding adapters: every installed distribution may add formats through the
``saphan.adapters`` entry-point group, so a new agency plugs in without touching the hub.

Discovery happens once per process (cached); :func:`refresh` forgets it, for tests and for
operators who install an adapter into a running environment before a reload.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from saphan.errors import ConfigError, Problem, UnsupportedFormatError
from saphan.translate.adapter import Adapter

ENTRY_POINT_GROUP = "saphan.adapters"


@cache
def _discover() -> dict[str, Adapter]:
    found: dict[str, Adapter] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = ep.load()
        except Exception as exc:
            raise ConfigError(
                f"adapter plug-in {ep.name!r} ({ep.value}) cannot be loaded: {exc}"
            ) from exc
        if not (isinstance(cls, type) and issubclass(cls, Adapter)):
            raise ConfigError(f"entry point {ep.name!r} is not an Adapter subclass")
        adapter = cls()
        if adapter.name != ep.name:
            raise ConfigError(
                f"entry point {ep.name!r} names an adapter whose format is {adapter.name!r}"
            )
        found[ep.name] = adapter
    return found


def refresh() -> None:
    """Forget discovered adapters; the next call looks at the entry points again."""
    _discover.cache_clear()


def formats() -> list[str]:
    """Names of every installed format, sorted."""
    return sorted(_discover())


def get_adapter(name: str) -> Adapter:
    """The adapter for ``name``, or :class:`UnsupportedFormatError` naming the known ones."""
    adapters = _discover()
    try:
        return adapters[name]
    except KeyError:
        known = ", ".join(sorted(adapters)) or "none installed"
        raise UnsupportedFormatError(
            f"no adapter for format {name!r} (known: {known})",
            [Problem("/format", f"unknown format {name!r}")],
        ) from None

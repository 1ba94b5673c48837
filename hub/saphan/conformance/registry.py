"""The catalogue of conformance cases: name, group, level, modes, and the spec they prove.

A case is an ``async`` function ``(ctx, check) -> None`` declared with :func:`case`. It
records what it finds on its :class:`Check`: problems (the case fails), notes (it passes
or fails for other reasons, and these are worth knowing), a one-line summary, and it may
give up with :meth:`Check.skip` when it cannot run. A module of several cases declares
them with a :class:`CaseGroup`, which names their group and modes once. Each case has a
folder ``conformance/cases/<name>/`` with a README saying what it proves and which
section of the specification it traces to; a test keeps the two in step.

:func:`all_cases` imports the case modules (:mod:`saphan.conformance.cases`) and lists
the cases in the order they run; :func:`plan` says which of them a run takes and why the
others are skipped. Running them is :mod:`.runner`'s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from saphan.conformance.model import Level
from saphan.conformance.settings import Mode
from saphan.errors import ConfigError, Problem

if TYPE_CHECKING:
    from saphan.conformance.context import Context

__all__ = ["CaseFn", "CaseGroup", "CaseSpec", "Check", "SkipCase", "all_cases", "case", "plan"]


class SkipCase(Exception):
    """Raised by :meth:`Check.skip`: the case cannot run; the message says why."""


class Check:
    """What one case found while it ran."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.summary = ""

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def extend(self, problems: Collection[Problem], prefix: str = "") -> None:
        self.problems.extend(Problem(f"{prefix}{p.path}", p.message) for p in problems)

    def extend_or_fail(self, problems: Collection[Problem], path: str, reason: str) -> None:
        """``problems`` under ``path``; when there are none, ``reason`` at ``path``: a
        refusal that names no problem still fails the case."""
        self.extend(problems, path)
        if not problems:
            self.fail(path, reason)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def skip(self, reason: str) -> NoReturn:
        raise SkipCase(reason)

    @property
    def failed(self) -> bool:
        return bool(self.problems)


CaseFn = Callable[["Context", Check], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CaseSpec:
    """One case of the catalogue."""

    name: str
    title: str
    group: str
    level: Level
    modes: frozenset[Mode]
    spec: str
    run: CaseFn
    after: tuple[str, ...] = ()


_REGISTRY: dict[str, CaseSpec] = {}


def case(
    name: str,
    *,
    title: str,
    group: str,
    level: Level,
    modes: Collection[Mode],
    spec: str,
    after: tuple[str, ...] = (),
) -> Callable[[CaseFn], CaseFn]:
    """Declare a case; ``after`` names cases that must have passed for it to run."""

    def register(run: CaseFn) -> CaseFn:
        if name in _REGISTRY:
            raise ConfigError(f"conformance case {name!r} is declared twice")
        _REGISTRY[name] = CaseSpec(name, title, group, level, frozenset(modes), spec, run, after)
        return run

    return register


@dataclass(frozen=True, slots=True)
class CaseGroup:
    """Declares the cases of one group (one module of :mod:`saphan.conformance.cases`);
    they run in ``modes`` unless a case names its own."""

    group: str
    modes: tuple[Mode, ...]

    def __call__(
        self,
        name: str,
        *,
        title: str,
        level: Level,
        spec: str,
        modes: Collection[Mode] | None = None,
        after: tuple[str, ...] = (),
    ) -> Callable[[CaseFn], CaseFn]:
        """:func:`case`, in this group."""
        return case(
            name,
            title=title,
            group=self.group,
            level=level,
            modes=self.modes if modes is None else modes,
            spec=spec,
            after=after,
        )


def all_cases() -> list[CaseSpec]:
    """Every case, in the order a run takes them."""
    import saphan.conformance.cases  # noqa: F401 - importing the modules declares the cases

    return list(_REGISTRY.values())


def plan(
    mode: Mode, *, optional: bool, only: Collection[str] = ()
) -> list[tuple[CaseSpec, str | None]]:
    """The cases for a run in ``mode``, each with the reason it is skipped (None: it runs).

    Cases of the other mode are left out; optional cases are skipped unless ``optional``;
    ``only`` (when given) keeps those cases and skips the rest. Unknown names in ``only``
    are a :class:`ConfigError`.
    """
    cases = all_cases()
    unknown = sorted(set(only) - {c.name for c in cases})
    if unknown:
        raise ConfigError(
            f"unknown conformance case(s): {', '.join(unknown)}",
            [
                Problem("/--only", f"{name!r} is not a case; see saphan conformance list")
                for name in unknown
            ],
        )
    chosen: list[tuple[CaseSpec, str | None]] = []
    for spec in cases:
        if mode not in spec.modes:
            continue
        reason: str | None = None
        if only and spec.name not in only:
            reason = "not among the cases named with --only"
        elif spec.level is Level.OPTIONAL and not optional and not only:
            reason = "optional; run with --optional"
        chosen.append((spec, reason))
    return chosen

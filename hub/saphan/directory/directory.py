"""Looking agencies up: an immutable :class:`Directory` snapshot, and the lookup protocol.

:class:`AgencyLookup` is what the rest of the hub depends on (routing, delivery, request
signatures): ``get`` (raises :class:`~saphan.errors.NotFoundError`), ``find`` (``None``
when unknown) and ``exists``. A :class:`Directory` is one consistent snapshot; the
:class:`~saphan.directory.source.DirectorySource` swaps snapshots when its files change.
:class:`InMemoryDirectory` is a mutable test double.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from saphan.directory.loader import Document, build, read_document
from saphan.directory.model import Agency
from saphan.errors import ConfigError, NotFoundError, Problem


@runtime_checkable
class AgencyLookup(Protocol):
    """The read side of the agency directory."""

    def find(self, code: str) -> Agency | None: ...

    def get(self, code: str) -> Agency: ...

    def exists(self, code: str) -> bool: ...


class Directory:
    """An immutable set of agencies, by code."""

    def __init__(self, agencies: Iterable[Agency]) -> None:
        by_code: dict[str, Agency] = {}
        repeated: list[str] = []
        for agency in agencies:
            if agency.code in by_code:
                repeated.append(agency.code)
            by_code[agency.code] = agency
        if repeated:
            raise ConfigError(
                "agency codes must be unique",
                [Problem(f"/agencies/{code}", "appears more than once") for code in repeated],
            )
        self._by_code = by_code

    @classmethod
    def from_documents(cls, documents: Sequence[Document]) -> Directory:
        return cls(build(documents))

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> Directory:
        """Read ``paths`` in order, later files overriding earlier ones."""
        return cls.from_documents([read_document(p) for p in paths])

    def find(self, code: str) -> Agency | None:
        return self._by_code.get(code)

    def get(self, code: str) -> Agency:
        agency = self.find(code)
        if agency is None:
            raise NotFoundError(
                f"no agency {code!r} in the agency directory",
                [Problem("/agency", f"unknown agency code {code!r}")],
            )
        return agency

    def exists(self, code: str) -> bool:
        return code in self._by_code

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[Agency]:
        return iter(list(self._by_code.values()))

    def __len__(self) -> int:
        return len(self._by_code)

    def codes(self) -> list[str]:
        return sorted(self._by_code)


class InMemoryDirectory(Directory):
    """A directory that tests can change in place."""

    def __init__(self, agencies: Iterable[Agency] = ()) -> None:
        super().__init__(agencies)

    def put(self, agency: Agency) -> None:
        """Add ``agency`` or replace the entry with its code."""
        self._by_code[agency.code] = agency

    def remove(self, code: str) -> None:
        self._by_code.pop(code, None)


__all__ = ["AgencyLookup", "Directory", "InMemoryDirectory"]

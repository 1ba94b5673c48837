"""The agency directory as files that may change while the hub runs.

:class:`DirectorySource` reads a list of directory files (later ones overriding earlier
ones: the shipped ``mappings/agencies.yaml``, then an operator's or the demo's own file) and
serves a :class:`~saphan.directory.directory.Directory` snapshot. On a lookup it checks,
at most once per ``interval`` seconds, whether any file's modification time, size or
identity changed (one ``stat`` per file), and reloads when one did. A file named in
``optional`` may be absent (it is read as soon as it appears).

A reload that fails (a half-written or wrong file) keeps the last good snapshot and
records the error in :attr:`DirectorySource.last_error`: a running hub keeps routing with
the directory it had. Only the first load raises.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from threading import Lock

from saphan.directory.directory import Directory
from saphan.directory.model import Agency
from saphan.errors import ConfigError, HubError, Problem
from saphan.paths import mappings_dir

DIRECTORY_FILE = "agencies.yaml"

_log = logging.getLogger(__name__)

_Stamp = tuple[tuple[int, int, int] | None, ...]


def default_paths() -> list[Path]:
    """The shipped directory file (under ``SAPHAN_MAPPINGS`` when set)."""
    return [mappings_dir() / DIRECTORY_FILE]


class DirectorySource:
    """A directory that follows its files (see the module docstring)."""

    def __init__(
        self,
        paths: Sequence[Path] | None = None,
        *,
        optional: Collection[Path] = (),
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._paths = list(paths) if paths is not None else default_paths()
        if not self._paths:
            raise ConfigError("the agency directory needs at least one file")
        self._optional = {Path(p) for p in optional}
        self._interval = interval
        self._clock = clock
        self._lock = Lock()
        self._checked_at = clock()
        self._stamp = self._stat()
        self._directory = self._load()
        #: the problem of the last reload that failed, ``None`` after a good one
        self.last_error: HubError | None = None

    @property
    def paths(self) -> list[Path]:
        return list(self._paths)

    def current(self) -> Directory:
        """The latest good snapshot, reloaded first when a file changed."""
        now = self._clock()
        if now - self._checked_at < self._interval:
            return self._directory
        with self._lock:
            if now - self._checked_at >= self._interval:
                self._checked_at = now
                stamp = self._stat()
                if stamp != self._stamp:
                    self._reload(stamp)
        return self._directory

    def reload(self) -> Directory:
        """Read the files now, whatever their times say."""
        with self._lock:
            self._checked_at = self._clock()
            self._reload(self._stat())
        return self._directory

    def _reload(self, stamp: _Stamp) -> None:
        try:
            directory = self._load()
        except HubError as err:
            self.last_error = err
            _log.warning("agency directory not reloaded, keeping the previous one: %s", err)
            return
        self._directory = directory
        self._stamp = stamp
        self.last_error = None

    def _stat(self) -> _Stamp:
        stamps: list[tuple[int, int, int] | None] = []
        for path in self._paths:
            try:
                st = path.stat()
            except OSError:
                stamps.append(None)
            else:
                stamps.append((st.st_mtime_ns, st.st_size, st.st_ino))
        return tuple(stamps)

    def _load(self) -> Directory:
        present: list[Path] = []
        missing: list[Problem] = []
        for path in self._paths:
            if path.exists():
                present.append(path)
            elif path not in self._optional:
                missing.append(Problem(path.name, "agency directory file not found"))
        if missing:
            raise ConfigError("an agency directory file is missing", missing)
        return Directory.from_files(present)

    # -- the lookup protocol, over the current snapshot -------------------------------------

    def find(self, code: str) -> Agency | None:
        return self.current().find(code)

    def get(self, code: str) -> Agency:
        return self.current().get(code)

    def exists(self, code: str) -> bool:
        return self.current().exists(code)

    def __iter__(self) -> Iterator[Agency]:
        return iter(self.current())

    def __len__(self) -> int:
        return len(self.current())


__all__ = ["DIRECTORY_FILE", "DirectorySource", "default_paths"]

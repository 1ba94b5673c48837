"""Structured logs: one JSON object per line with the case and transfer id in context.

Code sets the ids with :func:`bind` (a context variable, so concurrent requests and
deliveries do not mix them up). Messages carry codes and ids only: no names, citizen IDs,
phones, addresses or complaint text are ever passed to a logger (a test reads the logs of a
whole demo run and looks for the demo people's data).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_context: ContextVar[dict[str, str]] = ContextVar("saphan_log_context", default={})  # noqa: B039


@contextmanager
def bind(**ids: str | None) -> Iterator[None]:
    """Add ``case_id=...``, ``transfer_id=...`` etc. to every log line inside the block."""
    current = dict(_context.get())
    current.update({k: v for k, v in ids.items() if v is not None})
    token = _context.set(current)
    try:
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(_context.get())
        extra = getattr(record, "ids", None)
        if isinstance(extra, dict):
            out.update(extra)
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__
        return json.dumps(out, ensure_ascii=False)


def configure(level: str = "INFO", file: Path | None = None) -> None:
    """Send the hub's logs as JSON lines to standard error (and ``file`` when given)."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
    # The scheduler library logs through these same JSON lines too: otherwise Python's
    # last-resort handler prints its messages with full tracebacks (e.g. a job cancelled
    # at shutdown), and a traceback's text may quote data.
    for name, lowest in (("saphan", level), ("apscheduler", "WARNING")):
        logger = logging.getLogger(name)
        logger.setLevel(lowest)
        logger.propagate = False
        for old_handler in list(logger.handlers):
            logger.removeHandler(old_handler)
        for handler in handlers:
            logger.addHandler(handler)

"""Shared fixtures: where the spec examples are, and the rule for optional services.

A test that needs PostgreSQL or Chromium skips with a reason when the service is absent,
except in CI (``CI=true``), where it fails instead: CI must never pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SAPHAN_SHARED", ROOT.parent / "shared"))
EXAMPLES = SHARED / "spec" / "examples"
MERKLE_VECTORS = SHARED / "testdata" / "merkle"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a required service is missing."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def examples() -> Path:
    require(EXAMPLES.is_dir(), f"the shared spec examples are not at {EXAMPLES}")
    return EXAMPLES


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using it runs on embedded SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    from databases import fresh_pg_database, pg_available

    require(pg_available(), "PostgreSQL is not reachable at 127.0.0.1:5432 (database test)")
    with fresh_pg_database() as url:
        yield url

"""Shared fixtures: where the spec examples are, and the rule for optional services.

A test that needs PostgreSQL or Chromium skips with a reason when the service is absent,
except in CI (``CI=true``), where it fails instead: CI must never pass by skipping.
"""

from __future__ import annotations

import os
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

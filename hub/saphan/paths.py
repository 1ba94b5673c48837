"""Where the hub's data files live: ``mappings/`` and ``schemas/`` at the project's top.

Operators may point the hub at their own copies with ``SAPHAN_MAPPINGS`` and
``SAPHAN_SCHEMAS``; otherwise the folders beside the installed source tree are used.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def mappings_dir() -> Path:
    return Path(os.environ.get("SAPHAN_MAPPINGS", PROJECT_ROOT / "mappings"))


def schemas_dir() -> Path:
    return Path(os.environ.get("SAPHAN_SCHEMAS", PROJECT_ROOT / "schemas"))

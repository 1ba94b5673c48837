"""Where the hub's data files live (``mappings/`` and ``schemas/`` at the project's top),
and how an operator's YAML file among them is read.

Operators may point the hub at their own copies with ``SAPHAN_MAPPINGS`` and
``SAPHAN_SCHEMAS``; otherwise the folders beside the installed source tree are used. What
a file means is for its reader (the directory, the routing policy, the calendar); this
module only turns unreadable or malformed files into :class:`ConfigError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from saphan.errors import ConfigError, Problem

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def mappings_dir() -> Path:
    return Path(os.environ.get("SAPHAN_MAPPINGS", PROJECT_ROOT / "mappings"))


def schemas_dir() -> Path:
    return Path(os.environ.get("SAPHAN_SCHEMAS", PROJECT_ROOT / "schemas"))


def read_yaml(path: Path, label: str = "", *, missing_ok: bool = False) -> Any:
    """The parsed content of the YAML file ``path`` (None for an empty file, and for a
    missing one when ``missing_ok``); ``label`` names what it is in errors
    (``"routing policy "``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        if missing_ok:
            return None
        raise _unreadable(path, label, exc) from None
    except OSError as exc:
        raise _unreadable(path, label, exc) from None
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:
        # PyYAML raises ValueError for impossible dates such as 2024-02-31
        raise ConfigError(
            f"{label}{path.name} is not valid YAML", [Problem(path.name, str(exc))]
        ) from None


def _unreadable(path: Path, label: str, exc: OSError) -> ConfigError:
    return ConfigError(
        f"cannot read {label}{path.name}: {exc.strerror}", [Problem(path.name, str(exc.strerror))]
    )

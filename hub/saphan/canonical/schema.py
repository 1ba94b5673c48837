"""Export of the canonical model's JSON Schema to ``schemas/canonical/case.schema.json``.

The file in ``schemas/`` is the published contract; a test regenerates it from the code
and fails when the two drift apart. Regenerate with ``python -m saphan.canonical.schema``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from saphan.canonical.model import Case

SCHEMA_ID = "https://saphan.example/schemas/canonical/case.schema.json"


def canonical_json_schema() -> dict[str, Any]:
    schema = Case.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def render() -> str:
    return json.dumps(canonical_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover - developer tool
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("schemas/canonical/case.schema.json")
    target.write_text(render(), encoding="utf-8")

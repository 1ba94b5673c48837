"""Test doubles shipped with the package, for the hub's tests and for integrators' own.

* :class:`EchoAdapter`: an adapter whose wire format is the canonical case JSON itself;
  it exercises everything around adapters without any agency format.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from saphan.canonical import Case
from saphan.translate.adapter import Adapter, Parsed, Receiver, Record, validation_problems


class EchoAdapter(Adapter):
    """Reads and writes ``{"records": [<canonical case>, ...]}`` (a batch format)."""

    name = "echo"
    batch = True

    def _parse(self, data: bytes) -> Parsed:
        envelope: Any = json.loads(data)
        items = envelope["records"]
        records: list[Record] = []
        for i, item in enumerate(items):
            raw = json.dumps(item, ensure_ascii=False).encode()
            try:
                records.append(Record(i, raw, case=Case.model_validate(item)))
            except ValidationError as exc:
                records.append(
                    Record(i, raw, problems=tuple(validation_problems(exc, f"/records/{i}")))
                )
        return Parsed(self.name, tuple(records))

    def _render(self, cases: list[Case], receiver: Receiver) -> bytes:
        body = {"for": receiver.agency, "records": [c.model_dump(mode="json") for c in cases]}
        return json.dumps(body, ensure_ascii=False).encode()

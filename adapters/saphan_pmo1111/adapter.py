"""The ``pmo1111`` adapter: the 1111 exchange JSON 1.0, a batch of 1 to 500 records.

Glue only: safe batch loading (:func:`saphan.translate.jsonload.load_batch`, which keeps
each record's own bytes), envelope and record validation (:mod:`saphan_pmo1111.wire`), the
mapping (:mod:`saphan_pmo1111.parse`) and the renderer (:mod:`saphan_pmo1111.render`).

A bad envelope refuses the whole message (:class:`~saphan.errors.InputError`); a bad record
is returned with its problems and never costs the others.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

from saphan.canonical import Case
from saphan.errors import InputError
from saphan.translate.adapter import Adapter, Parsed, Receiver, Record
from saphan.translate.jsonload import load_batch
from saphan.translate.jsonwrite import dumps
from saphan_pmo1111 import wire
from saphan_pmo1111.parse import FORMAT, parse_record, tracking_no
from saphan_pmo1111.render import render_batch

ARRAY = "records"


class Pmo1111Adapter(Adapter):
    """Reads and writes 1111 exchange batches (see :mod:`saphan_pmo1111`)."""

    name: ClassVar[str] = FORMAT
    media_type: ClassVar[str] = "application/json"
    batch: ClassVar[bool] = True

    def _parse(self, data: bytes) -> Parsed:
        loaded = load_batch(data, ARRAY, self.limits)
        items = loaded.items or ()
        envelope_raw: dict[str, Any] = dict(loaded.envelope)
        if loaded.items is not None:
            envelope_raw[ARRAY] = [item.value for item in items]
        envelope, problems = wire.validate_envelope(envelope_raw)
        problems = list(loaded.problems) + problems
        if envelope is None or problems:
            raise InputError.from_problems(
                problems, f"{FORMAT} batch envelope is invalid ({len(problems)} problem(s))"
            )
        records = []
        for item in items:
            prefix = f"/{ARRAY}/{item.index}"
            case, found = parse_record(item.value, prefix, envelope.generated_ms)
            found = list(item.problems) + found
            records.append(
                Record(
                    index=item.index,
                    raw=item.raw,
                    case=None if found else case,
                    problems=tuple(found),
                    tracking_no=tracking_no(item.value),
                )
            )
        # psc_version, batch_id, generated_ms and any unknown envelope keys, as sent
        return Parsed(self.name, tuple(records), envelope=dict(loaded.envelope))

    def _wrap_record(self, raw: bytes) -> bytes:
        """A quarantined record's own bytes in a one-record envelope, for replay.

        The record's bytes are kept exactly; the envelope is dated by the record's
        ``recv_ms`` when it has a usable one (1111 times a record's status by the batch).
        """
        generated = 0
        try:
            value = json.loads(raw)
            if isinstance(value, dict) and isinstance(value.get("recv_ms"), int):
                generated = value["recv_ms"]
        except ValueError:
            pass  # parse() reports what is wrong with the record itself
        day = datetime.fromtimestamp(generated / 1000, tz=UTC).strftime("%Y%m%d")
        head = f'{{"psc_version":"1.0","batch_id":"PSC-{day}-0000","generated_ms":{generated},"records":['
        return head.encode() + raw + b"]}"

    def _render(self, cases: list[Case], receiver: Receiver) -> bytes:
        return dumps(render_batch(cases, receiver))

"""Hypothesis strategies that damage JSON messages, for the fuzz tests of the JSON formats.

:func:`mutated_bytes` breaks a message as a network or a careless sender would (flipped,
inserted, deleted and repeated bytes, truncation); :func:`mutated_documents` keeps it JSON
but drops keys and gives values other types. :func:`exercise` feeds one to an adapter.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from saphan.errors import InputError
from saphan.translate.adapter import Adapter, Parsed


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "truncate"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.sampled_from([b"{", b"[", b'"', b",", b"\\u", b"\xe0", b"null"]))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        else:
            del data[at:]
    return bytes(data)


def mutate_json(value: Any, draw: st.DrawFn) -> Any:
    if isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value)))
        choice = draw(st.sampled_from(["drop", "retype", "descend"]))
        copied = dict(value)
        if choice == "drop":
            copied.pop(key)
        elif choice == "retype":
            copied[key] = draw(
                st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text())
            )
        else:
            copied[key] = mutate_json(value[key], draw)
        return copied
    if isinstance(value, list) and value:
        index = draw(st.integers(0, len(value) - 1))
        return [mutate_json(v, draw) if i == index else v for i, v in enumerate(value)]
    return draw(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers())))


@st.composite
def mutated_documents(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    value = json.loads(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        value = mutate_json(value, draw)
    return json.dumps(value, ensure_ascii=draw(st.booleans()), allow_nan=True).encode("utf-8")


def exercise(adapter: Adapter, data: bytes, check: Callable[[Parsed], None]) -> None:
    """``data`` through the adapter's own hook, which must raise nothing but ``InputError``
    by itself, and through the public ``parse``; ``check`` judges whatever comes back."""
    try:
        check(adapter._parse(data))
    except InputError as exc:
        assert exc.problems
    with contextlib.suppress(InputError):
        check(adapter.parse(data))

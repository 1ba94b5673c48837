"""Writing agency JSON, with the keys a sender added that the hub does not know kept.

What it does:

* **Unknown keys** kept verbatim by JSON pointer when a wire model is read
  (:func:`unknown_keys`) and put back when that format is written (:func:`restore_unknown`).
* **Writing** (:func:`dumps`): UTF-8, ``ensure_ascii=False``, two-space indent, one final
  newline, keys in the order given; :func:`compact` without white space, for hashing.

What it does not do: read bytes (:mod:`saphan.translate.jsonload`), validate fields
(:mod:`saphan.translate.jsonfields`), any agency's vocabulary or mapping (see the adapters),
or I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any, get_args

import orjson
from pydantic import BaseModel

from saphan.translate.jsonload import escape, unescape

# -- unknown keys -------------------------------------------------------------------------


def unknown_keys(model: BaseModel, prefix: str = "") -> dict[str, Any]:
    """Keys the wire model did not declare, by JSON pointer, with their values verbatim.

    Reads pydantic's own storage (``__pydantic_extra__``, ``__dict__``) rather than going
    through attribute access, and looks only into the fields whose type can hold a model:
    this runs on every message. (Recursive: the depth is the wire model's, not the input's.)
    """
    found: dict[str, Any] = {}
    _collect_unknown(model, prefix, found)
    return found


def _collect_unknown(node: BaseModel, path: str, found: dict[str, Any]) -> None:
    extra = node.__pydantic_extra__
    if extra:
        for key, value in extra.items():
            found[f"{path}/{escape(key)}"] = value
    names = _MODEL_FIELDS.get(node.__class__)
    if names is None:
        names = _MODEL_FIELDS[node.__class__] = _model_fields(node.__class__)
    if not names:  # most models of a document hold no model of their own
        return
    values = node.__dict__
    for name in names:
        value = values.get(name)
        if value is None:
            continue
        if value.__class__ is list:
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _collect_unknown(item, f"{path}/{name}/{index}", found)
        elif isinstance(value, BaseModel):
            _collect_unknown(value, f"{path}/{name}", found)


#: :func:`_model_fields` by class, looked up without a call (a few wire classes at most)
_MODEL_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {}


@cache
def _model_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` whose declared type can hold a model (itself, in a list or in
    a union); the others hold plain values and have no keys of their own."""
    return tuple(name for name, info in cls.model_fields.items() if _holds_model(info.annotation))


def _holds_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in get_args(annotation))


def restore_unknown(document: dict[str, Any], unknown: Mapping[str, Any]) -> None:
    """Put kept unknown keys back where they were, when that object is still written.

    A key is skipped when its object is not in ``document`` (written as ``null``) or when
    the format now uses the key itself: a kept value never overrides a written one.
    """
    for path, value in unknown.items():
        if not path.startswith("/"):
            continue
        *parents, last = [unescape(t) for t in path[1:].split("/")]
        node: Any = document
        for token in parents:
            if isinstance(node, dict):
                node = node.get(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                node = None
                break
        if isinstance(node, dict) and last not in node:
            node[last] = value


# -- writing ------------------------------------------------------------------------------


_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def dumps(document: Any) -> bytes:
    """UTF-8 JSON as the agencies' examples are written: Thai as is, two-space indent.

    Written by orjson: the standard library's ``json`` falls back to its pure-Python encoder
    whenever it indents, which made writing a document cost more than reading it. Both write
    the same text for the same document (keys in the order given, ``": "`` and ``",\n"``,
    the same string escapes); numbers too, except that orjson writes some floats without an
    exponent (``0.00001`` for ``1e-05``), which reads back as the same float. What orjson
    refuses (an integer beyond 64 bits, kept verbatim from a sender's unknown keys; nesting
    deeper than it goes) is written by ``json`` instead. A float that is not a number, which
    JSON cannot hold, comes out as ``null`` (``json`` wrote the invalid token ``NaN``).
    """
    try:
        return orjson.dumps(document, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def compact(document: Any) -> bytes:
    """UTF-8 JSON without any white space, keys in the order given (for hashing)."""
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


__all__ = [
    "compact",
    "dumps",
    "restore_unknown",
    "unknown_keys",
]

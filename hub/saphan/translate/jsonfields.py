"""Field types and errors of the pydantic wire models that the JSON adapters share.

What it does:

* **Field types** that must agree with the published JSON Schemas: integers that JSON
  Schema accepts as ``1.0`` (:data:`Integral`), RFC 3339 date-times that are real dates
  (:data:`WireDateTime`, :data:`DATE_TIME_PATTERN`), and patterns read as ``jsonschema``
  reads them (:func:`python_pattern`, :data:`Tidy`).
* **Errors**: a pydantic :class:`~pydantic.ValidationError` turned into
  :class:`~saphan.errors.Problem` items with JSON-pointer paths (:func:`problems_from`).

What it does not do: read bytes (:mod:`saphan.translate.jsonload`), keep unknown keys or
write JSON (:mod:`saphan.translate.jsonwrite`), or declare any agency's wire model (see the
adapters).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

from saphan.errors import Problem
from saphan.translate.jsonload import json_type, pointer

# -- wire field types shared by the JSON adapters ---------------------------------------------

#: RFC 3339 date-time with seconds and an offset (``Z`` or ``±hh:mm``), years 1900-2099.
#: The published schemas carry the same pattern plus ``"format": "date-time"``.
DATE_TIME_PATTERN = (
    r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_DATE_TIME = re.compile(DATE_TIME_PATTERN)


def _date_time(value: Any) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_time_type", "a date-time string is expected")
    if not _DATE_TIME.search(value):
        raise PydanticCustomError(
            "date_time_format",
            "not an ISO 8601 date-time with seconds and an offset, e.g. 2024-09-06T10:35:00+07:00",
        )
    try:
        # The pattern (like any JSON Schema pattern in Python) lets one final line feed pass.
        return datetime.fromisoformat(value.rstrip("\n"))
    except ValueError:
        raise PydanticCustomError("date_time_value", "not a real date-time") from None


def _integral(value: Any) -> Any:
    # JSON Schema's "integer" is a number with no fractional part, so 5.0 is one; a boolean
    # is not a number at all. Strict pydantic would say otherwise on both counts.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "an integer is expected, not a boolean")
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise PydanticCustomError("int_type", "an integer is expected")
    return value


def _drop_final_line_feed(value: str) -> str:
    return value[:-1] if value.endswith("\n") else value


def python_pattern(pattern: str) -> AfterValidator:
    """``pattern`` read as ``jsonschema`` reads it (Python's ``re``, whose ``$`` lets one
    final line feed through), then that line feed dropped as :data:`Tidy` does.

    For a pattern of variable length: the wire models otherwise use pydantic's Rust engine,
    which is faster and gives the same verdict where a ``max_length`` as long as the pattern
    itself refuses the extra line feed first. The error is pydantic's own for a pattern.
    """
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if compiled.search(value) is None:
            raise PydanticCustomError(
                "string_pattern_mismatch",
                "String should match pattern '{pattern}'",
                {"pattern": pattern},
            )
        return _drop_final_line_feed(value)

    return AfterValidator(check)


#: a tz-aware instant written as an RFC 3339 string
WireDateTime = Annotated[datetime, BeforeValidator(_date_time)]
#: an integer as JSON Schema counts them (``1.0`` included, booleans excluded)
Integral = BeforeValidator(_integral)
#: after a ``^…$`` pattern of variable length: Python's ``$`` (and so ``jsonschema``) lets one
#: final line feed through; it is accepted, as the published schema accepts it, and dropped
Tidy = AfterValidator(_drop_final_line_feed)


# -- pydantic errors ----------------------------------------------------------------------


def problems_from(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """Every error of a wire model as a problem with a JSON-pointer path below ``prefix``."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        if kind == "missing":
            message = "required"
        elif kind == "literal_error":
            expected = (err.get("ctx") or {}).get("expected", "")
            message = f"{err['input']!r} is not a known code (expected {expected})"
        elif kind in ("model_type", "dict_type"):
            message = f"an object is expected, found {json_type(err['input'])}"
        else:
            message = err["msg"]
        problems.append(Problem(pointer([p for p in err["loc"]], prefix), message))
    return problems


__all__ = [
    "DATE_TIME_PATTERN",
    "Integral",
    "Tidy",
    "WireDateTime",
    "problems_from",
    "python_pattern",
]

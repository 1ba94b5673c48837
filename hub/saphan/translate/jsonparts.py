"""Pieces of a case that the JSON adapters (``occ``, ``pmo1111``) map the same way.

* DOPA area codes as the JSON formats write them (one 6-digit geocode, or separate
  province/district/subdistrict codes) to a canonical :class:`Area`, checked against the
  reference data and against each other;
* attachments: base64 decoded, SHA-256 and size checked, 10 MiB per file, 25 MiB per case;
* a citizen ID's check digit (a warning, never a refusal);
* an address as one line (``12/3 หมู่ 5 ซอย … ถนน …``) when a format has no parts;
* coordinates written as plain decimal text.

Every check returns problems (path + message) instead of raising, so that an adapter can
report every problem of a record at once. Checks take loosely typed values on purpose: they
also run on records whose wire validation failed. Pure; the lookups are cached.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from saphan.canonical import Address, Area, Attachment, Warning
from saphan.errors import ConfigError, Problem
from saphan.reference import areas, identity
from saphan.translate.crosswalk import crosswalks

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_CASE_BYTES = 25 * 1024 * 1024


# -- areas --------------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def _exists(code: str) -> bool:
    if len(code) == 6:
        return areas.is_subdistrict(code)
    if len(code) == 4:
        return areas.is_district(code)
    return areas.is_province(code)


def area_from_geocode(code: Any, path: str) -> tuple[Area | None, list[Problem]]:
    """A 6-digit subdistrict code to an :class:`Area` with its district and province.

    DOPA codes nest (a subdistrict's code starts with its district's, which starts with its
    province's; a test checks this over all the reference data), so the coarser codes are
    prefixes once the subdistrict is known to exist.
    """
    if code is None:
        return Area(), []
    if not (isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()):
        return None, []  # the wire validation reports the shape
    if not _exists(code):
        return None, [Problem(path, f"no subdistrict has the DOPA code {code}")]
    return Area(province=code[:2], district=code[:4], subdistrict=code), []


@dataclass(frozen=True, slots=True)
class AreaCodes:
    """Separate province / district / subdistrict codes and the paths they came from."""

    province: Any
    district: Any
    subdistrict: Any
    province_path: str
    district_path: str
    subdistrict_path: str


def area_from_codes(codes: AreaCodes) -> tuple[Area | None, list[Problem]]:
    """Separate codes to an :class:`Area`: each must exist and nest in the coarser one.

    A finer code alone fills in the coarser ones it implies.
    """
    given = [
        (codes.province, codes.province_path, 2),
        (codes.district, codes.district_path, 4),
        (codes.subdistrict, codes.subdistrict_path, 6),
    ]
    problems: list[Problem] = []
    known: list[str | None] = []
    for value, path, width in given:
        if value is None:
            known.append(None)
            continue
        if not (isinstance(value, str) and len(value) == width and value.isascii()):
            return None, problems  # the wire validation reports the shape
        if not value.isdigit():
            return None, problems  # the wire validation reports the shape
        if not _exists(value):
            problems.append(Problem(path, f"no DOPA area has the code {value}"))
        known.append(value)
    finest = next((v for v in reversed(known) if v is not None), None)
    for (_, path, _), code in zip(given, known, strict=True):
        if code is not None and finest is not None and not finest.startswith(code):
            problems.append(Problem(path, f"{code} is not the area that contains {finest}"))
    if problems:
        return None, problems
    if finest is None:
        return Area(), []
    return (
        Area(
            province=finest[:2],
            district=finest[:4] if len(finest) >= 4 else None,
            subdistrict=finest if len(finest) == 6 else None,
        ),
        [],
    )


# -- attachments --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileIn:
    """One attachment as a format gives it (any field may be missing or mistyped)."""

    path: str
    filename: Any
    media_type: Any
    sha256: Any
    content_b64: Any
    size: Any = None
    #: the wire keys of the fields above, for problem paths
    keys: tuple[str, str, str, str] = ("filename", "media_type", "sha256", "content_b64")
    size_key: str = "size"


def attachments(files: Sequence[FileIn], total_path: str) -> tuple[list[Attachment], list[Problem]]:
    """Decode, hash-check and size-check every file; the case's total is checked too."""
    out: list[Attachment] = []
    problems: list[Problem] = []
    total = 0
    for item in files:
        _, _, sha_key, content_key = item.keys
        if not isinstance(item.content_b64, str):
            continue  # the wire validation reports it
        # A file over the limit is refused before it is decoded: base64 is 4 chars per 3 bytes.
        if len(item.content_b64) // 4 * 3 > MAX_FILE_BYTES + 2:
            problems.append(
                Problem(f"{item.path}/{content_key}", f"file is larger than {MAX_FILE_BYTES} bytes")
            )
            total += len(item.content_b64) // 4 * 3
            continue
        try:
            content = base64.b64decode(item.content_b64, validate=True)
        except (binascii.Error, ValueError):
            problems.append(Problem(f"{item.path}/{content_key}", "not valid base64"))
            continue
        total += len(content)
        if len(content) > MAX_FILE_BYTES:
            problems.append(
                Problem(f"{item.path}/{content_key}", f"file is larger than {MAX_FILE_BYTES} bytes")
            )
            continue
        digest = hashlib.sha256(content).hexdigest()
        if isinstance(item.sha256, str) and item.sha256 != digest:
            problems.append(
                Problem(
                    f"{item.path}/{sha_key}",
                    f"SHA-256 of the decoded file is {digest}, not {item.sha256}",
                )
            )
            continue
        given = item.size
        if isinstance(given, int) and not isinstance(given, bool) and given != len(content):
            problems.append(
                Problem(
                    f"{item.path}/{item.size_key}",
                    f"the decoded file has {len(content)} bytes, not {given}",
                )
            )
            continue
        if isinstance(item.filename, str) and isinstance(item.media_type, str):
            out.append(
                Attachment(
                    filename=item.filename,
                    media_type=item.media_type,
                    sha256=digest,
                    size=len(content),
                    content_b64=item.content_b64,
                )
            )
    if total > MAX_CASE_BYTES:
        problems.append(
            Problem(total_path, f"attachments add up to more than {MAX_CASE_BYTES} bytes")
        )
    return out, problems


# -- citizen ID ---------------------------------------------------------------------------


def citizen_id_check(digits: str | None, path: str) -> tuple[bool | None, list[Warning]]:
    """Whether a 13-digit citizen ID's check digit holds, and the warning when it does not."""
    if digits is None:
        return None, []
    if identity.check_digit_ok(digits):
        return True, []
    return False, [
        Warning(
            path=path,
            code="citizen-id-check-digit",
            message=f"the check digit of citizen ID {digits} is wrong; "
            "the case is kept and the ID marked unverified",
        )
    ]


# -- code tables --------------------------------------------------------------------------


def meaning(scheme: str, code: str) -> str:
    """The canonical meaning of a code the wire model already accepted.

    The wire models enumerate the same codes as ``mappings/``; a test keeps them in step,
    so a miss here is a configuration error, not the sender's.
    """
    found = crosswalks().decode(scheme, code)
    if found is None:
        raise ConfigError(f"{scheme} code {code!r} has no meaning in the crosswalks")
    return found


# -- writing helpers ----------------------------------------------------------------------

_PART_WORDS = (("moo", "หมู่"), ("soi", "ซอย"), ("road", "ถนน"))


def address_line(address: Address) -> str | None:
    """The address's own line, else its parts as one line: ``12/3 หมู่ 5 ซอย X ถนน Y``."""
    if address.line:
        return address.line
    parts = [address.house_no] if address.house_no else []
    for name, word in _PART_WORDS:
        value = getattr(address, name)
        if value:
            parts.append(value if value.startswith(word) else f"{word} {value}")
    return " ".join(parts) or None


def decimal_text(value: float) -> str:
    """A float as plain decimal text, never in exponent form (``1e-05`` → ``0.00001``)."""
    return format(Decimal(repr(value)), "f")

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import mul
from typing import Any

from saphan.canonical import Address, Area, Attachment, Warning
from saphan.errors import ConfigError, Problem
from saphan.reference import areas
from saphan.translate.crosswalk import Crosswalks, crosswalks

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
        return _NO_AREA, []
    if not (isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()):
        return None, []  # the wire validation reports the shape
    area = _subdistrict_area(code)
    if area is None:
        return None, [Problem(path, f"no subdistrict has the DOPA code {code}")]
    return area, []


_NO_AREA = Area()


@lru_cache(maxsize=16384)
def _subdistrict_area(code: str) -> Area | None:
    # the same few thousand areas recur; Area is frozen, so one instance serves every case
    if not _exists(code):
        return None
    return Area(province=code[:2], district=code[:4], subdistrict=code)


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
    paths = (codes.province_path, codes.district_path, codes.subdistrict_path)
    area, found = _areas(codes.province, codes.district, codes.subdistrict)
    return area, [Problem(paths[level], message) for level, message in found]


def area_from_parts(
    province: Any, district: Any, subdistrict: Any, prefix: str, keys: tuple[str, str, str]
) -> tuple[Area | None, list[Problem]]:
    """:func:`area_from_codes` for codes found under ``prefix`` at the keys ``keys``
    (province, district, subdistrict); the paths are only spelt out for problems."""
    area, found = _areas(province, district, subdistrict)
    return area, [Problem(f"{prefix}/{keys[level]}", message) for level, message in found]


#: what one level's problem says, by level: province, district, subdistrict
_Found = tuple[tuple[int, str], ...]


def _areas(province: Any, district: Any, subdistrict: Any) -> tuple[Area | None, _Found]:
    try:
        return _known_areas(province, district, subdistrict)
    except TypeError:  # a list or an object where a code belongs: not hashable, not cached
        return _find_areas(province, district, subdistrict)


def _find_areas(province: Any, district: Any, subdistrict: Any) -> tuple[Area | None, _Found]:
    given = ((province, 2), (district, 4), (subdistrict, 6))
    problems: list[tuple[int, str]] = []
    known: list[str | None] = []
    for level, (value, width) in enumerate(given):
        if value is None:
            known.append(None)
            continue
        if not (isinstance(value, str) and len(value) == width and value.isascii()):
            return None, tuple(problems)  # the wire validation reports the shape
        if not value.isdigit():
            return None, tuple(problems)  # the wire validation reports the shape
        if not _exists(value):
            problems.append((level, f"no DOPA area has the code {value}"))
        known.append(value)
    finest = next((v for v in reversed(known) if v is not None), None)
    for level, code in enumerate(known):
        if code is not None and finest is not None and not finest.startswith(code):
            problems.append((level, f"{code} is not the area that contains {finest}"))
    if problems:
        return None, tuple(problems)
    if finest is None:
        return _NO_AREA, ()
    return (
        Area(
            province=finest[:2],
            district=finest[:4] if len(finest) >= 4 else None,
            subdistrict=finest if len(finest) == 6 else None,
        ),
        (),
    )


# the same combinations recur; Area is frozen, so one instance serves every case
_known_areas = lru_cache(maxsize=16384, typed=True)(_find_areas)


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
    if check_digit_ok(digits):
        return True, []
    return False, [
        Warning(
            path=path,
            code="citizen-id-check-digit",
            message=f"the check digit of citizen ID {digits} is wrong; "
            "the case is kept and the ID marked unverified",
        )
    ]


_WEIGHTS = (13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2)
_WEIGHT_SUM = sum(_WEIGHTS)
_ZERO = ord("0")


def check_digit_ok(digits: str) -> bool:
    """:func:`saphan.reference.identity.check_digit_ok` (the formula of agency-formats.md,
    as ``python-stdnum`` computes it) for 13 ASCII digits, which is what the wire models let
    through and :func:`~saphan.reference.identity.normalize` gives, in a form about twice as
    fast; anything else is not a citizen ID (False). A test holds the two to the same
    answer."""
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        return False
    # The digits' ASCII codes, each its value plus 48: the weighted sum of the codes is the
    # weighted sum of the values plus 48 times the sum of the weights (no lookup per digit).
    codes = digits.encode("ascii")
    total: int = sum(map(mul, _WEIGHTS, codes)) - _ZERO * _WEIGHT_SUM
    return (11 - total % 11) % 10 == codes[12] - _ZERO


# -- code tables --------------------------------------------------------------------------


def resolve_code(codes: Mapping[str, str], scheme: str) -> str | None:
    """``crosswalks().resolve(codes, scheme)``, remembered: the same few combinations of
    codes recur, and finding a chain of tables for each message would cost more than the
    rest of writing its codes."""
    return _resolved(crosswalks(), tuple(codes.items()), scheme)


@lru_cache(maxsize=4096)
def _resolved(cw: Crosswalks, codes: tuple[tuple[str, str], ...], scheme: str) -> str | None:
    # keyed by the tables themselves: other tables are never answered from these
    return cw.resolve(dict(codes), scheme)


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
    text = repr(value)  # the shortest that reads back the same; an exponent only at the ends
    return format(Decimal(text), "f") if "e" in text else text

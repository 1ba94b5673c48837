"""DOPA area codes (77 provinces, 928 districts, 7,436 subdistricts) from ``geothai``.

Resolves area *names* as Damrongtham centers write them (with or without ``ต.`` ``อ.`` ``จ.``
``แขวง`` ``เขต`` or the words ``ตำบล`` ``อำเภอ`` ``จังหวัด``) to codes, using the district and
province to settle names that are ambiguous alone (22 subdistricts are called ในเมือง), and
turns codes back into names. It does not guess: an ambiguous or unknown name is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geothai

_PREFIXES = ("จังหวัด", "อำเภอ", "ตำบล", "แขวง", "เขต", "จ.", "อ.", "ต.")


@dataclass(frozen=True, slots=True)
class Resolved:
    province: str
    district: str
    subdistrict: str


class AreaNotFound(LookupError):
    """No current subdistrict has this name in this district and province."""


class AreaAmbiguous(LookupError):
    """Several subdistricts fit; more of the address is needed."""


def strip_prefix(name: str) -> str:
    text = " ".join(name.split())
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


@lru_cache(maxsize=8192)
def resolve_names(subdistrict: str, district: str, province: str) -> Resolved:
    """Codes for a subdistrict named with its district and province."""
    matches = geothai.match(
        subdistrict.strip(), district=district.strip(), province=province.strip()
    )
    if not matches:
        # Bangkok names may come without แขวง/เขต, others with a stray one: try bare names.
        matches = geothai.match(
            strip_prefix(subdistrict),
            district=strip_prefix(district),
            province=strip_prefix(province),
        )
    if not matches:
        raise AreaNotFound(f"no subdistrict {subdistrict!r} in {district!r}, {province!r}")
    if len(matches) > 1:
        codes = ", ".join(m.subdistrict.code for m in matches)
        raise AreaAmbiguous(f"{subdistrict!r} in {district!r}, {province!r} fits {codes}")
    m = matches[0]
    return Resolved(m.province.code, m.district.code, m.subdistrict.code)


def province_name(code: str) -> str | None:
    p = geothai.province(code)
    return None if p is None else str(p.name_th)


def district_name(code: str) -> str | None:
    d = geothai.district(code)
    return None if d is None else str(d.name_th)


def subdistrict_name(code: str) -> str | None:
    s = geothai.subdistrict(code)
    return None if s is None else str(s.name_th)


def is_province(code: str) -> bool:
    return geothai.province(code) is not None


def is_district(code: str) -> bool:
    return geothai.district(code) is not None


def is_subdistrict(code: str) -> bool:
    return geothai.subdistrict(code) is not None


def counts() -> tuple[int, int, int]:
    """(provinces, districts, subdistricts) known to the installed data."""
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    return len(provinces), len(districts), len(subdistricts)

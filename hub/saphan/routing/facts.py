"""The facts about a case that routing rules may look at, computed once per routing.

Routing rules never see the case itself: they see :class:`Facts`, a flat, named view of it
(its source format, the sender's code, level and area, escalation, target agency, codes,
places). This keeps the rule vocabulary small and safe, and names each value's origin in
the case (:data:`VARIABLE_PATHS`) so that a rule that cannot be applied says which field
of the case was missing.

The sender's level and area come from its directory entry when it has them, else from the
code itself (``MOI-DRT-3415``: a district, ``MOI-DRT-34``: a province, ``MOI-DRT``: central).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from saphan.canonical import Case
from saphan.canonical.model import Area
from saphan.directory import AgencyLookup, Level

#: template variables: name → the case field (JSON pointer) it comes from
VARIABLE_PATHS: Mapping[str, str] = {
    "sender": "/sender",
    "sender_province": "/sender",
    "sender_district": "/sender",
    "incident_province": "/incident/area/province",
    "incident_district": "/incident/area/district",
    "complainant_province": "/complainant/address/area/province",
    "complainant_district": "/complainant/address/area/district",
    "target_agency": "/target_agency",
}

#: variables that describe the sender (authenticated, so a bad value is the hub's problem)
SENDER_VARIABLES = frozenset({"sender", "sender_province", "sender_district"})

_CENTRAL = re.compile(r"^MOI-DRT$")
_DISTRICT_SUFFIX = re.compile(r"-([0-9]{4})$")
_PROVINCE_SUFFIX = re.compile(r"-([0-9]{2})$")


@dataclass(frozen=True, slots=True)
class Facts:
    """What rules can ask about a case (see the module docstring)."""

    format: str
    sender: str | None = None
    sender_level: str | None = None
    sender_province: str | None = None
    sender_district: str | None = None
    has_escalation: bool = False
    target_agency: str | None = None
    complexity: str = "general"
    codes: Mapping[str, str] = field(default_factory=dict)
    incident_province: str | None = None
    incident_district: str | None = None
    complainant_province: str | None = None
    complainant_district: str | None = None

    @classmethod
    def of(
        cls, case: Case, source_format: str, sender: str | None, directory: AgencyLookup
    ) -> Facts:
        level, province, district = sender_area(sender, directory)
        incident = case.incident.area if case.incident is not None else Area()
        address = case.complainant.address
        home = address.area if address is not None else Area()
        return cls(
            format=source_format,
            sender=sender,
            sender_level=level,
            sender_province=province,
            sender_district=district,
            has_escalation=case.escalation is not None,
            target_agency=case.target_agency or None,
            complexity=case.complexity.value,
            codes=dict(case.codes),
            incident_province=_province(incident),
            incident_district=_district(incident),
            complainant_province=_province(home),
            complainant_district=_district(home),
        )

    def value(self, name: str) -> str | None:
        """The value of template variable ``name`` (one of :data:`VARIABLE_PATHS`)."""
        if name not in VARIABLE_PATHS:
            raise KeyError(name)
        found = getattr(self, name)
        return found if isinstance(found, str) and found else None


def sender_area(
    sender: str | None, directory: AgencyLookup
) -> tuple[str | None, str | None, str | None]:
    """(level, province, district) of the sending unit."""
    if not sender:
        return None, None, None
    agency = directory.find(sender)
    level = agency.level.value if agency is not None and agency.level is not None else None
    province = agency.province if agency is not None else None
    district = agency.district if agency is not None else None
    if (m := _DISTRICT_SUFFIX.search(sender)) is not None:
        district = district or m.group(1)
        province = province or m.group(1)[:2]
        level = level or Level.DISTRICT.value
    elif (m := _PROVINCE_SUFFIX.search(sender)) is not None:
        province = province or m.group(1)
        level = level or Level.PROVINCIAL.value
    elif _CENTRAL.match(sender):
        level = level or Level.CENTRAL.value
    return level, province, district


def _province(area: Area) -> str | None:
    # Coarser codes are derivable from finer ones; senders do not always fill them in.
    if area.province:
        return area.province
    finer = area.district or area.subdistrict
    return finer[:2] if finer else None


def _district(area: Area) -> str | None:
    if area.district:
        return area.district
    return area.subdistrict[:4] if area.subdistrict else None


__all__ = ["SENDER_VARIABLES", "VARIABLE_PATHS", "Facts", "sender_area"]

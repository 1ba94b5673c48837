"""What the hub knows about one connected agency: a frozen pydantic :class:`Agency`.

An agency (agency-formats §5, hub-contract "Parties and identities") has a code, Thai and
English names, the wire format it speaks, how it receives transfers (pushed to an HTTPS
endpoint, or pulled from the hub's inbox), its Ed25519 public keys with key ids, an
optional statutory deadline in working days, per-agency format options (such as the
character encoding a legacy Damrongtham center wants) and, for Damrongtham centers and
other area offices, its level and area.

This module only describes entries; reading them from files is :mod:`.loader`, and
looking them up is :mod:`.directory`.
"""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from saphan.canonical.model import AgencyCode, DistrictCode, ProvinceCode
from saphan.ledger.pubkeys import WEAK_POINT, weak_point

ED25519_KEY_BYTES = 32
_URL = TypeAdapter(AnyHttpUrl)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Level(StrEnum):
    """Where an office sits in a hierarchy of area offices (Damrongtham, AGO-RP)."""

    DISTRICT = "district"
    PROVINCIAL = "provincial"
    CENTRAL = "central"


class PublicKey(_Frozen):
    """An Ed25519 public key of the agency: its id and the raw 32 bytes, base64."""

    kid: Annotated[str, Field(min_length=1, max_length=128)]
    key: str = Field(description="base64 (standard or URL-safe) of the raw 32-byte public key")

    @field_validator("key")
    @classmethod
    def _raw_ed25519(cls, value: str) -> str:
        _decode_key(value)
        return value

    @property
    def raw(self) -> bytes:
        """The 32 raw bytes of the key."""
        return _decode_key(self.key)


def _decode_key(text: str) -> bytes:
    compact = "".join(text.split())
    padded = compact + "=" * (-len(compact) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if len(raw) != ED25519_KEY_BYTES:
        raise ValueError(f"an Ed25519 public key has 32 bytes; this one has {len(raw)}")
    if weak_point(raw):
        raise ValueError(WEAK_POINT)
    return raw


class PushDelivery(_Frozen):
    """The hub POSTs each transfer to ``endpoint``."""

    mode: Literal["push"] = "push"
    endpoint: str

    @field_validator("endpoint")
    @classmethod
    def _url(cls, value: str) -> str:
        # Validate as a URL but keep the operator's text exactly (no normalisation).
        _URL.validate_python(value)
        return value


class PullDelivery(_Frozen):
    """The agency fetches its transfers from ``GET /v1/inbox``."""

    mode: Literal["pull"] = "pull"


Delivery = Annotated[PushDelivery | PullDelivery, Field(discriminator="mode")]

FormatName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]


class Agency(_Frozen):
    """One entry of the agency directory."""

    code: AgencyCode
    name_th: Annotated[str, Field(min_length=1)]
    name_en: Annotated[str, Field(min_length=1)]
    format: FormatName = Field(description="the wire format it speaks: an adapter's name")
    delivery: Delivery = PullDelivery()
    keys: tuple[PublicKey, ...] = ()
    statutory_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None,
        description="working days a law or regulation gives this agency; beats every default",
    )
    options: dict[str, str] = Field(
        default_factory=dict, description="format options, e.g. {'encoding': 'TIS-620'}"
    )
    level: Level | None = None
    province: ProvinceCode | None = None
    district: DistrictCode | None = None
    family: str | None = Field(
        default=None, description="the family pattern this entry was generated from"
    )

    @field_validator("keys")
    @classmethod
    def _unique_kids(cls, keys: tuple[PublicKey, ...]) -> tuple[PublicKey, ...]:
        kids = [k.kid for k in keys]
        duplicates = sorted({k for k in kids if kids.count(k) > 1})
        if duplicates:
            raise ValueError(f"key ids must be unique; repeated: {', '.join(duplicates)}")
        return keys

    def key(self, kid: str) -> PublicKey | None:
        """The public key with id ``kid``, if the agency has one."""
        return next((k for k in self.keys if k.kid == kid), None)

    @property
    def push_endpoint(self) -> str | None:
        return self.delivery.endpoint if isinstance(self.delivery, PushDelivery) else None


__all__ = [
    "Agency",
    "Delivery",
    "Level",
    "PublicKey",
    "PullDelivery",
    "PushDelivery",
]

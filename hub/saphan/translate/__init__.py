"""Translation between agency formats and the canonical case: the adapter interface,
the plug-in registry, and the crosswalk tables."""

from saphan.translate.adapter import Adapter, Limits, Parsed, Receiver, Record
from saphan.translate.crosswalk import Crosswalks, crosswalks
from saphan.translate.registry import formats, get_adapter

__all__ = [
    "Adapter",
    "Crosswalks",
    "Limits",
    "Parsed",
    "Receiver",
    "Record",
    "crosswalks",
    "formats",
    "get_adapter",
]

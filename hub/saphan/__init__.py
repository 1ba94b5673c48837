"""Saphan (สะพาน): an interoperability hub for Thailand's public-complaint systems.

The public surface of the core package is small: the canonical case model
(:mod:`saphan.canonical`), the adapter plug-in interface (:mod:`saphan.translate`) and
the error hierarchy (:mod:`saphan.errors`). Everything else is internal to the hub.
"""

__version__ = "0.1.0"

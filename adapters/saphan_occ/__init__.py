"""Ombudsman Complaint Coordination JSON 2.1 (Office of the Ombudsman), the ``occ`` format.

Modules: :mod:`~saphan_occ.wire` (the document as strict pydantic models, twin of
``schemas/agencies/occ.schema.json``), :mod:`~saphan_occ.parse` (document → canonical case),
:mod:`~saphan_occ.render` (canonical case → document) and :mod:`~saphan_occ.adapter` (the
plug-in class the hub finds through the ``saphan.adapters`` entry point).
"""

from saphan_occ.adapter import OccAdapter

__all__ = ["OccAdapter"]

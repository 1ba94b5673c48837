"""Government Complaint Center 1111 exchange JSON 1.0 (Prime Minister's Office), the
``pmo1111`` format: a batch envelope of 1 to 500 records, each a case of its own.

Modules: :mod:`~saphan_pmo1111.wire` (envelope and record as strict pydantic models, twin
of ``schemas/agencies/pmo1111.schema.json``), :mod:`~saphan_pmo1111.parse` (record →
canonical case), :mod:`~saphan_pmo1111.render` (canonical cases → batch) and
:mod:`~saphan_pmo1111.adapter` (the plug-in class found through the ``saphan.adapters``
entry point).
"""

from saphan_pmo1111.adapter import Pmo1111Adapter

__all__ = ["Pmo1111Adapter"]

"""Whether a stored transfer log is the tree of given leaves, read back through the store.

The head, the root at every size and every inclusion and consistency proof are compared
with the computation over the plain list of leaves (:mod:`saphan.ledger.merkle`), so a
wrong, stale or missing node shows up as a different hash.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from saphan.ledger import merkle
from saphan.store import log as transfer_log


def assert_log_is(conn: Connection, leaves: Sequence[bytes]) -> None:
    head = transfer_log.head(conn)
    assert (head.size, head.root) == (len(leaves), merkle.root(list(leaves)))
    for size in range(1, len(leaves) + 1):
        part = list(leaves[:size])
        assert transfer_log.root_at(conn, size) == merkle.root(part)
        for index in range(size):
            assert transfer_log.inclusion_proof(conn, index, size) == (
                merkle.inclusion_proof(part, index)
            ), (index, size)
        for first in range(1, size + 1):
            assert transfer_log.consistency_proof(conn, first, size) == (
                merkle.consistency_proof(part, first)
            ), (first, size)

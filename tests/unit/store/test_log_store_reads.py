"""The transfer log's read path on SQLite and PostgreSQL: proofs, heads and their errors.

Every proof read from the node table is compared with the proof computed from the plain
list of leaves (:mod:`saphan.ledger.merkle`), for every index of many tree sizes, so a
wrong node, a stale node or a wrong plan shows up as a different hash.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from logcheck import assert_log_is
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from saphan.errors import InputError
from saphan.ledger import merkle
from saphan.ledger.nodes import append_leaves
from saphan.store import log as transfer_log
from saphan.store.db import make_engine
from saphan.store.migrate import upgrade


def _entry(n: int, tag: str = "a") -> bytes:
    return b'{"n":%d,"tag":"%s"}' % (n, tag.encode())


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url, durable=False)
    upgrade(engine)
    yield engine
    engine.dispose()


def _fill(engine: Engine, count: int, tag: str = "a") -> list[bytes]:
    """Append ``count`` entries in batches of uneven sizes; returns their leaf hashes."""
    entries = [_entry(n, tag) for n in range(count)]
    rng, start = random.Random(count), 0
    while start < count:
        step = min(count - start, rng.choice([1, 1, 2, 3, 7, 16]))
        with engine.begin() as conn:
            assert transfer_log.append(conn, entries[start : start + step]) == start
        start += step
    return [merkle.leaf_hash(e) for e in entries]


def test_every_proof_and_root_equals_the_list_computation(engine: Engine) -> None:
    leaves = _fill(engine, 70)
    with engine.connect() as conn:
        assert_log_is(conn, leaves)
        assert transfer_log.root_at(conn, 0) == merkle.root([])


def test_the_empty_log_has_the_empty_root(engine: Engine) -> None:
    with engine.connect() as conn:
        assert transfer_log.head(conn) == transfer_log.LogHead(0, merkle.root([]))
        transfer_log.ensure_state(conn)
        assert transfer_log.head(conn) == transfer_log.LogHead(0, merkle.root([]))
        with pytest.raises(InputError, match="tree_size 1 is outside the log"):
            transfer_log.inclusion_proof(conn, 0, 1)


def test_sizes_and_indexes_outside_the_log_are_refused_size_first(engine: Engine) -> None:
    _fill(engine, 9)
    with engine.connect() as conn:
        for index, size in [(0, 10), (12, 10), (-1, 10)]:
            with pytest.raises(InputError, match="tree_size 10 is outside the log") as err:
                transfer_log.inclusion_proof(conn, index, size)
            assert err.value.problems[0].path == "/tree_size"
        with pytest.raises(InputError, match="index 9 is not in a tree of 9"):
            transfer_log.inclusion_proof(conn, 9, 9)
        with pytest.raises(InputError, match="tree_size 10 is outside"):
            transfer_log.root_at(conn, 10)
        with pytest.raises(InputError, match="second 10 is outside the log"):
            transfer_log.consistency_proof(conn, 0, 10)
        with pytest.raises(InputError, match="second 10 is outside the log"):
            transfer_log.consistency_proof(conn, 3, 10)
        with pytest.raises(InputError, match="first 5 must be between 0 and second 4"):
            transfer_log.consistency_proof(conn, 5, 4)
        with pytest.raises(InputError, match="no consistency proof"):
            transfer_log.consistency_proof(conn, 0, 9)


def test_a_rolled_back_append_is_never_served_later(engine: Engine) -> None:
    committed = _fill(engine, 20)
    gone = [_entry(n, "gone") for n in range(20, 40)]
    # Inside the appending transaction its own nodes are visible, and proofs use them: the
    # upper ones (levels 4 and 5 here) are the kind the node cache keeps.
    with engine.connect() as conn:
        transfer_log.append(conn, gone)
        seen = committed + [merkle.leaf_hash(e) for e in gone]
        for index in (3, 17, 25, 39):
            assert transfer_log.inclusion_proof(conn, index, 40) == (
                merkle.inclusion_proof(seen, index)
            )
        assert transfer_log.root_at(conn, 32) == merkle.root(seen[:32])
        assert transfer_log.consistency_proof(conn, 20, 40) == merkle.consistency_proof(seen, 20)
        conn.rollback()
    # Other entries take the same indexes: every proof must come from them, not the above.
    kept = [_entry(n, "kept") for n in range(20, 40)]
    with engine.begin() as conn:
        transfer_log.append(conn, kept)
    leaves = committed + [merkle.leaf_hash(e) for e in kept]
    for _ in range(2):  # the second time, from the cache as far as it goes
        with engine.connect() as conn:
            assert transfer_log.head(conn).root == merkle.root(leaves)
            assert transfer_log.root_at(conn, 32) == merkle.root(leaves[:32])
            for index in range(40):
                assert transfer_log.inclusion_proof(conn, index, 40) == (
                    merkle.inclusion_proof(leaves, index)
                )
            assert transfer_log.consistency_proof(conn, 20, 40) == (
                merkle.consistency_proof(leaves, 20)
            )


def test_the_cache_keeps_committed_upper_nodes_only(engine: Engine) -> None:
    leaves = _fill(engine, 100)
    nodes = {(lv, ix): h for lv, ix, h in append_leaves(0, (), leaves).nodes}
    with engine.connect() as conn:
        transfer_log.append(conn, [_entry(n, "open") for n in range(100, 160)])
        transfer_log.inclusion_proof(conn, 130, 160)  # reads uncommitted upper nodes
        cache = transfer_log._cache_for(conn)
        assert cache is not None
        assert not cache.nodes, "a transaction that appended must not fill the cache"
        conn.rollback()
    with engine.connect() as conn:
        for index in range(0, 100, 7):
            transfer_log.inclusion_proof(conn, index, 100)
        assert cache.nodes, "proofs in a transaction that wrote nothing fill the cache"
        assert all(level >= 4 for level, _ in cache.nodes)
        assert all(value == nodes[node] for node, value in cache.nodes.items())
        # a write later in the same transaction stops the filling from then on
        before = dict(cache.nodes)
        transfer_log.append(conn, [_entry(n, "late") for n in range(100, 160)])
        transfer_log.inclusion_proof(conn, 130, 160)
        assert cache.nodes == before
        conn.rollback()


def test_a_read_leaves_the_connection_usable_as_autobegin_would(engine: Engine) -> None:
    leaves = _fill(engine, 5)
    with engine.connect() as conn:
        transfer_log.inclusion_proof(conn, 1, 5)
        assert conn.in_transaction()
        transfer_log.append(conn, [_entry(5)])
        conn.commit()  # the read's transaction is the caller's to commit
    with engine.connect() as conn:
        leaves.append(merkle.leaf_hash(_entry(5)))
        assert transfer_log.head(conn).root == merkle.root(leaves)
    with engine.begin() as conn:  # inside an explicit transaction too
        assert transfer_log.inclusion_proof(conn, 5, 6) == merkle.inclusion_proof(leaves, 5)


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(engine: Engine) -> None:
    _fill(engine, 3)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE log_nodes"))
    with engine.connect() as conn, pytest.raises(DBAPIError, match="log_nodes"):
        transfer_log.inclusion_proof(conn, 0, 3)

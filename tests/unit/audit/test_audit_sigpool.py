"""Bulk signature checks give the ledger's verdict, inline or in worker processes."""

from __future__ import annotations

import pytest

from saphan.audit import sigpool
from saphan.audit.sigpool import SignaturePool, verify_jobs
from saphan.ledger.keys import SigningKey
from saphan.ledger.pubkeys import public_raw

KEYS = [SigningKey.generate() for _ in range(3)]
RAW = [public_raw(k.private.public_key()) for k in KEYS]


def jobs(count: int) -> tuple[list[tuple[int, bytes, bytes]], list[bool]]:
    out, expected = [], []
    for n in range(count):
        message = b"message %d" % n
        key = n % 3
        signature = KEYS[key].sign(message)
        if n % 7 == 0:  # every seventh signed by another key
            signature = KEYS[(key + 1) % 3].sign(message)
        out.append((key, signature, message))
        expected.append(n % 7 != 0)
    return out, expected


def test_verdicts_inline() -> None:
    work, expected = jobs(50)
    assert verify_jobs(RAW, work) == expected


def test_the_ledgers_verdict_decides_what_libsodium_refuses() -> None:
    # The identity point as a public key with R = identity, S = 0: OpenSSL (the ledger's
    # library) accepts it for any message, libsodium refuses small-order keys. The audit
    # must say what the ledger says.
    identity = bytes([1]) + bytes(31)
    signature = identity + bytes(32)
    assert verify_jobs([identity], [(0, signature, b"anything")]) == [True]
    assert verify_jobs([identity], [(0, bytes(64), b"anything")]) == [False]


@pytest.mark.parametrize("workers", [1, 2])
def test_large_batches_go_to_worker_processes(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sigpool, "INLINE_LIMIT", 10)
    monkeypatch.setattr(sigpool, "_CHUNK", 7)
    work, expected = jobs(40)
    pool = SignaturePool(workers)
    try:
        batch = pool.submit(RAW, work)
        assert len(batch.futures) == 6
        assert SignaturePool.results(batch) == expected
    finally:
        pool.close()

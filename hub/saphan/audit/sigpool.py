"""Ed25519 signature checks in bulk, in worker processes when there are many.

An audit of a large log checks hundreds of thousands of signatures (45–75 µs each)
while its main thread reads and hashes entries. Threads do not help: the library releases
the interpreter lock while it verifies, but each thread then waits for the lock again
behind the busy main thread (up to the 5 ms switch interval) after every signature. So
large batches go to worker processes, each chunk as public keys plus ``(key number,
signature, message)`` tuples; a batch under :data:`INLINE_LIMIT` is checked in the
caller, where starting processes would cost more than it saves.

Workers are forked: ``spawn`` and ``forkserver`` re-import the parent's main module in
each worker, and ``python -m saphan`` runs the command line on import. A forked worker
runs only :func:`verify_jobs` (the command has no other threads whose locks it could
inherit). Where ``fork`` is not available the checks run inline.

What it does not do: decide what a signature means; callers map the booleans back.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError

__all__ = ["INLINE_LIMIT", "Batch", "Job", "SignaturePool", "verify_jobs"]

#: ``(index into the key list, signature, signed message)``
Job = tuple[int, bytes, bytes]
INLINE_LIMIT = 4000
_CHUNK = 5000
_FORK = (
    multiprocessing.get_context("fork")
    if "fork" in multiprocessing.get_all_start_methods()
    else None
)


def _ledger_verdict(key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def verify_jobs(keys: Sequence[bytes], jobs: Sequence[Job]) -> list[bool]:
    """Whether each job's signature verifies with its raw 32-byte public key.

    libsodium checks first (about a third cheaper than the ledger's OpenSSL path). It
    accepts a subset of what OpenSSL accepts (both check the cofactorless equation;
    libsodium also refuses small-order points and non-canonical encodings), so an
    acceptance stands, and each refusal is decided again by the ledger's own library:
    the verdict is always the ledger's.
    """
    out: list[bool] = []
    for number, signature, message in jobs:
        key = keys[number]
        try:
            crypto_sign_open(signature + message, key)
        except CryptoError:
            out.append(_ledger_verdict(key, signature, message))
        else:
            out.append(True)
    return out


@dataclass
class Batch:
    """Jobs handed to a pool: their chunks and the future of each chunk's verdicts."""

    keys: list[bytes]
    chunks: list[list[Job]]
    futures: list[Future[list[bool]]]


class SignaturePool:
    """Checks batches of jobs, in the background when they are large; :meth:`close` ends it."""

    def __init__(self, workers: int | None = None) -> None:
        # One core stays with the caller, whose own work (reading and hashing the entries)
        # is the longest part of an audit; the workers share the others, and the caller
        # takes back what they have not started when it comes to wait (see results).
        self._workers = workers or max(1, (os.cpu_count() or 1) - 1)
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, keys: Sequence[bytes], jobs: Sequence[Job]) -> Batch:
        """Start checking ``jobs``: in workers when there are many, here otherwise."""
        keys = list(keys)
        if len(jobs) < INLINE_LIMIT or _FORK is None:
            done: Future[list[bool]] = Future()
            done.set_result(verify_jobs(keys, jobs))
            return Batch(keys, [list(jobs)], [done])
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self._workers, mp_context=_FORK)
        chunks = [list(jobs[start : start + _CHUNK]) for start in range(0, len(jobs), _CHUNK)]
        futures = [self._executor.submit(verify_jobs, keys, chunk) for chunk in chunks]
        return Batch(keys, chunks, futures)

    @staticmethod
    def results(batch: Batch) -> list[bool]:
        """Every verdict of ``batch``, in job order.

        Chunks no worker has started yet are cancelled and checked here, the last first
        (workers take them first to last), so the caller's core works too instead of waiting.
        """
        mine: dict[int, list[bool]] = {}
        for n in range(len(batch.futures) - 1, -1, -1):
            if not batch.futures[n].cancel():
                break
            mine[n] = verify_jobs(batch.keys, batch.chunks[n])
        out: list[bool] = []
        for n, future in enumerate(batch.futures):
            out.extend(mine[n] if n in mine else future.result())
        batch.chunks, batch.futures = [], []
        return out

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

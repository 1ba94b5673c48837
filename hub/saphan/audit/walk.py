"""One pass over every entry: hash into the tree, read each entry, note what receipts need.

The pass keeps O(log n) tree state (the compact range of :mod:`saphan.ledger.nodes`), the
roots at the sizes asked for (the checkpoints to compare with), the leaf hashes of a few
probe indexes (to check the hub's inclusion proofs), counts per entry kind, and, for the
receipts being checked, the entries they must match. Nothing else of an entry outlives
its batch, so a log of any length is audited in bounded memory.

Each entry is read with :func:`saphan.audit.entrycheck.read_entry` (the ledger's exact
verdict, fast); a malformed one is a failure at its index, and its bytes are still hashed
exactly as given, because the root is over the bytes, not over what they mean.

What it does not do: decide what a mismatch means (:mod:`saphan.audit.verify`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from saphan.audit.entrycheck import read_entry
from saphan.audit.receiptcheck import ReceiptClaim
from saphan.audit.report import AuditReport
from saphan.errors import IntegrityError, Problem
from saphan.ledger.entries import ReceiptEntry, TransferEntry
from saphan.ledger.merkle import EMPTY_ROOT
from saphan.ledger.nodes import append_leaves, compact_range_root

__all__ = ["Progress", "Walk", "Watches", "walk"]

#: called with (entries done, entries expected or None)
Progress = Callable[[int, int | None], None]


@dataclass
class Watches:
    """The entries receipts must meet: by index (hub receipts), digest and transfer id."""

    intake: dict[int, list[ReceiptClaim]] = field(default_factory=dict)
    receipts: dict[str, list[ReceiptClaim]] = field(default_factory=dict)
    transfers: dict[str, list[ReceiptClaim]] = field(default_factory=dict)
    #: count the log's intake and receipt entries that no receipt at hand accounts for
    coverage: bool = False

    def add(self, claim: ReceiptClaim) -> None:
        stated = claim.stated
        if stated is None or claim.refused:
            return
        if claim.kind == "intake":
            if stated.log_index is not None:
                self.intake.setdefault(stated.log_index, []).append(claim)
            return
        self.receipts.setdefault(claim.digest, []).append(claim)
        if stated.transfer_id is not None:
            self.transfers.setdefault(stated.transfer_id, []).append(claim)


@dataclass
class Walk:
    count: int = 0
    roots: dict[int, bytes] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    probes: dict[int, bytes] = field(default_factory=dict)
    intake_without_receipt: int = 0
    receipt_entries_without_receipt: list[int] = field(default_factory=list)
    #: problems recorded for malformed entries (the rest came from the source)
    entry_problems: int = 0
    seconds: float = 0.0

    @property
    def root(self) -> bytes | None:
        return self.roots.get(self.count)


def walk(
    batches: Iterable[list[bytes]],
    report: AuditReport,
    *,
    wanted: Iterable[int] = (),
    probes: Iterable[int] = (),
    watches: Watches | None = None,
    progress: Progress | None = None,
    expected: int | None = None,
    every: int = 100_000,
) -> Walk:
    """Walk every entry of ``batches`` (consecutive, from index 0)."""
    started = time.perf_counter()
    out = Walk()
    watches = watches or Watches()
    intake_watch, receipt_watch, transfer_watch = (
        watches.intake,
        watches.receipts,
        watches.transfers,
    )
    coverage = watches.coverage
    kinds = out.kinds
    probe_set = set(probes)
    targets = sorted({w for w in wanted if w > 0})
    if 0 in set(wanted):
        out.roots[0] = EMPTY_ROOT
    target_at = 0
    sha256 = hashlib.sha256
    size = 0
    compact: tuple[bytes, ...] = ()
    next_report = every
    reported = 0

    for batch in batches:
        for index, data in enumerate(batch, size):
            try:
                entry = read_entry(data, index)
            except IntegrityError as exc:
                for problem in exc.problems or [Problem("", exc.detail)]:
                    path = problem.path or f"/entries/{index}"
                    report.fail(path, f"{exc.detail}: {problem.message}")
                    out.entry_problems += 1
                kinds["malformed"] = kinds.get("malformed", 0) + 1
                for claim in intake_watch.get(index, ()):
                    claim.saw_intake(index, None)
                continue
            kind = entry.kind
            kinds[kind] = kinds.get(kind, 0) + 1
            if index in intake_watch:
                for claim in intake_watch[index]:
                    claim.saw_intake(index, entry)
            elif kind == "intake" and coverage:
                out.intake_without_receipt += 1
            if kind == "receipt":
                assert isinstance(entry, ReceiptEntry)
                claims = receipt_watch.get(entry.receipt_sha256)
                if claims:
                    for claim in claims:
                        claim.saw_receipt(index, entry)
                elif coverage:
                    out.receipt_entries_without_receipt.append(index)
            elif kind == "transfer" and transfer_watch:
                assert isinstance(entry, TransferEntry)
                for claim in transfer_watch.get(entry.transfer_id, ()):
                    claim.saw_transfer(index, entry)

        leaves = [sha256(b"\x00" + data).digest() for data in batch]
        end = size + len(leaves)
        for probe in probe_set:
            if size <= probe < end:
                out.probes[probe] = leaves[probe - size]
        # Grow the tree, stopping at each size whose root is wanted.
        tree, taken = size, 0
        while target_at < len(targets) and targets[target_at] <= end:
            step = targets[target_at] - tree
            if step:
                compact = append_leaves(tree, compact, leaves[taken : taken + step]).compact_range
                tree, taken = tree + step, taken + step
            out.roots[tree] = compact_range_root(compact)
            target_at += 1
        if taken < len(leaves):
            compact = append_leaves(tree, compact, leaves[taken:]).compact_range
        size = end
        if progress is not None and size >= next_report:
            progress(size, expected)
            reported = size
            while next_report <= size:
                next_report += every

    if progress is not None and size != reported:
        progress(size, expected)  # the end, unless just reported
    out.count = size
    out.roots[size] = compact_range_root(compact)
    out.seconds = time.perf_counter() - started
    return out

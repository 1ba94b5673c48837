"""The audit: check a log from an export or a live hub without trusting either.

Trust comes only from the verifier keys the auditor gives (``--key``) and, optionally, a
checkpoint the auditor kept from before (``--since``). :func:`audit` then checks:

1. the latest checkpoint is signed by a trusted key named as its origin;
2. every entry, hashed in index order (RFC 9162), gives exactly the checkpoint's root, and
   there are exactly as many entries as it says;
3. every entry is a known entry kind in canonical form (the ledger's own rules);
4. the ``--since`` checkpoint is signed by a trusted key and the log extends it: the
   entries up to its size give its root (and a live hub's consistency proof holds);
5. every earlier checkpoint in an export is signed by the hub and agrees with the entries
   at its size (the hub never signed two inconsistent heads);
6. a live hub's inclusion proofs for a few leaves lead to the checkpoint's root;
7. every receipt verifies with its signer's key and is recorded in the log as it says
   (see :mod:`saphan.audit.receiptcheck`).

The comparisons of the entries with signed roots (2, 3 and 5) are in
:mod:`saphan.audit.rootcheck`.

Every failure is collected in the :class:`~saphan.audit.report.AuditReport`; nothing stops
at the first. The signature checks of receipts and earlier checkpoints run in worker
processes (:mod:`saphan.audit.sigpool`) alongside the pass over the entries.

What it does not do: print (the command does) or fetch keys on its own.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from saphan.audit.checkpoints import EarlierCheckpoints, open_checkpoint, unique
from saphan.audit.material import AgencyKeys, HubKeys, ReceiptRecord
from saphan.audit.receiptcheck import ReceiptClaim, SignatureChecks, problems_of, read_claim
from saphan.audit.report import AuditReport
from saphan.audit.rootcheck import b64, check_earlier, check_entries
from saphan.audit.sigpool import SignaturePool
from saphan.audit.sources import LogSource
from saphan.audit.walk import Progress, Walk, Watches, walk
from saphan.errors import HubError, IntegrityError, Problem
from saphan.ledger.checkpoint import Checkpoint, parse_checkpoint
from saphan.ledger.merkle import verify_consistency, verify_inclusion
from saphan.ledger.note import NoteVerifier

__all__ = ["AuditOptions", "audit"]


@dataclass
class AuditOptions:
    trusted: Sequence[NoteVerifier]
    #: a signed checkpoint kept from an earlier audit
    since: str | None = None
    #: receipts the auditor holds, besides those the source carries
    receipts: Sequence[ReceiptRecord] = ()
    #: keys the auditor obtained independently, instead of the source's
    hub_keys: HubKeys | None = None
    agency_keys: AgencyKeys | None = None
    progress: Progress | None = None
    progress_every: int = 100_000
    #: processes for signature checks (default: one per CPU but one)
    workers: int | None = None


def _moved(where: str, exc: HubError) -> list[Problem]:
    return [Problem(where + p.path if p.path != "/" else where, p.message) for p in exc.problems]


class _Audit:
    def __init__(self, source: LogSource, options: AuditOptions) -> None:
        self.source = source
        self.options = options
        self.report = AuditReport(source.label)
        self._since_problems: list[Problem] = []

    def run(self) -> AuditReport:
        report = self.report
        latest = self._latest()
        since = self._since(latest)
        hub_keys = self._keys()
        agency_keys = (
            self.options.agency_keys
            if self.options.agency_keys is not None
            else self.source.agency_keys(report)
        )
        origin = latest.origin if latest else self.options.trusted[0].name
        verifiers = unique(
            [*self.options.trusted, *(NoteVerifier.of(origin, k) for k in hub_keys.values())]
        )
        pool = SignaturePool(self.options.workers)
        try:
            return self._run(latest, since, hub_keys, agency_keys, verifiers, pool)
        finally:
            pool.close()

    def _run(
        self,
        latest: Checkpoint | None,
        since: Checkpoint | None,
        hub_keys: HubKeys,
        agency_keys: AgencyKeys,
        verifiers: list[NoteVerifier],
        pool: SignaturePool,
    ) -> AuditReport:
        report = self.report
        earlier = EarlierCheckpoints(self.source.earlier_checkpoints(report), verifiers, pool)
        claims = self._claims(hub_keys, agency_keys)
        watches = Watches(coverage=self.source.complete_receipts)
        for claim in claims:
            watches.add(claim)
        signatures = SignatureChecks(claims, pool)

        size = latest.size if latest else None
        wanted = {c.size for _, c in earlier.items}
        if since is not None:
            wanted.add(since.size)
        if size is not None:
            wanted.add(size)
        probes = {0, size // 2, size - 1} if size else set()
        before = report.problem_count
        try:
            result = walk(
                self.source.batches(size, report),
                report,
                wanted=wanted,
                probes=probes,
                watches=watches,
                progress=self.options.progress,
                expected=size,
                every=self.options.progress_every,
            )
        finally:
            signatures.wait()
        check_entries(report, latest, result, before)
        self._since_result(latest, since, result)
        check_earlier(report, latest, earlier, result)
        self._proofs(latest, result)
        self._receipts(claims, result, size)
        return report

    # 1. The latest checkpoint.

    def _latest(self) -> Checkpoint | None:
        report = self.report
        note = self.source.checkpoint()
        try:
            checkpoint, signer = open_checkpoint(note, self.options.trusted)
        except HubError as exc:
            problems = _moved("/checkpoint", exc)
            try:
                checkpoint = parse_checkpoint(note)
            except HubError as parse_exc:
                problems += _moved("/checkpoint", parse_exc)
                report.record("checkpoint signature", problems, "unreadable checkpoint")
                return None
            self._describe(checkpoint)
            report.record(
                "checkpoint signature",
                problems,
                "no trusted key signed it: the entries are compared with an untrusted root",
            )
            return checkpoint
        self._describe(checkpoint)
        report.record("checkpoint signature", [], f"signed by {signer.name}+{signer.key_id.hex()}")
        return checkpoint

    def _describe(self, checkpoint: Checkpoint) -> None:
        self.report.origin = checkpoint.origin
        self.report.size = checkpoint.size
        self.report.root = b64(checkpoint.root_hash)

    # 4. Consistency with a checkpoint the auditor kept.

    def _since(self, latest: Checkpoint | None) -> Checkpoint | None:
        note = self.options.since
        if note is None:
            return None
        try:
            since, _ = open_checkpoint(note, self.options.trusted)
        except HubError as exc:
            self.report.record("consistency with --since", _moved("/since", exc), "")
            return None
        if latest is None:
            return since
        if since.origin != latest.origin:
            self._since_problems.append(
                Problem("/since/origin", f"is {since.origin!r}, the log is {latest.origin!r}")
            )
        elif since.size > latest.size:
            self._since_problems.append(
                Problem(
                    "/since/size",
                    f"the log shrank: --since has {since.size:,} entries, the latest "
                    f"checkpoint {latest.size:,}",
                )
            )
        elif 0 < since.size < latest.size:
            self._served_consistency(since, latest)
        return since

    def _served_consistency(self, since: Checkpoint, latest: Checkpoint) -> None:
        try:
            proof = self.source.consistency_proof(since.size, latest.size)
            if proof is not None:
                verify_consistency(
                    since.size, latest.size, proof, since.root_hash, latest.root_hash
                )
        except HubError as exc:
            self._since_problems.extend(
                Problem("/since/proof", f"the hub's consistency proof: {p.message}")
                for p in exc.problems
            )

    def _since_result(
        self, latest: Checkpoint | None, since: Checkpoint | None, result: Walk
    ) -> None:
        if self.options.since is None:
            self.report.skip("consistency with --since", "no --since checkpoint given")
            return
        if since is None:
            return  # its signature failed: recorded already
        problems = self._since_problems
        computed = result.roots.get(since.size)
        if (
            latest is not None
            and since.size <= latest.size
            and computed is not None
            and computed != since.root_hash
        ):
            problems.append(
                Problem(
                    "/since/root",
                    f"the first {since.size:,} entries hash to {b64(computed)}; the "
                    f"--since checkpoint signed {b64(since.root_hash)}: the log was "
                    "rewritten or forked",
                )
            )
        detail = f"size {since.size:,} -> {latest.size:,}" if latest else ""
        self.report.record("consistency with --since", problems, detail)

    # Keys and receipts.

    def _keys(self) -> HubKeys:
        if self.options.hub_keys is not None:
            return self.options.hub_keys
        before = self.report.problem_count
        keys = self.source.hub_keys(self.report)
        self.report.check("hub keys (JWK set)", before, f"{len(keys)} key(s)")
        return keys

    def _claims(self, hub_keys: HubKeys, agency_keys: AgencyKeys) -> list[ReceiptClaim]:
        records = itertools.chain(self.source.receipts(self.report), self.options.receipts)
        headers: dict[str, str | None] = {}
        return [read_claim(r, hub_keys, agency_keys, headers) for r in records]

    def _receipts(self, claims: list[ReceiptClaim], result: Walk, size: int | None) -> None:
        report = self.report
        for kind, name in (("intake", "hub receipts"), ("delivery", "agency receipts")):
            mine = [c for c in claims if c.kind == kind]
            if not mine:
                report.skip(name, "none to check")
                continue
            report.record(
                name,
                problems_of(mine, size if size is not None else result.count),
                f"{len(mine):,} checked: signature and log entry",
            )
        unknown = [c for c in claims if c.kind not in ("intake", "delivery")]
        if unknown:
            report.record("receipts of unknown signers", problems_of(unknown, result.count), "")
        if self.source.complete_receipts:
            if result.intake_without_receipt:
                report.notes.append(
                    f"{result.intake_without_receipt:,} intake entries have no hub receipt "
                    "in the export"
                )
            missing = result.receipt_entries_without_receipt
            if missing:
                shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
                report.notes.append(
                    f"{len(missing):,} receipt entries have no receipt in the export "
                    f"(indexes {shown})"
                )

    # 6. Proofs a live hub serves.

    def _proofs(self, latest: Checkpoint | None, result: Walk) -> None:
        if latest is None or not result.probes:
            return
        if self.source.inclusion_proof(0, max(latest.size, 1)) is None:
            return
        problems: list[Problem] = []
        for index, leaf in sorted(result.probes.items()):
            try:
                proof = self.source.inclusion_proof(index, latest.size)
                assert proof is not None
                verify_inclusion(leaf, index, latest.size, proof, latest.root_hash)
            except HubError as exc:
                problems.extend(
                    Problem(f"/proof/inclusion/{index}", p.message) for p in exc.problems
                )
        self.report.record(
            "inclusion proofs served", problems, f"{len(result.probes)} leaves checked"
        )


def audit(source: LogSource, options: AuditOptions) -> AuditReport:
    """Audit the log ``source`` serves; the report lists every check and failure."""
    if not options.trusted:
        raise IntegrityError("no trusted key", [Problem("/key", "give the log's verifier key")])
    # An audit builds hundreds of thousands of small objects (a claim per receipt) that
    # live until the end; the cyclic collector would scan them over and over (half the
    # cost of reading the receipts). What it creates holds no cycles, so reference
    # counting frees the rest; the collector resumes afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Audit(source, options).run()
    finally:
        if collecting:
            gc.enable()

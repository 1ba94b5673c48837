"""Checkpoints an auditor trusts: signature checks with a set of keys, in the background.

* :func:`open_checkpoint` opens a signed checkpoint with any of several verifier keys (a
  hub that rotated its key signed older checkpoints with an older one) and insists that
  a key named as the checkpoint's origin signed it, as
  :func:`saphan.ledger.checkpoint.verify_checkpoint` does for one key;
* :class:`EarlierCheckpoints` reads every earlier checkpoint of an export at once, without
  trusting it, so the walk over the entries knows at which sizes to take the root, and
  has their signatures checked meanwhile (:mod:`saphan.audit.sigpool`).

What it does not do: compare roots with entries (:mod:`saphan.audit.rootcheck` does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from saphan.audit.sigpool import Batch, Job, SignaturePool
from saphan.errors import HubError, IntegrityError, Problem
from saphan.ledger.checkpoint import Checkpoint, parse_checkpoint
from saphan.ledger.note import NoteVerifier, open_note, parse_note
from saphan.ledger.pubkeys import public_raw

__all__ = ["EarlierCheckpoints", "open_checkpoint", "unique"]


def open_checkpoint(
    note: str, verifiers: Sequence[NoteVerifier]
) -> tuple[Checkpoint, NoteVerifier]:
    """The checkpoint and the key that vouches for it; :class:`IntegrityError` otherwise."""
    opened = open_note(note, verifiers)
    checkpoint = parse_checkpoint(opened.text)
    signed = {(s.name, s.key_id) for s in opened.signatures}
    for verifier in verifiers:
        if (verifier.name, verifier.key_id) in signed and verifier.name == checkpoint.origin:
            return checkpoint, verifier
    names = ", ".join(sorted({s.name for s in opened.signatures}))
    raise IntegrityError(
        "the checkpoint is from another log",
        [Problem("/origin", f"is {checkpoint.origin!r}; it is signed as {names}")],
    )


def unique(verifiers: Iterable[NoteVerifier]) -> list[NoteVerifier]:
    seen: set[tuple[str, bytes]] = set()
    out: list[NoteVerifier] = []
    for verifier in verifiers:
        if (verifier.name, verifier.key_id) not in seen:
            seen.add((verifier.name, verifier.key_id))
            out.append(verifier)
    return out


class EarlierCheckpoints:
    """Earlier checkpoints: parsed at once (their sizes), signatures checked in bulk.

    The signature rules are those of :func:`open_checkpoint` (and so of C2SP signed notes):
    signatures by keys not given are ignored, one by a given key that fails refuses the
    checkpoint, at least one must hold, and a key named as the origin must have signed.
    Only the Ed25519 checks are batched into the :class:`SignaturePool`.
    """

    def __init__(
        self,
        notes: Iterable[tuple[str, str]],
        verifiers: Sequence[NoteVerifier],
        pool: SignaturePool,
    ) -> None:
        self.items: list[tuple[str, Checkpoint]] = []
        self.problems: list[Problem] = []
        known = {(v.name, v.key_id): n for n, v in enumerate(verifiers)}
        keys = [public_raw(v.key) for v in verifiers]
        jobs: list[Job] = []
        #: per checkpoint: the names of its signatures by given keys, in job order
        self._signers: list[list[str]] = []
        for where, note in notes:
            try:
                opened = parse_note(note)
                checkpoint = parse_checkpoint(opened.text)
            except HubError as exc:
                self.problems.extend(Problem(where, p.message) for p in exc.problems)
                continue
            text = opened.text.encode("utf-8")
            names: list[str] = []
            for signature in opened.signatures:
                number = known.get((signature.name, signature.key_id))
                if number is not None:
                    jobs.append((number, signature.signature, text))
                    names.append(signature.name)
            self.items.append((where, checkpoint))
            self._signers.append(names)
        self._batch: Batch | None = pool.submit(keys, jobs) if jobs else None

    def signed(self) -> list[tuple[str, Checkpoint]]:
        """Wait for the signature checks; the checkpoints whose signature holds.

        Each refused one is added to :attr:`problems`.
        """
        verdicts = iter(SignaturePool.results(self._batch) if self._batch else [])
        self._batch = None
        good: list[tuple[str, Checkpoint]] = []
        for (where, checkpoint), names in zip(self.items, self._signers, strict=True):
            results = [next(verdicts) for _ in names]
            failed = [name for name, ok in zip(names, results, strict=True) if not ok]
            if failed:
                reason = f"the signature of {failed[0]} does not verify"
            elif not names:
                reason = "no signature from a trusted key"
            elif checkpoint.origin not in names:
                reason = f"signed as {', '.join(sorted(set(names)))}, not as {checkpoint.origin!r}"
            else:
                good.append((where, checkpoint))
                continue
            self.problems.append(Problem(where, f"signature refused: {reason}"))
        self.items, self._signers = good, []
        return good

"""The audit's comparisons of the entries with the roots the hub signed (checks 2, 3 and 5).

The one pass over the entries (:mod:`saphan.audit.walk`) computes the root at every size a
checkpoint names; this module reads that against what was signed:

* :func:`check_entries`: the entries give exactly the latest checkpoint's root and are as
  many as it says (2), and every one was well-formed (3);
* :func:`check_earlier`: every earlier checkpoint of an export agrees with the entries at
  its size (5), and a disagreement is narrowed to the entries between the last checkpoint
  that agrees and the first that does not.

What it does not do: verify signatures (:mod:`saphan.audit.checkpoints`), walk the entries,
or decide which checks run and in what order (:mod:`saphan.audit.verify`).
"""

from __future__ import annotations

import base64

from saphan.audit.checkpoints import EarlierCheckpoints
from saphan.audit.report import AuditReport, Check
from saphan.audit.walk import Walk
from saphan.errors import Problem
from saphan.ledger.checkpoint import Checkpoint

__all__ = ["b64", "check_earlier", "check_entries"]


def b64(data: bytes | None) -> str:
    """A hash as the report shows it: standard base64, ``-`` for none."""
    return "-" if data is None else base64.b64encode(data).decode("ascii")


def check_entries(
    report: AuditReport, latest: Checkpoint | None, result: Walk, before: int
) -> None:
    """Checks 2 and 3: the entries against the latest checkpoint. ``before`` is the report's
    problem count before the walk: what the walk recorded since counts against check 3."""
    kinds = ", ".join(
        f"{k} {n:,}" for k, n in sorted(result.kinds.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    malformed = result.kinds.get("malformed", 0)
    rate = result.count / result.seconds if result.seconds else 0.0
    timing = f"{result.count:,} entries in {result.seconds:.1f} s ({rate:,.0f}/s)"
    walk_problems = report.problem_count - before
    problems: list[Problem] = []
    if latest is not None:
        if result.count != latest.size:
            problems.append(
                Problem(
                    f"/entries/{min(result.count, latest.size)}",
                    f"the source holds {result.count:,} entries; the checkpoint has "
                    f"{latest.size:,}",
                )
            )
        computed = result.roots.get(latest.size)
        if computed is not None and computed != latest.root_hash:
            problems.append(
                Problem(
                    "/checkpoint/root",
                    f"the entries hash to {b64(computed)}; the checkpoint signed "
                    f"{b64(latest.root_hash)}: an entry was changed, removed, added or "
                    "moved",
                )
            )
    report.record("entries hash to the checkpoint root", problems, timing)
    # Malformed entries and unreadable lines or files were recorded during the walk.
    transport = walk_problems - result.entry_problems
    detail = kinds or "no entries"
    if transport:
        detail = f"{transport:,} unreadable line(s) or file(s); {detail}"
    if malformed:
        detail = f"{malformed:,} malformed; {detail}"
    report.checks.append(
        Check("entries well-formed", "FAILED" if malformed or transport else "ok", detail)
    )


def check_earlier(
    report: AuditReport,
    latest: Checkpoint | None,
    earlier: EarlierCheckpoints,
    result: Walk,
) -> None:
    """Check 5: every earlier checkpoint the hub signed against the entries at its size."""
    signed = earlier.signed()
    if not signed and not earlier.problems:
        report.skip("earlier checkpoints", "none at hand")
        return
    problems = list(earlier.problems)
    good: list[int] = []
    bad: list[int] = []
    for where, checkpoint in signed:
        if latest is not None and checkpoint == latest:
            continue  # the latest itself: compared with the entries above
        if latest is not None and checkpoint.origin != latest.origin:
            problems.append(Problem(where, f"is for another log ({checkpoint.origin!r})"))
            continue
        computed = result.roots.get(checkpoint.size)
        if computed is None:
            problems.append(
                Problem(
                    where,
                    f"signed for size {checkpoint.size:,}, beyond the "
                    f"{result.count:,} entries at hand",
                )
            )
        elif computed != checkpoint.root_hash:
            bad.append(checkpoint.size)
            problems.append(
                Problem(
                    where,
                    f"signed root {b64(checkpoint.root_hash)} for size "
                    f"{checkpoint.size:,}; the entries give {b64(computed)}",
                )
            )
        else:
            good.append(checkpoint.size)
    if latest is not None:
        computed = result.roots.get(latest.size)
        if computed is not None and computed != latest.root_hash:
            bad.append(latest.size)  # its failure is reported above; here it narrows
    if bad:
        last_good = max((s for s in good if s < min(bad)), default=0)
        agree = (
            f"the entries agree with what the hub signed up to size {last_good:,} and "
            if last_good
            else "the entries "
        )
        problems.append(
            Problem(
                f"/entries/{last_good}",
                f"{agree}differ before size {min(bad):,}: look at entries {last_good:,} "
                f"to {min(bad) - 1:,}",
            )
        )
    others = sum(1 for _, c in signed if c != latest)
    report.record(
        "earlier checkpoints",
        problems,
        f"{others:,} signed by the hub, {len(good):,} agree with the entries",
    )

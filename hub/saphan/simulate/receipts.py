"""The receipt a simulated agency returns for a transfer it received.

A receiving agency acknowledges each transfer with a JWS receipt (hub contract,
"Receipts"): case and transfer id as the hub sent them, sender ``SAPHAN``, receiver the
agency's own code, the SHA-256 of the exact bytes received, the time, and no log index
(an agency cannot know the hub's). :class:`ReceiptSigner` issues it with the agency's
key, or, for the fault flags that concern receipts, deliberately wrong.

Signing and the JWS form are :mod:`saphan.ledger.receipts`'; this module only fills in
the payload an agency states.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from pydantic import ValidationError

from saphan.errors import InputError, Problem
from saphan.ledger.keys import SigningKey
from saphan.ledger.receipts import ReceiptPayload, issue_receipt
from saphan.simulate.faults import Fault

__all__ = ["HUB_SENDER", "MALFORMED_RECEIPT", "ReceiptSigner", "sha256_hex"]

#: The sender of every transfer, as receipts name it.
HUB_SENDER = "SAPHAN"
#: What an agency with the ``malformed_receipt`` fault answers instead of a JWS.
MALFORMED_RECEIPT = "this-is.not-a.receipt!"

# Where a bad payload field came from, for the problems a caller reports.
_SOURCES = {
    "case_id": "/headers/saphan-case-id",
    "transfer_id": "/headers/saphan-transfer-id",
}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ReceiptSigner:
    """Issues this agency's receipts; ``faults`` may make them deliberately wrong."""

    def __init__(self, code: str, key: SigningKey, faults: Iterable[Fault] = ()) -> None:
        self.code = code
        self.key = key
        self.faults = frozenset(faults)
        if Fault.WRONG_KEY in self.faults:
            # The receipt still names the agency's key id, so only a verifier that checks
            # the signature itself (not merely that the key id is known) notices.
            self._signing = SigningKey(kid=key.kid, private=SigningKey.generate().private)
        else:
            self._signing = key

    def issue(self, case_id: str, transfer_id: str, body: bytes, now: datetime) -> str:
        """The receipt for ``body``, received for ``transfer_id`` of ``case_id`` at ``now``.

        Raises :class:`InputError` when the ids cannot appear in a receipt.
        """
        if Fault.MALFORMED_RECEIPT in self.faults:
            return MALFORMED_RECEIPT
        stated = body + b"\n" if Fault.RECEIPT_OVER_OTHER_BYTES in self.faults else body
        try:
            payload = ReceiptPayload(
                case_id=case_id,
                transfer_id=transfer_id,
                sender=HUB_SENDER,
                receiver=self.code,
                sha256=sha256_hex(stated),
                time=now,
                log_index=None,
            )
        except ValidationError as exc:
            problems = [
                Problem(_SOURCES.get(str(err["loc"][0]), f"/{err['loc'][0]}"), err["msg"])
                for err in exc.errors(include_url=False)
            ]
            raise InputError("no receipt can name these ids", problems) from None
        return issue_receipt(payload, self._signing)

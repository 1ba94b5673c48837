"""Checkpoints opened with several keys, in bulk; a live hub's answers read strictly."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import pytest

from saphan.audit.checkpoints import EarlierCheckpoints, open_checkpoint
from saphan.audit.report import AuditReport
from saphan.audit.sigpool import SignaturePool
from saphan.audit.sources import HubSource
from saphan.errors import HubError, InputError
from saphan.ledger.checkpoint import Checkpoint
from saphan.ledger.keys import SigningKey
from saphan.ledger.note import NoteVerifier, parse_note, sign_note

ORIGIN = "log.example"
OLD, NEW, STRANGER = (SigningKey.generate() for _ in range(3))
TRUSTED = [NoteVerifier.of(ORIGIN, k.private.public_key()) for k in (NEW, OLD)]
ROOT = hashlib.sha256(b"root").digest()


def note(size: int, key: SigningKey, origin: str = ORIGIN, name: str | None = None) -> str:
    text = Checkpoint(origin, size, ROOT).text()
    return sign_note(text, name or origin, key.private)


def cosigned(size: int) -> str:
    first = note(size, STRANGER, name="witness.example")
    return sign_note(
        Checkpoint(ORIGIN, size, ROOT).text(),
        ORIGIN,
        NEW.private,
        keep=parse_note(first).signatures,
    )


def broken(size: int) -> str:
    good = note(size, NEW)
    text, sig = good.rsplit("\n\u2014 ", 1)
    raw = bytearray(base64.b64decode(sig.split(" ", 1)[1]))
    raw[-1] ^= 1
    return f"{text}\n\u2014 {ORIGIN} {base64.b64encode(bytes(raw)).decode()}\n"


CASES = {
    "new key": note(10, NEW),
    "old key": note(11, OLD),
    "stranger": note(12, STRANGER),
    "stranger's name too": note(13, STRANGER, name="other.example"),
    "co-signed by a witness": cosigned(14),
    "failing signature": broken(15),
    "another log": note(16, NEW, origin="other.example"),
    "not a note": "hello\n",
}


def _exact(text: str) -> bool:
    try:
        open_checkpoint(text, TRUSTED)
    except HubError:
        return False
    return True


def test_bulk_checks_reach_the_verdicts_of_open_checkpoint() -> None:
    pool = SignaturePool(1)
    earlier = EarlierCheckpoints(((name, text) for name, text in CASES.items()), TRUSTED, pool)
    good = {where for where, _ in earlier.signed()}
    assert good == {name for name, text in CASES.items() if _exact(text)}
    assert good == {"new key", "old key", "co-signed by a witness"}
    refused = {p.path for p in earlier.problems}
    assert refused == set(CASES) - good


def test_open_checkpoint_names_the_key_that_vouches() -> None:
    checkpoint, signer = open_checkpoint(note(3, OLD), TRUSTED)
    assert (checkpoint.size, signer) == (3, TRUSTED[1])
    with pytest.raises(HubError, match="another log"):
        open_checkpoint(note(3, NEW, origin="other.example", name=ORIGIN), TRUSTED)


def _hub(pages: dict[int, Any]) -> HubSource:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/log/entries":
            start = int(request.url.params["start"])
            return httpx.Response(200, json=pages.get(start, {"entries": []}))
        return httpx.Response(404, text="no")

    return HubSource("http://hub.test", client=httpx.Client(transport=httpx.MockTransport(answer)))


def _items(start: int, count: int) -> dict[str, Any]:
    return {
        "entries": [
            {"index": i, "entry": base64.b64encode(b"entry %d" % i).decode()}
            for i in range(start, start + count)
        ]
    }


def test_pages_are_followed_from_where_they_stop() -> None:
    hub = _hub({0: _items(0, 3), 3: _items(3, 2)})
    report = AuditReport("t")
    batches = list(hub.batches(5, report))
    assert [len(b) for b in batches] == [3, 2]
    assert batches[1][1] == b"entry 4"
    assert report.ok


def test_a_page_that_skips_or_stops_is_a_failure() -> None:
    skipping = _items(0, 3)
    skipping["entries"][2]["index"] = 7
    report = AuditReport("t")
    assert list(_hub({0: skipping}).batches(5, report)) == []
    assert [p.path for p in report.problems] == ["/entries/2"]
    report = AuditReport("t")
    assert [len(b) for b in _hub({0: _items(0, 3)}).batches(5, report)] == [3]
    assert report.problems[0].message.startswith("the hub served no entries from index 3")


def test_an_error_answer_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        _hub({}).checkpoint()
    assert caught.value.problems[0].path == "/v1/log/checkpoint"

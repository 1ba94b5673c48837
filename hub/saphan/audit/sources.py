"""Where an audit reads a log from: an export folder, or a live hub over HTTP.

Both sources hand the verifier the same things: the latest signed checkpoint, the entries
in index order (in batches), the keys and receipts they carry, and, for a live hub, the
proofs it serves. A source reports what is wrong with its *transport* (a stray file, a
line that is not base64, a page that skips an index) into the report; whether the
contents are true is for :mod:`saphan.audit.verify` to decide. A source never decides
what to trust.

What they do not do: retry. An unreachable hub is an :class:`~saphan.errors.InputError`.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
import orjson

from saphan.audit import layout
from saphan.audit.layout import EntryFile
from saphan.audit.material import (
    AgencyKeys,
    HubKeys,
    ReceiptRecord,
    read_agency_keys,
    read_jwks,
    read_receipt_lines,
)
from saphan.audit.report import AuditReport
from saphan.errors import InputError, Problem

__all__ = ["FolderSource", "HubSource", "LogSource"]

#: Entries per batch handed to the verifier from a folder (bounded memory).
_FOLDER_BATCH = 20_000
PAGE = 1000

_K = TypeVar("_K", HubKeys, AgencyKeys)


class LogSource(Protocol):
    label: str
    #: whether the source holds *all* receipts (so unmatched log records are worth a note)
    complete_receipts: bool

    def checkpoint(self) -> str: ...

    def batches(self, size: int | None, report: AuditReport) -> Iterator[list[bytes]]: ...

    def earlier_checkpoints(self, report: AuditReport) -> Iterator[tuple[str, str]]: ...

    def hub_keys(self, report: AuditReport) -> HubKeys: ...

    def agency_keys(self, report: AuditReport) -> AgencyKeys: ...

    def receipts(self, report: AuditReport) -> Iterator[ReceiptRecord]: ...

    def consistency_proof(self, first: int, second: int) -> list[bytes] | None: ...

    def inclusion_proof(self, index: int, size: int) -> list[bytes] | None: ...


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the {what}", [Problem(f"/{path.name}", str(exc))]) from exc


class FolderSource:
    """An export written by ``saphan log export`` (layout in :mod:`saphan.audit.layout`)."""

    complete_receipts = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.label = f"export folder {folder}"
        if not folder.is_dir():
            raise InputError(
                "no such export folder", [Problem("/dir", f"{folder} is not a folder")]
            )
        manifest = folder / layout.MANIFEST
        if not manifest.is_file():
            raise InputError(
                "not a complete export",
                [Problem(f"/{layout.MANIFEST}", "missing: the export is incomplete or not one")],
            )
        try:
            self.manifest: dict[str, Any] = json.loads(_read_text(manifest, "manifest"))
        except ValueError as exc:
            raise InputError(
                "unreadable manifest", [Problem(f"/{layout.MANIFEST}", str(exc))]
            ) from exc
        fmt = self.manifest.get("format") if isinstance(self.manifest, dict) else None
        version = self.manifest.get("version") if isinstance(self.manifest, dict) else None
        if fmt != layout.FORMAT or version != layout.VERSION:
            raise InputError(
                "unknown export format",
                [Problem(f"/{layout.MANIFEST}", f"not {layout.FORMAT} version {layout.VERSION}")],
            )

    def checkpoint(self) -> str:
        return _read_text(self.folder / layout.CHECKPOINT, "checkpoint")

    def batches(self, size: int | None, report: AuditReport) -> Iterator[list[bytes]]:
        files, problems = layout.entry_files(self.folder)
        report.fail_all(problems)
        position = 0
        batch: list[bytes] = []
        for entry_file in files:
            if entry_file.first != position:
                report.fail(
                    f"/{layout.ENTRIES}/{entry_file.path.name}",
                    f"starts at index {entry_file.first}, but the files before it end at "
                    f"{position}: entries are missing or repeated",
                )
            for chunk, bad in self._chunks(entry_file):
                for offset in bad:
                    report.fail(
                        f"/entries/{position + offset}",
                        f"line {offset + 1} of {entry_file.path.name} is not base64",
                    )
                position += len(chunk)
                batch.extend(chunk)
                if len(batch) >= _FOLDER_BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch

    @staticmethod
    def _chunks(entry_file: EntryFile) -> Iterator[tuple[list[bytes], list[int]]]:
        try:
            yield from layout.read_entry_file(entry_file)
        except OSError as exc:
            raise InputError(
                "cannot read an entry file", [Problem(f"/entries/{entry_file.path.name}", str(exc))]
            ) from exc

    def earlier_checkpoints(self, report: AuditReport) -> Iterator[tuple[str, str]]:
        path = self.folder / layout.CHECKPOINTS
        if not path.is_file():
            report.notes.append(f"the export has no {layout.CHECKPOINTS}")
            return
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                where = f"/{layout.CHECKPOINTS}/{number}"
                if not line.strip():
                    continue
                try:
                    doc = json.loads(line)
                except ValueError as exc:
                    report.fail(where, f"not JSON: {exc}")
                    continue
                note = doc.get("note") if isinstance(doc, dict) else None
                if not isinstance(note, str):
                    report.fail(where, "needs a 'note' string (the signed checkpoint)")
                    continue
                yield where, note

    def _json(self, name: str, report: AuditReport) -> Any:
        path = self.folder / name
        if not path.is_file():
            report.notes.append(f"the export has no {name}")
            return None
        try:
            return json.loads(_read_text(path, name))
        except ValueError as exc:
            report.fail(f"/{name}", f"not JSON: {exc}")
            return None

    def _keys(
        self, name: str, read: Callable[[Any, str], tuple[_K, list[Problem]]], report: AuditReport
    ) -> _K:
        """The keys of an optional key file; what is missing or wrong goes into the report."""
        doc = self._json(name, report)
        if doc is None:
            return {}
        keys, problems = read(doc, f"/{name}")
        report.fail_all(problems)
        return keys

    def hub_keys(self, report: AuditReport) -> HubKeys:
        return self._keys(layout.JWKS, read_jwks, report)

    def agency_keys(self, report: AuditReport) -> AgencyKeys:
        return self._keys(layout.AGENCY_KEYS, read_agency_keys, report)

    def receipts(self, report: AuditReport) -> Iterator[ReceiptRecord]:
        path = self.folder / layout.RECEIPTS
        if not path.is_file():
            report.notes.append(f"the export has no {layout.RECEIPTS}")
            return
        with path.open(encoding="utf-8") as handle:
            for item in read_receipt_lines(iter(handle), layout.RECEIPTS):
                if isinstance(item, list):
                    report.fail_all(item)
                else:
                    yield item

    def consistency_proof(self, first: int, second: int) -> list[bytes] | None:
        return None  # the verifier holds every entry and computes the old root itself

    def inclusion_proof(self, index: int, size: int) -> list[bytes] | None:
        return None


def _b64(text: Any, where: str) -> bytes:
    if not isinstance(text, str):
        raise InputError("bad answer", [Problem(where, "not a base64 string")])
    try:
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise InputError("bad answer", [Problem(where, f"not base64: {exc}")]) from exc


class HubSource:
    """A running hub, read through its public log API (hub-contract "HTTP API")."""

    complete_receipts = False

    def __init__(self, url: str, *, client: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.label = f"hub at {self.url}"
        self._client = client or httpx.Client(timeout=30.0)

    def close(self) -> None:
        self._client.close()

    def _get(self, path: str, params: dict[str, int] | None = None) -> httpx.Response:
        try:
            response = self._client.get(self.url + path, params=params)
        except httpx.HTTPError as exc:
            raise InputError(
                f"cannot read {self.url}{path}", [Problem(path, f"{type(exc).__name__}: {exc}")]
            ) from exc
        if response.status_code != 200:
            raise InputError(
                f"the hub answered {response.status_code} to {path}",
                [Problem(path, f"HTTP {response.status_code}: {response.text[:200]}")],
            )
        return response

    def _get_json(self, path: str, params: dict[str, int] | None = None) -> Any:
        response = self._get(path, params)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise InputError("bad answer", [Problem(path, f"not JSON: {exc}")]) from exc

    def checkpoint(self) -> str:
        return self._get("/v1/log/checkpoint").text

    def batches(self, size: int | None, report: AuditReport) -> Iterator[list[bytes]]:
        if size is None:
            return
        start = 0
        while start < size:
            end = min(size, start + PAGE)
            try:
                page = self._page(start, end)
            except InputError as exc:
                report.fail_all(exc.problems)
                return
            if not page:
                report.fail(
                    f"/entries/{start}",
                    f"the hub served no entries from index {start}; the checkpoint has {size}",
                )
                return
            yield page
            start += len(page)

    def _page(self, start: int, end: int) -> list[bytes]:
        path = "/v1/log/entries"
        doc = self._get_json(path, {"start": start, "end": end})
        items = doc.get("entries") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise InputError("bad answer", [Problem(path, "no 'entries' list")])
        out: list[bytes] = []
        for offset, item in enumerate(items[: end - start]):
            index = start + offset
            if not isinstance(item, dict) or item.get("index") != index:
                raise InputError(
                    "bad answer",
                    [
                        Problem(
                            f"/entries/{index}", f"the page's item {offset} is not entry {index}"
                        )
                    ],
                )
            out.append(_b64(item.get("entry"), f"/entries/{index}"))
        return out

    def earlier_checkpoints(self, report: AuditReport) -> Iterator[tuple[str, str]]:
        return iter(())

    def hub_keys(self, report: AuditReport) -> HubKeys:
        path = "/.well-known/jwks.json"
        keys, problems = read_jwks(self._get_json(path), path)
        report.fail_all(problems)
        return keys

    def agency_keys(self, report: AuditReport) -> AgencyKeys:
        return {}

    def receipts(self, report: AuditReport) -> Iterator[ReceiptRecord]:
        return iter(())

    def _hashes(self, path: str, params: dict[str, int]) -> list[bytes]:
        doc = self._get_json(path, params)
        hashes = doc.get("hashes") if isinstance(doc, dict) else None
        if not isinstance(hashes, list):
            raise InputError("bad answer", [Problem(path, "no 'hashes' list")])
        return [_b64(h, f"{path}/hashes/{i}") for i, h in enumerate(hashes)]

    def consistency_proof(self, first: int, second: int) -> list[bytes] | None:
        return self._hashes("/v1/log/proof/consistency", {"first": first, "second": second})

    def inclusion_proof(self, index: int, size: int) -> list[bytes] | None:
        return self._hashes("/v1/log/proof/inclusion", {"index": index, "tree_size": size})

"""Property-based tests of the served OpenAPI document (schemathesis, in process).

Every operation ``create_app`` publishes at ``/openapi.json`` is called with generated
requests; every answer must be no 5xx, of a declared status and media type, and match its
declared schema. Agency operations answer 401 to unsigned calls, so they run a second time
with each request signed by a test agency's key over the exact bytes sent (a ``requests``
auth hook calling :func:`saphan.auth.sign_request`): the handlers behind the signature
check are exercised too.

The run is bounded (a few dozen examples per operation) to keep CI under a minute or so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from conftest import EXAMPLES
from fastapi import FastAPI
from hubkit import AgencyKeys, make_hub
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckFunction
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance
from securehub import now_utc

from saphan.api.app import create_app
from saphan.auth import sign_request
from saphan.clock import FixedClock
from saphan.config import Settings
from saphan.engine.intake import intake
from saphan.engine.services import Services

EXAMPLES_PER_OPERATION = 30
#: "A schema-valid request is accepted" does not hold for this API by design: a valid
#: request for a case, transfer or log index that does not exist, or from a caller without
#: a signature, is rightly refused.
NOT_APPLICABLE: list[CheckFunction] = [positive_data_acceptance]
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


class Signed(requests.auth.AuthBase):
    """Signs each prepared request (method, URL, Content-Type, body) as one agency."""

    def __init__(self, keys: AgencyKeys, code: str, clock: FixedClock) -> None:
        self.keys, self.code, self.clock = keys, code, clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        assert isinstance(body, bytes), "streamed bodies are not generated here"
        if body and "Content-Type" not in request.headers:
            request.headers["Content-Type"] = "application/octet-stream"
        headers: dict[str, str] = {}
        for k, v in request.headers.items():
            if k.lower() == "content-type":
                assert isinstance(v, str), "the Content-Type set above or by requests is text"
                headers[k] = v
        added = sign_request(
            str(request.method),
            str(request.url),
            headers,
            body,
            self.keys[self.code].private,
            self.code,
            self.clock.now(),
        )
        request.headers.update(added)
        return request


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, Services, AgencyKeys]]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    svc, keys, clock = make_hub(
        f"sqlite:///{tmp / 'hub.db'}", tmp / "data", clock=FixedClock(now_utc())
    )
    # one real case, so that reads and status changes can find something
    escalation = (EXAMPLES / "damrongtham" / "escalation-warin-chamrap.xml").read_bytes()
    assert intake(svc, "damrongtham", "MOI-DRT-3415", escalation).status == 201
    app = create_app(svc.settings, services=svc)
    try:
        yield app, svc, keys
    finally:
        schemathesis_asgi.shutdown_lifespans()
        svc.close()


@pytest.fixture(scope="module")
def omb(hub: tuple[FastAPI, Services, AgencyKeys]) -> Signed:
    _, svc, keys = hub
    assert isinstance(svc.clock, FixedClock)
    return Signed(keys, "OMB", svc.clock)


def served_document() -> dict[str, Any]:
    """``/openapi.json`` of ``create_app``: the document does not depend on the hub's state,
    so it is read once at collection from an app that is never started."""
    app = create_app(Settings(data_dir=Path("never-created"), delivery_workers=False))
    document: dict[str, Any] = app.openapi()
    return document


schema = schemathesis.openapi.from_dict(served_document())


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_as_declared(
    case: schemathesis.Case[Any], hub: tuple[FastAPI, Services, AgencyKeys]
) -> None:
    case.call_and_validate(app=hub[0], excluded_checks=NOT_APPLICABLE)


@schema.include(tag="agencies").parametrize()
@BOUNDED
def test_signed_agency_operations_answer_as_declared(
    case: schemathesis.Case[Any], hub: tuple[FastAPI, Services, AgencyKeys], omb: Signed
) -> None:
    answer = case.call_and_validate(app=hub[0], auth=omb, excluded_checks=NOT_APPLICABLE)
    assert answer.status_code != 401, answer.text

"""The servers the HTTP benchmarks compare the hub with, each run as its own process.

* ``bare``: the framework floor. ``POST /v1/inbound/{format}`` reads the body and answers
  201 with a fixed JSON; ``POST /inbound`` (a receiver doing no work) answers a fixed
  receipt-shaped JSON. No signature check, no parsing, no storage.
* ``receiver --code C --key PEM``: the receiving agency the hub pushes to in the
  end-to-end run: reads the body and answers ``{"receipt": JWS}`` signed with the agency's
  key over the SHA-256 of the bytes received (what the hub verifies), and nothing else (no
  signature check, no parsing, no storage: the least a receipt-giving agency must do).
* ``relay --db URL --receiver URL``: the end-to-end floor. Per case, the same two HTTP
  requests as the hub (one in, one out to a bare receiver) and the same durable commits
  as the case's two durable states need: the message is inserted (one transaction) before
  it goes out, and marked delivered (a second transaction) when the receiver answered;
  then the caller gets 201. The engine is the hub's own (``make_engine``: SQLite WAL with
  ``synchronous=FULL`` and ``BEGIN IMMEDIATE``, or PostgreSQL with its defaults).

All run on uvicorn with the same settings as ``saphan serve`` and print one ready line,
``listening on URL``. Loopback only; stopped with SIGTERM.
"""

from __future__ import annotations

import argparse
import hashlib
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from fastapi import FastAPI, Request, Response
from sqlalchemy import Column, Engine, LargeBinary, MetaData, String, Table, insert, update
from starlette.concurrency import run_in_threadpool

from saphan.ledger.keys import SigningKey, read_private_key
from saphan.simulate.receipts import ReceiptSigner
from saphan.simulate.server import base_url, serve_app
from saphan.store.db import make_engine

ACCEPTED = b'{"accepted":1}'
NO_RECEIPT = b'{"receipt":"-"}'

MESSAGES = Table(
    "relay_messages",
    MetaData(),
    Column("id", String(36), primary_key=True),
    Column("body", LargeBinary, nullable=False),
    Column("state", String(16), nullable=False),
)


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/inbound/{format}")
    async def inbound(format: str, request: Request) -> Response:
        await request.body()
        return Response(ACCEPTED, status_code=201, media_type="application/json")

    @app.post("/inbound")
    async def receive(request: Request) -> Response:
        await request.body()
        return Response(NO_RECEIPT, media_type="application/json")

    return app


def receiver_app(code: str, key: SigningKey) -> FastAPI:
    app = FastAPI()
    signer = ReceiptSigner(code, key)

    @app.post("/inbound")
    async def receive(request: Request) -> Response:
        body = await request.body()
        receipt = signer.issue(
            request.headers["saphan-case-id"],
            request.headers["saphan-transfer-id"],
            body,
            datetime.now(UTC),
        )
        return Response(f'{{"receipt":"{receipt}"}}', media_type="application/json")

    return app


def relay_app(db_url: str, receiver: str) -> FastAPI:
    engine: Engine = make_engine(db_url)
    MESSAGES.create(engine, checkfirst=True)
    session: dict[str, aiohttp.ClientSession] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        connector = aiohttp.TCPConnector(limit=32, limit_per_host=16)
        session["http"] = aiohttp.ClientSession(connector=connector)
        yield
        await session["http"].close()
        engine.dispose()

    app = FastAPI(lifespan=lifespan)

    def store(message_id: str, body: bytes) -> None:
        with engine.begin() as conn:
            conn.execute(insert(MESSAGES).values(id=message_id, body=body, state="pending"))

    def delivered(message_id: str) -> None:
        with engine.begin() as conn:
            conn.execute(
                update(MESSAGES).where(MESSAGES.c.id == message_id).values(state="delivered")
            )

    @app.post("/v1/inbound/{format}")
    async def inbound(format: str, request: Request) -> Response:
        body = await request.body()
        message_id = str(uuid.uuid4())
        await run_in_threadpool(store, message_id, body)
        headers = {
            "Content-Type": "application/json",
            "Saphan-Transfer-Id": message_id,
            "Saphan-Case-Id": hashlib.sha256(body).hexdigest()[:36],
        }
        async with session["http"].post(receiver, data=body, headers=headers) as resp:
            await resp.read()
        await run_in_threadpool(delivered, message_id)
        return Response(ACCEPTED, status_code=201, media_type="application/json")

    return app


def listen() -> socket.socket:
    """A listening loopback socket on a free port, made as asyncio makes its own: with
    ``IPPROTO_TCP`` named, so that asyncio turns Nagle's algorithm off on every accepted
    connection (it checks the protocol number; with 0 it leaves Nagle on, and each answer
    then waits about 40 ms for the client's delayed ACK)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    sock.setblocking(False)
    return sock


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("kind", choices=["bare", "receiver", "relay"])
    parser.add_argument("--code", default="DOL")
    parser.add_argument("--key", type=Path)
    parser.add_argument("--db")
    parser.add_argument("--receiver")
    args = parser.parse_args()
    sock = listen()
    if args.kind == "bare":
        app = bare_app()
    elif args.kind == "receiver":
        app = receiver_app(args.code, SigningKey.of(read_private_key(args.key)))
    else:
        app = relay_app(args.db, args.receiver)
    serve_app(app, sock, f"{args.kind} listening on {base_url(sock)}")


if __name__ == "__main__":
    main()

"""Running a simulator as a process: bind, say when ready, stop cleanly on SIGTERM.

Tests, the demo and benchmarks start simulators as separate processes and need two things
from them: one readable line on standard output once the process really serves
(``agency OMB listening on http://127.0.0.1:41234``), and a clean exit (status 0) on
SIGTERM or Ctrl-C, after in-flight requests finish (or a short grace period passes, so a
request told to hang cannot keep the process alive).

The socket is bound here before the app is built, so ``--port 0`` works: the kernel picks
a free port and the ready line names it. What it does not do: build the apps.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from saphan.errors import ConfigError, Problem

__all__ = ["base_url", "bind", "run_until_signalled", "say_ready", "serve_app"]

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0 picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio only turns Nagle off (TCP_NODELAY) for sockets
    # whose protocol it recognises as TCP; without it each answer waited for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror}", [Problem("/port", str(exc))]
        ) from None
    sock.setblocking(False)
    return sock


def base_url(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def say_ready(line: str) -> None:
    """Print the one ready line, flushed at once (the reader may be a pipe)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class _Server(uvicorn.Server):
    """uvicorn's server, telling the app when a stop signal arrives.

    uvicorn waits for requests in flight before it stops; a request an app keeps waiting
    on purpose (a simulated hang) must be told to finish, or every stop would take the
    whole grace period and end in a cancelled request.
    """

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_stop = on_stop
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._on_stop is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._on_stop)


def serve_app(
    app: ASGIApp,
    sock: socket.socket,
    ready_line: str,
    *,
    on_stop: Callable[[], None] | None = None,
    grace_s: int = 2,
) -> None:
    """Serve ``app`` on ``sock`` until SIGTERM or SIGINT; print ``ready_line`` once serving.

    ``on_stop`` is called on the event loop when the stop signal arrives, before uvicorn
    waits for the requests in flight.
    """
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=max(grace_s, 1),
    )
    server = _Server(config, on_stop)

    async def main() -> None:
        async def announce() -> None:
            while not server.started:
                if server.should_exit:
                    return
                await asyncio.sleep(0.01)
            say_ready(ready_line)

        announcer = asyncio.create_task(announce())
        try:
            await server.serve(sockets=[sock])
        finally:
            announcer.cancel()

    with _quiet_stop_signals():
        asyncio.run(main())


def run_until_signalled(main: Callable[[asyncio.Event], Awaitable[None]], ready_line: str) -> None:
    """Run ``main(stop)`` until it returns; SIGTERM or SIGINT sets ``stop``."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in _STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        try:
            say_ready(ready_line)
            await main(stop)
        finally:
            for sig in _STOP_SIGNALS:
                loop.remove_signal_handler(sig)

    asyncio.run(runner())


def _ignore(signum: int, frame: FrameType | None) -> None:
    return None


@contextlib.contextmanager
def _quiet_stop_signals() -> Iterator[None]:
    """Make a stop signal that uvicorn already handled end the process with status 0.

    uvicorn shuts down gracefully on SIGTERM/SIGINT and then raises the signal again
    against the handlers that were in place before it started, which by default kills the
    process (status -15) or raises KeyboardInterrupt. Handlers that ignore it are put in
    place for that moment, and the previous ones restored afterwards.
    """
    previous = {sig: signal.signal(sig, _ignore) for sig in _STOP_SIGNALS}
    try:
        yield None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

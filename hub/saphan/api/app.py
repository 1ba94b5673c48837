"""``create_app(settings)``: the hub's HTTP service (API and pages) and its background work.

The lifespan builds the services (database migrated, keys, directory, policy), starts the
push worker and the scheduled jobs, and stops them in order on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from saphan import __version__, web
from saphan.api import problems
from saphan.api.limits import BodyLimit
from saphan.api.ratelimit import TokenBucket
from saphan.api.routers import cases, health, inbound, log, ops, ratings, track, transfers
from saphan.clock import Clock
from saphan.config import Settings
from saphan.engine import services as services_mod
from saphan.engine.services import Services
from saphan.engine.stats import store_counts
from saphan.store.nonces import open_replay_store


def create_app(
    settings: Settings, *, clock: Clock | None = None, services: Services | None = None
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc: Services = (
            services
            if services is not None
            else await asyncio.to_thread(services_mod.build, settings, clock=clock)
        )
        svc.metrics.watch_store(lambda: store_counts(svc))
        app.state.services = svc
        nonces = await asyncio.to_thread(open_replay_store, settings.database_url())
        app.state.nonces = nonces
        app.state.rate_limits = {
            "track": TokenBucket(rate_per_s=1.0, burst=30),
            # password guessing: a handful of tries, then one every ten seconds per address
            "login": TokenBucket(rate_per_s=0.1, burst=10),
        }
        worker_task = None
        app.state.worker = None
        app.state.scheduler = None
        if settings.delivery_workers:
            from saphan import scheduler
            from saphan.delivery.worker import PushWorker

            worker = PushWorker(svc)
            app.state.worker = worker
            worker_task = asyncio.create_task(worker.run(), name="push-worker")
            app.state.scheduler = scheduler.start(svc)
        try:
            yield
        finally:
            if app.state.scheduler is not None:
                app.state.scheduler.shutdown(wait=False)
            if worker_task is not None:
                app.state.worker.stop()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(worker_task, timeout=10)
            nonces.close()
            if services is None:
                svc.close()

    app = FastAPI(
        title="Saphan hub API",
        version=__version__,
        description="Interoperability hub for Thailand's public-complaint systems (see docs/).",
        lifespan=lifespan,
    )
    problems.install(app)
    for router in (
        inbound.router,
        transfers.router,
        cases.router,
        track.router,
        log.router,
        health.router,
        ops.router,
        ratings.router,
        web.router,
    ):
        app.include_router(router)
    web.mount(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app

"""Composition root: wires the store, the worker and the web edge, and shuts them down cleanly."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from bot import log
from bot.gitlab.access import can_see, cannot_see, missing_api_scope, token_scopes
from bot.gitlab.client import GitLabClient, GitLabError
from bot.jobs import delivery, objective, rebuild, reconcile, sweep
from bot.jobs.context import Context, Registry
from bot.jobs.worker import Worker
from bot.metrics import Metrics
from bot.settings import ConfigError, FileConfig, Settings
from bot.store import Store, open_store
from bot.web.edge import Edge, make_app, runner_args

logger = log.get(__name__)

PRUNE_EVERY_SECONDS = 3600.0


def build_registry() -> Registry:
    """Every job kind the service knows: its handler and the builder of its jobs."""
    registry = Registry()
    for module in (delivery, objective, rebuild, reconcile, sweep):
        module.register(registry)
    return registry


@dataclass
class Service:
    """The running parts of one process."""

    settings: Settings
    config: FileConfig
    store: Store
    metrics: Metrics
    worker: Worker
    edge: Edge
    context: Context


@asynccontextmanager
async def running(settings: Settings, config: FileConfig) -> AsyncIterator[Service]:
    """Open the store and start the worker; on exit, drain the worker and close the store."""
    store = open_store(settings)
    await store.open()
    metrics = Metrics()
    exits = AsyncExitStack()
    gitlab = await exits.enter_async_context(GitLabClient(settings)) if settings.gitlab_token else None
    if gitlab is not None:
        try:
            await _check_access(gitlab, config)
        except BaseException:
            await exits.aclose()
            await store.close()
            raise
    registry = build_registry()
    context = Context(
        settings=settings,
        config=config,
        store=store,
        jobs=registry,
        gitlab=gitlab,
        bot_username=await _bot_username(settings, gitlab),
    )
    worker = Worker(store, registry, context, metrics)
    worker.start()
    pruner = asyncio.create_task(_prune_forever(store, settings))
    service = Service(
        settings, config, store, metrics, worker, Edge(settings, store, metrics, worker), context
    )
    try:
        yield service
    finally:
        pruner.cancel()
        await worker.stop(timeout=settings.lease_seconds / 2)
        await exits.aclose()
        await store.close()


async def _check_access(gitlab: GitLabClient, config: FileConfig) -> None:
    """Refuse a token that cannot write; warn, one line each, about groups the bot cannot see."""
    try:
        problem = missing_api_scope(await token_scopes(gitlab))
        if problem is not None:
            raise ConfigError(problem)
        for group in config.groups:
            if not await can_see(gitlab, group.path):
                logger.warning(cannot_see(group.path), group=group.path)
    except GitLabError as exc:
        logger.warning("cannot check the bot's access on GitLab", error=str(exc))


async def _bot_username(settings: Settings, gitlab: GitLabClient | None) -> str | None:
    """The bot's own GitLab user, whose events are ignored: configured, or asked of GitLab."""
    if settings.bot_username or gitlab is None:
        return settings.bot_username
    try:
        user = await gitlab.get("/user")
    except GitLabError as exc:
        logger.warning("cannot tell the bot's own user; its own events are not filtered", error=str(exc))
        return None
    return str(user["username"])


async def _prune_forever(store: Store, settings: Settings) -> None:
    retention = settings.dedupe_retention_days * 86400
    while True:
        try:
            removed = await store.prune(before=time.time() - retention)
            if removed:
                logger.info("pruned old deliveries", removed=removed)
        except Exception:
            logger.exception("prune failed")
        await asyncio.sleep(PRUNE_EVERY_SECONDS)


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _start_reconciling(service: Service) -> None:
    """Reconcile once at start, then on the interval (the job reschedules itself)."""
    if service.settings.gitlab_token is not None and service.settings.reconcile_interval_seconds > 0:
        await reconcile.schedule_now(service.store)
    if service.settings.gitlab_token is not None:
        await sweep.schedule_daily(service.store, service.settings)  # BOT_SWEEP_AT, one replica


async def serve(settings: Settings, config: FileConfig) -> None:
    """``serve``: web edge and worker in one process until SIGTERM or SIGINT."""
    async with running(settings, config) as service:
        await _start_reconciling(service)
        runner = web.AppRunner(make_app(service.edge), shutdown_timeout=10.0, **runner_args(service.edge))
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port, backlog=1024)
        await site.start()
        logger.info("serving", host=settings.host, port=settings.port, store=type(service.store).__name__)
        stop = _stop_event()
        await stop.wait()
        logger.info("shutting down")
        service.edge.shutting_down = True  # readiness turns 503, new deliveries get 503
        await asyncio.sleep(settings.shutdown_grace_seconds)
        await runner.cleanup()  # stop listening, finish the requests in flight
    logger.info("stopped")


async def work(settings: Settings, config: FileConfig) -> None:
    """``worker``: only the worker, until SIGTERM or SIGINT."""
    async with running(settings, config) as service:
        await _start_reconciling(service)
        logger.info("worker started")
        await _stop_event().wait()
        logger.info("shutting down")
    logger.info("stopped")

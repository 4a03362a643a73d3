"""The job store: the interface and the implementation chosen by ``BOT_DATABASE_URL``."""

from __future__ import annotations

from bot.settings import Settings
from bot.store.base import Delivery, Job, JobState, NewJob, Store, StoreStats, StoreUnavailable

__all__ = [
    "Delivery",
    "Job",
    "JobState",
    "NewJob",
    "Store",
    "StoreStats",
    "StoreUnavailable",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """The store for *settings* (not yet opened): PostgreSQL for ``postgresql://`` URLs, else SQLite."""
    url = settings.database_url or ""
    if url.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import PostgresStore

        return PostgresStore(url)
    from bot.store.sqlite import SQLiteStore

    return SQLiteStore(settings.sqlite_path())

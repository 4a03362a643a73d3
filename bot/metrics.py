"""Prometheus metrics of the web edge, the store and the worker."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import HistogramMetricFamily

from bot.store.base import StoreStats

# Delivery outcomes as counted at the edge; one label value each.
OUTCOMES = (
    "accepted",
    "duplicate",
    "ignored",
    "unauthorized",
    "too_large",
    "unsupported_media_type",
    "malformed",
    "timeout",
    "unavailable",
    "error",
)


class Metrics:
    """One registry per process (a fresh one per app in tests)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "bot_webhook_deliveries",
            "Webhook deliveries received, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in OUTCOMES:
            self.deliveries.labels(outcome)
        self.ack_latency = Histogram(
            "bot_webhook_ack_seconds",
            "Time from request start to the answer sent to GitLab.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.jobs = Gauge("bot_jobs", "Jobs in the store, by state.", ["state"], registry=self.registry)
        self.oldest_pending = Gauge(
            "bot_oldest_pending_job_age_seconds",
            "Age of the oldest job that is due and not yet running.",
            registry=self.registry,
        )
        self.dead_jobs = Gauge("bot_dead_jobs", "Jobs in the dead-letter state.", registry=self.registry)
        self.open_findings = Gauge(
            "bot_open_findings",
            "Open errors and warnings on tracked objectives, by rule.",
            ["rule"],
            registry=self.registry,
        )
        self._fix_days: list[float] = []
        self.hook_status = Gauge(
            "bot_hook_alert_status",
            "The bot's group hook as GitLab reports it: 1 for its current alert_status.",
            ["group", "status"],
            registry=self.registry,
        )
        self.registry.register(self)  # the fix-time histogram (collect)
        self.attempts = Counter(
            "bot_job_attempts",
            "Job attempts run by this process, by kind and result.",
            ["kind", "result"],
            registry=self.registry,
        )

    def observe_hooks(self, statuses: dict[str, str]) -> None:
        """``{group: alert_status}`` as the last reconcile read them."""
        for group, current in statuses.items():
            for status in ("executable", "temporarily_disabled", "disabled"):
                self.hook_status.labels(group, status).set(1 if status == current else 0)

    def observe_findings(self, open_by_rule: dict[str, int], fix_days: list[float]) -> None:
        """The open findings by rule and the days findings took to fix, from the store, per scrape."""
        for rule, count in open_by_rule.items():
            self.open_findings.labels(rule).set(count)
        self._fix_days = list(fix_days)

    def collect(self) -> Any:
        """A collector of the fix-time histogram, rebuilt from the stored durations at each scrape."""
        buckets = (1, 2, 7, 14, 30, 60, 90, 180)
        counts = [sum(1 for d in self._fix_days if d <= b) for b in buckets]
        family = HistogramMetricFamily(
            "bot_finding_fix_days", "Days from a finding's first appearance on an objective to its fix."
        )
        family.add_metric(
            [],
            [(str(b), c) for b, c in zip(buckets, counts, strict=True)] + [("+Inf", len(self._fix_days))],
            sum(self._fix_days),
        )
        yield family

    def observe_store(self, stats: StoreStats) -> None:
        """Copy store-wide numbers into the gauges before a scrape."""
        for state, count in stats.jobs_by_state.items():
            self.jobs.labels(state).set(count)
        self.oldest_pending.set(stats.oldest_pending_age)
        self.dead_jobs.set(stats.jobs_by_state.get("dead", 0))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)

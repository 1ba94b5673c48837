"""Prometheus metrics of one hub process (``prometheus_client``), on its own registry.

Counters and histograms are updated where things happen; queue depth, dead letters and
overdue counts are read from the database when ``/metrics`` is scraped, so every process
reports the shared truth rather than its own share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class _StoreCollector(Collector):
    def __init__(self, read: Callable[[], Mapping[str, Mapping[tuple[str, ...], float]]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        data = self._read()
        queue = GaugeMetricFamily(
            "saphan_queue_depth",
            "Transfers waiting, by agency and state",
            labels=["agency", "state"],
        )
        for (agency, state), value in data.get("queue", {}).items():
            queue.add_metric([agency, state], value)
        yield queue
        dead = GaugeMetricFamily(
            "saphan_dead_letters", "Dead-lettered transfers", labels=["agency"]
        )
        for (agency,), value in data.get("dead", {}).items():
            dead.add_metric([agency], value)
        yield dead
        overdue = GaugeMetricFamily("saphan_overdue", "Overdue transfers", labels=["agency"])
        for (agency,), value in data.get("overdue", {}).items():
            overdue.add_metric([agency], value)
        yield overdue
        quarantine = GaugeMetricFamily("saphan_quarantined", "Open quarantined records")
        quarantine.add_metric([], sum(data.get("quarantine", {}).values()))
        yield quarantine
        log_size = GaugeMetricFamily("saphan_log_size", "Entries in the transfer log")
        log_size.add_metric([], sum(data.get("log", {}).values()))
        yield log_size


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.intake = Counter(
            "saphan_intake_records", "Records received", ["format", "outcome"], registry=r
        )
        self.deliveries = Counter(
            "saphan_deliveries", "Delivery attempts", ["agency", "outcome"], registry=r
        )
        self.retries = Counter("saphan_retries", "Retries scheduled", ["agency"], registry=r)
        self.dead_letters = Counter(
            "saphan_dead_lettered", "Transfers dead-lettered", ["agency"], registry=r
        )
        self.overdue_marked = Counter(
            "saphan_overdue_marked", "Transfers marked overdue", ["agency"], registry=r
        )
        self.intake_latency = Histogram(
            "saphan_intake_seconds",
            "Intake handling time",
            ["format"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.delivery_latency = Histogram(
            "saphan_delivery_seconds",
            "Push delivery time (one attempt)",
            ["agency"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.handover_latency = Histogram(
            "saphan_handover_seconds",
            "Time from transfer creation to verified receipt",
            ["agency"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

    def watch_store(
        self, read: Callable[[], Mapping[str, Mapping[tuple[str, ...], float]]]
    ) -> None:
        self.registry.register(_StoreCollector(read))

"""The sandbox's Prometheus metrics, in a registry of its own (``GET /__ctk/metrics``).

One ``CollectorRegistry`` per ``Sandbox`` (never the process-wide default one, so two sandboxes in one test
process count apart). Counting is on every request's path, so it is plain dictionaries under one lock; the
metric families are built only when scraped (``prometheus_client``'s own counters take a lock per increment
and walk the buckets in Python: about three times the cost). Labels stay few: an injected latency or trickle
counts under its kind (``latency``, ``trickle``), not its value. With ``ctk serve --workers N`` each worker
process counts its own requests: a scrape reaches one worker.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

__all__ = ["BUCKETS", "CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The counts ``Sandbox`` moves on each request, and the text a scrape gets. Thread-safe."""

    def __init__(self, journal_entries: Callable[[], float]) -> None:
        self._journal_entries = journal_entries
        self._lock = threading.Lock()
        self.requests: defaultdict[tuple[str, str, int], int] = defaultdict(int)
        self.violations: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.faults: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.rate_limited: defaultdict[str, int] = defaultdict(int)
        self.reloads: defaultdict[str, int] = defaultdict(int)
        # api -> per-bucket counts (not cumulative; the last one is +Inf), and the sum of seconds
        self._buckets: dict[str, list[int]] = {}
        self._seconds: defaultdict[str, float] = defaultdict(float)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def observe(
        self, api: str, operation: str, status: int, seconds: float, violations: int, injected: tuple[str, ...]
    ) -> None:
        """Count one request."""
        slot = bisect.bisect_left(BUCKETS, seconds)
        with self._lock:
            self.requests[(api, operation, status)] += 1
            buckets = self._buckets.get(api)
            if buckets is None:
                buckets = self._buckets[api] = [0] * (len(BUCKETS) + 1)
            buckets[slot] += 1
            self._seconds[api] += seconds
            if violations:
                self.violations[(api, operation)] += violations
            for fault in injected:
                self._count_fault(api, fault)

    def observe_many(self, answers: Iterable[tuple[str, str, int, float, int, tuple[str, ...]]]) -> None:
        """Count several requests, each as ``observe``'s arguments, under one lock (``Sandbox.flush``)."""
        slots = [(answer, bisect.bisect_left(BUCKETS, answer[3])) for answer in answers]
        with self._lock:
            requests = self.requests
            all_buckets = self._buckets
            seconds_by_api = self._seconds
            for (api, operation, status, seconds, violations, injected), slot in slots:
                requests[(api, operation, status)] += 1
                buckets = all_buckets.get(api)
                if buckets is None:
                    buckets = all_buckets[api] = [0] * (len(BUCKETS) + 1)
                buckets[slot] += 1
                seconds_by_api[api] += seconds
                if violations:
                    self.violations[(api, operation)] += violations
                for fault in injected:
                    self._count_fault(api, fault)

    def _count_fault(self, api: str, fault: str) -> None:
        if fault == "rate-limited":
            self.rate_limited[api] += 1
        kind = fault.partition(":")[0] if fault.startswith(("latency:", "trickle:")) else fault
        self.faults[(api, kind)] += 1

    def reloaded(self, outcome: str) -> None:
        with self._lock:
            self.reloads[outcome] += 1

    def text(self) -> bytes:
        return generate_latest(self.registry)

    def collect(self) -> Iterator[Metric]:
        """The metric families, for the registry (a scrape)."""
        with self._lock:
            requests = dict(self.requests)
            violations = dict(self.violations)
            faults = dict(self.faults)
            rate_limited = dict(self.rate_limited)
            reloads = dict(self.reloads)
            buckets = {api: list(counts) for api, counts in self._buckets.items()}
            seconds = dict(self._seconds)
        family = CounterMetricFamily(
            "ctk_requests", "Requests answered, by API, operation and status", labels=("api", "operation", "status")
        )
        for (api, operation, status), count in sorted(requests.items()):
            family.add_metric((api, operation, str(status)), count)
        yield family
        histogram = HistogramMetricFamily(
            "ctk_request_duration_seconds", "Time to answer, injected latency included", labels=("api",)
        )
        for api, counts in sorted(buckets.items()):
            total = 0
            cumulative = []
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                total += count
                cumulative.append((bound, total))
            histogram.add_metric((api,), cumulative, seconds.get(api, 0.0))
        yield histogram
        family = CounterMetricFamily("ctk_violations", "Contract violations found in requests",
                                     labels=("api", "operation"))  # fmt: skip
        for labels, count in sorted(violations.items()):
            family.add_metric(labels, count)
        yield family
        family = CounterMetricFamily(
            "ctk_faults_injected", "Faults the sandbox injected (latency, status, reset, scenario, ...)",
            labels=("api", "fault"),
        )  # fmt: skip
        for labels, count in sorted(faults.items()):
            family.add_metric(labels, count)
        yield family
        family = CounterMetricFamily("ctk_rate_limited", "Requests answered 429 by the rate limit", labels=("api",))
        for api, count in sorted(rate_limited.items()):
            family.add_metric((api,), count)
        yield family
        gauge = GaugeMetricFamily("ctk_journal_entries", "Entries in the request journal")
        gauge.add_metric((), self._journal_entries())
        yield gauge
        family = CounterMetricFamily("ctk_reloads", "Hot reloads of the workspace, by outcome", labels=("outcome",))
        for outcome in ("ok", "error"):
            family.add_metric((outcome,), reloads.get(outcome, 0))
        yield family

"""The app's metrics, written in the Prometheus text exposition format 0.0.4.

Written here rather than with ``prometheus_client``: a handful of counters and one histogram, and
that library keeps its registry in a module global (one per process), where each app here owns its
registry (``app.extensions``), so that two apps in one process (the tests make many) never count
into each other. Counting takes one uncontended lock, well under a microsecond, so the
``/sparql`` path pays nothing measurable for it.

Format (https://prometheus.io/docs/instrumenting/exposition_formats/): per metric a ``# HELP``
line, a ``# TYPE`` line, then one sample a line, ``name{label="value",…} number``; in a label value
``\\``, ``"`` and a newline are escaped, in HELP text ``\\`` and a newline.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask import Flask, current_app

METRICS = "ptkg.metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upper bounds (seconds) of the request latency histogram's buckets; ``+Inf`` follows."""

Labels = tuple[tuple[str, str], ...]


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def number(value: float) -> str:
    """A sample value as the format writes it (``+Inf``, integers without a point)."""
    if value == float("inf"):
        return "+Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def sample(name: str, labels: Labels, value: float) -> str:
    if not labels:
        return f"{name} {number(value)}"
    inner = ",".join(f'{key}="{escape_label(val)}"' for key, val in labels)
    return f"{name}{{{inner}}} {number(value)}"


def family(name: str, kind: str, help_text: str, samples: Iterable[str]) -> Iterator[str]:
    """One metric: its HELP and TYPE lines, then its samples."""
    yield f"# HELP {name} {escape_help(help_text)}"
    yield f"# TYPE {name} {kind}"
    yield from samples


@dataclass
class _Latency:
    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0


class Metrics:
    """What the app counts: requests by route, method and status, their latency by route, and
    the ``/sparql`` queries stopped at the time limit or refused, by reason. What is not a count
    (the workers, the build's size) is read when the metrics are written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = {}
        self._latency: dict[str, _Latency] = {}
        self._timeouts = 0
        self._refused: dict[str, int] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        slot = bisect.bisect_left(LATENCY_BUCKETS, seconds)
        with self._lock:
            key = (route, method, status)
            self._requests[key] = self._requests.get(key, 0) + 1
            latency = self._latency.get(route)
            if latency is None:
                latency = self._latency[route] = _Latency()
            latency.buckets[slot] += 1
            latency.total += seconds
            latency.count += 1

    def timed_out(self) -> None:
        with self._lock:
            self._timeouts += 1

    def refused(self, reason: str) -> None:
        with self._lock:
            self._refused[reason] = self._refused.get(reason, 0) + 1

    def lines(self) -> Iterator[str]:
        """The counted metrics in the exposition format, one line each."""
        with self._lock:
            requests = sorted(self._requests.items())
            latency = sorted((route, _copy(found)) for route, found in self._latency.items())
            timeouts = self._timeouts
            refused = sorted(self._refused.items())
        yield from family(
            "ptkg_http_requests_total",
            "counter",
            "HTTP requests answered, by route, method and status.",
            (
                sample(
                    "ptkg_http_requests_total",
                    (("route", route), ("method", method), ("status", str(status))),
                    count,
                )
                for (route, method, status), count in requests
            ),
        )
        yield from family(
            "ptkg_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival in the app to its answer, by route.",
            _histogram("ptkg_http_request_duration_seconds", latency),
        )
        yield from family(
            "ptkg_sparql_timeouts_total",
            "counter",
            "SPARQL queries stopped at the time limit.",
            [sample("ptkg_sparql_timeouts_total", (), timeouts)],
        )
        yield from family(
            "ptkg_sparql_refused_total",
            "counter",
            "SPARQL queries refused before or instead of running, by reason.",
            (sample("ptkg_sparql_refused_total", (("reason", r),), n) for r, n in refused),
        )


def _copy(found: _Latency) -> _Latency:
    return _Latency(list(found.buckets), found.total, found.count)


def _histogram(name: str, latency: list[tuple[str, _Latency]]) -> Iterator[str]:
    for route, found in latency:
        running = 0
        for bound, count in zip((*LATENCY_BUCKETS, float("inf")), found.buckets, strict=True):
            running += count
            yield sample(f"{name}_bucket", (("route", route), ("le", number(bound))), running)
        yield sample(f"{name}_sum", (("route", route),), found.total)
        yield sample(f"{name}_count", (("route", route),), found.count)


def metrics(app: Flask | None = None) -> Metrics:
    """The app's metrics (``app.extensions``; ``server.operations.init_app`` puts them there)."""
    return (app or current_app).extensions[METRICS]

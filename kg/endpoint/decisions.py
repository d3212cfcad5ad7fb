"""Remember the guard's decisions, so that a query sent again is not judged again.

Judging a query (:func:`kg.endpoint.guard.check_query`) costs from one to tens of milliseconds,
nearly all of it in rdflib's parser, while running a simple one takes Oxigraph a few dozen
microseconds; and an endpoint is mostly sent the same queries again and again (an application's,
a page's, a notebook's loop). A decision depends on nothing but what the request gives: the text
as sent, the protocol's ``default-graph-uri`` and ``named-graph-uri``, and the base IRI (the
endpoint's URL as the request reached it). :class:`Decisions` keeps the most recent decisions,
keyed on all four, refusals as well as acceptances: a refused query is refused again, with the
same error and message, every time it is sent, and an accepted one runs the same canonical text.

It is bounded twice, in entries and in bytes (what each decision holds: the text as sent, its
canonical form and the map between their positions, the graph IRIs and the base), the least
recently used decision going first; a decision larger than a sixty-fourth of the byte budget is
not kept at all, so that no single query can empty it. One belongs to each web app (created in
``server.sparql.init_app``), and any of its threads may use it.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from kg.endpoint.guard import CheckedQuery, QueryRefused, check_query
from kg.store import QuerySyntaxError

MAX_ENTRIES = 4096
MAX_BYTES = 16 * 1024 * 1024
ENTRY_OVERHEAD = 512
"""Bytes counted for each decision besides its strings and tables: the key, the records, the
table's own node. Counted so, the decisions on 400 short queries were counted at 2.3 times
what ``tracemalloc`` saw them take."""
REMEMBERED = (QuerySyntaxError, QueryRefused)
"""The refusals a decision may be: anything else the guard raises is not remembered."""

Key = tuple[str, tuple[str, ...], tuple[str, ...], str | None]


@dataclass(frozen=True)
class _Refusal:
    kind: type[QuerySyntaxError] | type[QueryRefused]
    message: str

    def raised(self) -> Exception:
        return self.kind(self.message)


class Decisions:
    """The guard's latest decisions, at most ``max_entries`` of them in at most about
    ``max_bytes`` (thread-safe)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a cache of decisions needs room for at least one")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._kept: OrderedDict[Key, tuple[CheckedQuery | _Refusal, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def check(
        self,
        text: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        *,
        base: str | None = None,
    ) -> CheckedQuery:
        """:func:`kg.endpoint.guard.check_query`'s decision on these arguments: remembered, or
        made now and remembered. Raises what it raises."""
        key: Key = (text, tuple(default_graph_uris), tuple(named_graph_uris), base)
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
        if found is None:
            found = self._decide(key)
        decision = found[0]
        if isinstance(decision, _Refusal):
            raise decision.raised()
        return decision

    def _decide(self, key: Key) -> tuple[CheckedQuery | _Refusal, int]:
        """Judge ``key`` (outside the lock: two threads may judge the same query at once, and
        both get the same decision) and keep the decision if it fits."""
        text, default, named, base = key
        decision: CheckedQuery | _Refusal
        try:
            decision = check_query(text, default, named, base=base)
        except REMEMBERED as exc:
            decision = _Refusal(type(exc), str(exc))
        size = _size(key, decision)
        if size <= self.max_bytes // 64:
            with self._lock:
                self._keep(key, decision, size)
        return decision, size

    def _keep(self, key: Key, decision: CheckedQuery | _Refusal, size: int) -> None:
        previous = self._kept.pop(key, None)
        if previous is not None:
            self._bytes -= previous[1]
        self._kept[key] = (decision, size)
        self._bytes += size
        while len(self._kept) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, dropped) = self._kept.popitem(last=False)
            self._bytes -= dropped

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)

    @property
    def bytes(self) -> int:
        """What the kept decisions are counted as holding."""
        with self._lock:
            return self._bytes


def _size(key: Key, decision: CheckedQuery | _Refusal) -> int:
    """Bytes a kept decision is counted as holding: its key's strings, what the decision holds
    besides, and the fixed overhead of an entry."""
    text, default, named, base = key
    held = sum(map(sys.getsizeof, [text, *default, *named, base or ""]))
    if isinstance(decision, _Refusal):
        return held + sys.getsizeof(decision.message) + ENTRY_OVERHEAD
    return held + decision.footprint() + ENTRY_OVERHEAD

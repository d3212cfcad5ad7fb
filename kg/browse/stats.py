"""What the graph holds: triples per named graph, instances per class, statements per source."""

from __future__ import annotations

from dataclasses import dataclass

from kg.rdf.results import SelectResult
from kg.store import Store
from kg.store.queries import select
from kg.store.terms import count_value


@dataclass
class Stats:
    graphs: SelectResult
    classes: SelectResult
    sources: SelectResult

    @property
    def total_triples(self) -> int:
        return sum(count_value(row[1]) for row in self.graphs.rows)

    def uncovered_sources(self) -> list[str]:
        """Source documents no statement cites as evidence."""
        return [str(row[1]) for row in self.sources.rows if count_value(row[2]) == 0]


def statements_per_source(store: Store) -> list[tuple[str, int]]:
    """Each source document's identifier with the number of statements it evidences."""
    return [(str(row[1]), count_value(row[2])) for row in select(store, "stats-sources").rows]


def stats(store: Store) -> Stats:
    return Stats(*(select(store, q) for q in ("stats-graphs", "stats-classes", "stats-sources")))


SUMMARY_KINDS = (
    "Position statements",
    "Assessments",
    "Demands, conditions and proposals",
    "Actors",
    "Events",
    "Source documents",
)


def summary(store: Store) -> dict[str, int]:
    """Counts of the main kinds of thing, in display order (zero where there are none)."""
    found = {str(kind): count_value(count) for kind, count in select(store, "summary").rows}
    return {kind: found.get(kind, 0) for kind in SUMMARY_KINDS}

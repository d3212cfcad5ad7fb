"""The canned queries (``kg/queries/*.rq``) as examples for the query editor: each with what it
does, in groups by what it is for."""

from __future__ import annotations

from dataclasses import dataclass

from kg.store.queries import canned_queries, canned_query

GROUPS = (
    ("Questions and other queries", ()),
    ("Statistics", ("stats-", "summary")),
    ("Behind the pages", ("page-", "search-")),
    ("Build and export", ("derive-", "export-")),
)
"""How the example list is grouped, by the start of a canned query's name (the first group takes
every query no other group does)."""


@dataclass(frozen=True)
class Example:
    name: str
    description: str


def describe_example(text: str) -> str:
    """What a canned query does: its leading comment, joined into one line."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return " ".join(line for line in lines if line)


def example_groups() -> list[tuple[str, list[Example]]]:
    """The canned queries as examples, grouped (a group without any is left out)."""
    grouped: dict[str, list[Example]] = {title: [] for title, _ in GROUPS}
    for name in canned_queries():
        title = next(
            (t for t, starts in GROUPS if starts and name.startswith(starts)), GROUPS[0][0]
        )
        grouped[title].append(Example(name, describe_example(canned_query(name))))
    return [(title, found) for title, found in grouped.items() if found]
